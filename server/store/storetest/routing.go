package storetest

import (
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// testRouting covers what routing reads and writes: the active and queued
// chat filters, chat groups and agent loads.
func testRouting(t *testing.T, mk func(*testing.T) *env) {
	// setup stores, in license 1:
	//   served: active, customer and agent present
	//   queued: active, customer only
	//   left:   active, the agent was present and left (queued again)
	//   closed: closed, customer and agent2 present
	// and in license 2 one active chat of agent.
	type fixture struct{ served, queued, left, closed, other chat.Chat }
	setup := func(e *env) fixture {
		mkChat := func(lic int, users ...chat.User) chat.Chat {
			c, _ := e.newChat(func(nc *chat.NewChat) {
				nc.Chat.LicenseID = lic
				nc.Chat.Users = append([]chat.User{{ID: customer, Type: chat.UserCustomer}}, users...)
			})
			return c
		}
		var f fixture
		f.served = mkChat(license, chat.User{ID: agent, Type: chat.UserAgent})
		f.queued = mkChat(license)
		f.left = mkChat(license, chat.User{ID: agent, Type: chat.UserAgent})
		e.must(e.s.RemoveChatUser(e.ctx, f.left.ID, agent), "RemoveChatUser")
		f.closed = mkChat(license, chat.User{ID: agent2, Type: chat.UserAgent})
		e.close(f.closed.ID)
		f.other = mkChat(license+1, chat.User{ID: agent, Type: chat.UserAgent})
		return f
	}
	ids := func(cs []chat.Chat) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.ID
		}
		return out
	}
	check := func(t *testing.T, e *env, f chat.ChatFilter, want ...chat.Chat) {
		t.Helper()
		got, total, err := e.s.Chats(e.ctx, f, 0, 0)
		e.must(err, "Chats")
		checkIDs(t, "Chats", ids(got), ids(want))
		if total != len(want) {
			t.Errorf("Chats(%+v): total %d, want %d", f, total, len(want))
		}
	}
	t.Run("Filters", func(t *testing.T) {
		e := mk(t)
		f := setup(e)
		check(t, e, chat.ChatFilter{LicenseID: license, Active: true}, f.served, f.queued, f.left)
		check(t, e, chat.ChatFilter{LicenseID: license, Queued: true}, f.queued, f.left)
		check(t, e, chat.ChatFilter{Queued: true}, f.queued, f.left)
		check(t, e, chat.ChatFilter{Active: true}, f.served, f.queued, f.left, f.other)
		check(t, e, chat.ChatFilter{MemberID: agent, Active: true}, f.served, f.other)
		check(t, e, chat.ChatFilter{LicenseID: license, MemberID: agent2, Active: true})
		// A customer's presence does not serve a chat; an agent's does.
		e.must(e.s.AddChatUser(e.ctx, f.queued.ID, chat.User{ID: agent2, Type: chat.UserAgent}), "AddChatUser")
		check(t, e, chat.ChatFilter{LicenseID: license, Queued: true}, f.left)
		e.close(f.left.ID)
		check(t, e, chat.ChatFilter{LicenseID: license, Queued: true})
	})
	t.Run("AgentLoads", func(t *testing.T) {
		e := mk(t)
		f := setup(e)
		loads, err := e.s.AgentLoads(e.ctx, license)
		e.must(err, "AgentLoads")
		if len(loads) != 1 || loads[agent] != 1 {
			t.Errorf("AgentLoads: got %v, want %s: 1 (closed chats, other licenses and departed agents do not count)", loads, agent)
		}
		e.must(e.s.AddChatUser(e.ctx, f.queued.ID, chat.User{ID: agent, Type: chat.UserAgent}), "AddChatUser")
		e.must(e.s.AddChatUser(e.ctx, f.queued.ID, chat.User{ID: agent2, Type: chat.UserAgent}), "AddChatUser")
		e.activate(f.closed.ID, nil, e.message(f.closed.ID, customer, "back"))
		loads, err = e.s.AgentLoads(e.ctx, license)
		e.must(err, "AgentLoads")
		if len(loads) != 2 || loads[agent] != 2 || loads[agent2] != 2 {
			t.Errorf("AgentLoads: got %v, want 2 each", loads)
		}
		none, err := e.s.AgentLoads(e.ctx, 404)
		e.must(err, "AgentLoads(404)")
		if len(none) != 0 {
			t.Errorf("AgentLoads(404): got %v", none)
		}
	})
	t.Run("SetChatGroups", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		e.must(e.s.SetChatGroups(e.ctx, c.ID, []int{2, 5}), "SetChatGroups")
		want := c
		want.GroupIDs = []int{2, 5}
		checkChat(t, "Chat after SetChatGroups", e.chat(c.ID), want)
		wantErr(t, e.s.SetChatGroups(e.ctx, "missing", []int{1}), chat.ErrNotFound, "SetChatGroups(missing)")
	})
}

// testTokens covers token revocation.
func testTokens(t *testing.T, mk func(*testing.T) *env) {
	t.Run("ByID", func(t *testing.T) {
		e := mk(t)
		issued := base
		revoked := func(tokenID, agentID string) bool {
			t.Helper()
			r, err := e.s.TokenRevoked(e.ctx, license, agentID, tokenID, issued)
			e.must(err, "TokenRevoked")
			return r
		}
		if revoked("tok-1", agent) {
			t.Fatal("a token nobody revoked is revoked")
		}
		e.must(e.s.RevokeToken(e.ctx, "tok-1", time.Now().Add(time.Hour)), "RevokeToken")
		e.must(e.s.RevokeToken(e.ctx, "tok-1", time.Now().Add(time.Hour)), "RevokeToken again")
		if !revoked("tok-1", agent) || !revoked("tok-1", "") {
			t.Error("a revoked token is not revoked")
		}
		if revoked("tok-2", agent) {
			t.Error("revoking one token revoked another")
		}
	})
	t.Run("ByAgent", func(t *testing.T) {
		e := mk(t)
		cut := base.Add(time.Hour)
		e.must(e.s.RevokeAgentTokens(e.ctx, license, agent, cut), "RevokeAgentTokens")
		// An earlier cut later changes nothing.
		e.must(e.s.RevokeAgentTokens(e.ctx, license, agent, base), "RevokeAgentTokens earlier")
		for _, c := range []struct {
			license  int
			agent    string
			issued   time.Time
			want     bool
			describe string
		}{
			{license, agent, cut.Add(-time.Second), true, "a token issued before the cut"},
			{license, agent, base.Add(time.Second), true, "a token issued after the earlier, ignored cut"},
			{license, agent, cut, false, "a token issued at the cut"},
			{license, agent, cut.Add(time.Second), false, "a token issued after the cut"},
			{license, agent2, base, false, "another agent's token"},
			{license + 1, agent, base, false, "the same agent id in another license"},
			{license, "", base, false, "a token checked without its agent"},
		} {
			got, err := e.s.TokenRevoked(e.ctx, c.license, c.agent, "tok-"+c.describe, c.issued)
			e.must(err, "TokenRevoked")
			if got != c.want {
				t.Errorf("%s: revoked %v, want %v", c.describe, got, c.want)
			}
		}
	})
}
