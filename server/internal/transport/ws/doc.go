// Package ws serves the RTM API over plain WebSocket, the documented
// endpoint (/v3.0/customer/rtm/ws) that Go clients and others use: every
// text message, in both directions, is exactly one protocol frame. There is
// no framing of its own and no keep-alive beyond what the protocol's ping
// frames and WebSocket control pings (answered by the library) provide.
//
//	mux.Handle("/v3.0/customer/rtm/ws", ws.Handler(session.Serve, transport.Options{}))
//
// Binary messages are accepted and treated like text. Connections are not
// compressed.
package ws
