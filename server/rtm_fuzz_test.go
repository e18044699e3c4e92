package server_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

// fuzzSeeds are frames for every customer action, with the placeholders of
// testdata/captured-frames.txt.
var fuzzSeeds = []string{
	`{"request_id":"s1","action":"activate_chat","payload":{"chat":{"id":"{{chat_id}}","thread":{"events":[{"type":"message","text":"again"}]}}}}`,
	`{"request_id":"s2","action":"send_event","payload":{"chat_id":"{{chat_id}}","event":{"type":"message","text":"late"},"attach_to_last_thread":true}}`,
	`{"request_id":"s3","action":"send_rich_message_postback","payload":{"chat_id":"{{chat_id}}","event_id":"{{event_id}}","thread_id":"{{thread_id}}","postback":{"id":"p","toggled":true}}}`,
	`{"request_id":"s4","action":"send_sneak_peek","payload":{"chat_id":"{{chat_id}}","sneak_peek_text":"typ"}}`,
	`{"request_id":"s5","action":"update_chat_properties","payload":{"chat_id":"{{chat_id}}","properties":{"a":{"b":1}}}}`,
	`{"request_id":"s6","action":"update_chat_thread_properties","payload":{"chat_id":"{{chat_id}}","thread_id":"{{thread_id}}","properties":{"rating":{"score":1}}}}`,
	`{"request_id":"s7","action":"update_event_properties","payload":{"chat_id":"{{chat_id}}","thread_id":"{{thread_id}}","event_id":"{{event_id}}","properties":{"e":{"f":true}}}}`,
	`{"request_id":"s8","action":"delete_chat_properties","payload":{"chat_id":"{{chat_id}}","properties":{"a":["b"]}}}`,
	`{"request_id":"s9","action":"delete_chat_thread_properties","payload":{"chat_id":"{{chat_id}}","thread_id":"{{thread_id}}","properties":{"rating":["score"]}}}`,
	`{"request_id":"s10","action":"delete_chat_thread_properties","payload":{"chat_id":"{{chat_id}}","thread_id":"{{thread_id}}","event_id":"{{event_id}}","properties":{"e":["f"]}}}`,
	`{"request_id":"s11","action":"delete_event_properties","payload":{"chat_id":"{{chat_id}}","thread_id":"{{thread_id}}","event_id":"{{event_id}}","properties":{"e":["f"]}}}`,
	`{"request_id":"s12","action":"update_customer","payload":{"name":"N","email":"n@x.io","fields":{"k":"v"}}}`,
	`{"request_id":"s13","action":"update_customer_page","payload":{"title":"T","url":"https://x.example/"}}`,
	`{"request_id":"s14","action":"set_customer_fields","payload":{"fields":{"k":"v"}}}`,
	`{"request_id":"s15","action":"update_last_seen_timestamp","payload":{"chat_id":"{{chat_id}}"}}`,
	`{"request_id":"s16","action":"get_predicted_agent"}`,
	`{"request_id":"s17","action":"get_form","payload":{"group_id":0,"type":"prechat"}}`,
	`{"request_id":"s18","action":"get_groups_status","payload":{"groups":[0],"group_ids":[0]}}`,
	`{"request_id":"s19","action":"get_groups_status","payload":{"all":true}}`,
	`{"request_id":"s20","action":"get_url_details","payload":{"url":"https://example.com/"}}`,
	`{"request_id":"s21","action":"check_goals","payload":{"customer_fields":{},"group_id":0,"page_url":"https://x/"}}`,
	`{"request_id":"s22","action":"send_event","payload":{"chat_id":"{{chat_id}}","event":{"type":"filled_form","form_id":"f","fields":[{"type":"name","id":"n","label":"Name","answer":"A"}]}}}`,
	`{"request_id":"s23","action":"send_event","payload":{"chat_id":"{{chat_id}}","event":{"type":"rich_message","elements":[{"buttons":[{"text":"x"}]}]}}}`,
	`{"request_id":"s24","action":"get_chat_threads","payload":{"chat_id":"{{chat_id}}","thread_ids":[]}}`,
	`{"request_id":7,"action":"get_chats_summary","payload":null}`,
	`{"request_id":"s26","action":"ping"}`,
	`{"request_id":"a1","action":"list_chats","payload":{"limit":5}}`,
	`{"request_id":"a2","action":"get_chat","payload":{"chat_id":"{{chat_id}}","thread_id":"{{thread_id}}"}}`,
	`{"request_id":"a3","action":"join_chat","payload":{"chat_id":"{{chat_id}}"}}`,
	`{"request_id":"a4","action":"send_typing_indicator","payload":{"chat_id":"{{chat_id}}","is_typing":true}}`,
	`{"request_id":"a5","action":"deactivate_chat","payload":{"chat_id":"{{chat_id}}"}}`,
	`{"request_id":"a6","action":"remove_user_from_chat","payload":{"chat_id":"{{chat_id}}","user_id":"{{customer_id}}"}}`,
	`{"request_id":"s27","action":"get_chats_summary","payload":{"limit":"5"}}`,
	`{"request_id":"s28","action":"send_event","payload":{"chat_id":12}}`,
	`{"request_id":"s29","action":"nope"}`,
	`{"request_id":"s30"`,
	`[1,2,3]`,
	`42`,
	``,
}

// FuzzDispatch sends frames from the fuzzer over real, logged-in customer
// and agent connections. Invariants: the server never fails; every frame
// gets exactly one response (a ping without request_id none), addressed
// with the frame's request_id and action as far as they can be read; the
// connection survives. After each frame a ping with a fresh request_id
// proves the last: frames are answered in order, so every response before
// the ping's answers the fuzzer's frame.
func FuzzDispatch(f *testing.F) {
	for _, s := range loadCapturedFrames(f) {
		f.Add([]byte(s))
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}

	srv := parleytest.NewServer(f)
	custID := newCustomerID()
	token := srv.CustomerToken(f, custID)
	agentToken := srv.AgentToken(f, parleytest.AgentEmail)
	// The frame goes to a customer and to an agent who is in the
	// customer's chat.
	var cust, ag *rtmClient
	var replacer *strings.Replacer
	connect := func(t testing.TB) {
		for _, c := range []*rtmClient{cust, ag} {
			if c != nil {
				c.closeNow()
			}
		}
		cust = dialConn(t, "fuzz customer", customerURL(srv), "customer")
		cust.login(token)
		ag = dialConn(t, "fuzz agent", agentURL(srv), "agent")
		ag.login(agentToken)
		ct := cust.startChat("fuzz")
		ag.ok(protocol.ActionJoinChat, obj{"chat_id": ct.Chat.ID})
		replacer = strings.NewReplacer("{{chat_id}}", ct.Chat.ID, "{{thread_id}}", ct.Chat.Thread.ID,
			"{{event_id}}", ct.Chat.Thread.Events[0].ID, "{{customer_id}}", custID, "{{token}}", token)
	}
	connect(f)
	f.Cleanup(func() {
		cust.close()
		ag.close()
	})

	f.Fuzz(func(t *testing.T, frame []byte) {
		if len(frame) > 1<<20 {
			t.Skip("above the transport's message limit: the connection is closed by design")
		}
		select {
		case <-cust.done:
			// A failed input ended a connection; start afresh.
			connect(t)
		case <-ag.done:
			connect(t)
		default:
		}
		frame = []byte(replacer.Replace(string(frame)))
		for _, c := range []*rtmClient{cust, ag} {
			bind(t, c)
			c.reset()
			checkDispatch(t, c, frame)
		}
	})
}

// checkDispatch sends frame and then a ping with a fresh request id on c,
// and checks the answers to frame.
func checkDispatch(t *testing.T, c *rtmClient, frame []byte) {
	req, decodeErr := protocol.DecodeRequest(frame)
	want := 1
	if decodeErr == nil && req.Action == protocol.ActionPing && req.RequestID == "" {
		want = 0
	}
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	sentinel := "sentinel-" + hex.EncodeToString(nonce)
	if err := c.sendRaw(frame); err != nil {
		t.Fatalf("%s: send: %v", c.name, err)
	}
	c.mustSendRaw(encodeRequest(sentinel, protocol.ActionPing, nil))
	if f := c.waitResponse(sentinel); !*f.Success || f.Action != protocol.ActionPing {
		t.Fatalf("%s: sentinel ping: %s", c.name, f)
	}
	c.mu.Lock()
	got := c.responses
	c.responses = nil
	c.mu.Unlock()
	if len(got) != want {
		t.Fatalf("%s: frame %q got %d responses, want %d: %v", c.name, frame, len(got), want, got)
	}
	if want == 0 {
		return
	}
	r := got[0]
	if r.rid() != req.RequestID || r.Action != req.Action {
		t.Errorf("%s: frame %q: response %s, want request_id %q and action %q", c.name, frame, r, req.RequestID, req.Action)
	}
	switch {
	case r.Success == nil:
		t.Errorf("%s: response without success: %s", c.name, r)
	case !*r.Success:
		c.checkError(r)
	case decodeErr != nil:
		t.Errorf("%s: frame %q failed to decode (%v) but was answered with success: %s", c.name, frame, decodeErr, r)
	}
	if !json.Valid(r.raw) {
		t.Errorf("%s: response is not JSON: %q", c.name, r.raw)
	}
}

// loadCapturedFrames reads testdata/captured-frames.txt.
func loadCapturedFrames(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/captured-frames.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out
}

// reset forgets every frame received so far.
func (c *rtmClient) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.all, c.responses, c.pending, c.pushes = nil, nil, nil, nil
}

// TestCapturedFramesReplay replays the captured SDK session frame by frame
// on a fresh customer and checks each answer as the SDK would: direct
// actions by their response, push-resolved ones by the tagged push.
func TestCapturedFramesReplay(t *testing.T) {
	srv := parleytest.NewServer(t)
	c, custID := newCustomer(t, srv)
	ct := c.startChat("seed")
	r := strings.NewReplacer("{{chat_id}}", ct.Chat.ID, "{{thread_id}}", ct.Chat.Thread.ID,
		"{{event_id}}", ct.Chat.Thread.Events[0].ID, "{{customer_id}}", custID, "{{token}}", srv.CustomerToken(t, custID))
	for _, line := range loadCapturedFrames(t) {
		frame := []byte(r.Replace(line))
		req, err := protocol.DecodeRequest(frame)
		c.mustSendRaw(frame)
		switch {
		case err != nil:
			c.checkError(c.nextResponse())
		case req.Action == protocol.ActionPing:
		case req.Action == protocol.ActionLogin:
			// Already logged in.
			c.checkError(c.waitResponse(req.RequestID))
		case req.Action == protocol.ActionGetURLDetails:
			// "x" is not a URL.
			if e := c.checkError(c.waitResponse(req.RequestID)); e.Type != protocol.ErrValidation {
				t.Errorf("get_url_details x: %+v", e)
			}
		case protocol.PushResolved(req.Action):
			if f := c.waitResponse(req.RequestID); !*f.Success {
				t.Errorf("%s: %s", req.Action, f)
			}
			// The push that resolves it in the SDK.
			push := c.waitPush("", tagged(req.RequestID))
			if req.Action == protocol.ActionCloseThread && push.Action != protocol.PushThreadClosed {
				c.waitPush(protocol.PushThreadClosed, tagged(req.RequestID))
			}
		default:
			if f := c.waitResponse(req.RequestID); !*f.Success {
				t.Errorf("%s: %s", req.Action, f)
			}
		}
	}
	c.sync()
}
