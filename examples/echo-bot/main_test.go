package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// wait bounds every wait of the test; each ends as soon as what it waits
// for has happened.
const wait = 40 * time.Second

// startBot runs the program against srv until the test ends; it returns
// the program's log.
func startBot(t *testing.T, srv *parleytest.Server) *syncBuffer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	args := []string{"--server", srv.URL, "--license", strconv.Itoa(srv.License),
		"--email", srv.AgentEmail, "--password", srv.AgentPassword, "--typing", "20ms"}
	go func() { done <- run(ctx, args, logs) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", logs.String())
		}
	})
	return logs
}

// customerOf starts a customer whose notifications go to a channel.
func customerOf(t *testing.T, srv *parleytest.Server) (*customer.SDK, chan customer.Notification) {
	t.Helper()
	sdk, err := customer.Init(customer.Config{License: srv.License, ClientID: srv.ClientID, Server: srv.URL, Identity: customer.MemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sdk.Destroy)
	ch := make(chan customer.Notification, 1000)
	sdk.On("*", func(n customer.Notification) { ch <- n })
	return sdk, ch
}

// expectReply waits for the agent to type and then say want, in that
// order.
func expectReply(t *testing.T, notes chan customer.Notification, want string) {
	t.Helper()
	typing := false
	timeout := time.After(wait)
	for {
		select {
		case n := <-notes:
			switch n := n.(type) {
			case customer.UserIsTyping:
				typing = true
			case customer.NewEvent:
				if n.Event.Author == parleytest.AgentEmail && n.Event.Type == customer.EventMessage {
					if n.Event.Text != want {
						t.Fatalf("agent said %q, want %q", n.Event.Text, want)
					}
					if !typing {
						t.Errorf("%q came without the agent typing first", want)
					}
					return
				}
			}
		case <-timeout:
			t.Fatalf("no reply %q", want)
		}
	}
}

func TestEcho(t *testing.T) {
	srv := parleytest.NewServer(t)
	startBot(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()

	cust, notes := customerOf(t, srv)
	// Wait until the bot is in: a chat started earlier would wait in the
	// queue (TestQueuedChat).
	for {
		if _, err := cust.GetPredictedAgent(ctx); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the bot never became available")
		case <-time.After(20 * time.Millisecond):
		}
	}
	chat, err := cust.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: "hello"}}})
	if err != nil {
		t.Fatal(err)
	}
	expectReply(t, notes, "echo: hello")
	for _, text := range []string{"how are you?", "bye"} {
		if _, err := cust.SendEvent(ctx, chat.ID, customer.Event{Type: customer.EventMessage, Text: text}); err != nil {
			t.Fatal(err)
		}
		expectReply(t, notes, "echo: "+text)
	}
	// Only messages get an answer.
	if err := cust.UpdateChatProperties(ctx, chat.ID, customer.Properties{"a": {"b": 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cust.SendEvent(ctx, chat.ID, customer.Event{Type: customer.EventMessage, Text: "last"}); err != nil {
		t.Fatal(err)
	}
	expectReply(t, notes, "echo: last")

	// After the chat is closed, a new message opens a new thread, which
	// the bot serves too.
	if err := cust.CloseThread(ctx, chat.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := cust.SendEvent(ctx, chat.ID, customer.Event{Type: customer.EventMessage, Text: "back again"}); err != nil {
		t.Fatal(err)
	}
	expectReply(t, notes, "echo: back again")
}

// TestQueuedChat: a chat started while no agent is online waits in the
// queue; the bot serves it when it comes.
func TestQueuedChat(t *testing.T) {
	srv := parleytest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	cust, notes := customerOf(t, srv)
	if _, err := cust.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: "anyone there?"}}}); err != nil {
		t.Fatal(err)
	}
	startBot(t, srv)
	expectReply(t, notes, "echo: anyone there?")
}

func TestArgs(t *testing.T) {
	t.Setenv("PARLEY_AGENT_EMAIL", "")
	t.Setenv("PARLEY_AGENT_PASSWORD", "")
	var out bytes.Buffer
	if err := run(t.Context(), []string{"--server", "http://localhost:1"}, &out); err == nil || !strings.Contains(err.Error(), "email") {
		t.Errorf("without credentials: %v", err)
	}
	if err := run(t.Context(), []string{"extra"}, &out); err == nil {
		t.Error("accepted an argument")
	}
	// The password may come from the environment.
	t.Setenv("PARLEY_AGENT_PASSWORD", "secret")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := run(ctx, []string{"--server", "http://127.0.0.1:1", "--email", "a@b"}, &out); err != nil {
		t.Errorf("cancelled run: %v", err)
	}
}

// syncBuffer is a bytes.Buffer for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
