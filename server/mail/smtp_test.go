package mail

import (
	"strings"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		url, from string
		addr      string
		auth      bool
	}{
		{"smtp://mail.example:2525", "help@shop.example", "mail.example:2525", false},
		{"smtp://u:p@mail.example", "Shop <help@shop.example>", "mail.example:587", true},
	} {
		s, err := New(tc.url, tc.from)
		if err != nil || s.addr != tc.addr || (s.auth != nil) != tc.auth {
			t.Errorf("New(%q, %q) = %+v, %v", tc.url, tc.from, s, err)
		}
	}
	for _, bad := range [][2]string{{"http://mail.example", "a@b.c"}, {"smtp://", "a@b.c"}, {"smtp://mail.example", "not an address"}, {"smtp://mail.example", ""}} {
		if _, err := New(bad[0], bad[1]); err == nil {
			t.Errorf("New(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

// TestMessage: CRLF lines, a header injection attempt kept on one line, a
// non-ASCII subject encoded.
func TestMessage(t *testing.T) {
	got := string(message("Shop <help@shop.example>", chat.Mail{To: "ann@shop.test", Subject: "Re: Zażółć\r\nBcc: evil@x", Body: "Line one\nline two\r\n"}))
	head, body, ok := strings.Cut(got, "\r\n\r\n")
	if !ok {
		t.Fatalf("no header end:\n%q", got)
	}
	for _, line := range strings.Split(head, "\r\n") {
		if strings.HasPrefix(line, "Bcc:") {
			t.Errorf("a Bcc header line: %q", head)
		}
	}
	if !strings.Contains(head, "Subject: =?utf-8?q?Re:_Za=C5=BC") || !strings.Contains(head, "Content-Type: text/plain; charset=utf-8") {
		t.Errorf("header:\n%s", head)
	}
	if body != "Line one\r\nline two\r\n" {
		t.Errorf("body %q", body)
	}
}
