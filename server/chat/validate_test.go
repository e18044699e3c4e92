package chat_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

// TestStripBidi: every bidirectional control goes, nothing else.
func TestStripBidi(t *testing.T) {
	for in, want := range map[string]string{
		"invoice\u202Efdp.exe":                        "invoicefdp.exe",
		"\u202A\u202B\u202C\u202D\u202Ea":             "a",
		"\u2066\u2067\u2068\u2069b":                   "b",
		"c\u200E\u200F\u061C":                         "c",
		"report (final) — ünïcode ✓ עברית.pdf":        "report (final) — ünïcode ✓ עברית.pdf",
		"zero\u200Bwidth space and joiner\u200D stay": "zero\u200Bwidth space and joiner\u200D stay",
	} {
		if got := chat.StripBidi(in); got != want {
			t.Errorf("StripBidi(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCustomerDataLimits: the same checks at login and in the updates,
// at the limits and one past them.
func TestCustomerDataLimits(t *testing.T) {
	e := newEnv(t, 0)
	cu := e.customer("cu")
	str := func(s string) *string { return &s }
	long := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = 'x'
		}
		return string(b)
	}
	for _, tc := range []struct {
		what string
		u    chat.CustomerUpdate
		ok   bool
	}{
		{"name at the limit", chat.CustomerUpdate{Name: str(long(chat.MaxCustomerNameBytes))}, true},
		{"name past the limit", chat.CustomerUpdate{Name: str(long(chat.MaxCustomerNameBytes + 1))}, false},
		{"field value at the limit", chat.CustomerUpdate{Fields: map[string]string{"k": long(chat.MaxFieldValueBytes)}}, true},
		{"field value past the limit", chat.CustomerUpdate{Fields: map[string]string{"k": long(chat.MaxFieldValueBytes + 1)}}, false},
		{"empty field name", chat.CustomerUpdate{Fields: map[string]string{"": "v"}}, false},
		{"https avatar", chat.CustomerUpdate{Avatar: str("https://cdn.example.com/a.png")}, true},
		{"HTTPS avatar", chat.CustomerUpdate{Avatar: str("HTTPS://cdn.example.com/a.png")}, true},
		{"no avatar", chat.CustomerUpdate{Avatar: str("")}, true},
		{"http avatar", chat.CustomerUpdate{Avatar: str("http://cdn.example.com/a.png")}, false},
		{"avatar without a host", chat.CustomerUpdate{Avatar: str("https:/a.png")}, false},
		{"relative avatar", chat.CustomerUpdate{Avatar: str("/a.png")}, false},
		{"referrer javascript:", chat.CustomerUpdate{Referrer: str("javascript:alert(1)")}, false},
	} {
		_, err := e.svc.UpdateCustomer(e.ctx, cu, tc.u)
		_, lerr := e.svc.LoginCustomer(e.ctx, license, "cu", chat.LoginInfo{Name: tc.u.Name, Avatar: tc.u.Avatar, Fields: tc.u.Fields, Referrer: tc.u.Referrer})
		for what, err := range map[string]error{"update_customer": err, "login": lerr} {
			if tc.ok && err != nil {
				t.Errorf("%s with %s: %v", what, tc.what, err)
			}
			if !tc.ok {
				wantErr(t, err, chat.ErrInvalid, what+" with "+tc.what)
			}
		}
	}
	for _, url := range []string{"javascript:alert(1)", "file:///etc/passwd", "ftp://x.example/"} {
		_, err := e.svc.UpdateCustomerPage(e.ctx, cu, chat.Page{URL: url})
		wantErr(t, err, chat.ErrInvalid, "update_customer_page "+url)
		_, err = e.svc.LoginCustomer(e.ctx, license, "cu", chat.LoginInfo{Page: &chat.Page{URL: url}})
		wantErr(t, err, chat.ErrInvalid, "login on page "+url)
	}
}

// TestNULRefused: U+0000 anywhere in what a user sends, as a byte or as
// the JSON escape, is refused with ErrInvalid before anything is stored or
// told; other text, a backslash before "u0000" included, passes.
func TestNULRefused(t *testing.T) {
	e := newEnv(t, 0)
	chatID := e.startChat("cu")
	cu := chat.Actor{LicenseID: license, UserID: "cu", Type: chat.UserCustomer}
	ag := e.agentAs(chat.RoleOwner, "owner@example.com", 0)
	e.must(e.svc.JoinChat(e.ctx, ag, chatID), "JoinChat")
	c, err := e.store.Chat(e.ctx, chatID)
	e.must(err, "Chat")
	threadID := c.LastThreadID
	e.rec.reset()

	str := func(s string) *string { return &s }
	props := func(v any) chat.Properties { return chat.Properties{"ns": {"k": v}} }
	withEvent := func(f func(*chat.Event)) chat.Event {
		ev := message("hi")
		f(&ev)
		return ev
	}
	richMessage := func(elements string) chat.Event {
		return chat.Event{Type: chat.EventRichMessage, Elements: json.RawMessage(elements)}
	}
	custom := func(content string) chat.Event {
		return chat.Event{Type: chat.EventCustom, Content: json.RawMessage(content)}
	}
	send := func(a chat.Actor, ev chat.Event) func() error {
		return func() error { _, err := e.svc.SendEvent(e.ctx, a, chatID, ev, false); return err }
	}
	refused := map[string]func() error{
		"message text": send(cu, message("a\x00b")),
		"custom_id":    send(cu, withEvent(func(ev *chat.Event) { ev.CustomID = "id\x00" })),
		"event property value": send(cu, withEvent(func(ev *chat.Event) {
			ev.Properties = props([]any{map[string]any{"deep": "\x00"}})
		})),
		"event property name": send(cu, withEvent(func(ev *chat.Event) {
			ev.Properties = chat.Properties{"ns": {"k\x00": 1.0}}
		})),
		"rich message elements, escaped":    send(ag, richMessage(`[{"title":"t\u0000","buttons":[{"text":"ok","postback_id":"p"}]}]`)),
		"custom event content, escaped":     send(cu, custom(`{"a":"\u0000"}`)),
		"escape after an escaped backslash": send(cu, custom(`{"a":"\\\u0000"}`)),
		"filled form fields, escaped": send(cu, chat.Event{Type: chat.EventFilledForm,
			Fields: json.RawMessage(`[{"type":"name","answer":"x\u0000"}]`)}),
		"chat_id": func() error { _, err := e.svc.SendEvent(e.ctx, cu, chatID+"\x00", message("hi"), false); return err },
		"start_chat event": func() error {
			_, _, err := e.svc.StartChat(e.ctx, cu, chat.StartChat{Events: []chat.Event{message("\x00")}})
			return err
		},
		"start_chat properties": func() error {
			_, _, err := e.svc.StartChat(e.ctx, cu, chat.StartChat{Properties: props("\x00")})
			return err
		},
		"start_chat thread properties": func() error {
			_, _, err := e.svc.StartChat(e.ctx, cu, chat.StartChat{ThreadProperties: props("\x00")})
			return err
		},
		"update_chat_properties": func() error {
			return e.svc.UpdateProperties(e.ctx, cu, chat.PropertyTarget{ChatID: chatID}, props("\x00"))
		},
		"update_thread_properties thread_id": func() error {
			return e.svc.UpdateProperties(e.ctx, cu, chat.PropertyTarget{ChatID: chatID, ThreadID: threadID + "\x00"}, props("v"))
		},
		"delete_chat_properties": func() error {
			return e.svc.DeleteProperties(e.ctx, cu, chat.PropertyTarget{ChatID: chatID}, chat.PropertyNames{"ns": {"k\x00"}})
		},
		"get_chat thread_ids": func() error {
			_, err := e.svc.ChatThreads(e.ctx, cu, chatID, []string{"t\x00"}, nil, nil)
			return err
		},
		"update_customer name": func() error {
			_, err := e.svc.UpdateCustomer(e.ctx, cu, chat.CustomerUpdate{Name: str("Ann\x00")})
			return err
		},
		"set_customer_fields name": func() error {
			_, err := e.svc.UpdateCustomer(e.ctx, cu, chat.CustomerUpdate{Fields: map[string]string{"k\x00": "v"}})
			return err
		},
		"login email": func() error {
			_, err := e.svc.LoginCustomer(e.ctx, license, "cu", chat.LoginInfo{Email: str("a\x00@example.com")})
			return err
		},
		"update_customer_page title": func() error {
			_, err := e.svc.UpdateCustomerPage(e.ctx, cu, chat.Page{URL: "https://shop.example/", Title: "\x00"})
			return err
		},
		"side storage": func() error {
			return e.svc.SetCustomerSideStorage(e.ctx, cu, map[string]string{"k": "\x00"})
		},
		"postback id": func() error {
			return e.svc.SendPostback(e.ctx, cu, chat.Postback{ChatID: chatID, ThreadID: threadID, EventID: "e", ID: "p\x00"})
		},
		"sneak peek": func() error { return e.svc.SneakPeek(e.ctx, cu, chatID, "typing\x00") },
		"get_customer customer_id": func() error {
			_, err := e.svc.Customer(e.ctx, ag, "cu\x00")
			return err
		},
		"ban_customer customer_id": func() error { return e.svc.BanCustomer(e.ctx, ag, "cu\x00", 1) },
		"transfer_chat agent id": func() error {
			return e.svc.TransferChat(e.ctx, ag, chatID, chat.TransferTarget{Type: chat.TransferToAgent, AgentID: "x\x00"})
		},
		"remove_user_from_chat user_id": func() error { return e.svc.LeaveChat(e.ctx, ag, chatID, "x\x00") },
	}
	for what, do := range refused {
		err := do()
		wantErr(t, err, chat.ErrInvalid, what)
		if err != nil && !strings.Contains(err.Error(), "U+0000") {
			t.Errorf("%s: error %q does not name U+0000", what, err)
		}
	}
	if n := len(e.rec.all()); n != 0 {
		t.Errorf("%d notifications after refused requests, want none", n)
	}
	got, err := e.store.Customer(e.ctx, license, "cu")
	e.must(err, "Customer")
	if got.Name != "" || got.Email != "" || len(got.Fields) != 0 || len(got.SideStorage) != 0 || got.Page != nil {
		t.Errorf("customer after refused updates: %+v, want it unchanged", got)
	}
	chats, _, err := e.store.Chats(e.ctx, chat.ChatFilter{LicenseID: license, CustomerID: "cu"}, 0, 0)
	e.must(err, "Chats")
	if len(chats) != 1 || len(chats[0].Properties) != 0 {
		t.Errorf("chats of the customer after refused requests: %+v, want the one, without properties", chats)
	}

	for what, ev := range map[string]chat.Event{
		"a backslash before u0000":     message(`C:\u0000`),
		"an escaped backslash in JSON": custom(`{"path":"C:\\u0000"}`),
		"other control characters":     message("bell\x07 tab\t"),
		"an escaped \\u0001 in JSON":   custom(`{"a":"\u0001"}`),
	} {
		r, err := e.svc.SendEvent(e.ctx, cu, chatID, ev, false)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			continue
		}
		if r.Event.Text != ev.Text || string(r.Event.Content) != string(ev.Content) {
			t.Errorf("%s: stored %q %s, want %q %s", what, r.Event.Text, r.Event.Content, ev.Text, ev.Content)
		}
	}
}
