package chat_test

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// queuePositions returns the place in the queue of each queued chat.
func (e *env) queuePositions(a chat.Actor) map[string]int {
	e.t.Helper()
	sums, _, err := e.svc.ListChats(e.ctx, a, chat.ListChats{Queued: true, Limit: chat.MaxAgentChatsLimit})
	e.must(err, "ListChats")
	out := make(map[string]int)
	for _, s := range sums {
		if s.Queue == nil {
			e.t.Errorf("queued chat %s without a place in the queue", s.Chat.ID)
			continue
		}
		out[s.Chat.ID] = s.Queue.Position
	}
	return out
}

func wantPositions(t *testing.T, got map[string]int, want map[string]int) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("queue: %v, want %v", got, want)
		return
	}
	for id, p := range want {
		if got[id] != p {
			t.Errorf("queue: %v, want %v", got, want)
			return
		}
	}
}

// TestRouting follows chats through routing: the least loaded accepting
// agent first, the limit of chats, the queue in arrival order, and the
// queued chats given out as limits rise, chats close and agents accept.
func TestRouting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, time.Minute)
		a := e.agent("a@x", 2)
		b := e.agent("b@x", 2)
		e.agent("c@x", 5) // never connected: gets nothing
		if st := e.connect(a); st != chat.Accepting {
			t.Fatalf("a connected: status %s, want %s", st, chat.Accepting)
		}
		e.connect(b)

		var ids []string
		start := func() string {
			time.Sleep(time.Second) // so that every chat waits since its own time
			id := e.startChat(fmt.Sprintf("customer-%d", len(ids)))
			ids = append(ids, id)
			return id
		}
		// Equal loads: the agent assigned longest ago, then the smaller id.
		for range 4 {
			start()
		}
		e.wantAgents(ids[0], "a@x")
		e.wantAgents(ids[1], "b@x")
		e.wantAgents(ids[2], "a@x")
		e.wantAgents(ids[3], "b@x")
		if got := pushesTo[chat.IncomingChatThread](e.rec, "a@x"); len(got) != 2 || got[0].Chat.ID != ids[0] || got[1].Chat.ID != ids[2] {
			t.Errorf("incoming_chat_thread pushes to a: %d, want chats %s and %s", len(got), ids[0], ids[2])
		}

		// Both agents are full: new chats wait, first in, first out.
		for range 3 {
			start()
		}
		for _, id := range ids[4:] {
			e.wantAgents(id)
		}
		wantPositions(t, e.queuePositions(a), map[string]int{ids[4]: 1, ids[5]: 2, ids[6]: 3})
		st, err := e.svc.GroupsStatus(e.ctx, a, []int{0})
		e.must(err, "GroupsStatus")
		if st[0] != chat.GroupOnlineForQueue {
			t.Errorf("group 0 with full agents: %s, want %s", st[0], chat.GroupOnlineForQueue)
		}
		if _, err := e.svc.PredictedAgent(e.ctx, a, 0); err != chat.ErrGroupsOffline {
			t.Errorf("PredictedAgent with full agents: %v, want ErrGroupsOffline", err)
		}

		// A raised limit takes the oldest queued chat on the next retry.
		e.agent("a@x", 3)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		e.wantAgents(ids[4], "a@x")
		wantPositions(t, e.queuePositions(a), map[string]int{ids[5]: 1, ids[6]: 2})

		// A closed chat frees its agent for the next queued chat.
		_, err = e.svc.CloseThread(e.ctx, chat.Actor{LicenseID: license, UserID: mustCustomer(e, ids[1]), Type: chat.UserCustomer}, ids[1])
		e.must(err, "CloseThread")
		e.wantAgents(ids[5], "b@x")
		wantPositions(t, e.queuePositions(a), map[string]int{ids[6]: 1})

		// An agent not accepting chats gets none; accepting again, it does.
		e.must(e.svc.SetRoutingStatus(e.ctx, b, chat.NotAccepting), "SetRoutingStatus")
		_, err = e.svc.CloseThread(e.ctx, b, ids[3])
		e.must(err, "CloseThread")
		e.wantAgents(ids[6])
		e.must(e.svc.SetRoutingStatus(e.ctx, b, chat.Accepting), "SetRoutingStatus")
		e.wantAgents(ids[6], "b@x")
		wantPositions(t, e.queuePositions(a), map[string]int{})

		infos, err := e.svc.ListAgents(e.ctx, a)
		e.must(err, "ListAgents")
		want := map[string]struct {
			status chat.RoutingStatus
			load   int
		}{"a@x": {chat.Accepting, 3}, "b@x": {chat.Accepting, 2}, "c@x": {chat.Offline, 0}}
		for _, in := range infos {
			if w := want[in.ID]; in.Status != w.status || in.ActiveChats != w.load {
				t.Errorf("ListAgents %s: %s with %d chats, want %s with %d", in.ID, in.Status, in.ActiveChats, w.status, w.load)
			}
		}
	})
}

// mustCustomer returns the customer of a chat.
func mustCustomer(e *env, chatID string) string {
	e.t.Helper()
	c, err := e.store.Chat(e.ctx, chatID)
	e.must(err, "Chat")
	return c.CustomerID
}

// TestRoutingGroups checks that a chat goes only to the agents of its
// groups.
func TestRoutingGroups(t *testing.T) {
	e := newEnv(t, 0)
	e.must(e.store.PutGroup(e.ctx, chat.Group{LicenseID: license, ID: 1, Name: "Sales"}), "PutGroup")
	e.connect(e.agent("a-general@x", 5))
	sales := e.agent("b-sales@x", 5, 1)
	e.connect(sales)
	cu := e.customer("cu")
	c, _, err := e.svc.StartChat(e.ctx, cu, chat.StartChat{GroupIDs: []int{1}, Events: []chat.Event{message("hi")}})
	e.must(err, "StartChat")
	e.wantAgents(c.ID, "b-sales@x")
	if _, _, err := e.svc.StartChat(e.ctx, cu, chat.StartChat{GroupIDs: []int{9}}); err == nil {
		t.Error("StartChat in an unknown group: no error")
	}
	ag, err := e.svc.PredictedAgent(e.ctx, cu, 1)
	e.must(err, "PredictedAgent")
	if ag.ID != "b-sales@x" {
		t.Errorf("PredictedAgent(group 1) = %s, want b-sales@x", ag.ID)
	}
}

// A chat handed to an agent carries the newest MaxThreadEvents events of
// its thread, however long the thread: the agent pages the rest in.
func TestRoutedThreadIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, time.Minute)
		a := e.agent("a@x", 5)
		id := e.startChat("talkative")
		cu := chat.Actor{LicenseID: license, UserID: "talkative", Type: chat.UserCustomer}
		const sent = chat.MaxThreadEvents + 50
		for i := 2; i <= sent; i++ { // the first came with start_chat
			_, err := e.svc.SendEvent(e.ctx, cu, id, message(fmt.Sprint("m", i)), false)
			e.must(err, "SendEvent")
		}
		e.rec.reset()
		e.connect(a) // the queued chat goes to a
		got := pushesTo[chat.IncomingChatThread](e.rec, "a@x")
		if len(got) != 1 {
			t.Fatalf("%d incoming_chat_thread pushes to a, want 1", len(got))
		}
		evs := got[0].Thread.Events
		if len(evs) != chat.MaxThreadEvents {
			t.Fatalf("the routed thread carries %d events, want %d", len(evs), chat.MaxThreadEvents)
		}
		if first, last := evs[0].Text, evs[len(evs)-1].Text; first != fmt.Sprint("m", sent-chat.MaxThreadEvents+1) || last != fmt.Sprint("m", sent) {
			t.Errorf("the routed thread holds %s … %s, want the newest %d in order", first, last, chat.MaxThreadEvents)
		}
		if got[0].Thread.TotalEvents != sent {
			t.Errorf("total events %d, want %d", got[0].Thread.TotalEvents, sent)
		}
	})
}
