package session

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/protocol/v35"
	"github.com/parleychat/parley/server/broker"
	"github.com/parleychat/parley/server/chat"
)

// Hub is the meeting point of a node's sessions. It implements
// chat.Notifier by rendering each notification once per audience and
// publishing it on the broker topic of every recipient, and it subscribes
// to each topic once for all of the node's sessions that need it (see
// fanout.go).
type Hub struct {
	broker broker.Broker
	log    *slog.Logger

	mu       sync.Mutex
	sessions map[*session]struct{}
	closed   bool
	wg       sync.WaitGroup
	// sweepStop stops the running sweeper (sweep.go); nil when none runs.
	sweepStop chan struct{}

	topicMu sync.Mutex
	topics  map[string]*topic

	// presence: the probes this hub made (presence.go).
	presenceMu sync.Mutex
	presence   presence

	// gapWait: see seq.go.
	gapWait  time.Duration
	metricsp atomic.Pointer[Metrics]
}

// NewHub returns a hub publishing on b.
func NewHub(b broker.Broker, log *slog.Logger) *Hub {
	if log == nil {
		log = slog.Default()
	}
	return &Hub{broker: b, log: log, sessions: make(map[*session]struct{}), topics: make(map[string]*topic), gapWait: gapWait}
}

// metrics returns the metrics the hub records gaps in (nil: none).
func (h *Hub) metrics() *Metrics { return h.metricsp.Load() }

func userTopic(license int, userID string) string {
	return "parley.user." + strconv.Itoa(license) + "." + userID
}

func agentsTopic(license int) string {
	return "parley.agents." + strconv.Itoa(license)
}

// Control messages travel on a user's topic like pushes, so that they come
// after the pushes published before them. Their connection id field holds
// a marker no session id has, and their request id field an argument:
//
//	ctlDisconnect, reason: every connection of the user sends the user's
//	  *_disconnected push with the reason and closes;
//	ctlRevoke, token id: the user's connections logged in with that token
//	  (with any token when the id is empty) send agent_disconnected
//	  (access_token_revoked) and close;
//	ctlPresence: asks whether the user has a connection (presence.go).
//
// Their frame is the push itself, so that an older node that does not know
// the markers still forwards the push.
const (
	ctlDisconnect = "\x00disconnect"
	ctlRevoke     = "\x00revoke"
)

// Notify implements chat.Notifier.
func (h *Hub) Notify(ctx context.Context, n chat.Notification) {
	// The change is stored: its pushes go out even when the request that
	// made it has ended (its client left, or was asked to reconnect).
	// Brokers that heed a context (NATS) would drop them, and the other
	// members would find a gap in the chat's sequence and reconnect.
	ctx = context.WithoutCancel(ctx)
	if d, ok := n.Push.(chat.Disconnect); ok {
		h.disconnect(ctx, n, d.Reason)
		return
	}
	var (
		rendered [2]bool
		fs       [2]pushFrames // the push for customers, agents
		msgs     [2][2][]byte  // the broker message for them: unplaced, placed
	)
	frame := func(t chat.UserType) pushFrames {
		i := audienceIndex(t)
		if !rendered[i] {
			rendered[i] = true
			fs[i].v30 = h.render(n.Push, t, func() (string, any, error) { return wirePush(n.Push, t) }, "")
			if t == chat.UserCustomer {
				fs[i].v35 = h.render(n.Push, t, func() (string, any, error) { return wirePush35(n.Push) }, v35.Version)
			}
		}
		return fs[i]
	}
	msg := func(r chat.Recipient) []byte {
		f := frame(r.Type)
		if f.empty() {
			return nil
		}
		if id := joinerOrLeaver(n.Push); id != "" && id == r.ID {
			return encodeMessage(n.Origin, chat.Seq{Kind: seqForget, ChatID: chatOf(n.Push)}, f)
		}
		seq, j := chat.Seq{}, 0
		if n.Seq.Kind != chat.SeqNone && slices.Contains(n.Seq.Members, r) {
			seq, j = n.Seq, 1
		}
		m := &msgs[audienceIndex(r.Type)][j]
		if *m == nil {
			*m = encodeMessage(n.Origin, seq, f)
		}
		return *m
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
		publish(userTopic(n.LicenseID, r.ID), msg(r))
	}
	if n.AllAgents {
		publish(agentsTopic(n.LicenseID), msg(chat.Recipient{Type: chat.UserAgent}))
	}
	if n.Seq.Kind != chat.SeqNone {
		// The skipped members' place moves past the push: a message with
		// the place and no frame, which their sessions deliver as nothing.
		var skip []byte
		for _, r := range n.Skip {
			if slices.Contains(n.Seq.Members, r) {
				if skip == nil {
					skip = encodeMessage(chat.Origin{}, n.Seq, pushFrames{})
				}
				publish(userTopic(n.LicenseID, r.ID), skip)
			}
		}
	}
}

// render encodes a push for one audience and dialect (version "" for
// v3.0, whose pushes carry none); nil when the push is not for them.
func (h *Hub) render(push chat.Push, t chat.UserType, wire func() (string, any, error), version string) []byte {
	action, payload, err := wire()
	if err != nil {
		if !errors.Is(err, errNotForAudience) {
			h.log.Error("render push", "audience", string(t), "version", version, "err", err)
		}
		return nil
	}
	b, err := protocol.VersionedPush(action, version, payload)
	if err != nil {
		h.log.Error("encode push", "action", action, "err", err)
		return nil
	}
	return b
}

// pushFrames is one push rendered for each dialect of its audience: agents
// and v3.0 customers read v30, v3.5 customers v35. Either is nil when the
// push is not for that dialect (agents have no v3.5 frame). push35 is the
// v3.5 push's bit in pushBits35, read from the frame once per broker
// message for every v3.5 session that checks its login's pushes; 0 for no
// v3.5 frame.
type pushFrames struct {
	v30, v35 []byte
	push35   uint64
}

func (f pushFrames) empty() bool { return len(f.v30) == 0 && len(f.v35) == 0 }

func audienceIndex(t chat.UserType) int {
	if t == chat.UserAgent {
		return 1
	}
	return 0
}

// joinerOrLeaver returns the user a push tells joined or left a chat.
func joinerOrLeaver(p chat.Push) string {
	switch p := p.(type) {
	case chat.UserAdded:
		return p.Member.ID
	case chat.UserRemoved:
		return p.UserID
	}
	return ""
}

func chatOf(p chat.Push) string {
	switch p := p.(type) {
	case chat.UserAdded:
		return p.ChatID
	case chat.UserRemoved:
		return p.ChatID
	}
	return ""
}

// A broker message is: uvarint len(conn id field), conn id field, uvarint
// len(request id field), request id field, the v3.0 push frame. The conn
// id field is the connection id, followed by the push's place in its
// chat's sequence when it has one (seq.go). The request id field is the
// request id, or, when the push has a v3.5 frame (a customer's topic,
// where sessions of both dialects may listen), 0xFF, uvarint len(request
// id), request id, the v3.5 frame. A request id is valid UTF-8 (JSON
// decoding makes it so), so it never starts with 0xFF; and a node that
// does not know the v3.5 frame reads the field as a request id, which it
// only uses for the connection that caused the push, which is on the
// publishing node: it delivers the v3.0 frame as before.
func encodeMessage(o chat.Origin, seq chat.Seq, f pushFrames) []byte {
	idLen := len(o.ConnID)
	if seq.Kind != chat.SeqNone {
		idLen += placeLen(seq)
	}
	ridLen := len(o.RequestID)
	if f.v35 != nil {
		ridLen = 1 + uvarintLen(uint64(len(o.RequestID))) + len(o.RequestID) + len(f.v35)
	}
	b := make([]byte, 0, len(f.v30)+idLen+ridLen+8)
	b = binary.AppendUvarint(b, uint64(idLen))
	b = append(b, o.ConnID...)
	if seq.Kind != chat.SeqNone {
		b = appendPlace(b, seq)
	}
	b = binary.AppendUvarint(b, uint64(ridLen))
	if f.v35 != nil {
		b = append(b, v35Marker)
		b = binary.AppendUvarint(b, uint64(len(o.RequestID)))
		b = append(b, o.RequestID...)
		b = append(b, f.v35...)
	} else {
		b = append(b, o.RequestID...)
	}
	return append(b, f.v30...)
}

// v35Marker starts a request id field that carries a v3.5 frame.
const v35Marker = 0xFF

var errBadMessage = errors.New("session: malformed broker message")

// message is a decoded broker message. chatID and frames are in the
// message's bytes.
type message struct {
	o      chat.Origin
	placed bool
	p      place
	chatID []byte
	frames pushFrames
}

func decodeMessage(b []byte) (m message, err error) {
	read := func() ([]byte, error) {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, errBadMessage
		}
		s := b[k : k+int(n)]
		b = b[k+int(n):]
		return s, nil
	}
	f, err := read()
	if err != nil {
		return m, err
	}
	f, m.p, m.chatID, m.placed = splitPlace(f)
	m.o.ConnID = string(f)
	if f, err = read(); err != nil {
		return m, err
	}
	if len(f) > 0 && f[0] == v35Marker {
		n, k := binary.Uvarint(f[1:])
		if k <= 0 || n > uint64(len(f)-1-k) {
			return m, errBadMessage
		}
		f = f[1+k:]
		m.o.RequestID = string(f[:n])
		m.frames.v35 = f[n:]
		m.frames.push35 = pushBits35[protocol.PushAction(m.frames.v35)]
	} else {
		m.o.RequestID = string(f)
	}
	m.frames.v30 = b
	return m, nil
}

// disconnect publishes a disconnect control message to each recipient.
func (h *Hub) disconnect(ctx context.Context, n chat.Notification, reason string) {
	for _, r := range n.Recipients {
		action := protocol.PushCustomerDisconnected
		if r.Type == chat.UserAgent {
			action = protocol.PushAgentDisconnected
		}
		frame, err := protocol.Push(action, protocol.CustomerDisconnected{Reason: reason})
		if err != nil {
			h.log.Error("encode push", "action", action, "err", err)
			continue
		}
		msg := encodeMessage(chat.Origin{ConnID: ctlDisconnect, RequestID: reason}, chat.Seq{}, pushFrames{v30: frame})
		if err := h.broker.Publish(ctx, userTopic(n.LicenseID, r.ID), msg); err != nil {
			h.log.Error("publish disconnect", "user", r.ID, "err", err)
		}
	}
}

// RevokeAgent closes every connection of an agent, on every node, as a
// revoked token does (agent_disconnected, access_token_revoked): for an
// agent whose tokens the store has just revoked (chat.Store.RevokeAgentTokens),
// which the connections would otherwise see only at their next revocation
// check.
func (h *Hub) RevokeAgent(ctx context.Context, license int, agentID string) {
	h.revokeToken(ctx, license, agentID, "")
}

// revokeToken closes the connections of an agent logged in with a token,
// or with any token when tokenID is empty.
func (h *Hub) revokeToken(ctx context.Context, license int, agentID, tokenID string) {
	frame, err := protocol.Push(protocol.PushAgentDisconnected, protocol.CustomerDisconnected{Reason: protocol.ReasonAccessTokenRevoked})
	if err != nil {
		h.log.Error("encode push", "err", err)
		return
	}
	msg := encodeMessage(chat.Origin{ConnID: ctlRevoke, RequestID: tokenID}, chat.Seq{}, pushFrames{v30: frame})
	if err := h.broker.Publish(ctx, userTopic(license, agentID), msg); err != nil {
		h.log.Error("publish revocation", "agent", agentID, "err", err)
	}
}

func (h *Hub) add(s *session) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return errShuttingDown
	}
	h.sessions[s] = struct{}{}
	h.wg.Add(1)
	h.startSweeper()
	return nil
}

func (h *Hub) remove(s *session) {
	h.mu.Lock()
	delete(h.sessions, s)
	if len(h.sessions) == 0 {
		h.stopSweeper()
	}
	h.mu.Unlock()
	h.wg.Done()
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
	h.stopPresence()
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
