package chat_test

import (
	"slices"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

// placed is a push's place, as a test writes it.
type placed struct {
	kind          chat.SeqKind
	thread, event int
}

// placesFor returns the places of the pushes that the user gets as a
// member, in call order.
func placesFor(r *recorder, id string) []placed {
	var out []placed
	for _, n := range r.all() {
		if n.Seq.Kind != chat.SeqNone && slices.ContainsFunc(n.Seq.Members, func(x chat.Recipient) bool { return x.ID == id }) {
			if n.Seq.ChatID == "" {
				panic("a place without a chat")
			}
			out = append(out, placed{n.Seq.Kind, n.Seq.Thread, n.Seq.Event})
		}
	}
	return out
}

// TestPushesPlaced: the pushes that add to a chat's events carry their
// place in the chat's sequence, for the chat's members only: a thread's
// opening with its events, each event, the closing with the thread's
// length, the next thread's opening; the agent routing hands the chat to
// gets the thread up to its last event.
func TestPushesPlaced(t *testing.T) {
	e := newEnv(t, 0)
	ag := e.agent("a@x", 5) // offline: the chat is queued, a@x hears of it
	id := e.startChat("cu")
	first := e.rec.all()[0]
	if first.Seq.Kind != chat.SeqThread || !slices.Equal(first.Seq.Members, []chat.Recipient{{ID: "cu", Type: chat.UserCustomer}}) ||
		!slices.ContainsFunc(first.Recipients, func(r chat.Recipient) bool { return r.ID == "a@x" }) {
		t.Fatalf("the opening of a queued chat: %+v, want placed for the customer only, sent to the group's agent too", first)
	}
	cu := chat.Actor{LicenseID: license, UserID: "cu", Type: chat.UserCustomer}
	for range 2 {
		_, err := e.svc.SendEvent(e.ctx, cu, id, message("m"), false)
		e.must(err, "SendEvent")
	}
	e.connect(ag) // accepting: the queued chat goes to a@x
	e.wantAgents(id, "a@x")
	if got := placesFor(e.rec, "a@x"); !slices.Equal(got, []placed{{chat.SeqSnapshot, 1, 3}}) {
		t.Errorf("the agent routing gave the chat to: places %v, want the thread up to event 3", got)
	}
	_, err := e.svc.SendEvent(e.ctx, ag, id, message("hi"), false)
	e.must(err, "SendEvent")
	_, err = e.svc.CloseThread(e.ctx, cu, id)
	e.must(err, "CloseThread")
	_, err = e.svc.SendEvent(e.ctx, cu, id, message("back"), false)
	e.must(err, "SendEvent")
	want := []placed{
		{chat.SeqThread, 1, 1},
		{chat.SeqEvent, 1, 2}, {chat.SeqEvent, 1, 3}, {chat.SeqEvent, 1, 4},
		{chat.SeqEvent, 1, 5}, // the closing's system message
		{chat.SeqClosed, 1, 5},
		{chat.SeqThread, 2, 1},
	}
	if got := placesFor(e.rec, "cu"); !slices.Equal(got, want) {
		t.Errorf("the customer's places: %v, want %v", got, want)
	}
}
