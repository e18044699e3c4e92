package server_test

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server"
)

// The Customer Chat API v3.5 over /v3.5/customer/rtm/ws, as the JS SDK
// 4.0.2 speaks it (protocol/v35; shared/protocol/customer-rtm-v3.5-diff.md).
// One test per action, checking the payload shapes the SDK reads.

// rfc3339Micro is how v3.5 writes times.
var rfc3339Micro = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)

func wantTime35(t *testing.T, what, s string) {
	t.Helper()
	if !rfc3339Micro.MatchString(s) {
		t.Errorf("%s = %q, want RFC 3339 with microseconds", what, s)
	}
}

// wantEvent35 checks the v3.5 shape of an event: created_at, no order, no
// timestamp.
func wantEvent35(t *testing.T, e w35Event) {
	t.Helper()
	wantTime35(t, "event "+e.ID+" created_at", e.CreatedAt)
	if e.Order != nil || e.Timestamp != nil {
		t.Errorf("event %s carries v3.0's order or timestamp: %+v", e.ID, e)
	}
}

// wantPush35 checks a push is v3.5's: "version":"3.5".
func wantPush35(t *testing.T, f frame) {
	t.Helper()
	if f.Version != "3.5" {
		t.Errorf("push %s has version %q, want 3.5", f.Action, f.Version)
	}
}

func TestRTM35Login(t *testing.T) {
	srv := parleytest.NewServer(t)
	id := newCustomerID()
	c := dial35(t, "v3.5 customer", customer35URL(srv))
	p := login35Payload(srv.CustomerToken(t, id))
	p["customer"] = obj{"name": "Ann", "email": "ann@example.com", "session_fields": []any{obj{"plan": "gold"}, obj{"city": "Oslo"}}}
	p["customer_page"] = obj{"url": "https://shop.example/", "title": "Shop"}
	p["group_id"] = 0
	f := c.ok(protocol.ActionLogin, p)
	m := wantKeys(t, "login response", f.Payload, "customer_id", "customer", "has_active_thread", "chats", "__priv_dynamic_config")
	if _, ok := m["greeting"]; ok {
		t.Errorf("login response has a greeting: %s", f.Payload)
	}
	wantJSON(t, "customer_id", m["customer_id"], `"`+id+`"`)
	wantJSON(t, "customer", m["customer"], `{"id":"`+id+`","type":"customer","name":"Ann","email":"ann@example.com",
		"session_fields":[{"city":"Oslo"},{"plan":"gold"}],
		"statistics":{"chats_count":0,"threads_count":0,"visits_count":1,"page_views_count":1,"greetings_shown_count":0,"greetings_accepted_count":0}}`)
	wantJSON(t, "chats", m["chats"], `[]`)
	wantJSON(t, "has_active_thread", m["has_active_thread"], `false`)
	// The SDK's availability: the monitoring group among the online ones.
	dc := wantKeys(t, "__priv_dynamic_config", m["__priv_dynamic_config"], "customer_groups", "online_groups_ids")
	wantJSON(t, "customer_groups", dc["customer_groups"], `{"monitoring":{"id":0}}`)

	// A second connection sees the chat started on the first.
	ch := c.startChat35("hi")
	c2 := dial35(t, "v3.5 customer tab 2", customer35URL(srv))
	f = c2.ok(protocol.ActionLogin, login35Payload(srv.CustomerToken(t, id)))
	m = keysOf(t, f.Payload)
	wantJSON(t, "chats", m["chats"], `[{"chat_id":"`+ch.ID+`","has_unread_events":true,"has_active_thread":true}]`)
	wantJSON(t, "has_active_thread", m["has_active_thread"], `true`)
	wantJSON(t, "statistics", keysOf(t, m["customer"])["statistics"],
		`{"chats_count":1,"threads_count":1,"visits_count":2,"page_views_count":2,"greetings_shown_count":0,"greetings_accepted_count":0}`)

	// Logged in once per connection.
	if e := c2.fail(protocol.ActionLogin, login35Payload(srv.CustomerToken(t, id))); e.Type != protocol.ErrValidation {
		t.Errorf("second login: %+v", e)
	}
	// A token of another license is refused.
	other := dial35(t, "v3.5 wrong token", customer35URL(srv))
	if e := other.fail(protocol.ActionLogin, login35Payload("nonsense")); e.Type != protocol.ErrAuthentication {
		t.Errorf("bad token: %+v", e)
	}
}

// An organization_id that is unknown, malformed or missing: the connection
// gets customer_disconnected (license_not_found), which the JS SDK 4 takes
// as final, and is closed.
func TestRTM35UnknownOrganization(t *testing.T) {
	srv := parleytest.NewServer(t)
	for name, q := range map[string]url.Values{
		"unknown":   {"organization_id": {"0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9"}},
		"malformed": {"organization_id": {"not-a-uuid"}},
		"missing":   nil,
	} {
		t.Run(name, func(t *testing.T) {
			c := dial35(t, "v3.5 "+name, wsURL(srv, customer35Path, q))
			f := c.waitPush(protocol.PushCustomerDisconnected)
			wantJSON(t, "customer_disconnected", f.Payload, `{"reason":"license_not_found"}`)
			if code := c.waitClosed(); code != websocket.StatusPolicyViolation {
				t.Errorf("closed with %d, want 1008", code)
			}
		})
	}
}

func TestRTM35StartResumeDeactivate(t *testing.T) {
	srv := parleytest.NewServer(t)
	c := connectCustomer35(t, srv, newCustomerID())

	// start_chat resolves on incoming_chat tagged with its request id; the
	// direct response names the chat and thread.
	rid, _ := c.sendRequest(protocol.ActionStartChat, obj{"active": true, "continuous": true, "chat": obj{
		"properties": obj{"source": obj{"page": "home"}},
		"thread":     obj{"events": []any{message("hello")}, "properties": obj{"t": obj{"k": 1}}}}})
	f := c.waitPush("incoming_chat", tagged(rid))
	wantPush35(t, f)
	var ic struct {
		Chat w35Chat `json:"chat"`
	}
	_ = json.Unmarshal(f.Payload, &ic)
	ch := ic.Chat
	wantKeys(t, "incoming_chat chat", keysOf(t, f.Payload)["chat"], "id", "users", "access", "properties", "thread")
	wantJSON(t, "chat properties", ch.Properties, `{"source":{"page":"home"}}`)
	if ch.Thread == nil || !ch.Thread.Active || len(ch.Thread.Events) != 1 || ch.Thread.Events[0].Text != "hello" {
		t.Fatalf("incoming_chat = %s", f.Payload)
	}
	wantJSON(t, "thread properties", ch.Thread.Properties, `{"t":{"k":1}}`)
	wantTime35(t, "thread created_at", ch.Thread.CreatedAt)
	wantEvent35(t, ch.Thread.Events[0])
	resp := c.waitResponse(rid)
	wantJSON(t, "start_chat response", resp.Payload, `{"chat_id":"`+ch.ID+`","thread_id":"`+ch.Thread.ID+`"}`)

	// active: false is refused: Parley starts chats active.
	if e := c.fail(protocol.ActionStartChat, obj{"active": false, "chat": obj{}}); e.Type != protocol.ErrValidation {
		t.Errorf("active false: %+v", e)
	}

	// deactivate_chat names the chat by id; it resolves on its response,
	// and chat_deactivated tells the chat.
	f = c.ok("deactivate_chat", obj{"id": ch.ID})
	wantJSON(t, "deactivate_chat response", f.Payload, `{}`)
	// Only the answer carries the request id: the JS SDK takes any tagged
	// incoming_event as the answer, and the system message closing the
	// thread is not one.
	var sys w35IncomingEvent
	c.waitPushInto(&sys, protocol.PushIncomingEvent, forChat(ch.ID), untagged())
	if sys.Event.Type != "system_message" {
		t.Errorf("deactivate_chat's event = %+v", sys.Event)
	}
	c.noPush("", tagged(f.rid()))
	d := c.waitPush("chat_deactivated", forChat(ch.ID), untagged())
	wantPush35(t, d)
	wantJSON(t, "chat_deactivated", d.Payload, `{"chat_id":"`+ch.ID+`","thread_id":"`+ch.Thread.ID+`","user_id":"`+ch.Users[0].ID+`"}`)
	if e := c.fail("deactivate_chat", obj{"id": ch.ID}); e.Type != protocol.ErrValidation {
		t.Errorf("deactivating again: %+v", e)
	}

	// resume_chat opens a new thread, resolving on incoming_chat.
	rid, _ = c.sendRequest("resume_chat", obj{"active": true, "chat": obj{"id": ch.ID, "thread": obj{"events": []any{message("back")}}}})
	f = c.waitPush("incoming_chat", tagged(rid))
	ic.Chat = w35Chat{}
	_ = json.Unmarshal(f.Payload, &ic)
	if ic.Chat.ID != ch.ID || ic.Chat.Thread.ID == ch.Thread.ID || ic.Chat.Thread.Events[0].Text != "back" {
		t.Errorf("resume_chat incoming_chat = %s", f.Payload)
	}
	wantJSON(t, "resume_chat response", c.waitResponse(rid).Payload, `{"thread_id":"`+ic.Chat.Thread.ID+`"}`)
	if e := c.fail("resume_chat", obj{"chat": obj{"id": ch.ID}}); e.Type != protocol.ErrValidation {
		t.Errorf("resuming an active chat: %+v", e)
	}
	if e := c.fail("resume_chat", obj{"chat": obj{"id": "NOSUCHCHAT"}}); e.Type != protocol.ErrNotFound {
		t.Errorf("resuming an unknown chat: %+v", e)
	}
}

func TestRTM35SendEvent(t *testing.T) {
	srv := parleytest.NewServer(t)
	c := connectCustomer35(t, srv, newCustomerID())
	ch := c.startChat35("hi")

	// send_event resolves on incoming_event tagged with its request id.
	ev := obj{"type": "message", "text": "order 42?", "custom_id": "c-1", "properties": obj{"ns": obj{"k": "v"}}}
	rid, _ := c.sendRequest(protocol.ActionSendEvent, obj{"chat_id": ch.ID, "event": ev})
	f := c.waitPush(protocol.PushIncomingEvent, tagged(rid))
	wantPush35(t, f)
	var ie w35IncomingEvent
	_ = json.Unmarshal(f.Payload, &ie)
	wantEvent35(t, ie.Event)
	if ie.ChatID != ch.ID || ie.ThreadID != ch.Thread.ID || ie.Event.CustomID != "c-1" || ie.Event.Text != "order 42?" {
		t.Errorf("incoming_event = %s", f.Payload)
	}
	wantJSON(t, "event properties", ie.Event.Properties, `{"ns":{"k":"v"}}`)
	wantJSON(t, "send_event response", c.waitResponse(rid).Payload, `{"event_id":"`+ie.Event.ID+`"}`)

	// A retry with the same custom_id stores nothing new and gets the push
	// again, tagged, in v3.5.
	rid, _ = c.sendRequest(protocol.ActionSendEvent, obj{"chat_id": ch.ID, "event": ev})
	f = c.waitPush(protocol.PushIncomingEvent, tagged(rid))
	wantPush35(t, f)
	var again w35IncomingEvent
	_ = json.Unmarshal(f.Payload, &again)
	if again.Event.ID != ie.Event.ID || again.Event.CreatedAt != ie.Event.CreatedAt {
		t.Errorf("retry pushed %s, want event %s", f.Payload, ie.Event.ID)
	}
	c.waitResponse(rid)

	// attach_to_last_thread into a closed chat.
	c.ok("deactivate_chat", obj{"id": ch.ID})
	rid, _ = c.sendRequest(protocol.ActionSendEvent, obj{"chat_id": ch.ID, "event": message("late"), "attach_to_last_thread": true})
	_ = json.Unmarshal(c.waitPush(protocol.PushIncomingEvent, tagged(rid)).Payload, &ie)
	if ie.ThreadID != ch.Thread.ID {
		t.Errorf("attached to %s, want %s", ie.ThreadID, ch.Thread.ID)
	}
	c.waitResponse(rid)

	// A file event names an upload by url: one the server never gave is
	// refused, and so is one without a url.
	for _, ev := range []obj{{"type": "file", "url": "https://elsewhere.example/x.png"}, {"type": "file"}} {
		if e := c.fail(protocol.ActionSendEvent, obj{"chat_id": ch.ID, "event": ev}); e.Type != protocol.ErrValidation {
			t.Errorf("file event %v: %+v", ev, e)
		}
	}
	if e := c.fail(protocol.ActionSendEvent, obj{"chat_id": "NOSUCHCHAT", "event": message("x")}); e.Type != protocol.ErrNotFound {
		t.Errorf("unknown chat: %+v", e)
	}
}

func TestRTM35Properties(t *testing.T) {
	srv := parleytest.NewServer(t)
	c := connectCustomer35(t, srv, newCustomerID())
	ch := c.startChat35("hi")
	ev := c.sendMessage35(ch.ID, "rate me")
	chatID, threadID, eventID := ch.ID, ch.Thread.ID, ev.Event.ID

	for _, tc := range []struct {
		action, push string
		payload      obj
		want         string
	}{
		{"update_chat_properties", "chat_properties_updated", obj{"id": chatID, "properties": obj{"ns": obj{"a": 1}}},
			`{"chat_id":"` + chatID + `","properties":{"ns":{"a":1}}}`},
		{"delete_chat_properties", "chat_properties_deleted", obj{"id": chatID, "properties": obj{"ns": []string{"a"}}},
			`{"chat_id":"` + chatID + `","properties":{"ns":["a"]}}`},
		{"update_thread_properties", "thread_properties_updated", obj{"chat_id": chatID, "thread_id": threadID, "properties": obj{"rating": obj{"score": 1}}},
			`{"chat_id":"` + chatID + `","thread_id":"` + threadID + `","properties":{"rating":{"score":1}}}`},
		{"delete_thread_properties", "thread_properties_deleted", obj{"chat_id": chatID, "thread_id": threadID, "properties": obj{"rating": []string{"score"}}},
			`{"chat_id":"` + chatID + `","thread_id":"` + threadID + `","properties":{"rating":["score"]}}`},
		{"update_event_properties", "event_properties_updated", obj{"chat_id": chatID, "thread_id": threadID, "event_id": eventID, "properties": obj{"ns": obj{"b": "x"}}},
			`{"chat_id":"` + chatID + `","thread_id":"` + threadID + `","event_id":"` + eventID + `","properties":{"ns":{"b":"x"}}}`},
		{"delete_event_properties", "event_properties_deleted", obj{"chat_id": chatID, "thread_id": threadID, "event_id": eventID, "properties": obj{"ns": []string{"b"}}},
			`{"chat_id":"` + chatID + `","thread_id":"` + threadID + `","event_id":"` + eventID + `","properties":{"ns":["b"]}}`},
	} {
		t.Run(tc.action, func(t *testing.T) {
			// Every property request resolves on its response: {}.
			f := c.ok(tc.action, tc.payload)
			wantJSON(t, tc.action+" response", f.Payload, `{}`)
			p := c.waitPush(tc.push, forChat(chatID), untagged())
			wantPush35(t, p)
			wantJSON(t, tc.push, p.Payload, tc.want)
		})
	}
	// The chat's properties read back unwrapped.
	c.ok("update_chat_properties", obj{"id": chatID, "properties": obj{"ns": obj{"z": true}}})
	var got w35Chat
	c.okInto("get_chat", obj{"chat_id": chatID}, &got)
	wantJSON(t, "get_chat properties", got.Properties, `{"ns":{"z":true}}`)
	// v3.0's chat_id is not v3.5's id.
	if e := c.fail("update_chat_properties", obj{"chat_id": chatID, "properties": obj{"ns": obj{"a": 1}}}); e.Type != protocol.ErrValidation {
		t.Errorf("update_chat_properties with chat_id: %+v", e)
	}
	if e := c.fail("update_thread_properties", obj{"chat_id": chatID, "properties": obj{"ns": obj{"a": 1}}}); e.Type != protocol.ErrValidation {
		t.Errorf("update_thread_properties without thread_id: %+v", e)
	}
}

func TestRTM35Customer(t *testing.T) {
	srv := parleytest.NewServer(t)
	id := newCustomerID()
	c := connectCustomer35(t, srv, id)
	c.startChat35("hi")

	f := c.ok(protocol.ActionUpdateCustomer, obj{"name": "Ann", "email": "ann@example.com", "session_fields": []any{obj{"plan": "gold"}}})
	wantJSON(t, "update_customer response", f.Payload, `{}`)
	p := c.waitPush(protocol.PushCustomerUpdated)
	wantPush35(t, p)
	// customer_updated carries the customer itself.
	wantJSON(t, "customer_updated", p.Payload, `{"id":"`+id+`","name":"Ann","email":"ann@example.com","session_fields":[{"plan":"gold"}]}`)

	f = c.ok("set_customer_session_fields", obj{"session_fields": []any{obj{"city": "Oslo"}}})
	wantJSON(t, "set_customer_session_fields response", f.Payload, `{}`)
	if e := c.fail("set_customer_session_fields", obj{}); e.Type != protocol.ErrValidation {
		t.Errorf("without session_fields: %+v", e)
	}

	f = c.ok("get_customer", obj{})
	wantJSON(t, "get_customer", f.Payload, `{"id":"`+id+`","type":"customer","name":"Ann","email":"ann@example.com",
		"session_fields":[{"city":"Oslo"},{"plan":"gold"}],
		"statistics":{"chats_count":1,"threads_count":1,"visits_count":1,"page_views_count":1,"greetings_shown_count":0,"greetings_accepted_count":0}}`)

	f = c.ok(protocol.ActionUpdateCustomerPage, obj{"url": "https://shop.example/cart", "title": "Cart"})
	wantJSON(t, "update_customer_page response", f.Payload, `{}`)
	p = c.waitPush(protocol.PushCustomerPageUpdated)
	wantPush35(t, p)
	var pg struct {
		URL      string `json:"url"`
		Title    string `json:"title"`
		OpenedAt string `json:"opened_at"`
	}
	_ = json.Unmarshal(p.Payload, &pg)
	wantKeys(t, "customer_page_updated", p.Payload, "url", "title", "opened_at")
	wantTime35(t, "opened_at", pg.OpenedAt)
	if pg.URL != "https://shop.example/cart" || pg.Title != "Cart" {
		t.Errorf("customer_page_updated = %s", p.Payload)
	}
}

func TestRTM35MarkEventsAsSeen(t *testing.T) {
	srv := parleytest.NewServer(t)
	id := newCustomerID()
	c := connectCustomer35(t, srv, id)
	ch := c.startChat35("hi")
	seen := ch.Thread.Events[0].CreatedAt
	f := c.ok("mark_events_as_seen", obj{"chat_id": ch.ID, "seen_up_to": seen})
	wantJSON(t, "mark_events_as_seen response", f.Payload, `{}`)
	p := c.waitPush("events_marked_as_seen", forChat(ch.ID))
	wantPush35(t, p)
	wantJSON(t, "events_marked_as_seen", p.Payload, `{"user_id":"`+id+`","chat_id":"`+ch.ID+`","seen_up_to":"`+seen+`"}`)
	var got w35Chat
	c.okInto("get_chat", obj{"chat_id": ch.ID}, &got)
	if got.Users[0].EventsSeenUpTo != seen {
		t.Errorf("events_seen_up_to = %q, want %q", got.Users[0].EventsSeenUpTo, seen)
	}
	for _, bad := range []any{"yesterday", 1700000000, ""} {
		if e := c.fail("mark_events_as_seen", obj{"chat_id": ch.ID, "seen_up_to": bad}); e.Type != protocol.ErrValidation {
			t.Errorf("seen_up_to %v: %+v", bad, e)
		}
	}
}

func TestRTM35ListChatsPages(t *testing.T) {
	srv := parleytest.NewServer(t)
	c := connectCustomer35(t, srv, newCustomerID())
	var ids []string
	for i := range 3 {
		ch := c.startChat35("chat " + string(rune('a'+i)))
		c.ok("deactivate_chat", obj{"id": ch.ID})
		ids = append(ids, ch.ID)
	}
	type page struct {
		ChatsSummary []struct {
			ID                  string `json:"id"`
			Active              bool   `json:"active"`
			LastThreadID        string `json:"last_thread_id"`
			LastThreadCreatedAt string `json:"last_thread_created_at"`
			LastEventPerType    map[string]struct {
				ThreadID        string   `json:"thread_id"`
				ThreadCreatedAt string   `json:"thread_created_at"`
				Event           w35Event `json:"event"`
			} `json:"last_event_per_type"`
			Users []w35User `json:"users"`
		} `json:"chats_summary"`
		TotalChats     int    `json:"total_chats"`
		PreviousPageID string `json:"previous_page_id"`
		NextPageID     string `json:"next_page_id"`
	}
	var p1, p2 page
	f := c.okInto("list_chats", obj{"limit": 2}, &p1)
	wantKeys(t, "list_chats", f.Payload, "chats_summary", "total_chats", "next_page_id")
	if p1.TotalChats != 3 || len(p1.ChatsSummary) != 2 || p1.NextPageID == "" || p1.PreviousPageID != "" ||
		p1.ChatsSummary[0].ID != ids[2] || p1.ChatsSummary[1].ID != ids[1] {
		t.Fatalf("first page = %s", f.Payload)
	}
	s := p1.ChatsSummary[0]
	wantTime35(t, "last_thread_created_at", s.LastThreadCreatedAt)
	if s.Active || s.LastThreadID == "" || s.LastEventPerType["message"].Event.Text != "chat c" ||
		s.LastEventPerType["message"].ThreadCreatedAt != s.LastThreadCreatedAt || len(s.Users) != 1 {
		t.Errorf("summary = %+v", s)
	}
	wantEvent35(t, s.LastEventPerType["message"].Event)
	f = c.okInto("list_chats", obj{"page_id": p1.NextPageID}, &p2)
	if len(p2.ChatsSummary) != 1 || p2.ChatsSummary[0].ID != ids[0] || p2.NextPageID != "" || p2.PreviousPageID == "" {
		t.Fatalf("second page = %s", f.Payload)
	}
	var back page
	c.okInto("list_chats", obj{"page_id": p2.PreviousPageID}, &back)
	if len(back.ChatsSummary) != 2 || back.ChatsSummary[0].ID != ids[2] {
		t.Errorf("previous page = %+v", back)
	}

	// A page id is the server's own, for this customer and this action.
	tampered := []byte(p1.NextPageID)
	tampered[3] ^= 1
	other := connectCustomer35(t, srv, newCustomerID())
	var threads struct {
		NextPageID string `json:"next_page_id"`
	}
	c.okInto("list_threads", obj{"chat_id": ids[0], "limit": 1}, &threads)
	for name, tc := range map[string]struct {
		c      *rtmClient
		pageID string
	}{
		"tampered":        {c, string(tampered)},
		"garbage":         {c, "abc"},
		"another's":       {other, p1.NextPageID},
		"of list_threads": {c, threads.NextPageID},
	} {
		if tc.pageID == "" {
			continue
		}
		if e := tc.c.fail("list_chats", obj{"page_id": tc.pageID}); e.Type != protocol.ErrValidation {
			t.Errorf("%s page id: %+v", name, e)
		}
	}
	if e := c.fail("list_chats", obj{"limit": 26}); e.Type != protocol.ErrValidation {
		t.Errorf("limit 26: %+v", e)
	}
}

// A list_chats entry names the creation time of each last event's thread,
// the last thread's and the earlier ones'.
func TestRTM35ListChatsEarlierThreads(t *testing.T) {
	srv := parleytest.NewServer(t)
	c := connectCustomer35(t, srv, newCustomerID())
	ch := c.startChat35("first")
	c.ok("send_event", obj{"chat_id": ch.ID, "event": obj{"type": "filled_form", "form_id": "f1",
		"fields": []any{obj{"type": "name", "id": "n", "label": "Name", "answer": "Jo"}}}})
	c.ok("deactivate_chat", obj{"id": ch.ID}) // a system message in the first thread
	for i, text := range []string{"second", "third"} {
		if i > 0 {
			c.ok("deactivate_chat", obj{"id": ch.ID})
		}
		rid, _ := c.sendRequest(protocol.ActionSendEvent, obj{"chat_id": ch.ID, "event": message(text)})
		c.waitPush("incoming_chat", tagged(rid))
		c.waitResponse(rid)
	}
	var threads struct {
		Threads []w35Thread `json:"threads"`
	}
	c.okInto("list_threads", obj{"chat_id": ch.ID, "sort_order": "asc"}, &threads)
	if len(threads.Threads) != 3 {
		t.Fatalf("list_threads: %d threads, want 3", len(threads.Threads))
	}
	var list struct {
		ChatsSummary []struct {
			LastThreadCreatedAt string `json:"last_thread_created_at"`
			LastEventPerType    map[string]struct {
				ThreadID        string `json:"thread_id"`
				ThreadCreatedAt string `json:"thread_created_at"`
			} `json:"last_event_per_type"`
		} `json:"chats_summary"`
	}
	f := c.okInto("list_chats", obj{}, &list)
	if len(list.ChatsSummary) != 1 {
		t.Fatalf("list_chats = %s", f.Payload)
	}
	sum := list.ChatsSummary[0]
	if sum.LastThreadCreatedAt != threads.Threads[2].CreatedAt {
		t.Errorf("last_thread_created_at %q, want %q", sum.LastThreadCreatedAt, threads.Threads[2].CreatedAt)
	}
	for typ, th := range map[string]w35Thread{"filled_form": threads.Threads[0], "system_message": threads.Threads[1], "message": threads.Threads[2]} {
		le := sum.LastEventPerType[typ]
		if le.ThreadID != th.ID || le.ThreadCreatedAt != th.CreatedAt {
			t.Errorf("last %s: thread %q created %q, want %q created %q", typ, le.ThreadID, le.ThreadCreatedAt, th.ID, th.CreatedAt)
		}
	}
}

func TestRTM35ListThreadsPages(t *testing.T) {
	srv := parleytest.NewServer(t)
	c := connectCustomer35(t, srv, newCustomerID())
	ch := c.startChat35("one")
	threads := []string{ch.Thread.ID}
	for _, text := range []string{"two", "three"} {
		c.ok("deactivate_chat", obj{"id": ch.ID})
		rid, _ := c.sendRequest("resume_chat", obj{"chat": obj{"id": ch.ID, "thread": obj{"events": []any{message(text)}}}})
		var ic struct {
			Chat w35Chat `json:"chat"`
		}
		c.waitPushInto(&ic, "incoming_chat", tagged(rid))
		c.waitResponse(rid)
		threads = append(threads, ic.Chat.Thread.ID)
	}
	type page struct {
		Threads        []w35Thread `json:"threads"`
		FoundThreads   int         `json:"found_threads"`
		PreviousPageID string      `json:"previous_page_id"`
		NextPageID     string      `json:"next_page_id"`
	}
	ids := func(p page) []string {
		var out []string
		for _, th := range p.Threads {
			out = append(out, th.ID)
		}
		return out
	}
	// Newest first by default, two at a time.
	var p1, p2 page
	f := c.okInto("list_threads", obj{"chat_id": ch.ID, "limit": 2}, &p1)
	if p1.FoundThreads != 3 || !slices.Equal(ids(p1), []string{threads[2], threads[1]}) || p1.NextPageID == "" {
		t.Fatalf("first page = %s", f.Payload)
	}
	th := p1.Threads[0]
	wantTime35(t, "created_at", th.CreatedAt)
	wantEvent35(t, th.Events[0])
	if !th.Active || th.Events[0].Text != "three" || th.PreviousThreadID != threads[1] || th.NextThreadID != "" ||
		p1.Threads[1].PreviousThreadID != threads[0] || p1.Threads[1].NextThreadID != threads[2] {
		t.Errorf("threads = %s", f.Payload)
	}
	f = c.okInto("list_threads", obj{"chat_id": ch.ID, "page_id": p1.NextPageID}, &p2)
	if !slices.Equal(ids(p2), []string{threads[0]}) || p2.NextPageID != "" || p2.Threads[0].Events[0].Text != "one" {
		t.Fatalf("second page = %s", f.Payload)
	}
	// previous_page_id leads back, and that page's next_page_id forward again.
	if p1.PreviousPageID != "" || p2.PreviousPageID == "" {
		t.Fatalf("previous page ids: first %q, second %q", p1.PreviousPageID, p2.PreviousPageID)
	}
	var back, again page
	c.okInto("list_threads", obj{"chat_id": ch.ID, "page_id": p2.PreviousPageID}, &back)
	if !slices.Equal(ids(back), ids(p1)) || back.PreviousPageID != "" || back.NextPageID == "" {
		t.Errorf("back from the second page = %v (previous %q)", ids(back), back.PreviousPageID)
	}
	c.okInto("list_threads", obj{"chat_id": ch.ID, "page_id": back.NextPageID}, &again)
	if !slices.Equal(ids(again), ids(p2)) {
		t.Errorf("forward again = %v", ids(again))
	}
	// One at a time, backwards from the oldest: a previous page ends where
	// its page starts, though the window is clipped at the newest thread.
	var one, prev1, prev2 page
	c.okInto("list_threads", obj{"chat_id": ch.ID, "limit": 2}, &one)
	c.okInto("list_threads", obj{"chat_id": ch.ID, "page_id": one.NextPageID}, &one)
	c.okInto("list_threads", obj{"chat_id": ch.ID, "page_id": one.PreviousPageID}, &prev1)
	if !slices.Equal(ids(prev1), []string{threads[2], threads[1]}) {
		t.Errorf("previous of the oldest = %v", ids(prev1))
	}
	var single page
	c.okInto("list_threads", obj{"chat_id": ch.ID, "limit": 1}, &single)
	c.okInto("list_threads", obj{"chat_id": ch.ID, "page_id": single.NextPageID}, &single)
	c.okInto("list_threads", obj{"chat_id": ch.ID, "page_id": single.NextPageID}, &single)
	c.okInto("list_threads", obj{"chat_id": ch.ID, "page_id": single.PreviousPageID}, &prev2)
	if !slices.Equal(ids(single), threads[:1]) || !slices.Equal(ids(prev2), threads[1:2]) || prev2.PreviousPageID == "" {
		t.Errorf("limit 1: last page %v, its previous %v", ids(single), ids(prev2))
	}
	// Oldest first.
	var asc page
	c.okInto("list_threads", obj{"chat_id": ch.ID, "sort_order": "asc", "limit": 2}, &asc)
	if !slices.Equal(ids(asc), threads[:2]) || asc.NextPageID == "" {
		t.Errorf("asc = %v", ids(asc))
	}
	var asc2 page
	c.okInto("list_threads", obj{"chat_id": ch.ID, "page_id": asc.NextPageID}, &asc2)
	if !slices.Equal(ids(asc2), threads[2:]) || asc2.NextPageID != "" {
		t.Errorf("asc page 2 = %v", ids(asc2))
	}
	var ascBack page
	c.okInto("list_threads", obj{"chat_id": ch.ID, "page_id": asc2.PreviousPageID}, &ascBack)
	if asc.PreviousPageID != "" || !slices.Equal(ids(ascBack), threads[:2]) {
		t.Errorf("asc back = %v (first page's previous %q)", ids(ascBack), asc.PreviousPageID)
	}
	// min_events_count: threads until that many events (deactivating adds
	// a system message to each closed thread).
	var me page
	c.okInto("list_threads", obj{"chat_id": ch.ID, "min_events_count": 3}, &me)
	if !slices.Equal(ids(me), []string{threads[2], threads[1]}) || me.NextPageID == "" {
		t.Errorf("min_events_count 3 = %v", ids(me))
	}
	// The history of the JS SDK: min_events_count, then page ids to the end.
	seen := []string{}
	var h page
	c.okInto("list_threads", obj{"chat_id": ch.ID, "min_events_count": 1}, &h)
	for {
		seen = append(seen, ids(h)...)
		if h.NextPageID == "" {
			break
		}
		next := h.NextPageID
		h = page{}
		c.okInto("list_threads", obj{"chat_id": ch.ID, "page_id": next}, &h)
	}
	if !slices.Equal(seen, []string{threads[2], threads[1], threads[0]}) {
		t.Errorf("history = %v", seen)
	}

	// Tampered, another chat's or malformed requests are refused.
	other := c.startChat35("other")
	tampered := p1.NextPageID[:len(p1.NextPageID)-2] + "AA"
	for name, p := range map[string]obj{
		"tampered":     {"chat_id": ch.ID, "page_id": tampered},
		"other chat":   {"chat_id": other.ID, "page_id": p1.NextPageID},
		"sort order":   {"chat_id": ch.ID, "sort_order": "up"},
		"limit":        {"chat_id": ch.ID, "limit": 101},
		"min events":   {"chat_id": ch.ID, "min_events_count": 0},
		"without chat": {"limit": 1},
	} {
		if e := c.fail("list_threads", p); e.Type != protocol.ErrValidation {
			t.Errorf("%s: %+v", name, e)
		}
	}
	if e := c.fail("list_threads", obj{"chat_id": "NOSUCHCHAT"}); e.Type != protocol.ErrNotFound {
		t.Errorf("unknown chat: %+v", e)
	}
}

func TestRTM35GetChat(t *testing.T) {
	srv := parleytest.NewServer(t)
	c := connectCustomer35(t, srv, newCustomerID())
	ch := c.startChat35("first")
	c.ok("deactivate_chat", obj{"id": ch.ID})
	// An event into an inactive chat opens a thread: the JS SDK resolves
	// send_event on the incoming_chat it gets then.
	rid, _ := c.sendRequest(protocol.ActionSendEvent, obj{"chat_id": ch.ID, "event": message("second")})
	c.waitPush("incoming_chat", tagged(rid))
	c.waitResponse(rid)
	var last, first w35Chat
	f := c.okInto("get_chat", obj{"chat_id": ch.ID}, &last)
	wantKeys(t, "get_chat", f.Payload, "id", "users", "access", "properties", "thread")
	if last.Thread == nil || last.Thread.ID == ch.Thread.ID || last.Thread.PreviousThreadID != ch.Thread.ID || last.Thread.NextThreadID != "" {
		t.Fatalf("get_chat = %s", f.Payload)
	}
	wantEvent35(t, last.Thread.Events[0])
	c.okInto("get_chat", obj{"chat_id": ch.ID, "thread_id": ch.Thread.ID}, &first)
	if first.Thread.ID != ch.Thread.ID || first.Thread.NextThreadID != last.Thread.ID || first.Thread.Events[0].Text != "first" {
		t.Errorf("get_chat of the first thread = %+v", first.Thread)
	}
	if e := c.fail("get_chat", obj{"chat_id": "NOSUCHCHAT"}); e.Type != protocol.ErrNotFound {
		t.Errorf("unknown chat: %+v", e)
	}
}

func TestRTM35Misc(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	c := connectCustomer35(t, srv, newCustomerID())

	t.Run("get_predicted_agent", func(t *testing.T) {
		f := c.ok(protocol.ActionGetPredictedAgent, obj{})
		wantJSON(t, "get_predicted_agent", f.Payload,
			`{"agent":{"id":"`+parleytest.AgentEmail+`","name":"Demo Agent","avatar":"","job_title":"Support","type":"agent","is_bot":false},"queue":false}`)
	})
	t.Run("get_form", func(t *testing.T) {
		wantJSON(t, "get_form", c.ok(protocol.ActionGetForm, obj{"group_id": 0, "type": "prechat"}).Payload, `{"enabled":false}`)
	})
	t.Run("list_group_statuses", func(t *testing.T) {
		wantJSON(t, "all", c.ok("list_group_statuses", obj{"all": true}).Payload, `{"groups_status":{"0":"online"}}`)
		wantJSON(t, "group_ids", c.ok("list_group_statuses", obj{"group_ids": []int{0}}).Payload, `{"groups_status":{"0":"online"}}`)
		if e := c.fail("list_group_statuses", obj{}); e.Type != protocol.ErrValidation {
			t.Errorf("neither: %+v", e)
		}
	})
	t.Run("get_url_info", func(t *testing.T) {
		wantJSON(t, "get_url_info", c.ok("get_url_info", obj{"url": "https://shop.example/p?id=1"}).Payload,
			`{"title":"shop.example","url":"https://shop.example/p?id=1"}`)
		if e := c.fail("get_url_info", obj{"url": "file:///etc/passwd"}); e.Type != protocol.ErrValidation {
			t.Errorf("file URL: %+v", e)
		}
	})
	t.Run("greetings", func(t *testing.T) {
		// Parley shows no greetings: none to accept or cancel.
		for _, tc := range []struct {
			action  string
			payload obj
		}{{"accept_greeting", obj{"greeting_id": 7, "unique_id": "u1"}}, {"cancel_greeting", obj{"unique_id": "u1"}}} {
			if e := c.fail(tc.action, tc.payload); e.Type != "greeting_not_found" {
				t.Errorf("%s: %+v", tc.action, e)
			}
			if e := c.fail(tc.action, obj{}); e.Type != protocol.ErrValidation {
				t.Errorf("%s without unique_id: %+v", tc.action, e)
			}
		}
	})
	t.Run("ping", func(t *testing.T) {
		c.ok(protocol.ActionPing, nil)
	})
	t.Run("v3.0 actions are unknown", func(t *testing.T) {
		for _, action := range []string{"get_chats_summary", "activate_chat", "close_thread", "update_last_seen_timestamp", "get_chat_threads"} {
			if e := c.fail(action, obj{}); e.Type != protocol.ErrValidation || !strings.Contains(e.Message, "unknown action") {
				t.Errorf("%s: %+v", action, e)
			}
		}
	})
	t.Run("sneak peek and postback", func(t *testing.T) {
		ch := c.startChat35("hi")
		ag.ok(protocol.ActionJoinChat, obj{"chat_id": ch.ID})
		f := c.ok(protocol.ActionSendSneakPeek, obj{"chat_id": ch.ID, "sneak_peek_text": "I am typ"})
		wantJSON(t, "send_sneak_peek response", f.Payload, `{}`)
		var sp struct {
			SneakPeek struct {
				Text string `json:"text"`
			} `json:"sneak_peek"`
		}
		ag.waitPushInto(&sp, protocol.PushIncomingSneakPeek, forChat(ch.ID))
		if sp.SneakPeek.Text != "I am typ" {
			t.Errorf("sneak peek = %+v", sp)
		}
		rich := obj{"type": "rich_message", "template_id": "quick_replies", "elements": []any{obj{
			"title": "Happy?", "buttons": []any{obj{"text": "Yes", "postback_id": "pb-yes", "user_ids": []string{}, "type": "message", "value": "yes"}}}}}
		ag.ok(protocol.ActionSendEvent, obj{"chat_id": ch.ID, "event": rich})
		var ie w35IncomingEvent
		c.waitPushInto(&ie, protocol.PushIncomingEvent, forChat(ch.ID), untagged(), func(f frame) bool {
			return strings.Contains(string(f.Payload), "rich_message")
		})
		f = c.ok(protocol.ActionSendRichMessagePostback, obj{"chat_id": ch.ID, "thread_id": ch.Thread.ID, "event_id": ie.Event.ID,
			"postback": obj{"id": "pb-yes", "toggled": true}})
		wantJSON(t, "send_rich_message_postback response", f.Payload, `{}`)
		// The chat's agents hear of the click.
		p := ag.waitPush(protocol.PushIncomingRichMessagePostback, forChat(ch.ID))
		wantJSON(t, "incoming_rich_message_postback", p.Payload, `{"user_id":"`+ch.Users[0].ID+`","chat_id":"`+ch.ID+`","thread_id":"`+ch.Thread.ID+
			`","event_id":"`+ie.Event.ID+`","postback":{"id":"pb-yes","toggled":true}}`)
	})
}

// A thread longer than a page is split: list_threads gives its newest
// events, and the next page the same thread with the events before them,
// so that every event comes once.
func TestRTM35ListThreadsLongThread(t *testing.T) {
	srv := parleytest.NewServer(t, func(c *server.Config) { c.PageBytes = 1000 })
	c := connectCustomer35(t, srv, newCustomerID())
	ch := c.startChat35("m0")
	want := []string{ch.Thread.Events[0].ID}
	for i := 1; i < 12; i++ {
		want = append(want, c.sendMessage35(ch.ID, "message "+strconv.Itoa(i)).Event.ID)
	}
	var got []string
	pages := 0
	req := obj{"chat_id": ch.ID}
	for {
		var p struct {
			Threads        []w35Thread `json:"threads"`
			PreviousPageID string      `json:"previous_page_id"`
			NextPageID     string      `json:"next_page_id"`
		}
		c.okInto("list_threads", req, &p)
		pages++
		if (pages > 1) != (p.PreviousPageID != "") {
			t.Errorf("page %d: previous_page_id %q", pages, p.PreviousPageID)
		}
		if pages > 1 {
			// The page before one that starts inside the thread ends with it.
			var back struct {
				Threads []w35Thread `json:"threads"`
			}
			c.okInto("list_threads", obj{"chat_id": ch.ID, "page_id": p.PreviousPageID}, &back)
			if len(back.Threads) != 1 || back.Threads[0].ID != ch.Thread.ID {
				t.Errorf("page %d: previous page %+v", pages, back)
			}
		}
		if len(p.Threads) != 1 || p.Threads[0].ID != ch.Thread.ID || len(p.Threads[0].Events) == 0 {
			t.Fatalf("page %d = %+v", pages, p)
		}
		var ids []string
		for _, e := range p.Threads[0].Events {
			ids = append(ids, e.ID)
		}
		got = append(ids, got...) // each page is older than the one before
		if p.NextPageID == "" {
			break
		}
		req = obj{"chat_id": ch.ID, "page_id": p.NextPageID}
	}
	if pages < 2 || !slices.Equal(got, want) {
		t.Errorf("%d pages, events %v, want %v", pages, got, want)
	}
}
