package server_test

import (
	"encoding/json"
	"testing"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

// wQueuePosition is queue_position_updated's payload.
type wQueuePosition struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id"`
	Queue    struct {
		Position int `json:"position"`
		WaitTime int `json:"wait_time"`
	} `json:"queue"`
}

// queuePosition waits for the queue_position_updated push of chatID.
func (c *rtmClient) queuePosition(chatID string) wQueuePosition {
	c.t.Helper()
	var p wQueuePosition
	f := c.waitPushInto(&p, protocol.PushQueuePositionUpdated, forChat(chatID))
	wantKeys(c.t, "queue_position_updated", f.Payload, "chat_id", "thread_id", "queue")
	wantKeys(c.t, "queue", keysOf(c.t, f.Payload)["queue"], "position", "wait_time")
	return p
}

// TestRTMQueuePosition: a queued customer is told its place and wait
// when queued and each time a chat ahead leaves the queue, in v3.0 (an
// extension push) and in v3.5 (LiveChat's push, "version":"3.5").
func TestRTMQueuePosition(t *testing.T) {
	srv := parleytest.NewServer(t)
	putAgent(t, srv, agentA, "Ann", nil, 1)
	ag := connectAgent(t, srv, agentA)

	first := connectCustomer(t, srv, newCustomerID())
	firstChat := first.startChat("first")
	ag.assigned(firstChat.Chat.ID)

	id30 := newCustomerID()
	c30 := connectCustomer(t, srv, id30)
	ch30 := c30.startChat("second")
	p := c30.queuePosition(ch30.Chat.ID)
	if p.ThreadID != ch30.Chat.Thread.ID || p.Queue.Position != 1 || p.Queue.WaitTime != 60 {
		t.Errorf("v3.0 when queued: %+v, want place 1, 60 s", p)
	}

	// Another connection of the customer hears its place after its login,
	// though it did not change (and so do the customer's other ones).
	again := connectCustomer(t, srv, id30)
	if p := again.queuePosition(ch30.Chat.ID); p.Queue.Position != 1 {
		t.Errorf("v3.0 after a new login: %+v, want place 1", p)
	}
	c30.queuePosition(ch30.Chat.ID)

	id35 := newCustomerID()
	c35 := connectCustomer35(t, srv, id35)
	ch35 := c35.startChat35("third")
	f := c35.waitPush(protocol.PushQueuePositionUpdated, forChat(ch35.ID))
	wantPush35(t, f)
	_ = json.Unmarshal(f.Payload, &p)
	if p.ThreadID != ch35.Thread.ID || p.Queue.Position != 2 || p.Queue.WaitTime != 120 {
		t.Errorf("v3.5 when queued: %s, want place 2, 120 s", f.Payload)
	}

	again35 := connectCustomer35(t, srv, id35)
	f = again35.waitPush(protocol.PushQueuePositionUpdated, forChat(ch35.ID))
	wantPush35(t, f)
	if _ = json.Unmarshal(f.Payload, &p); p.Queue.Position != 2 {
		t.Errorf("v3.5 after a new login: %s, want place 2", f.Payload)
	}
	c35.waitPush(protocol.PushQueuePositionUpdated, forChat(ch35.ID))

	// The first chat closes: the v3.0 customer's chat is assigned, the
	// v3.5 customer moves up.
	ag.ok(protocol.ActionDeactivateChat, map[string]any{"chat_id": firstChat.Chat.ID})
	ag.assigned(ch30.Chat.ID)
	f = c35.waitPush(protocol.PushQueuePositionUpdated, forChat(ch35.ID))
	wantPush35(t, f)
	_ = json.Unmarshal(f.Payload, &p)
	if p.Queue.Position != 1 {
		t.Errorf("v3.5 after the chat ahead was assigned: %s, want place 1", f.Payload)
	}
	c30.noPush(protocol.PushQueuePositionUpdated)
	ag.noPush(protocol.PushQueuePositionUpdated)
}
