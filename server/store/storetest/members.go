package storetest

import (
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

func testChatUsers(t *testing.T, mk func(*testing.T) *env) {
	t.Run("RejoinKeepsLastSeen", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		seen, err := e.s.SetLastSeen(e.ctx, c.ID, agent, e.now())
		e.must(err, "SetLastSeen")
		e.must(e.s.RemoveChatUser(e.ctx, c.ID, agent), "RemoveChatUser")
		if u, _ := findUser(e.chat(c.ID), agent); !sameTime(u.LastSeen, seen) || u.Present {
			t.Errorf("removed user: got %+v, want not present, LastSeen %v", u, seen)
		}
		e.must(e.s.AddChatUser(e.ctx, c.ID, chat.User{ID: agent, Type: chat.UserAgent}), "AddChatUser")
		if u, _ := findUser(e.chat(c.ID), agent); !sameTime(u.LastSeen, seen) || !u.Present {
			t.Errorf("re-added user: got %+v, want present, LastSeen %v", u, seen)
		}
		later := e.now()
		e.must(e.s.RemoveChatUser(e.ctx, c.ID, agent), "RemoveChatUser")
		e.must(e.s.AddChatUser(e.ctx, c.ID, chat.User{ID: agent, Type: chat.UserAgent, LastSeen: later}), "AddChatUser")
		if u, _ := findUser(e.chat(c.ID), agent); !sameTime(u.LastSeen, later) {
			t.Errorf("re-added user with a later LastSeen: got %v, want %v", u.LastSeen, later)
		}
	})
	t.Run("Add", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		e.must(e.s.AddChatUser(e.ctx, c.ID, chat.User{ID: agent2, Type: chat.UserAgent}), "AddChatUser")
		got := e.chat(c.ID)
		want := append(presentUsers(c.Users), chat.User{ID: agent2, Type: chat.UserAgent, Present: true})
		checkUsers(t, "Chat.Users", got.Users, want)
		checkIDs(t, "active thread UserIDs", e.thread(c.ID, th.ID).UserIDs, []string{customer, agent, agent2})
	})
	t.Run("AddIsIdempotent", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		seen := e.now()
		_, err := e.s.SetLastSeen(e.ctx, c.ID, agent, seen)
		e.must(err, "SetLastSeen")
		for i := 0; i < 2; i++ {
			e.must(e.s.AddChatUser(e.ctx, c.ID, chat.User{ID: agent, Type: chat.UserAgent}), "AddChatUser of a present member")
			// Adding a present member changes nothing, whatever the input says.
			e.must(e.s.AddChatUser(e.ctx, c.ID, chat.User{ID: agent, Type: chat.UserCustomer, LastSeen: e.now()}), "AddChatUser of a present member")
			e.must(e.s.AddChatUser(e.ctx, c.ID, chat.User{ID: agent2, Type: chat.UserAgent, Present: false}), "AddChatUser")
		}
		got := e.chat(c.ID)
		want := []chat.User{
			{ID: customer, Type: chat.UserCustomer, Present: true},
			{ID: agent, Type: chat.UserAgent, Present: true, LastSeen: seen},
			{ID: agent2, Type: chat.UserAgent, Present: true},
		}
		checkUsers(t, "Chat.Users", got.Users, want)
		checkIDs(t, "active thread UserIDs", e.thread(c.ID, th.ID).UserIDs, []string{customer, agent, agent2})
	})
	t.Run("AddWithoutActiveThread", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		e.close(c.ID)
		e.must(e.s.AddChatUser(e.ctx, c.ID, chat.User{ID: agent2, Type: chat.UserAgent}), "AddChatUser")
		if u, ok := findUser(e.chat(c.ID), agent2); !ok || !u.Present {
			t.Errorf("added user: got %+v (found %v), want present", u, ok)
		}
		checkIDs(t, "closed thread UserIDs", e.thread(c.ID, th.ID).UserIDs, []string{customer, agent})
		res := e.append(chat.AppendOrOpen, e.message(c.ID, customer, "x"))
		checkIDs(t, "new thread UserIDs", res.Thread.UserIDs, []string{customer, agent, agent2})
	})
	t.Run("Remove", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		e.must(e.s.RemoveChatUser(e.ctx, c.ID, agent), "RemoveChatUser")
		got := e.chat(c.ID)
		want := []chat.User{
			{ID: customer, Type: chat.UserCustomer, Present: true},
			{ID: agent, Type: chat.UserAgent, Present: false},
		}
		checkUsers(t, "Chat.Users", got.Users, want)
		// A thread's user ids are its history.
		checkIDs(t, "thread UserIDs", e.thread(c.ID, th.ID).UserIDs, []string{customer, agent})
		wantErr(t, e.s.RemoveChatUser(e.ctx, c.ID, agent), chat.ErrNotFound, "RemoveChatUser of a user no longer present")
		// Adding makes it present again.
		e.must(e.s.AddChatUser(e.ctx, c.ID, chat.User{ID: agent, Type: chat.UserAgent}), "AddChatUser")
		if u, _ := findUser(e.chat(c.ID), agent); !u.Present {
			t.Error("re-added user not present")
		}
		if n := len(e.chat(c.ID).Users); n != 2 {
			t.Errorf("users after re-adding: got %d, want 2", n)
		}
	})
	t.Run("RemoveNonMember", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		wantErr(t, e.s.RemoveChatUser(e.ctx, c.ID, "stranger@example.com"), chat.ErrNotFound, "RemoveChatUser of a non-member")
	})
}

func testSetLastSeen(t *testing.T, mk func(*testing.T) *env) {
	t.Run("NeverMovesBack", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		t1, t2, t3 := e.now(), e.now(), e.now()
		steps := []struct{ at, want time.Time }{
			{t2, t2},
			{t1, t2},
			{t2, t2},
			{time.Time{}, t2},
			{t3, t3},
		}
		for i, s := range steps {
			got, err := e.s.SetLastSeen(e.ctx, c.ID, customer, s.at)
			e.must(err, "SetLastSeen")
			if !sameTime(got, s.want) {
				t.Errorf("step %d: SetLastSeen(%v) returned %v, want %v", i, s.at, got, s.want)
			}
			u, _ := findUser(e.chat(c.ID), customer)
			checkTime(t, "stored LastSeen", u.LastSeen, s.want)
		}
		if u, _ := findUser(e.chat(c.ID), agent); !u.LastSeen.IsZero() {
			t.Errorf("other user's LastSeen: got %v, want zero", u.LastSeen)
		}
	})
	t.Run("NonMember", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		_, err := e.s.SetLastSeen(e.ctx, c.ID, "stranger@example.com", e.now())
		wantErr(t, err, chat.ErrNotFound, "SetLastSeen of a non-member")
		e.must(e.s.RemoveChatUser(e.ctx, c.ID, agent), "RemoveChatUser")
		_, err = e.s.SetLastSeen(e.ctx, c.ID, agent, e.now())
		wantErr(t, err, chat.ErrNotFound, "SetLastSeen of a user no longer present")
	})
}

func testAddPostback(t *testing.T, mk func(*testing.T) *env) {
	rich := func(e *env, chatID string) chat.Event {
		return chat.Event{ID: id("event"), ChatID: chatID, Type: chat.EventRichMessage, AuthorID: agent, CreatedAt: e.now(),
			TemplateID: "quick_replies", Elements: []byte(`[{"buttons":[{"postback_id":"yes"}]}]`)}
	}
	t.Run("Records", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		ev := e.append(chat.AppendActive, rich(e, c.ID)).Event
		p := chat.Postback{ChatID: c.ID, ThreadID: th.ID, EventID: ev.ID, UserID: customer, ID: "yes", Toggled: true, CreatedAt: e.now()}
		e.must(e.s.AddPostback(e.ctx, p), "AddPostback")
		p.Toggled = false
		p.CreatedAt = e.now()
		e.must(e.s.AddPostback(e.ctx, p), "AddPostback again")
		p.UserID = agent
		e.must(e.s.AddPostback(e.ctx, p), "AddPostback by another user")
	})
	t.Run("MissingChat", func(t *testing.T) {
		e := mk(t)
		err := e.s.AddPostback(e.ctx, chat.Postback{ChatID: "missing", ThreadID: "t", EventID: "e", UserID: customer, ID: "yes", CreatedAt: e.now()})
		wantErr(t, err, chat.ErrNotFound, "AddPostback in a missing chat")
	})
	t.Run("MissingEvent", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		err := e.s.AddPostback(e.ctx, chat.Postback{ChatID: c.ID, ThreadID: th.ID, EventID: "missing", UserID: customer, ID: "yes", CreatedAt: e.now()})
		wantErr(t, err, chat.ErrNotFound, "AddPostback for a missing event")
		e.close(c.ID)
		_, th2 := e.activate(c.ID, nil, rich(e, c.ID))
		err = e.s.AddPostback(e.ctx, chat.Postback{ChatID: c.ID, ThreadID: th.ID, EventID: th2.Events[0].ID, UserID: customer, ID: "yes", CreatedAt: e.now()})
		wantErr(t, err, chat.ErrNotFound, "AddPostback naming the wrong thread")
	})
}
