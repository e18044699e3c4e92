package customer_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server/chat"
)

// TestQueuePositionUpdated: with the only agent full (a limit of one
// chat, busy with another customer's), a new chat waits in the queue and
// its customer gets QueuePositionUpdated, typed and by its name, with the
// chat, the thread, the place and the estimated wait; once the agent takes
// the chat no place comes any more, and no UnknownPush came at all.
func TestQueuePositionUpdated(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	ctx := context.Background()
	ag, err := srv.Store().Agent(ctx, srv.License, parleytest.AgentEmail)
	if err != nil {
		t.Fatal(err)
	}
	ag.MaxChats = 1
	if err := srv.Store().PutAgent(ctx, ag); err != nil {
		t.Fatal(err)
	}
	agent := tNewAgent(t, srv)

	busy, busyRec := tInit(t, srv)
	first := tStartChat(t, busy, "first")
	tWait(t, busyRec, func(j customer.UserJoinedChat) bool { return j.Chat == first.ID && j.User == agent.ID })

	sdk, rec := tInit(t, srv)
	named := make(chan customer.Notification, 8)
	off := sdk.On("queue_position_updated", func(n customer.Notification) { named <- n })
	defer off()
	second := tStartChat(t, sdk, "second")
	q := tWait(t, rec, func(q customer.QueuePositionUpdated) bool { return q.Chat == second.ID })
	// No chat was given out of the queue yet, so the estimate is one
	// minute a place (chat.DefaultQueueWait).
	want := customer.QueuePositionUpdated{Chat: second.ID, Thread: second.Thread, Position: 1, WaitTime: chat.DefaultQueueWait}
	if q != want {
		t.Errorf("queue place = %+v, want %+v", q, want)
	}
	select {
	case n := <-named:
		if n != customer.Notification(want) {
			t.Errorf(`On("queue_position_updated") got %#v`, n)
		}
	case <-time.After(tTimeout):
		t.Fatal(`On("queue_position_updated") got nothing`)
	}

	agent.deactivate(first.ID)
	_, joined := tWaitFrom(t, rec, 0, func(j customer.UserJoinedChat) bool { return j.Chat == second.ID && j.User == agent.ID })
	// The agent's message comes after anything the server said of the
	// queue before it took the chat.
	agent.say(second.ID, "hello, second")
	tWaitFrom(t, rec, joined, func(e customer.NewEvent) bool { return e.Event.Text == "hello, second" })
	all, _ := rec.list()
	for _, n := range all[joined:] {
		if q, ok := n.(customer.QueuePositionUpdated); ok {
			t.Errorf("a place after the agent took the chat: %+v", q)
		}
	}
	if u := tOf[customer.UnknownPush](rec); len(u) != 0 {
		t.Errorf("unknown pushes: %+v", u)
	}
}
