package session

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sync"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// Lost pushes. The broker delivers at most once: a node that dies after
// storing an event and before publishing its push, or a broker that drops
// a message, leaves a hole in what the other nodes' clients get, and a
// client that then gets a later event of the chat does not know it missed
// one (the SDKs reload "after the newest event they have"). So every push
// that adds to a chat's events carries its place in the chat's sequence
// (chat.Seq: the thread's order and the event's order in it, both without
// holes in the store) to the topics of the chat's members, and the hub
// remembers, per topic and chat, the last place it delivered. A push that
// is not the next one waits; when the pushes before it do not come within
// gapWait, the topic lost some: its sessions are asked to reconnect
// (Resync) and reload from the store, where they find the missing events
// and the later ones, in order, once each.
//
// Why wait: the pushes of one chat that one node publishes arrive in
// publish order, but two nodes may write to a chat one after the other
// (the store's lock on the chat orders them) and publish after their
// commits, so the later event's push may overtake the earlier one's. Such a
// push waits for the one it overtook, which normally comes within
// milliseconds, and the two are delivered in store order.
//
// Why reconnect rather than read the missing events from the store and
// deliver them: a node that died, or a message the broker dropped, may have
// taken other pushes with it (a member added, properties changed) that no
// sequence reveals; a reload brings back all of it, through the path
// clients already take after any broken connection.
//
// Pushes without a place (every other kind, and messages of nodes that do
// not place them) are delivered as they come. A topic forgets its chats
// when it ends, when it is resynced, and past maxSeqChats; a chat's place
// is forgotten when the topic's user joins or leaves the chat (pushes of
// it stop or resume for that user, so a hole there is no loss).

// gapWait is how long a push that skipped a place waits for the pushes
// before it.
const gapWait = 2 * time.Second

// Bounds of a topic's state: chats remembered, and pushes waiting in one
// chat (past it the topic is resynced at once).
const (
	maxSeqChats = 512
	maxSeqHeld  = 256
)

// seqForget is the kind of place that tells the topic of a user who joins
// or leaves a chat to forget the chat's place.
const seqForget = chat.SeqClosed + 1

// place is a push's place in its chat's sequence.
type place struct {
	kind          chat.SeqKind
	thread, event int
}

// The broker message carries a place in its connection id field, after
// the connection id: 0, the kind (1…5), uvarint thread, uvarint event, the
// chat id. A node that does not know it compares the whole field with its
// sessions' ids, which never match: the push is delivered untagged, as to
// every connection but the one that caused it, which is on the publishing
// node.
func appendPlace(b []byte, s chat.Seq) []byte {
	b = append(b, 0, byte(s.Kind))
	b = binary.AppendUvarint(b, uint64(s.Thread))
	b = binary.AppendUvarint(b, uint64(s.Event))
	return append(b, s.ChatID...)
}

func placeLen(s chat.Seq) int {
	return 2 + uvarintLen(uint64(s.Thread)) + uvarintLen(uint64(s.Event)) + len(s.ChatID)
}

func uvarintLen(x uint64) int {
	n := 1
	for ; x >= 0x80; x >>= 7 {
		n++
	}
	return n
}

// splitPlace splits a connection id field into the connection id and the
// place with its chat id, if it carries one. Control markers (a 0 and a
// letter) carry none.
func splitPlace(f []byte) (connID []byte, p place, chatID []byte, ok bool) {
	i := bytes.IndexByte(f, 0)
	if i < 0 || i+1 >= len(f) || f[i+1] < byte(chat.SeqEvent) || f[i+1] > byte(seqForget) {
		return f, place{}, nil, false
	}
	p.kind = chat.SeqKind(f[i+1])
	rest := f[i+2:]
	t, n := binary.Uvarint(rest)
	if n <= 0 {
		return f, place{}, nil, false
	}
	rest = rest[n:]
	e, n := binary.Uvarint(rest)
	if n <= 0 || len(rest) == n {
		return f, place{}, nil, false
	}
	p.thread, p.event = int(t), int(e)
	return f[:i], p, rest[n:], true
}

// seqs is what a topic remembers of its chats' sequences.
type seqs struct {
	mu    sync.Mutex
	chats map[string]*chatSeq
	timer *time.Timer
	armed bool // the timer will run seqTimeout
}

// chatSeq is a chat's last delivered place and the pushes that wait.
type chatSeq struct {
	thread, event int
	held          []heldPush // in arrival order
}

type heldPush struct {
	p  place
	o  chat.Origin
	f  pushFrames
	at time.Time // when it came
}

// Where a push stands against the last place delivered.
type standing int

const (
	following standing = iota // the next one: deliver, move on
	stale                     // at or before the last: deliver, stay
	afterHole                 // after a hole: wait
)

func (c *chatSeq) stand(p place) standing {
	switch p.kind {
	case chat.SeqSnapshot:
		return following
	case chat.SeqThread:
		switch {
		case p.thread == c.thread+1:
			return following
		case p.thread <= c.thread:
			return stale
		}
	case chat.SeqClosed:
		switch {
		case p.thread == c.thread && p.event == c.event:
			return following
		case p.thread < c.thread || p.thread == c.thread && p.event < c.event:
			return stale
		}
	default: // SeqEvent
		switch {
		case p.thread == c.thread && p.event == c.event+1:
			return following
		case p.thread < c.thread || p.thread == c.thread && p.event <= c.event:
			return stale
		}
	}
	return afterHole
}

// move sets the last place to p's, which is following.
func (c *chatSeq) move(p place) {
	if p.kind == chat.SeqSnapshot && (p.thread < c.thread || p.thread == c.thread && p.event < c.event) {
		return // a snapshot older than what came before it
	}
	c.thread, c.event = p.thread, p.event
}

// placed handles a push of topic t with a place: it hands it (and the
// pushes that waited for it) to deliver, or keeps it waiting. It reports
// whether the topic lost pushes and must be resynced at once.
func (h *Hub) placed(t *topic, sessions []*session, chatID []byte, p place, o chat.Origin, f pushFrames) (lost bool) {
	q := &t.seqs
	q.mu.Lock()
	defer q.mu.Unlock()
	c := q.chats[string(chatID)]
	if c == nil {
		if q.chats == nil {
			q.chats = make(map[string]*chatSeq)
		}
		if len(q.chats) >= maxSeqChats {
			q.evict()
		}
		q.chats[string(chatID)] = &chatSeq{thread: p.thread, event: p.event}
		deliverTo(sessions, o, f)
		return false
	}
	switch c.stand(p) {
	case stale:
		deliverTo(sessions, o, f)
		return false
	case afterHole:
		if len(c.held) >= maxSeqHeld {
			return true
		}
		c.held = append(c.held, heldPush{p: p, o: o, f: f, at: time.Now()})
		h.armSeqTimer(t)
		return false
	}
	c.move(p)
	deliverTo(sessions, o, f)
	// Deliver what waited for it, in place order.
	for len(c.held) > 0 {
		i := slices.IndexFunc(c.held, func(w heldPush) bool { return c.stand(w.p) != afterHole })
		if i < 0 {
			break
		}
		w := c.held[i]
		c.held = slices.Delete(c.held, i, i+1)
		if c.stand(w.p) == following {
			c.move(w.p)
		}
		deliverTo(sessions, w.o, w.f)
	}
	if len(c.held) == 0 {
		c.held = nil
	}
	return false
}

// forget drops what topic t remembers of a chat, delivering the pushes
// that waited in it first (in arrival order: the topic goes on from what
// the user gets next).
func (h *Hub) forget(t *topic, sessions []*session, chatID []byte) {
	q := &t.seqs
	q.mu.Lock()
	defer q.mu.Unlock()
	c := q.chats[string(chatID)]
	if c == nil {
		return
	}
	for _, w := range c.held {
		deliverTo(sessions, w.o, w.f)
	}
	delete(q.chats, string(chatID))
}

// evict makes room for a chat: it drops one that has nothing waiting.
func (q *seqs) evict() {
	for id, c := range q.chats {
		if len(c.held) == 0 {
			delete(q.chats, id)
			return
		}
	}
}

// reset forgets every chat and what waited in it: the topic's sessions are
// asked to reload.
func (q *seqs) reset() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.chats = nil
	q.armed = false
	if q.timer != nil {
		q.timer.Stop()
	}
}

// armSeqTimer makes sure topic t's pushes that wait are looked at when
// their wait ends. A timer already armed is for an earlier wait, and
// seqTimeout re-arms it for the next one. The caller holds t.seqs.mu.
func (h *Hub) armSeqTimer(t *topic) {
	q := &t.seqs
	if q.armed {
		return
	}
	q.armed = true
	if q.timer == nil {
		q.timer = time.AfterFunc(h.gapWait, func() { h.seqTimeout(t) })
		return
	}
	q.timer.Reset(h.gapWait)
}

// seqTimeout runs when a wait of topic t may have ended: a chat whose
// pushes waited gapWait for a hole to fill means the topic lost pushes.
func (h *Hub) seqTimeout(t *topic) {
	q := &t.seqs
	q.mu.Lock()
	q.armed = false
	now := time.Now()
	var first time.Time
	lost := false
	for _, c := range q.chats {
		if len(c.held) == 0 {
			continue
		}
		since := c.held[0].at // the longest waiting
		if now.Sub(since) >= h.gapWait {
			lost = true
			break
		}
		if first.IsZero() || since.Before(first) {
			first = since
		}
	}
	if !lost && !first.IsZero() {
		q.armed = true
		q.timer.Reset(h.gapWait - now.Sub(first))
	}
	q.mu.Unlock()
	if lost {
		h.pushGap(t)
	}
}

// pushGap resyncs topic t, which lost pushes.
func (h *Hub) pushGap(t *topic) {
	h.metrics().pushGap()
	h.log.Warn("a push is missing from a chat's sequence", "topic", t.name)
	h.resync(t)
}
