package routertest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

func testGrace(t *testing.T, e *Env) {
	e.Agent("a@x", 1)
	e.Must(e.Router.Disconnect(e.Ctx, License, "a@x"), "Disconnect")
	e.Clock.Add(time.Minute - time.Nanosecond)
	if got, err := e.Router.ExpireGrace(e.Ctx); err != nil || len(got) != 0 {
		t.Errorf("ExpireGrace within the grace period: %v, %v", got, err)
	}
	if st, _ := e.Router.Status(e.Ctx, License, "a@x"); st != chat.Accepting {
		t.Errorf("status within the grace period: %s", st)
	}
	// Not connected: no chat for it, though it is still accepting.
	if _, ok, _ := e.Router.Assign(e.Ctx, e.Chat(), nil); ok {
		t.Error("Assign to an agent without a connection")
	}
	e.Clock.Add(time.Nanosecond)
	got, err := e.Router.ExpireGrace(e.Ctx)
	if err != nil || len(got) != 1 || got[0] != (chat.AgentRef{LicenseID: License, ID: "a@x"}) {
		t.Errorf("ExpireGrace after the grace period: %v, %v", got, err)
	}
	if got, _ := e.Router.ExpireGrace(e.Ctx); len(got) != 0 {
		t.Errorf("ExpireGrace again: %v, want nothing", got)
	}
	if st, _ := e.Router.Status(e.Ctx, License, "a@x"); st != chat.Offline {
		t.Errorf("status after the grace period: %s", st)
	}
	if st, changed, _ := e.Router.Connect(e.Ctx, License, "a@x"); st != chat.Accepting || !changed {
		t.Errorf("Connect after going offline: %s, changed %v", st, changed)
	}
}

func testQueue(t *testing.T, e *Env) {
	e.Agent("a@x", 1)
	first := e.Chat()
	if ag, ok, err := e.Router.Assign(e.Ctx, first, nil); err != nil || !ok || ag.ID != "a@x" {
		t.Fatalf("Assign: %v %v %v", ag.ID, ok, err)
	}
	var queued []chat.Chat
	for range 3 {
		e.Clock.Add(time.Second)
		c := e.Chat()
		if _, ok, err := e.Router.Assign(e.Ctx, c, nil); ok || err != nil {
			t.Fatalf("Assign over the limit: %v %v", ok, err)
		}
		queued = append(queued, c)
	}
	for i, c := range queued {
		q, err := e.Router.QueuePosition(e.Ctx, c)
		e.Must(err, "QueuePosition")
		if q.Position != i+1 {
			t.Errorf("position of queued chat %d: %d", i, q.Position)
		}
	}
	if _, ok, _ := e.Router.NextQueued(e.Ctx); ok {
		t.Error("NextQueued with every agent full")
	}
	e.Must(e.Store.PutAgent(e.Ctx, chat.Agent{ID: "a@x", LicenseID: License, MaxChats: 2}), "PutAgent")
	if id, ok, _ := e.Router.NextQueued(e.Ctx); !ok || id != queued[0].ID {
		t.Errorf("NextQueued after raising the limit: %s %v, want %s", id, ok, queued[0].ID)
	}
	e.Must(e.Router.Dequeue(e.Ctx, queued[0].ID), "Dequeue")
	if id, _, _ := e.Router.NextQueued(e.Ctx); id != queued[1].ID {
		t.Errorf("NextQueued after Dequeue: %s, want %s", id, queued[1].ID)
	}
	if q, _ := e.Router.QueuePosition(e.Ctx, queued[2]); q.Position != 2 {
		t.Errorf("position after Dequeue: %d, want 2", q.Position)
	}
}

// A queued chat moves up as the chats ahead of it are assigned; a chat of
// another group does not count.
func testQueuePositions(t *testing.T, e *Env) {
	e.Agent("a@x", 1)
	if _, ok, err := e.Router.Assign(e.Ctx, e.Chat(), nil); err != nil || !ok {
		t.Fatalf("Assign: %v %v", ok, err)
	}
	var queued []chat.Chat
	for i := range 4 {
		e.Clock.Add(time.Second)
		c := e.Chat()
		if i == 1 {
			c.GroupIDs = []int{7}
		}
		if _, ok, err := e.Router.Assign(e.Ctx, c, nil); ok || err != nil {
			t.Fatalf("Assign over the limit: %v %v", ok, err)
		}
		if i != 1 {
			queued = append(queued, c)
		}
	}
	want := func(when string, positions ...int) {
		t.Helper()
		for i, c := range queued[len(queued)-len(positions):] {
			q, err := e.Router.QueuePosition(e.Ctx, c)
			e.Must(err, "QueuePosition")
			if q.Position != positions[i] {
				t.Errorf("%s: position of chat %s: %d, want %d", when, c.ID, q.Position, positions[i])
			}
		}
	}
	want("queued", 1, 2, 3)
	e.Must(e.Store.PutAgent(e.Ctx, chat.Agent{ID: "a@x", LicenseID: License, MaxChats: 2}), "PutAgent")
	if _, ok, err := e.Router.Assign(e.Ctx, queued[0], nil); !ok || err != nil {
		t.Fatalf("Assign the first queued chat: %v %v", ok, err)
	}
	want("after the first was assigned", 1, 2)
	e.Must(e.Store.PutAgent(e.Ctx, chat.Agent{ID: "a@x", LicenseID: License, MaxChats: 3}), "PutAgent")
	if _, ok, err := e.Router.Assign(e.Ctx, queued[1], nil); !ok || err != nil {
		t.Fatalf("Assign the second queued chat: %v %v", ok, err)
	}
	want("after the second was assigned", 1)
}

// GroupsStatus reuses the loads it read for a second: an agent filled
// up by a join shows within that time, one filled up by the router's own
// assignment at once.
func testGroupsStatusKept(t *testing.T, e *Env) {
	e.Agent("a@x", 1)
	status := func() chat.GroupStatus {
		t.Helper()
		st, err := e.Router.GroupsStatus(e.Ctx, License, []int{0})
		e.Must(err, "GroupsStatus")
		return st[0]
	}
	if got := status(); got != chat.GroupOnline {
		t.Fatalf("free agent: %s, want online", got)
	}
	// The agent joins a chat outside the router: its load is 1 of 1.
	c := e.Chat()
	e.Must(e.Store.AddChatUser(e.Ctx, c.ID, chat.User{ID: "a@x", Type: chat.UserAgent, Present: true}), "AddChatUser")
	if got := status(); got != chat.GroupOnline {
		t.Errorf("within a second of the last read: %s, want the kept online", got)
	}
	e.Clock.Add(time.Second)
	if got := status(); got != chat.GroupOnlineForQueue {
		t.Errorf("a second later: %s, want online_for_queue", got)
	}

	// A second agent, free; the router's assignment fills it.
	e.Agent("b@x", 1)
	e.Clock.Add(time.Second)
	if got := status(); got != chat.GroupOnline {
		t.Fatalf("with b free: %s, want online", got)
	}
	if ag, ok, err := e.Router.Assign(e.Ctx, e.Chat(), nil); err != nil || !ok || ag.ID != "b@x" {
		t.Fatalf("Assign: %v %v %v", ag.ID, ok, err)
	}
	if got := status(); got != chat.GroupOnlineForQueue {
		t.Errorf("right after the assignment: %s, want online_for_queue", got)
	}
}

// testConcurrentAssign: concurrent assignments never take an
// agent over its limit.
func testConcurrentAssign(t *testing.T, e *Env) {
	e.Agent("a@x", 3)
	e.Agent("b@x", 2)
	chats := make([]chat.Chat, 10)
	for i := range chats {
		chats[i] = e.Chat()
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		assigned = map[string]int{}
	)
	for _, c := range chats {
		wg.Go(func() {
			ag, ok, err := e.Router.Assign(e.Ctx, c, nil)
			if err != nil {
				t.Errorf("Assign: %v", err)
			}
			if ok {
				mu.Lock()
				assigned[ag.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if assigned["a@x"] != 3 || assigned["b@x"] != 2 {
		t.Errorf("assigned %v, want a@x 3 and b@x 2", assigned)
	}
	loads, err := e.Store.AgentLoads(e.Ctx, License)
	e.Must(err, "AgentLoads")
	if loads["a@x"] != 3 || loads["b@x"] != 2 {
		t.Errorf("loads %v, want a@x 3 and b@x 2", loads)
	}
	infos, err := e.Router.Agents(e.Ctx, License)
	e.Must(err, "Agents")
	if len(infos) != 2 || infos[0].ActiveChats != 3 || infos[1].ActiveChats != 2 {
		t.Errorf("Agents: %+v", infos)
	}
}

// testAssignTaken: a chat that has a present agent in the store, whatever
// the caller read, is not given a second one: Assign fails with
// chat.ErrHasAgent and the chat leaves the queue. Of concurrent Assign
// calls of one chat exactly one gives it an agent; the others fail so.
func testAssignTaken(t *testing.T, e *Env) {
	e.Agent("a@x", 5)
	e.Agent("b@x", 5)
	isTaken := func(ag chat.Agent, ok bool, err error) bool {
		return !ok && ag.ID == "" && errors.Is(err, chat.ErrHasAgent)
	}

	// An agent joined the chat by hand since it was read.
	c := e.Chat()
	e.Must(e.Store.AddChatUser(e.Ctx, c.ID, chat.User{ID: "b@x", Type: chat.UserAgent, Present: true}), "AddChatUser")
	if ag, ok, err := e.Router.Assign(e.Ctx, c, nil); !isTaken(ag, ok, err) {
		t.Errorf("Assign of a chat with an agent: %q %v %v, want chat.ErrHasAgent", ag.ID, ok, err)
	}

	// A queued chat taken meanwhile leaves the queue.
	for _, id := range []string{"a@x", "b@x"} {
		_, err := e.Router.SetStatus(e.Ctx, License, id, chat.NotAccepting)
		e.Must(err, "SetStatus")
	}
	q := e.Chat()
	if _, ok, err := e.Router.Assign(e.Ctx, q, nil); ok || err != nil {
		t.Fatalf("Assign with nobody accepting: %v %v", ok, err)
	}
	e.Must(e.Store.AddChatUser(e.Ctx, q.ID, chat.User{ID: "a@x", Type: chat.UserAgent, Present: true}), "AddChatUser")
	for _, id := range []string{"a@x", "b@x"} {
		_, err := e.Router.SetStatus(e.Ctx, License, id, chat.Accepting)
		e.Must(err, "SetStatus")
	}
	if ag, ok, err := e.Router.Assign(e.Ctx, q, nil); !isTaken(ag, ok, err) {
		t.Errorf("Assign of a queued chat an agent joined: %q %v %v, want chat.ErrHasAgent", ag.ID, ok, err)
	}
	if id, ok, err := e.Router.NextQueued(e.Ctx); ok || err != nil {
		t.Errorf("NextQueued after the queued chat was taken: %q %v %v", id, ok, err)
	}

	// One chat assigned eight times at once.
	r := e.Chat()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners []string
		taken   int
	)
	for range 8 {
		wg.Go(func() {
			ag, ok, err := e.Router.Assign(e.Ctx, r, nil)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case ok && err == nil:
				winners = append(winners, ag.ID)
			case isTaken(ag, ok, err):
				taken++
			default:
				t.Errorf("concurrent Assign: %q %v %v", ag.ID, ok, err)
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 || taken != 7 {
		t.Errorf("of 8 concurrent Assign calls of one chat, %d gave it an agent (%v) and %d failed with chat.ErrHasAgent", len(winners), winners, taken)
	}
	got, err := e.Store.Chat(e.Ctx, r.ID)
	e.Must(err, "Chat")
	var agents []string
	for _, u := range got.Users {
		if u.Type == chat.UserAgent && u.Present {
			agents = append(agents, u.ID)
		}
	}
	if len(agents) != 1 {
		t.Errorf("the chat assigned at once by 8 callers has agents %v", agents)
	}
}

// testDisabled: a disabled agent, still connected and accepting (its
// connections have yet to close), is given no chat; enabled again, it is.
func testDisabled(t *testing.T, e *Env) {
	e.Agent("a@x", 5)
	e.Agent("b@x", 5)
	a, err := e.Store.Agent(e.Ctx, License, "a@x")
	e.Must(err, "Agent")
	a.Disabled = true
	e.Must(e.Store.PutAgent(e.Ctx, a), "PutAgent disabled")
	for i := range 2 {
		c := e.Chat()
		ag, ok, err := e.Router.Assign(e.Ctx, c, nil)
		e.Must(err, "Assign")
		if !ok || ag.ID != "b@x" {
			t.Fatalf("chat %d with a@x disabled: assigned %q %v, want b@x", i+1, ag.ID, ok)
		}
		e.Must(e.Store.AddChatUser(e.Ctx, c.ID, chat.User{ID: ag.ID, Type: chat.UserAgent, Present: true}), "AddChatUser")
	}
	a.Disabled = false
	e.Must(e.Store.PutAgent(e.Ctx, a), "PutAgent enabled")
	if ag, ok, err := e.Router.Assign(e.Ctx, e.Chat(), nil); err != nil || !ok || ag.ID != "a@x" {
		t.Errorf("with a@x enabled again (b@x has 2 chats): assigned %q %v %v, want a@x", ag.ID, ok, err)
	}
}
