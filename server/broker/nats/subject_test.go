package nats

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestSubject(t *testing.T) {
	for _, c := range []struct{ prefix, topic, want string }{
		{"acme", "parley.user.1.c:42", "acme.parley.user.1.c:42"},
		{"", "parley.agents.3", "parley.agents.3"},
		{"a.b", "t", "a.b.t"},
		{"p", "", "p.%"},
		{"", "", "%"},
		{"p", "a..b.", "p.a.%.b.%"},
		{"p", "a b\tc\r\n", "p.a%20b%09c%0D%0A"},
		{"p", "*.>", "p.%2A.%3E"},
		{"p", "$SYS.x", "p.%24SYS.x"},
		{"p", "100%", "p.100%25"},
		{"p", "ü", "p.%C3%BC"},
		{"p", "a/b-c_d:e~f", "p.a/b-c_d:e~f"},
	} {
		got, err := subject(c.prefix, c.topic)
		if err != nil || got != c.want {
			t.Errorf("subject(%q, %q) = %q, %v; want %q", c.prefix, c.topic, got, err, c.want)
		}
	}
	if _, err := subject("p", strings.Repeat("x", MaxSubjectLen-2)); err != nil {
		t.Errorf("a subject of MaxSubjectLen bytes: %v", err)
	}
	if _, err := subject("p", strings.Repeat("x", MaxSubjectLen-1)); !errors.Is(err, ErrTopicTooLong) {
		t.Errorf("a subject of MaxSubjectLen+1 bytes: %v, want ErrTopicTooLong", err)
	}
	if _, err := subject("p", strings.Repeat(" ", MaxSubjectLen/3+1)); !errors.Is(err, ErrTopicTooLong) {
		t.Errorf("a topic that escapes past MaxSubjectLen bytes: %v, want ErrTopicTooLong", err)
	}
}

// FuzzSubject checks that every subject is valid for NATS and that the
// topic can be read back from it, so that no two topics share a subject.
func FuzzSubject(f *testing.F) {
	for _, s := range []string{"", ".", "a..b", "%", "%25", "a.*.>", "$SYS", "x y", "ü", "parley.user.1.c:42"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, topic string) {
		subj, err := subject("pre.fix", topic)
		if errors.Is(err, ErrTopicTooLong) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		rest, ok := strings.CutPrefix(subj, "pre.fix.")
		if !ok {
			t.Fatalf("subject %q lacks the prefix", subj)
		}
		var parts []string
		for tok := range strings.SplitSeq(rest, ".") {
			if tok == "" || strings.ContainsFunc(tok, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == '*' || r == '>' }) {
				t.Fatalf("subject %q of topic %q has token %q", subj, topic, tok)
			}
			parts = append(parts, unescape(t, tok))
		}
		if back := strings.Join(parts, "."); back != topic {
			t.Fatalf("subject %q of topic %q reads back as %q", subj, topic, back)
		}
	})
}

// unescape reads one token of a subject back.
func unescape(t *testing.T, tok string) string {
	if tok == "%" {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(tok); i++ {
		if tok[i] != '%' {
			b.WriteByte(tok[i])
			continue
		}
		if i+3 > len(tok) {
			t.Fatalf("token %q: %% at the end", tok)
		}
		c, err := strconv.ParseUint(tok[i+1:i+3], 16, 8)
		if err != nil {
			t.Fatalf("token %q: %v", tok, err)
		}
		b.WriteByte(byte(c))
		i += 2
	}
	return b.String()
}
