package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
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
	})
	step("list_chats", func(t *testing.T) {
		var r struct {
			ChatsSummary []struct {
				ID                string `json:"id"`
				LastThreadID      string `json:"last_thread_id"`
				Active            bool   `json:"active"`
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
