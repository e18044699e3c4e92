package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/agent"
)

// TestClusterNoFalseGaps: two nodes; three customers on node A send
// messages into their chats while the demo agent, on node B, sends into the
// same three chats at the same time. A chat's events are stored in turn by
// both nodes, and every push carries its place in the chat: the receiving
// nodes must never take this normal operation for a lost push (were a push
// to overtake another, it would be held until the earlier one came): no
// client is ever asked to
// reconnect (no customer_disconnected or agent_disconnected at all, no
// lost connection, each customer logged in once), and the agent's client
// delivered every event of every chat but its own answers exactly once, in
// store order, none missing.
func TestClusterNoFalseGaps(t *testing.T) {
	cl := startCluster(t, 2)
	addrA, addrB, key := cl.addr(0), cl.addr(1), cl.key
	ag := connectAgent(t, "http://"+addrB, "agent@parley.local", "durability")

	customers := make([]*loadCustomer, 3)
	for i := range customers {
		customers[i] = newLoadCustomer(t, key, fmt.Sprint("concurrent-customer-", i), func() string { return addrA })
	}
	stop := loadCustomers(t, customers...)
	waitUntil(t, "the agent has every chat", func() bool {
		for _, c := range customers {
			if c.chat() == "" || !ag.handedChat(c.chat()) {
				return false
			}
		}
		return true
	})

	// The agent answers in every chat as fast as it can while the
	// customers send.
	const answers = 60
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		sent = map[string]bool{} // the agent's answers, which its client does not deliver as incoming events
	)
	for _, c := range customers {
		wg.Go(func() {
			for i := range answers {
				e, err := ag.SendEvent(ctx, c.chat(), agent.Event{Type: agent.EventMessage, Text: fmt.Sprint("answer ", i)})
				if err != nil {
					t.Errorf("the agent's answer %d to %s: %v", i, c.id, err)
					return
				}
				mu.Lock()
				sent[e.ID] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// The chats end with customers' messages, which the agent's client
	// delivers (it does not deliver its own): two more acknowledged each,
	// the second sent after the agent's last answer was stored.
	waitAcked(t, "two more messages from each customer", customers, waitAcked(t, "the counts", customers, nil, 0), 2)
	stop()

	for _, c := range customers {
		checkStoredAsAcked(t, addrB, c)
		stored := ag.waitSeenLast(t, addrB, c)
		missed, err := inStoreOrder(stored, ag.seen(c.chat()))
		if err != nil {
			t.Errorf("chat of %s: the agent: %v", c.id, err)
		} else {
			n := 0
			for _, id := range missed {
				if !sent[id] {
					n++
				}
			}
			if n > 0 || len(missed) != answers {
				t.Errorf("chat of %s: the agent's client did not deliver %d of %d events, %d of them not its own (of %d)", c.id, len(missed), len(stored), n, answers)
			}
		}
		if r := c.disconnectReasons(); len(r) > 0 {
			t.Errorf("customer %s was disconnected: %q", c.id, r)
		}
		if acked, conns := c.ackedCount(); conns != 1 || acked == 0 {
			t.Errorf("customer %s: %d messages acknowledged over %d connections, want some over 1", c.id, acked, conns)
		}
	}
	ag.mu.Lock()
	defer ag.mu.Unlock()
	if ag.lost > 0 || len(ag.reasons) > 0 {
		t.Errorf("the agent lost its connection %d times, was disconnected with %q", ag.lost, ag.reasons)
	}
}
