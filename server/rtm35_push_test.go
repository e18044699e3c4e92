package server_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

// TestRTM35Pushes: the pushes an agent's actions cause reach a v3.5
// customer in v3.5's shapes, each with "version":"3.5". (The pushes of
// the customer's own requests are checked with the requests, in
// rtm35_test.go.)
func TestRTM35Pushes(t *testing.T) {
	srv := parleytest.NewServer(t)
	putGroup(t, srv, 1, "Sales")
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	id := newCustomerID()
	c := connectCustomer35(t, srv, id)
	ch := c.startChat35("hi")
	chatID, threadID := ch.ID, ch.Thread.ID
	ag.assigned(chatID)

	push := func(action string, ms ...pushMatch) frame {
		t.Helper()
		f := c.waitPush(action, append(ms, forChat(chatID))...)
		wantPush35(t, f)
		return f
	}
	t.Run("user_added_to_chat", func(t *testing.T) {
		f := push("user_added_to_chat")
		var p struct {
			ChatID   string  `json:"chat_id"`
			ThreadID string  `json:"thread_id"`
			User     w35User `json:"user"`
		}
		_ = json.Unmarshal(f.Payload, &p)
		if _, ok := keysOf(t, f.Payload)["user_type"]; ok {
			t.Errorf("v3.0's user_type in %s", f.Payload)
		}
		if p.ThreadID != threadID || p.User.ID != parleytest.AgentEmail || p.User.Type != "agent" || p.User.Name != "Demo Agent" ||
			p.User.JobTitle != "Support" || !p.User.Present {
			t.Errorf("user_added_to_chat = %s", f.Payload)
		}
	})
	t.Run("incoming_event", func(t *testing.T) {
		ag.ok(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message("How can I help?")})
		var ie w35IncomingEvent
		_ = json.Unmarshal(push(protocol.PushIncomingEvent, untagged()).Payload, &ie)
		wantEvent35(t, ie.Event)
		if ie.ThreadID != threadID || ie.Event.AuthorID != parleytest.AgentEmail || ie.Event.Text != "How can I help?" {
			t.Errorf("incoming_event = %+v", ie)
		}
	})
	t.Run("incoming_typing_indicator", func(t *testing.T) {
		ag.ok(protocol.ActionSendTypingIndicator, obj{"chat_id": chatID, "is_typing": true})
		f := push(protocol.PushIncomingTypingIndicator)
		ti := wantKeys(t, "typing_indicator", keysOf(t, f.Payload)["typing_indicator"], "author_id", "is_typing")
		wantJSON(t, "author_id", ti["author_id"], `"`+parleytest.AgentEmail+`"`)
		wantJSON(t, "is_typing", ti["is_typing"], `true`)
	})
	t.Run("properties", func(t *testing.T) {
		ag.ok(protocol.ActionUpdateChatProperties, obj{"chat_id": chatID, "properties": obj{"ns": obj{"a": 1}}})
		wantJSON(t, "chat_properties_updated", push(protocol.PushChatPropertiesUpdated).Payload,
			`{"chat_id":"`+chatID+`","properties":{"ns":{"a":1}}}`)
		ag.ok(protocol.ActionUpdateChatThreadProperties, obj{"chat_id": chatID, "thread_id": threadID, "properties": obj{"ns": obj{"b": 2}}})
		wantJSON(t, "thread_properties_updated", push("thread_properties_updated").Payload,
			`{"chat_id":"`+chatID+`","thread_id":"`+threadID+`","properties":{"ns":{"b":2}}}`)
		ag.ok(protocol.ActionDeleteChatThreadProperties, obj{"chat_id": chatID, "thread_id": threadID, "properties": obj{"ns": []string{"b"}}})
		wantJSON(t, "thread_properties_deleted", push("thread_properties_deleted").Payload,
			`{"chat_id":"`+chatID+`","thread_id":"`+threadID+`","properties":{"ns":["b"]}}`)
	})
	t.Run("events_marked_as_seen", func(t *testing.T) {
		ag.ok(protocol.ActionUpdateLastSeenTimestamp, obj{"chat_id": chatID})
		f := push("events_marked_as_seen", func(f frame) bool {
			return jsonEqual(t, keysOf(t, f.Payload)["user_id"], `"`+parleytest.AgentEmail+`"`)
		})
		var p struct {
			SeenUpTo string `json:"seen_up_to"`
		}
		_ = json.Unmarshal(f.Payload, &p)
		wantKeys(t, "events_marked_as_seen", f.Payload, "user_id", "chat_id", "seen_up_to")
		wantTime35(t, "seen_up_to", p.SeenUpTo)
	})
	t.Run("chat_transferred", func(t *testing.T) {
		ag.ok(protocol.ActionTransferChat, obj{"chat_id": chatID, "target": obj{"type": "group", "ids": []int{1}}})
		wantJSON(t, "chat_transferred", push(protocol.PushChatTransferred).Payload,
			`{"chat_id":"`+chatID+`","thread_id":"`+threadID+`","reason":"manual","requester_id":"`+parleytest.AgentEmail+`","transferred_to":{"group_ids":[1]}}`)
	})
	t.Run("user_removed_from_chat", func(t *testing.T) {
		ag.ok(protocol.ActionJoinChat, obj{"chat_id": chatID})
		push("user_added_to_chat")
		ag.ok(protocol.ActionRemoveUserFromChat, obj{"chat_id": chatID, "user_id": parleytest.AgentEmail})
		wantJSON(t, "user_removed_from_chat", push("user_removed_from_chat").Payload,
			`{"chat_id":"`+chatID+`","thread_id":"`+threadID+`","user_id":"`+parleytest.AgentEmail+`"}`)
	})
	t.Run("chat_deactivated", func(t *testing.T) {
		ag.ok(protocol.ActionJoinChat, obj{"chat_id": chatID})
		ag.ok(protocol.ActionDeactivateChat, obj{"chat_id": chatID})
		wantJSON(t, "chat_deactivated", push("chat_deactivated").Payload,
			`{"chat_id":"`+chatID+`","thread_id":"`+threadID+`","user_id":"`+parleytest.AgentEmail+`"}`)
	})
	t.Run("customer_disconnected", func(t *testing.T) {
		ag.ok(protocol.ActionBanCustomer, obj{"customer_id": id})
		f := c.waitPush(protocol.PushCustomerDisconnected)
		wantJSON(t, "customer_disconnected", f.Payload, `{"reason":"customer_banned"}`)
		c.waitClosed()
	})
}

// TestRTM35PushSubscriptions: a v3.5 connection gets the pushes its login
// subscribed to (all when it names none), and always the push that
// answers its own request.
func TestRTM35PushSubscriptions(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	id := newCustomerID()
	all := connectCustomer35(t, srv, id)
	few := dial35(t, "v3.5 few pushes", customer35URL(srv))
	few.ok(protocol.ActionLogin, login35Payload(srv.CustomerToken(t, id), "chat_deactivated"))
	none := dial35(t, "v3.5 no pushes key", customer35URL(srv))
	p := login35Payload(srv.CustomerToken(t, id))
	delete(p, "pushes")
	none.ok(protocol.ActionLogin, p)

	// few's own start_chat and send_event resolve on their pushes though
	// it did not subscribe to them.
	ch := few.startChat35("hi")
	ag.assigned(ch.ID)
	few.sendMessage35(ch.ID, "mine")
	ag.ok(protocol.ActionSendEvent, obj{"chat_id": ch.ID, "event": message("from the agent")})
	for _, c := range []*rtmClient{all, none} {
		c.waitPush("incoming_chat", forChat(ch.ID))
		c.waitCount(2, protocol.PushIncomingEvent, forChat(ch.ID))
		c.waitPush("user_added_to_chat", forChat(ch.ID))
	}
	few.noPush(protocol.PushIncomingEvent, untagged())
	few.noPush("user_added_to_chat")
	// What it subscribed to comes.
	ag.ok(protocol.ActionDeactivateChat, obj{"chat_id": ch.ID})
	few.waitPush("chat_deactivated", forChat(ch.ID))

	for name, pushes := range map[string]map[string]any{
		"unknown push":  {"3.5": []string{"incoming_chat", "no_such_push"}},
		"other version": {"3.6": []string{"incoming_chat"}},
	} {
		c := dial35(t, "v3.5 "+name, customer35URL(srv))
		p := login35Payload(srv.CustomerToken(t, id))
		p["pushes"] = pushes
		if e := c.fail(protocol.ActionLogin, p); e.Type != protocol.ErrValidation {
			t.Errorf("%s: %+v", name, e)
		}
	}
}

// TestRTM35BothDialects: one customer on a v3.0 and a v3.5 connection at
// once, with an agent: each sees one history, and every push reaches both,
// each in its dialect.
func TestRTM35BothDialects(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	id := newCustomerID()
	c30 := connectCustomer(t, srv, id)
	c35 := connectCustomer35(t, srv, id)

	// Started in v3.5, seen in v3.0.
	ch := c35.startChat35("from the new widget")
	var ct wChatThread
	f := c30.waitPushInto(&ct, protocol.PushIncomingChatThread, forChat(ch.ID), untagged())
	if f.Version != "" || ct.Chat.Thread.ID != ch.Thread.ID || ct.Chat.Thread.Events[0].Order != 1 || ct.Chat.Thread.Events[0].Timestamp == 0 {
		t.Errorf("v3.0 incoming_chat_thread = %s", f)
	}
	ag.assigned(ch.ID)

	// The agent's message, in each dialect.
	ag.ok(protocol.ActionSendEvent, obj{"chat_id": ch.ID, "event": message("hello both")})
	var e30 wIncomingEvent
	f30 := c30.waitPushInto(&e30, protocol.PushIncomingEvent, forChat(ch.ID), untagged())
	var e35 w35IncomingEvent
	f35 := c35.waitPushInto(&e35, protocol.PushIncomingEvent, forChat(ch.ID), untagged())
	wantPush35(t, f35)
	wantEvent35(t, e35.Event)
	if f30.Version != "" || e30.Event.ID != e35.Event.ID || e30.Event.Order != 2 || e30.Event.Timestamp == 0 || e35.Event.Text != "hello both" {
		t.Errorf("v3.0 got %s, v3.5 got %s", f30, f35)
	}
	if _, ok := keysOf(t, keysOf(t, f30.Payload)["event"])["created_at"]; ok {
		t.Errorf("v3.0 event with created_at: %s", f30)
	}

	// Sent in v3.0, seen in v3.5.
	sent := c30.sendMessage(ch.ID, "from the old widget")
	c35.waitPushInto(&e35, protocol.PushIncomingEvent, forChat(ch.ID), untagged(), withEvent(sent.Event.ID))
	// A v3.0 property change reaches v3.5 unwrapped, and the reverse.
	c30.ok(protocol.ActionUpdateChatProperties, obj{"chat_id": ch.ID, "properties": obj{"ns": obj{"a": 1}}})
	wantJSON(t, "v3.5 chat_properties_updated", c35.waitPush(protocol.PushChatPropertiesUpdated, forChat(ch.ID)).Payload,
		`{"chat_id":"`+ch.ID+`","properties":{"ns":{"a":1}}}`)
	c35.ok("update_chat_properties", obj{"id": ch.ID, "properties": obj{"ns": obj{"b": 2}}})
	wantJSON(t, "v3.0 chat_properties_updated", c30.waitPush(protocol.PushChatPropertiesUpdated, forChat(ch.ID), untagged(),
		func(f frame) bool {
			return jsonEqual(t, f.Payload, `{"chat_id":"`+ch.ID+`","properties":{"ns":{"b":{"value":2}}}}`)
		}).Payload,
		`{"chat_id":"`+ch.ID+`","properties":{"ns":{"b":{"value":2}}}}`)

	// Each pushed event reached each connection once.
	c30.sync()
	c35.sync()
	for name, n := range map[string]int{
		"v3.0": len(c30.pushLog(protocol.PushIncomingEvent, forChat(ch.ID))),
		"v3.5": len(c35.pushLog(protocol.PushIncomingEvent, forChat(ch.ID))),
	} {
		if n != 2 {
			t.Errorf("%s got %d incoming_event pushes, want 2", name, n)
		}
	}

	// One history.
	h30 := c30.chatThreads(ch.ID, ch.Thread.ID)
	var h35 struct {
		Threads []w35Thread `json:"threads"`
	}
	c35.okInto("list_threads", obj{"chat_id": ch.ID}, &h35)
	var ids30, ids35 []string
	for _, e := range h30.Chat.Threads[0].Events {
		ids30 = append(ids30, e.ID)
	}
	for _, e := range h35.Threads[0].Events {
		ids35 = append(ids35, e.ID)
	}
	if len(ids30) != 3 || !slices.Equal(ids30, ids35) {
		t.Errorf("v3.0 history %v, v3.5 history %v", ids30, ids35)
	}
}
