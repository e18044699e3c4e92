package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

// TestPrivateNotes sends private notes (visibility "agents") into a chat
// whose customer listens on every customer path at once, a v3.0 and a
// v3.5 connection and the Go SDK, and reads the chat on every read of the
// customer APIs and the Web API: none of them ever carries a note, while
// the agent gets and reads them. The event after a note reaches the
// customers at once (their sequence moves past the note, no resync).
func TestPrivateNotes(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := connectAgent(t, srv, parleytest.AgentEmail)

	// The Go SDK's customer; the raw connections log in as the same one.
	sdk, err := customer.Init(customer.Config{License: srv.License, ClientID: srv.ClientID, Server: srv.URL,
		Identity: customer.MemoryStore(), ManualConnect: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sdk.Destroy)
	var (
		sdkMu   sync.Mutex
		sdkSeen []string
	)
	sdk.On("*", func(n customer.Notification) {
		b, _ := json.Marshal(n)
		sdkMu.Lock()
		sdkSeen = append(sdkSeen, fmt.Sprintf("%s %s %+v", n.Name(), b, n))
		sdkMu.Unlock()
	})
	connected := make(chan struct{})
	customer.Once(sdk, func(customer.Connected) { close(connected) })
	if err := sdk.Connect(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-connected:
	case <-time.After(waitTimeout):
		t.Fatal("the SDK did not connect")
	}
	custID := sdk.CustomerID()
	c30 := connectCustomer(t, srv, custID)
	c35 := connectCustomer35(t, srv, custID)
	web := webClient{t: t, srv: srv, token: srv.CustomerToken(t, custID)}

	ct := c30.startChat("hello")
	chatID, threadID := ct.Chat.ID, ct.Chat.Thread.ID
	ag.waitPush(protocol.PushIncomingChatThread, forChat(chatID))

	// note sends a private note and checks the agent's push of it.
	secrets := []string{}
	note := func(ev obj) string {
		t.Helper()
		ev["visibility"] = "agents"
		var r struct {
			EventID string `json:"event_id"`
		}
		ag.okInto(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": ev}, &r)
		var ie struct {
			Event struct {
				ID         string `json:"id"`
				Visibility string `json:"visibility"`
			} `json:"event"`
		}
		ag.waitPushInto(&ie, protocol.PushIncomingEvent, forChat(chatID), func(f frame) bool { return strings.Contains(string(f.Payload), r.EventID) })
		if ie.Event.Visibility != "agents" {
			t.Errorf("agent's incoming_event of the note: visibility %q, want agents", ie.Event.Visibility)
		}
		secrets = append(secrets, r.EventID)
		return r.EventID
	}
	note(obj{"type": "message", "text": "SECRET-1 the customer is a VIP"})
	secrets = append(secrets, "SECRET-1")
	// The reply after the note reaches every customer connection at once:
	// well before a push that waits for a lost one would be let through.
	sent := time.Now()
	ag.ok(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message("public reply")})
	hasReply := func(f frame) bool { return strings.Contains(string(f.Payload), "public reply") }
	c30.waitPush(protocol.PushIncomingEvent, hasReply)
	c35.waitPush(protocol.PushIncomingEvent, hasReply)
	if d := time.Since(sent); d > time.Second {
		t.Errorf("the reply after a note took %v to reach the customers", d)
	}
	noteID := note(obj{"type": "message", "text": "SECRET-2 newest note"})
	secrets = append(secrets, "SECRET-2")
	note(obj{"type": "system_message", "text": "SECRET-3 system note", "system_message_type": "note"})
	secrets = append(secrets, "SECRET-3")
	note(obj{"type": "rich_message", "template_id": "quick_replies", "elements": []any{obj{
		"title": "SECRET-4", "buttons": []any{obj{"text": "Yes", "postback_id": "pb-yes", "type": "message", "value": "yes"}}}}})
	secrets = append(secrets, "SECRET-4")
	// A file as a note: send_file with payload.visibility "agents".
	resp := agentUpload(t, srv, srv.AgentToken(t, parleytest.AgentEmail), chatID, "SECRET-6.txt", []byte("SECRET-6 invoice"), "payload.visibility", "agents")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("send_file as a note: %s", resp.Status)
	}
	var fe struct {
		Event struct {
			ID, Type, Name, Visibility string
		} `json:"event"`
	}
	ag.waitPushInto(&fe, protocol.PushIncomingEvent, forChat(chatID), func(f frame) bool { return strings.Contains(string(f.Payload), "SECRET-6.txt") })
	if fe.Event.Type != "file" || fe.Event.Visibility != "agents" {
		t.Errorf("the agent's push of the file note: %+v", fe.Event)
	}
	secrets = append(secrets, "SECRET-6", fe.Event.ID)
	ag.ok(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message("last public")})
	c30.waitPush(protocol.PushIncomingEvent, func(f frame) bool { return strings.Contains(string(f.Payload), "last public") })
	c35.waitPush(protocol.PushIncomingEvent, func(f frame) bool { return strings.Contains(string(f.Payload), "last public") })
	deadline := time.Now().Add(waitTimeout)
	for {
		sdkMu.Lock()
		got := strings.Join(sdkSeen, "\n")
		sdkMu.Unlock()
		if strings.Contains(got, "last public") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the SDK never got the last reply:\n%s", got)
		}
		time.Sleep(10 * time.Millisecond)
	}

	clean := func(t *testing.T, what, s string) {
		t.Helper()
		for _, secret := range secrets {
			if strings.Contains(s, secret) {
				t.Errorf("%s reveals %q:\n%s", what, secret, s)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	raw := func(v any, err error) string {
		if err != nil {
			t.Fatalf("SDK read: %v", err)
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	reads := []struct {
		name string
		read func() string
		// want is what the read must show (it reads the chat at all).
		want string
	}{
		{"v3.0 get_chats_summary", func() string { return c30.ok(protocol.ActionGetChatsSummary, obj{}).String() }, "last public"},
		{"v3.0 get_chat_threads_summary", func() string {
			return c30.ok(protocol.ActionGetChatThreadsSummary, obj{"chat_id": chatID}).String()
		}, threadID},
		{"v3.0 get_chat_threads", func() string {
			return c30.ok(protocol.ActionGetChatThreads, obj{"chat_id": chatID, "thread_ids": []string{threadID}}).String()
		}, "public reply"},
		{"v3.0 login", func() string { return connectCustomer(t, srv, custID).all[0].String() }, ""},
		{"v3.5 list_chats", func() string { return c35.ok("list_chats", obj{}).String() }, "last public"},
		{"v3.5 list_threads", func() string { return c35.ok("list_threads", obj{"chat_id": chatID}).String() }, "public reply"},
		{"v3.5 list_threads, pages of one event", func() string {
			return c35.ok("list_threads", obj{"chat_id": chatID, "limit": 1}).String()
		}, threadID},
		{"v3.5 get_chat", func() string { return c35.ok("get_chat", obj{"chat_id": chatID}).String() }, "public reply"},
		{"v3.5 login", func() string { return connectCustomer35(t, srv, custID).all[0].String() }, chatID},
		{"Web API list_chats", func() string { return fmt.Sprint(web.call("list_chats", obj{})) }, "last public"},
		{"Web API list_threads", func() string { return fmt.Sprint(web.call("list_threads", obj{"chat_id": chatID})) }, "public reply"},
		{"Web API get_chat", func() string { return fmt.Sprint(web.call("get_chat", obj{"chat_id": chatID})) }, "public reply"},
		{"SDK GetChatsSummary", func() string { return raw(sdk.GetChatsSummary(ctx, customer.Pagination{})) }, "last public"},
		{"SDK GetChatThreadsSummary", func() string {
			return raw(sdk.GetChatThreadsSummary(ctx, chatID, customer.Pagination{}))
		}, threadID},
		{"SDK GetChatThreads", func() string { return raw(sdk.GetChatThreads(ctx, chatID, []string{threadID})) }, "public reply"},
		{"SDK history", func() string {
			var all []string
			h := sdk.GetChatHistory(chatID)
			for {
				page, done, err := h.Next(ctx)
				all = append(all, raw(page, err))
				if done {
					break
				}
			}
			return strings.Join(all, "\n")
		}, "public reply"},
	}
	for _, r := range reads {
		t.Run(r.name, func(t *testing.T) {
			got := r.read()
			if !strings.Contains(got, r.want) {
				t.Errorf("%s does not show %q:\n%s", r.name, r.want, got)
			}
			clean(t, r.name, got)
		})
	}

	t.Run("pushes", func(t *testing.T) {
		for _, c := range []*rtmClient{c30, c35} {
			c.sync()
			c.mu.Lock()
			var all []string
			for _, f := range c.all {
				all = append(all, f.String())
			}
			c.mu.Unlock()
			clean(t, c.name, strings.Join(all, "\n"))
		}
		sdkMu.Lock()
		clean(t, "the Go SDK", strings.Join(sdkSeen, "\n"))
		sdkMu.Unlock()
	})

	t.Run("customers cannot send notes", func(t *testing.T) {
		ev := obj{"type": "message", "text": "mine", "visibility": "agents"}
		if e := c30.fail(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": ev}); e.Type != protocol.ErrValidation {
			t.Errorf("v3.0: %+v", e)
		}
		if e := c35.fail(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": ev}); e.Type != protocol.ErrValidation {
			t.Errorf("v3.5: %+v", e)
		}
		web.fail("send_event", obj{"chat_id": chatID, "event": ev}, 400, protocol.ErrValidation)
		if status, _ := customerUpload(t, srv, srv.CustomerToken(t, custID), chatID, []byte("mine"), "payload.visibility", "agents"); status != http.StatusBadRequest {
			t.Errorf("send_file as a note from the customer: HTTP %d, want 400", status)
		}
	})

	t.Run("a postback naming a note is refused", func(t *testing.T) {
		e := c30.fail(protocol.ActionSendRichMessagePostback, obj{"chat_id": chatID, "thread_id": threadID,
			"event_id": secrets[len(secrets)-2], "postback": obj{"id": "pb-yes", "toggled": true}})
		if e.Type != protocol.ErrNotFound {
			t.Errorf("postback on a note: %+v", e)
		}
	})

	t.Run("a note's properties are the agents'", func(t *testing.T) {
		ag.ok("update_event_properties", obj{"chat_id": chatID, "thread_id": threadID, "event_id": noteID,
			"properties": obj{"ns": obj{"k": "SECRET-5"}}})
		ag.waitPush(protocol.PushEventPropertiesUpdated, forChat(chatID))
		ag.ok(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message("after props")})
		c30.waitPush(protocol.PushIncomingEvent, func(f frame) bool { return strings.Contains(string(f.Payload), "after props") })
		c30.noPush(protocol.PushEventPropertiesUpdated)
		if e := c30.fail("update_event_properties", obj{"chat_id": chatID, "thread_id": threadID, "event_id": noteID,
			"properties": obj{"ns": obj{"k": "v"}}}); e.Type != protocol.ErrNotFound {
			t.Errorf("customer updating a note's properties: %+v", e)
		}
	})

	t.Run("the agent sees the notes", func(t *testing.T) {
		got := ag.ok(protocol.ActionGetChat, obj{"chat_id": chatID}).String()
		for _, s := range []string{"SECRET-1", "SECRET-2", "SECRET-3", "SECRET-4", `"visibility":"agents"`} {
			if !strings.Contains(got, s) {
				t.Errorf("agent's get_chat lacks %q:\n%s", s, got)
			}
		}
		got = ag.ok(protocol.ActionListChats, obj{}).String()
		if !strings.Contains(got, "SECRET-4") {
			t.Errorf("agent's list_chats: the newest rich message is the note:\n%s", got)
		}
	})
}
