package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// The cluster's correctness over real nodes: what clients connected to
// different nodes see of one chat, and routing decided by several nodes
// at once. Each test starts its own nodes on a fresh database.

// assignment returns the chat a frame says routing gave an agent:
// incoming_chat_thread with the agent a present member.
func assignment(m map[string]any, agentID string) (chatID string, ok bool) {
	if m["type"] != "push" || m["action"] != "incoming_chat_thread" {
		return "", false
	}
	c := m["payload"].(map[string]any)["chat"].(map[string]any)
	for _, u := range c["users"].([]any) {
		if u := u.(map[string]any); u["id"] == agentID && u["type"] == "agent" && u["present"] == true {
			return c["id"].(string), true
		}
	}
	return "", false
}

// assignedChats returns the chats routing gave an agent, by its log: each
// once, in the order they came.
func assignedChats(log []map[string]any, agentID string) []string {
	var ids []string
	for _, m := range log {
		if id, ok := assignment(m, agentID); ok && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// startRoutedChat starts a chat for customer and waits until routing gives
// it to the agent.
func startRoutedChat(t *testing.T, customer, agent *peer, agentID string) string {
	t.Helper()
	id := customer.mustCall("start_chat", map[string]any{"chat": map[string]any{}})["chat"].(map[string]any)["id"].(string)
	agent.mustWaitFor("the chat routed to the agent", func(log []map[string]any) bool {
		return slices.Contains(assignedChats(log, agentID), id)
	})
	return id
}

// sendAtOnce has each sender send n messages to a chat, all at once, none
// waiting for another, and checks that every watcher is pushed each event
// of the chat exactly once, in the order of the store (get_chat_threads
// read at the end).
func sendAtOnce(t *testing.T, chatID string, n int, senders, watchers map[string]*peer) {
	t.Helper()
	var wg sync.WaitGroup
	for name, p := range senders {
		wg.Go(func() {
			if err := p.sendMessages(chatID, name, n); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	var reader *peer
	for _, p := range senders {
		reader = p
		break
	}
	stored := chatEventIDs(reader.mustCall, chatID)
	if len(stored) != n*len(senders) {
		t.Fatalf("%d events stored, %d sent", len(stored), n*len(senders))
	}
	// Every event once, in store order; then one more from each sender,
	// so that a copy of an earlier event arriving late shows too.
	check := func(want []string) {
		t.Helper()
		for _, name := range slices.Sorted(maps.Keys(watchers)) {
			log := watchers[name].mustWaitFor(fmt.Sprintf("the %d events on %s", len(want), name), func(log []map[string]any) bool {
				seen := seenEvents(log, chatID)
				return !slices.ContainsFunc(want, func(id string) bool { return !slices.Contains(seen, id) })
			})
			if seen := seenEvents(log, chatID); !slices.Equal(seen, want) {
				t.Errorf("%s was pushed %d events, the store holds %d; %s", name, len(seen), len(want), firstDifference(seen, want))
			}
		}
	}
	check(stored)
	for name, p := range senders {
		if err := p.sendMessages(chatID, name+" last", 1); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	check(chatEventIDs(reader.mustCall, chatID))
}

// firstDifference describes where the events a client was pushed first
// differ from the stored ones.
func firstDifference(seen, stored []string) string {
	i := 0
	for i < len(seen) && i < len(stored) && seen[i] == stored[i] {
		i++
	}
	return fmt.Sprintf("from event %d on the client was pushed %v, the store holds %v", i, seen[i:min(i+4, len(seen))], stored[i:min(i+4, len(stored))])
}

// TestClusterTwoTabs: one customer in two tabs, one connected to node 1
// and one to node 2, and an agent on node 2. Both tabs and the agent send
// at once; each tab, and the agent, is pushed every event of the chat
// exactly once, in the store's order.
func TestClusterTwoTabs(t *testing.T) {
	cl := startCluster(t, 2)
	ag := cl.agentPeer(1, demoAgent)
	tok := cl.customerToken("two-tabs")
	tab1 := mustDialPeer(t, cl.addr(0), "customer", tok)
	tab2 := mustDialPeer(t, cl.addr(1), "customer", tok)
	chatID := startRoutedChat(t, tab1, ag, demoAgent)
	all := map[string]*peer{"tab on node 1": tab1, "tab on node 2": tab2, "agent on node 2": ag}
	sendAtOnce(t, chatID, 20, all, all)
}

// TestClusterConcurrentSenders: a customer on node 1 and an agent on node
// 2 send many messages to one chat at once, without waiting for each
// other. Both are pushed the chat's events in one and the same order, the
// store's.
func TestClusterConcurrentSenders(t *testing.T) {
	cl := startCluster(t, 2)
	ag := cl.agentPeer(1, demoAgent)
	cu := mustDialPeer(t, cl.addr(0), "customer", cl.customerToken("concurrent"))
	chatID := startRoutedChat(t, cu, ag, demoAgent)
	all := map[string]*peer{"customer on node 1": cu, "agent on node 2": ag}
	sendAtOnce(t, chatID, 100, all, all)
}

// routedChat is a chat TestClusterRouting200 started.
type routedChat struct {
	id         string
	sent, done int64 // the order of the start_chat request and of its answer among all of them
}

// TestClusterRouting200: three nodes, four agents of five chats each
// spread over them, and 200 customers starting a chat at once, spread over
// the nodes too. Routing fills the agents (20 chats) and queues the rest.
// Then, round after round, each agent closes one of its chats; the freed
// places go to the head of the queue. Throughout:
//
//   - no agent has more than five active chats: neither in what it is
//     pushed (chats given minus chats it asked to close) nor in list_agents;
//   - no chat is given to two agents, and in the end each went to one;
//   - the queue is first in, first out: its order is the queue positions
//     list_chats reports; a chat whose start_chat was answered before
//     another's was sent is ahead of it, or took an agent while that one
//     did not; and after each round the chats given out are exactly the
//     head of the queue;
//   - no node logs an error, though the nodes race to give out each freed
//     place.
func TestClusterRouting200(t *testing.T) {
	const (
		customers = 200
		maxChats  = 5
	)
	cl := startCluster(t, 3)
	emails := []string{demoAgent, "bo@shop.test", "cy@shop.test", "di@shop.test"}
	agents := make([]*peer, len(emails))
	for i, email := range emails {
		cl.addAgent(email, maxChats)
		agents[i] = cl.agentPeer(i%3, email)
	}
	capacity := maxChats * len(agents)

	tokens := make([]string, customers)
	for i := range tokens {
		tokens[i] = cl.customerToken(fmt.Sprintf("customer-%03d", i))
	}
	var (
		clock atomic.Int64
		chats = make([]routedChat, customers)
		wg    sync.WaitGroup
	)
	for i := range customers {
		wg.Go(func() {
			p, err := dialPeer(t, cl.addr(i%3), "customer", tokens[i])
			if err != nil {
				t.Errorf("customer %d: %v", i, err)
				return
			}
			sent := clock.Add(1)
			resp, err := p.call("start_chat", map[string]any{"chat": map[string]any{}})
			if err != nil {
				t.Errorf("customer %d: %v", i, err)
				return
			}
			chats[i] = routedChat{id: resp["chat"].(map[string]any)["id"].(string), sent: sent, done: clock.Add(1)}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// given returns the chats given to each agent so far, and checks that
	// none went to two agents and that no agent held more than maxChats.
	given := func() [][]string {
		t.Helper()
		out := make([][]string, len(agents))
		owner := map[string]string{}
		for i, ag := range agents {
			log := ag.frames()
			out[i] = assignedChats(log, emails[i])
			for _, id := range out[i] {
				if o, ok := owner[id]; ok {
					t.Fatalf("chat %s given to %s and to %s", id, o, emails[i])
				}
				owner[id] = emails[i]
			}
			if n := maxLoad(log, emails[i]); n > maxChats {
				t.Fatalf("%s held %d active chats, over its limit of %d", emails[i], n, maxChats)
			}
		}
		return out
	}
	// waitGiven waits until n chats are given out in all.
	waitGiven := func(n int) [][]string {
		t.Helper()
		var g [][]string
		waitUntil(t, fmt.Sprintf("%d chats given out", n), func() bool {
			g = given()
			return len(slices.Concat(g...)) >= n
		})
		return g
	}
	// checkLoads checks the loads list_agents reports.
	checkLoads := func() {
		t.Helper()
		for _, a := range agents[0].mustCall("list_agents", map[string]any{})["agents"].([]any) {
			a := a.(map[string]any)
			if n := a["active_chats"].(float64); n > maxChats {
				t.Fatalf("list_agents: %s has %v active chats, over its limit of %d", a["id"], n, maxChats)
			}
		}
	}

	g := waitGiven(capacity)
	checkLoads()
	queue := queueOrder(t, agents[0])
	if len(queue) != customers-capacity {
		t.Fatalf("%d chats queued, want %d", len(queue), customers-capacity)
	}
	byID := map[string]routedChat{}
	for _, c := range chats {
		byID[c.id] = c
	}
	for _, x := range slices.Concat(g...) {
		for _, y := range queue {
			if byID[y].done < byID[x].sent {
				t.Errorf("chat %s was queued before chat %s was started, yet %s took an agent first", y, x, x)
			}
		}
	}
	for i, x := range queue {
		for _, y := range queue[:i] {
			if byID[x].done < byID[y].sent {
				t.Errorf("chat %s was queued before chat %s was started, yet it is behind it in the queue", x, y)
			}
		}
	}

	// Free a place per agent at a time: the freed places go to the head of
	// the queue.
	open := slices.Clone(g) // each agent's active chats, oldest first
	for served := 0; served < len(queue); {
		var (
			closing sync.WaitGroup
			freed   int
		)
		for i, ag := range agents {
			if len(open[i]) == 0 {
				continue
			}
			id := open[i][0]
			open[i] = open[i][1:]
			freed++
			ag.note(map[string]any{"note": "close", "chat_id": id})
			closing.Go(func() {
				if _, err := ag.call("deactivate_chat", map[string]any{"chat_id": id}); err != nil {
					t.Errorf("%s closing %s: %v", emails[i], id, err)
				}
			})
		}
		closing.Wait()
		if freed == 0 {
			t.Fatalf("%d chats still queued, and no agent has a chat to close", len(queue)-served)
		}
		k := min(freed, len(queue)-served)
		before := g
		g = waitGiven(len(slices.Concat(g...)) + k)
		var got []string
		for i := range g {
			got = append(got, g[i][len(before[i]):]...)
			open[i] = append(open[i], g[i][len(before[i]):]...)
		}
		want := queue[served : served+k]
		if !sameSet(got, want) {
			t.Fatalf("after %d chats served from the queue, the next %d places went to %v, want the head of the queue %v", served, k, got, want)
		}
		served += k
		checkLoads()
	}
	if n := len(slices.Concat(given()...)); n != customers {
		t.Errorf("%d chats given out, want %d", n, customers)
	}
	stored := chatAgents(t, agents[0])
	for _, c := range chats {
		if a := stored[c.id]; len(a) != 1 {
			t.Errorf("chat %s has agents %v in the store, want one", c.id, a)
		}
	}
	if errs := cl.errorLogs(); len(errs) > 0 {
		t.Errorf("the nodes logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// TestClusterTakeQueuedChats: ten chats wait in the queue while the two
// agents, one on each node, do not accept chats; then both start
// accepting at once, so that both nodes give out the same queued chats at
// once. Each chat goes to exactly one agent (in the pushes and in the
// store), no agent goes past its limit, and neither node logs an error for
// the chats the other took first.
func TestClusterTakeQueuedChats(t *testing.T) {
	const chats, maxChats = 10, 5
	cl := startCluster(t, 2)
	emails := []string{demoAgent, "bo@shop.test"}
	agents := make([]*peer, len(emails))
	for i, email := range emails {
		cl.addAgent(email, maxChats)
		agents[i] = cl.agentPeer(i, email)
		agents[i].mustCall("set_routing_status", map[string]any{"status": "not_accepting_chats"})
	}
	for i := range chats {
		cu := mustDialPeer(t, cl.addr(i%2), "customer", cl.customerToken(fmt.Sprintf("customer-%d", i)))
		cu.mustCall("start_chat", map[string]any{"chat": map[string]any{}})
	}
	if q := queueOrder(t, agents[0]); len(q) != chats {
		t.Fatalf("%d chats queued, want %d", len(q), chats)
	}

	var wg sync.WaitGroup
	for _, ag := range agents {
		wg.Go(func() {
			if _, err := ag.call("set_routing_status", map[string]any{"status": "accepting_chats"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	owner := map[string]string{}
	waitUntil(t, "every queued chat given out", func() bool {
		clear(owner)
		for i, ag := range agents {
			log := ag.frames()
			for _, id := range assignedChats(log, emails[i]) {
				if o, ok := owner[id]; ok {
					t.Fatalf("chat %s given to %s and to %s", id, o, emails[i])
				}
				owner[id] = emails[i]
			}
			if n := maxLoad(log, emails[i]); n > maxChats {
				t.Fatalf("%s was given %d chats, over its limit of %d", emails[i], n, maxChats)
			}
		}
		return len(owner) == chats
	})
	for id, a := range chatAgents(t, agents[0]) {
		if len(a) != 1 || a[0] != owner[id] {
			t.Errorf("chat %s has agents %v in the store; it was given to %s", id, a, owner[id])
		}
	}
	if errs := cl.errorLogs(); len(errs) > 0 {
		t.Errorf("the nodes logged errors:\n%s", strings.Join(errs, "\n"))
	}
}

// maxLoad returns the most active chats an agent held by its log: the
// chats routing gave it, less those it asked to close (noted before the
// request, so that a place freed is never counted taken twice).
func maxLoad(log []map[string]any, agentID string) int {
	var (
		load, most int
		seen       = map[string]bool{}
	)
	for _, m := range log {
		if m["note"] == "close" {
			load--
		} else if id, ok := assignment(m, agentID); ok && !seen[id] {
			seen[id] = true
			load++
			most = max(most, load)
		}
	}
	return most
}

// listChats returns every chat list_chats gives the agent with filters,
// page after page.
func listChats(t *testing.T, ag *peer, filters map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for {
		resp := ag.mustCall("list_chats", map[string]any{"offset": len(out), "limit": 100, "filters": filters})
		list := resp["chats_summary"].([]any)
		for _, c := range list {
			out = append(out, c.(map[string]any))
		}
		if len(list) == 0 || len(out) >= int(resp["total_chats"].(float64)) {
			return out
		}
	}
}

// queueOrder returns the queued chats in the order of their queue
// positions (list_chats with the queued filter), checking that the
// positions are 1 to n.
func queueOrder(t *testing.T, ag *peer) []string {
	t.Helper()
	queued := listChats(t, ag, map[string]any{"queued": true})
	out := make([]string, len(queued))
	for _, c := range queued {
		pos := int(c["queue"].(map[string]any)["position"].(float64))
		if pos < 1 || pos > len(out) || out[pos-1] != "" {
			t.Fatalf("chat %s at queue position %d of %d queued chats (%v)", c["id"], pos, len(out), out)
		}
		out[pos-1] = c["id"].(string)
	}
	return out
}

// chatAgents returns the present agents of every chat of the license, as
// list_chats reads them from the store.
func chatAgents(t *testing.T, ag *peer) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, c := range listChats(t, ag, map[string]any{}) {
		id := c["id"].(string)
		out[id] = nil
		for _, u := range c["users"].([]any) {
			if u := u.(map[string]any); u["type"] == "agent" && u["present"] == true {
				out[id] = append(out[id], u["id"].(string))
			}
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
