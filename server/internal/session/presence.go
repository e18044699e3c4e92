package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/parleychat/parley/server/broker"
	"github.com/parleychat/parley/server/chat"
)

// A customer is connected when one of its sessions has logged in on some
// node: such a session is subscribed to the customer's topic. The hub
// knows its own; of the other nodes it learns by a probe, a control
// message on the customer's topic whose request id field holds a probe id
// and the asking hub's reply topic:
//
//	ctlPresence, "<probe id> <reply topic>": a hub with sessions of the
//	  topic publishes the probe id on the reply topic.
//
// The message carries no frame, so a node that does not know the marker
// delivers nothing and answers nothing; a probe or an answer the broker
// loses reads as "not connected". Each hub subscribes to a reply topic of
// its own (presenceTopic) at its first probe, until Shutdown.

const ctlPresence = "\x00presence"

// presenceWait is how long a probe waits for another node to answer.
const presenceWait = time.Second

// presence is the hub's side of probes it made.
type presence struct {
	topic  string                   // the reply topic
	sub    broker.Subscription      // of topic; nil until the first probe
	probes map[string]chan struct{} // the probes waiting for an answer, by id
}

// CustomerConnected implements chat.Presence: whether a customer has a
// logged-in connection on this node or, asked through the broker, on
// another within presenceWait. It reports false when ctx ends first or the
// broker fails.
func (h *Hub) CustomerConnected(ctx context.Context, licenseID int, customerID string) bool {
	topic := userTopic(licenseID, customerID)
	if h.hasSessions(topic) {
		return true
	}
	id := randomID()
	answered := make(chan struct{}, 1)
	reply, err := h.awaitProbe(ctx, id, answered)
	if err != nil {
		h.log.Error("ask the other nodes whether a customer is connected", "customer", customerID, "err", err)
		return false
	}
	defer h.forgetProbe(id)
	msg := encodeMessage(chat.Origin{ConnID: ctlPresence, RequestID: id + " " + reply}, chat.Seq{}, pushFrames{})
	if err := h.broker.Publish(ctx, topic, msg); err != nil {
		h.log.Error("ask the other nodes whether a customer is connected", "customer", customerID, "err", err)
		return false
	}
	t := time.NewTimer(presenceWait)
	defer t.Stop()
	select {
	case <-answered:
		return true
	case <-t.C:
	case <-ctx.Done():
	}
	// A session may have logged in here meanwhile.
	return h.hasSessions(topic)
}

// hasSessions reports whether sessions of this node receive topic.
func (h *Hub) hasSessions(topic string) bool {
	h.topicMu.Lock()
	defer h.topicMu.Unlock()
	t := h.topics[topic]
	return t != nil && len(t.sessions) > 0
}

// awaitProbe registers a probe, subscribing to the hub's reply topic at
// the first one, and returns the reply topic.
func (h *Hub) awaitProbe(ctx context.Context, id string, answered chan struct{}) (string, error) {
	h.presenceMu.Lock()
	defer h.presenceMu.Unlock()
	p := &h.presence
	if p.sub == nil {
		h.mu.Lock()
		closed := h.closed
		h.mu.Unlock()
		if closed {
			return "", errShuttingDown
		}
		// Subscribing under the lock: a delivery to the reply topic takes
		// it too, but none comes before a probe is published.
		topic := "parley.presence." + randomID()
		sub, err := h.broker.Subscribe(ctx, topic, h.probeAnswered)
		if err != nil {
			return "", err
		}
		p.topic, p.sub, p.probes = topic, sub, map[string]chan struct{}{}
	}
	p.probes[id] = answered
	return p.topic, nil
}

func (h *Hub) forgetProbe(id string) {
	h.presenceMu.Lock()
	defer h.presenceMu.Unlock()
	delete(h.presence.probes, id)
}

// probeAnswered handles a message of the reply topic: a probe's id.
func (h *Hub) probeAnswered(data []byte) {
	h.presenceMu.Lock()
	ch := h.presence.probes[string(data)]
	h.presenceMu.Unlock()
	if ch != nil {
		select {
		case ch <- struct{}{}:
		default: // answered already
		}
	}
}

// answerProbe answers a probe that came on a topic of which this node has
// sessions.
func (h *Hub) answerProbe(requestID string) {
	id, reply, ok := strings.Cut(requestID, " ")
	if !ok || id == "" || !strings.HasPrefix(reply, "parley.presence.") {
		h.log.Error("bad presence probe", "request_id", requestID)
		return
	}
	if err := h.broker.Publish(context.Background(), reply, []byte(id)); err != nil {
		h.log.Error("answer a presence probe", "err", err)
	}
}

// stopPresence ends the reply topic's subscription (Shutdown).
func (h *Hub) stopPresence() {
	h.presenceMu.Lock()
	sub, topic := h.presence.sub, h.presence.topic
	h.presenceMu.Unlock()
	if sub != nil {
		if err := sub.Unsubscribe(); err != nil {
			h.log.Warn("unsubscribe", "topic", topic, "err", err)
		}
	}
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
