package protocol

import "fmt"

// MaxDepth is how deeply the objects and arrays of one incoming JSON
// document (a request frame, an HTTP body) may nest: 64 levels, the
// envelope's own braces included. Whatever a request carries (properties,
// custom event content, form fields) is inside its frame, so one check of
// the frame bounds them all. A deeper document is refused with
// ErrTooDeep before anything decodes it: stored, it would later cost
// every reader a recursion as deep as the sender liked, and Go's
// encoding/json refuses to read past 10,000 levels at all.
const MaxDepth = 64

// ErrTooDeep refuses a JSON document that nests deeper than MaxDepth. It
// is answered with a validation error.
var ErrTooDeep = fmt.Errorf("protocol: JSON nests deeper than %d levels", MaxDepth)

// CheckDepth returns ErrTooDeep when the objects and arrays of data nest
// deeper than MaxDepth, else nil. It reads data once, without allocating,
// and checks nothing else: malformed JSON is left to the decoder.
func CheckDepth(data []byte) error {
	depth := 0
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			end := stringEnd(data, i)
			if end < 0 {
				return nil
			}
			i = end - 1
		case '{', '[':
			depth++
			if depth > MaxDepth {
				return ErrTooDeep
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}
