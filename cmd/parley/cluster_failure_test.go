package main

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/agent"
)

// TestClusterNodeKilledUnderLoad: two nodes on one database and one NATS
// server; six customers send messages, three through node A and three
// through node B, and the demo agent, on B, is in every chat. Node A is
// killed with SIGKILL mid-load. A's customers dial B with the same token,
// send their unanswered message again (same custom_id) and go on.
//
// Every acknowledged message is stored, once, in acknowledgement order.
// The agent delivered every event of every chat exactly once and in store
// order, none missing: an event whose push died with A (the one in flight,
// stored by A but answered only on B as a duplicate, which is not pushed
// again, and the last acknowledged before the kill) is followed by later
// events of its chat, pushed by B, whose places in the chat's sequence show
// the hole; B then asks the agent's client to reconnect and it reloads the
// chat from the store. Every chat's last event is pushed and delivered, so
// no event is exempt. The agent's connection is lost only that way:
// every agent_disconnected it got says service_temporarily_unavailable.
func TestClusterNodeKilledUnderLoad(t *testing.T) {
	cl := startCluster(t, 2)
	nodeA, addrA, addrB, key := cl.nodes[0], cl.addr(0), cl.addr(1), cl.key
	ag := connectAgent(t, "http://"+addrB, "agent@parley.local", "durability")

	var aDead atomic.Bool
	onA := func() string {
		if aDead.Load() {
			return addrB
		}
		return addrA
	}
	onB := func() string { return addrB }
	customers := make([]*loadCustomer, 6) // 0-2 on A, 3-5 on B; the demo agent takes 6 chats
	for i := range customers {
		addr := onB
		if i < 3 {
			addr = onA
		}
		customers[i] = newLoadCustomer(t, key, fmt.Sprint("kill-customer-", i), addr)
	}
	stop := loadCustomers(t, customers...)
	before := waitAcked(t, "every customer has 10 messages acknowledged", customers, nil, 10)

	aDead.Store(true)
	killNode(t, nodeA)
	waitAcked(t, "every customer has 10 more messages acknowledged after node A died", customers, before, 10)
	stop()

	for i, c := range customers {
		if _, conns := c.ackedCount(); i < 3 && conns < 2 {
			t.Errorf("customer %s of node A logged in %d times", c.id, conns)
		}
		checkStoredAsAcked(t, addrB, c)
		stored := ag.waitSeenLast(t, addrB, c)
		missed, err := inStoreOrder(stored, ag.seen(c.chat()))
		if err != nil {
			t.Errorf("chat of %s: the agent: %v", c.id, err)
		} else if len(missed) > 0 {
			t.Errorf("chat of %s: the agent missed %d of %d events: %q", c.id, len(missed), len(stored), missed)
		}
	}
	ag.mu.Lock()
	defer ag.mu.Unlock()
	for _, r := range ag.reasons {
		if r != "service_temporarily_unavailable" {
			t.Errorf("the agent on node B was disconnected with %q", r)
		}
	}
	if ag.lost > len(ag.reasons) {
		t.Errorf("the agent on node B lost its connection %d times, %d of them asked to", ag.lost, len(ag.reasons))
	}
	t.Logf("the agent on node B was asked to reconnect %d times", len(ag.reasons))
}

// TestClusterAgentNodeKilled: two nodes (agent lease 3 s, grace period
// 4 s). The agent "second" is on node A only; the demo agent connects
// through a relay that sends it to A while A lives, then to B. Four
// customers on B send messages: the first two chats went to "second", the
// other two to the demo agent. Node A is killed mid-load.
//
// The demo agent's client reconnects through the relay to B, within the
// grace period: it keeps its chats, delivers every event of them once and
// in store order (those stored while it was away after it is back), and
// is never taken out of them. "second" does not come back: once A's lease
// and then its grace period have run out it goes offline, and its chats
// go to the demo agent, whose client delivers them from the handover on,
// each event once and in order; their customers are told (chat_user_removed,
// chat_user_added). The customers on B never notice: every message they
// were acknowledged is stored once.
func TestClusterAgentNodeKilled(t *testing.T) {
	cl := newCluster(t)
	mustRun(t, "migrate", "--database-url", cl.db)
	mustRun(t, "agent", "add", "--database-url", cl.db, "--email", "second@parley.local", "--name", "Second", "--password", "pw-second")
	cl.start(2, "--agent-lease", "3s", "--agent-grace-period", "4s")
	nodeA, addrA, addrB, key := cl.nodes[0], cl.addr(0), cl.addr(1), cl.key
	lb := startRelay(t, addrA, addrB)

	onB := func() string { return addrB }
	customers := make([]*loadCustomer, 4)
	for i := range customers {
		customers[i] = newLoadCustomer(t, key, fmt.Sprint("lease-customer-", i), onB)
	}
	// "second" alone takes the first two chats; the demo agent, less
	// loaded, the next two.
	second := connectAgent(t, "http://"+addrA, "second@parley.local", "pw-second")
	stopFirst := loadCustomers(t, customers[:2]...)
	waitUntil(t, `"second" got the first two chats`, func() bool {
		return customers[0].chat() != "" && customers[1].chat() != "" &&
			second.handedChat(customers[0].chat()) && second.handedChat(customers[1].chat())
	})
	demo := connectAgent(t, "http://"+lb.addr(), "agent@parley.local", "durability")
	stopNext := loadCustomers(t, customers[2:]...)
	waitUntil(t, "the demo agent got the next two chats", func() bool {
		return customers[2].chat() != "" && customers[3].chat() != "" &&
			demo.handedChat(customers[2].chat()) && demo.handedChat(customers[3].chat())
	})
	before := waitAcked(t, "every customer has 10 messages acknowledged", customers, nil, 10)

	killNode(t, nodeA)
	second.Close() // it never comes back
	waitUntil(t, "the demo agent's client reconnected through the relay", func() bool {
		demo.mu.Lock()
		defer demo.mu.Unlock()
		return demo.restored > 0
	})
	// Within the grace period (A's lease is 3 s, then 4 s of grace; the
	// demo agent's client reconnects in well under a second) every chat
	// keeps its agent.
	for i, c := range customers {
		want := "second@parley.local"
		if i >= 2 {
			want = "agent@parley.local"
		}
		if got := presentAgents(t, addrB, c); !slices.Equal(got, []string{want}) {
			t.Errorf("just after node A died, the chat of %s has agents %q, want %q", c.id, got, want)
		}
	}

	waitUntil(t, `the chats of "second" went to the demo agent`, func() bool {
		return demo.handedChat(customers[0].chat()) && demo.handedChat(customers[1].chat())
	})
	waitAcked(t, "every customer has 10 more messages acknowledged after the handover", customers, before, 10)
	stopFirst()
	stopNext()

	demo.mu.Lock()
	status := demo.statuses["second@parley.local"]
	demo.mu.Unlock()
	if status != "offline" {
		t.Errorf(`the demo agent heard that "second" is %q, want offline`, status)
	}
	for i, c := range customers {
		checkStoredAsAcked(t, addrB, c)
		if got := presentAgents(t, addrB, c); !slices.Equal(got, []string{"agent@parley.local"}) {
			t.Errorf("in the end the chat of %s has agents %q", c.id, got)
		}
		stored := demo.waitSeenLast(t, addrB, c)
		seen := demo.seen(c.chat())
		missed, err := inStoreOrder(stored, seen)
		if err != nil {
			t.Errorf("chat of %s: the demo agent: %v", c.id, err)
			continue
		}
		c.mu.Lock()
		membered := slices.Clone(c.membered)
		c.mu.Unlock()
		if i >= 2 {
			if len(missed) > 0 {
				t.Errorf("chat of %s: the demo agent missed %d of %d events", c.id, len(missed), len(stored))
			}
			if slices.Contains(membered, "removed agent@parley.local") {
				t.Errorf("chat of %s: the demo agent was taken out of it: %q", c.id, membered)
			}
			continue
		}
		// Handed over: every event from the first delivered on.
		first := slices.IndexFunc(stored, func(e storedEvent) bool { return e.ID == seen[0] })
		if len(missed) != first {
			t.Errorf("chat of %s: the demo agent missed %d events after the handover", c.id, len(missed)-first)
		}
		if i := slices.Index(membered, "removed second@parley.local"); i < 0 || !slices.Contains(membered[i:], "added agent@parley.local") {
			t.Errorf(`chat of %s: the customer heard %q, want "second" removed, then the demo agent added`, c.id, membered)
		}
	}
}

// presentAgents returns the agents present in the customer's chat, as the
// customer reads it.
func presentAgents(t *testing.T, addr string, c *loadCustomer) []string {
	t.Helper()
	r := dialRTM(t, addr, c.token)
	sum := r.call("get_chats_summary", map[string]any{})
	var agents []string
	for _, ch := range sum["chats_summary"].([]any) {
		ch := ch.(map[string]any)
		if ch["id"] != c.chat() {
			continue
		}
		for _, u := range ch["users"].([]any) {
			u := u.(map[string]any)
			if u["type"] == "agent" && u["present"] == true {
				agents = append(agents, u["id"].(string))
			}
		}
	}
	slices.Sort(agents)
	return agents
}

// TestClusterNATSRestartedUnderLoad: two nodes on a NATS server of the
// test's own. Four customers send messages, two through node A and two
// through node B; the demo agent, on B, is in every chat. The NATS server
// is killed mid-load and, once every customer has had messages
// acknowledged meanwhile, started again on the same port.
//
// While NATS is down sends are still answered and stored (PostgreSQL is
// the truth). When NATS is back each node asks its clients to reconnect
// (service_temporarily_unavailable): every customer and the agent get
// that. Every acknowledged message is stored once; the agent's client,
// which reloads what it missed after its reconnect, delivered every event
// of every chat exactly once, in store order. Afterwards pushes cross the
// nodes again both ways.
func TestClusterNATSRestartedUnderLoad(t *testing.T) {
	ns := startNATSServer(t)
	cl := newCluster(t)
	cl.natsURL = ns.url()
	cl.start(2)
	addrA, addrB, key := cl.addr(0), cl.addr(1), cl.key
	ag := connectAgent(t, "http://"+addrB, "agent@parley.local", "durability")

	customers := make([]*loadCustomer, 4) // 0-1 on A, 2-3 on B
	for i := range customers {
		addr := func() string { return addrB }
		if i < 2 {
			addr = func() string { return addrA }
		}
		customers[i] = newLoadCustomer(t, key, fmt.Sprint("nats-customer-", i), addr)
	}
	stop := loadCustomers(t, customers...)
	before := waitAcked(t, "every customer has 10 messages acknowledged", customers, nil, 10)

	ns.kill()
	down := waitAcked(t, "every customer has 5 messages acknowledged while NATS is down", customers, before, 5)
	for _, c := range customers {
		if r := c.disconnectReasons(); len(r) > 0 {
			t.Errorf("customer %s was disconnected while NATS was down: %q", c.id, r)
		}
	}
	ns.start()
	waitUntil(t, "every customer was asked to reconnect", func() bool {
		for _, c := range customers {
			if !slices.Contains(c.disconnectReasons(), "service_temporarily_unavailable") {
				return false
			}
		}
		return true
	})
	waitAcked(t, "every customer has 10 more messages acknowledged", customers, down, 10)
	stop()
	waitUntil(t, "the agent was asked to reconnect, and did", func() bool {
		ag.mu.Lock()
		defer ag.mu.Unlock()
		return slices.Contains(ag.reasons, "service_temporarily_unavailable") && ag.restored > 0
	})

	for _, c := range customers {
		checkStoredAsAcked(t, addrB, c)
		stored := ag.waitSeenLast(t, addrB, c)
		missed, err := inStoreOrder(stored, ag.seen(c.chat()))
		if err != nil {
			t.Errorf("chat of %s: the agent: %v", c.id, err)
		} else if len(missed) > 0 {
			t.Errorf("chat of %s: the agent missed %d of %d events", c.id, len(missed), len(stored))
		}
	}

	// Across the nodes, both ways: the agent on B answers the customer on
	// A, who answers back.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c0 := customers[0]
	r := dialRTM(t, addrA, c0.token)
	sent, err := ag.SendEvent(ctx, c0.chat(), agent.Event{Type: agent.EventMessage, Text: "from node B after the restart"})
	if err != nil {
		t.Fatal(err)
	}
	for {
		m := waitOne(t, r.frames, "the agent's message on node A")
		if m["action"] == "incoming_event" && m["payload"].(map[string]any)["event"].(map[string]any)["id"] == sent.ID {
			break
		}
	}
	back := r.call("send_event", map[string]any{"chat_id": c0.chat(), "event": map[string]any{"type": "message", "text": "from node A after the restart"}})
	waitUntil(t, "the customer's answer reached the agent on node B", func() bool {
		return slices.Contains(ag.seen(c0.chat()), back["event_id"].(string))
	})
}
