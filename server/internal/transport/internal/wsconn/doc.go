// Package wsconn adapts one github.com/coder/websocket connection to
// [transport.Conn]. It holds what both transports share: the write lock,
// write timeouts, the close sequence, context handling and the optional
// open, heartbeat and close messages of SockJS. A [Framing] says how frames
// map to WebSocket messages; the zero Framing is plain WebSocket, one text
// message per frame.
//
// coder/websocket closes a connection whenever a context passed to Read or
// Write ends. Here reads run without a deadline, writes run under their own
// timeout, and callers' contexts only bound waits, so that a caller's
// deadline never tears a connection down by accident.
package wsconn
