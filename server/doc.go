// Package server assembles a Parley chat server: the Customer Chat API
// v3.0 (SockJS for the JS SDK, plain WebSocket for Go and other clients),
// the customer accounts endpoints, the agent RTM API, uploads and /healthz,
// over a chat.Store and a broker.Broker. Operations endpoints (Prometheus
// /metrics and net/http/pprof) are on a separate handler, AdminHandler,
// meant for a listener that only operators reach.
//
// The shortest use:
//
//	srv, err := server.New(ctx, server.Config{DataDir: "data"})
//	if err != nil { … }
//	go srv.ListenAndServe()
//	…
//	srv.Shutdown(ctx)
//
// Config.Limits bounds what one client may cost: failed agent logins,
// customer token requests, requests in flight and connections, uploads
// (see Limits and docs/security.md).
package server
