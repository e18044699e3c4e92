package protocol_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/parleychat/parley/protocol"
)

// nested returns a JSON value of n nested arrays around 1.
func nested(n int) string { return strings.Repeat("[", n) + "1" + strings.Repeat("]", n) }

func TestCheckDepth(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		doc  string
		ok   bool
	}{
		{"flat", `{"a":1}`, true},
		{"at the limit", nested(protocol.MaxDepth), true},
		{"one past", nested(protocol.MaxDepth + 1), false},
		{"10,000 deep", nested(10000), false},
		{"objects past", strings.Repeat(`{"a":`, protocol.MaxDepth+1) + "1" + strings.Repeat("}", protocol.MaxDepth+1), false},
		{"brackets in strings", `{"a":"` + strings.Repeat("[{", 1000) + `"}`, true},
		{"escaped quote", `{"a":"\"` + strings.Repeat("[", 1000) + `"}`, true},
		{"escaped backslash ends the string", `["\\",` + nested(protocol.MaxDepth) + `]`, false},
		{"siblings do not add up", "[" + strings.Repeat(nested(protocol.MaxDepth-1)+",", 100) + "1]", true},
		{"unterminated string", `{"a":"[[[`, true},
		{"empty", ``, true},
	} {
		err := protocol.CheckDepth([]byte(tc.doc))
		if tc.ok && err != nil {
			t.Errorf("%s: %v, want nil", tc.name, err)
		}
		if !tc.ok && !errors.Is(err, protocol.ErrTooDeep) {
			t.Errorf("%s: %v, want ErrTooDeep", tc.name, err)
		}
	}
}

// TestDecodeRequestTooDeep: a frame nested past MaxDepth is refused with
// ErrTooDeep, and the refusal still names the request.
func TestDecodeRequestTooDeep(t *testing.T) {
	t.Parallel()
	frame := `{"request_id":"r1","action":"send_event","payload":{"chat_id":"C","event":{"type":"custom","content":` + nested(10000) + `}}}`
	req, err := protocol.DecodeRequest([]byte(frame))
	if !errors.Is(err, protocol.ErrTooDeep) {
		t.Fatalf("err %v, want ErrTooDeep", err)
	}
	if req.RequestID != "r1" || req.Action != "send_event" {
		t.Errorf("request %+v, want r1 send_event", req)
	}
	ok := `{"request_id":"r2","action":"send_event","payload":{"chat_id":"C","event":{"type":"custom","content":` + nested(protocol.MaxDepth-4) + `}}}`
	if _, err := protocol.DecodeRequest([]byte(ok)); err != nil {
		t.Errorf("frame of %d levels: %v", protocol.MaxDepth, err)
	}
}

func TestPeekIDs(t *testing.T) {
	t.Parallel()
	deep := nested(20000)
	for _, tc := range []struct {
		frame      string
		id, action string
	}{
		{`{"request_id":"a","action":"b"}`, "a", "b"},
		{`{"action":"b","type":"response","payload":` + deep + `,"request_id":"a"}`, "a", "b"},
		{` {"payload":{"request_id":"inner","action":"x"},"request_id":"a"}`, "a", ""},
		{`{"request_id":7,"action":"b"}`, "", "b"},
		{`{"request_id":{"a":1},"action":"b"}`, "", "b"},
		{`{"request_id":"a\"q","action"`, "a\"q", ""},
		{`{"request_id":"a"`, "a", ""},
		{`[{"request_id":"a","action":"b"}]`, "", ""},
		{`["request_id","a"]`, "", ""},
		{`{"x":"request_id","y":"a"}`, "", ""},
		{`{"x":["request_id","a"],"action":"b"}`, "", "b"},
		{`{"request_id":"a","action":"b"} trailing`, "a", "b"},
		{`{}{"request_id":"a"}`, "", ""},
		{``, "", ""},
	} {
		id, action := protocol.PeekIDs([]byte(tc.frame))
		if id != tc.id || action != tc.action {
			t.Errorf("PeekIDs(%.60s) = %q, %q; want %q, %q", tc.frame, id, action, tc.id, tc.action)
		}
	}
}
