package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

func presentUsers(us []chat.User) []chat.User {
	out := make([]chat.User, len(us))
	for i, u := range us {
		u.Present = true
		out[i] = u
	}
	return out
}

func testCreateChat(t *testing.T, mk func(*testing.T) *env) {
	t.Run("StoresChatThreadAndEvents", func(t *testing.T) {
		e := mk(t)
		nc := e.newChatInput()
		nc.Chat.GroupIDs = []int{0, 3}
		nc.Chat.Properties = chat.Properties{"routing": {"pinned": true, "score": 2.5}}
		nc.Thread.Properties = chat.Properties{"source": {"page": "https://shop.example"}}
		nc.Events = append(nc.Events,
			e.system(nc.Chat.ID, "routing.assigned"),
			e.message(nc.Chat.ID, agent, "hi, how can I help?"))
		c, th, err := e.s.CreateChat(e.ctx, nc)
		e.must(err, "CreateChat")

		wantChat := nc.Chat
		wantChat.Users = presentUsers(nc.Chat.Users)
		wantChat.LastThreadID = nc.Thread.ID
		wantChat.Active = true
		wantChat.LastEventAt = nc.Events[2].CreatedAt
		checkChat(t, "CreateChat chat", c, wantChat)
		checkChat(t, "Chat", e.chat(nc.Chat.ID), wantChat)

		wantThread := chat.Thread{
			ID: nc.Thread.ID, ChatID: nc.Chat.ID, Order: 1, Active: true, UserIDs: []string{customer, agent},
			Properties: nc.Thread.Properties, CreatedAt: nc.Thread.CreatedAt, TotalEvents: 3,
		}
		var wantEvents []chat.Event
		for i, ev := range nc.Events {
			wantEvents = append(wantEvents, stored(ev, nc.Thread.ID, i+1))
		}
		checkThread(t, "CreateChat thread", th, wantThread)
		checkEvents(t, "CreateChat thread events", th.Events, wantEvents)
		read := e.thread(nc.Chat.ID, nc.Thread.ID)
		checkThread(t, "ThreadsByID", read, wantThread)
		checkEvents(t, "ThreadsByID events", read.Events, wantEvents)
	})
	t.Run("UsersArePresent", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat(func(nc *chat.NewChat) {
			for i := range nc.Chat.Users {
				nc.Chat.Users[i].Present = false
			}
		})
		for _, u := range c.Users {
			if !u.Present {
				t.Errorf("user %s: Present false after CreateChat", u.ID)
			}
		}
		checkIDs(t, "thread UserIDs", th.UserIDs, []string{customer, agent})
	})
	t.Run("NoEvents", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat(func(nc *chat.NewChat) { nc.Events = nil })
		if !c.Active || c.LastThreadID != th.ID || !c.LastEventAt.IsZero() {
			t.Errorf("chat: got Active %v LastThreadID %q LastEventAt %v, want true, %q, zero", c.Active, c.LastThreadID, c.LastEventAt, th.ID)
		}
		if th.TotalEvents != 0 || len(th.Events) != 0 || th.Order != 1 || !th.Active {
			t.Errorf("thread: got %+v, want order 1, active, no events", th)
		}
	})
	t.Run("WithoutThread", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat(withoutThread)
		if c.Active || c.LastThreadID != "" || !c.LastEventAt.IsZero() {
			t.Errorf("chat: got Active %v LastThreadID %q LastEventAt %v, want false, \"\", zero", c.Active, c.LastThreadID, c.LastEventAt)
		}
		ts, total, err := e.s.Threads(e.ctx, c.ID, 0, 10)
		e.must(err, "Threads")
		if total != 0 || len(ts) != 0 {
			t.Errorf("Threads: got %d of %d, want none", len(ts), total)
		}
		checkChat(t, "Chat", e.chat(c.ID), c)
	})
	t.Run("ExistingID", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		_, _, err := e.s.CreateChat(e.ctx, func() chat.NewChat {
			nc := e.newChatInput()
			nc.Chat.ID = c.ID
			return nc
		}())
		wantErr(t, err, chat.ErrExists, "CreateChat with a taken id")
		checkChat(t, "Chat after failed create", e.chat(c.ID), c)
	})
	t.Run("AllOrNothing", func(t *testing.T) {
		// A taken thread id fails the whole create.
		e := mk(t)
		_, th := e.newChat()
		nc := e.newChatInput()
		nc.Thread.ID = th.ID
		_, _, err := e.s.CreateChat(e.ctx, nc)
		if err == nil {
			t.Fatal("CreateChat with a taken thread id: no error")
		}
		_, err = e.s.Chat(e.ctx, nc.Chat.ID)
		wantErr(t, err, chat.ErrNotFound, "Chat after failed create")
	})
}

func testActivateChat(t *testing.T, mk func(*testing.T) *env) {
	t.Run("ChatActive", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		_, _, err := e.s.ActivateChat(e.ctx, c.ID, chat.Thread{ID: id("thread"), CreatedAt: e.now()}, nil, []chat.Event{e.message(c.ID, customer, "x")})
		wantErr(t, err, chat.ErrChatActive, "ActivateChat of an active chat")
		ts, total, err := e.s.Threads(e.ctx, c.ID, 0, 0)
		e.must(err, "Threads")
		if total != 1 || len(ts) != 1 || ts[0].ID != th.ID || ts[0].TotalEvents != 1 {
			t.Errorf("Threads after failed activate: got %d of %d %+v, want only the first thread", len(ts), total, ts)
		}
	})
	t.Run("OpensNextThread", func(t *testing.T) {
		e := mk(t)
		c, first := e.newChat()
		e.close(c.ID)
		newAgent := chat.User{ID: agent2, Type: chat.UserAgent}
		events := []chat.Event{e.system(c.ID, "chat.activated"), e.message(c.ID, customer, "back again")}
		threadIn := chat.Thread{ID: id("thread"), CreatedAt: e.now(), Properties: chat.Properties{"ns": {"k": "v"}}}
		got, th, err := e.s.ActivateChat(e.ctx, c.ID, threadIn, []chat.User{newAgent}, events)
		e.must(err, "ActivateChat")

		wantChat := c
		wantChat.Users = append(presentUsers(c.Users), chat.User{ID: agent2, Type: chat.UserAgent, Present: true})
		wantChat.LastThreadID = threadIn.ID
		wantChat.Active = true
		wantChat.LastEventAt = events[1].CreatedAt
		checkChat(t, "ActivateChat chat", got, wantChat)
		checkChat(t, "Chat", e.chat(c.ID), wantChat)

		wantThread := chat.Thread{ID: threadIn.ID, ChatID: c.ID, Order: first.Order + 1, Active: true,
			UserIDs: []string{customer, agent, agent2}, Properties: threadIn.Properties, CreatedAt: threadIn.CreatedAt, TotalEvents: 2}
		wantEvents := []chat.Event{stored(events[0], threadIn.ID, 1), stored(events[1], threadIn.ID, 2)}
		checkThread(t, "ActivateChat thread", th, wantThread)
		checkEvents(t, "ActivateChat events", th.Events, wantEvents)
		read := e.thread(c.ID, threadIn.ID)
		checkThread(t, "ThreadsByID", read, wantThread)
		checkEvents(t, "ThreadsByID events", read.Events, wantEvents)
		old := e.thread(c.ID, first.ID)
		if old.Active {
			t.Error("first thread active after ActivateChat")
		}
	})
	t.Run("AbsentUserReturns", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		e.close(c.ID)
		e.must(e.s.RemoveChatUser(e.ctx, c.ID, agent), "RemoveChatUser")
		got, th := e.activate(c.ID, []chat.User{{ID: agent, Type: chat.UserAgent}})
		u, ok := findUser(got, agent)
		if !ok || !u.Present {
			t.Errorf("agent after ActivateChat: got %+v (found %v), want present", u, ok)
		}
		checkIDs(t, "thread UserIDs", th.UserIDs, []string{customer, agent})
	})
	t.Run("AbsentUserStaysAway", func(t *testing.T) {
		// The new thread's users are the chat's present users.
		e := mk(t)
		c, _ := e.newChat()
		e.close(c.ID)
		e.must(e.s.RemoveChatUser(e.ctx, c.ID, agent), "RemoveChatUser")
		_, th := e.activate(c.ID, nil)
		checkIDs(t, "thread UserIDs", th.UserIDs, []string{customer})
	})
	t.Run("ChatWithoutThread", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat(withoutThread)
		ev := e.message(c.ID, customer, "first")
		got, th := e.activate(c.ID, nil, ev)
		if th.Order != 1 || !th.Active || got.LastThreadID != th.ID || !got.Active {
			t.Errorf("got chat %+v thread %+v, want thread 1 active", got, th)
		}
		checkEvents(t, "events", th.Events, []chat.Event{stored(ev, th.ID, 1)})
	})
	t.Run("NoEvents", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		e.close(c.ID)
		got, th := e.activate(c.ID, nil)
		if th.Order != 2 || th.TotalEvents != 0 || len(th.Events) != 0 || !got.Active {
			t.Errorf("got chat %+v thread %+v, want an empty active thread 2", got, th)
		}
		checkTime(t, "LastEventAt", got.LastEventAt, c.LastEventAt)
	})
}

func testCloseThread(t *testing.T, mk func(*testing.T) *env) {
	t.Run("WithoutSystemEvent", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		at := e.now()
		closed, sys, err := e.s.CloseThread(e.ctx, c.ID, at, nil)
		e.must(err, "CloseThread")
		if sys != nil {
			t.Errorf("stored system event: got %+v, want nil", sys)
		}
		want := th
		want.Active = false
		want.ClosedAt = at
		checkThread(t, "CloseThread", closed, want)
		if len(closed.Events) != 0 {
			t.Errorf("CloseThread returned %d events, want none", len(closed.Events))
		}
		checkThread(t, "ThreadsByID", e.thread(c.ID, th.ID), want)
		wantChat := c
		wantChat.Active = false
		checkChat(t, "Chat", e.chat(c.ID), wantChat)
	})
	t.Run("WithSystemEvent", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		sys := e.system(c.ID, "chat.closed")
		sys.TextVars = map[string]string{"agent": "Ann"}
		at := e.now()
		closed, got, err := e.s.CloseThread(e.ctx, c.ID, at, &sys)
		e.must(err, "CloseThread")
		wantEvent := stored(sys, th.ID, 2)
		if got == nil {
			t.Fatal("CloseThread returned no system event")
		}
		checkEvent(t, "stored system event", *got, wantEvent)
		want := th
		want.Active = false
		want.ClosedAt = at
		want.TotalEvents = 2
		checkThread(t, "CloseThread", closed, want)
		read := e.thread(c.ID, th.ID)
		checkThread(t, "ThreadsByID", read, want)
		checkEvents(t, "events", read.Events, append(th.Events, wantEvent))
		wantChat := c
		wantChat.Active = false
		wantChat.LastEventAt = sys.CreatedAt
		checkChat(t, "Chat", e.chat(c.ID), wantChat)
	})
	t.Run("NoActiveThread", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		e.close(c.ID)
		sys := e.system(c.ID, "chat.closed")
		_, _, err := e.s.CloseThread(e.ctx, c.ID, e.now(), &sys)
		wantErr(t, err, chat.ErrNoActiveThread, "CloseThread of a closed chat")
		if n := len(e.allEvents(c.ID)); n != 1 {
			t.Errorf("events after failed close: got %d, want 1", n)
		}
		bare, _ := e.newChat(withoutThread)
		_, _, err = e.s.CloseThread(e.ctx, bare.ID, e.now(), nil)
		wantErr(t, err, chat.ErrNoActiveThread, "CloseThread of a chat without threads")
	})
}

func testThreads(t *testing.T, mk func(*testing.T) *env) {
	// setup makes a chat with four threads of 1, 2, 3 and 4 events.
	setup := func(e *env) (chat.Chat, []chat.Thread) {
		c, th := e.newChat()
		threads := []chat.Thread{th}
		for n := 2; n <= 4; n++ {
			e.close(c.ID)
			evs := make([]chat.Event, n)
			for i := range evs {
				evs[i] = e.message(c.ID, customer, "m")
			}
			_, th := e.activate(c.ID, nil, evs...)
			threads = append(threads, th)
		}
		return e.chat(c.ID), threads
	}
	t.Run("NewestFirst", func(t *testing.T) {
		e := mk(t)
		c, threads := setup(e)
		got, total, err := e.s.Threads(e.ctx, c.ID, 0, 10)
		e.must(err, "Threads")
		if total != 4 || len(got) != 4 {
			t.Fatalf("Threads: got %d of %d, want 4 of 4", len(got), total)
		}
		for i, th := range got {
			want := threads[3-i]
			want.Events = nil
			if want.Order != 4 {
				want.Active = false
				want.ClosedAt = th.ClosedAt // checked below
			}
			checkThread(t, "Threads", th, want)
			if len(th.Events) != 0 {
				t.Errorf("Threads returned thread %d with %d events, want none", th.Order, len(th.Events))
			}
			if th.TotalEvents != th.Order {
				t.Errorf("thread %d TotalEvents: got %d, want %d", th.Order, th.TotalEvents, th.Order)
			}
			if th.Order < 4 && th.ClosedAt.IsZero() {
				t.Errorf("closed thread %d has no ClosedAt", th.Order)
			}
		}
	})
	t.Run("OffsetAndLimit", func(t *testing.T) {
		e := mk(t)
		c, _ := setup(e)
		cases := []struct {
			offset, limit int
			orders        []int
		}{
			{0, 2, []int{4, 3}},
			{1, 2, []int{3, 2}},
			{3, 5, []int{1}},
			{4, 5, nil},
			{10, 1, nil},
			{1, 0, []int{3, 2, 1}},
		}
		for _, tc := range cases {
			got, total, err := e.s.Threads(e.ctx, c.ID, tc.offset, tc.limit)
			e.must(err, "Threads")
			var orders []int
			for _, th := range got {
				orders = append(orders, th.Order)
			}
			if total != 4 || !equalInts(orders, tc.orders) {
				t.Errorf("Threads(offset %d, limit %d): got orders %v of %d, want %v of 4", tc.offset, tc.limit, orders, total, tc.orders)
			}
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testThreadsByID(t *testing.T, mk func(*testing.T) *env) {
	t.Run("OrderedWithEvents", func(t *testing.T) {
		e := mk(t)
		c, first := e.newChat()
		e.append(chat.AppendActive, e.message(c.ID, agent, "second"))
		e.close(c.ID)
		ev := e.message(c.ID, customer, "third")
		_, second := e.activate(c.ID, nil, ev)
		e.append(chat.AppendActive, e.message(c.ID, agent, "fourth"))

		got, err := e.s.ThreadsByID(e.ctx, c.ID, []string{second.ID, first.ID})
		e.must(err, "ThreadsByID")
		if len(got) != 2 || got[0].ID != first.ID || got[1].ID != second.ID {
			t.Fatalf("ThreadsByID: got %d threads, want first then second", len(got))
		}
		for _, th := range got {
			if len(th.Events) != 2 || th.TotalEvents != 2 {
				t.Errorf("thread %d: got %d events (TotalEvents %d), want 2", th.Order, len(th.Events), th.TotalEvents)
				continue
			}
			for i, ev := range th.Events {
				if ev.Order != i+1 || ev.ThreadID != th.ID || ev.ChatID != c.ID {
					t.Errorf("thread %d event %d: got order %d thread %q chat %q", th.Order, i, ev.Order, ev.ThreadID, ev.ChatID)
				}
			}
		}
		if got[1].Events[0].Text != "third" || got[1].Events[1].Text != "fourth" {
			t.Errorf("second thread events: got %q, %q", got[1].Events[0].Text, got[1].Events[1].Text)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		got, err := e.s.ThreadsByID(e.ctx, c.ID, nil)
		e.must(err, "ThreadsByID(nil)")
		if len(got) != 0 {
			t.Errorf("ThreadsByID(nil): got %d threads", len(got))
		}
	})
	t.Run("MissingThread", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		_, err := e.s.ThreadsByID(e.ctx, c.ID, []string{th.ID, "missing"})
		wantErr(t, err, chat.ErrNotFound, "ThreadsByID with a missing id")
	})
	t.Run("ThreadOfAnotherChat", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		_, other := e.newChat()
		_, err := e.s.ThreadsByID(e.ctx, c.ID, []string{other.ID})
		wantErr(t, err, chat.ErrNotFound, "ThreadsByID with another chat's thread")
	})
}

func testThreadEvents(t *testing.T, mk func(*testing.T) *env) {
	e := mk(t)
	c, first := e.newChat()
	for i := range 9 {
		e.append(chat.AppendActive, e.message(c.ID, agent, fmt.Sprint("m", i+2)))
	}
	e.close(c.ID)
	_, second := e.activate(c.ID, nil, e.message(c.ID, customer, "other thread"))

	th, err := e.s.Thread(e.ctx, c.ID, first.ID)
	e.must(err, "Thread")
	if th.ID != first.ID || th.Order != first.Order || th.TotalEvents != 10 || th.Events != nil {
		t.Errorf("Thread: got id %q order %d, %d total events, %d events; want %q, %d, 10, none",
			th.ID, th.Order, th.TotalEvents, len(th.Events), first.ID, first.Order)
	}
	orders := func(evs []chat.Event) []int {
		out := []int{}
		for _, ev := range evs {
			if ev.ThreadID != first.ID {
				t.Errorf("event %s of thread %s, want %s", ev.ID, ev.ThreadID, first.ID)
			}
			out = append(out, ev.Order)
		}
		return out
	}
	for _, tc := range []struct {
		before, limit int
		want          []int
	}{
		{0, 3, []int{10, 9, 8}},
		{9, 3, []int{8, 7, 6}},
		{3, 5, []int{2, 1}},
		{1, 5, []int{}},
		{0, 0, []int{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
	} {
		evs, err := e.s.ThreadEvents(e.ctx, c.ID, first.ID, tc.before, tc.limit, chat.UserAgent)
		e.must(err, "ThreadEvents")
		if got := orders(evs); !slices.Equal(got, tc.want) {
			t.Errorf("ThreadEvents(before %d, limit %d): orders %v, want %v", tc.before, tc.limit, got, tc.want)
		}
	}
	if evs, err := e.s.ThreadEvents(e.ctx, c.ID, second.ID, 0, 10, chat.UserAgent); err != nil || len(evs) != 1 || evs[0].Text != "other thread" {
		t.Errorf("ThreadEvents of the second thread: %d events, %v", len(evs), err)
	}
	_, other := e.newChat()
	_, err = e.s.Thread(e.ctx, c.ID, other.ID)
	wantErr(t, err, chat.ErrNotFound, "Thread of another chat")
	_, err = e.s.ThreadEvents(e.ctx, c.ID, other.ID, 0, 10, chat.UserAgent)
	wantErr(t, err, chat.ErrNotFound, "ThreadEvents of another chat's thread")
	_, err = e.s.ThreadEvents(e.ctx, c.ID, "missing", 0, 10, chat.UserAgent)
	wantErr(t, err, chat.ErrNotFound, "ThreadEvents of a missing thread")
}

func testTotalEvents(t *testing.T, mk func(*testing.T) *env) {
	e := mk(t)
	c, th := e.newChat()
	check := func(threadID string, want int) {
		t.Helper()
		if got := e.thread(c.ID, threadID); got.TotalEvents != want || len(got.Events) != want {
			t.Errorf("thread %s: got TotalEvents %d and %d events, want %d", threadID, got.TotalEvents, len(got.Events), want)
		}
	}
	check(th.ID, 1)
	res := e.append(chat.AppendActive, e.message(c.ID, agent, "a"))
	if res.Thread.TotalEvents != 2 {
		t.Errorf("AppendEvent result TotalEvents: got %d, want 2", res.Thread.TotalEvents)
	}
	check(th.ID, 2)
	sys := e.system(c.ID, "chat.closed")
	closed, _, err := e.s.CloseThread(e.ctx, c.ID, e.now(), &sys)
	e.must(err, "CloseThread")
	if closed.TotalEvents != 3 {
		t.Errorf("CloseThread result TotalEvents: got %d, want 3", closed.TotalEvents)
	}
	check(th.ID, 3)
	e.append(chat.AppendLast, e.message(c.ID, customer, "late"))
	check(th.ID, 4)
	_, th2 := e.activate(c.ID, nil, e.message(c.ID, customer, "b"), e.message(c.ID, customer, "c"))
	if th2.TotalEvents != 2 {
		t.Errorf("ActivateChat thread TotalEvents: got %d, want 2", th2.TotalEvents)
	}
	check(th2.ID, 2)
	check(th.ID, 4)
}
