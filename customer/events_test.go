package customer_test

// Notifications: every one the server can make the SDK emit, and the
// subscription API (On, Once, off, SDK.On, SDK.Once, Notifications) with
// its ordering promise.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

// TestConnectNotifications: CustomerID comes first, then the users of the
// customer's chats, then Connected with the chats summary.
func TestConnectNotifications(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	store := customer.MemoryStore()
	first, rec := tInit(t, srv, func(c *customer.Config) { c.Identity = store })
	all, _ := rec.list()
	if id, ok := all[0].(customer.CustomerID); !ok || id.ID == "" || id.ID != first.CustomerID() {
		t.Fatalf("first notifications %s, want CustomerID %s first", tNames(all), first.CustomerID())
	}
	con, ok := all[len(all)-1].(customer.Connected)
	if !ok || len(con.ChatsSummary.Chats) != 0 || con.ChatsSummary.TotalChats != 0 || len(con.DynamicConfig) == 0 {
		t.Errorf("a new customer's notifications: %s, last %+v", tNames(all), all[len(all)-1])
	}
	c := tStartChat(t, first, "hello")

	// The same customer again, with a chat.
	second, rec2 := tInit(t, srv, func(c *customer.Config) { c.Identity = store })
	all, _ = rec2.list()
	if id, ok := all[0].(customer.CustomerID); !ok || id.ID != first.CustomerID() || second.CustomerID() != first.CustomerID() {
		t.Fatalf("second SDK: %s, want CustomerID %s first", tNames(all), first.CustomerID())
	}
	ud, i := tWaitFrom(t, rec2, 0, func(u customer.UserData) bool { return u.User.ID == first.CustomerID() })
	con, j := tWaitFrom[customer.Connected](t, rec2, 0, nil)
	if i > j || ud.User.Type != customer.Customer {
		t.Errorf("UserData %+v at %d, Connected at %d: want the users before Connected", ud, i, j)
	}
	cs := con.ChatsSummary
	if cs.TotalChats != 1 || len(cs.Chats) != 1 || cs.Chats[0].ID != c.ID || !cs.Chats[0].Active ||
		cs.Chats[0].LastEvent == nil || cs.Chats[0].LastEvent.Text != "hello" {
		t.Errorf("Connected.ChatsSummary = %+v", cs)
	}
}

// TestAgentNotifications: what an agent does reaches the customer as
// UserData, UserJoinedChat, UserIsTyping, UserStoppedTyping, NewEvent,
// LastSeenTimestampUpdated, ThreadClosed and UserLeftChat, in order.
func TestAgentNotifications(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv)
	c := tStartChat(t, sdk, "hello")
	agent := tNewAgent(t, srv)
	agent.join(c.ID)

	forChat := func(chat string) bool { return chat == c.ID }
	ud, _ := tWaitFrom(t, rec, 0, func(u customer.UserData) bool { return u.User.ID == agent.ID })
	if ud.User.Type != customer.AgentUser || ud.User.Name != "Demo Agent" || ud.User.JobTitle != "Support" {
		t.Errorf("agent's user data = %+v", ud.User)
	}
	_, at := tWaitFrom(t, rec, 0, func(j customer.UserJoinedChat) bool { return forChat(j.Chat) && j.User == agent.ID })

	agent.typing(c.ID, true)
	_, at = tWaitFrom(t, rec, at, func(u customer.UserIsTyping) bool { return forChat(u.Chat) && u.User == agent.ID })
	agent.typing(c.ID, false)
	_, at = tWaitFrom(t, rec, at, func(u customer.UserStoppedTyping) bool { return forChat(u.Chat) && u.User == agent.ID })

	tSend(t, sdk, c.ID, "mine")
	id := agent.say(c.ID, "hello from the agent")
	ne, at := tWaitFrom(t, rec, at, func(e customer.NewEvent) bool { return forChat(e.Chat) })
	e := ne.Event
	// The customer's own message is not reported: the first NewEvent is
	// the agent's.
	if e.ID != id || e.Text != "hello from the agent" || e.Author != agent.ID || e.Type != customer.EventMessage || e.Thread != c.Thread ||
		time.Since(e.Timestamp) > time.Minute {
		t.Errorf("new event = %+v, want the agent's message %s", ne, id)
	}

	agent.do(protocol.ActionUpdateLastSeenTimestamp, map[string]any{"chat_id": c.ID})
	ls, at := tWaitFrom(t, rec, at, func(l customer.LastSeenTimestampUpdated) bool { return forChat(l.Chat) && l.User == agent.ID })
	if time.Since(ls.Timestamp) > time.Minute {
		t.Errorf("last seen = %+v", ls)
	}

	agent.deactivate(c.ID)
	sys, _ := tWaitFrom(t, rec, at, func(e customer.NewEvent) bool { return forChat(e.Chat) && e.Event.Type == customer.EventSystemMessage })
	if sys.Event.Author != "system" || sys.Event.Text == "" {
		t.Errorf("closing system message = %+v", sys.Event)
	}
	_, at = tWaitFrom(t, rec, at, func(tc customer.ThreadClosed) bool { return forChat(tc.Chat) })

	agent.leave(c.ID)
	tWaitFrom(t, rec, at, func(l customer.UserLeftChat) bool { return forChat(l.Chat) && l.User == agent.ID })

	for _, n := range tOf[customer.NewEvent](rec) {
		if n.Event.Text == "mine" {
			t.Errorf("own message reported: %+v", n)
		}
	}
}

// TestOtherConnectionNotifications: what a second SDK of the same customer
// does reaches the first untagged: a new thread (UserData, ThreadSummary,
// UserJoinedChat, NewEvent), properties updated and deleted, last seen,
// customer and page updates. The SDK that made each change is not told.
func TestOtherConnectionNotifications(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	store := customer.MemoryStore()
	sdk, rec := tInit(t, srv, func(c *customer.Config) { c.Identity = store })
	other, otherRec := tInit(t, srv, func(c *customer.Config) { c.Identity = store })
	me := sdk.CustomerID()
	ctx := tCtx(t)

	c := tStartChat(t, other, "from the other tab")
	_, i := tWaitFrom(t, rec, 0, func(u customer.UserData) bool { return u.User.ID == me })
	ts, j := tWaitFrom(t, rec, i, func(s customer.ThreadSummary) bool { return s.Chat == c.ID })
	if ts.ID != c.Thread || !ts.Active || ts.Order != 1 || ts.TotalEvents != 1 {
		t.Errorf("thread summary = %+v", ts)
	}
	_, j = tWaitFrom(t, rec, j, func(u customer.UserJoinedChat) bool { return u.Chat == c.ID && u.User == me })
	ne, _ := tWaitFrom(t, rec, j, func(e customer.NewEvent) bool { return e.Chat == c.ID })
	if ne.Event.Text != "from the other tab" || ne.Event.Author != me || ne.Event.ID != c.Events[0].ID {
		t.Errorf("new event = %+v", ne)
	}
	ev := c.Events[0]

	props := customer.Properties{"ns": {"k": "v"}}
	names := map[string][]string{"ns": {"k"}}
	steps := []struct {
		name string
		do   func() error
		want func(customer.Notification) bool
	}{
		{"chat properties updated", func() error { return other.UpdateChatProperties(ctx, c.ID, props) },
			func(n customer.Notification) bool {
				x, ok := n.(customer.ChatPropertiesUpdated)
				return ok && x.Chat == c.ID && x.Properties["ns"]["k"] == "v"
			}},
		{"thread properties updated", func() error { return other.UpdateChatThreadProperties(ctx, c.ID, c.Thread, props) },
			func(n customer.Notification) bool {
				x, ok := n.(customer.ChatThreadPropertiesUpdated)
				return ok && x.Chat == c.ID && x.Thread == c.Thread && x.Properties["ns"]["k"] == "v"
			}},
		{"event properties updated", func() error { return other.UpdateEventProperties(ctx, c.ID, c.Thread, ev.ID, props) },
			func(n customer.Notification) bool {
				x, ok := n.(customer.EventPropertiesUpdated)
				return ok && x.Chat == c.ID && x.Thread == c.Thread && x.Event == ev.ID && x.Properties["ns"]["k"] == "v"
			}},
		{"chat properties deleted", func() error { return other.DeleteChatProperties(ctx, c.ID, names) },
			func(n customer.Notification) bool {
				x, ok := n.(customer.ChatPropertiesDeleted)
				return ok && x.Chat == c.ID && slices.Equal(x.Properties["ns"], []string{"k"})
			}},
		{"thread properties deleted", func() error { return other.DeleteChatThreadProperties(ctx, c.ID, c.Thread, names) },
			func(n customer.Notification) bool {
				x, ok := n.(customer.ChatThreadPropertiesDeleted)
				return ok && x.Chat == c.ID && x.Thread == c.Thread && slices.Equal(x.Properties["ns"], []string{"k"})
			}},
		{"event properties deleted", func() error { return other.DeleteEventProperties(ctx, c.ID, c.Thread, ev.ID, names) },
			func(n customer.Notification) bool {
				x, ok := n.(customer.EventPropertiesDeleted)
				return ok && x.Chat == c.ID && x.Thread == c.Thread && x.Event == ev.ID && slices.Equal(x.Properties["ns"], []string{"k"})
			}},
		{"customer updated", func() error { return other.UpdateCustomer(ctx, customer.CustomerUpdate{Name: "Grace"}) },
			func(n customer.Notification) bool {
				x, ok := n.(customer.CustomerUpdated)
				return ok && x.Customer.ID == me && x.Customer.Name == "Grace"
			}},
		{"customer fields", func() error { return other.SetCustomerFields(ctx, map[string]string{"f": "1"}) },
			func(n customer.Notification) bool {
				x, ok := n.(customer.CustomerUpdated)
				return ok && x.Customer.Fields["f"] == "1" && x.Customer.Name == "Grace"
			}},
		{"customer page updated", func() error {
			return other.UpdateCustomerPage(ctx, customer.Page{URL: "https://example.com/p", Title: "P"})
		}, func(n customer.Notification) bool {
			x, ok := n.(customer.CustomerPageUpdated)
			return ok && x.URL == "https://example.com/p" && x.Title == "P"
		}},
	}
	at := j
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		at = rec.waitIndex(t, at, s.name, s.want)
	}
	seen, err := other.UpdateLastSeenTimestamp(ctx, c.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ls, _ := tWaitFrom(t, rec, at, func(l customer.LastSeenTimestampUpdated) bool { return l.Chat == c.ID && l.User == me })
	if !ls.Timestamp.Equal(seen) {
		t.Errorf("last seen %v, the method returned %v", ls.Timestamp, seen)
	}

	// The SDK that made the changes reported none of them. Its last
	// notification is the first SDK's message, pushed after all of them.
	tSend(t, sdk, c.ID, "marker")
	_, end := tWaitFrom(t, otherRec, 0, func(e customer.NewEvent) bool { return e.Event.Text == "marker" })
	all, _ := otherRec.list()
	for _, n := range all[:end] {
		for _, s := range steps {
			if s.want(n) {
				t.Errorf("the SDK that made %q reported it: %+v", s.name, n)
			}
		}
		switch n.(type) {
		case customer.LastSeenTimestampUpdated, customer.NewEvent:
			t.Errorf("the SDK that made the change reported %s: %+v", n.Name(), n)
		}
	}
}

// TestOnOnceOff: typed and named subscriptions, Once, and off.
func TestOnOnceOff(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv)
	c := tStartChat(t, sdk, "hello")
	agent := tNewAgent(t, srv)
	agent.join(c.ID)
	tWait(t, rec, func(j customer.UserJoinedChat) bool { return j.User == agent.ID })

	// Handlers by name run before the "*" ones, so once rec has seen a
	// message every handler below has.
	var mu sync.Mutex
	got := map[string][]string{}
	note := func(key, text string) {
		mu.Lock()
		got[key] = append(got[key], text)
		mu.Unlock()
	}
	customer.On(sdk, func(e customer.NewEvent) { note("On", e.Event.Text) })
	customer.Once(sdk, func(e customer.NewEvent) { note("Once", e.Event.Text) })
	offOnce := customer.Once(sdk, func(e customer.NewEvent) { note("Once, off at once", e.Event.Text) })
	offOnce()
	off := customer.On(sdk, func(e customer.NewEvent) { note("On, then off", e.Event.Text) })
	sdk.On("new_event", func(n customer.Notification) {
		e, ok := n.(customer.NewEvent)
		if !ok || n.Name() != "new_event" {
			t.Errorf("SDK.On(new_event) got %T %s", n, n.Name())
		}
		note("SDK.On", e.Event.Text)
	})
	sdk.Once("new_event", func(n customer.Notification) { note("SDK.Once", tText(n)) })
	customer.On(sdk, func(u customer.UserIsTyping) { note("typing", u.User) })
	sdk.On("user_stopped_typing", func(n customer.Notification) {
		if _, ok := n.(customer.UserStoppedTyping); ok {
			note("stopped", n.Name())
		}
	})
	// A handler of another type hears nothing of messages.
	customer.On(sdk, func(customer.ThreadClosed) { note("closed", "") })

	agent.say(c.ID, "m1")
	tWait(t, rec, func(e customer.NewEvent) bool { return e.Event.Text == "m1" })
	off()
	off() // harmless twice
	agent.say(c.ID, "m2")
	agent.typing(c.ID, true)
	agent.typing(c.ID, false)
	agent.say(c.ID, "m3")
	tWait(t, rec, func(e customer.NewEvent) bool { return e.Event.Text == "m3" })

	mu.Lock()
	defer mu.Unlock()
	want := map[string][]string{
		"On":           {"m1", "m2", "m3"},
		"Once":         {"m1"},
		"On, then off": {"m1"},
		"SDK.On":       {"m1", "m2", "m3"},
		"SDK.Once":     {"m1"},
		"typing":       {agent.ID},
		"stopped":      {"user_stopped_typing"},
	}
	for k, w := range want {
		if !slices.Equal(got[k], w) {
			t.Errorf("%s got %q, want %q", k, got[k], w)
		}
	}
	for _, k := range []string{"Once, off at once", "closed"} {
		if len(got[k]) != 0 {
			t.Errorf("%s got %q, want nothing", k, got[k])
		}
	}
	// "*" got every kind.
	kinds := map[string]bool{}
	all, _ := rec.list()
	for _, n := range all {
		kinds[n.Name()] = true
	}
	for _, k := range []string{"customer_id", "connected", "user_data", "thread_summary", "user_joined_chat", "new_event",
		"user_is_typing", "user_stopped_typing"} {
		if !kinds[k] {
			t.Errorf(`"*" did not get %s; got %v`, k, kinds)
		}
	}
}

// TestNotificationsIterator: Notifications yields every notification in
// order from when the iteration starts, and ends when ctx ends, when the
// loop breaks, or when the SDK is destroyed.
func TestNotificationsIterator(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv)
	c := tStartChat(t, sdk, "hello")
	agent := tNewAgent(t, srv)
	agent.join(c.ID)
	tWait(t, rec, func(j customer.UserJoinedChat) bool { return j.User == agent.ID })

	// iterate ranges over Notifications(ctx) on its own goroutine,
	// forwarding messages' texts and typing indicators; it returns once
	// the iteration yields (the agent types until it does).
	iterate := func(ctx context.Context, stopAt string) (texts <-chan string, done <-chan struct{}) {
		out, fin := make(chan string, 100), make(chan struct{})
		started := make(chan struct{})
		go func() {
			defer close(fin)
			first := true
			for n := range sdk.Notifications(ctx) {
				if first {
					first = false
					close(started)
				}
				if text := tText(n); text != "" {
					out <- text
					if text == stopAt {
						break
					}
				}
			}
		}()
		for {
			if _, err := agent.call(protocol.ActionSendTypingIndicator, map[string]any{"chat_id": c.ID, "is_typing": true}); err != nil {
				t.Fatal(err)
			}
			select {
			case <-started:
				return out, fin
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	receive := func(texts <-chan string, want ...string) {
		t.Helper()
		for _, w := range want {
			select {
			case got := <-texts:
				if got != w {
					t.Fatalf("iteration yielded %q, want %q", got, w)
				}
			case <-time.After(tTimeout):
				t.Fatalf("iteration did not yield %q", w)
			}
		}
	}
	ended := func(done <-chan struct{}, why string) {
		t.Helper()
		select {
		case <-done:
		case <-time.After(tTimeout):
			t.Fatalf("iteration did not end when %s", why)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	texts, done := iterate(ctx, "")
	var want []string
	for i := range 10 {
		want = append(want, fmt.Sprint("m", i))
		agent.say(c.ID, want[i])
	}
	receive(texts, want...)
	cancel()
	ended(done, "ctx ended")

	texts, done = iterate(context.Background(), "stop")
	agent.say(c.ID, "stop")
	receive(texts, "stop")
	ended(done, "the loop broke")

	texts, done = iterate(context.Background(), "")
	agent.say(c.ID, "last")
	receive(texts, "last")
	sdk.Destroy()
	ended(done, "the SDK was destroyed")
}

// TestHandlersInOrder: handlers run one at a time, in arrival order.
// They share state without locks: the race detector fails the test if two
// ever run at once.
func TestHandlersInOrder(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv)
	c := tStartChat(t, sdk, "hello")
	agent := tNewAgent(t, srv)
	agent.join(c.ID)
	tWait(t, rec, func(j customer.UserJoinedChat) bool { return j.User == agent.ID })

	const n = 100
	var (
		running int // handlers running now; no lock on purpose
		order   []string
		done    = make(chan struct{})
	)
	enter := func() {
		running++
		if running != 1 {
			t.Errorf("%d handlers running at once", running)
		}
	}
	customer.On(sdk, func(e customer.NewEvent) {
		enter()
		order = append(order, e.Event.Text)
		running--
	})
	sdk.On("*", func(x customer.Notification) {
		enter()
		if tText(x) == fmt.Sprint("m", n-1) {
			close(done)
		}
		running--
	})
	for i := range n {
		agent.say(c.ID, fmt.Sprint("m", i))
	}
	select {
	case <-done:
	case <-time.After(tTimeout):
		t.Fatal("the last message did not arrive")
	}
	if len(order) != n {
		t.Fatalf("%d messages handled, want %d", len(order), n)
	}
	for i, text := range order {
		if text != fmt.Sprint("m", i) {
			t.Fatalf("handled %q at %d, want m%d (order %v)", text, i, i, order)
		}
	}
}

// TestSlowHandlerLosesNothing: a handler slower than the agent delays the
// notifications after it but loses none.
func TestSlowHandlerLosesNothing(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv)
	c := tStartChat(t, sdk, "hello")
	agent := tNewAgent(t, srv)
	agent.join(c.ID)
	tWait(t, rec, func(j customer.UserJoinedChat) bool { return j.User == agent.ID })

	const n = 200
	var (
		mu    sync.Mutex
		texts []string
	)
	done := make(chan struct{})
	customer.On(sdk, func(e customer.NewEvent) {
		time.Sleep(10 * time.Millisecond)
		mu.Lock()
		texts = append(texts, e.Event.Text)
		mu.Unlock()
		if e.Event.Text == fmt.Sprint("m", n-1) {
			close(done)
		}
	})
	var want []string
	for i := range n {
		want = append(want, fmt.Sprint("m", i))
	}
	agent.sayAll(c.ID, want)
	// All are stored; the handler is still at it.
	mu.Lock()
	handled := len(texts)
	mu.Unlock()
	select {
	case <-done:
	case <-time.After(tTimeout):
		mu.Lock()
		t.Fatalf("handled %d of %d", len(texts), n)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(texts, want) {
		t.Fatalf("handled %d messages %v, want m0 … m%d in order", len(texts), texts, n-1)
	}
	t.Logf("the handler had handled %d of %d when the agent was done", handled, n)
}

// TestHandlerCallsSDK: a handler may call the SDK's methods (here, an
// echo of every agent message).
func TestHandlerCallsSDK(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv)
	c := tStartChat(t, sdk, "hello")
	agent := tNewAgent(t, srv)
	agent.join(c.ID)
	tWait(t, rec, func(j customer.UserJoinedChat) bool { return j.User == agent.ID })

	errc := make(chan error, 100)
	customer.On(sdk, func(e customer.NewEvent) {
		if e.Event.Author != agent.ID || e.Event.Type != customer.EventMessage {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), tTimeout)
		defer cancel()
		_, err := sdk.SendEvent(ctx, e.Chat, customer.Event{Type: customer.EventMessage, Text: "re: " + e.Event.Text})
		errc <- err
	})
	var want []string
	for i := range 20 {
		want = append(want, fmt.Sprint("m", i))
	}
	agent.sayAll(c.ID, want)
	for i := range want {
		select {
		case err := <-errc:
			if err != nil {
				t.Fatalf("reply %d: %v", i, err)
			}
		case <-time.After(tTimeout):
			t.Fatalf("%d replies of %d", i, len(want))
		}
	}
	ths, err := sdk.GetChatThreads(tCtx(t), c.ID, []string{c.Thread})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ths[0].Events {
		if text, ok := strings.CutPrefix(e.Text, "re: "); ok && e.Author == sdk.CustomerID() {
			got = append(got, text)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("replies to %q, want to %q", got, want)
	}
}

// TestConnectRecoversMissed: what happened while the SDK was disconnected
// arrives after Connect, after ConnectionRestored.
func TestConnectRecoversMissed(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv)
	c := tStartChat(t, sdk, "hello")
	agent := tNewAgent(t, srv)
	agent.join(c.ID)
	agent.say(c.ID, "before")
	tWait(t, rec, func(e customer.NewEvent) bool { return e.Event.Text == "before" })

	sdk.Disconnect()
	agent.sayAll(c.ID, []string{"while away 1", "while away 2"})
	at := rec.len()
	if err := sdk.Connect(); err != nil {
		t.Fatal(err)
	}
	_, i := tWaitFrom[customer.ConnectionRestored](t, rec, at, nil)
	agent.say(c.ID, "after")
	tWaitFrom(t, rec, i, func(e customer.NewEvent) bool { return e.Event.Text == "after" })
	var texts []string
	for _, e := range tOf[customer.NewEvent](rec) {
		texts = append(texts, e.Event.Text)
	}
	if want := []string{"before", "while away 1", "while away 2", "after"}; !slices.Equal(texts, want) {
		t.Errorf("new events %q, want %q", texts, want)
	}
}

// TestInjectedPushes: pushes this server makes only for others (or not on
// cue), injected by parleytest: a rich message postback, an updated event,
// a push the package has no type for (UnknownPush), and the customer side
// storage the SDK keeps in its identity.
func TestInjectedPushes(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	store := customer.MemoryStore()
	sdk, rec := tInit(t, srv, func(c *customer.Config) { c.Identity = store })
	c := tStartChat(t, sdk, "hello")
	me := sdk.CustomerID()
	push := func(action string, payload any) {
		t.Helper()
		if err := srv.PushToCustomer(me, action, payload); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	var typed, named []customer.UnknownPush
	customer.On(sdk, func(u customer.UnknownPush) {
		mu.Lock()
		typed = append(typed, u)
		mu.Unlock()
	})
	sdk.On("incoming_multicast", func(n customer.Notification) {
		mu.Lock()
		named = append(named, n.(customer.UnknownPush))
		mu.Unlock()
	})

	push(protocol.PushIncomingRichMessagePostback, map[string]any{"user_id": "someone", "chat_id": c.ID, "thread_id": c.Thread,
		"event_id": c.Events[0].ID, "postback": map[string]any{"id": "yes", "toggled": true}})
	pb := tWait[customer.IncomingRichMessagePostback](t, rec, nil)
	if pb.User != "someone" || pb.Chat != c.ID || pb.Thread != c.Thread || pb.Event != c.Events[0].ID || pb.Postback.ID != "yes" || !pb.Postback.IsToggled() {
		t.Errorf("postback = %+v", pb)
	}

	push(protocol.PushEventUpdated, map[string]any{"chat_id": c.ID, "thread_id": c.Thread,
		"event": map[string]any{"id": c.Events[0].ID, "order": 1, "type": "message", "text": "edited", "author_id": me, "timestamp": time.Now().Unix()}})
	eu := tWait[customer.EventUpdated](t, rec, nil)
	if eu.Chat != c.ID || eu.Thread != c.Thread || eu.Event.ID != c.Events[0].ID || eu.Event.Text != "edited" || eu.Event.Thread != c.Thread {
		t.Errorf("event updated = %+v", eu)
	}

	push(protocol.PushIncomingMulticast, map[string]any{"author_id": "agent@x", "content": map[string]any{"hello": "all"}})
	un := tWait[customer.UnknownPush](t, rec, nil)
	if un.Action != protocol.PushIncomingMulticast || un.Name() != protocol.PushIncomingMulticast || !strings.Contains(string(un.Payload), `"hello":"all"`) {
		t.Errorf("unknown push = %+v", un)
	}

	push(protocol.PushCustomerSideStorageUpdated, map[string]any{"customer_side_storage": map[string]string{"visit": "7"}})
	tEventually(t, "the side storage in the identity", func() bool {
		id, err := store.Load(context.Background())
		return err == nil && id.SideStorage["visit"] == "7"
	})

	// Once this last push is handled, so is everything before it.
	push(protocol.PushIncomingMulticast, map[string]any{"author_id": "agent@x", "content": "last"})
	tWait(t, rec, func(u customer.UnknownPush) bool { return strings.Contains(string(u.Payload), `"last"`) })
	mu.Lock()
	defer mu.Unlock()
	if len(typed) != 2 || len(named) != 2 || typed[0].Action != protocol.PushIncomingMulticast {
		t.Errorf("On(UnknownPush) got %d, On(incoming_multicast) got %d; want 2 each", len(typed), len(named))
	}
	// Side storage makes no notification, and the place of the chat in
	// the queue (no agent is online) is a QueuePositionUpdated.
	for _, n := range tOf[customer.UnknownPush](rec) {
		if n.Action != protocol.PushIncomingMulticast {
			t.Errorf("unexpected unknown push %+v", n)
		}
	}
}

// TestOnUnknownName: SDK.On and SDK.Once panic on a name no notification
// has, as http.HandleFunc does on a bad pattern; every real name is
// accepted.
func TestOnUnknownName(t *testing.T) {
	t.Parallel()
	sdk, err := customer.Init(customer.Config{License: 1, ClientID: "c", Server: "http://localhost:1", Identity: customer.MemoryStore(), ManualConnect: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sdk.Destroy()
	mustPanic := func(what string, f func()) {
		t.Helper()
		defer func() {
			r := recover()
			if r == nil || !strings.Contains(fmt.Sprint(r), `"new_evnet"`) {
				t.Errorf("%s: recovered %v, want a panic naming the event", what, r)
			}
		}()
		f()
	}
	mustPanic("On", func() { sdk.On("new_evnet", func(customer.Notification) {}) })
	mustPanic("Once", func() { sdk.Once("new_evnet", func(customer.Notification) {}) })

	names := []string{"*", protocol.PushIncomingMulticast}
	for _, n := range []customer.Notification{customer.Connected{}, customer.ConnectionLost{}, customer.ConnectionRestored{}, customer.Reconnecting{},
		customer.CustomerID{}, customer.Disconnected{}, customer.ChatPropertiesUpdated{}, customer.ChatThreadPropertiesUpdated{},
		customer.EventPropertiesUpdated{}, customer.ChatPropertiesDeleted{}, customer.ChatThreadPropertiesDeleted{},
		customer.EventPropertiesDeleted{}, customer.EventUpdated{}, customer.LastSeenTimestampUpdated{}, customer.NewEvent{},
		customer.UserData{}, customer.UserJoinedChat{}, customer.UserLeftChat{}, customer.UserIsTyping{}, customer.UserStoppedTyping{},
		customer.ThreadClosed{}, customer.ThreadSummary{}, customer.CustomerUpdated{}, customer.CustomerPageUpdated{},
		customer.IncomingRichMessagePostback{}, customer.QueuePositionUpdated{}} {
		names = append(names, n.Name())
	}
	for _, name := range names {
		sdk.On(name, func(customer.Notification) {})()
		sdk.Once(name, func(customer.Notification) {})()
	}
}
