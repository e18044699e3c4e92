package session

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/broker"
	"github.com/parleychat/parley/server/chat"
)

// Hub is the meeting point of a node's sessions: it implements
// chat.Notifier by rendering each notification once per audience and
// publishing it on the broker topic of every recipient, and chat.Presence
// from the agents logged in here.
type Hub struct {
	broker broker.Broker
	log    *slog.Logger

	mu       sync.Mutex
	sessions map[*session]struct{}
	agents   map[agentKey]int // logged-in connections per agent
	closed   bool
	wg       sync.WaitGroup
}

type agentKey struct {
	license int
	id      string
}

// NewHub returns a hub publishing on b.
func NewHub(b broker.Broker, log *slog.Logger) *Hub {
	if log == nil {
		log = slog.Default()
	}
	return &Hub{broker: b, log: log, sessions: make(map[*session]struct{}), agents: make(map[agentKey]int)}
}

func userTopic(license int, userID string) string {
	return "parley.user." + strconv.Itoa(license) + "." + userID
}

func agentsTopic(license int) string {
	return "parley.agents." + strconv.Itoa(license)
}

// Notify implements chat.Notifier.
func (h *Hub) Notify(ctx context.Context, n chat.Notification) {
	var frames [2][]byte // customer, agent
	frame := func(t chat.UserType) []byte {
		i := 0
		if t == chat.UserAgent {
			i = 1
		}
		if frames[i] == nil {
			action, payload, ok := wirePush(n.Push, t)
			if !ok {
				frames[i] = []byte{}
				return nil
			}
			b, err := protocol.Push(action, payload)
			if err != nil {
				h.log.Error("encode push", "action", action, "err", err)
				frames[i] = []byte{}
				return nil
			}
			frames[i] = encodeMessage(n.Origin, b)
		}
		if len(frames[i]) == 0 {
			return nil
		}
		return frames[i]
	}
	publish := func(topic string, msg []byte) {
		if msg == nil {
			return
		}
		if err := h.broker.Publish(ctx, topic, msg); err != nil {
			h.log.Error("publish push", "topic", topic, "err", err)
		}
	}
	for _, r := range n.Recipients {
		if n.AllAgents && r.Type == chat.UserAgent {
			continue
		}
		publish(userTopic(n.LicenseID, r.ID), frame(r.Type))
	}
	if n.AllAgents {
		publish(agentsTopic(n.LicenseID), frame(chat.UserAgent))
	}
}

// A broker message is: uvarint len(conn id), conn id, uvarint
// len(request id), request id, the push frame.
func encodeMessage(o chat.Origin, frame []byte) []byte {
	b := make([]byte, 0, len(frame)+len(o.ConnID)+len(o.RequestID)+4)
	b = binary.AppendUvarint(b, uint64(len(o.ConnID)))
	b = append(b, o.ConnID...)
	b = binary.AppendUvarint(b, uint64(len(o.RequestID)))
	b = append(b, o.RequestID...)
	return append(b, frame...)
}

var errBadMessage = errors.New("session: malformed broker message")

func decodeMessage(b []byte) (o chat.Origin, frame []byte, err error) {
	read := func() (string, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return "", errBadMessage
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s, nil
	}
	if o.ConnID, err = read(); err != nil {
		return o, nil, err
	}
	if o.RequestID, err = read(); err != nil {
		return o, nil, err
	}
	return o, b, nil
}

// AgentOnline implements chat.Presence for the agents logged in on this node.
func (h *Hub) AgentOnline(license int, agentID string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.agents[agentKey{license, agentID}] > 0
}

func (h *Hub) add(s *session) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errShuttingDown
	}
	h.sessions[s] = struct{}{}
	h.wg.Add(1)
	return nil
}

func (h *Hub) remove(s *session) {
	h.mu.Lock()
	delete(h.sessions, s)
	h.mu.Unlock()
	h.wg.Done()
}

func (h *Hub) agentLoggedIn(license int, id string, delta int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := agentKey{license, id}
	h.agents[k] += delta
	if h.agents[k] <= 0 {
		delete(h.agents, k)
	}
}

// Sessions returns the number of open sessions.
func (h *Hub) Sessions() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sessions)
}

var errShuttingDown = errors.New("session: server is shutting down")

// Shutdown stops accepting sessions, tells every open session's client
// that the server is going away (a customer_disconnected push with a reason
// that asks it to reconnect), lets each finish the request it is handling
// and flush what it owes, and closes it. It returns when all sessions are
// gone or ctx ends. It is safe to call more than once.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	for s := range h.sessions {
		s.shutdown()
	}
	h.mu.Unlock()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		h.mu.Lock()
		n := len(h.sessions)
		for s := range h.sessions {
			s.kill()
		}
		h.mu.Unlock()
		return fmt.Errorf("session: %d sessions still open: %w", n, ctx.Err())
	}
}
