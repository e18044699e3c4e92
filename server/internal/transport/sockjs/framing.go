package sockjs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Server messages that carry no frames.
var (
	openMessage      = []byte("o")
	heartbeatMessage = []byte("h")
)

// brokenFramingReason is the close reason for a client message that is not
// SockJS framing (the wording sockjs-client uses for the same fault).
const brokenFramingReason = "Broken framing."

// ErrBrokenFraming is returned (wrapped) by Read when a client message is not
// a JSON array of strings nor a JSON string; the connection is then closed
// with 1002 and c[1002,"Broken framing."].
var ErrBrokenFraming = errors.New("sockjs: broken framing")

// appendArray appends the SockJS message a[...] carrying frames, each encoded
// as a JSON string, to dst.
func appendArray(dst []byte, frames [][]byte) []byte {
	dst = append(dst, 'a', '[')
	for i, f := range frames {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendQuoted(dst, f)
	}
	return append(dst, ']')
}

// appendClose appends the SockJS close message c[code,"reason"] to dst.
func appendClose(dst []byte, code int, reason string) []byte {
	dst = append(dst, 'c', '[')
	dst = strconv.AppendInt(dst, int64(code), 10)
	dst = append(dst, ',')
	dst = appendQuoted(dst, []byte(reason))
	return append(dst, ']')
}

// unescaped marks the ASCII bytes copied as they are into a JSON string.
var unescaped = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\'
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// appendQuoted appends s as a JSON string to dst. It escapes what sockjs-node
// escapes: quote, backslash, control characters and the invisible ranges
// U+200C–U+200F, U+2028–U+202F, U+2060–U+206F and U+FFF0–U+FFFF (U+2028 and
// U+2029 also end lines in older JavaScript). Bytes that are not UTF-8 become
// U+FFFD, as encoding/json does, so the message is valid WebSocket text.
func appendQuoted(dst, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if unescaped[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			r = utf8.RuneError
		case escapedRune(r):
		default:
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, '\\', 'u',
			hexDigits[r>>12&0xF], hexDigits[r>>8&0xF], hexDigits[r>>4&0xF], hexDigits[r&0xF])
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func escapedRune(r rune) bool {
	return r >= 0x200c && r <= 0x200f ||
		r >= 0x2028 && r <= 0x202f ||
		r >= 0x2060 && r <= 0x206f ||
		r >= 0xfff0 && r <= 0xffff
}

// decodeClientMessage splits one client WebSocket message into frames. SockJS
// clients send a JSON array of strings, each string one frame; a bare JSON
// string is one frame (sockjs-node accepts both). An empty message or an empty
// array carries no frame. Anything else, including an array element that is
// not a string, is an error wrapping ErrBrokenFraming.
func decodeClientMessage(msg []byte) ([][]byte, error) {
	if len(msg) == 0 {
		return nil, nil
	}
	trimmed := bytes.TrimLeft(msg, jsonSpace)
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("%w: blank message", ErrBrokenFraming)
	}
	if frames, ok := splitASCII(trimmed); ok {
		return frames, nil
	}
	return decodeJSONMessage(msg, trimmed)
}

// decodeJSONMessage is decodeClientMessage by encoding/json; trimmed is
// msg without its leading white space.
func decodeJSONMessage(msg, trimmed []byte) ([][]byte, error) {
	switch trimmed[0] {
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(msg, &elems); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBrokenFraming, err)
		}
		frames := make([][]byte, len(elems))
		for i, e := range elems {
			f, err := decodeString(e)
			if err != nil {
				return nil, fmt.Errorf("%w: element %d: %w", ErrBrokenFraming, i, err)
			}
			frames[i] = f
		}
		return frames, nil
	case '"':
		f, err := decodeString(msg)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBrokenFraming, err)
		}
		return [][]byte{f}, nil
	}
	return nil, fmt.Errorf("%w: not an array of strings", ErrBrokenFraming)
}

// splitASCII decodes the common client message, an array of strings of
// printable ASCII with the short escapes (\", \\, \/, \b, \f, \n, \r,
// \t), without encoding/json: the connection's reading goroutine decodes
// every message, and json.Unmarshal's deep call path would double the
// stack that goroutine keeps for the connection's life. It reports false
// for anything else (non-ASCII, \u escapes, errors), which json decodes.
func splitASCII(msg []byte) ([][]byte, bool) {
	i := 0
	space := func() {
		for i < len(msg) && (msg[i] == ' ' || msg[i] == '\t' || msg[i] == '\r' || msg[i] == '\n') {
			i++
		}
	}
	if i >= len(msg) || msg[i] != '[' {
		return nil, false
	}
	i++
	space()
	frames := [][]byte{}
	if i < len(msg) && msg[i] == ']' {
		i++
		space()
		return frames, i == len(msg)
	}
	for {
		if i >= len(msg) || msg[i] != '"' {
			return nil, false
		}
		i++
		var f []byte
		start := i
		for {
			if i >= len(msg) {
				return nil, false
			}
			c := msg[i]
			if c < 0x20 || c >= 0x80 {
				return nil, false
			}
			if c == '"' {
				if f == nil {
					f = append(make([]byte, 0, i-start), msg[start:i]...)
				} else {
					f = append(f, msg[start:i]...)
				}
				i++
				break
			}
			if c != '\\' {
				i++
				continue
			}
			if i+1 >= len(msg) {
				return nil, false
			}
			var r byte
			switch msg[i+1] {
			case '"', '\\', '/':
				r = msg[i+1]
			case 'b':
				r = '\b'
			case 'f':
				r = '\f'
			case 'n':
				r = '\n'
			case 'r':
				r = '\r'
			case 't':
				r = '\t'
			default:
				return nil, false
			}
			f = append(append(f, msg[start:i]...), r)
			i += 2
			start = i
		}
		frames = append(frames, f)
		space()
		if i >= len(msg) {
			return nil, false
		}
		if msg[i] == ']' {
			i++
			space()
			return frames, i == len(msg)
		}
		if msg[i] != ',' {
			return nil, false
		}
		i++
		space()
	}
}

// jsonSpace is the white space JSON allows between tokens.
const jsonSpace = " \t\r\n"

// errNotString is returned for a JSON value that is not a string.
var errNotString = errors.New("not a string")

func decodeString(v []byte) ([]byte, error) {
	if t := bytes.TrimLeft(v, jsonSpace); len(t) == 0 || t[0] != '"' {
		return nil, errNotString
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return nil, err
	}
	return []byte(s), nil
}
