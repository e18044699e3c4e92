// Package server assembles a Parley chat server: the Customer Chat API
// v3.0 (SockJS for the JS SDK 2, plain WebSocket for Go and other
// clients) and v3.5 (plain WebSocket for the JS SDK 4, and the Customer
// Web API over HTTP), the customer accounts endpoints (with the v2 token
// endpoint of customer-auth 1.0.0, which names a license by its
// organization id), the agent RTM API, the Configuration API (package
// configapi), uploads and /healthz, over a chat.Store and a
// broker.Broker. Operations endpoints (Prometheus /metrics and
// net/http/pprof) are on a separate handler, AdminHandler, meant for a
// listener that only operators reach.
//
// The shortest use:
//
//	srv, err := server.New(ctx, server.Config{DataDir: "data"})
//	if err != nil { … }
//	go srv.ListenAndServe()
//	…
//	srv.Shutdown(ctx)
//
// # Proxies and origins
//
// The server believes X-Forwarded-For, X-Forwarded-Host and
// X-Forwarded-Proto only from Config.TrustedProxies and removes them from
// every other request, before any handler runs: a client cannot pose as
// another address, host or TLS connection. File links are built on
// Config.PublicURL, or relative, never on a request's Host. Customer tokens
// go to the server's own origins and the client's listed ones (package
// auth; Demo.Origins for the demo client).
//
// Config.Limits bounds what one client may cost: failed agent logins,
// customer token requests, requests in flight and connections, uploads
// (see Limits and docs/security.md).
package server
