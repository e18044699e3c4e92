package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Frame types of server frames.
const (
	TypeResponse = "response"
	TypePush     = "push"
)

// MaxFrameBytes is the largest request frame a server accepts (64 KiB). A
// larger frame is answered with a validation error carrying the frame's
// request_id when one can be read, and the connection stays open.
const MaxFrameBytes = 64 << 10

// Sizes of what a server sends. A client must read frames of
// MaxServerFrameBytes; a server pages every answer that lists events
// (ChatThreadsResponse) so that it stays well within that: about
// DefaultPageBytes of events, and never more than MaxPageBytes.
const (
	MaxServerFrameBytes = 4 << 20
	DefaultPageBytes    = 1 << 20
	MaxPageBytes        = MaxServerFrameBytes / 2
)

// Request is a frame sent by a client.
//
// Payload is kept raw: the action decides its shape. It is nil when the
// client sent no payload (the JS SDK omits it for get_chats_summary at login
// and for get_predicted_agent).
type Request struct {
	RequestID string          `json:"request_id,omitempty"`
	Action    string          `json:"action"`
	Payload   json.RawMessage `json:"payload,omitempty"`
}

// EncodeRequest encodes a client frame: request_id, action, then payload
// (omitted when nil).
func EncodeRequest(requestID, action string, payload any) ([]byte, error) {
	req := struct {
		RequestID string `json:"request_id"`
		Action    string `json:"action"`
		Payload   any    `json:"payload,omitempty"`
	}{requestID, action, payload}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("protocol: encode %s: %w", action, err)
	}
	return b, nil
}

// Frame is a server frame as a client reads it: a response (Type
// TypeResponse, with Success) or a push (TypePush, with RequestID when it
// answered one of the client's requests). Payload is kept raw: the action
// decides its shape.
type Frame struct {
	RequestID string          `json:"request_id,omitempty"`
	Action    string          `json:"action"`
	Type      string          `json:"type"`
	Success   bool            `json:"success"`
	Payload   json.RawMessage `json:"payload"`
	// Resolved is set by a client on a push that answered one of its own
	// requests (a "push response"); it is never on the wire.
	Resolved bool `json:"-"`
}

// Err returns the error of a failed response, else nil. A failed response
// whose error cannot be read is an ErrInternal error.
func (f Frame) Err() *Error {
	if f.Type != TypeResponse || f.Success {
		return nil
	}
	var p errorPayload
	if json.Unmarshal(f.Payload, &p) != nil || p.Error == nil {
		return &Error{Type: ErrInternal, Message: "malformed error response"}
	}
	return p.Error
}

// Errors of DecodeRequest. They are answered with a validation error.
var (
	ErrMalformedFrame = errors.New("protocol: frame is not a JSON object")
	ErrMissingAction  = errors.New("protocol: frame has no action")
	ErrFrameTooLarge  = fmt.Errorf("protocol: frame is larger than %d bytes", MaxFrameBytes)
)

// DecodeRequest parses one client frame: at most MaxFrameBytes, nested at
// most MaxDepth levels (ErrFrameTooLarge, ErrTooDeep). On error the returned Request still
// carries the request_id and action when they could be read, so that the
// error response can name them.
func DecodeRequest(data []byte) (Request, error) {
	if len(data) > MaxFrameBytes {
		return peekIDs(data), ErrFrameTooLarge
	}
	if err := CheckDepth(data); err != nil {
		return peekIDs(data), err
	}
	var raw struct {
		RequestID json.RawMessage `json:"request_id"`
		Action    json.RawMessage `json:"action"`
		Payload   json.RawMessage `json:"payload"`
	}
	d := bytes.TrimSpace(data)
	if len(d) == 0 || d[0] != '{' {
		return Request{}, ErrMalformedFrame
	}
	if err := json.Unmarshal(d, &raw); err != nil {
		return peekIDs(data), fmt.Errorf("%w: %v", ErrMalformedFrame, err)
	}
	var r Request
	if len(raw.RequestID) > 0 && string(raw.RequestID) != "null" {
		if err := json.Unmarshal(raw.RequestID, &r.RequestID); err != nil {
			// A numeric request id is answered as a string.
			var n json.Number
			if json.Unmarshal(raw.RequestID, &n) != nil {
				return r, &Error{Type: ErrValidation, Message: "request_id must be a string"}
			}
			r.RequestID = n.String()
		}
	}
	if len(raw.Action) > 0 && string(raw.Action) != "null" {
		if err := json.Unmarshal(raw.Action, &r.Action); err != nil {
			return r, &Error{Type: ErrValidation, Message: "action must be a string"}
		}
	}
	if r.Action == "" {
		return r, ErrMissingAction
	}
	if len(raw.Payload) > 0 && string(raw.Payload) != "null" {
		if raw.Payload[0] != '{' {
			return r, &Error{Type: ErrValidation, Message: "payload must be an object"}
		}
		r.Payload = raw.Payload
	}
	return r, nil
}

// peekIDs reads request_id and action from a frame too large or too broken
// to decode whole, so the error can still be addressed to its request.
func peekIDs(data []byte) Request {
	id, action := PeekIDs(data)
	return Request{RequestID: id, Action: action}
}

// PeekIDs reads the string values of the top-level request_id and action
// keys of a JSON object, in a frame that may be too large, too deep or too
// broken to decode: a reader can still tell which request a frame it
// cannot read answers. It reads data once, keeping no stack, and returns
// "" for a key it cannot find before the frame breaks off.
func PeekIDs(data []byte) (requestID, action string) {
	const (
		wantKey = iota
		wantColon
		wantValue
		afterValue
	)
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) == 0 || data[0] != '{' {
		return "", ""
	}
	depth, state := 0, wantKey
	var key string
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch c {
		case '"':
			end := stringEnd(data, i)
			if end < 0 {
				return requestID, action
			}
			if depth == 1 {
				var str string
				if json.Unmarshal(data[i:end], &str) != nil {
					return requestID, action
				}
				switch state {
				case wantKey:
					key, state = str, wantColon
				case wantValue:
					switch key {
					case "request_id":
						requestID = str
					case "action":
						action = str
					}
					state = afterValue
				}
				if requestID != "" && action != "" {
					return requestID, action
				}
			}
			i = end - 1
		case '{', '[':
			if depth == 1 && state == wantValue {
				state = afterValue
			}
			depth++
		case '}', ']':
			depth--
			if depth <= 0 {
				return requestID, action
			}
		case ':':
			if depth == 1 && state == wantColon {
				state = wantValue
			}
		case ',':
			if depth == 1 {
				state = wantKey
			}
		case ' ', '\t', '\r', '\n':
		default:
			if depth == 1 && state == wantValue {
				state = afterValue // a number, true, false or null
			}
		}
	}
	return requestID, action
}

// stringEnd returns the index just past the JSON string starting at
// data[start] (a quote), or -1 when it does not end.
func stringEnd(data []byte, start int) int {
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return -1
}

// DecodePayload unmarshals a request payload into v. A nil payload leaves v
// unchanged (its defaults stand). A type mismatch becomes a validation
// *Error naming the field.
func DecodePayload(p json.RawMessage, v any) error {
	if len(p) == 0 {
		return nil
	}
	if err := json.Unmarshal(p, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "payload"
			}
			return &Error{Type: ErrValidation, Message: fmt.Sprintf("%s: expected %s, got %s", field, te.Type, te.Value)}
		}
		return &Error{Type: ErrValidation, Message: "payload: " + err.Error()}
	}
	return nil
}

// Response encodes a successful response frame. payload nil encodes {}.
func Response(requestID, action string, payload any) ([]byte, error) {
	return encodeFrame(requestID, action, TypeResponse, true, payload, "")
}

// ErrorResponse encodes a failed response frame.
func ErrorResponse(requestID, action string, e *Error) []byte {
	b, err := encodeFrame(requestID, action, TypeResponse, false, errorPayload{Error: e}, "")
	if err != nil {
		// An *Error always encodes; this is unreachable but never silent.
		panic(err)
	}
	return b
}

type errorPayload struct {
	Error *Error `json:"error"`
}

// Push encodes a push frame without request_id. Use WithRequestID to tag a
// copy for the connection whose request caused it.
func Push(action string, payload any) ([]byte, error) {
	return encodeFrame("", action, TypePush, false, payload, "")
}

// VersionedPush encodes a push frame as Push does, with a last key
// "version" naming the API version its payload is shaped for (the Customer
// Chat API v3.3 and later put it on every push).
func VersionedPush(action, version string, payload any) ([]byte, error) {
	return encodeFrame("", action, TypePush, false, payload, version)
}

// PushAction returns the action of a push frame encoded by Push or
// VersionedPush, tagged by WithRequestID or not, reading only its first
// keys; "" for any other frame.
func PushAction(frame []byte) string {
	const tag, key = `{"request_id":`, `"action":`
	var rest []byte
	switch {
	case bytes.HasPrefix(frame, []byte(tag)):
		end := stringEnd(frame, len(tag))
		if end < 0 || end >= len(frame) || frame[end] != ',' {
			return ""
		}
		rest = frame[end+1:]
	case len(frame) > 0 && frame[0] == '{':
		rest = frame[1:]
	default:
		return ""
	}
	if !bytes.HasPrefix(rest, []byte(key)) {
		return ""
	}
	rest = rest[len(key):]
	end := stringEnd(rest, 0)
	if end < 0 || len(rest) == 0 || rest[0] != '"' {
		return ""
	}
	name := rest[1 : end-1]
	if bytes.IndexByte(name, '\\') >= 0 {
		return "" // no action name needs escaping
	}
	return string(name)
}

// WithRequestID returns a copy of an encoded push frame carrying request_id
// as its first key.
func WithRequestID(frame []byte, requestID string) []byte {
	if requestID == "" || len(frame) < 2 || frame[0] != '{' {
		return frame
	}
	id, _ := json.Marshal(requestID)
	out := make([]byte, 0, len(frame)+len(id)+16)
	out = append(out, `{"request_id":`...)
	out = append(out, id...)
	out = append(out, ',')
	return append(out, frame[1:]...)
}

// encodeFrame writes keys in the order the JS SDK's server used:
// request_id, action, type, success, payload, then version when not empty.
func encodeFrame(requestID, action, typ string, success bool, payload any, version string) ([]byte, error) {
	var p []byte
	if payload == nil {
		p = []byte("{}")
	} else {
		var err error
		if p, err = json.Marshal(payload); err != nil {
			return nil, fmt.Errorf("protocol: encode %s payload: %w", action, err)
		}
	}
	b := make([]byte, 0, len(p)+len(action)+len(requestID)+64)
	b = append(b, '{')
	if requestID != "" {
		b = append(b, `"request_id":`...)
		b = appendJSONString(b, requestID)
		b = append(b, ',')
	}
	b = append(b, `"action":`...)
	b = appendJSONString(b, action)
	b = append(b, `,"type":"`...)
	b = append(b, typ...)
	b = append(b, '"')
	if typ == TypeResponse {
		b = append(b, `,"success":`...)
		b = strconv.AppendBool(b, success)
	}
	b = append(b, `,"payload":`...)
	b = append(b, p...)
	if version != "" {
		b = append(b, `,"version":`...)
		b = appendJSONString(b, version)
	}
	return append(b, '}'), nil
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s)
	return append(b, q...)
}
