// Package transport defines what the RTM session layer needs from a client
// connection, independent of how the bytes travel.
//
// A [Conn] carries protocol frames: each frame is one JSON document of the
// Customer Chat API (a request, a response or a push). Two transports
// implement it:
//
//   - [github.com/parleychat/parley/server/internal/transport/ws]: plain
//     WebSocket, one text message per frame (the documented /rtm/ws endpoint,
//     used by Go clients);
//   - [github.com/parleychat/parley/server/internal/transport/sockjs]: SockJS
//     over WebSocket (the /rtm/sjs endpoint the JS SDK uses), which wraps
//     frames in SockJS framing (o, h, a[...], c[...]).
//
// Both turn an HTTP upgrade into a call of a [Handler] and close the
// connection when the handler returns:
//
//	mux.Handle("/v3.0/customer/rtm/ws", ws.Handler(serve, transport.Options{}))
//
//	func serve(ctx context.Context, c transport.Conn, r *http.Request) {
//		for {
//			frame, err := c.Read(ctx)
//			if err != nil {
//				return
//			}
//			...
//		}
//	}
//
// # Concurrency
//
// One goroutine reads while another writes; [Conn.Close] may be called from
// anywhere, any number of times. Nothing else about the session (login,
// actions, pushes) is known here.
package transport
