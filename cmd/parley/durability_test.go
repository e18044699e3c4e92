package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/auth"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// buildParley compiles this command once per test binary run; with -short
// the test that asks for it is skipped.
func buildParley(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds and runs the parley binary")
	}
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "parley-bin-"); buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "parley")
		out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

type proc struct {
	cmd  *exec.Cmd
	addr string
	log  string // the file of its standard output and error
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startParley starts `parley serve` on dataDir and addr, with more flags
// if given, and returns once it answers.
func startParley(t *testing.T, bin, dataDir, addr string, flags ...string) *proc {
	t.Helper()
	args := append([]string{"serve", "--addr", addr, "--admin-addr", "127.0.0.1:0", "--data-dir", dataDir, "--log-level", "warn"}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "PARLEY_DEMO_AGENT_PASSWORD=durability")
	logf, err := os.Create(filepath.Join(t.TempDir(), "parley.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, addr: addr, log: logf.Name()}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("log of the server on %s (last 8 KiB):\n%s", addr, b[max(0, len(b)-8<<10):])
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			return p
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("server did not come up: %v\n%s", err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rtm is a bare Customer Chat API client: it is what any client sees.
type rtm struct {
	t      *testing.T
	c      *websocket.Conn
	frames chan map[string]any
	n      int
}

func dialRTM(t *testing.T, addr, token string) *rtm {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/v3.0/customer/rtm/ws?license_id=123", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadLimit(protocol.MaxServerFrameBytes) // what a client must read
	r := &rtm{t: t, c: c, frames: make(chan map[string]any, 1024)}
	go func() {
		defer close(r.frames)
		for {
			_, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(b, &m) == nil {
				r.frames <- m
			}
		}
	}()
	t.Cleanup(func() { c.CloseNow() })
	r.call("login", map[string]any{"token": "Bearer " + token})
	return r
}

func (r *rtm) send(action string, payload any) string {
	r.n++
	id := fmt.Sprintf("r%d", r.n)
	b, _ := json.Marshal(map[string]any{"request_id": id, "action": action, "payload": payload})
	if err := r.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		r.t.Fatalf("write %s: %v", action, err)
	}
	return id
}

// wait returns the first frame with the request id that satisfies ok.
func (r *rtm) wait(id string, ok func(map[string]any) bool) map[string]any {
	r.t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case m, open := <-r.frames:
			if !open {
				r.t.Fatalf("connection closed waiting for %s", id)
			}
			if m["request_id"] == id {
				if m["type"] == "response" && m["success"] == false {
					r.t.Fatalf("request %s failed: %v", id, m["payload"])
				}
				if ok(m) {
					return m
				}
			}
		case <-timeout:
			r.t.Fatalf("timed out waiting for %s", id)
		}
	}
}

func (r *rtm) call(action string, payload any) map[string]any {
	id := r.send(action, payload)
	return r.wait(id, func(m map[string]any) bool { return m["type"] == "response" })["payload"].(map[string]any)
}

// sendAcked sends a message and returns once the server acknowledged it:
// the push tagged with the request id, which is what resolves the JS SDK's
// sendEvent.
func (r *rtm) sendAcked(chatID, text, customID string) string {
	id := r.send("send_event", map[string]any{"chat_id": chatID, "event": map[string]any{"type": "message", "text": text, "custom_id": customID}})
	m := r.wait(id, func(m map[string]any) bool { return m["type"] == "push" })
	return m["payload"].(map[string]any)["event"].(map[string]any)["id"].(string)
}

// storedEvent is an event as get_chat_threads reads it from the store.
type storedEvent struct {
	ID, AuthorID, CustomID, Text string
}

// storedEvents returns a chat's stored events, in store order, reading
// every page of get_chat_threads.
func (r *rtm) storedEvents(chatID string) []storedEvent {
	r.t.Helper()
	return chatEvents(r.call, chatID)
}

// storedEventIDs returns the ids of a chat's stored events, in store order.
func (r *rtm) storedEventIDs(chatID string) []string {
	r.t.Helper()
	return chatEventIDs(r.call, chatID)
}

// chatEventIDs returns the ids of a chat's stored events, in store order,
// read with get_chat_threads through call (a customer's or an agent's).
func chatEventIDs(call func(action string, payload any) map[string]any, chatID string) []string {
	var ids []string
	for _, e := range chatEvents(call, chatID) {
		ids = append(ids, e.ID)
	}
	return ids
}

// chatEvents returns a chat's stored events, in store order, reading every
// page of get_chat_threads through call (a customer's or an agent's).
func chatEvents(call func(action string, payload any) map[string]any, chatID string) []storedEvent {
	sum := call("get_chat_threads_summary", map[string]any{"chat_id": chatID})
	var ids []string
	for _, ts := range sum["threads_summary"].([]any) {
		ids = append(ids, ts.(map[string]any)["id"].(string))
	}
	var pages [][]storedEvent // newest page first
	req := map[string]any{"chat_id": chatID, "thread_ids": ids}
	for {
		threads := call("get_chat_threads", req)
		var page []storedEvent
		for _, th := range threads["chat"].(map[string]any)["threads"].([]any) {
			for _, e := range th.(map[string]any)["events"].([]any) {
				m := e.(map[string]any)
				text, _ := m["text"].(string)
				author, _ := m["author_id"].(string)
				custom, _ := m["custom_id"].(string)
				page = append(page, storedEvent{ID: m["id"].(string), AuthorID: author, CustomID: custom, Text: text})
			}
		}
		pages = append(pages, page)
		next, _ := threads["next_page_id"].(string)
		if next == "" {
			break
		}
		req = map[string]any{"chat_id": chatID, "page_id": next}
	}
	var stored []storedEvent
	for i := len(pages) - 1; i >= 0; i-- {
		stored = append(stored, pages[i]...)
	}
	return stored
}

// customerToken signs a token of the customer with the token key of a
// server on SQLite, in its data directory.
func customerToken(t *testing.T, dataDir, customerID string) string {
	t.Helper()
	key, err := os.ReadFile(filepath.Join(dataDir, "token.key"))
	if err != nil {
		t.Fatal(err)
	}
	return signCustomerToken(t, []byte(strings.TrimSpace(string(key))), customerID)
}

// signCustomerToken signs a token of the customer, valid for an hour, with
// a server's token key.
func signCustomerToken(t *testing.T, key []byte, customerID string) string {
	t.Helper()
	s, err := auth.NewSigner(key)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := s.Issue(auth.Claims{Kind: auth.KindCustomer, LicenseID: 123, Subject: customerID, IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestAcknowledgedEventsSurviveKill checks the delivery promise: an event
// is durable once its send is acknowledged. The server process is killed
// with SIGKILL right after the last acknowledgement; after a restart on the
// same data directory every acknowledged event is there, once, in order,
// and a retry with the same custom_id returns the stored event.
func TestAcknowledgedEventsSurviveKill(t *testing.T) {
	bin := buildParley(t)
	dataDir := t.TempDir()
	addr := freeAddr(t)
	p := startParley(t, bin, dataDir, addr)
	tok := customerToken(t, dataDir, "durable-customer")

	c := dialRTM(t, addr, tok)
	start := c.call("start_chat", map[string]any{"chat": map[string]any{}})
	chatID := start["chat"].(map[string]any)["id"].(string)
	const n = 50
	acked := make([]string, n)
	for i := range n {
		acked[i] = c.sendAcked(chatID, fmt.Sprintf("message %d", i), fmt.Sprintf("cid-%d", i))
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = p.cmd.Process.Wait()

	startParley(t, bin, dataDir, addr)
	c2 := dialRTM(t, addr, tok)
	stored := c2.storedEventIDs(chatID)
	if len(stored) != n {
		t.Fatalf("after kill -9: %d events stored, %d acknowledged", len(stored), n)
	}
	for i := range acked {
		if stored[i] != acked[i] {
			t.Fatalf("event %d: stored %s, acknowledged %s", i, stored[i], acked[i])
		}
	}
	if again := c2.sendAcked(chatID, "message 7", "cid-7"); again != acked[7] {
		t.Fatalf("retry with custom_id cid-7 returned %s, want the stored %s", again, acked[7])
	}
}

// TestGracefulShutdown sends SIGTERM to a server with a connected client:
// the client is told to come back later (customer_disconnected with a
// reason that asks it to reconnect), the connection closes, the process
// exits cleanly, and what was acknowledged before is still there after a
// restart.
func TestGracefulShutdown(t *testing.T) {
	bin := buildParley(t)
	dataDir := t.TempDir()
	addr := freeAddr(t)
	p := startParley(t, bin, dataDir, addr)
	tok := customerToken(t, dataDir, "shutdown-customer")
	c := dialRTM(t, addr, tok)
	start := c.call("start_chat", map[string]any{"chat": map[string]any{}})
	chatID := start["chat"].(map[string]any)["id"].(string)
	acked := c.sendAcked(chatID, "before shutdown", "")

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var reason any
	timeout := time.After(20 * time.Second)
	for reason == nil {
		select {
		case m, ok := <-c.frames:
			if !ok {
				t.Fatal("connection closed without a customer_disconnected push")
			}
			if m["action"] == "customer_disconnected" {
				reason = m["payload"].(map[string]any)["reason"]
			}
		case <-timeout:
			t.Fatal("no customer_disconnected push after SIGTERM")
		}
	}
	if reason != "service_temporarily_unavailable" {
		t.Fatalf("reason = %v, want service_temporarily_unavailable", reason)
	}
	for range c.frames {
		// drained: the server closed the connection
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("server exited with %v after SIGTERM", err)
	}

	startParley(t, bin, dataDir, addr)
	c2 := dialRTM(t, addr, tok)
	sum := c2.call("get_chats_summary", map[string]any{})
	chats := sum["chats_summary"].([]any)
	if len(chats) != 1 {
		t.Fatalf("after restart: %d chats", len(chats))
	}
	last := chats[0].(map[string]any)["last_event_per_type"].(map[string]any)["message"].(map[string]any)["event"].(map[string]any)
	if last["id"] != acked {
		t.Fatalf("after restart the last message is %v, want %s", last["id"], acked)
	}
}
