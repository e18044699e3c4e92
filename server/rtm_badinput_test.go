package server_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
)

// TestBadInput sends what a broken or hostile client might. Every bad frame
// gets the protocol's error response ({"type":"response","success":false,
// "payload":{"error":{"type","message"}}}), addressed to its request_id when
// the server can read one, and the connection stays usable: each case ends
// with a request that succeeds.
func TestBadInput(t *testing.T) {
	srv := parleytest.NewServer(t)

	// rawCase sends a raw frame on a logged-in connection and checks the
	// error response: its type, and its request_id and action (nil: the
	// response has no request_id).
	type rawCase struct {
		name    string
		frame   string
		errType string
		rid     *string
		action  string
	}
	str := func(s string) *string { return &s }
	cases := []rawCase{
		{"truncated JSON", `{"request_id":"bad-1","action":"get_chats_summary",`, protocol.ErrValidation, str("bad-1"), "get_chats_summary"},
		{"truncated JSON, id only", `{"request_id":"bad-2"`, protocol.ErrValidation, str("bad-2"), ""},
		{"not JSON", `hello`, protocol.ErrValidation, nil, ""},
		{"open brace", `{`, protocol.ErrValidation, nil, ""},
		{"empty message", ``, protocol.ErrValidation, nil, ""},
		{"whitespace", " \n\t ", protocol.ErrValidation, nil, ""},
		{"JSON array", `[{"request_id":"arr","action":"get_chats_summary"}]`, protocol.ErrValidation, nil, ""},
		{"SockJS-framed request", `["{\"request_id\":\"sj\",\"action\":\"get_chats_summary\"}"]`, protocol.ErrValidation, nil, ""},
		{"JSON number", `42`, protocol.ErrValidation, nil, ""},
		{"JSON string", `"get_chats_summary"`, protocol.ErrValidation, nil, ""},
		{"JSON null", `null`, protocol.ErrValidation, nil, ""},
		{"JSON true", `true`, protocol.ErrValidation, nil, ""},
		{"trailing garbage", `{"request_id":"tg","action":"get_chats_summary"} x`, protocol.ErrValidation, str("tg"), "get_chats_summary"},
		{"missing action", `{"request_id":"ma","payload":{}}`, protocol.ErrValidation, str("ma"), ""},
		{"empty action", `{"request_id":"ea","action":""}`, protocol.ErrValidation, str("ea"), ""},
		{"null action", `{"request_id":"na","action":null}`, protocol.ErrValidation, str("na"), ""},
		{"numeric action", `{"request_id":"nu","action":5}`, protocol.ErrValidation, str("nu"), ""},
		{"unknown action", `{"request_id":"ua","action":"make_coffee","payload":{}}`, protocol.ErrValidation, str("ua"), "make_coffee"},
		{"agent action", `{"request_id":"ag","action":"join_chat","payload":{"chat_id":"X"}}`, protocol.ErrValidation, str("ag"), "join_chat"},
		{"request_id object", `{"request_id":{"a":1},"action":"get_chats_summary"}`, protocol.ErrValidation, nil, ""},
		{"payload array", `{"request_id":"pa","action":"get_chats_summary","payload":[1]}`, protocol.ErrValidation, str("pa"), "get_chats_summary"},
		{"payload string", `{"request_id":"ps","action":"get_chats_summary","payload":"x"}`, protocol.ErrValidation, str("ps"), "get_chats_summary"},
		{"payload number", `{"request_id":"pn","action":"get_chats_summary","payload":1}`, protocol.ErrValidation, str("pn"), "get_chats_summary"},
		{"limit as string", `{"request_id":"ls","action":"get_chats_summary","payload":{"limit":"5"}}`, protocol.ErrValidation, str("ls"), "get_chats_summary"},
		{"limit as float", `{"request_id":"lf","action":"get_chats_summary","payload":{"limit":2.5}}`, protocol.ErrValidation, str("lf"), "get_chats_summary"},
		{"chat_id as number", `{"request_id":"cn","action":"send_event","payload":{"chat_id":12,"event":{"type":"message","text":"x"}}}`, protocol.ErrValidation, str("cn"), "send_event"},
		{"event as string", `{"request_id":"es","action":"send_event","payload":{"chat_id":"X","event":"hello"}}`, protocol.ErrValidation, str("es"), "send_event"},
		{"thread_ids as string", `{"request_id":"ts","action":"get_chat_threads","payload":{"chat_id":"X","thread_ids":"T"}}`, protocol.ErrValidation, str("ts"), "get_chat_threads"},
		{"fields not strings", `{"request_id":"fs","action":"set_customer_fields","payload":{"fields":{"a":1}}}`, protocol.ErrValidation, str("fs"), "set_customer_fields"},
		{"properties not an object", `{"request_id":"po","action":"update_chat_properties","payload":{"chat_id":"X","properties":[1]}}`, protocol.ErrValidation, str("po"), "update_chat_properties"},
		{"property namespace not an object", `{"request_id":"pn2","action":"update_chat_properties","payload":{"chat_id":"X","properties":{"ns":1}}}`, protocol.ErrValidation, str("pn2"), "update_chat_properties"},
		{"deleted names not a list", `{"request_id":"dn","action":"delete_chat_properties","payload":{"chat_id":"X","properties":{"ns":"a"}}}`, protocol.ErrValidation, str("dn"), "delete_chat_properties"},
		{"timestamp as string", `{"request_id":"tsx","action":"update_last_seen_timestamp","payload":{"chat_id":"X","timestamp":"now"}}`, protocol.ErrValidation, str("tsx"), "update_last_seen_timestamp"},
		{"deep nesting", `{"request_id":"dp","action":"get_chats_summary","payload":{"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}`, protocol.ErrValidation, str("dp"), "get_chats_summary"},
		{"missing chat_id", `{"request_id":"mc","action":"send_event","payload":{"event":{"type":"message","text":"x"}}}`, protocol.ErrValidation, str("mc"), "send_event"},
		{"missing event type", `{"request_id":"mt","action":"start_chat","payload":{"chat":{"thread":{"events":[{"text":"x"}]}}}}`, protocol.ErrValidation, str("mt"), "start_chat"},
		{"empty message text", `{"request_id":"et","action":"start_chat","payload":{"chat":{"thread":{"events":[{"type":"message","text":""}]}}}}`, protocol.ErrValidation, str("et"), "start_chat"},
		{"limit above 25", `{"request_id":"l26","action":"get_chats_summary","payload":{"limit":26}}`, protocol.ErrValidation, str("l26"), "get_chats_summary"},
		{"negative offset", `{"request_id":"no","action":"get_chats_summary","payload":{"offset":-1}}`, protocol.ErrValidation, str("no"), "get_chats_summary"},
		{"offset above 100", `{"request_id":"o101","action":"get_chats_summary","payload":{"offset":101}}`, protocol.ErrValidation, str("o101"), "get_chats_summary"},
		{"invalid UTF-8", "{\"request_id\":\"u8\",\"action\":\"get_chats_summary\",\"payload\":{\"x\":\"\xff\xfe\"}}", "", str("u8"), "get_chats_summary"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := newCustomer(t, srv)
			c.mustSendRaw([]byte(tc.frame))
			f := c.nextResponse()
			if tc.errType == "" {
				// Not an error: the server may accept it; it must answer.
				if f.rid() != *tc.rid {
					t.Errorf("response %s, want request_id %q", f, *tc.rid)
				}
				c.sync()
				return
			}
			e := c.checkError(f)
			if e.Type != tc.errType {
				t.Errorf("error %+v, want type %s", e, tc.errType)
			}
			switch {
			case tc.rid == nil && f.RequestID != nil:
				t.Errorf("response %s has a request_id, want none", f)
			case tc.rid != nil && f.rid() != *tc.rid:
				t.Errorf("response %s, want request_id %q", f, *tc.rid)
			}
			if f.Action != tc.action {
				t.Errorf("response action %q, want %q", f.Action, tc.action)
			}
			c.sync()
		})
	}

	t.Run("numeric request_id", func(t *testing.T) {
		t.Parallel()
		c, _ := newCustomer(t, srv)
		c.mustSendRaw([]byte(`{"request_id":7,"action":"get_chats_summary"}`))
		if f := c.waitResponse("7"); !*f.Success {
			t.Errorf("numeric request id: %s", f)
		}
	})

	t.Run("oversized frame", func(t *testing.T) {
		t.Parallel()
		c, _ := newCustomer(t, srv)
		ct := c.startChat("hi")
		big := strings.Repeat("x", protocol.MaxFrameBytes)
		// request_id first, as the SDK writes it.
		c.mustSendRaw(encodeRequest("big-1", protocol.ActionSendEvent, obj{"chat_id": ct.Chat.ID, "event": message(big)}))
		f := c.waitResponse("big-1")
		if e := c.checkError(f); e.Type != protocol.ErrValidation || f.Action != protocol.ActionSendEvent {
			t.Errorf("oversized frame: %s", f)
		}
		// request_id after the payload.
		frame := fmt.Sprintf(`{"action":"send_event","payload":{"chat_id":%q,"event":{"type":"message","text":%q}},"request_id":"big-2"}`, ct.Chat.ID, big)
		c.mustSendRaw([]byte(frame))
		if e := c.checkError(c.waitResponse("big-2")); e.Type != protocol.ErrValidation {
			t.Errorf("oversized frame, id last: %+v", e)
		}
		// Nothing was stored.
		ch := c.chatThreads(ct.Chat.ID, ct.Chat.Thread.ID)
		if n := len(ch.Chat.Threads[0].Events); n != 1 {
			t.Errorf("thread has %d events, want 1", n)
		}
		c.sendMessage(ct.Chat.ID, "still here")
	})

	// A WebSocket message above the transport's 1 MiB limit is not read
	// at all: the connection is closed with 1009 (message too big), as
	// RFC 6455 prescribes. The client reconnects; nothing else is lost.
	t.Run("message above 1 MiB", func(t *testing.T) {
		t.Parallel()
		c, custID := newCustomer(t, srv)
		c.sendRaw(encodeRequest("huge", protocol.ActionGetChatsSummary, obj{"x": strings.Repeat("y", 1<<20)})) //nolint:errcheck // the server may close first
		if code := c.waitClosed(); code != websocket.StatusMessageTooBig {
			t.Errorf("close status %v, want %v", code, websocket.StatusMessageTooBig)
		}
		// The customer can connect again.
		connectCustomer(t, srv, custID).sync()
	})

	t.Run("requests before login", func(t *testing.T) {
		t.Parallel()
		c := dial(t, "customer", customerURL(srv), "customer")
		for _, action := range []string{protocol.ActionGetChatsSummary, protocol.ActionStartChat, protocol.ActionSendEvent, protocol.ActionUpdateCustomer} {
			f := c.request(action, obj{})
			if e := c.checkError(f); e.Type != protocol.ErrAuthentication {
				t.Errorf("%s before login: %+v, want %s", action, e, protocol.ErrAuthentication)
			}
		}
		c.login(srv.CustomerToken(t, newCustomerID()))
		c.startChat("now logged in")
	})

	t.Run("bad tokens", func(t *testing.T) {
		t.Parallel()
		id := newCustomerID()
		now := time.Now()
		expired, err := testSigner(t, srv).Issue(auth.Claims{Kind: auth.KindCustomer, LicenseID: srv.License, Subject: id,
			IssuedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		other, err := auth.NewSigner(key)
		if err != nil {
			t.Fatal(err)
		}
		forged, err := other.Issue(auth.Claims{Kind: auth.KindCustomer, LicenseID: srv.License, Subject: id, IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		valid := srv.CustomerToken(t, id)
		tampered := valid[:len(valid)-2] + flip(valid[len(valid)-2:])
		otherLicense, err := srv.IssueCustomerToken(999, id, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		c := dial(t, "customer", customerURL(srv), "customer")
		for _, tc := range []struct{ name, token string }{
			{"expired", "Bearer " + expired},
			{"forged", "Bearer " + forged},
			{"tampered", "Bearer " + tampered},
			{"agent token", "Bearer " + srv.AgentToken(t, parleytest.AgentEmail)},
			{"other license", "Bearer " + otherLicense},
			{"no Bearer", valid},
			{"Basic", "Basic " + valid},
			{"garbage", "Bearer garbage"},
			{"empty", ""},
		} {
			if e := c.fail(protocol.ActionLogin, obj{"token": tc.token}); e.Type != protocol.ErrAuthentication {
				t.Errorf("%s: %+v, want %s", tc.name, e, protocol.ErrAuthentication)
			}
		}
		if e := c.fail(protocol.ActionLogin, obj{}); e.Type != protocol.ErrAuthentication {
			t.Errorf("no token: %+v", e)
		}
		if e := c.fail(protocol.ActionLogin, nil); e.Type != protocol.ErrAuthentication {
			t.Errorf("no payload: %+v", e)
		}
		// Still not logged in.
		if e := c.fail(protocol.ActionGetChatsSummary, nil); e.Type != protocol.ErrAuthentication {
			t.Errorf("after failed logins: %+v", e)
		}
		// The same connection logs in with a good token.
		c.login(valid)
		c.startChat("in")
	})

	t.Run("banned customer", func(t *testing.T) {
		t.Parallel()
		c, id := newCustomer(t, srv)
		c.startChat("before the ban")
		banned := true
		if _, err := srv.Store().UpdateCustomer(context.Background(), srv.License, id, chat.CustomerUpdate{Banned: &banned}); err != nil {
			t.Fatal(err)
		}
		c2 := dial(t, "banned", customerURL(srv), "customer")
		if e := c2.fail(protocol.ActionLogin, obj{"token": "Bearer " + srv.CustomerToken(t, id)}); e.Type != protocol.ErrCustomerBanned {
			t.Errorf("banned customer's login: %+v, want %s", e, protocol.ErrCustomerBanned)
		}
		if e := c2.fail(protocol.ActionGetChatsSummary, nil); e.Type != protocol.ErrAuthentication {
			t.Errorf("after a refused login: %+v", e)
		}
		c2.ok(protocol.ActionPing, nil)
	})

	t.Run("wrong license_id in URL", func(t *testing.T) {
		t.Parallel()
		for _, lic := range []string{"999", "abc"} {
			c := dial(t, "customer", wsURL(srv, customerPath, url.Values{"license_id": {lic}}), "customer")
			if e := c.fail(protocol.ActionLogin, obj{"token": "Bearer " + srv.CustomerToken(t, newCustomerID())}); e.Type != protocol.ErrAuthentication {
				t.Errorf("license_id=%s: %+v, want %s", lic, e, protocol.ErrAuthentication)
			}
			// The connection stays.
			c.ok(protocol.ActionPing, nil)
		}
	})

	t.Run("another customer's chat", func(t *testing.T) {
		t.Parallel()
		owner, _ := newCustomer(t, srv)
		ct := owner.startChat("mine")
		chatID, threadID := ct.Chat.ID, ct.Chat.Thread.ID
		eventID := ct.Chat.Thread.Events[0].ID
		intruder, _ := newCustomer(t, srv)
		own := intruder.startChat("intruder's own")
		// A missing chat id that looks like a real one.
		missing := "0123456789"
		requests := []struct {
			action  string
			payload func(chatID string) obj
		}{
			{protocol.ActionSendEvent, func(id string) obj { return obj{"chat_id": id, "event": message("hi")} }},
			{protocol.ActionGetChatThreads, func(id string) obj { return obj{"chat_id": id, "thread_ids": []string{threadID}} }},
			{protocol.ActionGetChatThreadsSummary, func(id string) obj { return obj{"chat_id": id} }},
			{protocol.ActionCloseThread, func(id string) obj { return obj{"chat_id": id} }},
			{protocol.ActionActivateChat, func(id string) obj { return obj{"chat": obj{"id": id}} }},
			{protocol.ActionUpdateChatProperties, func(id string) obj { return obj{"chat_id": id, "properties": obj{"a": obj{"b": 1}}} }},
			{protocol.ActionUpdateChatThreadProperties, func(id string) obj {
				return obj{"chat_id": id, "thread_id": threadID, "properties": obj{"a": obj{"b": 1}}}
			}},
			{protocol.ActionUpdateEventProperties, func(id string) obj {
				return obj{"chat_id": id, "thread_id": threadID, "event_id": eventID, "properties": obj{"a": obj{"b": 1}}}
			}},
			{protocol.ActionDeleteChatProperties, func(id string) obj { return obj{"chat_id": id, "properties": obj{"a": []string{"b"}}} }},
			{protocol.ActionDeleteChatThreadProperties, func(id string) obj {
				return obj{"chat_id": id, "thread_id": threadID, "properties": obj{"a": []string{"b"}}}
			}},
			{protocol.ActionSendSneakPeek, func(id string) obj { return obj{"chat_id": id, "sneak_peek_text": "x"} }},
			{protocol.ActionUpdateLastSeenTimestamp, func(id string) obj { return obj{"chat_id": id} }},
			{protocol.ActionSendRichMessagePostback, func(id string) obj {
				return obj{"chat_id": id, "thread_id": threadID, "event_id": eventID, "postback": obj{"id": "p", "toggled": true}}
			}},
		}
		for _, r := range requests {
			theirs := intruder.fail(r.action, r.payload(chatID))
			none := intruder.fail(r.action, r.payload(missing))
			if !sameError(theirs, none) {
				t.Errorf("%s: another customer's chat answers %+v, a missing chat %+v", r.action, theirs, none)
			}
			if theirs.Type != protocol.ErrNotFound {
				t.Errorf("%s: %+v, want %s", r.action, theirs, protocol.ErrNotFound)
			}
		}
		// Another customer's thread inside one's own chat is missing too.
		theirs := intruder.fail(protocol.ActionGetChatThreads, obj{"chat_id": own.Chat.ID, "thread_ids": []string{threadID}})
		none := intruder.fail(protocol.ActionGetChatThreads, obj{"chat_id": own.Chat.ID, "thread_ids": []string{"0123456789"}})
		if !sameError(theirs, none) {
			t.Errorf("another customer's thread: %+v, a missing one: %+v", theirs, none)
		}
		theirs = intruder.fail(protocol.ActionUpdateEventProperties, obj{"chat_id": own.Chat.ID, "thread_id": threadID, "event_id": eventID, "properties": obj{"a": obj{"b": 1}}})
		none = intruder.fail(protocol.ActionUpdateEventProperties, obj{"chat_id": own.Chat.ID, "thread_id": "0123456789", "event_id": "012345678901", "properties": obj{"a": obj{"b": 1}}})
		if !sameError(theirs, none) {
			t.Errorf("another customer's event: %+v, a missing one: %+v", theirs, none)
		}
		// The owner's chat is untouched and its owner heard nothing (but
		// its place in the queue, which the other tests' chats move).
		owner.noPush("", forChat(chatID), func(f frame) bool { return f.Action != protocol.PushQueuePositionUpdated })
		ch := owner.chatThreads(chatID, threadID)
		th := ch.Chat.Threads[0]
		if len(th.Events) != 1 || !th.Active || !jsonEqual(t, ch.Chat.Properties, `{}`) || !jsonEqual(t, th.Properties, `{}`) {
			t.Errorf("the owner's chat changed: %+v", ch)
		}
		if th.Events[0].Properties != nil && !jsonEqual(t, th.Events[0].Properties, `{}`) {
			t.Errorf("the owner's event changed: %+v", th.Events[0])
		}
		intruder.sync()
	})

	t.Run("limits", func(t *testing.T) {
		t.Parallel()
		c, _ := newCustomer(t, srv)
		ct := c.startChat("hi")
		chatID := ct.Chat.ID
		// get_chats_summary: at most 25.
		c.ok(protocol.ActionGetChatsSummary, obj{"limit": 25})
		if e := c.fail(protocol.ActionGetChatsSummary, obj{"limit": 26}); e.Type != protocol.ErrValidation {
			t.Errorf("limit 26: %+v", e)
		}
		// get_chat_threads_summary: at most 100.
		c.ok(protocol.ActionGetChatThreadsSummary, obj{"chat_id": chatID, "limit": 100})
		if e := c.fail(protocol.ActionGetChatThreadsSummary, obj{"chat_id": chatID, "limit": 101}); e.Type != protocol.ErrValidation {
			t.Errorf("threads limit 101: %+v", e)
		}
		// Message text: at most 16 KB of UTF-8.
		c.sendMessage(chatID, strings.Repeat("é", 16<<10/2))
		for _, text := range []string{strings.Repeat("a", 16<<10+1), strings.Repeat("é", 16<<10/2) + "a"} {
			if e := c.fail(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message(text)}); e.Type != protocol.ErrValidation {
				t.Errorf("text of %d bytes: %+v", len(text), e)
			}
		}
		if e := c.fail(protocol.ActionStartChat, obj{"chat": obj{"thread": obj{"events": []any{message(strings.Repeat("a", 16<<10+1))}}}}); e.Type != protocol.ErrValidation {
			t.Errorf("start_chat with a long text: %+v", e)
		}
		// Event types a customer may not send.
		for _, ev := range []obj{
			{"type": "rich_message", "template_id": "cards", "elements": []any{obj{"title": "x"}}},
			{"type": "system_message", "text": "I am the system", "system_message_type": "manual_archived_agent"},
			{"type": "annotation", "text": "x", "annotation_type": "rating"},
			{"type": "file", "url": "https://evil.example/x.png", "name": "x.png"},
			{"type": "banana"},
			{"type": ""},
		} {
			if e := c.fail(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": ev}); e.Type != protocol.ErrValidation {
				t.Errorf("customer sends %v: %+v, want validation", ev["type"], e)
			}
			if e := c.fail(protocol.ActionStartChat, obj{"chat": obj{"thread": obj{"events": []any{ev}}}}); e.Type != protocol.ErrValidation {
				t.Errorf("customer starts a chat with %v: %+v, want validation", ev["type"], e)
			}
		}
		// Other sizes.
		for _, r := range []struct {
			action  string
			payload obj
		}{
			{protocol.ActionSendEvent, obj{"chat_id": chatID, "event": obj{"type": "message", "text": "x", "custom_id": strings.Repeat("c", 257)}}},
			{protocol.ActionSendSneakPeek, obj{"chat_id": chatID, "sneak_peek_text": strings.Repeat("s", 16<<10+1)}},
			{protocol.ActionUpdateChatProperties, obj{"chat_id": chatID, "properties": obj{"ns": obj{"big": strings.Repeat("p", 32<<10)}}}},
			{protocol.ActionGetChatThreads, obj{"chat_id": chatID, "thread_ids": make([]string, 101)}},
			{protocol.ActionUpdateCustomer, obj{"name": strings.Repeat("n", 513)}},
			{protocol.ActionUpdateCustomerPage, obj{"url": "https://x.example/" + strings.Repeat("u", 4096), "title": "t"}},
		} {
			if e := c.fail(r.action, r.payload); e.Type != protocol.ErrValidation {
				t.Errorf("%s too large: %+v, want validation", r.action, e)
			}
		}
		ch := c.chatThreads(chatID, ct.Chat.Thread.ID)
		if n := len(ch.Chat.Threads[0].Events); n != 2 {
			t.Errorf("thread has %d events, want 2", n)
		}
		if !jsonEqual(t, ch.Chat.Properties, `{}`) {
			t.Errorf("chat properties = %s", ch.Chat.Properties)
		}
	})
}

// sameError reports whether two errors are the same on the wire.
func sameError(a, b protocol.Error) bool {
	return a.Type == b.Type && a.Message == b.Message && fmt.Sprint(a.Data) == fmt.Sprint(b.Data)
}

// flip changes a token's last characters so that its signature breaks.
func flip(s string) string {
	b := []byte(s)
	for i := range b {
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
	}
	return string(b)
}

// TestBadInputPipelined sends every bad frame at once, then a good request:
// the answers come in order, one per frame that has a request_id, and the
// good request is answered last.
func TestBadInputPipelined(t *testing.T) {
	srv := parleytest.NewServer(t)
	c, _ := newCustomer(t, srv)
	frames := []string{
		`{"request_id":"p1","action":"nope"}`,
		`[]`,
		`{"request_id":"p2","action":"get_chats_summary","payload":{"limit":"x"}}`,
		`{"action": "ping"}`,
		`{"request_id":"p3","action":"send_event","payload":{"chat_id":1}}`,
		`{"request_id":"p4","action":"ping"}`,
		`{"request_id":"p5","action":"get_chats_summary"}`,
	}
	for _, f := range frames {
		c.mustSendRaw([]byte(f))
	}
	var got []string
	for range 6 {
		f := c.nextResponse()
		got = append(got, fmt.Sprintf("%s:%v", f.rid(), *f.Success))
	}
	want := []string{"p1:false", ":false", "p2:false", "p3:false", "p4:true", "p5:true"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("responses %v, want %v", got, want)
	}
	c.sync()
	var extra []string
	c.mu.Lock()
	for _, f := range c.responses {
		extra = append(extra, f.String())
	}
	c.mu.Unlock()
	if len(extra) > 0 {
		t.Errorf("unexpected responses: %s", strings.Join(extra, "\n"))
	}
}

// TestUnreadResponses: a client that sends requests but never reads the
// answers is dropped once a write to it times out, and nothing of its
// session is left behind: the server still shuts down cleanly.
func TestUnreadResponses(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the server's write timeout")
	}
	srv := parleytest.NewServer(t)
	c, custID := newCustomer(t, srv)
	ct := c.startChat(strings.Repeat("x", 16<<10))

	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, customerURL(srv), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	if err := ws.Write(ctx, websocket.MessageText, encodeRequest("login", protocol.ActionLogin, obj{"token": "Bearer " + srv.CustomerToken(t, custID)})); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ws.Read(ctx); err != nil {
		t.Fatal(err)
	}
	// Requests until the answers (16 KiB each, or a short
	// too_many_requests past the requests in flight) fill the socket
	// buffers and the session's queue (1024 frames); nothing is read from
	// here on. The server drops the connection when a write times out:
	// from then on writes fail here.
	req := encodeRequest("r", protocol.ActionGetChatThreads, obj{"chat_id": ct.Chat.ID, "thread_ids": []string{ct.Chat.Thread.ID}})
	for ws.Write(ctx, websocket.MessageText, req) == nil {
		if ctx.Err() != nil {
			t.Fatal("the server never dropped a client that does not read")
		}
	}
	// Its session is gone too: shutdown does not wait for it.
	sctx, scancel := context.WithTimeout(context.Background(), waitTimeout)
	defer scancel()
	if err := srv.Server.Shutdown(sctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
}
