package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

// deepJSON is a JSON value of n nested arrays.
func deepJSON(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

// TestJSONDepth sends JSON nested past protocol.MaxDepth wherever JSON
// comes in: custom event content, properties and filled form fields over
// both RTM APIs, and the JSON bodies of the HTTP endpoints. Each is refused
// with a validation error, nothing is stored, and the connection goes on.
// A frame 10,000 levels deep is 20 KB: within the frame size limit.
func TestJSONDepth(t *testing.T) {
	srv := parleytest.NewServer(t)
	cu, _ := newCustomer(t, srv)
	started := cu.startChat("hello")
	chatID, threadID := started.Chat.ID, started.Chat.Thread.ID
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	ag.ok(protocol.ActionJoinChat, map[string]any{"chat_id": chatID})

	deep := func() any { return json.RawMessage(deepJSON(10000)) }
	custom := func() map[string]any {
		return map[string]any{"chat_id": chatID, "event": map[string]any{"type": "custom", "content": deep()}}
	}
	cases := []struct {
		name    string
		c       *rtmClient
		action  string
		payload map[string]any
	}{
		{"customer custom event", cu, protocol.ActionSendEvent, custom()},
		{"agent custom event", ag, protocol.ActionSendEvent, custom()},
		{"customer chat properties", cu, protocol.ActionUpdateChatProperties,
			map[string]any{"chat_id": chatID, "properties": map[string]any{"ns": map[string]any{"p": deep()}}}},
		{"agent chat properties", ag, protocol.ActionUpdateChatProperties,
			map[string]any{"chat_id": chatID, "properties": map[string]any{"ns": map[string]any{"p": deep()}}}},
		{"filled form fields", cu, protocol.ActionSendEvent, map[string]any{"chat_id": chatID, "event": map[string]any{
			"type": "filled_form", "form_id": "f", "fields": []any{map[string]any{"type": "name", "id": "n", "label": "Name", "value": deep()}}}}},
		{"start_chat event properties", cu, protocol.ActionStartChat, map[string]any{"chat": map[string]any{"thread": map[string]any{
			"events": []any{map[string]any{"type": "message", "text": "x", "properties": map[string]any{"ns": map[string]any{"p": deep()}}}}}}}},
	}
	for _, tc := range cases {
		frame := encodeRequest("deep", tc.action, tc.payload)
		if len(frame) > protocol.MaxFrameBytes {
			t.Fatalf("%s: frame of %d bytes is over the size limit: the depth check would not be what refuses it", tc.name, len(frame))
		}
		tc.c.mustSendRaw(frame)
		f := tc.c.waitResponse("deep")
		if e := tc.c.checkError(f); e.Type != protocol.ErrValidation || !strings.Contains(e.Message, "64 levels") {
			t.Errorf("%s: error %+v, want validation naming the limit", tc.name, e)
		}
		tc.c.sync()
	}

	// Nothing was stored: the chat still reads as it was, by both sides.
	for _, c := range []*rtmClient{cu, ag} {
		ct := c.chatThreads(chatID, threadID)
		if n := len(ct.Chat.Threads[0].Events); n != 1 {
			t.Errorf("thread holds %d events after the refusals, want 1", n)
		}
	}

	// Content up to the limit is stored and read back.
	ok := map[string]any{"chat_id": chatID, "event": map[string]any{"type": "custom", "content": json.RawMessage(deepJSON(protocol.MaxDepth - 4))}}
	cu.ok(protocol.ActionSendEvent, ok)

	// HTTP: an agent login whose credentials are right but whose body
	// nests past the limit (in a field nobody reads) is refused.
	body := func(extra string) string {
		return `{"license_id":` + strconv.Itoa(srv.License) + `,"email":"` + srv.AgentEmail + `","password":"` + srv.AgentPassword + `","x":` + extra + `}`
	}
	for _, tc := range []struct {
		extra string
		want  int
	}{{deepJSON(protocol.MaxDepth - 1), http.StatusOK}, {deepJSON(protocol.MaxDepth), http.StatusBadRequest}, {deepJSON(10000), http.StatusBadRequest}} {
		resp, err := http.Post(srv.URL+"/v3.0/agent/login", "application/json", strings.NewReader(body(tc.extra)))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("agent login with a body %d bytes long: status %d %s, want %d", len(tc.extra), resp.StatusCode, b, tc.want)
		}
		if tc.want == http.StatusBadRequest && !strings.Contains(string(b), `"validation"`) {
			t.Errorf("agent login refused with %s, want a validation error", b)
		}
	}
}
