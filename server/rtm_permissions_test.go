package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
)

// Agents of the permission tests.
const (
	outsider  = "eve@parley.test"  // normal, group 1
	normal0   = "nick@parley.test" // normal, group 0
	adminOut  = "ada@parley.test"  // administrator, group 1
	ownerTest = parleytest.AgentEmail
)

// TestAgentOutOfGroup: a normal agent of group 1 can neither see nor act
// on a chat of group 0, over the agent RTM and the agent HTTP API; it is
// not told about it either. Before, it read the chat, posted a system
// message into it, removed the owner, transferred and closed it and banned
// its customer.
func TestAgentOutOfGroup(t *testing.T) {
	srv := parleytest.NewServer(t)
	putGroup(t, srv, 1, "Billing")
	putAgent(t, srv, outsider, "Eve", []int{1}, 5)
	eve := connectAgent(t, srv, outsider)
	owner := connectAgent(t, srv, ownerTest)
	cust, custID := newCustomer(t, srv)
	chatID := cust.startChat("my card number is …").Chat.ID
	owner.assigned(chatID)
	cust.sendMessage(chatID, "and my address is …")

	// Nothing of the chat reaches Eve.
	for _, push := range []string{protocol.PushIncomingChatThread, protocol.PushIncomingEvent, protocol.PushChatUserAdded} {
		eve.noPush(push, forChat(chatID))
	}
	var list struct {
		ChatsSummary []struct {
			ID string `json:"id"`
		} `json:"chats_summary"`
		TotalChats int `json:"total_chats"`
	}
	for _, action := range []string{protocol.ActionListChats, protocol.ActionGetChatsSummary} {
		eve.okInto(action, obj{}, &list)
		if len(list.ChatsSummary) != 0 || list.TotalChats != 0 {
			t.Errorf("%s of the outsider: %+v, want no chat", action, list)
		}
	}
	owner.okInto(protocol.ActionListChats, obj{}, &list)
	if list.TotalChats != 1 || list.ChatsSummary[0].ID != chatID {
		t.Errorf("list_chats of the owner: %+v, want the chat", list)
	}

	refused := []struct {
		action  string
		payload obj
		want    string
	}{
		{protocol.ActionGetChat, obj{"chat_id": chatID}, protocol.ErrNotFound},
		{protocol.ActionGetChatThreadsSummary, obj{"chat_id": chatID}, protocol.ErrNotFound},
		{protocol.ActionGetCustomer, obj{"customer_id": custID}, protocol.ErrNotFound},
		{protocol.ActionJoinChat, obj{"chat_id": chatID}, protocol.ErrNotFound},
		{protocol.ActionSendEvent, obj{"chat_id": chatID, "event": obj{"type": "system_message", "text": "Transfer your balance to …"}}, protocol.ErrNotFound},
		{protocol.ActionSendTypingIndicator, obj{"chat_id": chatID, "is_typing": true}, protocol.ErrNotFound},
		{protocol.ActionUpdateChatProperties, obj{"chat_id": chatID, "properties": obj{"ns": obj{"k": "v"}}}, protocol.ErrNotFound},
		{protocol.ActionRemoveUserFromChat, obj{"chat_id": chatID, "user_id": ownerTest}, protocol.ErrNotFound},
		{protocol.ActionTransferChat, obj{"chat_id": chatID, "target": obj{"type": "group", "ids": []int{1}}}, protocol.ErrNotFound},
		{protocol.ActionDeactivateChat, obj{"chat_id": chatID}, protocol.ErrNotFound},
		{protocol.ActionBanCustomer, obj{"customer_id": custID}, protocol.ErrAuthorization},
	}
	for _, r := range refused {
		if e := eve.fail(r.action, r.payload); e.Type != r.want {
			t.Errorf("%s by the outsider: %+v, want %s", r.action, e, r.want)
		}
	}
	if resp := agentUpload(t, srv, srv.AgentToken(t, outsider), chatID, "x.txt", []byte("x")); resp.StatusCode != http.StatusNotFound {
		t.Errorf("send_file by the outsider: %s, want 404", resp.Status)
	}

	// The chat is as it was: active, the owner in it, no event of Eve's,
	// the customer not banned.
	c, err := srv.Store().Chat(context.Background(), chatID)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Active || !present(c, ownerTest) || present(c, outsider) || len(c.GroupIDs) != 1 || c.GroupIDs[0] != 0 {
		t.Errorf("chat after the outsider's attempts: %+v", c)
	}
	for _, th := range owner.chatThreads(chatID, c.LastThreadID).Chat.Threads {
		for _, ev := range th.Events {
			if ev.AuthorID == outsider || ev.Type == "system_message" {
				t.Errorf("event in the chat after the outsider's attempts: %+v", ev)
			}
		}
	}
	if cu, err := srv.Store().Customer(context.Background(), srv.License, custID); err != nil || cu.Banned {
		t.Errorf("customer after the outsider's ban: %+v, %v", cu, err)
	}
	cust.sendMessage(chatID, "still here")
	eve.noPush(protocol.PushIncomingEvent, forChat(chatID))
}

// TestAgentRoles: in the chat's group, a normal agent works the chat but
// neither bans its customer nor removes another agent; an administrator
// of another group does both.
func TestAgentRoles(t *testing.T) {
	srv := parleytest.NewServer(t)
	putGroup(t, srv, 1, "Billing")
	putAgent(t, srv, normal0, "Nick", []int{0}, 5)
	putAgentAs(t, srv, chat.RoleAdministrator, adminOut, "Ada", []int{1}, 5)
	owner := connectAgent(t, srv, ownerTest)
	nick := connectAgent(t, srv, normal0)
	nick.setStatus("not_accepting_chats")
	ada := connectAgent(t, srv, adminOut)
	cust, custID := newCustomer(t, srv)
	chatID := cust.startChat("hello").Chat.ID
	owner.assigned(chatID)

	nick.ok(protocol.ActionJoinChat, obj{"chat_id": chatID})
	nick.sendMessage(chatID, "Nick here")
	if e := nick.fail(protocol.ActionRemoveUserFromChat, obj{"chat_id": chatID, "user_id": ownerTest}); e.Type != protocol.ErrAuthorization {
		t.Errorf("a normal agent removes the owner: %+v, want authorization", e)
	}
	if e := nick.fail(protocol.ActionBanCustomer, obj{"customer_id": custID}); e.Type != protocol.ErrAuthorization {
		t.Errorf("a normal agent bans: %+v, want authorization", e)
	}
	nick.ok(protocol.ActionGetCustomer, obj{"customer_id": custID})
	nick.ok(protocol.ActionRemoveUserFromChat, obj{"chat_id": chatID, "user_id": normal0})

	ada.ok(protocol.ActionGetChat, obj{"chat_id": chatID})
	ada.ok(protocol.ActionRemoveUserFromChat, obj{"chat_id": chatID, "user_id": ownerTest})
	ada.ok(protocol.ActionBanCustomer, obj{"customer_id": custID})
	cust.waitPush(protocol.PushCustomerDisconnected)
}

func present(c chat.Chat, id string) bool {
	for _, u := range c.Users {
		if u.ID == id {
			return u.Present
		}
	}
	return false
}
