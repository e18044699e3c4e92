// Package ws serves the RTM API over plain WebSocket, the documented
// endpoint (/v3.0/customer/rtm/ws) that Go clients and others use: every
// text message, in both directions, is exactly one protocol frame. There is
// no framing of its own and no keep-alive beyond what the protocol's ping
// frames and WebSocket control pings provide: the library answers the
// client's, and a connection implements transport.Pinger for the server's
// (which the session sends to v3.5 clients, whose SDK sends no pings).
//
//	mux.Handle("/v3.0/customer/rtm/ws", ws.Handler(session.Serve, transport.Options{}))
//
// Binary messages are accepted and treated like text. Connections are not
// compressed.
package ws
