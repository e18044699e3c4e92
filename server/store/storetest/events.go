package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

func testAppendEvent(t *testing.T, mk func(*testing.T) *env) {
	// checkAppended checks a result that stored ev in thread th (as it was
	// before the append) at order, and the chat after it.
	checkAppended := func(t *testing.T, e *env, res chat.AppendResult, ev chat.Event, th chat.Thread, order int) {
		t.Helper()
		if res.Duplicate {
			t.Error("Duplicate: got true")
		}
		want := stored(ev, th.ID, order)
		checkEvent(t, "AppendEvent event", res.Event, want)
		th.TotalEvents = order
		checkThread(t, "AppendEvent thread", res.Thread, th)
		if len(res.Thread.Events) != 0 {
			t.Errorf("AppendEvent thread has %d events, want none", len(res.Thread.Events))
		}
		read := e.thread(ev.ChatID, th.ID)
		checkThread(t, "ThreadsByID", read, th)
		checkEvent(t, "ThreadsByID last event", read.Events[len(read.Events)-1], want)
		c := e.chat(ev.ChatID)
		checkTime(t, "Chat LastEventAt", c.LastEventAt, ev.CreatedAt)
	}

	t.Run("AppendOrOpen/ToActiveThread", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		ev := e.message(c.ID, agent, "answer")
		res, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev, Mode: chat.AppendOrOpen, NewThreadID: id("thread")})
		e.must(err, "AppendEvent")
		if res.Opened {
			t.Error("Opened: got true for a chat with an active thread")
		}
		checkAppended(t, e, res, ev, th, 2)
		if got := e.chat(c.ID); got.LastThreadID != th.ID || !got.Active {
			t.Errorf("chat: got LastThreadID %q Active %v, want %q true", got.LastThreadID, got.Active, th.ID)
		}
	})
	t.Run("AppendOrOpen/OpensThread", func(t *testing.T) {
		e := mk(t)
		c, first := e.newChat()
		e.close(c.ID)
		e.must(e.s.RemoveChatUser(e.ctx, c.ID, agent), "RemoveChatUser")
		e.must(e.s.AddChatUser(e.ctx, c.ID, chat.User{ID: agent2, Type: chat.UserAgent}), "AddChatUser")
		ev := e.message(c.ID, customer, "anyone there?")
		newID := id("thread")
		res, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev, Mode: chat.AppendOrOpen, NewThreadID: newID})
		e.must(err, "AppendEvent")
		if !res.Opened {
			t.Error("Opened: got false for a chat without an active thread")
		}
		if res.Thread.ID != newID || res.Thread.Order != first.Order+1 || !res.Thread.Active || res.Thread.ChatID != c.ID {
			t.Errorf("thread: got %+v, want %s order %d active", res.Thread, newID, first.Order+1)
		}
		checkIDs(t, "new thread UserIDs", res.Thread.UserIDs, []string{customer, agent2})
		if res.Thread.TotalEvents != 1 || !res.Thread.ClosedAt.IsZero() {
			t.Errorf("thread: got TotalEvents %d ClosedAt %v, want 1 and zero", res.Thread.TotalEvents, res.Thread.ClosedAt)
		}
		checkEvent(t, "event", res.Event, stored(ev, newID, 1))
		got := e.chat(c.ID)
		if got.LastThreadID != newID || !got.Active {
			t.Errorf("chat: got LastThreadID %q Active %v, want %q true", got.LastThreadID, got.Active, newID)
		}
		checkTime(t, "LastEventAt", got.LastEventAt, ev.CreatedAt)
		read := e.thread(c.ID, newID)
		checkThread(t, "ThreadsByID", read, res.Thread)
		checkEvents(t, "ThreadsByID events", read.Events, []chat.Event{stored(ev, newID, 1)})
		if old := e.thread(c.ID, first.ID); old.Active || old.TotalEvents != 1 {
			t.Errorf("first thread: got Active %v TotalEvents %d, want false 1", old.Active, old.TotalEvents)
		}
		// The next open increments the order again.
		e.close(c.ID)
		res = e.append(chat.AppendOrOpen, e.message(c.ID, customer, "again"))
		if !res.Opened || res.Thread.Order != first.Order+2 {
			t.Errorf("third thread: got Opened %v order %d, want true %d", res.Opened, res.Thread.Order, first.Order+2)
		}
	})
	t.Run("AppendOrOpen/FirstThread", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat(withoutThread)
		res := e.append(chat.AppendOrOpen, e.message(c.ID, customer, "first"))
		if !res.Opened || res.Thread.Order != 1 || res.Event.Order != 1 {
			t.Errorf("got Opened %v thread order %d event order %d, want true 1 1", res.Opened, res.Thread.Order, res.Event.Order)
		}
		checkIDs(t, "UserIDs", res.Thread.UserIDs, []string{customer, agent})
	})
	t.Run("AppendActive/Appends", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		ev := e.message(c.ID, agent, "answer")
		res, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev, Mode: chat.AppendActive})
		e.must(err, "AppendEvent")
		if res.Opened {
			t.Error("Opened: got true")
		}
		checkAppended(t, e, res, ev, th, 2)
	})
	t.Run("AppendActive/NoActiveThread", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		e.close(c.ID)
		before := e.chat(c.ID)
		_, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: e.message(c.ID, customer, "x"), Mode: chat.AppendActive, NewThreadID: id("thread")})
		wantErr(t, err, chat.ErrNoActiveThread, "AppendActive to a closed chat")
		if got := e.thread(c.ID, th.ID); got.TotalEvents != 1 {
			t.Errorf("TotalEvents after failed append: got %d, want 1", got.TotalEvents)
		}
		checkChat(t, "Chat after failed append", e.chat(c.ID), before)
		bare, _ := e.newChat(withoutThread)
		_, err = e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: e.message(bare.ID, customer, "x"), Mode: chat.AppendActive})
		wantErr(t, err, chat.ErrNoActiveThread, "AppendActive to a chat without threads")
	})
	t.Run("AppendLast/ClosedThread", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		closed := e.close(c.ID)
		ev := e.message(c.ID, agent, "one more thing")
		res, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev, Mode: chat.AppendLast, NewThreadID: id("thread")})
		e.must(err, "AppendEvent")
		if res.Opened || res.Thread.Active {
			t.Errorf("got Opened %v thread Active %v, want false false", res.Opened, res.Thread.Active)
		}
		checkAppended(t, e, res, ev, closed, 2)
		got := e.chat(c.ID)
		if got.Active || got.LastThreadID != closed.ID {
			t.Errorf("chat: got Active %v LastThreadID %q, want false %q", got.Active, got.LastThreadID, closed.ID)
		}
	})
	t.Run("AppendLast/ActiveThread", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		ev := e.message(c.ID, agent, "x")
		res, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev, Mode: chat.AppendLast})
		e.must(err, "AppendEvent")
		checkAppended(t, e, res, ev, th, 2)
	})
	t.Run("AppendLast/NoThread", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat(withoutThread)
		_, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: e.message(c.ID, customer, "x"), Mode: chat.AppendLast, NewThreadID: id("thread")})
		wantErr(t, err, chat.ErrNoThread, "AppendLast to a chat without threads")
		if got := e.chat(c.ID); got.LastThreadID != "" || got.Active {
			t.Errorf("chat after failed append: got LastThreadID %q Active %v", got.LastThreadID, got.Active)
		}
	})
	t.Run("TakenEventID", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		ev := e.message(c.ID, agent, "x")
		ev.ID = th.Events[0].ID
		_, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev, Mode: chat.AppendActive})
		wantErr(t, err, chat.ErrExists, "AppendEvent with a taken event id")
		if got := e.thread(c.ID, th.ID); got.TotalEvents != 1 {
			t.Errorf("TotalEvents after failed append: got %d, want 1", got.TotalEvents)
		}
	})
}

func testCustomID(t *testing.T, mk func(*testing.T) *env) {
	withCustom := func(ev chat.Event, custom string) chat.Event {
		ev.CustomID = custom
		return ev
	}
	t.Run("Duplicate", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		orig := withCustom(e.message(c.ID, customer, "original"), "c-1")
		first := e.append(chat.AppendActive, orig)
		if first.Duplicate {
			t.Fatal("first append: Duplicate true")
		}
		before := e.chat(c.ID)
		retry := withCustom(e.message(c.ID, customer, "retry"), "c-1")
		res, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: retry, Mode: chat.AppendActive})
		e.must(err, "AppendEvent retry")
		if !res.Duplicate {
			t.Fatal("retry: Duplicate false")
		}
		if res.Opened {
			t.Error("retry: Opened true")
		}
		checkEvent(t, "duplicate's event", res.Event, stored(orig, th.ID, 2))
		if res.Thread.ID != th.ID || res.Thread.TotalEvents != 2 {
			t.Errorf("duplicate's thread: got %s with %d events, want %s with 2", res.Thread.ID, res.Thread.TotalEvents, th.ID)
		}
		evs := e.allEvents(c.ID)
		if len(evs) != 2 {
			t.Errorf("events after retry: got %d, want 2", len(evs))
		}
		checkChat(t, "Chat after retry", e.chat(c.ID), before)
	})
	t.Run("DuplicateAfterClose", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		orig := withCustom(e.message(c.ID, customer, "original"), "c-1")
		e.append(chat.AppendActive, orig)
		e.close(c.ID)
		for _, mode := range []chat.AppendMode{chat.AppendOrOpen, chat.AppendActive, chat.AppendLast} {
			res, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{
				Event: withCustom(e.message(c.ID, customer, "retry"), "c-1"), Mode: mode, NewThreadID: id("thread")})
			e.must(err, "AppendEvent retry")
			if !res.Duplicate || res.Opened || res.Event.ID != orig.ID || res.Thread.ID != th.ID {
				t.Errorf("mode %d retry: got Duplicate %v Opened %v event %s thread %s, want the original", mode, res.Duplicate, res.Opened, res.Event.ID, res.Thread.ID)
			}
		}
		_, total, err := e.s.Threads(e.ctx, c.ID, 0, 0)
		e.must(err, "Threads")
		if total != 1 {
			t.Errorf("threads after retries: got %d, want 1", total)
		}
		if got := e.chat(c.ID); got.Active {
			t.Error("chat active after retries")
		}
	})
	t.Run("DuplicateOfCreateChatEvent", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat(func(nc *chat.NewChat) { nc.Events[0].CustomID = "c-0" })
		res := e.append(chat.AppendActive, withCustom(e.message(c.ID, customer, "retry"), "c-0"))
		if !res.Duplicate || res.Event.ID != th.Events[0].ID {
			t.Errorf("got Duplicate %v event %s, want the CreateChat event %s", res.Duplicate, res.Event.ID, th.Events[0].ID)
		}
	})
	t.Run("OtherAuthor", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		e.append(chat.AppendActive, withCustom(e.message(c.ID, customer, "a"), "c-1"))
		res := e.append(chat.AppendActive, withCustom(e.message(c.ID, agent, "b"), "c-1"))
		if res.Duplicate || res.Event.Order != 3 {
			t.Errorf("other author: got Duplicate %v order %d, want false 3", res.Duplicate, res.Event.Order)
		}
	})
	t.Run("OtherChat", func(t *testing.T) {
		e := mk(t)
		c1, _ := e.newChat()
		c2, _ := e.newChat()
		e.append(chat.AppendActive, withCustom(e.message(c1.ID, customer, "a"), "c-1"))
		res := e.append(chat.AppendActive, withCustom(e.message(c2.ID, customer, "b"), "c-1"))
		if res.Duplicate {
			t.Error("other chat: Duplicate true")
		}
	})
	t.Run("EmptyCustomID", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		a := e.append(chat.AppendActive, e.message(c.ID, customer, "same"))
		b := e.append(chat.AppendActive, e.message(c.ID, customer, "same"))
		if a.Duplicate || b.Duplicate || b.Event.Order != 3 {
			t.Errorf("no custom id: got Duplicate %v %v order %d, want false false 3", a.Duplicate, b.Duplicate, b.Event.Order)
		}
	})
	t.Run("SystemAuthor", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		s1 := withCustom(e.system(c.ID, "x"), "sys-1")
		e.append(chat.AppendActive, s1)
		res := e.append(chat.AppendActive, withCustom(e.system(c.ID, "x"), "sys-1"))
		if !res.Duplicate || res.Event.ID != s1.ID {
			t.Errorf("system retry: got Duplicate %v event %s, want %s", res.Duplicate, res.Event.ID, s1.ID)
		}
	})
}

func testLastEvents(t *testing.T, mk func(*testing.T) *env) {
	t.Run("NewestPerType", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		sys1 := e.system(c.ID, "routing.assigned")
		e.append(chat.AppendActive, sys1)
		msg1 := e.message(c.ID, agent, "hi")
		e.append(chat.AppendActive, msg1)
		e.close(c.ID)
		msg2 := e.message(c.ID, customer, "back")
		_, th2 := e.activate(c.ID, nil, msg2)
		ann := chat.Event{ID: id("event"), ChatID: c.ID, Type: chat.EventAnnotation, AuthorID: agent, CreatedAt: e.now(), Text: "note", AnnotationType: "tag"}
		e.append(chat.AppendActive, ann)

		got, err := e.s.LastEvents(e.ctx, c.ID, chat.UserAgent)
		e.must(err, "LastEvents")
		want := map[string]chat.LastEvent{
			chat.EventMessage:       {ThreadOrder: 2, Event: stored(msg2, th2.ID, 1)},
			chat.EventSystemMessage: {ThreadOrder: 1, Event: stored(sys1, th.ID, 2)},
			chat.EventAnnotation:    {ThreadOrder: 2, Event: stored(ann, th2.ID, 2)},
		}
		if len(got) != len(want) {
			t.Errorf("LastEvents: got types %v, want %d types", keys(got), len(want))
		}
		for typ, w := range want {
			g, ok := got[typ]
			if !ok {
				t.Errorf("LastEvents: no %s", typ)
				continue
			}
			if g.ThreadOrder != w.ThreadOrder {
				t.Errorf("LastEvents[%s] ThreadOrder: got %d, want %d", typ, g.ThreadOrder, w.ThreadOrder)
			}
			checkEvent(t, "LastEvents["+typ+"]", g.Event, w.Event)
		}
	})
	t.Run("NoEvents", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat(withoutThread)
		got, err := e.s.LastEvents(e.ctx, c.ID, chat.UserAgent)
		e.must(err, "LastEvents")
		if len(got) != 0 {
			t.Errorf("LastEvents: got %v, want none", keys(got))
		}
	})
}

func keys(m map[string]chat.LastEvent) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return sortedStrings(out)
}

func testEventsAfter(t *testing.T, mk func(*testing.T) *env) {
	// setup makes a chat with two threads of three events each.
	setup := func(e *env) (chat.Chat, []chat.Event) {
		c, th := e.newChat()
		all := []chat.Event{th.Events[0]}
		for i := 0; i < 2; i++ {
			all = append(all, e.append(chat.AppendActive, e.message(c.ID, agent, "t1")).Event)
		}
		e.close(c.ID)
		_, th2 := e.activate(c.ID, nil, e.message(c.ID, customer, "t2"))
		all = append(all, th2.Events[0])
		for i := 0; i < 2; i++ {
			all = append(all, e.append(chat.AppendActive, e.message(c.ID, agent, "t2")).Event)
		}
		return c, all
	}
	t.Run("Positions", func(t *testing.T) {
		e := mk(t)
		c, all := setup(e)
		cases := []struct {
			threadOrder, eventOrder, limit int
			want                           []chat.Event
		}{
			{0, 0, 0, all},
			{0, 0, 100, all},
			{0, 0, 2, all[:2]},
			{1, 0, 0, all},
			{1, 2, 0, all[2:]},
			{1, 3, 0, all[3:]},
			{1, 3, 1, all[3:4]},
			{2, 1, 0, all[4:]},
			{2, 3, 0, nil},
			{5, 0, 0, nil},
		}
		for _, tc := range cases {
			got, err := e.s.EventsAfter(e.ctx, c.ID, tc.threadOrder, tc.eventOrder, tc.limit)
			e.must(err, "EventsAfter")
			if len(got) != len(tc.want) {
				t.Errorf("EventsAfter(%d, %d, %d): got %v, want %v", tc.threadOrder, tc.eventOrder, tc.limit, eventIDs(got), eventIDs(tc.want))
				continue
			}
			for i := range got {
				checkEvent(t, "EventsAfter", got[i], tc.want[i])
			}
		}
	})
	t.Run("IncludesLateAppendToClosedThread", func(t *testing.T) {
		// Store order is thread order, then event order.
		e := mk(t)
		c, th := e.newChat()
		e.close(c.ID)
		late := e.append(chat.AppendLast, e.message(c.ID, agent, "late")).Event
		got, err := e.s.EventsAfter(e.ctx, c.ID, 1, 1, 0)
		e.must(err, "EventsAfter")
		checkEvents(t, "EventsAfter", got, []chat.Event{late})
		all := e.allEvents(c.ID)
		checkEvents(t, "all events", all, []chat.Event{th.Events[0], late})
	})
}

// fieldEvents returns one event of each type with every field its type uses.
func (e *env) fieldEvents(chatID string) []chat.Event {
	props := chat.Properties{"ns": {"s": "v", "n": 1.5, "b": true}}
	return []chat.Event{
		{ID: id("event"), ChatID: chatID, Type: chat.EventMessage, AuthorID: customer, CreatedAt: e.now(), CustomID: "cm-1",
			Properties: props, Text: "Yes please",
			Postback: &chat.MessagePostback{ID: "pb-1", ThreadID: "thread-x", EventID: "event-x", Type: "message", Value: "yes"}},
		{ID: id("event"), ChatID: chatID, Type: chat.EventSystemMessage, CreatedAt: e.now(), Text: "Ann joined",
			SystemMessageType: "chat.user_joined", TextVars: map[string]string{"agent": "Ann", "count": "2"}},
		{ID: id("event"), ChatID: chatID, Type: chat.EventFile, AuthorID: customer, CreatedAt: e.now(),
			File: &chat.File{Name: "cat.png", URL: "https://cdn.example/cat.png", ContentType: "image/png", Size: 12345, Width: 640, Height: 480}},
		{ID: id("event"), ChatID: chatID, Type: chat.EventFile, AuthorID: customer, CreatedAt: e.now(),
			File: &chat.File{Name: "doc.pdf", URL: "https://cdn.example/doc.pdf", ContentType: "application/pdf", Size: 1 << 40}},
		{ID: id("event"), ChatID: chatID, Type: chat.EventRichMessage, AuthorID: agent, CreatedAt: e.now(), TemplateID: "cards",
			Elements: json.RawMessage(`[{"title":"Shoes","buttons":[{"type":"message","text":"Buy","postback_id":"buy","value":"1"}]}]`)},
		{ID: id("event"), ChatID: chatID, Type: chat.EventFilledForm, AuthorID: customer, CreatedAt: e.now(), FormID: "prechat",
			Fields: json.RawMessage(`[{"type":"name","label":"Name","answer":"Ann"},{"type":"email","answer":"a@example.com"}]`)},
		{ID: id("event"), ChatID: chatID, Type: chat.EventAnnotation, AuthorID: agent, CreatedAt: e.now(), Text: "VIP", AnnotationType: "rating"},
		{ID: id("event"), ChatID: chatID, Type: chat.EventCustom, AuthorID: customer, CreatedAt: e.now(),
			Content: json.RawMessage(` { "kind" : "cart", "items" : [1, 2.5, "x", null, {"deep": [true]}] } `)},
		{ID: id("event"), ChatID: chatID, Type: chat.EventMessage, AuthorID: agent, CreatedAt: e.now(), Text: "ünïcödé ✓ \"quotes\" \\ \n newline"},
	}
}

func testEventFields(t *testing.T, mk func(*testing.T) *env) {
	t.Run("AppendEvent", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		evs := e.fieldEvents(c.ID)
		want := []chat.Event{th.Events[0]}
		for i, ev := range evs {
			res := e.append(chat.AppendActive, ev)
			w := stored(ev, th.ID, i+2)
			checkEvent(t, "AppendEvent "+ev.Type, res.Event, w)
			want = append(want, w)
		}
		checkEvents(t, "ThreadsByID", e.thread(c.ID, th.ID).Events, want)
		checkEvents(t, "EventsAfter", e.allEvents(c.ID), want)
		last, err := e.s.LastEvents(e.ctx, c.ID, chat.UserAgent)
		e.must(err, "LastEvents")
		checkEvent(t, "LastEvents custom", last[chat.EventCustom].Event, want[8])
		checkEvent(t, "LastEvents filled_form", last[chat.EventFilledForm].Event, want[6])
	})
	t.Run("CreateChat", func(t *testing.T) {
		e := mk(t)
		nc := e.newChatInput()
		nc.Events = e.fieldEvents(nc.Chat.ID)
		_, th, err := e.s.CreateChat(e.ctx, nc)
		e.must(err, "CreateChat")
		var want []chat.Event
		for i, ev := range nc.Events {
			want = append(want, stored(ev, nc.Thread.ID, i+1))
		}
		checkEvents(t, "CreateChat", th.Events, want)
		checkEvents(t, "ThreadsByID", e.thread(nc.Chat.ID, th.ID).Events, want)
	})
	t.Run("ActivateChatAndCloseThread", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		e.close(c.ID)
		evs := e.fieldEvents(c.ID)
		_, th := e.activate(c.ID, nil, evs[:4]...)
		sys := evs[1]
		sys.ID = id("event")
		_, got, err := e.s.CloseThread(e.ctx, c.ID, e.now(), &sys)
		e.must(err, "CloseThread")
		var want []chat.Event
		for i, ev := range evs[:4] {
			want = append(want, stored(ev, th.ID, i+1))
		}
		checkEvents(t, "ActivateChat", th.Events, want)
		checkEvent(t, "CloseThread", *got, stored(sys, th.ID, 5))
		checkEvents(t, "ThreadsByID", e.thread(c.ID, th.ID).Events, append(want, stored(sys, th.ID, 5)))
	})
}

func testTimes(t *testing.T, mk func(*testing.T) *env) {
	e := mk(t)
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	at := time.Date(2031, 12, 31, 23, 59, 59, 987_000_000, zone)
	nc := e.newChatInput()
	nc.Chat.CreatedAt = at
	nc.Thread.CreatedAt = at.Add(time.Millisecond)
	nc.Chat.Users[0].LastSeen = at.Add(2 * time.Millisecond)
	nc.Events[0].CreatedAt = at.Add(3 * time.Millisecond)
	c, th, err := e.s.CreateChat(e.ctx, nc)
	e.must(err, "CreateChat")
	for _, got := range []chat.Chat{c, e.chat(c.ID)} {
		checkTime(t, "Chat CreatedAt", got.CreatedAt, at)
		checkTime(t, "Chat LastEventAt", got.LastEventAt, at.Add(3*time.Millisecond))
		u, _ := findUser(got, customer)
		checkTime(t, "User LastSeen", u.LastSeen, at.Add(2*time.Millisecond))
	}
	read := e.thread(c.ID, th.ID)
	checkTime(t, "Thread CreatedAt", read.CreatedAt, at.Add(time.Millisecond))
	checkTime(t, "Event CreatedAt", read.Events[0].CreatedAt, at.Add(3*time.Millisecond))
	closedAt := at.Add(4 * time.Millisecond)
	_, _, err = e.s.CloseThread(e.ctx, c.ID, closedAt, nil)
	e.must(err, "CloseThread")
	checkTime(t, "Thread ClosedAt", e.thread(c.ID, th.ID).ClosedAt, closedAt)
	old := time.Date(1999, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	e.must(e.s.PutLicense(e.ctx, chat.License{ID: 3, Name: "old", CreatedAt: old}), "PutLicense")
	l, err := e.s.License(e.ctx, 3)
	e.must(err, "License")
	checkTime(t, "License CreatedAt", l.CreatedAt, old)
}
