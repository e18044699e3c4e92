package chat_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// permCase is one action of an agent on a chat of group 0 (docs/agent-api.md,
// "Permissions"). do returns nil when the action was allowed, and
// ErrNotFound from the listings when they leave the chat out.
type permCase struct {
	action string
	// setup prepares the chat before the action (nil: nothing).
	setup func(e *env, chatID string)
	do    func(e *env, a chat.Actor, chatID, customerID string) error
	// want gives the outcome from the role and from whether the agent may
	// see the chat (visible).
	want func(manager, visible bool) error
}

// Outcomes of the permission matrix.
func seeOrNotFound(_, visible bool) error {
	if visible {
		return nil
	}
	return chat.ErrNotFound
}

func managerOnly(manager, visible bool) error {
	switch {
	case !visible:
		return chat.ErrNotFound
	case !manager:
		return chat.ErrForbidden
	}
	return nil
}

func banRule(manager, _ bool) error {
	if !manager {
		return chat.ErrForbidden
	}
	return nil
}

func always(_, _ bool) error { return nil }

// actor is the actor of an agent.
func (e *env) actor(id string) chat.Actor {
	return chat.Actor{LicenseID: license, UserID: id, Type: chat.UserAgent}
}

const (
	hostAgent   = "host@x"   // an owner of group 0 who is in every chat
	targetAgent = "target@x" // a normal agent of group 0, online, not given chats
)

// listed reports ErrNotFound unless chatID is among sums.
func listed(sums []chat.ChatSummary, err error, chatID string) error {
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(sums, func(s chat.ChatSummary) bool { return s.Chat.ID == chatID }) {
		return fmt.Errorf("chat %s not listed: %w", chatID, chat.ErrNotFound)
	}
	return nil
}

var permCases = []permCase{
	{action: "list_chats", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		sums, _, err := e.svc.ListChats(e.ctx, a, chat.ListChats{Limit: chat.MaxAgentChatsLimit})
		return listed(sums, err, id)
	}},
	{action: "list_chats (queued)", want: seeOrNotFound, setup: func(e *env, id string) {
		e.must(e.svc.LeaveChat(e.ctx, e.actor(hostAgent), id, hostAgent), "the host leaves")
	}, do: func(e *env, a chat.Actor, id, _ string) error {
		sums, _, err := e.svc.ListChats(e.ctx, a, chat.ListChats{Limit: chat.MaxAgentChatsLimit, Queued: true})
		return listed(sums, err, id)
	}},
	{action: "search_chats", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		return searched(e, a, id)
	}},
	{action: "search_chats (archived)", want: seeOrNotFound, setup: func(e *env, id string) {
		_, err := e.svc.CloseThread(e.ctx, e.actor(hostAgent), id)
		e.must(err, "CloseThread")
	}, do: func(e *env, a chat.Actor, id, _ string) error {
		return searched(e, a, id)
	}},
	{action: "get_chats_summary", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		sums, _, err := e.svc.ChatsSummary(e.ctx, a, 0, chat.MaxChatsSummary, true)
		return listed(sums, err, id)
	}},
	{action: "get_chat", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		_, err := e.svc.ChatThreads(e.ctx, a, id, nil, nil, func(chat.Event) bool { return true })
		return err
	}},
	{action: "get_chat_threads_summary", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		_, _, err := e.svc.ThreadsSummary(e.ctx, a, id, 0, 0)
		return err
	}},
	{action: "get_customer", want: seeOrNotFound, do: func(e *env, a chat.Actor, _, cu string) error {
		_, err := e.svc.Customer(e.ctx, a, cu)
		return err
	}},
	{action: "join_chat", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		return e.svc.JoinChat(e.ctx, a, id)
	}},
	{action: "remove_user_from_chat (itself)", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		_ = e.svc.JoinChat(e.ctx, a, id)
		return e.svc.LeaveChat(e.ctx, a, id, a.UserID)
	}},
	{action: "remove_user_from_chat (another agent)", want: managerOnly, do: func(e *env, a chat.Actor, id, _ string) error {
		return e.svc.LeaveChat(e.ctx, a, id, hostAgent)
	}},
	{action: "send_event (message)", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		_ = e.svc.JoinChat(e.ctx, a, id)
		_, err := e.svc.SendEvent(e.ctx, a, id, message("hi"), false)
		return err
	}},
	{action: "send_event (system_message)", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		_ = e.svc.JoinChat(e.ctx, a, id)
		_, err := e.svc.SendEvent(e.ctx, a, id, chat.Event{Type: chat.EventSystemMessage, Text: "closing soon"}, false)
		return err
	}},
	{action: "send_typing_indicator", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		return e.svc.SendTyping(e.ctx, a, id, true)
	}},
	{action: "deactivate_chat", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		_, err := e.svc.CloseThread(e.ctx, a, id)
		return err
	}},
	{action: "activate_chat", want: seeOrNotFound, setup: func(e *env, id string) {
		_, err := e.svc.CloseThread(e.ctx, e.actor(hostAgent), id)
		e.must(err, "CloseThread")
	}, do: func(e *env, a chat.Actor, id, _ string) error {
		_, _, err := e.svc.ActivateChat(e.ctx, a, id, chat.StartChat{})
		return err
	}},
	{action: "transfer_chat (agent)", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		return e.svc.TransferChat(e.ctx, a, id, chat.TransferTarget{Type: chat.TransferToAgent, AgentID: targetAgent})
	}},
	{action: "transfer_chat (group)", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		return e.svc.TransferChat(e.ctx, a, id, chat.TransferTarget{Type: chat.TransferToGroup, GroupID: 2})
	}},
	{action: "update_chat_properties", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		return e.svc.UpdateProperties(e.ctx, a, chat.PropertyTarget{ChatID: id}, chat.Properties{"ns": {"k": "v"}})
	}},
	{action: "update_thread_properties", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		c, err := e.store.Chat(e.ctx, id)
		e.must(err, "Chat")
		return e.svc.UpdateProperties(e.ctx, a, chat.PropertyTarget{ChatID: id, ThreadID: c.LastThreadID}, chat.Properties{"ns": {"k": "v"}})
	}},
	{action: "delete_chat_properties", want: seeOrNotFound, setup: func(e *env, id string) {
		e.must(e.svc.UpdateProperties(e.ctx, e.actor(hostAgent), chat.PropertyTarget{ChatID: id}, chat.Properties{"ns": {"k": "v"}}), "UpdateProperties")
	}, do: func(e *env, a chat.Actor, id, _ string) error {
		return e.svc.DeleteProperties(e.ctx, a, chat.PropertyTarget{ChatID: id}, chat.PropertyNames{"ns": {"k"}})
	}},
	{action: "send_event (note)", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		_ = e.svc.JoinChat(e.ctx, a, id)
		_, err := e.svc.SendEvent(e.ctx, a, id, chat.Event{Type: chat.EventMessage, Text: "vip", Visibility: chat.VisibilityAgents}, false)
		return err
	}},
	{action: "tag_thread", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		c, err := e.store.Chat(e.ctx, id)
		e.must(err, "Chat")
		return e.svc.TagThread(e.ctx, a, id, c.LastThreadID, "vip")
	}},
	{action: "untag_thread", want: seeOrNotFound, setup: func(e *env, id string) {
		c, err := e.store.Chat(e.ctx, id)
		e.must(err, "Chat")
		e.must(e.svc.TagThread(e.ctx, e.actor(hostAgent), id, c.LastThreadID, "vip"), "TagThread")
	}, do: func(e *env, a chat.Actor, id, _ string) error {
		c, err := e.store.Chat(e.ctx, id)
		e.must(err, "Chat")
		return e.svc.UntagThread(e.ctx, a, id, c.LastThreadID, "vip")
	}},
	{action: "list_chats (tag)", want: seeOrNotFound, setup: func(e *env, id string) {
		c, err := e.store.Chat(e.ctx, id)
		e.must(err, "Chat")
		e.must(e.svc.TagThread(e.ctx, e.actor(hostAgent), id, c.LastThreadID, "vip"), "TagThread")
	}, do: func(e *env, a chat.Actor, id, _ string) error {
		sums, _, err := e.svc.ListChats(e.ctx, a, chat.ListChats{Tag: "vip", Limit: chat.MaxAgentChatsLimit})
		return listed(sums, err, id)
	}},
	{action: "update_last_seen_timestamp", want: seeOrNotFound, do: func(e *env, a chat.Actor, id, _ string) error {
		_ = e.svc.JoinChat(e.ctx, a, id)
		_, err := e.svc.UpdateLastSeen(e.ctx, a, id, time.Time{})
		return err
	}},
	{action: "ban_customer", want: banRule, do: func(e *env, a chat.Actor, _, cu string) error {
		return e.svc.BanCustomer(e.ctx, a, cu, 1)
	}},
	{action: "set_routing_status", want: always, do: func(e *env, a chat.Actor, _, _ string) error {
		return e.svc.SetRoutingStatus(e.ctx, a, chat.NotAccepting)
	}},
	{action: "list_agents", want: always, do: func(e *env, a chat.Actor, _, _ string) error {
		_, err := e.svc.ListAgents(e.ctx, a)
		return err
	}},
	{action: "list_groups", want: always, do: func(e *env, a chat.Actor, _, _ string) error {
		_, err := e.svc.ListGroups(e.ctx, a)
		return err
	}},
}

// searched is ErrNotFound unless a search for the word of the chat's
// first message finds the chat: each cell's chat is the newest.
func searched(e *env, a chat.Actor, id string) error {
	hits, _, err := e.svc.SearchChats(e.ctx, a, chat.SearchChats{Query: "HELL", Limit: chat.SearchMaxLimit})
	if err != nil {
		return err
	}
	for _, h := range hits {
		if h.ChatID == id {
			return nil
		}
	}
	return chat.ErrNotFound
}

// TestPermissions checks every cell of the permission matrix: each agent
// action × role (normal, administrator, vice owner, owner) × the agent in
// the chat's group or not. Each cell acts on a new chat of group 0 with a
// new customer, which the host (an owner) is in.
func TestPermissions(t *testing.T) {
	e := newEnv(t, 0)
	for _, g := range []int{0, 1, 2} {
		e.must(e.store.PutGroup(e.ctx, chat.Group{LicenseID: license, ID: g, Name: fmt.Sprint("group ", g)}), "PutGroup")
	}
	host := e.agentAs(chat.RoleOwner, hostAgent, 100, 0)
	target := e.agent(targetAgent, 100, 0)
	e.connect(target)
	e.must(e.svc.SetRoutingStatus(e.ctx, target, chat.NotAccepting), "SetRoutingStatus")

	type who struct {
		role    string
		inGroup bool
	}
	var agents []who
	for _, role := range []string{chat.RoleNormal, chat.RoleAdministrator, chat.RoleViceOwner, chat.RoleOwner} {
		agents = append(agents, who{role, true}, who{role, false})
	}
	n := 0
	for _, pc := range permCases {
		for _, w := range agents {
			where := "out of group"
			if w.inGroup {
				where = "in group"
			}
			t.Run(fmt.Sprintf("%s/%s/%s", pc.action, w.role, where), func(t *testing.T) {
				n++
				// Agents of group 1 are out of the chat's group; one of
				// groups 1 and 0, in it.
				groups := []int{1}
				if w.inGroup {
					groups = []int{1, 0}
				}
				id := fmt.Sprintf("%s%d@x", w.role, n)
				a := e.agentAs(w.role, id, 100, groups...)
				cu := fmt.Sprint("cu", n)
				chatID := e.startChat(cu)
				e.must(e.svc.JoinChat(e.ctx, host, chatID), "the host joins")
				if pc.setup != nil {
					pc.setup(e, chatID)
				}
				manager := w.role != chat.RoleNormal
				want := pc.want(manager, manager || w.inGroup)
				err := pc.do(e, a, chatID, cu)
				switch {
				case want == nil && err != nil:
					t.Errorf("%s by a %s %s: %v, want it allowed", pc.action, w.role, where, err)
				case want != nil && !errors.Is(err, want):
					t.Errorf("%s by a %s %s: %v, want %v", pc.action, w.role, where, err, want)
				}
			})
		}
	}
}

// TestPermissionsOfMembers: a normal agent keeps the chats it is in after
// its groups change, and transfer_chat only gives a chat to an agent who
// may see it.
func TestPermissionsOfMembers(t *testing.T) {
	e := newEnv(t, 0)
	ann := e.agent("ann@x", 5, 0)
	chatID := e.startChat("cu")
	e.must(e.svc.JoinChat(e.ctx, ann, chatID), "JoinChat")
	// Ann moves to group 1: she still sees the chat she is in.
	e.agent("ann@x", 5, 1)
	if _, err := e.svc.SendEvent(e.ctx, ann, chatID, message("still here"), false); err != nil {
		t.Errorf("a member out of the chat's groups sends: %v", err)
	}
	sums, _, err := e.svc.ListChats(e.ctx, ann, chat.ListChats{})
	if err := listed(sums, err, chatID); err != nil {
		t.Errorf("list_chats of a member out of the chat's groups: %v", err)
	}
	// Once she leaves, the chat is out of her reach.
	e.must(e.svc.LeaveChat(e.ctx, ann, chatID, ann.UserID), "LeaveChat")
	wantErr(t, e.svc.JoinChat(e.ctx, ann, chatID), chat.ErrNotFound, "join again from group 1")

	// A chat of group 0 is not transferred to Bob of group 1.
	bob := e.agent("bob@x", 5, 1)
	e.connect(bob)
	owner := e.agentAs(chat.RoleOwner, "olga@x", 5, 1)
	err = e.svc.TransferChat(e.ctx, owner, chatID, chat.TransferTarget{Type: chat.TransferToAgent, AgentID: bob.UserID})
	wantErr(t, err, chat.ErrInvalid, "transfer to an agent out of the chat's groups")
	e.wantAgents(chatID)

	// An agent deleted since its login is refused.
	_, err = e.svc.ChatThreads(e.ctx, e.actor("gone@x"), chatID, nil, nil, func(chat.Event) bool { return true })
	wantErr(t, err, chat.ErrNotFound, "get_chat of an unknown agent")
}

// TestPushesStayInGroups: the pushes of a chat reach only agents who may
// see it: a normal agent of another group hears nothing of a queued chat,
// nor of the chat once an agent took it.
func TestPushesStayInGroups(t *testing.T) {
	e := newEnv(t, 0)
	outsider := e.agent("out@x", 5, 1)
	e.connect(outsider)
	inGroup := e.agent("in@x", 5, 0)
	chatID := e.startChat("cu") // queued: no agent of group 0 is online
	e.connect(inGroup)          // takes the chat
	e.wantAgents(chatID, inGroup.UserID)
	_, err := e.svc.SendEvent(e.ctx, inGroup, chatID, message("hello"), false)
	e.must(err, "SendEvent")
	_, err = e.svc.CloseThread(e.ctx, inGroup, chatID)
	e.must(err, "CloseThread")

	var heard int
	for _, n := range e.rec.all() {
		if slices.Contains(n.Recipients, chat.Recipient{ID: outsider.UserID, Type: chat.UserAgent}) {
			t.Errorf("the agent of group 1 got %T", n.Push)
		}
		if slices.Contains(n.Recipients, chat.Recipient{ID: inGroup.UserID, Type: chat.UserAgent}) {
			heard++
		}
	}
	if heard == 0 {
		t.Error("the agent of group 0 heard nothing of the chat")
	}
}
