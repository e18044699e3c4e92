package widget_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// rtm is a minimal client of Parley's RTM APIs (plain WebSocket, one JSON
// frame per message), for the agent side of the browser tests and for
// seeding a customer's history. It keeps every push it receives so a test
// can wait for one.
type rtm struct {
	t    testing.TB
	name string
	conn *websocket.Conn

	mu      sync.Mutex
	pending map[string]chan frame
	pushes  []frame
	changed chan struct{} // closed and replaced when pushes grows or the connection ends
	err     error
	stop    context.CancelFunc
}

type frame struct {
	RequestID string          `json:"request_id,omitempty"`
	Action    string          `json:"action"`
	Type      string          `json:"type,omitempty"`
	Success   *bool           `json:"success,omitempty"`
	Payload   json.RawMessage `json:"payload,omitempty"`
}

// dialRTM connects to wsURL, logs in with login's payload and keeps the
// connection alive with pings until the test ends or close is called.
func dialRTM(t testing.TB, name, wsURL string, login map[string]any) *rtm {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	defer dcancel()
	conn, _, err := websocket.Dial(dctx, wsURL, nil)
	if err != nil {
		cancel()
		t.Fatalf("%s: dial %s: %v", name, wsURL, err)
	}
	conn.SetReadLimit(1 << 20)
	c := &rtm{t: t, name: name, conn: conn, pending: map[string]chan frame{}, changed: make(chan struct{}), stop: cancel}
	go c.readLoop(ctx)
	go func() {
		tick := time.NewTicker(15 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				_ = conn.Write(ctx, websocket.MessageText, []byte(`{"action":"ping"}`))
			}
		}
	}()
	t.Cleanup(c.close)
	c.do("login", login)
	return c
}

func (c *rtm) close() {
	c.stop()
	_ = c.conn.Close(websocket.StatusNormalClosure, "")
}

func (c *rtm) readLoop(ctx context.Context) {
	var err error
	for {
		var data []byte
		_, data, err = c.conn.Read(ctx)
		if err != nil {
			break
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		c.mu.Lock()
		if f.Type == "response" {
			if ch, ok := c.pending[f.RequestID]; ok {
				delete(c.pending, f.RequestID)
				ch <- f
			}
		} else if f.Action != "ping" {
			c.pushes = append(c.pushes, f)
			close(c.changed)
			c.changed = make(chan struct{})
		}
		c.mu.Unlock()
	}
	c.mu.Lock()
	c.err = fmt.Errorf("%s: connection ended: %w", c.name, err)
	for id, ch := range c.pending {
		delete(c.pending, id)
		close(ch)
	}
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// try sends a request and waits for its response.
func (c *rtm) try(action string, payload any) (json.RawMessage, error) {
	id := strconv.FormatUint(rand.Uint64(), 36)
	data, err := json.Marshal(map[string]any{"request_id": id, "action": action, "payload": payload})
	if err != nil {
		return nil, err
	}
	ch := make(chan frame, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.err
	}
	c.pending[id] = ch
	c.mu.Unlock()
	if err := c.conn.Write(context.Background(), websocket.MessageText, data); err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.name, action, err)
	}
	select {
	case f, ok := <-ch:
		if !ok {
			return nil, c.err
		}
		if f.Success == nil || !*f.Success {
			return nil, fmt.Errorf("%s %s failed: %s", c.name, action, f.Payload)
		}
		return f.Payload, nil
	case <-time.After(10 * time.Second):
		return nil, fmt.Errorf("%s %s: no response in 10 s", c.name, action)
	}
}

// do is try that fails the test on error.
func (c *rtm) do(action string, payload any) json.RawMessage {
	c.t.Helper()
	p, err := c.try(action, payload)
	if err != nil {
		c.t.Fatal(err)
	}
	return p
}

// wait returns the first push (oldest first, received before or after the
// call) named action whose payload satisfies match.
func (c *rtm) wait(action string, match func(p obj) bool) obj {
	c.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		c.mu.Lock()
		for _, f := range c.pushes {
			if f.Action != action {
				continue
			}
			var p obj
			if json.Unmarshal(f.Payload, &p) == nil && (match == nil || match(p)) {
				c.mu.Unlock()
				return p
			}
		}
		changed, err := c.changed, c.err
		c.mu.Unlock()
		if err != nil {
			c.t.Fatalf("%s: waiting for %s: %v", c.name, action, err)
		}
		select {
		case <-changed:
		case <-deadline:
			c.t.Fatalf("%s: no %s push as expected in 15 s; got: %s", c.name, action, c.summary())
		}
	}
}

// count returns how many pushes named action satisfy match.
func (c *rtm) count(action string, match func(p obj) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, f := range c.pushes {
		var p obj
		if f.Action == action && json.Unmarshal(f.Payload, &p) == nil && match(p) {
			n++
		}
	}
	return n
}

func (c *rtm) summary() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for _, f := range c.pushes {
		p := string(f.Payload)
		if len(p) > 300 {
			p = p[:300] + "…"
		}
		fmt.Fprintf(&b, "\n  %s %s", f.Action, p)
	}
	return b.String()
}

// obj is a decoded JSON object; get reads a dotted path in it.
type obj = map[string]any

func get(v any, path string) any {
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func str(v any, path string) string {
	s, _ := get(v, path).(string)
	return s
}
