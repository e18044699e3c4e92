package chat_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

// TestStartChat: a customer's new chat holds its events; while no agent
// takes it, the agents of its groups hear of it too.
func TestStartChat(t *testing.T) {
	e := newEnv(t, 0)
	e.agent("a@x", 5) // offline: the chat is queued
	cu := e.customer("cu")
	c, th, err := e.svc.StartChat(e.ctx, cu, chat.StartChat{
		Properties: chat.Properties{"routing": {"pinned": true}},
		Events:     []chat.Event{message("one"), message("two")},
	})
	e.must(err, "StartChat")
	if !c.Active || c.CustomerID != "cu" || c.LastThreadID != th.ID {
		t.Errorf("StartChat: chat %+v", c)
	}
	if len(th.Events) != 2 || th.Events[0].Text != "one" || th.Events[1].Text != "two" || th.Events[0].AuthorID != "cu" {
		t.Errorf("StartChat: thread events %+v", th.Events)
	}
	for _, id := range []string{"cu", "a@x"} {
		got := pushesTo[chat.IncomingChatThread](e.rec, id)
		if len(got) != 1 || got[0].Chat.ID != c.ID || len(got[0].Thread.Events) != 2 {
			t.Errorf("incoming_chat_thread pushes to %s: %d, want 1 with 2 events", id, len(got))
		}
	}

	ag := chat.Actor{LicenseID: license, UserID: "a@x", Type: chat.UserAgent}
	_, _, err = e.svc.StartChat(e.ctx, ag, chat.StartChat{})
	wantErr(t, err, chat.ErrInvalid, "an agent starts a chat")
	_, _, err = e.svc.StartChat(e.ctx, cu, chat.StartChat{Events: []chat.Event{{Type: chat.EventAnnotation, Text: "x"}}})
	wantErr(t, err, chat.ErrNotAllowedType, "a customer sends an annotation")
	_, _, err = e.svc.Chat(e.ctx, e.customer("other"), c.ID)
	wantErr(t, err, chat.ErrNotFound, "another customer's chat")

	// A thread opens with at most MaxThreadEvents events.
	many := make([]chat.Event, chat.MaxThreadEvents+1)
	for i := range many {
		many[i] = message(fmt.Sprint("m", i))
	}
	_, _, err = e.svc.StartChat(e.ctx, e.customer("many"), chat.StartChat{Events: many})
	wantErr(t, err, chat.ErrInvalid, "start_chat with too many events")
	if _, th, err := e.svc.StartChat(e.ctx, e.customer("many"), chat.StartChat{Events: many[:chat.MaxThreadEvents]}); err != nil || len(th.Events) != chat.MaxThreadEvents {
		t.Errorf("start_chat with %d events: %d stored, %v", chat.MaxThreadEvents, len(th.Events), err)
	}
}

// TestSendEventOrder: the pushes of a chat's events come in the order the
// events are stored, whoever sends them.
func TestSendEventOrder(t *testing.T) {
	e := newEnv(t, 0)
	ag := e.agent("a@x", 5)
	id := e.startChat("cu")
	cu := chat.Actor{LicenseID: license, UserID: "cu", Type: chat.UserCustomer}

	_, err := e.svc.SendEvent(e.ctx, ag, id, message("too early"), false)
	wantErr(t, err, chat.ErrNotChatMember, "an agent sends before joining")
	e.must(e.svc.JoinChat(e.ctx, ag, id), "JoinChat")
	e.must(e.svc.JoinChat(e.ctx, ag, id), "JoinChat again")
	if n := len(pushesTo[chat.UserAdded](e.rec, "cu")); n != 1 {
		t.Errorf("chat_user_added pushes to the customer: %d, want 1", n)
	}
	e.rec.reset()

	senders := []chat.Actor{cu, ag, cu, cu, ag}
	for i, a := range senders {
		_, err := e.svc.SendEvent(e.ctx, a, id, message(string(rune('a'+i))), false)
		e.must(err, "SendEvent")
	}
	var pushed []string
	for _, p := range pushesTo[chat.IncomingEvent](e.rec, "cu") {
		pushed = append(pushed, p.Event.ID)
	}
	c, err := e.store.Chat(e.ctx, id)
	e.must(err, "Chat")
	ts, err := e.store.ThreadsByID(e.ctx, id, []string{c.LastThreadID})
	e.must(err, "ThreadsByID")
	var stored []string
	for _, ev := range ts[0].Events[1:] { // after the chat's first message
		stored = append(stored, ev.ID)
	}
	if !slices.Equal(pushed, stored) || len(stored) != len(senders) {
		t.Errorf("pushed events %v, stored %v", pushed, stored)
	}

	// A retry with the same custom id stores and pushes nothing.
	e.rec.reset()
	ev := message("once")
	ev.CustomID = "c-1"
	first, err := e.svc.SendEvent(e.ctx, cu, id, ev, false)
	e.must(err, "SendEvent")
	again, err := e.svc.SendEvent(e.ctx, cu, id, ev, false)
	e.must(err, "SendEvent again")
	if !again.Duplicate || again.Event.ID != first.Event.ID {
		t.Errorf("retry: %+v, want the duplicate of %s", again, first.Event.ID)
	}
	if n := len(pushes[chat.IncomingEvent](e.rec)); n != 1 {
		t.Errorf("incoming_event pushes for an event sent twice: %d, want 1", n)
	}

	// After the thread closes, an event opens a new one.
	_, err = e.svc.CloseThread(e.ctx, cu, id)
	e.must(err, "CloseThread")
	r, err := e.svc.SendEvent(e.ctx, cu, id, message("back"), false)
	e.must(err, "SendEvent after close")
	if !r.Opened || r.Thread.ID == c.LastThreadID {
		t.Errorf("an event after the thread closed: %+v, want a new thread", r)
	}
}

// TestProperties: properties of a chat, a thread and an event are merged,
// deleted and told to the chat.
func TestProperties(t *testing.T) {
	e := newEnv(t, 0)
	id := e.startChat("cu")
	cu := chat.Actor{LicenseID: license, UserID: "cu", Type: chat.UserCustomer}
	c, err := e.store.Chat(e.ctx, id)
	e.must(err, "Chat")

	chatT := chat.PropertyTarget{ChatID: id}
	e.must(e.svc.UpdateProperties(e.ctx, cu, chatT, chat.Properties{"ns": {"a": "1", "b": "2"}}), "UpdateProperties")
	e.must(e.svc.UpdateProperties(e.ctx, cu, chatT, chat.Properties{"ns": {"c": "3"}}), "UpdateProperties")
	e.must(e.svc.DeleteProperties(e.ctx, cu, chatT, chat.PropertyNames{"ns": {"a"}}), "DeleteProperties")
	got, _, err := e.svc.Chat(e.ctx, cu, id)
	e.must(err, "Chat")
	ns := got.Properties["ns"]
	if len(ns) != 2 || ns["b"] != "2" || ns["c"] != "3" {
		t.Errorf("chat properties: %v, want b and c", got.Properties)
	}
	if n := len(pushesTo[chat.PropertiesUpdated](e.rec, "cu")); n != 2 {
		t.Errorf("chat_properties_updated pushes: %d, want 2", n)
	}
	if n := len(pushesTo[chat.PropertiesDeleted](e.rec, "cu")); n != 1 {
		t.Errorf("chat_properties_deleted pushes: %d, want 1", n)
	}

	threadT := chat.PropertyTarget{ChatID: id, ThreadID: c.LastThreadID}
	e.must(e.svc.UpdateProperties(e.ctx, cu, threadT, chat.Properties{"ns": {"t": true}}), "UpdateProperties thread")
	ts, err := e.store.ThreadsByID(e.ctx, id, []string{c.LastThreadID})
	e.must(err, "ThreadsByID")
	if ts[0].Properties["ns"]["t"] != true {
		t.Errorf("thread properties: %v", ts[0].Properties)
	}
	eventT := chat.PropertyTarget{ChatID: id, ThreadID: c.LastThreadID, EventID: ts[0].Events[0].ID}
	e.must(e.svc.UpdateProperties(e.ctx, cu, eventT, chat.Properties{"ns": {"e": "x"}}), "UpdateProperties event")

	wantErr(t, e.svc.UpdateProperties(e.ctx, cu, chatT, nil), chat.ErrInvalid, "no properties")
	wantErr(t, e.svc.UpdateProperties(e.ctx, e.customer("other"), chatT, chat.Properties{"ns": {"x": 1}}), chat.ErrNotFound, "another customer's chat")
}

// TestTransferToAgent: the target joins, the requester leaves, and the
// chat hears of both.
func TestTransferToAgent(t *testing.T) {
	e := newEnv(t, 0)
	a := e.agent("a@x", 5)
	b := e.agent("b@x", 5)
	e.connect(a)
	id := e.startChat("cu")
	e.wantAgents(id, "a@x")
	err := e.svc.TransferChat(e.ctx, a, id, chat.TransferTarget{Type: chat.TransferToAgent, AgentID: "b@x"})
	wantErr(t, err, chat.ErrInvalid, "transfer to an offline agent")
	e.connect(b)
	e.rec.reset()
	e.must(e.svc.TransferChat(e.ctx, a, id, chat.TransferTarget{Type: chat.TransferToAgent, AgentID: "b@x"}), "TransferChat")
	e.wantAgents(id, "b@x")
	added := pushesTo[chat.UserAdded](e.rec, "cu")
	removed := pushesTo[chat.UserRemoved](e.rec, "cu")
	if len(added) != 1 || added[0].Member.ID != "b@x" || len(removed) != 1 || removed[0].UserID != "a@x" {
		t.Errorf("the customer heard of %d additions and %d removals, want b added and a removed", len(added), len(removed))
	}
	if n := len(pushesTo[chat.ChatTransferred](e.rec, "a@x")); n != 1 {
		t.Errorf("chat_transferred pushes to a: %d, want 1", n)
	}
}
