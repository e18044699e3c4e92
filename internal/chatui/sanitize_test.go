package chatui

import "testing"

func TestClean(t *testing.T) {
	for _, tc := range []struct{ in, multi, one string }{
		{"plain text", "plain text", "plain text"},
		{"\x1b[2J\x1b[H\x1b[31mred\x1b[0m", "red", "red"},
		{"a\x1b]0;title\x07b", "ab", "ab"},
		{"x\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\y", "xlinky", "xlinky"},
		{"a\x1bPq#0;2\x1b\\b", "ab", "ab"},
		{"c1\u009b31m csi", "c131m csi", "c131m csi"},
		{"bell\x07 bs\x08 del\x7f", "bell bs del", "bell bs del"},
		{"two\r\nlines", "two\nlines", "two lines"},
		{"tab\there", "tab    here", "tab    here"},
		{"\u202egnp.exe", "gnp.exe", "gnp.exe"},
		{"bad\xffutf8", "bad\uFFFDutf8", "bad\uFFFDutf8"},
		{"lone \x1b", "lone ", "lone"},
		{"zażółć 你好 🙂", "zażółć 你好 🙂", "zażółć 你好 🙂"},
	} {
		if got := clean(tc.in, true); got != tc.multi {
			t.Errorf("clean(%q, true) = %q, want %q", tc.in, got, tc.multi)
		}
		if got := line(tc.in); got != tc.one {
			t.Errorf("line(%q) = %q, want %q", tc.in, got, tc.one)
		}
	}
}
