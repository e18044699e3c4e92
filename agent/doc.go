// Package agent is a Go client of Parley's Agent Chat API (v3.0 names and
// shapes, after LiveChat's Agent Chat API): what support consoles and
// bots use to list, join and serve chats, transfer them, ban customers and
// set their routing status. It has the shape of package customer, the
// Customer SDK: one Client over one self-healing RTM connection, typed
// notifications, context-first methods.
//
// # Quick start
//
// New a Client with the server's URL, the license and the agent's e-mail
// and password (or a token), subscribe with [On], and call its methods:
// see the examples of New (connecting) and On (a bot that greets every
// chat routed to it). They run against a real server started in-process.
//
// New returns at once and connects in the background; methods called
// before the connection is up wait for it, up to their ctx. With
// Config.ManualConnect it waits for Connect, so that handlers are in place
// before the first notification.
//
// # Signing in
//
// Config.Token is an access token, for example from Login (POST
// /v3.0/agent/login). With Config.Email and Config.Password instead (or as
// well) the client logs in by itself, and again whenever the server
// refuses its token (expired, revoked). A client with a Token alone stops
// for good when the token is refused: it emits AgentDisconnected{Final:
// true}.
//
// # Notifications
//
// Everything the server pushes becomes a typed notification
// (IncomingChat for incoming_chat_thread, IncomingEvent, ChatTransferred,
// ThreadTagged, RoutingStatusSet, …; UnknownPush for anything else). Subscribe by type
// with On and Once, by the push's action name with Client.On, or range
// over Client.Notifications. Handlers run one at a time, in arrival order,
// on one goroutine per Client; a slow handler delays later notifications
// and never loses one (see Config.NotificationBuffer for what happens when
// they pile up). The event SendEvent returns is not reported again as
// IncomingEvent; every other push is reported, including those the
// client's own requests caused (ChatUserAdded after JoinChat, ThreadClosed
// after DeactivateChat, …).
//
// A handler may call the client's methods. Give those calls a ctx with a
// deadline: while a handler waits, notifications queue up, and once
// Config.NotificationBuffer of them are waiting the client stops reading
// the connection, answers included, until the handler returns.
//
// # Connection
//
// The client pings, and when the connection drops it emits ConnectionLost,
// reconnects with capped exponential backoff and jitter, logs in again
// (with a fresh token when it has credentials) and emits
// ConnectionRestored. Then it delivers what it missed while away in the
// chats the agent hears of (those it is in, and those waiting in the queue
// of one of its groups): the events stored meanwhile, as IncomingEvent (or
// IncomingChat for a new thread), and the active chats it did not know of
// as IncomingChat; in store order, and none twice. Pushes of other kinds
// sent while it was away (typing indicators, property changes, …) are not
// recovered. A request in flight when the connection drops fails with
// ErrConnectionLost; a request made while reconnecting waits for the
// connection up to its ctx.
//
// # Errors
//
// Errors answered by the server are *Error values carrying the protocol's
// error type; the client's own states are sentinels (ErrClosed,
// ErrNotConnected, ErrConnectionLost, ErrFileTooLarge, ErrLimitTooHigh,
// ErrNoCredentials). All work with errors.Is and errors.As.
//
// # Concurrency
//
// A Client is safe for use by many goroutines. Close stops every goroutine
// it started.
package agent
