package main

import (
	"context"
	"testing"
	"time"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/internal/clustertest"
)

// waitOne returns the next value of c, failing the test after a while.
func waitOne[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("never got %s", what)
		panic("unreachable")
	}
}

// TestTwoNodes: two `parley serve` nodes on one PostgreSQL database and one
// NATS server. A customer on node A starts a chat; it is routed to the demo
// agent connected to node B (the routing state is shared), the agent hears
// of it and answers over B, and each side hears the other across the nodes.
func TestTwoNodes(t *testing.T) {
	db := clustertest.Database(t)
	natsURL, prefix := clustertest.NATS(t)
	bin := buildParley(t)
	ctx := context.Background()
	cluster := []string{"--database-url", db, "--nats-url", natsURL, "--nats-prefix", prefix}
	a, b := freeAddr(t), freeAddr(t)
	startParley(t, bin, t.TempDir(), a, append(cluster, "--node-name", "node-a")...)
	startParley(t, bin, t.TempDir(), b, append(cluster, "--node-name", "node-b")...)

	ag, err := agent.New(agent.Config{Server: "http://" + b, License: 123, Email: "agent@parley.local", Password: "durability",
		ManualConnect: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ag.Close()
	incoming := make(chan string, 4)
	agent.On(ag, func(n agent.IncomingChat) { incoming <- n.Chat.ID })
	heard := make(chan string, 4)
	agent.On(ag, func(n agent.IncomingEvent) {
		if n.Event.Type == agent.EventMessage && n.Event.Author != "agent@parley.local" {
			heard <- n.Event.Text
		}
	})
	connected := make(chan agent.Connected, 1)
	agent.On(ag, func(c agent.Connected) { connected <- c })
	if err := ag.Connect(); err != nil {
		t.Fatal(err)
	}
	waitOne(t, connected, "the agent connected to node B")

	sdk, err := customer.Init(customer.Config{License: 123, ClientID: "parley-demo", Server: "http://" + a, Identity: customer.MemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	defer sdk.Destroy()
	answered := make(chan string, 4)
	customer.On(sdk, func(e customer.NewEvent) {
		if e.Event.Author == "agent@parley.local" && e.Event.Type == customer.EventMessage {
			answered <- e.Event.Text
		}
	})
	ch, err := sdk.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: "Hello from node A"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := waitOne(t, incoming, "the chat routed to the agent on node B"); got != ch.ID {
		t.Fatalf("the agent got chat %s, want %s", got, ch.ID)
	}
	if _, err := ag.SendEvent(ctx, ch.ID, agent.Event{Type: agent.EventMessage, Text: "Hello from node B"}); err != nil {
		t.Fatal(err)
	}
	if got := waitOne(t, answered, "the agent's answer on node A"); got != "Hello from node B" {
		t.Errorf("the customer got %q", got)
	}
	if _, err := sdk.SendEvent(ctx, ch.ID, customer.Event{Type: customer.EventMessage, Text: "Thanks!"}); err != nil {
		t.Fatal(err)
	}
	if got := waitOne(t, heard, "the customer's second message on node B"); got != "Thanks!" {
		t.Errorf("the agent heard %q", got)
	}
}
