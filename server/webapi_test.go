package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/httpapi"
)

// webClient calls the Customer Web API v3.5 as one customer.
type webClient struct {
	t     *testing.T
	srv   *parleytest.Server
	token string
}

// do posts body to action and returns the status and the decoded answer.
func (w webClient) do(action, contentType string, body io.Reader) (int, map[string]any) {
	w.t.Helper()
	u := w.srv.URL + "/v3.5/customer/action/" + action + "?" + url.Values{"organization_id": {w.srv.OrganizationID}}.Encode()
	req, err := http.NewRequest(http.MethodPost, u, body)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if w.token != "" {
		req.Header.Set("Authorization", "Bearer "+w.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		w.t.Fatalf("%s: answer %d %q is not a JSON object: %v", action, resp.StatusCode, raw, err)
	}
	return resp.StatusCode, m
}

// call runs action with payload and returns its answer; any error fails
// the test.
func (w webClient) call(action string, payload any) map[string]any {
	w.t.Helper()
	b, _ := json.Marshal(payload)
	status, m := w.do(action, "application/json", bytes.NewReader(b))
	if status != http.StatusOK {
		w.t.Fatalf("%s %s: %d %v", action, b, status, m)
	}
	return m
}

// callInto runs action and decodes its answer into v.
func (w webClient) callInto(action string, payload, v any) {
	w.t.Helper()
	b, _ := json.Marshal(w.call(action, payload))
	if err := json.Unmarshal(b, v); err != nil {
		w.t.Fatalf("%s: %v", action, err)
	}
}

// fail runs action, which must fail with status and an error of type typ.
func (w webClient) fail(action string, payload any, status int, typ string) {
	w.t.Helper()
	var body io.Reader = http.NoBody
	if s, ok := payload.(string); ok {
		body = bytes.NewReader([]byte(s))
	} else if payload != nil {
		b, _ := json.Marshal(payload)
		body = bytes.NewReader(b)
	}
	got, m := w.do(action, "application/json", body)
	e, _ := m["error"].(map[string]any)
	if got != status || e == nil || e["type"] != typ || e["message"] == "" || len(m) != 1 {
		w.t.Errorf("%s: %d %v, want %d {\"error\":{\"type\":%q,\"message\":…}}", action, got, m, status, typ)
	}
}

// upload uploads content as the SDK 4 does and returns the URL.
func (w webClient) upload(name string, content []byte) string {
	w.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	status, m := w.do("upload_file", mw.FormDataContentType(), &body)
	u, _ := m["url"].(string)
	if status != http.StatusOK || u == "" || len(m) != 1 {
		w.t.Fatalf("upload_file: %d %v", status, m)
	}
	return u
}

// keysAre fails unless m has exactly the keys given.
func keysAre(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	if len(m) != len(keys) {
		t.Errorf("%s = %v, want exactly the keys %v", what, m, keys)
		return
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s = %v, want exactly the keys %v", what, m, keys)
			return
		}
	}
}

// TestCustomerWebAPI drives every action of the Customer Web API v3.5 over
// HTTP, in the order a chat lives, and checks each answer's shape (the
// payload, unwrapped, as the v3.5 RTM answers it). The customer has no RTM
// connection: the Web API alone creates it and its chat.
func TestCustomerWebAPI(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	custID := newCustomerID()
	web := webClient{t: t, srv: srv, token: srv.CustomerToken(t, custID)}
	var chatID, threadID, eventID string

	step := func(name string, f func(t *testing.T)) {
		if !t.Run(name, func(t *testing.T) { web.t = t; f(t) }) {
			t.FailNow()
		}
	}
	step("start_chat", func(t *testing.T) {
		m := web.call("start_chat", obj{"chat": obj{"thread": obj{"events": []any{message("hello over HTTP")}}}})
		keysAre(t, "start_chat", m, "chat_id", "thread_id")
		chatID, threadID = m["chat_id"].(string), m["thread_id"].(string)
		// Routing gives the chat to the online agent.
		ag.waitPush(protocol.PushIncomingChatThread, forChat(chatID))
	})
	step("send_event", func(t *testing.T) {
		m := web.call("send_event", obj{"chat_id": chatID, "event": obj{"type": "message", "text": "second", "custom_id": "c-2"}})
		keysAre(t, "send_event", m, "event_id")
		eventID = m["event_id"].(string)
		// A retry with the same custom_id is the same event.
		again := web.call("send_event", obj{"chat_id": chatID, "event": obj{"type": "message", "text": "second", "custom_id": "c-2"}})
		if again["event_id"] != eventID {
			t.Errorf("retry = %v, want event %s", again, eventID)
		}
	})
	step("list_chats", func(t *testing.T) {
		var r struct {
			ChatsSummary []struct {
				ID               string                     `json:"id"`
				LastThreadID     string                     `json:"last_thread_id"`
				Active           bool                       `json:"active"`
				LastEventPerType map[string]json.RawMessage `json:"last_event_per_type"`
			} `json:"chats_summary"`
			TotalChats int `json:"total_chats"`
		}
		web.callInto("list_chats", obj{}, &r)
		if r.TotalChats != 1 || len(r.ChatsSummary) != 1 || r.ChatsSummary[0].ID != chatID || r.ChatsSummary[0].LastThreadID != threadID ||
			!r.ChatsSummary[0].Active || r.ChatsSummary[0].LastEventPerType["message"] == nil {
			t.Errorf("list_chats = %+v", r)
		}
	})
	step("get_chat", func(t *testing.T) {
		var c w35Chat
		web.callInto("get_chat", obj{"chat_id": chatID}, &c)
		if c.ID != chatID || c.Thread == nil || c.Thread.ID != threadID || len(c.Thread.Events) != 2 ||
			c.Thread.Events[0].Text != "hello over HTTP" || c.Thread.Events[1].ID != eventID || c.Thread.Events[1].CreatedAt == "" {
			t.Errorf("get_chat = %+v", c)
		}
	})
	step("list_threads", func(t *testing.T) {
		var r struct {
			Threads      []w35Thread `json:"threads"`
			FoundThreads int         `json:"found_threads"`
		}
		web.callInto("list_threads", obj{"chat_id": chatID}, &r)
		if r.FoundThreads != 1 || len(r.Threads) != 1 || r.Threads[0].ID != threadID || !r.Threads[0].Active || len(r.Threads[0].Events) != 2 {
			t.Errorf("list_threads = %+v", r)
		}
	})
	props := obj{"web": obj{"flag": "on"}}
	names := obj{"web": []string{"flag"}}
	step("update_chat_properties", func(t *testing.T) {
		keysAre(t, "answer", web.call("update_chat_properties", obj{"id": chatID, "properties": props}))
		ag.waitPush(protocol.PushChatPropertiesUpdated, forChat(chatID))
	})
	step("delete_chat_properties", func(t *testing.T) {
		keysAre(t, "answer", web.call("delete_chat_properties", obj{"id": chatID, "properties": names}))
		ag.waitPush(protocol.PushChatPropertiesDeleted, forChat(chatID))
	})
	step("update_thread_properties", func(t *testing.T) {
		keysAre(t, "answer", web.call("update_thread_properties", obj{"chat_id": chatID, "thread_id": threadID, "properties": props}))
		ag.waitPush(protocol.PushChatThreadPropertiesUpdated, forChat(chatID))
	})
	step("delete_thread_properties", func(t *testing.T) {
		keysAre(t, "answer", web.call("delete_thread_properties", obj{"chat_id": chatID, "thread_id": threadID, "properties": names}))
		ag.waitPush(protocol.PushChatThreadPropertiesDeleted, forChat(chatID))
	})
	step("update_event_properties", func(t *testing.T) {
		keysAre(t, "answer", web.call("update_event_properties", obj{"chat_id": chatID, "thread_id": threadID, "event_id": eventID, "properties": props}))
		ag.waitPush(protocol.PushEventPropertiesUpdated, forChat(chatID))
	})
	step("delete_event_properties", func(t *testing.T) {
		keysAre(t, "answer", web.call("delete_event_properties", obj{"chat_id": chatID, "thread_id": threadID, "event_id": eventID, "properties": names}))
		ag.waitPush(protocol.PushEventPropertiesDeleted, forChat(chatID))
	})
	step("update_customer", func(t *testing.T) {
		keysAre(t, "answer", web.call("update_customer", obj{"name": "Web Customer", "email": "web@shop.example"}))
	})
	step("set_customer_session_fields", func(t *testing.T) {
		keysAre(t, "answer", web.call("set_customer_session_fields", obj{"session_fields": []any{obj{"plan": "pro"}}}))
	})
	step("get_customer", func(t *testing.T) {
		var c struct {
			ID            string              `json:"id"`
			Name          string              `json:"name"`
			Email         string              `json:"email"`
			SessionFields []map[string]string `json:"session_fields"`
			Statistics    *struct {
				ChatsCount   int `json:"chats_count"`
				ThreadsCount int `json:"threads_count"`
			} `json:"statistics"`
		}
		web.callInto("get_customer", obj{}, &c)
		if c.ID != custID || c.Name != "Web Customer" || c.Email != "web@shop.example" || len(c.SessionFields) != 1 || c.SessionFields[0]["plan"] != "pro" ||
			c.Statistics == nil || c.Statistics.ChatsCount != 1 || c.Statistics.ThreadsCount != 1 {
			t.Errorf("get_customer = %+v", c)
		}
	})
	step("update_customer_page", func(t *testing.T) {
		keysAre(t, "answer", web.call("update_customer_page", obj{"url": "https://shop.example/cart", "title": "Cart"}))
	})
	step("list_group_statuses", func(t *testing.T) {
		var r struct {
			GroupsStatus map[string]string `json:"groups_status"`
		}
		web.callInto("list_group_statuses", obj{"all": true}, &r)
		if r.GroupsStatus["0"] != "online" {
			t.Errorf("list_group_statuses = %+v", r)
		}
	})
	step("get_form", func(t *testing.T) {
		m := web.call("get_form", obj{"group_id": 0, "type": "prechat"})
		if m["enabled"] != false {
			t.Errorf("get_form = %v", m)
		}
	})
	step("get_predicted_agent", func(t *testing.T) {
		var r struct {
			Agent struct {
				ID   string `json:"id"`
				Type string `json:"type"`
			} `json:"agent"`
			Queue *bool `json:"queue"`
		}
		web.callInto("get_predicted_agent", obj{}, &r)
		if r.Agent.ID != parleytest.AgentEmail || r.Agent.Type != "agent" || r.Queue == nil || *r.Queue {
			t.Errorf("get_predicted_agent = %+v", r)
		}
	})
	step("get_url_info", func(t *testing.T) {
		m := web.call("get_url_info", obj{"url": "https://shop.example/item?id=1"})
		if m["url"] != "https://shop.example/item?id=1" {
			t.Errorf("get_url_info = %v", m)
		}
	})
	step("mark_events_as_seen", func(t *testing.T) {
		keysAre(t, "answer", web.call("mark_events_as_seen", obj{"chat_id": chatID, "seen_up_to": time.Now().UTC().Format(time.RFC3339Nano)}))
		ag.waitPush(protocol.PushLastSeenTimestampUpdated, forChat(chatID))
	})
	step("send_sneak_peek", func(t *testing.T) {
		keysAre(t, "answer", web.call("send_sneak_peek", obj{"chat_id": chatID, "sneak_peek_text": "typing over HTTP"}))
		ag.waitPush(protocol.PushIncomingSneakPeek, forChat(chatID))
	})
	step("send_rich_message_postback", func(t *testing.T) {
		rich := obj{"type": "rich_message", "template_id": "quick_replies", "elements": []any{obj{
			"title":   "Happy?",
			"buttons": []any{obj{"text": "Yes", "postback_id": "pb-yes", "user_ids": []string{custID}, "type": "message", "value": "yes"}},
		}}}
		var r struct {
			EventID string `json:"event_id"`
		}
		ag.okInto(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": rich}, &r)
		keysAre(t, "answer", web.call("send_rich_message_postback", obj{"chat_id": chatID, "thread_id": threadID, "event_id": r.EventID,
			"postback": obj{"id": "pb-yes", "toggled": true}}))
		ag.waitPush(protocol.PushIncomingRichMessagePostback, forChat(chatID))
	})
	step("check_goals", func(t *testing.T) {
		keysAre(t, "answer", web.call("check_goals", obj{"session_fields": []any{obj{"plan": "pro"}}, "group_id": 0, "page_url": "https://shop.example/"}))
	})
	step("upload_file", func(t *testing.T) {
		u := web.upload("report.pdf", []byte("%PDF-1.4 report"))
		m := web.call("send_event", obj{"chat_id": chatID, "event": obj{"type": "file", "url": u}})
		var c w35Chat
		web.callInto("get_chat", obj{"chat_id": chatID}, &c)
		last := c.Thread.Events[len(c.Thread.Events)-1]
		if last.ID != m["event_id"] || last.Type != "file" || last.URL != u || last.Name != "report.pdf" {
			t.Errorf("file event %+v, want the upload %s", last, u)
		}
	})
	step("deactivate_chat", func(t *testing.T) {
		keysAre(t, "answer", web.call("deactivate_chat", obj{"id": chatID}))
		ag.waitPush(protocol.PushThreadClosed, forChat(chatID))
	})
	step("resume_chat", func(t *testing.T) {
		m := web.call("resume_chat", obj{"chat": obj{"id": chatID, "thread": obj{"events": []any{message("back again")}}}})
		keysAre(t, "resume_chat", m, "thread_id")
		if m["thread_id"] == threadID || m["thread_id"] == "" {
			t.Errorf("resume_chat = %v, want a new thread", m)
		}
	})
	// Every action the Web API lists has been called above.
	for _, a := range httpapi.CustomerWebActions {
		found := false
		for _, sub := range []string{"start_chat", "send_event", "list_chats", "get_chat", "list_threads", "update_chat_properties",
			"delete_chat_properties", "update_thread_properties", "delete_thread_properties", "update_event_properties",
			"delete_event_properties", "update_customer", "set_customer_session_fields", "get_customer", "update_customer_page",
			"list_group_statuses", "get_form", "get_predicted_agent", "get_url_info", "mark_events_as_seen", "send_sneak_peek",
			"send_rich_message_postback", "check_goals", "deactivate_chat", "resume_chat"} {
			found = found || a == sub
		}
		if !found {
			t.Errorf("action %s is not driven by this test", a)
		}
	}
}

// TestCustomerWebAPIPushes: what a Web API call changes is pushed to the
// RTM connections of everyone concerned: the same customer's v3.5 and
// v3.0 connections (untagged: no connection asked) and the agent.
func TestCustomerWebAPIPushes(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	custID := newCustomerID()
	rtm35 := connectCustomer35(t, srv, custID)
	rtm30 := connectCustomer(t, srv, custID)
	web := webClient{t: t, srv: srv, token: srv.CustomerToken(t, custID)}

	m := web.call("start_chat", obj{"chat": obj{}})
	chatID := m["chat_id"].(string)
	var ic struct {
		Chat w35Chat `json:"chat"`
	}
	rtm35.waitPushInto(&ic, "incoming_chat", forChat(chatID), untagged())
	if ic.Chat.ID != chatID || ic.Chat.Thread == nil || ic.Chat.Thread.ID != m["thread_id"] {
		t.Errorf("incoming_chat = %+v", ic.Chat)
	}
	ag.waitPush(protocol.PushIncomingChatThread, forChat(chatID))

	m = web.call("send_event", obj{"chat_id": chatID, "event": message("pushed from HTTP")})
	var ie w35IncomingEvent
	rtm35.waitPushInto(&ie, protocol.PushIncomingEvent, forChat(chatID), untagged())
	if ie.Event.ID != m["event_id"] || ie.Event.Text != "pushed from HTTP" || ie.Event.AuthorID != custID || ie.Event.CreatedAt == "" {
		t.Errorf("v3.5 connection got %+v", ie)
	}
	var ie30 wIncomingEvent
	rtm30.waitPushInto(&ie30, protocol.PushIncomingEvent, forChat(chatID), untagged())
	if ie30.Event.ID != m["event_id"] {
		t.Errorf("v3.0 connection got %+v", ie30)
	}
	var got wIncomingEvent
	ag.waitPushInto(&got, protocol.PushIncomingEvent, forChat(chatID))
	if got.Event.ID != m["event_id"] || got.Event.Text != "pushed from HTTP" || got.Event.AuthorID != custID {
		t.Errorf("agent got %+v", got)
	}
	// And the other way: what the RTM sends, the Web API reads.
	sent := rtm35.sendMessage35(chatID, "sent over the RTM")
	var c w35Chat
	web.callInto("get_chat", obj{"chat_id": chatID}, &c)
	if n := len(c.Thread.Events); n != 2 || c.Thread.Events[1].ID != sent.Event.ID {
		t.Errorf("get_chat over HTTP = %+v, want the RTM's message last", c.Thread)
	}
	// No push carries a request id the connections did not send.
	for _, f := range rtm35.framesWith(protocol.PushIncomingEvent) {
		var p w35IncomingEvent
		_ = json.Unmarshal(f.Payload, &p)
		if f.rid() != "" && p.Event.ID != sent.Event.ID {
			t.Errorf("tagged push %s", f)
		}
	}
}

// TestUploadFileEventOverRTM35 is the JS SDK 4's way to send a file:
// upload_file over HTTP, then a file event with the URL over the RTM. The
// event carries the stored file's details; a URL of no upload of the
// license is refused and nothing is stored.
func TestUploadFileEventOverRTM35(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	custID := newCustomerID()
	c := connectCustomer35(t, srv, custID)
	web := webClient{t: t, srv: srv, token: srv.CustomerToken(t, custID)}
	ch := c.startChat35("hi")
	ag.waitPush(protocol.PushIncomingChatThread, forChat(ch.ID))

	u := web.upload("photo notes.txt", []byte("plain text file"))
	rid, err := c.sendRequest(protocol.ActionSendEvent, obj{"chat_id": ch.ID, "event": obj{"type": "file", "url": u, "name": "evil.html", "custom_id": "f-1"}})
	if err != nil {
		t.Fatal(err)
	}
	var ie struct {
		ChatID string `json:"chat_id"`
		Event  struct {
			ID          string `json:"id"`
			Type        string `json:"type"`
			URL         string `json:"url"`
			Name        string `json:"name"`
			ContentType string `json:"content_type"`
			Size        int    `json:"size"`
			CustomID    string `json:"custom_id"`
		} `json:"event"`
	}
	c.waitPushInto(&ie, protocol.PushIncomingEvent, tagged(rid))
	if f := c.waitResponse(rid); f.Success == nil || !*f.Success {
		t.Fatalf("send_event: %s", f)
	}
	e := ie.Event
	if e.Type != "file" || e.URL != u || e.Name != "photo notes.txt" || e.Size != len("plain text file") || e.CustomID != "f-1" ||
		!strings.HasPrefix(e.ContentType, "text/plain") {
		t.Errorf("file event %+v, want the upload %s", e, u)
	}
	var agot wIncomingEvent
	ag.waitPushInto(&agot, protocol.PushIncomingEvent, forChat(ch.ID))
	if agot.Event.ID != e.ID || agot.Event.Type != "file" {
		t.Errorf("agent got %+v", agot)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "plain text file" {
		t.Errorf("served %q", b)
	}

	// A URL of no upload of this license.
	other := srv.URL + "/files/999/" + strings.Repeat("a", 32) + "/x.txt"
	for _, bad := range []string{other, "https://elsewhere.example/x.png", strings.Replace(u, "/files/", "/files/x", 1)} {
		if e := c.fail(protocol.ActionSendEvent, obj{"chat_id": ch.ID, "event": obj{"type": "file", "url": bad}}); e.Type != protocol.ErrValidation {
			t.Errorf("file event of %s: %+v, want validation", bad, e)
		}
		web.fail("send_event", obj{"chat_id": ch.ID, "event": obj{"type": "file", "url": bad}}, http.StatusBadRequest, "validation")
	}
	// Nor without a url, nor in the events a chat starts with.
	if e := c.fail(protocol.ActionSendEvent, obj{"chat_id": ch.ID, "event": obj{"type": "file"}}); e.Type != protocol.ErrValidation {
		t.Errorf("file event without url: %+v, want validation", e)
	}
	start := obj{"chat": obj{"thread": obj{"events": []any{obj{"type": "file", "url": other}}}}}
	if e := c.fail("start_chat", start); e.Type != protocol.ErrValidation {
		t.Errorf("start_chat with a file of no upload: %+v, want validation", e)
	}
	web.fail("start_chat", start, http.StatusBadRequest, "validation")
	var got w35Chat
	web.callInto("get_chat", obj{"chat_id": ch.ID}, &got)
	if n := len(got.Thread.Events); n != 2 {
		t.Errorf("thread holds %d events, want the message and the file", n)
	}
}

// TestCustomerWebAPIErrors: LiveChat's error envelope, alone in the body,
// with the HTTP status of its type; nothing is stored by a refused call.
func TestCustomerWebAPIErrors(t *testing.T) {
	srv := parleytest.NewServer(t)
	custID := newCustomerID()
	web := webClient{t: t, srv: srv, token: srv.CustomerToken(t, custID)}
	chatID := web.call("start_chat", obj{})["chat_id"].(string)

	web.fail("no_such_action", obj{}, http.StatusNotFound, "not_found")
	web.fail("login", obj{"token": "Bearer " + web.token}, http.StatusNotFound, "not_found")
	web.fail("send_event", obj{"event": message("x")}, http.StatusBadRequest, "validation")
	web.fail("send_event", `{"chat_id":`, http.StatusBadRequest, "validation")
	web.fail("send_event", `[1,2]`, http.StatusBadRequest, "validation")
	web.fail("send_event", strings.Repeat("[", 100)+strings.Repeat("]", 100), http.StatusBadRequest, "validation")
	web.fail("send_event", `{"chat_id":"`+chatID+`","event":{"type":"message","text":"`+strings.Repeat("x", 70<<10)+`"}}`,
		http.StatusRequestEntityTooLarge, "entity_too_large")
	web.fail("get_chat", obj{"chat_id": "NOSUCHCHAT"}, http.StatusNotFound, "not_found")
	web.fail("mark_events_as_seen", obj{"chat_id": chatID, "seen_up_to": "yesterday"}, http.StatusBadRequest, "validation")
	// Greetings belong to an RTM connection (Parley shows none).
	web.fail("accept_greeting", obj{"greeting_id": 7, "unique_id": "u1"}, http.StatusNotFound, "not_found")
	web.fail("cancel_greeting", obj{"unique_id": "u1"}, http.StatusNotFound, "not_found")

	// Another customer's chat is not found, exactly as a missing one.
	stranger := webClient{t: t, srv: srv, token: srv.CustomerToken(t, newCustomerID())}
	stranger.fail("get_chat", obj{"chat_id": chatID}, http.StatusNotFound, "not_found")
	stranger.fail("send_event", obj{"chat_id": chatID, "event": message("intrusion")}, http.StatusNotFound, "not_found")

	// Tokens.
	(webClient{t: t, srv: srv}).fail("list_chats", obj{}, http.StatusUnauthorized, "authentication")
	(webClient{t: t, srv: srv, token: "garbage"}).fail("list_chats", obj{}, http.StatusUnauthorized, "authentication")
	agentTok := webClient{t: t, srv: srv, token: srv.AgentToken(t, parleytest.AgentEmail)}
	agentTok.fail("list_chats", obj{}, http.StatusUnauthorized, "authentication")
	expired, err := testSigner(t, srv).Issue(auth.Claims{Kind: auth.KindCustomer, LicenseID: srv.License, Subject: custID,
		IssuedAt: time.Now().Add(-2 * time.Hour), ExpiresAt: time.Now().Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	(webClient{t: t, srv: srv, token: expired}).fail("list_chats", obj{}, http.StatusUnauthorized, "authentication")

	// Organizations.
	err = srv.Store().PutLicense(context.Background(), chat.License{ID: 456, Name: "Other", OrganizationID: "0b9f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4", CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	call := func(org string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v3.5/customer/action/list_chats?"+org, strings.NewReader(`{}`))
		req.Header.Set("Authorization", "Bearer "+web.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	for _, tc := range []struct {
		query  string
		status int
		typ    string
	}{
		{"", http.StatusBadRequest, "validation"},
		{"organization_id=11111111-2222-4333-8444-555555555555", http.StatusNotFound, "license_not_found"},
		{"organization_id=0b9f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4", http.StatusUnauthorized, "authentication"},
	} {
		status, m := call(tc.query)
		e, _ := m["error"].(map[string]any)
		if status != tc.status || e == nil || e["type"] != tc.typ {
			t.Errorf("?%s: %d %v, want %d %s", tc.query, status, m, tc.status, tc.typ)
		}
	}

	// A banned customer.
	if err := srv.BanCustomer(custID); err != nil {
		t.Fatal(err)
	}
	web.fail("list_chats", obj{}, http.StatusForbidden, "customer_banned")

}
