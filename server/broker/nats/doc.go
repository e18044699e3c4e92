// Package nats is a broker.Broker on core NATS (github.com/nats-io/nats.go),
// which carries pushes between the nodes of a Parley cluster. Each node
// makes one Broker, one NATS connection. NATS is only the fast path: the
// store stays the truth, and what NATS loses a node re-reads from the
// store. JetStream is not used.
//
// # Subjects
//
// A topic is published on the subject Config.Prefix + "." + topic, with each
// dot-separated part of the topic made one valid subject token: '*', '>',
// whitespace, control and non-ASCII bytes, '$' and '%' are written %XX, and
// an empty part is a lone "%". Distinct topics get distinct subjects, and
// the session hub's topics read naturally in NATS tools: with prefix "acme",
// `nats sub 'acme.parley.user.>'` shows every user topic. A subject is at
// most MaxSubjectLen bytes; Publish and Subscribe refuse longer topics with
// ErrTopicTooLong.
//
// # Ordering
//
// The messages one Broker publishes on one topic reach every subscriber,
// on every node, in the order of the Publish calls: one connection writes
// them in call order, the NATS server forwards them in order, and each
// subscription's handler runs on one goroutine of its own, one message at
// a time. Nothing is promised between topics or between Brokers, except
// through Flush: a message one Broker publishes after another Broker's
// Flush returned reaches each subscriber after the messages that Broker
// published before its Flush (when both are connected to one NATS
// server). That is how the nodes of a cluster keep the pushes of a chat
// in store order: a node publishes a change's pushes and flushes them
// before it releases the chat's lock to the next node.
//
// # What is lost, and when
//
// Delivery is at most once, as the broker.Broker contract allows; no
// message is delivered twice. A message is lost when:
//
//   - The subscriber's connection is down. What any node publishes while
//     it is, and what the server was sending it when it broke, never
//     arrives. When the connection is back (subscriptions are restored
//     first), Config.OnGap is called with Reconnect for every
//     subscription, and for each before its handler gets any message that
//     came on the new connection: by the subscription's first such
//     message, or else by nats.go's reconnect callback.
//   - A subscription's queue is full: its handler fell behind by
//     Config.PendingMsgs messages or Config.PendingBytes bytes. nats.go
//     drops the newer messages for that subscription only, never blocking
//     the connection's reader; Config.OnGap is called with SlowConsumer and
//     Stats().Dropped counts them. Since handlers must not block, this
//     means a node too loaded to keep up.
//   - The node reads too slowly for the NATS server (its max_pending, 64 MiB
//     by default, or its write deadline): the server closes the
//     connection, which is then a reconnect as above.
//   - The publisher's connection breaks. Publish buffers messages while
//     the connection is down, up to Config.ReconnectBufSize bytes, and
//     sends them in order once it is back; beyond that it fails with
//     nats.ErrReconnectBufExceeded. But what was written to the broken
//     socket just before the break, and not read by the server, is lost
//     without an error, and the subscribers on other nodes are not told:
//     only the publisher's node sees Disconnected and Reconnected. The
//     client that misses such a push sees it when it next reads the chat
//     from the store (a reconnect, a history page).
//   - The message is larger than the server's max_payload (1 MiB by
//     default): Publish fails with nats.ErrMaxPayload.
//   - Close is called: messages still queued for handlers are discarded;
//     what Publish buffered is sent if the connection is up.
//
// # Connection
//
// New fails if NATS cannot be reached within Config.Timeout. After that
// the Broker reconnects forever, waiting Config.ReconnectDelay between
// rounds (by default an exponential backoff from 100 ms to 5 s with
// jitter, so that the nodes of a cluster do not all come back at once),
// until Close. A connection whose server went silent is found by pings:
// every 20 seconds, and after two unanswered ones it is reconnected. Each
// change is logged and passed to Config.OnState, so that the server can
// count reconnects (Stats().Reconnects counts them too).
//
// # Memory
//
// A Broker holds at most Config.PendingBytes (default 4 MiB) of messages
// per subscription waiting for the handler, and Config.ReconnectBufSize
// (default 8 MiB) of messages published while disconnected, besides
// nats.go's 32 KiB write buffer.
package nats
