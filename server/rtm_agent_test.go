package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
)

const secondAgent = "second@parley.test"

// TestAgentRTM covers the agent RTM API and what its actions push to the
// customer. The steps share one chat and run in order.
func TestAgentRTM(t *testing.T) {
	srv := parleytest.NewServer(t)
	err := srv.Store().PutAgent(context.Background(), chat.Agent{ID: secondAgent, LicenseID: srv.License, Name: "Second Agent",
		Groups: []int{0}, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}

	// The connections live as long as the whole test; each step binds
	// them to its own *testing.T.
	ag := dial(t, "agent", agentURL(srv), "agent")
	other := dial(t, "second agent", agentURL(srv), "agent")
	cust := dial(t, "customer", customerURL(srv), "customer")
	custID := newCustomerID()
	var chatID, threadID string
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, func(t *testing.T) {
			bind(t, ag, other, cust)
			f(t)
		}) {
			t.FailNow()
		}
	}

	step("login", func(t *testing.T) {
		f := ag.login(srv.AgentToken(t, parleytest.AgentEmail))
		var resp struct {
			License struct {
				ID int `json:"id"`
			} `json:"license"`
			MyProfile wUser `json:"my_profile"`
		}
		_ = json.Unmarshal(f.Payload, &resp)
		p := resp.MyProfile
		if resp.License.ID != srv.License || p.ID != parleytest.AgentEmail || p.Type != "agent" || p.Name != "Demo Agent" || p.JobTitle != "Support" {
			t.Errorf("agent login = %s", f.Payload)
		}
		other.login(srv.AgentToken(t, secondAgent))
		cust.login(srv.CustomerToken(t, custID))
		// The agents take chats by hand here: routing gives them none.
		for _, a := range []*rtmClient{ag, other} {
			a.ok(protocol.ActionSetRoutingStatus, obj{"status": "not_accepting_chats"})
		}
	})

	step("incoming_chat_thread", func(t *testing.T) {
		// A new chat nobody can take waits in the queue: it reaches every
		// agent of its group, none of whom is in it.
		ct := cust.startChat("help me")
		chatID, threadID = ct.Chat.ID, ct.Chat.Thread.ID
		for _, a := range []*rtmClient{ag, other} {
			var got wChatThread
			a.waitPushInto(&got, protocol.PushIncomingChatThread, forChat(chatID), untagged())
			th := got.Chat.Thread
			if th.ID != threadID || !th.Active || len(th.Events) != 1 || th.Events[0].Text != "help me" || th.Events[0].AuthorID != custID {
				t.Errorf("%s got %+v", a.name, got)
			}
			if len(got.Chat.Users) != 1 || got.Chat.Users[0].ID != custID {
				t.Errorf("%s: users = %+v", a.name, got.Chat.Users)
			}
		}
	})
	step("list_chats", func(t *testing.T) {
		var sum wChatsSummary
		ag.okInto(protocol.ActionListChats, obj{"limit": 25}, &sum)
		i := slices.IndexFunc(sum.ChatsSummary, func(c wChatSummary) bool { return c.ID == chatID })
		if i < 0 || sum.TotalChats < 1 {
			t.Fatalf("list_chats = %+v, want chat %s", sum, chatID)
		}
		if c := sum.ChatsSummary[i]; !c.Active || c.LastThreadID != threadID || len(c.Users) != 1 || c.Users[0].ID != custID {
			t.Errorf("chat summary = %+v", c)
		}
		// Without payload.
		ag.okInto(protocol.ActionListChats, nil, &sum)
		if len(sum.ChatsSummary) == 0 {
			t.Error("list_chats without payload is empty")
		}
	})

	step("get_chat", func(t *testing.T) {
		var ch wChatThreads
		ag.okInto(protocol.ActionGetChat, obj{"chat_id": chatID}, &ch)
		if ch.Chat.ID != chatID || len(ch.Chat.Threads) != 1 || ch.Chat.Threads[0].ID != threadID || len(ch.Chat.Threads[0].Events) != 1 {
			t.Errorf("get_chat = %+v", ch)
		}
		ag.okInto(protocol.ActionGetChat, obj{"chat_id": chatID, "thread_id": threadID}, &ch)
		if len(ch.Chat.Threads) != 1 || ch.Chat.Threads[0].ID != threadID {
			t.Errorf("get_chat with thread_id = %+v", ch)
		}
		if e := ag.fail(protocol.ActionGetChat, obj{"chat_id": "NOSUCHCHAT"}); e.Type != protocol.ErrNotFound {
			t.Errorf("unknown chat: %+v", e)
		}
	})

	step("send_event_before_join", func(t *testing.T) {
		if e := ag.fail(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message("hi")}); e.Type != protocol.ErrAuthorization {
			t.Errorf("send_event before join_chat: %+v, want %s", e, protocol.ErrAuthorization)
		}
	})

	step("join_chat", func(t *testing.T) {
		rid, _ := ag.sendRequest(protocol.ActionJoinChat, obj{"chat_id": chatID})
		if f := ag.waitResponse(rid); !*f.Success {
			t.Fatalf("join_chat: %s", f)
		}
		f := cust.waitPush(protocol.PushChatUserAdded, forChat(chatID), untagged())
		var added struct {
			ChatID   string `json:"chat_id"`
			ThreadID string `json:"thread_id"`
			User     wUser  `json:"user"`
			UserType string `json:"user_type"`
		}
		_ = json.Unmarshal(f.Payload, &added)
		u := added.User
		if added.ThreadID != threadID || added.UserType != "agent" || u.ID != parleytest.AgentEmail || u.Type != "agent" || u.Name != "Demo Agent" || u.JobTitle != "Support" || !u.Present {
			t.Errorf("chat_user_added = %s", f.Payload)
		}
		wantKeys(t, "user", keysOf(t, f.Payload)["user"], "id", "type", "name", "present", "last_seen_timestamp")
		// The joining agent hears of it too, tagged.
		ag.waitPush(protocol.PushChatUserAdded, tagged(rid))
		// Joining again changes nothing.
		ag.ok(protocol.ActionJoinChat, obj{"chat_id": chatID})
		cust.noPush(protocol.PushChatUserAdded)
	})

	step("send_event", func(t *testing.T) {
		rid, _ := ag.sendRequest(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": obj{"type": "message", "text": "How can I help?", "custom_id": "a-1"}})
		var mine wIncomingEvent
		ag.waitPushInto(&mine, protocol.PushIncomingEvent, tagged(rid))
		ag.waitResponse(rid)
		var ie wIncomingEvent
		cust.waitPushInto(&ie, protocol.PushIncomingEvent, forChat(chatID), untagged())
		e := ie.Event
		if ie.ThreadID != threadID || e.ID != mine.Event.ID || e.AuthorID != parleytest.AgentEmail || e.Text != "How can I help?" || e.Order != 2 || e.CustomID != "a-1" {
			t.Errorf("customer got %+v", ie)
		}
		// Agents may send system messages and rich messages.
		ag.ok(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": obj{"type": "system_message", "text": "note", "system_message_type": "custom"}})
		cust.waitPushInto(&ie, protocol.PushIncomingEvent, forChat(chatID))
		if ie.Event.Type != "system_message" || ie.Event.SystemMessageType != "custom" {
			t.Errorf("system message = %+v", ie.Event)
		}
	})

	step("send_typing_indicator", func(t *testing.T) {
		for _, typing := range []bool{true, false} {
			ag.ok(protocol.ActionSendTypingIndicator, obj{"chat_id": chatID, "is_typing": typing})
			f := cust.waitPush(protocol.PushIncomingTypingIndicator, forChat(chatID))
			var ti struct {
				ChatID          string `json:"chat_id"`
				ThreadID        string `json:"thread_id"`
				TypingIndicator struct {
					AuthorID  string `json:"author_id"`
					Timestamp int64  `json:"timestamp"`
					IsTyping  bool   `json:"is_typing"`
				} `json:"typing_indicator"`
			}
			_ = json.Unmarshal(f.Payload, &ti)
			wantKeys(t, "typing_indicator", keysOf(t, f.Payload)["typing_indicator"], "author_id", "timestamp", "is_typing")
			if ti.ThreadID != threadID || ti.TypingIndicator.AuthorID != parleytest.AgentEmail || ti.TypingIndicator.IsTyping != typing || ti.TypingIndicator.Timestamp == 0 {
				t.Errorf("incoming_typing_indicator = %s", f.Payload)
			}
		}
		// Not echoed to the typing agent.
		ag.noPush(protocol.PushIncomingTypingIndicator)
	})

	step("customer_events_and_sneak_peeks", func(t *testing.T) {
		cust.ok(protocol.ActionSendSneakPeek, obj{"chat_id": chatID, "sneak_peek_text": "I ne"})
		var sp struct {
			SneakPeek struct {
				AuthorID string `json:"author_id"`
				Text     string `json:"text"`
			} `json:"sneak_peek"`
		}
		ag.waitPushInto(&sp, protocol.PushIncomingSneakPeek, forChat(chatID))
		if sp.SneakPeek.AuthorID != custID || sp.SneakPeek.Text != "I ne" {
			t.Errorf("incoming_sneak_peek = %+v", sp)
		}
		sent := cust.sendMessage(chatID, "I need a refund")
		var ie wIncomingEvent
		ag.waitPushInto(&ie, protocol.PushIncomingEvent, forChat(chatID), untagged(), withEvent(sent.Event.ID))
		if ie.Event.AuthorID != custID || ie.Event.Text != "I need a refund" {
			t.Errorf("agent got %+v", ie)
		}
		// The other agent is not in the chat: it hears nothing of it.
		other.noPush(protocol.PushIncomingSneakPeek, forChat(chatID))
		other.noPush(protocol.PushIncomingEvent, forChat(chatID))
	})

	step("deactivate_chat", func(t *testing.T) {
		rid, _ := ag.sendRequest(protocol.ActionDeactivateChat, obj{"chat_id": chatID})
		ag.waitPush(protocol.PushThreadClosed, tagged(rid))
		if f := ag.waitResponse(rid); !*f.Success {
			t.Fatalf("deactivate_chat: %s", f)
		}
		var sys wIncomingEvent
		cust.waitPushInto(&sys, protocol.PushIncomingEvent, forChat(chatID), func(f frame) bool {
			return jsonEqual(t, keysOf(t, keysOf(t, f.Payload)["event"])["type"], `"system_message"`) &&
				string(keysOf(t, keysOf(t, f.Payload)["event"])["system_message_type"]) == `"manual_archived_agent"`
		})
		var tc struct {
			ChatID   string `json:"chat_id"`
			ThreadID string `json:"thread_id"`
			UserID   string `json:"user_id"`
		}
		cust.waitPushInto(&tc, protocol.PushThreadClosed, forChat(chatID), untagged())
		if tc.ThreadID != threadID || tc.UserID != parleytest.AgentEmail {
			t.Errorf("thread_closed = %+v", tc)
		}
		if sys.ThreadID != threadID || sys.Event.AuthorID != "" {
			t.Errorf("system message = %+v", sys)
		}
	})

	step("new_thread_of_served_chat", func(t *testing.T) {
		// The chat has an agent: its new thread goes to its members, not to
		// every agent.
		nt := cust.sendMessage2(chatID, "one more thing")
		var got wChatThread
		ag.waitPushInto(&got, protocol.PushIncomingChatThread, forChat(chatID))
		if got.Chat.Thread.ID != nt.Chat.Thread.ID || got.Chat.Thread.Order != 2 || !slices.Contains(got.Chat.Thread.UserIDs, parleytest.AgentEmail) {
			t.Errorf("agent got %+v", got)
		}
		other.noPush(protocol.PushIncomingChatThread, forChat(chatID))
		threadID = nt.Chat.Thread.ID
	})

	step("remove_user_from_chat", func(t *testing.T) {
		// The chat's customer cannot be removed: it would stop getting the
		// pushes its own requests wait for.
		if e := ag.fail(protocol.ActionRemoveUserFromChat, obj{"chat_id": chatID, "user_id": custID}); e.Type != protocol.ErrValidation {
			t.Errorf("removing the customer: %+v, want validation", e)
		}
		cust.noPush(protocol.PushChatUserRemoved)
		cust.sendMessage(chatID, "still in")
		ag.ok(protocol.ActionRemoveUserFromChat, obj{"chat_id": chatID, "user_id": parleytest.AgentEmail})
		var rm struct {
			ChatID   string `json:"chat_id"`
			UserID   string `json:"user_id"`
			UserType string `json:"user_type"`
		}
		cust.waitPushInto(&rm, protocol.PushChatUserRemoved, forChat(chatID))
		if rm.UserID != parleytest.AgentEmail || rm.UserType != "agent" {
			t.Errorf("chat_user_removed = %+v", rm)
		}
		// Gone: it may not write any more.
		if e := ag.fail(protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message("hi")}); e.Type != protocol.ErrAuthorization {
			t.Errorf("send_event after leaving: %+v", e)
		}
	})

	step("customer_page_updated", func(t *testing.T) {
		ag.ok(protocol.ActionJoinChat, obj{"chat_id": chatID})
		cust.ok(protocol.ActionUpdateCustomerPage, obj{"url": "https://shop.example/cart", "title": "Cart"})
		var pg struct {
			CustomerID string `json:"customer_id"`
			URL        string `json:"url"`
			Title      string `json:"title"`
		}
		ag.waitPushInto(&pg, protocol.PushCustomerPageUpdated, func(f frame) bool {
			return jsonEqual(t, keysOf(t, f.Payload)["customer_id"], `"`+custID+`"`)
		})
		if pg.URL != "https://shop.example/cart" || pg.Title != "Cart" {
			t.Errorf("customer_page_updated = %+v", pg)
		}
		other.noPush(protocol.PushCustomerPageUpdated)
	})
}

// TestAgentLoginErrors: bad tokens on the agent endpoint; the connection
// stays usable.
// withEvent matches pushes about event id.
func withEvent(id string) pushMatch {
	return func(f frame) bool {
		var p struct {
			EventID string `json:"event_id"`
			Event   struct {
				ID string `json:"id"`
			} `json:"event"`
		}
		_ = json.Unmarshal(f.Payload, &p)
		return p.EventID == id || p.Event.ID == id
	}
}

// bind makes the clients report to t (a step of a longer test).
func bind(t *testing.T, cs ...*rtmClient) {
	for _, c := range cs {
		c.t = t
	}
}

func TestAgentLoginErrors(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := dial(t, "agent", agentURL(srv), "agent")
	if e := ag.fail(protocol.ActionListChats, nil); e.Type != protocol.ErrAuthentication {
		t.Errorf("list_chats before login: %+v", e)
	}
	if e := ag.fail(protocol.ActionLogin, obj{"token": "Bearer " + srv.CustomerToken(t, newCustomerID())}); e.Type != protocol.ErrAuthentication {
		t.Errorf("customer token on the agent endpoint: %+v", e)
	}
	if e := ag.fail(protocol.ActionLogin, obj{"token": "Bearer " + srv.AgentToken(t, "nobody@parley.test")}); e.Type != protocol.ErrAuthentication {
		t.Errorf("unknown agent: %+v", e)
	}
	// Customer actions are not agent actions.
	ag.login(srv.AgentToken(t, parleytest.AgentEmail))
	if e := ag.fail(protocol.ActionStartChat, obj{"chat": obj{}}); e.Type != protocol.ErrValidation {
		t.Errorf("start_chat by an agent: %+v", e)
	}
	ag.sync()
}

// TestConcurrentJoin: an agent joining a chat from two connections at once
// is added once, and the customer hears of it once.
func TestConcurrentJoin(t *testing.T) {
	srv := parleytest.NewServer(t)
	cust, _ := newCustomer(t, srv)
	a1 := connectAgent(t, srv, parleytest.AgentEmail)
	a2 := connectAgent(t, srv, parleytest.AgentEmail)
	// Routing gives the agent no chat: it joins them all by hand.
	a1.ok(protocol.ActionSetRoutingStatus, obj{"status": "not_accepting_chats"})
	const chats = 20
	var ids []string
	for i := range chats {
		ids = append(ids, cust.startChat(fmt.Sprint("chat ", i)).Chat.ID)
	}
	var rids [2][]string
	for _, id := range ids {
		for i, a := range []*rtmClient{a1, a2} {
			rid, err := a.sendRequest(protocol.ActionJoinChat, obj{"chat_id": id})
			if err != nil {
				t.Fatal(err)
			}
			rids[i] = append(rids[i], rid)
		}
	}
	for i, a := range []*rtmClient{a1, a2} {
		for _, rid := range rids[i] {
			if f := a.waitResponse(rid); !*f.Success {
				t.Fatalf("join_chat: %s", f)
			}
		}
	}
	cust.sync()
	for _, id := range ids {
		if n := len(cust.pushLog(protocol.PushChatUserAdded, forChat(id))); n != 1 {
			t.Errorf("chat %s: the customer got %d chat_user_added pushes, want 1", id, n)
		}
	}
}
