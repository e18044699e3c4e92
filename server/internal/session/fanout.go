package session

import (
	"context"
	"slices"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/broker"
	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/internal/transport"
)

// The hub subscribes to each broker topic once per node, however many of
// the node's sessions want it, and hands every message to those sessions:
// one broker subscription per user (all of the user's connections here)
// and one per license's agents topic, not one per connection. The first
// session of a topic makes the subscription; the last one to leave ends it.

// topic is the hub's one broker subscription to a topic and the node's
// sessions that receive it.
type topic struct {
	name  string
	ready chan struct{} // closed once the broker subscription is made or failed
	err   error         // why it failed; set before ready is closed
	sub   broker.Subscription
	// sessions is replaced, never changed in place, under Hub.topicMu, so
	// that a delivery reads it without holding the lock.
	sessions []*session
	// seqs is where the topic's chats stand (seq.go).
	seqs seqs
}

// subscribe adds s to the sessions of topic name, subscribing to the
// broker when s is the node's first. s receives the messages published
// after subscribe returns, in publish order (see broker.Broker).
func (h *Hub) subscribe(ctx context.Context, name string, s *session) error {
	h.topicMu.Lock()
	if t := h.topics[name]; t != nil {
		t.sessions = append(slices.Clip(t.sessions), s)
		h.topicMu.Unlock()
		select {
		case <-t.ready:
			return t.err // on failure the topic is gone, and s with it
		case <-ctx.Done():
			h.unsubscribe(name, s)
			return ctx.Err()
		}
	}
	t := &topic{name: name, ready: make(chan struct{}), sessions: []*session{s}}
	h.topics[name] = t
	h.topicMu.Unlock()

	// Subscribing outside the lock: a broker may be delivering meanwhile,
	// and deliveries take the lock.
	sub, err := h.broker.Subscribe(ctx, name, func(data []byte) { h.deliver(t, data) })
	h.topicMu.Lock()
	t.sub, t.err = sub, err
	if err != nil && h.topics[name] == t {
		delete(h.topics, name)
	}
	h.topicMu.Unlock()
	close(t.ready)
	return err
}

// unsubscribe removes s from the sessions of topic name and ends the
// broker subscription when s was the last.
func (h *Hub) unsubscribe(name string, s *session) {
	h.topicMu.Lock()
	t := h.topics[name]
	i := -1
	if t != nil {
		i = slices.Index(t.sessions, s)
	}
	if i < 0 {
		h.topicMu.Unlock()
		return
	}
	t.sessions = slices.Delete(slices.Clone(t.sessions), i, i+1)
	if len(t.sessions) > 0 {
		h.topicMu.Unlock()
		return
	}
	delete(h.topics, name)
	h.topicMu.Unlock()
	// Only a session whose subscribe succeeded can be the last to leave, so
	// t.sub is set. Unsubscribe may wait for a delivery in progress, which
	// takes the lock: call it outside.
	<-t.ready
	t.seqs.reset()
	if t.sub != nil {
		if err := t.sub.Unsubscribe(); err != nil {
			h.log.Warn("unsubscribe", "topic", name, "err", err)
		}
	}
}

// deliver hands a message of topic t to the topic's local sessions, in
// the order the broker delivers messages, except that a push placed in
// its chat's sequence after a hole waits for the pushes before it (seq.go).
// It does not block: a session only queues.
func (h *Hub) deliver(t *topic, data []byte) {
	m, err := decodeMessage(data)
	if err != nil {
		h.log.Error("bad broker message", "err", err)
		return
	}
	h.topicMu.Lock()
	sessions := t.sessions
	h.topicMu.Unlock()
	if m.o.ConnID == ctlPresence {
		if len(sessions) > 0 {
			h.answerProbe(m.o.RequestID)
		}
		return
	}
	switch {
	case !m.placed:
		deliverTo(sessions, m.o, m.frames)
	case m.p.kind == seqForget:
		h.forget(t, sessions, m.chatID)
		deliverTo(sessions, m.o, m.frames)
	case h.placed(t, sessions, m.chatID, m.p, m.o, m.frames):
		h.pushGap(t)
	}
}

func deliverTo(sessions []*session, o chat.Origin, f pushFrames) {
	for _, s := range sessions {
		s.deliver(o, f)
	}
}

// subscriptions returns the number of broker subscriptions the hub holds.
func (h *Hub) subscriptions() int {
	h.topicMu.Lock()
	defer h.topicMu.Unlock()
	return len(h.topics)
}

// Resync asks every session of the node that receives topic to reconnect
// (service_temporarily_unavailable, close 1012): the broker may have lost
// messages of that topic, and a client that reconnects reloads what it
// missed from the store. The sessions that subscribe later missed nothing.
func (h *Hub) Resync(topic string) {
	h.topicMu.Lock()
	t := h.topics[topic]
	h.topicMu.Unlock()
	if t != nil {
		h.resync(t)
	}
}

// resync is Resync of topic t. What t remembers of its chats' sequences
// goes: its sessions reload from the store.
func (h *Hub) resync(t *topic) {
	t.seqs.reset()
	h.topicMu.Lock()
	sessions := t.sessions
	h.topicMu.Unlock()
	if len(sessions) == 0 {
		return
	}
	h.log.Warn("the broker may have lost pushes: asking the topic's clients to reconnect", "topic", t.name, "clients", len(sessions))
	for _, s := range sessions {
		s.disconnect(protocol.ReasonServiceShutdown, transport.CloseServiceRestart)
	}
}
