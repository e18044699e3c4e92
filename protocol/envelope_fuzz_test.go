package protocol_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/parleychat/parley/protocol"
)

// payloadTypes returns a fresh value of every request payload type.
func payloadTypes() map[string]any {
	return map[string]any{
		"LoginRequest":             &protocol.LoginRequest{},
		"ChatsSummaryRequest":      &protocol.ChatsSummaryRequest{},
		"ThreadsSummaryRequest":    &protocol.ThreadsSummaryRequest{},
		"ChatThreadsRequest":       &protocol.ChatThreadsRequest{},
		"StartChatRequest":         &protocol.StartChatRequest{},
		"SendEventRequest":         &protocol.SendEventRequest{},
		"PostbackRequest":          &protocol.PostbackRequest{},
		"SneakPeekRequest":         &protocol.SneakPeekRequest{},
		"ChatRequest":              &protocol.ChatRequest{},
		"PropertiesRequest":        &protocol.PropertiesRequest{},
		"UpdateCustomerRequest":    &protocol.UpdateCustomerRequest{},
		"SetCustomerFieldsRequest": &protocol.SetCustomerFieldsRequest{},
		"LastSeenRequest":          &protocol.LastSeenRequest{},
		"PredictedAgentRequest":    &protocol.PredictedAgentRequest{},
		"FormRequest":              &protocol.FormRequest{},
		"GroupsStatusRequest":      &protocol.GroupsStatusRequest{},
		"URLDetailsRequest":        &protocol.URLDetailsRequest{},
		"TypingIndicatorRequest":   &protocol.TypingIndicatorRequest{},
		"ListChatsRequest":         &protocol.ListChatsRequest{},
		"Page":                     &protocol.Page{},
		"Properties":               &protocol.Properties{},
		"PropertyNames":            &protocol.PropertyNames{},
	}
}

// FuzzDecodeRequest feeds arbitrary frames to DecodeRequest and the
// payload of every decodable one to DecodePayload with every payload type.
// Nothing may panic; errors are protocol errors a response can carry; the
// frames the server would write in answer are valid JSON naming the
// request.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"request_id":"mxu9ac0k48k","action":"login","payload":{"token":"Bearer dal:UYBPAgmEnI17HMUC0bQxcAz_","customer":{},"customer_side_storage":null}}`,
		`{"request_id":"f7as04dlcxk","action":"get_chats_summary"}`,
		`{"action": "ping"}`,
		`{"request_id":"k5r5zq70gzc","action":"start_chat","payload":{"chat":{"thread":{"events":[{"type":"message","text":"Hello"}]}}}}`,
		`{"request_id":"4z6t63pj7m9","action":"send_event","payload":{"chat_id":"7936F144E0","event":{"type":"message","text":"How are you?"}}}`,
		`{"request_id":"9nj2f6i4hei","action":"get_chats_summary","payload":{"offset":0,"limit":10}}`,
		`{"request_id":"cjm5dkpayqs","action":"get_chat_threads_summary","payload":{"chat_id":"7936F144E0","offset":0,"limit":25}}`,
		`{"request_id":"6m71mcvfmx6","action":"get_chat_threads","payload":{"chat_id":"7936F144E0","thread_ids":["9FD5FE9E02"]}}`,
		`{"request_id":"k2sonh22vaq","action":"update_last_seen_timestamp","payload":{"chat_id":"CH1","timestamp":1500000005}}`,
		`{"request_id":"91serp9mop6","action":"start_chat","payload":{"chat":{"access":{"group_ids":[0]},"thread":{"events":[{"type":"message","text":"hi"}],"properties":{"c":{"d":2}}},"properties":{"a":{"b":1}}}}}`,
		`{"request_id":"x","action":"delete_chat_thread_properties","payload":{"chat_id":"C","thread_id":"T","event_id":"E","properties":{"a":["b"]}}}`,
		`{"request_id":7,"action":"get_groups_status","payload":{"groups":[0],"group_ids":[0]}}`,
		`["{\"request_id\":\"k2sonh22vaq\",\"action\":\"login\"}"]`,
		`{"request_id":"a"`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		req, err := protocol.DecodeRequest(frame)
		if err != nil {
			var pe *protocol.Error
			if !errors.As(err, &pe) && !errors.Is(err, protocol.ErrMalformedFrame) &&
				!errors.Is(err, protocol.ErrMissingAction) && !errors.Is(err, protocol.ErrFrameTooLarge) {
				t.Fatalf("DecodeRequest(%q) error %v is no protocol error", frame, err)
			}
			b := protocol.ErrorResponse(req.RequestID, req.Action, protocol.Errorf(protocol.ErrValidation, err.Error()))
			checkFrame(t, b, req.RequestID, req.Action)
			return
		}
		if req.Action == "" {
			t.Fatalf("DecodeRequest(%q) = %+v without action", frame, req)
		}
		if req.Payload != nil && (req.Payload[0] != '{' || !json.Valid(req.Payload)) {
			t.Fatalf("DecodeRequest(%q) payload %q is not an object", frame, req.Payload)
		}
		for name, v := range payloadTypes() {
			if err := protocol.DecodePayload(req.Payload, v); err != nil {
				var pe *protocol.Error
				if !errors.As(err, &pe) || pe.Type != protocol.ErrValidation || pe.Message == "" {
					t.Fatalf("DecodePayload(%q, %s) error %v is no validation error", req.Payload, name, err)
				}
				checkFrame(t, protocol.ErrorResponse(req.RequestID, req.Action, pe), req.RequestID, req.Action)
				continue
			}
			// What decoded encodes again (responses echo parts of it).
			if _, err := json.Marshal(v); err != nil {
				t.Fatalf("%s decoded from %q does not encode: %v", name, req.Payload, err)
			}
		}
		b, err := protocol.Response(req.RequestID, req.Action, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkFrame(t, b, req.RequestID, req.Action)
		p, err := protocol.Push(req.Action, json.RawMessage(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		checkFrame(t, protocol.WithRequestID(p, req.RequestID), req.RequestID, req.Action)
	})
}

// checkFrame checks that a server frame is a JSON object with the
// request_id (absent when "") and action.
func checkFrame(t *testing.T, b []byte, rid, action string) {
	t.Helper()
	var f struct {
		RequestID *string         `json:"request_id"`
		Action    string          `json:"action"`
		Type      string          `json:"type"`
		Payload   json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("server frame %q is not JSON: %v", b, err)
	}
	switch {
	case rid == "" && f.RequestID != nil, rid != "" && (f.RequestID == nil || *f.RequestID != rid):
		t.Fatalf("server frame %q: request_id, want %q", b, rid)
	case f.Action != action:
		t.Fatalf("server frame %q: action, want %q", b, action)
	case f.Type == "" || len(f.Payload) == 0 || f.Payload[0] != '{':
		t.Fatalf("server frame %q: no type or payload object", b)
	}
}
