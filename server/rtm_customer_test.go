package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/server/auth"
)

// obj is a JSON object in a request.
type obj = map[string]any

// TestCustomerRTM covers every action of the Customer Chat API v3.0 over
// the plain WebSocket endpoint: one subtest per action (§7 of the protocol
// notes), with the pushes each causes.
func TestCustomerRTM(t *testing.T) {
	srv := parleytest.NewServer(t)

	t.Run("login", func(t *testing.T) {
		t.Parallel()
		id := newCustomerID()
		c := dial(t, "customer", customerURL(srv), "customer")
		// The login frame as the JS SDK sends it on a first visit with
		// every optional field.
		f := c.ok(protocol.ActionLogin, obj{
			"token":                 "Bearer " + srv.CustomerToken(t, id),
			"customer":              obj{"name": "John", "email": "j@x.io", "fields": obj{"a": "b"}},
			"customer_side_storage": nil,
			"group_id":              0,
			"customer_page":         obj{"url": "https://shop.example/x", "title": "Shop"},
			"referrer":              "https://ref.example/",
		})
		if f.Action != protocol.ActionLogin || f.Type != protocol.TypeResponse {
			t.Errorf("login response: %s", f)
		}
		var resp struct {
			CustomerID      string `json:"customer_id"`
			HasActiveThread bool   `json:"has_active_thread"`
			Chats           []struct {
				ChatID string `json:"chat_id"`
			} `json:"chats"`
			DynamicConfig *struct {
				CustomerData struct {
					Name   string            `json:"name"`
					Fields map[string]string `json:"fields"`
				} `json:"customer_data"`
				OnlineGroupIDs []int `json:"online_groups_ids"`
			} `json:"__priv_dynamic_config"`
		}
		if err := json.Unmarshal(f.Payload, &resp); err != nil {
			t.Fatal(err)
		}
		if resp.CustomerID != id || resp.HasActiveThread || resp.Chats == nil || len(resp.Chats) != 0 {
			t.Errorf("login payload = %s, want customer_id %s, no active thread, chats []", f.Payload, id)
		}
		if dc := resp.DynamicConfig; dc == nil || dc.CustomerData.Name != "John" || dc.CustomerData.Fields["a"] != "b" || dc.OnlineGroupIDs == nil {
			t.Errorf("__priv_dynamic_config = %s", f.Payload)
		}
		// A second login on a logged-in connection is refused; the
		// connection stays.
		if e := c.fail(protocol.ActionLogin, obj{"token": "Bearer " + srv.CustomerToken(t, id)}); e.Type != protocol.ErrValidation {
			t.Errorf("second login: %+v, want validation", e)
		}
		// No push is tagged with the login's request id (it would resolve
		// the SDK's login request).
		c.noPush("", tagged(f.rid()))

		chat := c.startChat("hi")
		// The SDK's minimal login, as captured.
		c2 := dial(t, "customer tab 2", customerURL(srv), "customer")
		f = c2.ok(protocol.ActionLogin, json.RawMessage(`{"token":"Bearer `+srv.CustomerToken(t, id)+`","customer":{},"customer_side_storage":null}`))
		resp.Chats = nil
		if err := json.Unmarshal(f.Payload, &resp); err != nil {
			t.Fatal(err)
		}
		if !resp.HasActiveThread || len(resp.Chats) != 1 || resp.Chats[0].ChatID != chat.Chat.ID {
			t.Errorf("login after start_chat = %s, want has_active_thread and chat %s", f.Payload, chat.Chat.ID)
		}
	})

	t.Run("get_chats_summary", func(t *testing.T) {
		t.Parallel()
		c, _ := newCustomer(t, srv)
		// Without payload (the login flow): no chats yet.
		var sum wChatsSummary
		c.okInto(protocol.ActionGetChatsSummary, nil, &sum)
		if sum.ChatsSummary == nil || len(sum.ChatsSummary) != 0 || sum.TotalChats != 0 {
			t.Fatalf("empty summary = %+v, want chats_summary [] and total 0", sum)
		}
		var ids []string // oldest first
		for i := range 12 {
			ids = append(ids, c.startChat(fmt.Sprintf("chat %d", i)).Chat.ID)
		}
		newestFirst := slices.Clone(ids)
		slices.Reverse(newestFirst)
		summaryIDs := func(payload any) ([]string, int) {
			t.Helper()
			var s wChatsSummary
			c.okInto(protocol.ActionGetChatsSummary, payload, &s)
			var out []string
			for _, cs := range s.ChatsSummary {
				out = append(out, cs.ID)
			}
			return out, s.TotalChats
		}
		// No payload: offset 0, limit 10.
		got, total := summaryIDs(nil)
		if total != 12 || !slices.Equal(got, newestFirst[:10]) {
			t.Errorf("no payload: %v total %d, want %v total 12", got, total, newestFirst[:10])
		}
		got, total = summaryIDs(obj{"offset": 10, "limit": 10})
		if total != 12 || !slices.Equal(got, newestFirst[10:]) {
			t.Errorf("offset 10: %v total %d, want %v", got, total, newestFirst[10:])
		}
		got, _ = summaryIDs(obj{"offset": 0, "limit": 25})
		if !slices.Equal(got, newestFirst) {
			t.Errorf("limit 25: %v, want %v", got, newestFirst)
		}
		got, _ = summaryIDs(obj{"offset": 3, "limit": 2})
		if !slices.Equal(got, newestFirst[3:5]) {
			t.Errorf("offset 3 limit 2: %v, want %v", got, newestFirst[3:5])
		}
		// A new event moves the oldest chat to the front.
		c.sendMessage(ids[0], "back again")
		got, _ = summaryIDs(obj{"limit": 1})
		if !slices.Equal(got, ids[:1]) {
			t.Errorf("after an event in %s the first chat is %v", ids[0], got)
		}
	})

	t.Run("chats_summary_fields", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		ag := connectAgent(t, srv, parleytest.AgentEmail)
		ct := c.startChat("hello")
		chatID, threadID := ct.Chat.ID, ct.Chat.Thread.ID
		ag.ok(protocol.ActionJoinChat, obj{"chat_id": chatID})
		agentEvent := ag.ok(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message("agent says hi")})
		var sent struct {
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal(agentEvent.Payload, &sent)
		c.waitPush(protocol.PushIncomingEvent, forChat(chatID))
		seen := time.Now().Add(-time.Hour).Unix()
		c.ok(protocol.ActionUpdateLastSeenTimestamp, obj{"chat_id": chatID, "timestamp": seen})
		c.ok(protocol.ActionUpdateChatProperties, obj{"chat_id": chatID, "properties": obj{"ns": obj{"k": 1}}})

		f := c.ok(protocol.ActionGetChatsSummary, obj{"offset": 0, "limit": 10})
		var sum wChatsSummary
		_ = json.Unmarshal(f.Payload, &sum)
		if len(sum.ChatsSummary) != 1 || sum.TotalChats != 1 {
			t.Fatalf("summary = %s, want one chat", f.Payload)
		}
		cs := sum.ChatsSummary[0]
		raw := keysOf(t, f.Payload)["chats_summary"]
		var items []json.RawMessage
		_ = json.Unmarshal(raw, &items)
		wantKeys(t, "chat summary", items[0], "id", "active", "order", "last_thread_id", "users", "properties", "access", "last_event_per_type")
		if cs.ID != chatID || !cs.Active || cs.LastThreadID != threadID || cs.Order < time.Now().Add(-time.Hour).Unix() {
			t.Errorf("summary = %s", items[0])
		}
		wantJSON(t, "properties", cs.Properties, `{"ns":{"k":{"value":1}}}`)
		if cs.Access == nil || !slices.Equal(cs.Access.GroupIDs, []int{0}) {
			t.Errorf("access = %+v, want group_ids [0]", cs.Access)
		}
		var cu, au *wUser
		for i, u := range cs.Users {
			switch u.ID {
			case custID:
				cu = &cs.Users[i]
			case parleytest.AgentEmail:
				au = &cs.Users[i]
			}
		}
		if cu == nil || cu.Type != "customer" || cu.LastSeenTimestamp == nil || *cu.LastSeenTimestamp != seen {
			t.Errorf("customer user = %+v, want last_seen_timestamp %d", cu, seen)
		}
		if au == nil || au.Type != "agent" || au.Name != "Demo Agent" {
			t.Errorf("agent user = %+v", au)
		}
		for i := range items {
			var u struct {
				Users []json.RawMessage `json:"users"`
			}
			_ = json.Unmarshal(items[i], &u)
			for _, ru := range u.Users {
				// last_seen_timestamp is always there, null when unknown.
				wantKeys(t, "user", ru, "id", "type", "last_seen_timestamp")
			}
		}
		le, ok := cs.LastEventPerType["message"]
		if !ok || le.ThreadID != threadID || le.ThreadOrder != 1 || le.Event.ID != sent.EventID || le.Event.AuthorID != parleytest.AgentEmail || le.Event.Text != "agent says hi" {
			t.Errorf("last_event_per_type.message = %+v, want the agent's event %s", le, sent.EventID)
		}
		c.closeThread(chatID)
		sum = wChatsSummary{}
		c.okInto(protocol.ActionGetChatsSummary, obj{"limit": 10}, &sum)
		cs = sum.ChatsSummary[0]
		if cs.Active {
			t.Error("summary active after close_thread")
		}
		if le, ok := cs.LastEventPerType["system_message"]; !ok || le.Event.Type != "system_message" || le.ThreadOrder != 1 {
			t.Errorf("last_event_per_type after close = %+v, want a system_message", cs.LastEventPerType)
		}
	})

	t.Run("get_chat_threads_summary", func(t *testing.T) {
		t.Parallel()
		c, _ := newCustomer(t, srv)
		ct := c.startChat("one")
		chatID := ct.Chat.ID
		threads := []string{ct.Chat.Thread.ID}
		for i := range 2 {
			c.closeThread(chatID)
			rid, _ := c.sendRequest(protocol.ActionActivateChat, obj{"chat": obj{"id": chatID, "thread": obj{"events": []any{message(fmt.Sprint("again ", i))}}}})
			var nt wChatThread
			c.waitPushInto(&nt, protocol.PushIncomingChatThread, tagged(rid))
			c.waitResponse(rid)
			threads = append(threads, nt.Chat.Thread.ID)
		}
		summary := func(payload obj) wThreadsSummary {
			t.Helper()
			var s wThreadsSummary
			c.okInto(protocol.ActionGetChatThreadsSummary, payload, &s)
			return s
		}
		s := summary(obj{"chat_id": chatID, "offset": 0, "limit": 25})
		if s.TotalThreads != 3 || len(s.ThreadsSummary) != 3 {
			t.Fatalf("summary = %+v, want 3 threads", s)
		}
		// Newest first; only the newest is active; closed threads count
		// their closing system message.
		for i, want := range []struct {
			id     string
			order  int
			active bool
			events int
		}{{threads[2], 3, true, 1}, {threads[1], 2, false, 2}, {threads[0], 1, false, 2}} {
			got := s.ThreadsSummary[i]
			if got.ID != want.id || got.Order != want.order || got.Active != want.active || got.TotalEvents != want.events {
				t.Errorf("threads_summary[%d] = %+v, want %+v", i, got, want)
			}
		}
		// Offset counts from the newest.
		s = summary(obj{"chat_id": chatID, "offset": 1, "limit": 1})
		if s.TotalThreads != 3 || len(s.ThreadsSummary) != 1 || s.ThreadsSummary[0].Order != 2 {
			t.Errorf("offset 1 limit 1 = %+v, want thread order 2", s)
		}
		s = summary(obj{"chat_id": chatID, "offset": 2, "limit": 25})
		if len(s.ThreadsSummary) != 1 || s.ThreadsSummary[0].Order != 1 {
			t.Errorf("offset 2 = %+v, want thread order 1", s)
		}
		s = summary(obj{"chat_id": chatID, "offset": 3})
		if s.TotalThreads != 3 || s.ThreadsSummary == nil || len(s.ThreadsSummary) != 0 {
			t.Errorf("offset 3 = %+v, want [] and total 3", s)
		}
		// Default limit.
		if s = summary(obj{"chat_id": chatID}); len(s.ThreadsSummary) != 3 {
			t.Errorf("no limit = %+v, want 3 threads", s)
		}
	})

	t.Run("get_chat_threads", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		ct := c.startChat("first")
		chatID, t1 := ct.Chat.ID, ct.Chat.Thread.ID
		c.sendMessage(chatID, "second")
		c.closeThread(chatID)
		second := c.sendMessage2(chatID, "new thread")
		t2 := second.Chat.Thread.ID

		f := c.ok(protocol.ActionGetChatThreads, obj{"chat_id": chatID, "thread_ids": []string{t1, t2}})
		var ch wChatThreads
		_ = json.Unmarshal(f.Payload, &ch)
		wantKeys(t, "chat", keysOf(t, f.Payload)["chat"], "id", "users", "threads", "properties")
		if ch.Chat.ID != chatID || len(ch.Chat.Users) == 0 || len(ch.Chat.Threads) != 2 {
			t.Fatalf("get_chat_threads = %s", f.Payload)
		}
		th := ch.Chat.Threads
		if th[0].ID != t1 || th[0].Order != 1 || th[0].Active || th[1].ID != t2 || th[1].Order != 2 || !th[1].Active {
			t.Errorf("threads = %+v", th)
		}
		var texts []string
		for _, e := range th[0].Events {
			texts = append(texts, e.Type+":"+e.Text)
		}
		if want := []string{"message:first", "message:second", "system_message:Chat closed by the customer"}; !slices.Equal(texts, want) {
			t.Errorf("thread 1 events = %v, want %v", texts, want)
		}
		for i, e := range th[0].Events {
			if e.Order != i+1 || e.ID == "" || e.Timestamp == 0 {
				t.Errorf("event %d = %+v", i, e)
			}
		}
		if len(th[1].Events) != 1 || th[1].Events[0].AuthorID != custID || !slices.Contains(th[1].UserIDs, custID) {
			t.Errorf("thread 2 = %+v", th[1])
		}
		var rawThreads struct {
			Chat struct {
				Threads []json.RawMessage `json:"threads"`
			} `json:"chat"`
		}
		_ = json.Unmarshal(f.Payload, &rawThreads)
		for _, rt := range rawThreads.Chat.Threads {
			m := wantKeys(t, "thread", rt, "id", "active", "order", "user_ids", "events", "properties")
			if string(m["events"]) == "null" || string(m["user_ids"]) == "null" || string(m["properties"]) == "null" {
				t.Errorf("thread has null arrays or properties: %s", rt)
			}
		}
		// A missing thread fails the request.
		if e := c.fail(protocol.ActionGetChatThreads, obj{"chat_id": chatID, "thread_ids": []string{t1, "NOSUCHTHREAD"}}); e.Type != protocol.ErrNotFound {
			t.Errorf("missing thread: %+v", e)
		}
	})

	t.Run("start_chat", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		c.ok(protocol.ActionUpdateCustomer, obj{"name": "C", "fields": obj{"f": "v"}})
		// Appendix A's startChat.
		req := obj{"chat": obj{
			"access":     obj{"group_ids": []int{0}},
			"thread":     obj{"events": []any{message("hi")}, "properties": obj{"c": obj{"d": 2}}},
			"properties": obj{"a": obj{"b": 1}},
		}}
		rid, _ := c.sendRequest(protocol.ActionStartChat, req)
		push := c.waitPush(protocol.PushIncomingChatThread, tagged(rid))
		resp := c.waitResponse(rid)
		if resp.Success == nil || !*resp.Success {
			t.Fatalf("start_chat response = %s", resp)
		}
		var ct wChatThread
		if err := json.Unmarshal(push.Payload, &ct); err != nil {
			t.Fatal(err)
		}
		chatRaw := wantKeys(t, "incoming_chat_thread payload", push.Payload, "chat")["chat"]
		threadRaw := wantKeys(t, "chat", chatRaw, "id", "users", "thread", "properties", "access")["thread"]
		wantKeys(t, "thread", threadRaw, "id", "active", "order", "user_ids", "events", "properties")
		ch := ct.Chat
		if ch.ID == "" || ch.Thread.ID == "" || !ch.Thread.Active || ch.Thread.Order != 1 || !slices.Equal(ch.Thread.UserIDs, []string{custID}) {
			t.Errorf("chat = %s", push.Payload)
		}
		wantJSON(t, "chat.properties", ch.Properties, `{"a":{"b":{"value":1}}}`)
		wantJSON(t, "thread.properties", ch.Thread.Properties, `{"c":{"d":{"value":2}}}`)
		if ch.Access == nil || !slices.Equal(ch.Access.GroupIDs, []int{0}) {
			t.Errorf("access = %+v", ch.Access)
		}
		if len(ch.Users) != 1 || ch.Users[0].ID != custID || ch.Users[0].Type != "customer" || ch.Users[0].Name != "C" || ch.Users[0].Fields["f"] != "v" {
			t.Errorf("users = %+v", ch.Users)
		}
		if len(ch.Thread.Events) != 1 {
			t.Fatalf("events = %+v", ch.Thread.Events)
		}
		e := ch.Thread.Events[0]
		if e.ID == "" || e.Order != 1 || e.Type != "message" || e.AuthorID != custID || e.Timestamp < time.Now().Add(-time.Hour).Unix() || e.Text != "hi" {
			t.Errorf("event = %+v", e)
		}
		// The direct response names the chat and thread.
		var r struct {
			Chat struct {
				ID     string `json:"id"`
				Thread struct {
					ID string `json:"id"`
				} `json:"thread"`
			} `json:"chat"`
		}
		_ = json.Unmarshal(resp.Payload, &r)
		if r.Chat.ID != ch.ID || r.Chat.Thread.ID != ch.Thread.ID {
			t.Errorf("response = %s, want chat %s thread %s", resp.Payload, ch.ID, ch.Thread.ID)
		}

		// startChat() with nothing: {"chat":{}}; events must be [].
		rid, _ = c.sendRequest(protocol.ActionStartChat, obj{"chat": obj{}})
		push = c.waitPush(protocol.PushIncomingChatThread, tagged(rid))
		c.waitResponse(rid)
		chatRaw = keysOf(t, push.Payload)["chat"]
		th := keysOf(t, keysOf(t, chatRaw)["thread"])
		if string(th["events"]) != "[]" {
			t.Errorf("empty start_chat: events = %s, want []", th["events"])
		}
		// An unknown group is refused.
		if e := c.fail(protocol.ActionStartChat, obj{"chat": obj{"access": obj{"group_ids": []int{42}}}}); e.Type != protocol.ErrGroupNotFound {
			t.Errorf("unknown group: %+v", e)
		}
	})

	t.Run("activate_chat", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		ct := c.startChat("hi")
		chatID := ct.Chat.ID
		// Active: refused, and nothing of the request is applied.
		if e := c.fail(protocol.ActionActivateChat, obj{"chat": obj{"id": chatID, "properties": obj{"c": obj{"y": "early"}},
			"thread": obj{"events": []any{message("too soon")}}}}); e.Type != protocol.ErrValidation {
			t.Errorf("activate active chat: %+v, want validation", e)
		}
		ch := c.chatThreads(chatID, ct.Chat.Thread.ID)
		if !jsonEqual(t, ch.Chat.Properties, `{}`) || len(ch.Chat.Threads[0].Events) != 1 {
			t.Errorf("a refused activate_chat changed the chat: %+v", ch.Chat)
		}
		c.noPush(protocol.PushChatPropertiesUpdated)
		c.closeThread(chatID)
		rid, _ := c.sendRequest(protocol.ActionActivateChat, obj{"chat": obj{
			"id":         chatID,
			"thread":     obj{"events": []any{message("back")}, "properties": obj{"t": obj{"x": true}}},
			"properties": obj{"c": obj{"y": "z"}},
		}})
		var nt wChatThread
		c.waitPushInto(&nt, protocol.PushIncomingChatThread, tagged(rid))
		c.waitResponse(rid)
		th := nt.Chat.Thread
		if nt.Chat.ID != chatID || th.ID == ct.Chat.Thread.ID || th.Order != 2 || !th.Active || len(th.Events) != 1 || th.Events[0].Text != "back" || th.Events[0].AuthorID != custID {
			t.Errorf("activate_chat push = %+v", nt)
		}
		wantJSON(t, "thread properties", th.Properties, `{"t":{"x":{"value":true}}}`)
		wantJSON(t, "chat properties", nt.Chat.Properties, `{"c":{"y":{"value":"z"}}}`)
		// Active again: refused again.
		if e := c.fail(protocol.ActionActivateChat, obj{"chat": obj{"id": chatID}}); e.Type != protocol.ErrValidation {
			t.Errorf("activate active chat: %+v, want validation", e)
		}
	})

	t.Run("send_event", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		tab2 := connectCustomer(t, srv, custID)
		ct := c.startChat("hi")
		chatID := ct.Chat.ID
		tab2.waitPush(protocol.PushIncomingChatThread, untagged(), forChat(chatID))
		rid, _ := c.sendRequest(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": obj{"type": "message", "text": "hello", "custom_id": "cid-1"}})
		var ie wIncomingEvent
		push := c.waitPushInto(&ie, protocol.PushIncomingEvent, tagged(rid))
		resp := c.waitResponse(rid)
		e := ie.Event
		if ie.ChatID != chatID || ie.ThreadID != ct.Chat.Thread.ID || e.ID == "" || e.Order != 2 || e.AuthorID != custID ||
			e.Type != "message" || e.Text != "hello" || e.CustomID != "cid-1" || e.Timestamp < time.Now().Add(-time.Hour).Unix() {
			t.Errorf("incoming_event = %s", push)
		}
		wantKeys(t, "event", keysOf(t, push.Payload)["event"], "id", "order", "author_id", "timestamp", "type", "text", "custom_id")
		var r struct {
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal(resp.Payload, &r)
		if r.EventID != e.ID {
			t.Errorf("response event_id %q, push event id %q", r.EventID, e.ID)
		}
		// The other tab gets the same push without the request id.
		var ie2 wIncomingEvent
		tab2.waitPushInto(&ie2, protocol.PushIncomingEvent, forChat(chatID))
		if ie2.Event.ID != e.ID {
			t.Errorf("tab 2 got %+v", ie2)
		}
		if got := tab2.pushLog(protocol.PushIncomingEvent, tagged(rid)); len(got) != 0 {
			t.Errorf("tab 2 got a tagged push: %s", got[0])
		}
		// Properties sent unwrapped come back wrapped.
		rid, _ = c.sendRequest(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": obj{"type": "message", "text": "p", "properties": obj{"ns": obj{"k": "v"}}}})
		c.waitPushInto(&ie, protocol.PushIncomingEvent, tagged(rid))
		c.waitResponse(rid)
		wantJSON(t, "event properties", ie.Event.Properties, `{"ns":{"k":{"value":"v"}}}`)
		// Other event types a customer may send.
		for _, ev := range []obj{
			{"type": "filled_form", "form_id": "f1", "fields": []any{obj{"type": "name", "id": "n", "label": "Name", "answer": "Jo"}}},
			{"type": "custom", "content": obj{"any": "thing"}},
		} {
			rid, _ = c.sendRequest(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": ev})
			c.waitPushInto(&ie, protocol.PushIncomingEvent, tagged(rid))
			if f := c.waitResponse(rid); !*f.Success || ie.Event.Type != ev["type"] {
				t.Errorf("send %v: %s", ev["type"], f)
			}
		}
	})

	t.Run("send_event_inactive_chat", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		ct := c.startChat("hi")
		chatID := ct.Chat.ID
		c.closeThread(chatID)
		nt := c.sendMessage2(chatID, "are you there?")
		th := nt.Chat.Thread
		if nt.Chat.ID != chatID || th.ID == ct.Chat.Thread.ID || th.Order != 2 || !th.Active || len(th.Events) != 1 {
			t.Fatalf("incoming_chat_thread = %+v", nt)
		}
		if e := th.Events[0]; e.Text != "are you there?" || e.AuthorID != custID || e.Order != 1 {
			t.Errorf("event = %+v", e)
		}
	})

	t.Run("attach_to_last_thread", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		ct := c.startChat("hi")
		chatID, threadID := ct.Chat.ID, ct.Chat.Thread.ID
		c.closeThread(chatID)
		rid, _ := c.sendRequest(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message("late"), "attach_to_last_thread": true})
		var ie wIncomingEvent
		c.waitPushInto(&ie, protocol.PushIncomingEvent, tagged(rid))
		c.waitResponse(rid)
		if ie.ThreadID != threadID || ie.Event.Order != 3 || ie.Event.AuthorID != custID {
			t.Errorf("incoming_event = %+v, want thread %s order 3", ie, threadID)
		}
		c.noPush(protocol.PushIncomingChatThread, forChat(chatID), tagged(rid))
		var s wThreadsSummary
		c.okInto(protocol.ActionGetChatThreadsSummary, obj{"chat_id": chatID}, &s)
		if s.TotalThreads != 1 || s.ThreadsSummary[0].Active || s.ThreadsSummary[0].TotalEvents != 3 {
			t.Errorf("summary = %+v, want one closed thread with 3 events", s)
		}
	})

	t.Run("custom_id_retry", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		tab2 := connectCustomer(t, srv, custID)
		ct := c.startChat("hi")
		chatID := ct.Chat.ID
		send := func() (wIncomingEvent, string) {
			rid, _ := c.sendRequest(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": obj{"type": "message", "text": "once", "custom_id": "retry-1"}})
			var ie wIncomingEvent
			c.waitPushInto(&ie, protocol.PushIncomingEvent, tagged(rid))
			resp := c.waitResponse(rid)
			var r struct {
				EventID string `json:"event_id"`
			}
			_ = json.Unmarshal(resp.Payload, &r)
			if r.EventID != ie.Event.ID {
				t.Errorf("response event_id %q, push %q", r.EventID, ie.Event.ID)
			}
			return ie, rid
		}
		first, _ := send()
		second, _ := send()
		if second.Event.ID != first.Event.ID || second.Event.Order != first.Event.Order || second.Event.CustomID != "retry-1" {
			t.Errorf("retry = %+v, want the original %+v", second.Event, first.Event)
		}
		ch := c.chatThreads(chatID, ct.Chat.Thread.ID)
		n := 0
		for _, e := range ch.Chat.Threads[0].Events {
			if e.CustomID == "retry-1" {
				n++
			}
		}
		if n != 1 || len(ch.Chat.Threads[0].Events) != 2 {
			t.Errorf("stored events = %+v, want the custom_id once", ch.Chat.Threads[0].Events)
		}
		// The other tab heard of it once.
		tab2.sync()
		if got := tab2.pushLog(protocol.PushIncomingEvent, forChat(chatID)); len(got) != 1 {
			t.Errorf("tab 2 got %d incoming_event pushes, want 1", len(got))
		}
	})

	t.Run("send_rich_message_postback", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		ag := connectAgent(t, srv, parleytest.AgentEmail)
		ct := c.startChat("hi")
		chatID, threadID := ct.Chat.ID, ct.Chat.Thread.ID
		ag.ok(protocol.ActionJoinChat, obj{"chat_id": chatID})
		rich := obj{"type": "rich_message", "template_id": "quick_replies", "elements": []any{obj{
			"title":   "Happy?",
			"buttons": []any{obj{"text": "Yes", "postback_id": "pb-yes", "user_ids": []string{custID}, "type": "message", "value": "yes"}},
		}}}
		ag.ok(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": rich})
		var ie wIncomingEvent
		c.waitPushInto(&ie, protocol.PushIncomingEvent, forChat(chatID), untagged())
		if ie.Event.Type != "rich_message" || !strings.Contains(string(ie.Event.Elements), "pb-yes") {
			t.Fatalf("customer got %+v", ie)
		}
		f := c.ok(protocol.ActionSendRichMessagePostback, obj{"chat_id": chatID, "event_id": ie.Event.ID, "thread_id": threadID, "postback": obj{"id": "pb-yes", "toggled": true}})
		wantJSON(t, "postback response", f.Payload, `{}`)
		var pb struct {
			UserID   string `json:"user_id"`
			ChatID   string `json:"chat_id"`
			ThreadID string `json:"thread_id"`
			EventID  string `json:"event_id"`
			Postback struct {
				ID      string `json:"id"`
				Toggled bool   `json:"toggled"`
			} `json:"postback"`
		}
		ag.waitPushInto(&pb, protocol.PushIncomingRichMessagePostback, forChat(chatID))
		if pb.UserID != custID || pb.ThreadID != threadID || pb.EventID != ie.Event.ID || pb.Postback.ID != "pb-yes" || !pb.Postback.Toggled {
			t.Errorf("incoming_rich_message_postback = %+v", pb)
		}
		// A direct-response action: no push may carry its request id.
		c.noPush("", tagged(f.rid()))
		// An unknown event is refused.
		if e := c.fail(protocol.ActionSendRichMessagePostback, obj{"chat_id": chatID, "event_id": "NOPE", "thread_id": threadID, "postback": obj{"id": "pb-yes", "toggled": true}}); e.Type != protocol.ErrNotFound {
			t.Errorf("unknown event: %+v", e)
		}
	})

	t.Run("send_sneak_peek", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		ag := connectAgent(t, srv, parleytest.AgentEmail)
		ct := c.startChat("hi")
		chatID := ct.Chat.ID
		ag.ok(protocol.ActionJoinChat, obj{"chat_id": chatID})
		f := c.ok(protocol.ActionSendSneakPeek, obj{"chat_id": chatID, "sneak_peek_text": "I am typ"})
		wantJSON(t, "sneak peek response", f.Payload, `{}`)
		var sp struct {
			ChatID    string `json:"chat_id"`
			ThreadID  string `json:"thread_id"`
			SneakPeek struct {
				AuthorID  string `json:"author_id"`
				Timestamp int64  `json:"timestamp"`
				Text      string `json:"text"`
			} `json:"sneak_peek"`
		}
		ag.waitPushInto(&sp, protocol.PushIncomingSneakPeek, forChat(chatID))
		if sp.ThreadID != ct.Chat.Thread.ID || sp.SneakPeek.AuthorID != custID || sp.SneakPeek.Text != "I am typ" || sp.SneakPeek.Timestamp == 0 {
			t.Errorf("incoming_sneak_peek = %+v", sp)
		}
		// Not stored, not echoed to the customer.
		c.noPush(protocol.PushIncomingSneakPeek)
		c.noPush(protocol.PushIncomingEvent, forChat(chatID))
		ch := c.chatThreads(chatID, ct.Chat.Thread.ID)
		if n := len(ch.Chat.Threads[0].Events); n != 1 {
			t.Errorf("thread has %d events after a sneak peek, want 1", n)
		}
	})

	t.Run("close_thread", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		ct := c.startChat("hi")
		chatID, threadID := ct.Chat.ID, ct.Chat.Thread.ID
		rid, _ := c.sendRequest(protocol.ActionCloseThread, obj{"chat_id": chatID})
		var sys wIncomingEvent
		c.waitPushInto(&sys, protocol.PushIncomingEvent, tagged(rid))
		var tc struct {
			ChatID   string `json:"chat_id"`
			ThreadID string `json:"thread_id"`
			UserID   string `json:"user_id"`
		}
		c.waitPushInto(&tc, protocol.PushThreadClosed, tagged(rid))
		c.waitResponse(rid)
		if sys.ChatID != chatID || sys.ThreadID != threadID || sys.Event.Type != "system_message" || sys.Event.SystemMessageType != "manual_archived_customer" ||
			sys.Event.AuthorID != "" || sys.Event.Text == "" || sys.Event.Order != 2 {
			t.Errorf("system message = %+v", sys)
		}
		if tc.ChatID != chatID || tc.ThreadID != threadID || tc.UserID != custID {
			t.Errorf("thread_closed = %+v", tc)
		}
		// The system message comes before thread_closed.
		var order []string
		for _, f := range c.pushLog("", tagged(rid)) {
			order = append(order, f.Action)
		}
		if !slices.Equal(order, []string{protocol.PushIncomingEvent, protocol.PushThreadClosed}) {
			t.Errorf("pushes tagged with close_thread: %v", order)
		}
		var sum wChatsSummary
		c.okInto(protocol.ActionGetChatsSummary, nil, &sum)
		if len(sum.ChatsSummary) != 1 || sum.ChatsSummary[0].Active {
			t.Errorf("summary after close = %+v", sum)
		}
		if e := c.fail(protocol.ActionCloseThread, obj{"chat_id": chatID}); e.Type != protocol.ErrValidation {
			t.Errorf("close a closed thread: %+v", e)
		}
	})

	t.Run("properties", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		tab2 := connectCustomer(t, srv, custID)
		ct := c.startChat("hi")
		chatID, threadID := ct.Chat.ID, ct.Chat.Thread.ID
		eventID := ct.Chat.Thread.Events[0].ID
		// pushed sends a push-resolved request, checks the tagged push to
		// the requester, the untagged copy to the other tab and the
		// payload, and returns.
		pushed := func(action string, payload obj, push, want string) {
			t.Helper()
			rid, _ := c.sendRequest(action, payload)
			f := c.waitPush(push, tagged(rid))
			if r := c.waitResponse(rid); !*r.Success {
				t.Fatalf("%s: %s", action, r)
			}
			wantJSON(t, push, f.Payload, want)
			wantJSON(t, push+" (tab 2)", tab2.waitPush(push, untagged(), forChat(chatID)).Payload, want)
		}
		pushed(protocol.ActionUpdateChatProperties, obj{"chat_id": chatID, "properties": obj{"ns": obj{"a": 1, "b": "x"}}},
			protocol.PushChatPropertiesUpdated, `{"chat_id":"`+chatID+`","properties":{"ns":{"a":{"value":1},"b":{"value":"x"}}}}`)
		pushed(protocol.ActionUpdateChatThreadProperties, obj{"chat_id": chatID, "thread_id": threadID, "properties": obj{"rating": obj{"score": 1, "comment": "ok"}}},
			protocol.PushChatThreadPropertiesUpdated, `{"chat_id":"`+chatID+`","thread_id":"`+threadID+`","properties":{"rating":{"score":{"value":1},"comment":{"value":"ok"}}}}`)
		pushed(protocol.ActionUpdateEventProperties, obj{"chat_id": chatID, "thread_id": threadID, "event_id": eventID, "properties": obj{"ev": obj{"seen": true, "n": 2}}},
			protocol.PushEventPropertiesUpdated, `{"chat_id":"`+chatID+`","thread_id":"`+threadID+`","event_id":"`+eventID+`","properties":{"ev":{"seen":{"value":true},"n":{"value":2}}}}`)

		ch := c.chatThreads(chatID, threadID)
		wantJSON(t, "stored chat properties", ch.Chat.Properties, `{"ns":{"a":{"value":1},"b":{"value":"x"}}}`)
		wantJSON(t, "stored thread properties", ch.Chat.Threads[0].Properties, `{"rating":{"score":{"value":1},"comment":{"value":"ok"}}}`)
		wantJSON(t, "stored event properties", ch.Chat.Threads[0].Events[0].Properties, `{"ev":{"seen":{"value":true},"n":{"value":2}}}`)

		pushed(protocol.ActionDeleteChatProperties, obj{"chat_id": chatID, "properties": obj{"ns": []string{"a"}}},
			protocol.PushChatPropertiesDeleted, `{"chat_id":"`+chatID+`","properties":{"ns":["a"]}}`)
		pushed(protocol.ActionDeleteChatThreadProperties, obj{"chat_id": chatID, "thread_id": threadID, "properties": obj{"rating": []string{"score"}}},
			protocol.PushChatThreadPropertiesDeleted, `{"chat_id":"`+chatID+`","thread_id":"`+threadID+`","properties":{"rating":["score"]}}`)
		// The JS SDK's deleteEventProperties sends delete_chat_thread_properties
		// with an event_id: the event's properties go, the thread's stay.
		pushed(protocol.ActionDeleteChatThreadProperties, obj{"chat_id": chatID, "thread_id": threadID, "event_id": eventID, "properties": obj{"ev": []string{"seen"}}},
			protocol.PushEventPropertiesDeleted, `{"chat_id":"`+chatID+`","thread_id":"`+threadID+`","event_id":"`+eventID+`","properties":{"ev":["seen"]}}`)
		ch = c.chatThreads(chatID, threadID)
		wantJSON(t, "chat properties after delete", ch.Chat.Properties, `{"ns":{"b":{"value":"x"}}}`)
		wantJSON(t, "thread properties after delete", ch.Chat.Threads[0].Properties, `{"rating":{"comment":{"value":"ok"}}}`)
		wantJSON(t, "event properties after delete", ch.Chat.Threads[0].Events[0].Properties, `{"ev":{"n":{"value":2}}}`)
		// delete_event_properties itself (never sent by the SDK).
		pushed(protocol.ActionDeleteEventProperties, obj{"chat_id": chatID, "thread_id": threadID, "event_id": eventID, "properties": obj{"ev": []string{"n"}}},
			protocol.PushEventPropertiesDeleted, `{"chat_id":"`+chatID+`","thread_id":"`+threadID+`","event_id":"`+eventID+`","properties":{"ev":["n"]}}`)
		ch = c.chatThreads(chatID, threadID)
		if p := ch.Chat.Threads[0].Events[0].Properties; len(p) > 0 && !jsonEqual(t, p, `{}`) {
			t.Errorf("event properties after deleting all = %s", p)
		}
		// A rating's score is 0 (bad) or 1 (good).
		for _, score := range []any{2, -1, 0.5, "1", true} {
			e := c.fail(protocol.ActionUpdateChatThreadProperties, obj{"chat_id": chatID, "thread_id": threadID, "properties": obj{"rating": obj{"score": score}}})
			if e.Type != protocol.ErrValidation {
				t.Errorf("rating score %v: %+v, want validation", score, e)
			}
		}
		c.ok(protocol.ActionUpdateChatThreadProperties, obj{"chat_id": chatID, "thread_id": threadID, "properties": obj{"rating": obj{"score": 0}}})
		// Unknown targets.
		if e := c.fail(protocol.ActionUpdateEventProperties, obj{"chat_id": chatID, "thread_id": threadID, "event_id": "NOPE", "properties": obj{"a": obj{"b": 1}}}); e.Type != protocol.ErrNotFound {
			t.Errorf("unknown event: %+v", e)
		}
		if e := c.fail(protocol.ActionUpdateChatThreadProperties, obj{"chat_id": chatID, "thread_id": "NOPE", "properties": obj{"a": obj{"b": 1}}}); e.Type != protocol.ErrNotFound {
			t.Errorf("unknown thread: %+v", e)
		}
	})

	t.Run("update_customer", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		tab2 := connectCustomer(t, srv, custID)
		rid, _ := c.sendRequest(protocol.ActionUpdateCustomer, obj{"name": "Jane", "email": "jane@example.com", "fields": obj{"plan": "gold"}})
		var cu struct {
			Customer wUser `json:"customer"`
		}
		c.waitPushInto(&cu, protocol.PushCustomerUpdated, tagged(rid))
		c.waitResponse(rid)
		if u := cu.Customer; u.ID != custID || u.Type != "customer" || u.Name != "Jane" || u.Email != "jane@example.com" || u.Fields["plan"] != "gold" {
			t.Errorf("customer_updated = %+v", u)
		}
		tab2.waitPush(protocol.PushCustomerUpdated, untagged())
	})

	t.Run("set_customer_fields", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		c.ok(protocol.ActionUpdateCustomer, obj{"fields": obj{"a": "1"}})
		rid, _ := c.sendRequest(protocol.ActionSetCustomerFields, obj{"fields": obj{"b": "2"}})
		var cu struct {
			Customer wUser `json:"customer"`
		}
		c.waitPushInto(&cu, protocol.PushCustomerUpdated, tagged(rid))
		c.waitResponse(rid)
		if u := cu.Customer; u.ID != custID || u.Fields["a"] != "1" || u.Fields["b"] != "2" {
			t.Errorf("customer_updated = %+v, want fields a and b", u)
		}
		if e := c.fail(protocol.ActionSetCustomerFields, obj{}); e.Type != protocol.ErrValidation {
			t.Errorf("no fields: %+v", e)
		}
	})

	t.Run("update_customer_page", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		ag := connectAgent(t, srv, parleytest.AgentEmail)
		ct := c.startChat("hi")
		ag.ok(protocol.ActionJoinChat, obj{"chat_id": ct.Chat.ID})
		rid, _ := c.sendRequest(protocol.ActionUpdateCustomerPage, obj{"title": "Pricing", "url": "https://shop.example/pricing"})
		f := c.waitPush(protocol.PushCustomerPageUpdated, tagged(rid))
		c.waitResponse(rid)
		var pg struct {
			URL       string `json:"url"`
			Title     string `json:"title"`
			Timestamp int64  `json:"timestamp"`
		}
		_ = json.Unmarshal(f.Payload, &pg)
		wantKeys(t, "customer_page_updated", f.Payload, "url", "title", "timestamp")
		if pg.URL != "https://shop.example/pricing" || pg.Title != "Pricing" || pg.Timestamp < time.Now().Add(-time.Hour).Unix() {
			t.Errorf("customer_page_updated = %s", f.Payload)
		}
		// The agent of the chat hears of it, with the customer's id.
		var apg struct {
			CustomerID string `json:"customer_id"`
			URL        string `json:"url"`
		}
		ag.waitPushInto(&apg, protocol.PushCustomerPageUpdated, func(f frame) bool {
			return strings.Contains(string(f.Payload), custID)
		})
		if apg.CustomerID != custID || apg.URL != pg.URL {
			t.Errorf("agent's customer_page_updated = %+v", apg)
		}
		if e := c.fail(protocol.ActionUpdateCustomerPage, obj{"url": "javascript:alert(1)"}); e.Type != protocol.ErrValidation {
			t.Errorf("bad url: %+v", e)
		}
	})

	t.Run("update_last_seen_timestamp", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		ct := c.startChat("hi")
		chatID := ct.Chat.ID
		type lastSeen struct {
			UserID    string `json:"user_id"`
			ChatID    string `json:"chat_id"`
			ThreadID  string `json:"thread_id"`
			Timestamp int64  `json:"timestamp"`
		}
		update := func(payload obj) lastSeen {
			t.Helper()
			rid, _ := c.sendRequest(protocol.ActionUpdateLastSeenTimestamp, payload)
			var ls lastSeen
			f := c.waitPushInto(&ls, protocol.PushLastSeenTimestampUpdated, tagged(rid))
			wantKeys(t, "last_seen_timestamp_updated", f.Payload, "user_id", "chat_id", "thread_id", "timestamp")
			resp := c.waitResponse(rid)
			var r lastSeen
			_ = json.Unmarshal(resp.Payload, &r)
			if r != ls {
				t.Errorf("response %+v, push %+v: want the same", r, ls)
			}
			if ls.UserID != custID || ls.ChatID != chatID || ls.ThreadID != ct.Chat.Thread.ID {
				t.Errorf("last_seen_timestamp_updated = %+v", ls)
			}
			return ls
		}
		past := time.Now().Add(-10 * time.Minute).Unix()
		if ls := update(obj{"chat_id": chatID, "timestamp": past}); ls.Timestamp != past {
			t.Errorf("timestamp = %d, want %d", ls.Timestamp, past)
		}
		// Without a timestamp: now.
		before := time.Now().Unix()
		ls := update(obj{"chat_id": chatID})
		if ls.Timestamp < before || ls.Timestamp > time.Now().Unix()+1 {
			t.Errorf("timestamp without one given = %d, want about %d", ls.Timestamp, before)
		}
		// It never moves back.
		if back := update(obj{"chat_id": chatID, "timestamp": past}); back.Timestamp != ls.Timestamp {
			t.Errorf("timestamp moved back to %d from %d", back.Timestamp, ls.Timestamp)
		}
	})

	t.Run("get_form", func(t *testing.T) {
		t.Parallel()
		c, _ := newCustomer(t, srv)
		for _, typ := range []string{"prechat", "postchat"} {
			f := c.ok(protocol.ActionGetForm, obj{"group_id": 0, "type": typ})
			wantJSON(t, "get_form "+typ, f.Payload, `{"enabled":false}`)
		}
		if e := c.fail(protocol.ActionGetForm, obj{"group_id": 99, "type": "prechat"}); e.Type != protocol.ErrGroupNotFound {
			t.Errorf("unknown group: %+v", e)
		}
		if e := c.fail(protocol.ActionGetForm, obj{"group_id": 0, "type": "survey"}); e.Type != protocol.ErrValidation {
			t.Errorf("unknown type: %+v", e)
		}
	})

	t.Run("get_url_details", func(t *testing.T) {
		t.Parallel()
		c, _ := newCustomer(t, srv)
		f := c.ok(protocol.ActionGetURLDetails, obj{"url": "https://example.com/page?q=1"})
		m := wantKeys(t, "url details", f.Payload, "title", "description", "url", "image_url", "image_width", "image_height")
		var img string
		_ = json.Unmarshal(m["image_url"], &img)
		if strings.Contains(img, "://") {
			t.Errorf("image_url %q has a scheme (the SDK adds https://)", img)
		}
		if e := c.fail(protocol.ActionGetURLDetails, obj{"url": "x"}); e.Type != protocol.ErrValidation {
			t.Errorf("bad url: %+v", e)
		}
	})

	t.Run("ping", func(t *testing.T) {
		t.Parallel()
		c, _ := newCustomer(t, srv)
		// Exactly as the SDK sends it: no request id, no answer.
		c.mustSendRaw([]byte(`{"action": "ping"}`))
		c.sync()
		if got := c.framesWith(protocol.ActionPing); len(got) != 0 {
			t.Errorf("ping was answered: %s", got[0])
		}
		// Before login too.
		c2 := dial(t, "fresh", customerURL(srv), "customer")
		c2.mustSendRaw([]byte(`{"action": "ping"}`))
		c2.login(srv.CustomerToken(t, newCustomerID()))
		if got := c2.framesWith(protocol.ActionPing); len(got) != 0 {
			t.Errorf("ping before login was answered: %s", got[0])
		}
		// A ping that carries a request id is a request: it is answered.
		f := c.ok(protocol.ActionPing, nil)
		if f.Action != protocol.ActionPing {
			t.Errorf("ping response = %s", f)
		}
		c.startChat("still here")
	})

	t.Run("two_tabs", func(t *testing.T) {
		t.Parallel()
		a, custID := newCustomer(t, srv)
		b := connectCustomer(t, srv, custID)
		ct := a.startChat("hi")
		chatID, threadID := ct.Chat.ID, ct.Chat.Thread.ID
		eventID := ct.Chat.Thread.Events[0].ID
		b.waitPush(protocol.PushIncomingChatThread, untagged(), forChat(chatID))
		// Every push-resolved action: the requester gets the push tagged
		// with its request id, the other tab the same push untagged.
		for _, tc := range []struct {
			action  string
			payload obj
			push    string
		}{
			{protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message("x")}, protocol.PushIncomingEvent},
			{protocol.ActionUpdateChatProperties, obj{"chat_id": chatID, "properties": obj{"a": obj{"b": 1}}}, protocol.PushChatPropertiesUpdated},
			{protocol.ActionUpdateChatThreadProperties, obj{"chat_id": chatID, "thread_id": threadID, "properties": obj{"a": obj{"b": 1}}}, protocol.PushChatThreadPropertiesUpdated},
			{protocol.ActionUpdateEventProperties, obj{"chat_id": chatID, "thread_id": threadID, "event_id": eventID, "properties": obj{"a": obj{"b": 1}}}, protocol.PushEventPropertiesUpdated},
			{protocol.ActionDeleteChatProperties, obj{"chat_id": chatID, "properties": obj{"a": []string{"b"}}}, protocol.PushChatPropertiesDeleted},
			{protocol.ActionDeleteChatThreadProperties, obj{"chat_id": chatID, "thread_id": threadID, "properties": obj{"a": []string{"b"}}}, protocol.PushChatThreadPropertiesDeleted},
			{protocol.ActionUpdateCustomer, obj{"name": "Tab"}, protocol.PushCustomerUpdated},
			{protocol.ActionUpdateCustomerPage, obj{"url": "https://a.example/", "title": "A"}, protocol.PushCustomerPageUpdated},
			{protocol.ActionSetCustomerFields, obj{"fields": obj{"k": "v"}}, protocol.PushCustomerUpdated},
			{protocol.ActionUpdateLastSeenTimestamp, obj{"chat_id": chatID}, protocol.PushLastSeenTimestampUpdated},
			{protocol.ActionCloseThread, obj{"chat_id": chatID}, protocol.PushThreadClosed},
			{protocol.ActionActivateChat, obj{"chat": obj{"id": chatID}}, protocol.PushIncomingChatThread},
			{protocol.ActionStartChat, obj{"chat": obj{}}, protocol.PushIncomingChatThread},
		} {
			rid, _ := a.sendRequest(tc.action, tc.payload)
			mine := a.waitPush(tc.push, tagged(rid))
			if r := a.waitResponse(rid); !*r.Success {
				t.Fatalf("%s: %s", tc.action, r)
			}
			other := b.waitPush(tc.push, untagged())
			if !jsonEqual(t, other.Payload, string(mine.Payload)) {
				t.Errorf("%s: tab 2 got %s, requester %s", tc.action, other.Payload, mine.Payload)
			}
		}
		if got := b.pushLog("", func(f frame) bool { return f.RequestID != nil }); len(got) != 0 {
			t.Errorf("tab 2 got a tagged push: %s", got[0])
		}
	})

	t.Run("ordering", func(t *testing.T) {
		t.Parallel()
		testOrdering(t, srv)
	})

	t.Run("ordering_with_thread_changes", func(t *testing.T) {
		t.Parallel()
		testOrderingWithThreads(t, srv)
	})
}

// testOrderingWithThreads mixes events with closing threads and events
// that open new ones, from two tabs and an agent at once: every connection
// sees the same sequence of chat pushes, and its events are the stored
// ones in the stored order.
func testOrderingWithThreads(t *testing.T, srv *parleytest.Server) {
	a, custID := newCustomer(t, srv)
	b := connectCustomer(t, srv, custID)
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	ct := a.startChat("start")
	chatID := ct.Chat.ID
	ag.ok(protocol.ActionJoinChat, obj{"chat_id": chatID})
	conns := []*rtmClient{a, b, ag}
	for _, c := range conns {
		c.sync()
		c.reset()
	}

	type req struct {
		c   *rtmClient
		rid string
	}
	reqs := make(chan req, 200)
	errs := make(chan error, len(conns))
	for i, c := range conns {
		go func() {
			for j := range 30 {
				action, payload := protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message(fmt.Sprintf("%s-%d", c.name, j))}
				if i == 0 && j%10 == 9 {
					action, payload = protocol.ActionCloseThread, obj{"chat_id": chatID}
				}
				rid, err := c.sendRequest(action, payload)
				if err != nil {
					errs <- err
					return
				}
				reqs <- req{c, rid}
			}
			errs <- nil
		}()
	}
	for range conns {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(reqs)
	for r := range reqs {
		// A close_thread may find the thread closed already.
		r.c.waitResponse(r.rid)
	}
	// What each connection saw of the chat, in order.
	seen := func(c *rtmClient) (pushes, events []string) {
		c.sync()
		for _, f := range c.pushLog("", forChat(chatID)) {
			switch f.Action {
			case protocol.PushIncomingEvent:
				var ie wIncomingEvent
				_ = json.Unmarshal(f.Payload, &ie)
				pushes = append(pushes, "event "+ie.Event.ID)
				events = append(events, ie.Event.ID)
			case protocol.PushIncomingChatThread:
				var nt wChatThread
				_ = json.Unmarshal(f.Payload, &nt)
				pushes = append(pushes, "thread "+nt.Chat.Thread.ID)
				for _, e := range nt.Chat.Thread.Events {
					events = append(events, e.ID)
				}
			case protocol.PushThreadClosed:
				pushes = append(pushes, "closed")
			}
		}
		return pushes, events
	}
	wantPushes, wantEvents := seen(a)
	for _, c := range conns[1:] {
		if got, _ := seen(c); !slices.Equal(got, wantPushes) {
			t.Errorf("%s saw\n%v\n%s saw\n%v", c.name, got, a.name, wantPushes)
		}
	}
	// The stored events after the first one, thread by thread.
	var s wThreadsSummary
	a.okInto(protocol.ActionGetChatThreadsSummary, obj{"chat_id": chatID, "limit": 100}, &s)
	var ids []string
	for i := len(s.ThreadsSummary) - 1; i >= 0; i-- {
		ids = append(ids, s.ThreadsSummary[i].ID)
	}
	var stored []string
	for _, th := range a.chatThreads(chatID, ids...).Chat.Threads {
		for _, e := range th.Events {
			stored = append(stored, e.ID)
		}
	}
	if len(stored) == 0 || !slices.Equal(stored[1:], wantEvents) {
		t.Errorf("stored events\n%v\npushed\n%v", stored, wantEvents)
	}
	if len(s.ThreadsSummary) < 2 {
		t.Errorf("%d threads: the test closed none", len(s.ThreadsSummary))
	}
}

// testOrdering sends many events concurrently from two tabs of a customer
// and an agent into one chat; every connection must see them in the same
// order, which is the stored order.
func testOrdering(t *testing.T, srv *parleytest.Server) {
	a, custID := newCustomer(t, srv)
	b := connectCustomer(t, srv, custID)
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	ct := a.startChat("start")
	chatID := ct.Chat.ID
	ag.ok(protocol.ActionJoinChat, obj{"chat_id": chatID})

	const perConn = 40
	senders := []*rtmClient{a, b, ag}
	rids := make([][]string, len(senders))
	errs := make(chan error, len(senders))
	for i, c := range senders {
		go func() {
			for j := range perConn {
				rid, err := c.sendRequest(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message(fmt.Sprintf("%s-%d", c.name, j))})
				if err != nil {
					errs <- err
					return
				}
				rids[i] = append(rids[i], rid)
			}
			errs <- nil
		}()
	}
	for range senders {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range senders {
		for _, rid := range rids[i] {
			if f := c.waitResponse(rid); !*f.Success {
				t.Fatalf("send_event: %s", f)
			}
		}
	}
	total := perConn * len(senders)
	ids := func(c *rtmClient) []string {
		var out []string
		prev := 0
		for _, f := range c.waitCount(total, protocol.PushIncomingEvent, forChat(chatID)) {
			var ie wIncomingEvent
			_ = json.Unmarshal(f.Payload, &ie)
			if ie.Event.Order <= prev {
				t.Errorf("%s: event order %d after %d", c.name, ie.Event.Order, prev)
			}
			prev = ie.Event.Order
			out = append(out, ie.Event.ID)
		}
		return out
	}
	want := ids(a)
	for _, c := range senders[1:] {
		if got := ids(c); !slices.Equal(got, want) {
			t.Errorf("%s saw the events in another order than %s:\n%v\n%v", c.name, a.name, got, want)
		}
	}
	stored := a.chatThreads(chatID, ct.Chat.Thread.ID).Chat.Threads[0].Events[1:]
	var storedIDs []string
	for _, e := range stored {
		storedIDs = append(storedIDs, e.ID)
	}
	if !slices.Equal(storedIDs, want) {
		t.Errorf("stored order differs from the pushed order:\n%v\n%v", storedIDs, want)
	}
}

// sendMessage2 sends a message into a chat without an active thread and
// returns the tagged incoming_chat_thread push of the thread it opened.
func (c *rtmClient) sendMessage2(chatID, text string) wChatThread {
	c.t.Helper()
	rid, err := c.sendRequest(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message(text)})
	if err != nil {
		c.fatalf("send send_event: %v", err)
	}
	var ct wChatThread
	c.waitPushInto(&ct, protocol.PushIncomingChatThread, tagged(rid))
	if f := c.waitResponse(rid); f.Success == nil || !*f.Success {
		c.fatalf("send_event failed: %s", f)
	}
	return ct
}

// TestCustomerAgentAvailability covers get_predicted_agent and
// get_groups_status, which depend on which agents are logged in: it has a
// server of its own.
func TestCustomerAgentAvailability(t *testing.T) {
	srv := parleytest.NewServer(t, func(c *server.Config) { c.AgentGracePeriod = 300 * time.Millisecond })
	c, _ := newCustomer(t, srv)

	status := func(payload any) string {
		t.Helper()
		f := c.ok(protocol.ActionGetGroupsStatus, payload)
		return string(f.Payload)
	}
	// The SDK sends both keys with the same list.
	if got := status(obj{"groups": []int{0}, "group_ids": []int{0}}); !jsonEqual(t, json.RawMessage(got), `{"groups_status":{"0":"offline"}}`) {
		t.Errorf("groups status = %s, want group 0 offline", got)
	}
	// No payload at all, as the SDK sends it.
	e := c.fail(protocol.ActionGetPredictedAgent, nil)
	if e.Type != protocol.ErrGroupsOffline {
		t.Errorf("predicted agent with nobody online: %+v, want %s", e, protocol.ErrGroupsOffline)
	}

	ag := connectAgent(t, srv, parleytest.AgentEmail)
	if got := status(obj{"groups": []int{0, 99}, "group_ids": []int{0, 99}}); !jsonEqual(t, json.RawMessage(got), `{"groups_status":{"0":"online"}}`) {
		t.Errorf("groups status = %s, want group 0 online and 99 left out", got)
	}
	if got := status(obj{"all": true}); !jsonEqual(t, json.RawMessage(got), `{"groups_status":{"0":"online"}}`) {
		t.Errorf("all groups = %s", got)
	}
	if got := status(obj{"group_ids": []int{0}}); !jsonEqual(t, json.RawMessage(got), `{"groups_status":{"0":"online"}}`) {
		t.Errorf("group_ids only = %s", got)
	}
	if e := c.fail(protocol.ActionGetGroupsStatus, obj{}); e.Type != protocol.ErrValidation {
		t.Errorf("no groups: %+v", e)
	}
	f := c.ok(protocol.ActionGetPredictedAgent, nil)
	var pa struct {
		Agent struct {
			ID       string `json:"id"`
			Name     string `json:"name"`
			Avatar   *string
			JobTitle string `json:"job_title"`
			Type     string `json:"type"`
		} `json:"agent"`
	}
	_ = json.Unmarshal(f.Payload, &pa)
	if pa.Agent.ID != parleytest.AgentEmail || pa.Agent.Name != "Demo Agent" || pa.Agent.JobTitle != "Support" || pa.Agent.Type != "agent" || pa.Agent.Avatar == nil {
		t.Errorf("predicted agent = %s", f.Payload)
	}
	c.ok(protocol.ActionGetPredictedAgent, obj{"group_id": 0})

	// When the agent goes, the group goes offline once the agent's grace
	// period is over (until then a chat would wait for it in the queue).
	// The server notices the closed connection on its own time: poll.
	ag.close()
	deadline := time.Now().Add(waitTimeout)
	for status(obj{"all": true}) != `{"groups_status":{"0":"offline"}}` {
		if time.Now().After(deadline) {
			t.Fatal("group 0 still online after the agent left")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if e := c.fail(protocol.ActionGetPredictedAgent, nil); e.Type != protocol.ErrGroupsOffline {
		t.Errorf("predicted agent after the agent left: %+v", e)
	}
}

// TestConnectionLifecycle covers the server's side of §3.5 and §10.3: a
// connection that does not log in in time, stays silent too long, outlives
// its token or meets a server shutdown gets customer_disconnected with the
// reason, then the close.
func TestConnectionLifecycle(t *testing.T) {
	srv := parleytest.NewServer(t, func(c *server.Config) {
		c.LoginTimeout = time.Second
		c.IdleTimeout = 2 * time.Second
	})
	disconnected := func(t *testing.T, c *rtmClient, action, reason string, code websocket.StatusCode) {
		t.Helper()
		var p struct {
			Reason string `json:"reason"`
		}
		c.waitPushInto(&p, action, untagged())
		if p.Reason != reason {
			t.Errorf("%s reason %q, want %q", action, p.Reason, reason)
		}
		if got := c.waitClosed(); got != code {
			t.Errorf("close status %v, want %v", got, code)
		}
	}

	t.Run("no login", func(t *testing.T) {
		t.Parallel()
		c := dial(t, "customer", customerURL(srv), "customer")
		c.mustSendRaw([]byte(`{"action": "ping"}`)) // a ping is no login
		disconnected(t, c, protocol.PushCustomerDisconnected, protocol.ReasonConnectionTimeout, websocket.StatusPolicyViolation)
	})

	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		c, _ := newCustomer(t, srv)
		disconnected(t, c, protocol.PushCustomerDisconnected, protocol.ReasonPingTimeout, websocket.StatusPolicyViolation)
	})

	t.Run("token expired", func(t *testing.T) {
		t.Parallel()
		now := time.Now()
		tok, err := testSigner(t, srv).Issue(auth.Claims{Kind: auth.KindCustomer, LicenseID: srv.License, Subject: newCustomerID(),
			IssuedAt: now.Add(-time.Minute), ExpiresAt: now.Add(3 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		c := dial(t, "customer", customerURL(srv), "customer")
		c.login(tok)
		// Keep the connection busy so that only the token can end it.
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
					if c.sendRaw([]byte(`{"action": "ping"}`)) != nil {
						return
					}
				}
			}
		}()
		disconnected(t, c, protocol.PushCustomerDisconnected, protocol.ReasonAccessTokenExpired, websocket.StatusPolicyViolation)
		close(stop)
		<-done
	})
}

// TestShutdownDisconnects: on shutdown every connection is told to come
// back later and closed with 1012 (service restart).
func TestShutdownDisconnects(t *testing.T) {
	srv := parleytest.NewServer(t)
	cust, _ := newCustomer(t, srv)
	fresh := dial(t, "not logged in", customerURL(srv), "customer")
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	cust.startChat("bye")
	srv.Close()
	for _, tc := range []struct {
		c      *rtmClient
		action string
	}{{cust, protocol.PushCustomerDisconnected}, {fresh, protocol.PushCustomerDisconnected}, {ag, protocol.PushAgentDisconnected}} {
		var p struct {
			Reason string `json:"reason"`
		}
		tc.c.waitPushInto(&p, tc.action)
		if p.Reason != protocol.ReasonServiceShutdown {
			t.Errorf("%s: reason %q", tc.c.name, p.Reason)
		}
		if code := tc.c.waitClosed(); code != websocket.StatusServiceRestart {
			t.Errorf("%s: close status %v, want %v", tc.c.name, code, websocket.StatusServiceRestart)
		}
	}
}

// TestSlowConsumer: a connection that stops reading is disconnected once
// its push queue is full; the chat goes on for everyone else, and the
// customer finds every event again after reconnecting.
func TestSlowConsumer(t *testing.T) {
	if testing.Short() {
		t.Skip("sends some 30 MB of events")
	}
	srv := parleytest.NewServer(t)
	tab, custID := newCustomer(t, srv)
	ct := tab.startChat("hi")
	chatID := ct.Chat.ID

	// The stalled tab: logs in, then reads nothing. Its TCP connection is
	// kept to see the server end it.
	var raw net.Conn
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		raw = c
		return c, err
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	stalled, _, err := websocket.Dial(ctx, customerURL(srv), &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.CloseNow()
	if err := stalled.Write(ctx, websocket.MessageText, encodeRequest("login", protocol.ActionLogin, obj{"token": "Bearer " + srv.CustomerToken(t, custID)})); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := stalled.Read(ctx); err != nil || !strings.Contains(string(msg), `"success":true`) {
		t.Fatalf("stalled tab login: %s %v", msg, err)
	}

	// More than the push queue (1024 frames) and the socket buffers hold.
	const events = 1800
	text := strings.Repeat("x", 16<<10)
	var rids []string
	for range events {
		rid, err := tab.sendRequest(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message(text)})
		if err != nil {
			t.Fatal(err)
		}
		rids = append(rids, rid)
	}
	for _, rid := range rids {
		if f := tab.waitResponse(rid); !*f.Success {
			t.Fatalf("send_event: %s", f)
		}
	}
	// The reading tab got every event, in order.
	pushes := tab.waitCount(events, protocol.PushIncomingEvent, forChat(chatID))
	for i, f := range pushes {
		if f.rid() != rids[i] {
			t.Fatalf("push %d answers %s, want %s", i, f.rid(), rids[i])
		}
	}
	// The stalled tab's connection has been ended by the server: what is
	// left in the socket drains, then EOF.
	_ = raw.SetReadDeadline(time.Now().Add(waitTimeout))
	if _, err := io.Copy(io.Discard, raw); err != nil {
		t.Errorf("the stalled connection was not closed: %v", err)
	}
	// Everything is stored.
	var s wThreadsSummary
	connectCustomer(t, srv, custID).okInto(protocol.ActionGetChatThreadsSummary, obj{"chat_id": chatID}, &s)
	if len(s.ThreadsSummary) != 1 || s.ThreadsSummary[0].TotalEvents != events+1 {
		t.Errorf("threads summary %+v, want one thread of %d events", s, events+1)
	}
}
