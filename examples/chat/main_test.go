package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/parleytest"
)

// wait bounds every wait of the test; each ends as soon as what it waits
// for has happened.
const wait = 30 * time.Second

// TestChat runs the program twice against a real server with stdin from a
// pipe, while the demo agent answers over the Agent Chat API: the first
// line starts a chat, the agent's words are printed, and the second run is
// the same customer, back in the same chat.
func TestChat(t *testing.T) {
	srv := parleytest.NewServer(t)
	agent := dialAgent(t, srv)
	args := []string{
		"--server", srv.URL,
		"--license", strconv.Itoa(srv.License),
		"--client-id", srv.ClientID,
		"--name", "Terminal Tom",
		"--identity", filepath.Join(t.TempDir(), "identity.json"),
	}

	// First run: a new customer starts a chat.
	p := start(t, args)
	p.waitOutput("Type a message")
	p.send("Hello from the terminal")
	var ct struct {
		Chat struct {
			ID     string `json:"id"`
			Users  []struct{ Name string }
			Thread struct {
				Events []struct{ Text string }
			} `json:"thread"`
		} `json:"chat"`
	}
	agent.push("incoming_chat_thread", &ct)
	chatID := ct.Chat.ID
	if ev := ct.Chat.Thread.Events; len(ev) != 1 || ev[0].Text != "Hello from the terminal" {
		t.Fatalf("agent got events %+v", ev)
	}
	if !slices.ContainsFunc(ct.Chat.Users, func(u struct{ Name string }) bool { return u.Name == "Terminal Tom" }) {
		t.Errorf("agent sees users %+v, want Terminal Tom among them", ct.Chat.Users)
	}

	agent.do("join_chat", map[string]any{"chat_id": chatID})
	p.waitOutput("* Demo Agent joined the chat.")
	agent.do("send_typing_indicator", map[string]any{"chat_id": chatID, "is_typing": true})
	p.waitOutput("* Demo Agent is typing…")
	agent.do("send_event", map[string]any{"chat_id": chatID, "event": map[string]any{"type": "message", "text": "Hi! How can I help?"}})
	p.waitOutput("Demo Agent: Hi! How can I help?")

	p.send("My order is late")
	var ie struct {
		ChatID string `json:"chat_id"`
		Event  struct{ Text string }
	}
	agent.push("incoming_event", &ie)
	if ie.ChatID != chatID || ie.Event.Text != "My order is late" {
		t.Errorf("agent got %+v", ie)
	}

	agent.do("close_thread", map[string]any{"chat_id": chatID})
	p.waitOutput("* The chat is closed")
	p.send("/quit")
	p.wait()

	// Second run: the same customer, back in the same chat, which the
	// next message reopens.
	p = start(t, args)
	p.waitOutput("* Back in your last chat")
	p.send("One more thing")
	agent.push("incoming_chat_thread", &ct)
	if ct.Chat.ID != chatID {
		t.Errorf("second run wrote to chat %s, want %s", ct.Chat.ID, chatID)
	}
	p.stdin.Close() // the end of stdin ends the program too
	p.wait()
}

func TestFlags(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--nosuchflag"}, strings.NewReader(""), &out); err == nil {
		t.Error("an unknown flag was accepted")
	}
	if err := run(context.Background(), []string{"--server", "localhost"}, strings.NewReader(""), &out); err == nil || !strings.Contains(err.Error(), "Server") {
		t.Errorf("a server without scheme: %v", err)
	}
}

// program is one run of the program.
type program struct {
	t     *testing.T
	stdin *io.PipeWriter
	out   *output
	done  chan error
}

func start(t *testing.T, args []string) *program {
	t.Helper()
	pr, pw := io.Pipe()
	p := &program{t: t, stdin: pw, out: &output{changed: make(chan struct{})}, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { p.done <- run(ctx, args, pr, p.out) }()
	t.Cleanup(func() {
		cancel()
		pw.Close()
		<-p.done
	})
	return p
}

func (p *program) send(line string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		p.t.Fatalf("write stdin: %v", err)
	}
}

// wait waits for the program to return nil.
func (p *program) wait() {
	p.t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		if err != nil {
			p.t.Fatalf("run: %v\noutput:\n%s", err, p.out.String())
		}
	case <-time.After(wait):
		p.t.Fatalf("the program did not end\noutput:\n%s", p.out.String())
	}
}

// waitOutput waits until the output has a line starting with prefix.
func (p *program) waitOutput(prefix string) {
	p.t.Helper()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		s, changed := p.out.snapshot()
		for _, line := range strings.Split(s, "\n") {
			if strings.HasPrefix(line, prefix) {
				return
			}
		}
		select {
		case <-changed:
		case err := <-p.done:
			p.done <- err
			p.t.Fatalf("the program ended (%v) before printing %q\noutput:\n%s", err, prefix, s)
		case <-timer.C:
			p.t.Fatalf("no %q within %v\noutput:\n%s", prefix, wait, s)
		}
	}
}

// output is the program's stdout.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func (o *output) Write(b []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	close(o.changed)
	o.changed = make(chan struct{})
	return o.buf.Write(b)
}

func (o *output) snapshot() (string, <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String(), o.changed
}

func (o *output) String() string { s, _ := o.snapshot(); return s }

// agent is the demo agent on the Agent Chat API over a plain WebSocket.
type agent struct {
	t       *testing.T
	ws      *websocket.Conn
	seq     int
	pending []frame // pushes read while waiting for a response
}

type frame struct {
	RequestID string          `json:"request_id"`
	Action    string          `json:"action"`
	Type      string          `json:"type"`
	Success   bool            `json:"success"`
	Payload   json.RawMessage `json:"payload"`
}

func dialAgent(t *testing.T, srv *parleytest.Server) *agent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/v3.0/agent/rtm/ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = ws.Close(websocket.StatusNormalClosure, "") })
	a := &agent{t: t, ws: ws}
	a.do("login", map[string]any{"token": "Bearer " + srv.AgentToken(t, srv.AgentEmail)})
	return a
}

func (a *agent) read() frame {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	_, msg, err := a.ws.Read(ctx)
	if err != nil {
		a.t.Fatalf("agent: read: %v", err)
	}
	var f frame
	if err := json.Unmarshal(msg, &f); err != nil {
		a.t.Fatalf("agent: %v: %s", err, msg)
	}
	return f
}

// do sends a request and returns its response's payload.
func (a *agent) do(action string, payload any) json.RawMessage {
	a.t.Helper()
	a.seq++
	rid := fmt.Sprint("t", a.seq)
	msg, _ := json.Marshal(map[string]any{"request_id": rid, "action": action, "payload": payload})
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := a.ws.Write(ctx, websocket.MessageText, msg); err != nil {
		a.t.Fatalf("agent: %s: %v", action, err)
	}
	for {
		f := a.read()
		if f.Type != "response" {
			a.pending = append(a.pending, f)
			continue
		}
		if f.RequestID != rid {
			continue
		}
		if !f.Success {
			a.t.Fatalf("agent: %s failed: %s", action, f.Payload)
		}
		return f.Payload
	}
}

// push waits for the next push of this action that the agent did not
// cause itself and decodes it into v.
func (a *agent) push(action string, v any) {
	a.t.Helper()
	for {
		var f frame
		if len(a.pending) > 0 {
			f, a.pending = a.pending[0], a.pending[1:]
		} else {
			f = a.read()
		}
		if f.Type == "push" && f.Action == action && f.RequestID == "" { // not caused by the agent's own request
			if err := json.Unmarshal(f.Payload, v); err != nil {
				a.t.Fatal(err)
			}
			return
		}
	}
}
