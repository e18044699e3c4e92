package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// agent is a minimal client of the agent RTM API (plain WebSocket, one JSON
// frame per message). It logs in, answers requests by request_id and keeps
// every push it receives so the scenario can wait for one.
type agent struct {
	conn  *websocket.Conn
	log   *transcript
	login json.RawMessage // payload of the login response

	mu      sync.Mutex
	pending map[string]chan agentFrame
	pushes  []agentFrame
	changed chan struct{} // closed and replaced whenever pushes grows or the connection ends
	err     error         // set once the read loop ends
}

type agentFrame struct {
	RequestID string          `json:"request_id,omitempty"`
	Action    string          `json:"action"`
	Type      string          `json:"type,omitempty"`
	Success   *bool           `json:"success,omitempty"`
	Payload   json.RawMessage `json:"payload,omitempty"`
}

// dialAgent connects to wsURL through client (which maps host names to the
// harness), logs in with token and starts the read loop. The connection ends
// when ctx does.
func dialAgent(ctx context.Context, client *http.Client, wsURL, token string, log *transcript) (*agent, error) {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, wsURL, &websocket.DialOptions{HTTPClient: client})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (HTTP %d)", wsURL, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial %s: %w", wsURL, err)
	}
	conn.SetReadLimit(1 << 20)
	a := &agent{
		conn:    conn,
		log:     log,
		pending: map[string]chan agentFrame{},
		changed: make(chan struct{}),
	}
	go a.readLoop(ctx)
	context.AfterFunc(ctx, func() { conn.Close(websocket.StatusNormalClosure, "") })

	lctx, cancel2 := context.WithTimeout(ctx, 10*time.Second)
	defer cancel2()
	login, err := a.request(lctx, "login", map[string]any{"token": "Bearer " + token})
	if err != nil {
		conn.Close(websocket.StatusNormalClosure, "")
		return nil, fmt.Errorf("agent login: %w", err)
	}
	a.login = login
	go a.keepAlive(ctx)
	return a, nil
}

// agentKeepAlive is how often the agent pings, as agent apps do: below the
// shortest idle timeout a scenario runs the server with.
const agentKeepAlive = 2 * time.Second

// keepAlive sends a protocol ping (no request_id, no answer) every
// agentKeepAlive until ctx ends, so that the agent stays connected while a
// scenario idles. The pings stay out of the transcript.
func (a *agent) keepAlive(ctx context.Context) {
	t := time.NewTicker(agentKeepAlive)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Not ctx: an expired ctx would close the whole connection.
		if err := a.conn.Write(context.Background(), websocket.MessageText, []byte(`{"action":"ping"}`)); err != nil {
			return
		}
	}
}

func (a *agent) readLoop(ctx context.Context) {
	var err error
	for {
		var data []byte
		_, data, err = a.conn.Read(ctx)
		if err != nil {
			break
		}
		a.log.add("agent <<", "%s", clip(string(data), 2000))
		var f agentFrame
		if jerr := json.Unmarshal(data, &f); jerr != nil {
			a.log.add("agent", "undecodable frame: %v", jerr)
			continue
		}
		a.mu.Lock()
		if f.Type == "response" {
			if ch, ok := a.pending[f.RequestID]; ok {
				delete(a.pending, f.RequestID)
				ch <- f
			}
		} else if f.Action != "ping" {
			a.pushes = append(a.pushes, f)
			close(a.changed)
			a.changed = make(chan struct{})
		}
		a.mu.Unlock()
	}
	a.mu.Lock()
	a.err = fmt.Errorf("agent connection ended: %w", err)
	for id, ch := range a.pending {
		delete(a.pending, id)
		close(ch)
	}
	close(a.changed)
	a.changed = make(chan struct{})
	a.mu.Unlock()
}

// request sends one request and waits for its response. A response with
// success false is an error carrying the server's error payload.
func (a *agent) request(ctx context.Context, action string, payload any) (json.RawMessage, error) {
	id := strconv.FormatUint(rand.Uint64(), 36)
	frame := map[string]any{"request_id": id, "action": action}
	if payload != nil {
		frame["payload"] = payload
	}
	data, err := json.Marshal(frame)
	if err != nil {
		return nil, err
	}
	ch := make(chan agentFrame, 1)
	a.mu.Lock()
	if a.err != nil {
		a.mu.Unlock()
		return nil, a.err
	}
	a.pending[id] = ch
	a.mu.Unlock()

	a.log.add("agent >>", "%s", clip(string(data), 2000))
	// Not ctx: an expired ctx would close the whole connection.
	if err := a.conn.Write(context.Background(), websocket.MessageText, data); err != nil {
		return nil, fmt.Errorf("agent %s: %w", action, err)
	}
	select {
	case f, ok := <-ch:
		if !ok {
			return nil, a.err
		}
		if f.Success == nil || !*f.Success {
			return nil, fmt.Errorf("agent %s failed: %s", action, clip(string(f.Payload), 500))
		}
		return f.Payload, nil
	case <-ctx.Done():
		a.mu.Lock()
		delete(a.pending, id)
		a.mu.Unlock()
		return nil, fmt.Errorf("agent %s: no response: %w", action, ctx.Err())
	}
}

// waitPush returns the first push (oldest first, including ones already
// received) whose action is action and whose payload contains match (see
// jsonContains). On timeout the error lists what the agent did receive.
func (a *agent) waitPush(ctx context.Context, action string, match json.RawMessage) (json.RawMessage, error) {
	var want any
	if len(match) > 0 {
		if err := json.Unmarshal(match, &want); err != nil {
			return nil, fmt.Errorf("bad match: %w", err)
		}
	}
	for {
		a.mu.Lock()
		for _, p := range a.pushes {
			if p.Action != action {
				continue
			}
			var got any
			if json.Unmarshal(p.Payload, &got) == nil && jsonContains(got, want) {
				a.mu.Unlock()
				return p.Payload, nil
			}
		}
		changed, connErr := a.changed, a.err
		a.mu.Unlock()
		if connErr != nil {
			return nil, connErr
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("agent saw no %s push matching %s; pushes it got: %s", action, string(match), a.summary())
		}
	}
}

func (a *agent) allPushes() []agentFrame {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]agentFrame(nil), a.pushes...)
}

// summary lists the pushes received so far, for error messages.
func (a *agent) summary() string {
	var b strings.Builder
	for i, p := range a.allPushes() {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Action)
		b.WriteByte(' ')
		b.WriteString(clip(string(p.Payload), 300))
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

// jsonContains reports whether got contains want: objects match when every
// key of want matches in got; arrays when every element of want matches some
// element of got; other values when equal. A nil want matches anything.
func jsonContains(got, want any) bool {
	switch w := want.(type) {
	case nil:
		return true
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !jsonContains(gv, wv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok {
			return false
		}
		for _, wv := range w {
			found := false
			for _, gv := range g {
				if jsonContains(gv, wv) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	default:
		return got == want
	}
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("…(%d more bytes)", len(s)-n)
}
