package chat_test

import (
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
