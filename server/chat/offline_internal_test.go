package chat

import "testing"

func TestPlainAddress(t *testing.T) {
	for s, want := range map[string]bool{
		"ada@example.com":         true,
		"a.b+tag@mail.example.co": true,
		"":                        false,
		"ada":                     false,
		"ada@":                    false,
		"@example.com":            false,
		"ada@example":             false,
		"ada@@example.com":        false,
		"ada@b@example.com":       false,
		"ada@.example.com":        false,
		"ada@example.com.":        false,
		"ada@example..com":        false,
		"Ada <ada@example.com>":   false,
		"ada @example.com":        false,
		"ada@example.com\r\nBcc:": false,
		`"ada"@example.com`:       false,
		"ada,bob@example.com":     false,
		"adä@example.com":         false,
	} {
		if got := plainAddress(s); got != want {
			t.Errorf("plainAddress(%q) = %v, want %v", s, got, want)
		}
	}
}
