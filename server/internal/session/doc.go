// Package session serves RTM connections: one session per connection, from
// the first frame to the close. It speaks the wire protocol (package
// protocol) on one side and calls the domain (package chat) on the other;
// it never sees HTTP. The transports (sockjs, ws) hand it a transport.Conn,
// and the server hands it a ConnInfo with the few values of the upgrade
// request it needs.
//
// # Login
//
// The first request must be login with a "Bearer <token>". A customer token
// is checked with auth.Signer (and against the license of the connection
// URL: license_id in v3.0, organization_id in v3.5), an agent token with auth.AgentTokens.Verify (signature,
// expiry, revocation, the agent still exists). Until then every other
// action is refused. Login subscribes the session to its topics (below) and
// tells the domain an agent is connected (routing).
//
// # Dialects
//
// Customers speak the Customer Chat API v3.0 (package protocol, the JS SDK
// 2's dialect) or v3.5 (package protocol/v35, the JS SDK 4's); agents
// speak v3.0. ConnInfo.Dialect, set by the route, decides a session's
// handler table (customerHandlers in customer.go, customer35Handlers in
// customer35.go) and which frame of a push it reads. Both tables call the
// same chat.Service methods through helpers they share, so a chat looks
// the same from either dialect; only the wire shapes differ (render.go,
// render35.go). A v3.5 URL that names no license gets
// customer_disconnected (license_not_found) at once. A v3.5 login may
// subscribe to a subset of pushes (its pushes, {"3.5": [names]}; all when
// absent): the session drops the others, except the push that answers one
// of its own requests. v3.5 lists are paged with page ids signed with
// Config.PageKey (pages35.go). queue_position_updated, a v3.5 push, goes
// to v3.0 customers too (the JS SDK 2 emits a push it does not know and
// does nothing else with it). get_form answers the offline form for type
// "offline" in both dialects (forms.go).
//
// A handler is a handlerFunc: it reads the request's payload and answers
// with a payload or an error, which handle encodes. Of its session it
// uses the server (Config: the Service, the page key, the clock),
// the logged-in actor and the connection id (actorFor, which tags the
// pushes a request causes for the connection); only a duplicate send_event
// writes to the connection itself, to send its push again.
//
// # Requests
//
// A reader goroutine reads frames and puts them in the session's inbox; a
// handler goroutine, running only while requests wait, handles them one at
// a time, in order: decode the request, look the action up in the
// customer's or the agent's handler table, turn the payload into a chat
// call, and answer with the result or an error. Domain errors are mapped
// to protocol errors in one place (protocolError); anything unknown is
// logged and answered as an internal error. A request that takes longer
// than Config.RequestTimeout is answered with request_timeout.
//
// A request is in flight from the moment it is read until its answer is
// queued. A connection may have Limits.MaxInFlight of them (default 10,
// the protocol's limit): the reader answers a request past them at once
// with too_many_requests and goes on reading; the connection stays up.
// Those waiting may hold two frames' worth of payload bytes
// (maxWaitingBytes): past that the reader waits for the handler before it
// reads on. A ping without a request_id (the JS SDK's) only
// keeps the connection alive and never counts.
//
// # Calls without a connection
//
// Server.RunWebCall runs one Customer Chat API v3.5 action for the
// Customer Web API (HTTP): the token is checked as at login, and the
// action's handler, the same as for a v3.5 connection, runs on a session
// that stands for no connection (its id is empty, so no push is tagged
// for it, and it has no writer). The pushes it causes go through the hub
// as any others, to the RTM connections of everyone concerned. One
// customer may have Limits.MaxInFlight calls running on a node at once.
//
// # Limits on connections
//
// One address (an IPv6 /64; loopback is exempt unless
// Limits.LimitLoopback) may hold Limits.ConnsPerIP connections, and one
// customer Limits.ConnsPerCustomer logged-in ones. The connection past
// either gets a *_disconnected push with reason too_many_connections (at
// once, or in answer to its login) and is closed.
//
// # The push queue
//
// Everything written to a connection goes through one queue drained by a
// writer goroutine: responses and pushes. The queue has a byte budget,
// Config.QueueBytes: a frame counts from the moment it is queued until it
// is written. Nobody waits for room: a session whose frame would take the
// queue past its budget is a slow consumer and is closed with
// slow_consumer, and its client reconnects and reloads what it missed. So
// a connection that stops reading holds at most its budget (or one frame,
// if larger), whatever it asks for. The writer batches what is waiting
// into one transport write.
//
// # Pages
//
// The answers that list events (get_chat_threads, get_chat) are cut into
// pages of about Config.PageBytes of events, newest first, with
// next_page_id naming the rest (pages.go): one answer stays within what
// the Go clients read (protocol.MaxServerFrameBytes), and a thread of any
// length is read from the store one page at a time.
//
// An idle connection costs little: the queue holds nothing up front and
// grows with what waits in it; the writer goroutine runs only while frames
// wait (the queue starts it, and it ends when it finds the queue empty);
// and no goroutine or timer watches one connection: the hub's sweeper
// checks every session's deadlines (login, idle, token expiry, the
// periodic revocation check of agent tokens) once a second. What is left
// per idle connection is its reader goroutine, the transport's buffers and
// its subscriptions.
//
// # The hub
//
// The Hub is the node's meeting point. As the chat.Notifier it renders each
// notification once per audience and dialect (customers in v3.0 with
// wirePush and in v3.5 with wirePush35, agents in v3.0) and publishes it
// on the broker topic of each recipient: one topic per user, one per
// license's agents. A customer's connections on any node may speak either
// dialect, so a message to a customer's topic carries both frames, each
// encoded once, and each session takes its own (the message format is in
// hub.go, at encodeMessage: the v3.5 frame rides in the request id field,
// which a node that does not know it reads as a request id it never
// uses). A push for one dialect only (a transfer, which v3.0 customers are
// not told) carries only that frame. A notification's Skip members (the
// customers of a chat that got a private note) get a message with the
// push's place and no frame: their sessions deliver nothing, and their
// place in the chat's sequence moves past the note (seq.go).
//
// The Hub subscribes to each topic once per node, for all the node's
// sessions that need it, counting them: the first session of a topic
// subscribes, the last to leave unsubscribes. Each message is
// decoded once and handed to each of the topic's local sessions. The
// connection that caused a push gets it with its request id.
//
// Control messages travel on a user's topic like pushes: a disconnect (a
// banned customer) and a token revocation close the user's connections
// after the pushes published before them.
//
// The Hub is also the chat.Presence: whether a customer is connected
// (an answer to an offline message is mailed only when it is not). A
// customer with a session on this node is; otherwise the hub publishes a
// probe on the customer's topic, the hubs of the nodes that hold a session
// of the customer answer on a reply topic of the asking hub, and the
// first answer within a second says connected (presence.go). A lost probe
// or answer reads as not connected.
//
// # Ordering
//
// The domain notifies changes of one chat in store order; the broker keeps
// the publish order of one topic; the hub delivers a topic's messages to
// each session in that order; a session's queue keeps it to the wire. So a
// client sees the pushes of one chat in the order they happened. Across
// the nodes of a cluster, the nodes take turns on a chat and each flushes
// the pushes of its change to the broker before the next takes over
// (server.Config.ChatLocker), so the order holds whichever nodes change
// the chat. Nothing is promised between different topics.
//
// # Lost pushes
//
// In a cluster two nodes may write one chat (the store orders them) and
// each publishes after its own commit, and the broker may lose a message
// (a node dying between its commit and its publish, a dropped message).
// So a push that adds to a chat's events carries its place in the chat's
// sequence (chat.Seq) to the topics of the chat's members, and the hub
// delivers a topic's pushes of a chat only in place order: one that skips
// a place waits for those before it, and when they do not come within
// gapWait the topic's sessions are asked to reconnect (Resync) and reload
// from the store, which gives them the missing events and the later ones,
// in order, once each. Reloading, rather than reading the missing events
// into the sessions, also restores the other pushes a lost publisher may
// have taken with it, which no sequence shows. See seq.go.
//
// # What closes a connection
//
//   - the client, or a broken network;
//   - no login within Config.LoginTimeout, nothing read for
//     Config.IdleTimeout, or an expired token (close code 1008, policy).
//     The JS SDK 4 (v3.5) sends no pings: a v3.5 session silent for a third
//     of the idle timeout gets a WebSocket ping, whose pong counts as
//     activity (sweep.go);
//   - a revoked agent token, seen at once through the hub or by the
//     periodic check of Config.RevocationCheck, or a ban (1008);
//   - a full outbound queue (1008, slow_consumer) or a failed write (1011);
//   - too many connections of its address or customer (1008,
//     too_many_connections);
//   - the server's shutdown: Hub.Shutdown lets each session finish the
//     request in hand, sends a *_disconnected push asking the client to
//     come back later, and closes with 1012 (service restart).
//
// Except after a full queue or a failed write, the client first gets a
// customer_disconnected (agents: agent_disconnected) push with the reason.
package session
