package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// loadSender sends messages into one chat, one at a time, each awaited
// until the server acknowledges it, and records what was acknowledged. It
// stops at the first error: the connection dies with the server.
type loadSender struct {
	chatID string
	mu     sync.Mutex
	acked  []string // event ids, in acknowledgement order
}

// ackedSoFar returns the events acknowledged so far.
func (l *loadSender) ackedSoFar() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.acked)
}

func (l *loadSender) run(ctx context.Context, addr, token string, ready func()) {
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/v3.0/customer/rtm/ws?license_id=123", nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	n := 0
	call := func(action string, payload any, done func(map[string]any) bool) (map[string]any, error) {
		n++
		id := fmt.Sprint("r", n)
		b, _ := json.Marshal(map[string]any{"request_id": id, "action": action, "payload": payload})
		if err := c.Write(ctx, websocket.MessageText, b); err != nil {
			return nil, err
		}
		for {
			_, data, err := c.Read(ctx)
			if err != nil {
				return nil, err
			}
			var m map[string]any
			if json.Unmarshal(data, &m) != nil || m["request_id"] != id {
				continue
			}
			if m["type"] == "response" && m["success"] == false {
				return nil, fmt.Errorf("%s failed: %v", action, m["payload"])
			}
			if done(m) {
				return m, nil
			}
		}
	}
	isResponse := func(m map[string]any) bool { return m["type"] == "response" }
	if _, err := call("login", map[string]any{"token": "Bearer " + token}, isResponse); err != nil {
		return
	}
	m, err := call("start_chat", map[string]any{"chat": map[string]any{}}, isResponse)
	if err != nil {
		return
	}
	l.chatID = m["payload"].(map[string]any)["chat"].(map[string]any)["id"].(string)
	for i := 0; ; i++ {
		m, err := call("send_event", map[string]any{"chat_id": l.chatID, "event": map[string]any{
			"type": "message", "text": fmt.Sprint("load ", i), "custom_id": fmt.Sprint("load-", i)}},
			func(m map[string]any) bool { return m["type"] == "push" })
		if err != nil {
			return
		}
		l.mu.Lock()
		l.acked = append(l.acked, m["payload"].(map[string]any)["event"].(map[string]any)["id"].(string))
		count := len(l.acked)
		l.mu.Unlock()
		if count == 20 {
			ready()
		}
	}
}

// TestAcknowledgedEventsSurviveKillUnderLoad kills the server with SIGKILL
// while many chats send at once, so that the writer is committing groups
// of events from different chats when it dies. After a restart every
// acknowledged event is stored, once, in each chat's acknowledgement
// order; events sent but not acknowledged may or may not be there.
func TestAcknowledgedEventsSurviveKillUnderLoad(t *testing.T) {
	bin := buildParley(t)
	dataDir := t.TempDir()
	addr := freeAddr(t)
	p := startParley(t, bin, dataDir, addr)

	const chats = 24
	senders := make([]*loadSender, chats)
	var ready sync.WaitGroup
	ready.Add(chats)
	var wg sync.WaitGroup
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var started atomic.Int32
	for i := range senders {
		senders[i] = &loadSender{}
		tok := customerToken(t, dataDir, fmt.Sprint("load-customer-", i))
		wg.Go(func() {
			senders[i].run(ctx, addr, tok, func() { started.Add(1); ready.Done() })
		})
	}
	// Kill once every chat has a few acknowledged events and all are
	// still sending.
	waited := make(chan struct{})
	go func() { ready.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-ctx.Done():
		t.Fatalf("only %d of %d chats got 20 events acknowledged", started.Load(), chats)
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = p.cmd.Process.Wait()
	wg.Wait()

	startParley(t, bin, dataDir, addr)
	total := 0
	for i, s := range senders {
		c := dialRTM(t, addr, customerToken(t, dataDir, fmt.Sprint("load-customer-", i)))
		stored := c.storedEventIDs(s.chatID)
		// One at a time per chat: at most the one in flight at the kill
		// may be stored without its acknowledgement.
		if len(stored) < len(s.acked) || len(stored) > len(s.acked)+1 {
			t.Errorf("chat %d: %d events stored, %d acknowledged", i, len(stored), len(s.acked))
			continue
		}
		for j, id := range s.acked {
			if stored[j] != id {
				t.Errorf("chat %d, event %d: stored %s, acknowledged %s", i, j, stored[j], id)
				break
			}
		}
		total += len(s.acked)
	}
	t.Logf("%d acknowledged events in %d chats, all stored after kill -9", total, chats)
}
