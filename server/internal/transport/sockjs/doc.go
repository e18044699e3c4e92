// Package sockjs serves the RTM API over SockJS, the way the LiveChat
// Customer JS SDK (@livechat/customer-sdk 2.0.0-alpha.3, with sockjs-client
// 1.3) connects: GET {prefix}/info, then a WebSocket at
// {prefix}/{server}/{session}/websocket.
//
// Only the WebSocket transport of SockJS protocol 0.3 is implemented. On it
// the server sends:
//
//	o                       at once, when the connection opens
//	h                       every [Options.HeartbeatInterval] (25 s)
//	a["<frame>",...]        the frames of one Write, each a JSON string
//	c[code,"reason"]        on Close, before the WebSocket close
//
// and the client sends JSON arrays of strings, one frame per string, such as
// ["{\"action\": \"ping\"}"]. A bare JSON string is one frame and an empty
// array nothing; any other message closes the connection with
// c[1002,"Broken framing."] (see [ErrBrokenFraming]).
//
// Mount it with the full path:
//
//	const prefix = "/v3.0/customer/rtm/sjs"
//	mux.Handle(prefix+"/", sockjs.Handler(prefix, session.Serve, sockjs.Options{}))
//
// Connections follow the [transport.Conn] contract; the heartbeat is written
// by the transport, interleaved with the caller's writes.
package sockjs
