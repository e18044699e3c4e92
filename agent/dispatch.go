package agent

import (
	"context"
	"iter"

	"github.com/parleychat/parley/internal/client"
)

// On calls fn with every notification of type T (see the examples).
// Handlers run one at a time, in arrival order, on the client's dispatch
// goroutine. The returned off removes the handler; calling it more than
// once is harmless. On(c, func(agent.UnknownPush){…}) receives every push
// this package has no type for.
func On[T Notification](c *Client, fn func(T)) (off func()) {
	return client.On(c.core, fn)
}

// Once is On for the next notification of type T only.
func Once[T Notification](c *Client, fn func(T)) (off func()) {
	return client.Once(c.core, fn)
}

// On calls fn with every notification of the given name (the push's
// action, such as "incoming_event", or "connected", "connection_lost",
// "connection_restored"; "*" for all). Prefer the typed agent.On in Go
// code.
func (c *Client) On(name string, fn func(Notification)) (off func()) {
	return c.core.Notes.Add(name, fn)
}

// Once is On for the next notification of that name only.
func (c *Client) Once(name string, fn func(Notification)) (off func()) {
	return c.core.Notes.AddOnce(name, fn)
}

// Notifications returns every notification the client emits, in order,
// from the moment the iteration starts until ctx ends, the loop breaks, or
// the client is closed.
//
// The iteration is fed from the dispatch goroutine through a buffer of
// Config.NotificationBuffer notifications; a consumer that falls further
// behind holds up every handler (nothing is dropped).
func (c *Client) Notifications(ctx context.Context) iter.Seq[Notification] {
	return c.core.Notes.Seq(ctx, c.cfg.NotificationBuffer)
}
