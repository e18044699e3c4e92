package main

import (
	"fmt"
	"slices"
	"testing"
)

// queuePlaces returns the places a customer was told for a chat, in the
// order it was told them.
func queuePlaces(log []map[string]any, chatID string) []int {
	var out []int
	for _, m := range log {
		if m["type"] != "push" || m["action"] != "queue_position_updated" {
			continue
		}
		p := m["payload"].(map[string]any)
		if p["chat_id"] == chatID {
			out = append(out, int(p["queue"].(map[string]any)["position"].(float64)))
		}
	}
	return out
}

// TestClusterQueuePositions: customers on two nodes wait in one queue for
// an agent on the first node. Each is told its place when queued and as
// the chats ahead are given out, by whichever node changed the queue; no
// customer is ever told a place it had left (a later push never names a
// higher place).
func TestClusterQueuePositions(t *testing.T) {
	cl := startCluster(t, 2)
	cl.addAgent(demoAgent, 1)
	ag := cl.agentPeer(0, demoAgent)
	type waiting struct {
		cu     *peer
		chatID string
	}
	var all []waiting
	for i := range 4 {
		cu := mustDialPeer(t, cl.addr(i%2), "customer", cl.customerToken(fmt.Sprintf("queued-%d", i)))
		id := cu.mustCall("start_chat", map[string]any{"chat": map[string]any{}})["chat"].(map[string]any)["id"].(string)
		all = append(all, waiting{cu, id})
		if i == 0 {
			ag.mustWaitFor("the first chat routed to the agent", func(log []map[string]any) bool {
				return slices.Contains(assignedChats(log, demoAgent), id)
			})
		}
	}
	// told waits until each customer still queued was last told its place.
	told := func(when string, queued []waiting) {
		t.Helper()
		waitUntil(t, when, func() bool {
			for i, w := range queued {
				got := queuePlaces(w.cu.frames(), w.chatID)
				if len(got) == 0 || got[len(got)-1] != i+1 {
					return false
				}
			}
			return true
		})
	}
	told("the queued customers told their places", all[1:])
	for i := 1; i < len(all); i++ {
		// The agent closes its chat: the next one is given out, on
		// whichever node, and the others move up.
		ag.mustCall("deactivate_chat", map[string]any{"chat_id": all[i-1].chatID})
		ag.mustWaitFor("the next chat routed to the agent", func(log []map[string]any) bool {
			return slices.Contains(assignedChats(log, demoAgent), all[i].chatID)
		})
		told(fmt.Sprintf("the places after %d chats given out", i), all[i+1:])
	}
	for i, w := range all {
		got := queuePlaces(w.cu.frames(), w.chatID)
		if i > 0 && len(got) == 0 {
			t.Errorf("customer %d was never told its place", i)
		}
		if !slices.IsSortedFunc(got, func(a, b int) int { return b - a }) {
			t.Errorf("customer %d was told places %v: a later place is higher", i, got)
		}
	}
	if errs := cl.errorLogs(); len(errs) > 0 {
		t.Errorf("the nodes logged errors:\n%v", errs)
	}
}
