package storetest

import (
	"fmt"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

func testChats(t *testing.T, mk func(*testing.T) *env) {
	// setup stores four chats, created in this order:
	//   a: license 1, customer c1, members c1 and agent
	//   b: license 1, customer c2, members c2 and agent2
	//   c: license 1, customer c1, member c1
	//   d: license 2, customer c3, members c3 and agent
	// and then appends to a, so that by activity the order is a d c b.
	type fixture struct{ a, b, c, d chat.Chat }
	setup := func(e *env) fixture {
		mkChat := func(lic int, cust string, users ...chat.User) chat.Chat {
			c, _ := e.newChat(func(nc *chat.NewChat) {
				nc.Chat.LicenseID = lic
				nc.Chat.CustomerID = cust
				nc.Chat.Users = append([]chat.User{{ID: cust, Type: chat.UserCustomer}}, users...)
				nc.Events[0].AuthorID = cust
			})
			return c
		}
		var f fixture
		f.a = mkChat(1, "c1", chat.User{ID: agent, Type: chat.UserAgent})
		f.b = mkChat(1, "c2", chat.User{ID: agent2, Type: chat.UserAgent})
		f.c = mkChat(1, "c1")
		f.d = mkChat(2, "c3", chat.User{ID: agent, Type: chat.UserAgent})
		e.append(chat.AppendActive, e.message(f.a.ID, "c1", "latest"))
		f.a = e.chat(f.a.ID)
		return f
	}
	ids := func(cs []chat.Chat) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.ID
		}
		return out
	}
	check := func(t *testing.T, e *env, f chat.ChatFilter, offset, limit int, want []chat.Chat, wantTotal int) {
		t.Helper()
		got, total, err := e.s.Chats(e.ctx, f, offset, limit)
		e.must(err, "Chats")
		if fmt.Sprint(ids(got)) != fmt.Sprint(ids(want)) || total != wantTotal {
			t.Errorf("Chats(%+v, %d, %d): got %v of %d, want %v of %d", f, offset, limit, ids(got), total, ids(want), wantTotal)
			return
		}
		for i := range got {
			checkChat(t, "Chats", got[i], e.chat(want[i].ID))
		}
	}
	t.Run("Filters", func(t *testing.T) {
		e := mk(t)
		f := setup(e)
		check(t, e, chat.ChatFilter{}, 0, 0, []chat.Chat{f.a, f.d, f.c, f.b}, 4)
		check(t, e, chat.ChatFilter{LicenseID: 1}, 0, 10, []chat.Chat{f.a, f.c, f.b}, 3)
		check(t, e, chat.ChatFilter{LicenseID: 2}, 0, 10, []chat.Chat{f.d}, 1)
		check(t, e, chat.ChatFilter{LicenseID: 3}, 0, 10, nil, 0)
		check(t, e, chat.ChatFilter{CustomerID: "c1"}, 0, 10, []chat.Chat{f.a, f.c}, 2)
		check(t, e, chat.ChatFilter{LicenseID: 1, CustomerID: "c3"}, 0, 10, nil, 0)
		check(t, e, chat.ChatFilter{MemberID: agent}, 0, 10, []chat.Chat{f.a, f.d}, 2)
		check(t, e, chat.ChatFilter{LicenseID: 1, MemberID: agent}, 0, 10, []chat.Chat{f.a}, 1)
		check(t, e, chat.ChatFilter{MemberID: "c1"}, 0, 10, []chat.Chat{f.a, f.c}, 2)
		check(t, e, chat.ChatFilter{LicenseID: 1, CustomerID: "c1", MemberID: "c1"}, 0, 10, []chat.Chat{f.a, f.c}, 2)
	})
	t.Run("MemberMustBePresent", func(t *testing.T) {
		e := mk(t)
		f := setup(e)
		e.must(e.s.RemoveChatUser(e.ctx, f.a.ID, agent), "RemoveChatUser")
		check(t, e, chat.ChatFilter{MemberID: agent}, 0, 10, []chat.Chat{f.d}, 1)
		e.must(e.s.AddChatUser(e.ctx, f.b.ID, chat.User{ID: agent, Type: chat.UserAgent}), "AddChatUser")
		check(t, e, chat.ChatFilter{MemberID: agent}, 0, 10, []chat.Chat{f.d, f.b}, 2)
	})
	t.Run("Access", func(t *testing.T) {
		e := mk(t)
		f := setup(e)
		// a is in group 0, b in groups 1 and 2, c in none (group 0).
		e.must(e.s.SetChatGroups(e.ctx, f.b.ID, []int{1, 2}), "SetChatGroups")
		e.must(e.s.SetChatGroups(e.ctx, f.c.ID, nil), "SetChatGroups")
		f.b, f.c = e.chat(f.b.ID), e.chat(f.c.ID)
		access := func(member string, groups ...int) chat.ChatFilter {
			return chat.ChatFilter{LicenseID: 1, Access: &chat.ChatAccess{GroupIDs: groups, MemberID: member}}
		}
		check(t, e, access("", 0), 0, 10, []chat.Chat{f.a, f.c}, 2)
		check(t, e, access("", 2), 0, 10, []chat.Chat{f.b}, 1)
		check(t, e, access("", 3, 1), 0, 10, []chat.Chat{f.b}, 1)
		check(t, e, access("", 3), 0, 10, nil, 0)
		check(t, e, access(""), 0, 10, nil, 0)
		check(t, e, access(agent, 3), 0, 10, []chat.Chat{f.a}, 1)
		check(t, e, access(agent2, 0), 0, 10, []chat.Chat{f.a, f.c, f.b}, 3)
		check(t, e, access(agent2, 0), 1, 1, []chat.Chat{f.c}, 3)
		f2 := access("", 2)
		f2.CustomerID = "c1"
		check(t, e, f2, 0, 10, nil, 0)
		// Only a present member sees a chat outside its groups.
		e.must(e.s.RemoveChatUser(e.ctx, f.b.ID, agent2), "RemoveChatUser")
		check(t, e, access(agent2, 3), 0, 10, nil, 0)
	})
	t.Run("OffsetAndLimit", func(t *testing.T) {
		e := mk(t)
		f := setup(e)
		all := []chat.Chat{f.a, f.c, f.b}
		lic := chat.ChatFilter{LicenseID: 1}
		check(t, e, lic, 0, 1, all[:1], 3)
		check(t, e, lic, 1, 1, all[1:2], 3)
		check(t, e, lic, 1, 5, all[1:], 3)
		check(t, e, lic, 2, 0, all[2:], 3)
		check(t, e, lic, 3, 1, nil, 3)
		check(t, e, lic, 9, 9, nil, 3)
	})
	t.Run("ActivityOrder", func(t *testing.T) {
		e := mk(t)
		f := setup(e)
		lic := chat.ChatFilter{LicenseID: 1}
		// Any event counts: a late event in b's closed thread moves it first.
		e.close(f.b.ID)
		e.append(chat.AppendLast, e.message(f.b.ID, agent2, "late"))
		check(t, e, lic, 0, 0, []chat.Chat{e.chat(f.b.ID), f.a, f.c}, 3)
		// A new chat without events counts from its creation.
		fresh, _ := e.newChat(withoutThread)
		check(t, e, lic, 0, 0, []chat.Chat{fresh, e.chat(f.b.ID), f.a, f.c}, 4)
		// Closing a thread without an event is no activity.
		e.close(f.c.ID)
		check(t, e, lic, 0, 2, []chat.Chat{fresh, e.chat(f.b.ID)}, 4)
	})
	t.Run("TieBrokenByCreation", func(t *testing.T) {
		e := mk(t)
		at := e.now()
		var cs []chat.Chat
		for i := 0; i < 3; i++ {
			c, _ := e.newChat(func(nc *chat.NewChat) { nc.Events[0].CreatedAt = at.Add(100 * 1e9) })
			cs = append(cs, c)
		}
		check(t, e, chat.ChatFilter{LicenseID: license}, 0, 0, []chat.Chat{cs[2], cs[1], cs[0]}, 3)
	})
}

func testMissingChat(t *testing.T, mk func(*testing.T) *env) {
	e := mk(t)
	// Another chat exists so that a store cannot pass by being empty.
	c, th := e.newChat()
	const missing = "missing-chat"
	ev := func() chat.Event { return e.message(missing, customer, "x") }
	calls := []struct {
		name string
		call func() error
	}{
		{"Chat", func() error { _, err := e.s.Chat(e.ctx, missing); return err }},
		{"ActivateChat", func() error {
			_, _, err := e.s.ActivateChat(e.ctx, missing, chat.Thread{ID: id("thread"), CreatedAt: e.now()}, nil, []chat.Event{ev()})
			return err
		}},
		{"AppendEvent/AppendOrOpen", func() error {
			_, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev(), Mode: chat.AppendOrOpen, NewThreadID: id("thread")})
			return err
		}},
		{"AppendEvent/AppendActive", func() error {
			_, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev(), Mode: chat.AppendActive})
			return err
		}},
		{"AppendEvent/AppendLast", func() error {
			_, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev(), Mode: chat.AppendLast})
			return err
		}},
		{"AppendEvent/CustomID", func() error {
			x := ev()
			x.CustomID = "c"
			_, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: x, Mode: chat.AppendActive})
			return err
		}},
		{"CloseThread", func() error {
			sys := e.system(missing, "chat.closed")
			_, _, err := e.s.CloseThread(e.ctx, missing, e.now(), &sys)
			return err
		}},
		{"Threads", func() error { _, _, err := e.s.Threads(e.ctx, missing, 0, 10); return err }},
		{"ThreadsByID", func() error { _, err := e.s.ThreadsByID(e.ctx, missing, []string{th.ID}); return err }},
		{"Thread", func() error { _, err := e.s.Thread(e.ctx, missing, th.ID); return err }},
		{"ThreadEvents", func() error { _, err := e.s.ThreadEvents(e.ctx, missing, th.ID, 0, 10, chat.UserAgent); return err }},
		{"LastEvents", func() error { _, err := e.s.LastEvents(e.ctx, missing, chat.UserAgent); return err }},
		{"EventsAfter", func() error { _, err := e.s.EventsAfter(e.ctx, missing, 0, 0, 10); return err }},
		{"UpdateChatProperties", func() error {
			return e.s.UpdateChatProperties(e.ctx, missing, chat.Properties{"a": {"b": 1}})
		}},
		{"DeleteChatProperties", func() error {
			return e.s.DeleteChatProperties(e.ctx, missing, chat.PropertyNames{"a": {"b"}})
		}},
		{"UpdateThreadProperties", func() error {
			return e.s.UpdateThreadProperties(e.ctx, missing, th.ID, chat.Properties{"a": {"b": 1}})
		}},
		{"DeleteThreadProperties", func() error {
			return e.s.DeleteThreadProperties(e.ctx, missing, th.ID, chat.PropertyNames{"a": {"b"}})
		}},
		{"UpdateEventProperties", func() error {
			return e.s.UpdateEventProperties(e.ctx, missing, th.ID, th.Events[0].ID, chat.Properties{"a": {"b": 1}})
		}},
		{"DeleteEventProperties", func() error {
			return e.s.DeleteEventProperties(e.ctx, missing, th.ID, th.Events[0].ID, chat.PropertyNames{"a": {"b"}})
		}},
		{"AddChatUser", func() error {
			return e.s.AddChatUser(e.ctx, missing, chat.User{ID: agent, Type: chat.UserAgent})
		}},
		{"RemoveChatUser", func() error { return e.s.RemoveChatUser(e.ctx, missing, agent) }},
		{"SetLastSeen", func() error { _, err := e.s.SetLastSeen(e.ctx, missing, agent, e.now()); return err }},
		{"AddPostback", func() error {
			return e.s.AddPostback(e.ctx, chat.Postback{ChatID: missing, ThreadID: th.ID, EventID: th.Events[0].ID, UserID: customer, ID: "p", CreatedAt: e.now()})
		}},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, c.call(), chat.ErrNotFound, c.name)
		})
	}
	t.Run("NothingStored", func(t *testing.T) {
		_, err := e.s.Chat(e.ctx, missing)
		wantErr(t, err, chat.ErrNotFound, "Chat after the calls")
		all, total, err := e.s.Chats(e.ctx, chat.ChatFilter{}, 0, 0)
		e.must(err, "Chats")
		if total != 1 || len(all) != 1 || all[0].ID != c.ID {
			t.Errorf("Chats: got %d of %d, want only %s", len(all), total, c.ID)
		}
	})
}
