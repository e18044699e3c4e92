package server_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/server/chat"
)

// Agents of the routing tests, in id order.
const (
	agentA = "a1@parley.test"
	agentB = "a2@parley.test"
)

// putAgent stores a normal agent of the demo license.
func putAgent(t testing.TB, srv *parleytest.Server, id, name string, groups []int, maxChats int) {
	t.Helper()
	putAgentAs(t, srv, chat.RoleNormal, id, name, groups, maxChats)
}

// putAgentAs stores an agent of the demo license with a role.
func putAgentAs(t testing.TB, srv *parleytest.Server, role, id, name string, groups []int, maxChats int) {
	t.Helper()
	err := srv.Store().PutAgent(context.Background(), chat.Agent{ID: id, LicenseID: srv.License, Name: name, Role: role,
		Groups: groups, MaxChats: maxChats, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
}

func putGroup(t testing.TB, srv *parleytest.Server, id int, name string) {
	t.Helper()
	if err := srv.Store().PutGroup(context.Background(), chat.Group{LicenseID: srv.License, ID: id, Name: name}); err != nil {
		t.Fatal(err)
	}
}

// joined waits for the chat_user_added push about chatID and returns the
// user who joined.
func (c *rtmClient) joined(chatID string) string {
	c.t.Helper()
	var p struct {
		User     wUser  `json:"user"`
		UserType string `json:"user_type"`
	}
	c.waitPushInto(&p, protocol.PushChatUserAdded, forChat(chatID))
	return p.User.ID
}

// left waits for the chat_user_removed push about chatID and returns the
// user who left.
func (c *rtmClient) left(chatID string) string {
	c.t.Helper()
	var p struct {
		UserID string `json:"user_id"`
	}
	c.waitPushInto(&p, protocol.PushChatUserRemoved, forChat(chatID))
	return p.UserID
}

// assigned waits for the incoming_chat_thread that gives chatID to agent c
// and checks that c is in it.
func (c *rtmClient) assigned(chatID string) wChatThread {
	c.t.Helper()
	var ct wChatThread
	c.waitFor("incoming_chat_thread of chat "+chatID+" with the agent in it", func() bool {
		// Earlier copies of the chat (queued, before the agent was in it)
		// are consumed on the way.
		for i := 0; i < len(c.pending); i++ {
			f := c.pending[i]
			if f.Action != protocol.PushIncomingChatThread || !forChat(chatID)(f) {
				continue
			}
			var got wChatThread
			_ = json.Unmarshal(f.Payload, &got)
			c.pending = append(c.pending[:i:i], c.pending[i+1:]...)
			i--
			if slices.ContainsFunc(got.Chat.Users, func(u wUser) bool { return u.ID == c.loginID && u.Present }) {
				ct = got
				return true
			}
		}
		return false
	})
	if !ct.Chat.Thread.Active || len(ct.Chat.Thread.Events) == 0 || !slices.Contains(ct.Chat.Thread.UserIDs, c.loginID) {
		c.fatalf("incoming_chat_thread of %s: thread %+v", chatID, ct.Chat.Thread)
	}
	return ct
}

// setStatus sets the agent's routing status.
func (c *rtmClient) setStatus(status string) {
	c.t.Helper()
	c.ok(protocol.ActionSetRoutingStatus, obj{"status": status})
}

// groupsStatus is get_groups_status for every group.
func (c *rtmClient) groupsStatus() map[string]string {
	c.t.Helper()
	var p struct {
		GroupsStatus map[string]string `json:"groups_status"`
	}
	c.okInto(protocol.ActionGetGroupsStatus, obj{"all": true}, &p)
	return p.GroupsStatus
}

// predicted is get_predicted_agent for group 0: the agent's id, or the
// error type.
func (c *rtmClient) predicted() string {
	c.t.Helper()
	f := c.request(protocol.ActionGetPredictedAgent, nil)
	if e, ok := f.errorOf(); ok {
		return "error " + e.Type
	}
	var p struct {
		Agent struct {
			ID string `json:"id"`
		} `json:"agent"`
	}
	_ = json.Unmarshal(f.Payload, &p)
	return p.Agent.ID
}

type wQueuedSummary struct {
	wChatSummary
	Queue *struct {
		Position int   `json:"position"`
		QueuedAt int64 `json:"queued_at"`
	} `json:"queue"`
}

// queue lists the queued chats (list_chats with filters.queued) as
// chat id → position.
func (c *rtmClient) queue() map[string]int {
	c.t.Helper()
	var p struct {
		ChatsSummary []wQueuedSummary `json:"chats_summary"`
		TotalChats   int              `json:"total_chats"`
	}
	c.okInto(protocol.ActionListChats, obj{"limit": 100, "filters": obj{"queued": true}}, &p)
	out := map[string]int{}
	for _, s := range p.ChatsSummary {
		if s.Queue == nil || s.Queue.QueuedAt == 0 || !s.Active {
			c.fatalf("queued chat %s without queue info: %+v", s.ID, s)
		}
		out[s.ID] = s.Queue.Position
	}
	if p.TotalChats != len(out) {
		c.fatalf("list_chats queued: total %d, %d listed", p.TotalChats, len(out))
	}
	return out
}

type wAgentInfo struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	RoutingStatus string `json:"routing_status"`
	Groups        []int  `json:"groups"`
	ActiveChats   int    `json:"active_chats"`
	MaxChats      int    `json:"max_chats"`
}

// agents is list_agents by id.
func (c *rtmClient) agents() map[string]wAgentInfo {
	c.t.Helper()
	var p struct {
		Agents []wAgentInfo `json:"agents"`
	}
	c.okInto(protocol.ActionListAgents, obj{}, &p)
	out := map[string]wAgentInfo{}
	for _, a := range p.Agents {
		out[a.ID] = a
	}
	return out
}

func wantEqual[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func wantMap(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", what, got, want)
			return
		}
	}
}

// TestRouting follows two agents and three customers through routing: the
// least loaded agent first (ties: the longest since an assignment), the
// agents' limits, the queue and its order, closing chats, the routing
// status, transfers to an agent and to a group, and what
// get_predicted_agent, get_groups_status and list_agents say on the way.
// The steps share the server and run in order.
func TestRouting(t *testing.T) {
	srv := parleytest.NewServer(t)
	putGroup(t, srv, 1, "Billing")
	putAgent(t, srv, agentA, "Ann", []int{0}, 2)
	putAgent(t, srv, agentB, "Bob", []int{0, 1}, 2)

	a1 := dial(t, "agent a1", agentURL(srv), "agent")
	a2 := dial(t, "agent a2", agentURL(srv), "agent")
	c1, _ := newCustomer(t, srv)
	c2, _ := newCustomer(t, srv)
	c3, _ := newCustomer(t, srv)
	var ch [8]string // chats by number
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, func(t *testing.T) {
			bind(t, a1, a2, c1, c2, c3)
			f(t)
		}) {
			t.FailNow()
		}
	}

	step("nobody_online", func(t *testing.T) {
		wantMap(t, "groups status", c1.groupsStatus(), map[string]string{"0": "offline", "1": "offline"})
		wantEqual(t, "predicted agent", c1.predicted(), "error "+protocol.ErrGroupsOffline)
	})

	step("login", func(t *testing.T) {
		for _, a := range []*rtmClient{a1, a2} {
			id := agentA
			if a == a2 {
				id = agentB
			}
			f := a.login(srv.AgentToken(t, id))
			var resp struct {
				MyProfile struct {
					ID            string `json:"id"`
					RoutingStatus string `json:"routing_status"`
					Groups        []int  `json:"groups"`
					MaxChats      int    `json:"max_chats"`
				} `json:"my_profile"`
			}
			_ = json.Unmarshal(f.Payload, &resp)
			if p := resp.MyProfile; p.ID != id || p.RoutingStatus != "accepting_chats" || p.MaxChats != 2 || len(p.Groups) == 0 {
				t.Errorf("%s: my_profile = %s", id, f.Payload)
			}
			a.loginID = id
		}
		// Each agent hears of the other's new status.
		var rs struct {
			AgentID string `json:"agent_id"`
			Status  string `json:"status"`
		}
		a1.waitPushInto(&rs, protocol.PushRoutingStatusSet, func(f frame) bool { return jsonEqual(t, keysOf(t, f.Payload)["agent_id"], `"`+agentB+`"`) })
		wantEqual(t, "routing_status_set status", rs.Status, "accepting_chats")
		wantMap(t, "groups status", c1.groupsStatus(), map[string]string{"0": "online", "1": "online"})
		// Nobody has a chat yet: the first by id.
		wantEqual(t, "predicted agent", c1.predicted(), agentA)
	})

	step("least_loaded", func(t *testing.T) {
		ch[1] = c1.startChat("one").Chat.ID
		wantEqual(t, "chat 1 goes to", c1.joined(ch[1]), agentA)
		ct := a1.assigned(ch[1])
		if ct.Chat.Thread.Events[0].Text != "one" {
			t.Errorf("a1 got %+v", ct)
		}
		a2.noPush(protocol.PushIncomingChatThread, forChat(ch[1]))
		a2.noPush(protocol.PushChatUserAdded, forChat(ch[1]))
		wantEqual(t, "predicted agent", c1.predicted(), agentB)

		ch[2] = c2.startChat("two").Chat.ID
		wantEqual(t, "chat 2 goes to", c2.joined(ch[2]), agentB)
		a2.assigned(ch[2])
		// Equal loads: the agent whose last chat is the oldest.
		wantEqual(t, "predicted agent", c1.predicted(), agentA)
		ch[3] = c3.startChat("three").Chat.ID
		wantEqual(t, "chat 3 goes to", c3.joined(ch[3]), agentA)
		a1.assigned(ch[3])
		wantEqual(t, "predicted agent", c1.predicted(), agentB)
		ag := a1.agents()
		wantEqual(t, "a1 active chats", ag[agentA].ActiveChats, 2)
		wantEqual(t, "a2 active chats", ag[agentB].ActiveChats, 1)
	})

	step("closing_frees_a_slot", func(t *testing.T) {
		a1.ok(protocol.ActionDeactivateChat, obj{"chat_id": ch[1]})
		c1.waitPush(protocol.PushThreadClosed, forChat(ch[1]))
		// a1 and a2 have one chat each; a2 has waited longer.
		wantEqual(t, "predicted agent", c1.predicted(), agentB)
		ch[4] = c1.startChat("four").Chat.ID
		wantEqual(t, "chat 4 goes to", c1.joined(ch[4]), agentB)
		a2.assigned(ch[4])
		ch[5] = c2.startChat("five").Chat.ID
		wantEqual(t, "chat 5 goes to", c2.joined(ch[5]), agentA)
		a1.assigned(ch[5])
		// Everybody is full: chats wait.
		wantMap(t, "groups status", c1.groupsStatus(), map[string]string{"0": "online_for_queue", "1": "online_for_queue"})
		wantEqual(t, "predicted agent", c1.predicted(), "error "+protocol.ErrGroupsOffline)
	})

	step("queue", func(t *testing.T) {
		ch[6] = c3.startChat("six").Chat.ID
		ch[7] = c1.startChat("seven").Chat.ID
		// Queued chats reach every agent of their group, nobody in them.
		for _, a := range []*rtmClient{a1, a2} {
			for _, id := range ch[6:8] {
				var ct wChatThread
				a.waitPushInto(&ct, protocol.PushIncomingChatThread, forChat(id), untagged())
				if len(ct.Chat.Users) != 1 || ct.Chat.Users[0].Type != "customer" {
					t.Errorf("%s: queued chat users %+v", a.name, ct.Chat.Users)
				}
			}
		}
		c3.noPush(protocol.PushChatUserAdded, forChat(ch[6]))
		q := a1.queue()
		if len(q) != 2 || q[ch[6]] != 1 || q[ch[7]] != 2 {
			t.Errorf("queue = %v, want %s at 1 and %s at 2", q, ch[6], ch[7])
		}
		// Mine: an agent's own chats.
		var mine wChatsSummary
		a1.okInto(protocol.ActionListChats, obj{"filters": obj{"mine": true}}, &mine)
		var ids []string
		for _, s := range mine.ChatsSummary {
			ids = append(ids, s.ID)
		}
		slices.Sort(ids)
		want := []string{ch[1], ch[3], ch[5]}
		slices.Sort(want)
		if !slices.Equal(ids, want) || mine.TotalChats != 3 {
			t.Errorf("a1's chats = %v (total %d), want %v", ids, mine.TotalChats, want)
		}
	})

	step("assigned_when_an_agent_frees_up", func(t *testing.T) {
		// a2 closes chat 2: the oldest queued chat goes to it.
		a2.ok(protocol.ActionDeactivateChat, obj{"chat_id": ch[2]})
		wantEqual(t, "chat 6 goes to", c3.joined(ch[6]), agentB)
		a2.assigned(ch[6])
		// The other agent who watched it in the queue sees it taken.
		wantEqual(t, "a1 sees chat 6 taken by", a1.joined(ch[6]), agentB)
		q := a1.queue()
		if len(q) != 1 || q[ch[7]] != 1 {
			t.Errorf("queue = %v, want only %s at 1", q, ch[7])
		}
	})

	step("not_accepting", func(t *testing.T) {
		a1.setStatus("not_accepting_chats")
		var rs struct {
			AgentID string `json:"agent_id"`
			Status  string `json:"status"`
		}
		a2.waitPushInto(&rs, protocol.PushRoutingStatusSet, func(f frame) bool {
			return jsonEqual(t, keysOf(t, f.Payload)["status"], `"not_accepting_chats"`)
		})
		wantEqual(t, "routing_status_set agent", rs.AgentID, agentA)
		// a1 frees a slot but takes no chat.
		a1.ok(protocol.ActionDeactivateChat, obj{"chat_id": ch[3]})
		c1.noPush(protocol.PushChatUserAdded, forChat(ch[7]))
		if q := a2.queue(); len(q) != 1 || q[ch[7]] != 1 {
			t.Errorf("queue = %v, want %s still waiting", q, ch[7])
		}
		ag := a2.agents()
		wantEqual(t, "a1 routing status", ag[agentA].RoutingStatus, "not_accepting_chats")
		wantEqual(t, "a1 active chats", ag[agentA].ActiveChats, 1)
		wantMap(t, "groups status", c1.groupsStatus(), map[string]string{"0": "online_for_queue", "1": "online_for_queue"})
		wantEqual(t, "predicted agent", c1.predicted(), "error "+protocol.ErrGroupsOffline)

		a1.setStatus("accepting_chats")
		wantEqual(t, "chat 7 goes to", c1.joined(ch[7]), agentA)
		a1.assigned(ch[7])
		if q := a2.queue(); len(q) != 0 {
			t.Errorf("queue = %v, want empty", q)
		}
		if e := a1.fail(protocol.ActionSetRoutingStatus, obj{"status": "busy"}); e.Type != protocol.ErrValidation {
			t.Errorf("unknown status: %+v", e)
		}
	})

	type transferred struct {
		ChatID      string            `json:"chat_id"`
		ThreadID    string            `json:"thread_id"`
		RequesterID string            `json:"requester_id"`
		Type        string            `json:"type"`
		IDs         []json.RawMessage `json:"ids"`
	}

	step("transfer_to_agent", func(t *testing.T) {
		// a1 has chats 5 and 7, a2 chats 4 and 6.
		a1.ok(protocol.ActionTransferChat, obj{"chat_id": ch[5], "target": obj{"type": "agent", "ids": []string{agentB}}})
		wantEqual(t, "joined chat 5", c2.joined(ch[5]), agentB)
		wantEqual(t, "left chat 5", c2.left(ch[5]), agentA)
		for _, a := range []*rtmClient{a1, a2} {
			var tr transferred
			a.waitPushInto(&tr, protocol.PushChatTransferred, forChat(ch[5]))
			if tr.RequesterID != agentA || tr.Type != "agent" || len(tr.IDs) != 1 || string(tr.IDs[0]) != `"`+agentB+`"` || tr.ThreadID == "" {
				t.Errorf("%s: chat_transferred = %+v", a.name, tr)
			}
		}
		c2.noPush(protocol.PushChatTransferred)
		// A transfer may go over the agent's limit.
		ag := a1.agents()
		wantEqual(t, "a1 active chats", ag[agentA].ActiveChats, 1)
		wantEqual(t, "a2 active chats", ag[agentB].ActiveChats, 3)
		// a2 is in the chat now: it may write; a1 may not any more.
		a2.ok(protocol.ActionSendEvent, obj{"chat_id": ch[5], "event": message("Bob here")})
		if e := a1.fail(protocol.ActionSendEvent, obj{"chat_id": ch[5], "event": message("x")}); e.Type != protocol.ErrAuthorization {
			t.Errorf("a1 writing into chat 5 after the transfer: %+v", e)
		}
	})

	step("transfer_to_group", func(t *testing.T) {
		// Group 1 has only a2, who hands chat 6 over and is full: the chat
		// waits in group 1's queue.
		a2.ok(protocol.ActionTransferChat, obj{"chat_id": ch[6], "target": obj{"type": "group", "ids": []int{1}}})
		wantEqual(t, "left chat 6", c3.left(ch[6]), agentB)
		var tr transferred
		a2.waitPushInto(&tr, protocol.PushChatTransferred, forChat(ch[6]))
		if tr.RequesterID != agentB || tr.Type != "group" || len(tr.IDs) != 1 || string(tr.IDs[0]) != "1" {
			t.Errorf("chat_transferred = %+v", tr)
		}
		var sum wChatsSummary
		a2.okInto(protocol.ActionListChats, obj{"filters": obj{"queued": true}}, &sum)
		if len(sum.ChatsSummary) != 1 || sum.ChatsSummary[0].ID != ch[6] || sum.ChatsSummary[0].Access == nil ||
			!slices.Equal(sum.ChatsSummary[0].Access.GroupIDs, []int{1}) {
			t.Errorf("queued chats = %+v, want chat 6 in group 1", sum.ChatsSummary)
		}
		// a1 is not in group 1: it hears nothing of the chat any more.
		a1.noPush(protocol.PushChatTransferred, forChat(ch[6]))
		wantMap(t, "groups status", c1.groupsStatus(), map[string]string{"0": "online", "1": "online_for_queue"})
		// a2 closes chat 4: now it has room for chat 6, which it gets back
		// from the queue (nobody else is in group 1).
		a2.ok(protocol.ActionDeactivateChat, obj{"chat_id": ch[4]})
		wantEqual(t, "chat 6 goes to", c3.joined(ch[6]), agentB)
		a2.assigned(ch[6])
	})

	step("transfer_errors", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			payload obj
			want    string
		}{
			{"unknown agent", obj{"chat_id": ch[7], "target": obj{"type": "agent", "ids": []string{"nobody@parley.test"}}}, protocol.ErrValidation},
			{"offline agent", obj{"chat_id": ch[7], "target": obj{"type": "agent", "ids": []string{parleytest.AgentEmail}}}, protocol.ErrValidation},
			{"unknown group", obj{"chat_id": ch[7], "target": obj{"type": "group", "ids": []int{42}}}, protocol.ErrGroupNotFound},
			{"two agents", obj{"chat_id": ch[7], "target": obj{"type": "agent", "ids": []string{agentB, agentA}}}, protocol.ErrValidation},
			{"group id as a string", obj{"chat_id": ch[7], "target": obj{"type": "group", "ids": []string{"1"}}}, protocol.ErrValidation},
			{"unknown type", obj{"chat_id": ch[7], "target": obj{"type": "bot", "ids": []string{agentB}}}, protocol.ErrValidation},
			{"closed chat", obj{"chat_id": ch[1], "target": obj{"type": "agent", "ids": []string{agentB}}}, protocol.ErrValidation},
			{"unknown chat", obj{"chat_id": "NOCHAT", "target": obj{"type": "agent", "ids": []string{agentB}}}, protocol.ErrNotFound},
		} {
			if e := a1.fail(protocol.ActionTransferChat, tc.payload); e.Type != tc.want {
				t.Errorf("%s: %+v, want %s", tc.name, e, tc.want)
			}
		}
	})
}

// TestRoutingReactivation: a closed chat keeps its agents; when the
// customer comes back an online agent keeps the chat, an offline one
// leaves it and the chat is routed again.
func TestRoutingReactivation(t *testing.T) {
	srv := parleytest.NewServer(t)
	putAgent(t, srv, agentA, "Ann", []int{0}, 5)
	putAgent(t, srv, agentB, "Bob", []int{0}, 5)
	a1 := connectAgent(t, srv, agentA)
	c, _ := newCustomer(t, srv)

	chatID := c.startChat("hello").Chat.ID
	wantEqual(t, "chat goes to", c.joined(chatID), agentA)
	c.closeThread(chatID)
	a2 := connectAgent(t, srv, agentB)

	// a1 is online (even not accepting): the new thread is its.
	a1.setStatus("not_accepting_chats")
	nt := c.sendMessage2(chatID, "again")
	if !slices.Contains(nt.Chat.Thread.UserIDs, agentA) {
		t.Errorf("new thread users %v, want %s in", nt.Chat.Thread.UserIDs, agentA)
	}
	a1.waitPush(protocol.PushIncomingChatThread, forChat(chatID))
	c.noPush(protocol.PushChatUserRemoved, forChat(chatID))
	a2.noPush(protocol.PushIncomingChatThread, forChat(chatID))
	c.closeThread(chatID)

	// a1 goes offline: the chat is routed when the customer comes back.
	a1.setStatus("offline")
	var ct wChatThread
	rid, _ := c.sendRequest(protocol.ActionActivateChat, obj{"chat": obj{"id": chatID, "thread": obj{"events": []any{message("third time")}}}})
	c.waitPushInto(&ct, protocol.PushIncomingChatThread, tagged(rid))
	c.waitResponse(rid)
	if slices.Contains(ct.Chat.Thread.UserIDs, agentA) {
		t.Errorf("new thread users %v: the offline agent is still in", ct.Chat.Thread.UserIDs)
	}
	wantEqual(t, "left", c.left(chatID), agentA)
	wantEqual(t, "joined", c.joined(chatID), agentB)
	a2.assigned(chatID)
}

// TestRoutingGracePeriod: an agent whose connection is gone keeps its
// chats for the grace period, then goes offline and its chats go to
// another agent; an agent who comes back in time keeps them.
func TestRoutingGracePeriod(t *testing.T) {
	const grace = 2 * time.Second
	srv := parleytest.NewServer(t, func(c *server.Config) { c.AgentGracePeriod = grace })
	putAgent(t, srv, agentA, "Ann", []int{0}, 5)
	putAgent(t, srv, agentB, "Bob", []int{0}, 5)
	a1 := connectAgent(t, srv, agentA)
	c1, _ := newCustomer(t, srv)
	c2, _ := newCustomer(t, srv)
	ch1 := c1.startChat("one").Chat.ID
	wantEqual(t, "chat 1 goes to", c1.joined(ch1), agentA)
	a2 := connectAgent(t, srv, agentB)
	ch2 := c2.startChat("two").Chat.ID
	wantEqual(t, "chat 2 goes to", c2.joined(ch2), agentB)

	// a2 reconnects within the grace period: it keeps its chat.
	a2.closeNow()
	time.Sleep(grace / 10)
	a2 = connectAgent(t, srv, agentB)

	// a1 is gone for good.
	gone := time.Now()
	a1.closeNow()
	if st := a2.agents()[agentA].RoutingStatus; st != "accepting_chats" {
		t.Errorf("a1 right after leaving: %s, want still accepting_chats", st)
	}
	var rs struct {
		AgentID string `json:"agent_id"`
		Status  string `json:"status"`
	}
	a2.waitPushInto(&rs, protocol.PushRoutingStatusSet, func(f frame) bool {
		return jsonEqual(t, keysOf(t, f.Payload)["status"], `"offline"`)
	})
	if rs.AgentID != agentA {
		t.Errorf("routing_status_set = %+v", rs)
	}
	if waited := time.Since(gone); waited < grace {
		t.Errorf("a1 went offline after %v, before the grace period of %v", waited, grace)
	}
	wantEqual(t, "left chat 1", c1.left(ch1), agentA)
	wantEqual(t, "joined chat 1", c1.joined(ch1), agentB)
	a2.assigned(ch1)
	c2.noPush(protocol.PushChatUserRemoved, forChat(ch2))
	ag := a2.agents()
	wantEqual(t, "a1 status", ag[agentA].RoutingStatus, "offline")
	wantEqual(t, "a1 active chats", ag[agentA].ActiveChats, 0)
	wantEqual(t, "a2 active chats", ag[agentB].ActiveChats, 2)
}

// TestRoutingQueueAfterRestart: the queue is kept in the store: after a
// restart the waiting chats are still queued, in their order, and go to
// the first agent who can take them; an agent who was in a chat before the
// restart and does not come back within the grace period leaves it.
func TestRoutingQueueAfterRestart(t *testing.T) {
	dir := t.TempDir()
	srv := parleytest.NewServer(t, parleytest.WithDataDir(dir), func(c *server.Config) { c.AgentGracePeriod = 3 * time.Second })
	putGroup(t, srv, 1, "Billing")
	putAgent(t, srv, agentA, "Ann", []int{0}, 1)
	putAgentAs(t, srv, chat.RoleAdministrator, agentB, "Bob", []int{1}, 1)
	a1 := connectAgent(t, srv, agentA)
	c1, _ := newCustomer(t, srv)
	c2, _ := newCustomer(t, srv)
	c3, _ := newCustomer(t, srv)
	ch0 := c3.startChat("zero").Chat.ID
	wantEqual(t, "chat 0 goes to", c3.joined(ch0), agentA)
	ch1 := c1.startChat("one").Chat.ID
	ch2 := c2.startChat("two").Chat.ID
	if q := a1.queue(); len(q) != 2 || q[ch1] != 1 || q[ch2] != 2 {
		t.Fatalf("queue before the restart = %v", q)
	}

	srv.Restart(t)

	// a2, an administrator of group 1, sees group 0's queue without
	// taking from it.
	a2 := connectAgent(t, srv, agentB)
	if q := a2.queue(); len(q) != 2 || q[ch1] != 1 || q[ch2] != 2 {
		t.Errorf("queue after the restart = %v, want %s then %s", q, ch1, ch2)
	}
	// a1 does not come back: after the grace period chat 0 waits too, last.
	deadline := time.Now().Add(waitTimeout)
	for {
		q := a2.queue()
		if len(q) == 3 {
			if q[ch1] != 1 || q[ch2] != 2 || q[ch0] != 3 {
				t.Errorf("queue = %v, want %s, %s, %s", q, ch1, ch2, ch0)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("chat 0 never went back to the queue: %v", q)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The first agent of group 0 to log in gets the oldest chat.
	a1 = connectAgent(t, srv, agentA)
	ct := a1.assigned(ch1)
	if ct.Chat.Thread.Events[0].Text != "one" {
		t.Errorf("a1 got %+v", ct)
	}
	if q := a2.queue(); len(q) != 2 || q[ch2] != 1 || q[ch0] != 2 {
		t.Errorf("queue = %v, want %s then %s", q, ch2, ch0)
	}
}

// TestRoutingConcurrency: customers start chats all at once while the
// agents close theirs all at once: no agent ever has more chats than its
// limit, and every chat is given to exactly one agent, once.
func TestRoutingConcurrency(t *testing.T) {
	srv := parleytest.NewServer(t)
	putAgent(t, srv, agentA, "Ann", []int{0}, 3)
	putAgent(t, srv, agentB, "Bob", []int{0}, 3)
	a1 := connectAgent(t, srv, agentA)
	a2 := connectAgent(t, srv, agentB)
	const customers = 14
	custs := make([]*rtmClient, customers)
	for i := range custs {
		custs[i], _ = newCustomer(t, srv)
	}
	rids := make([]string, customers)
	errs := make(chan error, customers)
	for i, c := range custs {
		go func() {
			var err error
			rids[i], err = c.sendRequest(protocol.ActionStartChat, obj{"chat": obj{"thread": obj{"events": []any{message("hi")}}}})
			errs <- err
		}()
	}
	for range custs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	chats := make([]string, customers)
	for i, c := range custs {
		var ct wChatThread
		c.waitPushInto(&ct, protocol.PushIncomingChatThread, tagged(rids[i]))
		c.waitResponse(rids[i])
		chats[i] = ct.Chat.ID
	}
	checkLimits := func() {
		t.Helper()
		for id, a := range a1.agents() {
			if a.ActiveChats > a.MaxChats {
				t.Fatalf("%s has %d chats, limit %d", id, a.ActiveChats, a.MaxChats)
			}
		}
	}
	checkLimits()
	if q := a1.queue(); len(q) != customers-6 {
		t.Errorf("queue has %d chats, want %d", len(q), customers-6)
	}
	closed := map[string]bool{}
	for round := 0; len(closed) < customers; round++ {
		if round > 3*customers {
			t.Fatalf("%d of %d chats closed after %d rounds", len(closed), customers, round)
		}
		type req struct {
			a   *rtmClient
			rid string
		}
		var reqs []req
		for _, a := range []*rtmClient{a1, a2} {
			var mine wChatsSummary
			a.okInto(protocol.ActionListChats, obj{"limit": 100, "filters": obj{"mine": true}}, &mine)
			for _, s := range mine.ChatsSummary {
				if !s.Active {
					continue
				}
				rid, err := a.sendRequest(protocol.ActionDeactivateChat, obj{"chat_id": s.ID})
				if err != nil {
					t.Fatal(err)
				}
				reqs = append(reqs, req{a, rid})
				closed[s.ID] = true
			}
		}
		for _, r := range reqs {
			if f := r.a.waitResponse(r.rid); !*f.Success {
				t.Fatalf("deactivate_chat: %s", f)
			}
		}
		checkLimits()
	}
	for i, c := range custs {
		c.sync()
		if n := len(c.pushLog(protocol.PushChatUserAdded, forChat(chats[i]))); n != 1 {
			t.Errorf("chat %s was given to an agent %d times", chats[i], n)
		}
	}
	if q := a1.queue(); len(q) != 0 {
		t.Errorf("queue = %v, want empty", q)
	}
}

// TestRoutingLimitRaised: raising a full agent's limit in the store (as
// parley agent add does from another process) gives it the queued chats.
func TestRoutingLimitRaised(t *testing.T) {
	srv := parleytest.NewServer(t)
	putAgent(t, srv, agentA, "Ann", []int{0}, 1)
	a1 := connectAgent(t, srv, agentA)
	c1, _ := newCustomer(t, srv)
	c2, _ := newCustomer(t, srv)
	ch1 := c1.startChat("one").Chat.ID
	wantEqual(t, "chat 1 goes to", c1.joined(ch1), agentA)
	ch2 := c2.startChat("two").Chat.ID
	if q := a1.queue(); len(q) != 1 || q[ch2] != 1 {
		t.Fatalf("queue = %v, want %s", q, ch2)
	}
	putAgent(t, srv, agentA, "Ann", []int{0}, 2)
	wantEqual(t, "chat 2 goes to", c2.joined(ch2), agentA)
	a1.assigned(ch2)
	wantEqual(t, "max_chats", a1.agents()[agentA].MaxChats, 2)
}
