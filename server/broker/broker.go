// Package broker declares how pushes travel between the nodes of a Parley
// server. A broker moves opaque bytes on named topics; it knows nothing of
// chats or the wire protocol. Drivers live in sub-packages: memory (one
// process) and, for clusters, others implementing the same interface.
package broker

import "context"

// Broker delivers messages published on a topic to the topic's subscribers.
//
// Ordering: messages that one goroutine publishes on one topic, one after
// another, reach each subscriber of that topic in publish order. Nothing is
// promised between topics or between concurrent publishers.
//
// Delivery is at most once and only to subscriptions that exist when the
// message is published: durability is the Store's job, the broker is only
// the fast path.
type Broker interface {
	// Publish sends data to every current subscriber of topic. The broker
	// may keep data after Publish returns; the caller must not change it.
	Publish(ctx context.Context, topic string, data []byte) error
	// Subscribe calls h with every message later published on topic, one
	// message at a time, in order, until the subscription ends. h must not
	// block: hand the message to a queue and return.
	Subscribe(ctx context.Context, topic string, h func(data []byte)) (Subscription, error)
	// Close ends every subscription and releases the broker's resources.
	Close() error
}

// Subscription is one Subscribe call.
type Subscription interface {
	// Unsubscribe stops delivery; h is not called after it returns.
	// Calling it more than once is harmless.
	Unsubscribe() error
}
