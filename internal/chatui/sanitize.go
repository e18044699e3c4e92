package chatui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// clean makes text from the network safe to print on a terminal: escape
// sequences (colours, cursor moves, window titles, hyperlinks, …) are
// removed, as are the control characters left over (C0 but newline and
// tab, DEL, C1) and the bidirectional overrides that could make text read
// differently from what it is. Invalid UTF-8 becomes U+FFFD. With
// multiline false, newlines become spaces too.
func clean(s string, multiline bool) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = ansi.Strip(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n':
			if multiline {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\t':
			b.WriteString("    ")
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			// A control character: dropped.
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			// A bidirectional embedding, override or isolate: dropped.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// line is clean for one-line text: names, file names, error messages.
func line(s string) string { return strings.TrimSpace(clean(s, false)) }

// errText is an error's message made safe to print (server errors carry
// text from the network).
func errText(err error) string {
	if err == nil {
		return ""
	}
	return line(err.Error())
}
