package agent

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/parleychat/parley/internal/rtm"
	"github.com/parleychat/parley/protocol"
)

// After a reconnect the client delivers what it missed while away. It
// pages through list_chats, most recently active first, down to the first
// chat whose last activity is older than anything it had seen (chats are
// ordered by the server's clock, and so is what it had seen, so nothing
// newer lies further down). Of those chats, the ones the agent hears of
// (it is in them, or they wait in the queue of one of its groups), it
// delivers in store order the events after the last one it knew of: new
// threads as IncomingChat, events of a thread it knew as IncomingEvent; a
// chat it knew nothing of, if active, as IncomingChat with its last
// thread. Pushes that arrive meanwhile are held and then delivered unless
// recovery delivered them: nothing twice.

const (
	// recoverPage is the page size of list_chats during login and
	// recovery (the server's limit is at least 25).
	recoverPage = 25
	// recoverMaxPages bounds how far recovery reads.
	recoverMaxPages = 40
)

// mark is an event's position in a chat: thread order, then event order.
type mark struct{ thread, event int }

func (m mark) before(o mark) bool {
	return m.thread < o.thread || (m.thread == o.thread && m.event < o.event)
}

// tracker keeps, for every chat the client has heard of, the position of
// the newest event it delivered or knew of, so that nothing is delivered
// twice across reconnects.
type tracker struct {
	mu      sync.Mutex
	chats   map[string]mark
	threads map[string]int // thread id → order
	seen    int64          // newest activity seen, server Unix seconds
}

func (t *tracker) init() {
	t.chats = map[string]mark{}
	t.threads = map[string]int{}
}

func (t *tracker) noteThreadLocked(id string, order int) {
	if id != "" && order > 0 {
		t.threads[id] = order
	}
}

func (t *tracker) seeLocked(unix int64) {
	t.seen = max(t.seen, unix)
}

// trackerState is a copy of a tracker's state.
type trackerState struct {
	chats   map[string]mark
	threads map[string]int
	seen    int64
}

// snapshot returns a copy of the tracker's state, for restore.
func (t *tracker) snapshot() trackerState {
	t.mu.Lock()
	defer t.mu.Unlock()
	return trackerState{chats: maps.Clone(t.chats), threads: maps.Clone(t.threads), seen: t.seen}
}

// restore puts back a snapshot: what a failed recovery noted was never
// delivered.
func (t *tracker) restore(s trackerState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.chats, t.threads, t.seen = s.chats, s.threads, s.seen
}

// latest returns the position of a summary's newest event and notes the
// threads it names.
func (t *tracker) latestLocked(s protocol.AgentChatSummary) mark {
	var latest mark
	for _, le := range s.LastEventPerType {
		if m := (mark{le.ThreadOrder, le.Event.Order}); latest.before(m) {
			latest = m
		}
		t.noteThreadLocked(le.ThreadID, le.ThreadOrder)
	}
	if lt := s.LastThreadSummary; lt != nil {
		t.noteThreadLocked(lt.ID, lt.Order)
	}
	return latest
}

// known records chats as they are now, without delivering anything.
func (t *tracker) known(sums []protocol.AgentChatSummary) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range sums {
		latest := t.latestLocked(s)
		if m, ok := t.chats[s.ID]; !ok || m.before(latest) {
			t.chats[s.ID] = latest
		}
		t.seeLocked(s.Order)
	}
}

// advance records that the chat's event e is being delivered; it reports
// false when e is not newer than what was (a duplicate).
func (t *tracker) advance(chatID string, e Event) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seeLocked(e.Timestamp.Unix())
	order := t.threads[e.Thread]
	if order == 0 || e.order == 0 {
		return true // position unknown: deliver
	}
	m := mark{order, e.order}
	if last, ok := t.chats[chatID]; ok && !last.before(m) {
		return false
	}
	t.chats[chatID] = m
	return true
}

// thread records a thread being delivered with its events (IncomingChat)
// and returns its signature: who is in the chat and the thread's last
// event. The same thread is delivered again when it brings news (a queued
// chat routed to the agent, a chat transferred back to it); only a push
// that repeats what recovery has just delivered, with the same signature,
// is a duplicate.
func (t *tracker) thread(ch Chat) (signature string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	th := ch.Thread
	t.noteThreadLocked(th.ID, th.Order)
	m := mark{thread: th.Order}
	for _, e := range th.Events {
		m.event = max(m.event, e.order)
		t.seeLocked(e.Timestamp.Unix())
	}
	if last, ok := t.chats[ch.ID]; th.Order > 0 && (!ok || last.before(m)) {
		t.chats[ch.ID] = m
	}
	var members []string
	for _, u := range ch.Users {
		if u.Present {
			members = append(members, u.ID)
		}
	}
	slices.Sort(members)
	return th.ID + "\x00" + strings.Join(members, "\x00") + "\x00" + strconv.Itoa(m.event)
}

// recover returns, as notifications in store order, what happened in the
// agent's chats while the client was away (see the top of this file). It
// notes them delivered; on error it leaves the tracker as it was.
func (c *Client) recover(ctx context.Context, sess *rtm.Session, first protocol.ListChatsResponse) (_ []Notification, err error) {
	before := c.track.snapshot()
	defer func() {
		if err != nil {
			c.track.restore(before)
		}
	}()
	c.track.mu.Lock()
	seen := c.track.seen
	c.track.mu.Unlock()
	me := c.MyProfile()

	var out []Notification
	page, offset := first, 0
	for n := 0; ; n++ {
		older := false
		for _, s := range page.ChatsSummary {
			if s.Order < seen {
				older = true
				break
			}
			ns, err := c.recoverChat(ctx, sess, s, me)
			if err != nil {
				return nil, err
			}
			out = append(out, ns...)
			c.track.known([]protocol.AgentChatSummary{s})
		}
		offset += len(page.ChatsSummary)
		if older || len(page.ChatsSummary) < recoverPage || offset >= page.TotalChats || n+1 >= recoverMaxPages {
			break
		}
		page = protocol.ListChatsResponse{}
		f, err := sess.Call(ctx, protocol.ActionListChats, listChatsRequest(offset, recoverPage, nil), rtm.CallOptions{})
		if err != nil {
			return nil, wrapErr(err)
		}
		if err := json.Unmarshal(f.Payload, &page); err != nil {
			return nil, err
		}
	}
	c.track.known(first.ChatsSummary) // the rest of the first page
	return out, nil
}

func (c *Client) recoverChat(ctx context.Context, sess *rtm.Session, s protocol.AgentChatSummary, me Agent) ([]Notification, error) {
	t := &c.track
	t.mu.Lock()
	latest := t.latestLocked(s)
	from, known := t.chats[s.ID]
	t.mu.Unlock()
	switch {
	case !ours(s, me):
		return nil, nil
	case known && from.before(latest):
		return c.missed(ctx, sess, s.ID, from)
	case !known && s.Active:
		f, err := sess.Call(ctx, protocol.ActionGetChat, protocol.ChatRequest{ChatID: s.ID}, rtm.CallOptions{})
		if err != nil {
			return nil, wrapErr(err)
		}
		var r protocol.ChatThreadsResponse
		if err := json.Unmarshal(f.Payload, &r); err != nil {
			return nil, err
		}
		ch := fromChatThreads(r.Chat)
		if ch.Thread.ID == "" {
			return nil, nil
		}
		t.thread(ch)
		return []Notification{IncomingChat{Chat: ch}}, nil
	}
	return nil, nil
}

// ours reports whether the agent hears of a chat's events: it is in the
// chat, or no agent is and the chat is in one of the agent's groups (a
// queued chat).
func ours(s protocol.AgentChatSummary, me Agent) bool {
	served := false
	for _, u := range s.Users {
		if u.Type == string(AgentUser) && u.Present {
			if u.ID == me.ID {
				return true
			}
			served = true
		}
	}
	if served {
		return false
	}
	groups := []int{0}
	if s.Access != nil && len(s.Access.GroupIDs) > 0 {
		groups = s.Access.GroupIDs
	}
	mine := me.Groups
	if len(mine) == 0 {
		mine = []int{0}
	}
	return slices.ContainsFunc(groups, func(g int) bool { return slices.Contains(mine, g) })
}

// missed loads a chat's events after from: a thread newer than from's as
// IncomingChat, the rest as IncomingEvent.
func (c *Client) missed(ctx context.Context, sess *rtm.Session, chatID string, from mark) ([]Notification, error) {
	f, err := sess.Call(ctx, protocol.ActionGetChatThreadsSummary, map[string]any{"chat_id": chatID, "offset": 0, "limit": 100}, rtm.CallOptions{})
	if err != nil {
		return nil, wrapErr(err)
	}
	var ts protocol.ThreadsSummaryResponse
	if err := json.Unmarshal(f.Payload, &ts); err != nil {
		return nil, err
	}
	var ids []string
	c.track.mu.Lock()
	for _, th := range ts.ThreadsSummary {
		c.track.noteThreadLocked(th.ID, th.Order)
		if th.Order >= from.thread {
			ids = append(ids, th.ID)
		}
	}
	c.track.mu.Unlock()
	if len(ids) == 0 {
		return nil, nil
	}
	f, err = sess.Call(ctx, protocol.ActionGetChatThreads, protocol.ChatThreadsRequest{ChatID: chatID, ThreadIDs: ids}, rtm.CallOptions{})
	if err != nil {
		return nil, wrapErr(err)
	}
	var r protocol.ChatThreadsResponse
	if err := json.Unmarshal(f.Payload, &r); err != nil {
		return nil, err
	}
	threads := slices.Clone(r.Chat.Threads)
	slices.SortFunc(threads, func(a, b protocol.Thread) int { return a.Order - b.Order })
	var out []Notification
	for _, th := range threads {
		if th.Order > from.thread {
			one := r.Chat
			one.Threads = []protocol.Thread{th}
			ch := fromChatThreads(one)
			c.track.thread(ch)
			out = append(out, IncomingChat{Chat: ch})
			continue
		}
		for _, e := range fromThread(th, chatID).Events {
			if from.before(mark{th.Order, e.order}) && c.track.advance(chatID, e) {
				out = append(out, IncomingEvent{Chat: chatID, Event: e})
			}
		}
	}
	return out, nil
}
