package client

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sync"

	"github.com/parleychat/parley/internal/rtm"
	"github.com/parleychat/parley/protocol"
)

// Mark is an event's position in a chat: thread order, then event order.
type Mark struct{ Thread, Event int }

// Before reports whether m comes before o.
func (m Mark) Before(o Mark) bool {
	return m.Thread < o.Thread || (m.Thread == o.Thread && m.Event < o.Event)
}

// Tracker keeps, for every chat a client has heard of, the position of
// the newest event it delivered or knew of, and the order of every thread
// it has seen, so that nothing is delivered twice across reconnects. The
// zero Tracker is ready to use; it is safe for use by many goroutines.
type Tracker struct {
	mu      sync.Mutex
	chats   map[string]Mark
	threads map[string]int // thread id → order
	seen    int64          // newest activity seen, server Unix seconds
}

// TrackerState is a copy of a Tracker's state.
type TrackerState struct {
	chats   map[string]Mark
	threads map[string]int
	seen    int64
}

// Snapshot returns a copy of the tracker's state, for Restore.
func (t *Tracker) Snapshot() TrackerState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return TrackerState{chats: maps.Clone(t.chats), threads: maps.Clone(t.threads), seen: t.seen}
}

// Restore puts back a snapshot: what a failed recovery noted was never
// delivered.
func (t *Tracker) Restore(s TrackerState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.chats, t.threads, t.seen = s.chats, s.threads, s.seen
}

// NoteThread records a thread's order; an empty id or order 0 (unknown)
// is ignored.
func (t *Tracker) NoteThread(id string, order int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.noteThreadLocked(id, order)
}

func (t *Tracker) noteThreadLocked(id string, order int) {
	if id != "" && order > 0 {
		if t.threads == nil {
			t.threads = map[string]int{}
		}
		t.threads[id] = order
	}
}

// See records activity at a server time (Unix seconds).
func (t *Tracker) See(unix int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seen = max(t.seen, unix)
}

// Seen returns the newest activity seen (server Unix seconds).
func (t *Tracker) Seen() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seen
}

// Last returns the position of the chat's newest known event, and
// whether the chat is known at all.
func (t *Tracker) Last(chatID string) (Mark, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m, ok := t.chats[chatID]
	return m, ok
}

// Raise records m as the chat's newest known event unless a newer one is
// known.
func (t *Tracker) Raise(chatID string, m Mark) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.chats[chatID]; !ok || last.Before(m) {
		if t.chats == nil {
			t.chats = map[string]Mark{}
		}
		t.chats[chatID] = m
	}
}

// Latest returns the position of the newest of a chat summary's last
// events and notes the threads they name.
func (t *Tracker) Latest(last map[string]protocol.LastEvent) Mark {
	t.mu.Lock()
	defer t.mu.Unlock()
	var latest Mark
	for _, le := range last {
		if m := (Mark{le.ThreadOrder, le.Event.Order}); latest.Before(m) {
			latest = m
		}
		t.noteThreadLocked(le.ThreadID, le.ThreadOrder)
	}
	return latest
}

// Advance records that the event at position order of thread is being
// delivered in chat, at server time unix; it reports false when the event
// is not newer than what was (a duplicate). An event whose position is
// unknown is always delivered.
func (t *Tracker) Advance(chatID, thread string, order int, unix int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seen = max(t.seen, unix)
	to := t.threads[thread]
	if to == 0 || order == 0 {
		return true
	}
	m := Mark{to, order}
	if last, ok := t.chats[chatID]; ok && !last.Before(m) {
		return false
	}
	if t.chats == nil {
		t.chats = map[string]Mark{}
	}
	t.chats[chatID] = m
	return true
}

// Missed loads a chat's threads from the thread of from on, oldest first,
// noting their orders: what a reconnected client reads to find the events
// after from. Errors are mapped by errs.
func (t *Tracker) Missed(ctx context.Context, sess *rtm.Session, errs *Errors, chatID string, from Mark) (protocol.ChatThreads, error) {
	f, err := sess.Call(ctx, protocol.ActionGetChatThreadsSummary, map[string]any{"chat_id": chatID, "offset": 0, "limit": 100}, rtm.CallOptions{})
	if err != nil {
		return protocol.ChatThreads{}, errs.Wrap(err)
	}
	var ts protocol.ThreadsSummaryResponse
	if err := json.Unmarshal(f.Payload, &ts); err != nil {
		return protocol.ChatThreads{}, err
	}
	var ids []string
	for _, th := range ts.ThreadsSummary {
		t.NoteThread(th.ID, th.Order)
		if th.Order >= from.Thread {
			ids = append(ids, th.ID)
		}
	}
	if len(ids) == 0 {
		return protocol.ChatThreads{}, nil
	}
	f, err = sess.Call(ctx, protocol.ActionGetChatThreads, protocol.ChatThreadsRequest{ChatID: chatID, ThreadIDs: ids}, rtm.CallOptions{})
	if err != nil {
		return protocol.ChatThreads{}, errs.Wrap(err)
	}
	var r protocol.ChatThreadsResponse
	if err := json.Unmarshal(f.Payload, &r); err != nil {
		return protocol.ChatThreads{}, err
	}
	r.Chat.Threads = slices.Clone(r.Chat.Threads)
	slices.SortFunc(r.Chat.Threads, func(a, b protocol.Thread) int { return a.Order - b.Order })
	return r.Chat, nil
}
