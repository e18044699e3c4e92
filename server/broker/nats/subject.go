package nats

import (
	"fmt"
	"strings"
)

// subject is the NATS subject of topic: the prefix, then the dot-separated
// parts of topic, each written as one valid subject token. Bytes a token
// may not hold ('*', '>', whitespace, control characters), bytes outside
// printable ASCII, '$' (which starts the server's own subjects) and '%'
// itself are written %XX; an empty part is a lone "%", which no escape
// produces. So distinct topics get distinct subjects, and a NATS wildcard
// such as "prefix.parley.user.>" matches the topics it reads as.
func subject(prefix, topic string) (string, error) {
	var sb strings.Builder
	sb.Grow(len(prefix) + 1 + len(topic))
	sb.WriteString(prefix)
	for i, part := range strings.Split(topic, ".") {
		if i > 0 || prefix != "" {
			sb.WriteByte('.')
		}
		if part == "" {
			sb.WriteByte('%')
			continue
		}
		for j := range len(part) {
			c := part[j]
			if escaped(c) {
				const hex = "0123456789ABCDEF"
				sb.WriteByte('%')
				sb.WriteByte(hex[c>>4])
				sb.WriteByte(hex[c&0xf])
			} else {
				sb.WriteByte(c)
			}
		}
	}
	if sb.Len() > MaxSubjectLen {
		return "", fmt.Errorf("%w: %.40q…", ErrTopicTooLong, topic)
	}
	return sb.String(), nil
}

// escaped reports whether c is written %XX in a subject token.
func escaped(c byte) bool {
	return c <= ' ' || c >= 0x7f || c == '*' || c == '>' || c == '$' || c == '%'
}

// checkPrefix reports whether p is a usable Config.Prefix: empty, or
// tokens of printable ASCII without wildcards, joined by single dots.
func checkPrefix(p string) error {
	if p == "" {
		return nil
	}
	for tok := range strings.SplitSeq(p, ".") {
		if tok == "" {
			return fmt.Errorf("nats: prefix %q has an empty token", p)
		}
		for i := range len(tok) {
			if c := tok[i]; c <= ' ' || c >= 0x7f || c == '*' || c == '>' {
				return fmt.Errorf("nats: prefix %q holds %q, which a subject may not", p, c)
			}
		}
	}
	return nil
}
