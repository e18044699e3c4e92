package customer_test

// Every request method of the SDK against a real server: what it returns,
// and what the server then holds (read back through the SDK or the agent).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

func TestStartChat(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, rec := tInit(t, srv)
	ctx := tCtx(t)
	me := sdk.CustomerID()

	c, err := sdk.StartChat(ctx, customer.StartChatRequest{
		Events: []customer.Event{
			{Type: customer.EventMessage, Text: "first", CustomID: "c-1"},
			{Type: customer.EventMessage, Text: "second"},
		},
		Properties:       customer.Properties{"source": {"campaign": "spring"}},
		ThreadProperties: customer.Properties{"topic": {"name": "billing"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "" || c.Thread == "" {
		t.Fatalf("chat = %+v, want ids", c)
	}
	if !slices.Contains(c.Users, me) {
		t.Errorf("users = %v, want the customer %s", c.Users, me)
	}
	if len(c.Events) != 2 || c.Events[0].Text != "first" || c.Events[1].Text != "second" {
		t.Fatalf("events = %+v", c.Events)
	}
	for _, e := range c.Events {
		if e.ID == "" || e.Author != me || e.Thread != c.Thread || e.Type != customer.EventMessage || time.Since(e.Timestamp) > time.Minute {
			t.Errorf("event = %+v", e)
		}
	}
	if c.Events[0].CustomID != "c-1" {
		t.Errorf("custom id = %q", c.Events[0].CustomID)
	}
	if got := c.Properties["source"]["campaign"]; got != "spring" {
		t.Errorf("chat properties = %v", c.Properties)
	}
	if !slices.Equal(c.Access.Groups, []int{0}) {
		t.Errorf("access = %+v, want group 0", c.Access)
	}
	_, err = sdk.StartChat(ctx, customer.StartChatRequest{Groups: []int{4242}})
	if !customer.IsType(err, protocol.ErrGroupNotFound) {
		t.Errorf("a chat for an unknown group: %v, want group_not_found", err)
	}

	// The SDK reports the new thread, but not its own events.
	ts := tWait(t, rec, func(s customer.ThreadSummary) bool { return s.ID == c.Thread })
	if ts.Chat != c.ID || !ts.Active || ts.Order != 1 || ts.TotalEvents != 2 || ts.Properties["topic"]["name"] != "billing" {
		t.Errorf("thread summary = %+v", ts)
	}
	tWait(t, rec, func(j customer.UserJoinedChat) bool { return j.Chat == c.ID && j.User == me })
	if ns := tOf[customer.NewEvent](rec); len(ns) != 0 {
		t.Errorf("own start reported as %v", ns)
	}

	// The server has it.
	sum, err := sdk.GetChatsSummary(ctx, customer.Pagination{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.TotalChats != 1 || len(sum.Chats) != 1 {
		t.Fatalf("summary = %+v", sum)
	}
	cs := sum.Chats[0]
	if cs.ID != c.ID || !cs.Active || cs.LastThread != c.Thread || cs.LastEvent == nil || cs.LastEvent.Text != "second" ||
		cs.Properties["source"]["campaign"] != "spring" {
		t.Errorf("chat summary = %+v", cs)
	}
}

func TestActivateChat(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "hello")

	// An active chat cannot be activated.
	if _, err := sdk.ActivateChat(ctx, c.ID, customer.StartChatRequest{}); err == nil {
		t.Error("ActivateChat of an active chat: no error")
	}
	if err := sdk.CloseThread(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	a, err := sdk.ActivateChat(ctx, c.ID, customer.StartChatRequest{
		Events:           []customer.Event{{Type: customer.EventMessage, Text: "back again"}},
		ThreadProperties: customer.Properties{"topic": {"name": "returns"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != c.ID || a.Thread == "" || a.Thread == c.Thread {
		t.Errorf("activated chat %s thread %s, want chat %s and a new thread (old %s)", a.ID, a.Thread, c.ID, c.Thread)
	}
	if len(a.Events) != 1 || a.Events[0].Text != "back again" || a.Events[0].Thread != a.Thread {
		t.Errorf("events = %+v", a.Events)
	}
	ts, err := sdk.GetChatThreadsSummary(ctx, c.ID, customer.Pagination{})
	if err != nil {
		t.Fatal(err)
	}
	if ts.TotalThreads != 2 || len(ts.Threads) != 2 || ts.Threads[1].ID != a.Thread || !ts.Threads[1].Active ||
		ts.Threads[0].Active {
		t.Errorf("threads = %+v", ts)
	}
}

func TestSendEvent(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "hello")

	e, err := sdk.SendEvent(ctx, c.ID, customer.Event{Type: customer.EventMessage, Text: "Hi!",
		Properties: customer.Properties{"meta": {"lang": "en"}}})
	if err != nil {
		t.Fatal(err)
	}
	if e.ID == "" || e.Type != customer.EventMessage || e.Text != "Hi!" || e.Author != sdk.CustomerID() || e.Thread != c.Thread ||
		time.Since(e.Timestamp) > time.Minute || e.Properties["meta"]["lang"] != "en" {
		t.Errorf("sent = %+v", e)
	}
	ths, err := sdk.GetChatThreads(ctx, c.ID, []string{c.Thread})
	if err != nil {
		t.Fatal(err)
	}
	if got := tTexts(ths[0].Events); !slices.Equal(got, []string{"hello", "Hi!"}) {
		t.Errorf("thread holds %q", got)
	}

	t.Run("opens a thread", func(t *testing.T) {
		if err := sdk.CloseThread(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		e := tSend(t, sdk, c.ID, "new thread please")
		if e.Thread == "" || e.Thread == c.Thread || e.Author != sdk.CustomerID() || e.Text != "new thread please" {
			t.Errorf("sent = %+v, want it in a new thread (old %s)", e, c.Thread)
		}
		ts, err := sdk.GetChatThreadsSummary(ctx, c.ID, customer.Pagination{})
		if err != nil {
			t.Fatal(err)
		}
		if ts.TotalThreads != 2 || ts.Threads[1].ID != e.Thread || !ts.Threads[1].Active {
			t.Errorf("threads = %+v", ts)
		}
	})

	t.Run("AttachToLastThread", func(t *testing.T) {
		if err := sdk.CloseThread(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		before, err := sdk.GetChatThreadsSummary(ctx, c.ID, customer.Pagination{})
		if err != nil {
			t.Fatal(err)
		}
		last := before.Threads[len(before.Threads)-1]
		e, err := sdk.SendEvent(ctx, c.ID, customer.Event{Type: customer.EventMessage, Text: "after the end"}, customer.AttachToLastThread())
		if err != nil {
			t.Fatal(err)
		}
		if e.Thread != last.ID {
			t.Errorf("attached to thread %s, want the last one %s", e.Thread, last.ID)
		}
		after, err := sdk.GetChatThreadsSummary(ctx, c.ID, customer.Pagination{})
		if err != nil {
			t.Fatal(err)
		}
		if after.TotalThreads != before.TotalThreads || after.Threads[len(after.Threads)-1].Active {
			t.Errorf("threads after = %+v, before = %+v: no new thread, still closed", after, before)
		}
	})

	t.Run("CustomID retry", func(t *testing.T) {
		ev := customer.Event{Type: customer.EventMessage, Text: "exactly once", CustomID: "retry-1"}
		first, err := sdk.SendEvent(ctx, c.ID, ev)
		if err != nil {
			t.Fatal(err)
		}
		again, err := sdk.SendEvent(ctx, c.ID, ev)
		if err != nil {
			t.Fatal(err)
		}
		if first.ID == "" || again.ID != first.ID || again.CustomID != "retry-1" || again.Thread != first.Thread {
			t.Errorf("retry = %+v, first = %+v: want the same event", again, first)
		}
		ths, err := sdk.GetChatThreads(ctx, c.ID, []string{first.Thread})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range ths[0].Events {
			if e.CustomID == "retry-1" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d events with the custom id, want 1", n)
		}
	})
}

func TestSendPostback(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "which plan?")
	agent := tNewAgent(t, srv)
	agent.join(c.ID)
	eventID := agent.ask(c.ID, "Pick one", "plan_basic", "plan_pro")

	ne := tWait(t, rec, func(e customer.NewEvent) bool { return e.Event.Type == customer.EventRichMessage })
	rm := ne.Event
	if rm.ID != eventID || rm.Author != agent.ID || rm.Template != "quick_replies" || len(rm.Elements) != 1 ||
		rm.Elements[0].Title != "Pick one" || len(rm.Elements[0].Buttons) != 2 {
		t.Fatalf("rich message = %+v", rm)
	}
	b := rm.Elements[0].Buttons[1]
	if b.Postback != "plan_pro" || b.Text != "Answer plan_pro" || b.Type != "message" || b.Value != "plan_pro" {
		t.Errorf("button = %+v", b)
	}

	if err := sdk.SendPostback(ctx, c.ID, rm.Thread, rm.ID, customer.Postback{ID: b.Postback}); err != nil {
		t.Fatal(err)
	}
	f := agent.waitPush(protocol.PushIncomingRichMessagePostback, tForChat(c.ID))
	var pb protocol.IncomingRichMessagePostback
	if err := json.Unmarshal(f.Payload, &pb); err != nil {
		t.Fatal(err)
	}
	if pb.UserID != sdk.CustomerID() || pb.ThreadID != rm.Thread || pb.EventID != rm.ID || pb.Postback.ID != "plan_pro" || !pb.Postback.Toggled {
		t.Errorf("agent got postback %+v", pb)
	}

	// A postback for an event that does not exist is refused.
	err := sdk.SendPostback(ctx, c.ID, rm.Thread, "NOSUCHEVENT", customer.Postback{ID: "plan_pro"})
	if !customer.IsType(err, protocol.ErrNotFound) {
		t.Errorf("postback for an unknown event: %v, want not_found", err)
	}
}

func TestCloseThread(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, rec := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "bye soon")
	if err := sdk.CloseThread(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	sum, err := sdk.GetChatsSummary(ctx, customer.Pagination{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Chats) != 1 || sum.Chats[0].Active {
		t.Errorf("summary after CloseThread = %+v, want the chat inactive", sum)
	}
	ths, err := sdk.GetChatThreads(ctx, c.ID, []string{c.Thread})
	if err != nil {
		t.Fatal(err)
	}
	evs := ths[0].Events
	if ths[0].Active || len(evs) != 2 || evs[1].Type != customer.EventSystemMessage || evs[1].Author != "system" || evs[1].SystemMessageType == "" {
		t.Errorf("closed thread = %+v", ths[0])
	}
	// The SDK's own close is not reported as ThreadClosed (CloseThread
	// returned instead); the system message is a NewEvent.
	tWait(t, rec, func(e customer.NewEvent) bool { return e.Event.Type == customer.EventSystemMessage })
	if tc := tOf[customer.ThreadClosed](rec); len(tc) != 0 {
		t.Errorf("own close reported: %+v", tc)
	}
	// There is nothing left to close.
	if err := sdk.CloseThread(ctx, c.ID); err == nil {
		t.Error("closing a closed chat: no error")
	}
}

func TestGetChatsSummary(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, rec := tInit(t, srv)
	ctx := tCtx(t)
	var ids []string
	for _, text := range []string{"one", "two", "three"} {
		c := tStartChat(t, sdk, text)
		if text != "three" {
			if err := sdk.CloseThread(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, c.ID)
	}

	all, err := sdk.GetChatsSummary(ctx, customer.Pagination{})
	if err != nil {
		t.Fatal(err)
	}
	if all.TotalChats != 3 || len(all.Chats) != 3 {
		t.Fatalf("summary = %+v", all)
	}
	var got []string
	for _, c := range all.Chats {
		got = append(got, c.ID)
		if !slices.Equal(c.Users, []string{sdk.CustomerID()}) || c.LastThread == "" || c.LastEvent == nil ||
			c.LastEventsPerType[customer.EventMessage].Type != customer.EventMessage {
			t.Errorf("chat summary = %+v", c)
		}
		if _, ok := c.LastSeenTimestamps[sdk.CustomerID()]; !ok {
			t.Errorf("no last seen time of the customer in %+v", c)
		}
	}
	if !tSameSet(got, ids) {
		t.Errorf("chats %v, want %v", got, ids)
	}
	for _, c := range all.Chats {
		if want := c.ID == ids[2]; c.Active != want {
			t.Errorf("chat %s active = %v, want %v", c.ID, c.Active, want)
		}
	}
	// The users of a page are emitted as UserData.
	ud := tWait(t, rec, func(u customer.UserData) bool { return u.User.ID == sdk.CustomerID() })
	if ud.User.Type != customer.Customer {
		t.Errorf("user data = %+v", ud)
	}

	page, err := sdk.GetChatsSummary(ctx, customer.Pagination{Offset: 1, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalChats != 3 || len(page.Chats) != 2 {
		t.Errorf("offset 1 limit 2 = %+v", page)
	}
	if _, err := sdk.GetChatsSummary(ctx, customer.Pagination{Limit: 25}); err != nil {
		t.Errorf("limit 25: %v", err)
	}
	// The default page is 10 chats.
	for i := range 9 {
		c := tStartChat(t, sdk, fmt.Sprint("more ", i))
		if err := sdk.CloseThread(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	if def, err := sdk.GetChatsSummary(ctx, customer.Pagination{}); err != nil || len(def.Chats) != 10 || def.TotalChats != 12 {
		t.Errorf("default page: %d chats of %d, %v; want 10 of 12", len(def.Chats), def.TotalChats, err)
	}
	if _, err := sdk.GetChatsSummary(ctx, customer.Pagination{Limit: 26}); !errors.Is(err, customer.ErrLimitTooHigh) {
		t.Errorf("limit 26: %v, want ErrLimitTooHigh", err)
	}

	// The limit is checked before anything is sent: also while not
	// connected.
	sdk.Disconnect()
	if _, err := sdk.GetChatsSummary(ctx, customer.Pagination{Limit: 26}); !errors.Is(err, customer.ErrLimitTooHigh) {
		t.Errorf("limit 26 while disconnected: %v, want ErrLimitTooHigh", err)
	}
	if _, err := sdk.GetChatsSummary(ctx, customer.Pagination{Limit: 25}); !errors.Is(err, customer.ErrNotConnected) {
		t.Errorf("limit 25 while disconnected: %v, want ErrNotConnected", err)
	}
}

func TestGetChatThreadsSummary(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "t1")
	threads := []string{c.Thread}
	for _, text := range []string{"t2", "t3"} {
		if err := sdk.CloseThread(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		threads = append(threads, tSend(t, sdk, c.ID, text).Thread)
	}

	ts, err := sdk.GetChatThreadsSummary(ctx, c.ID, customer.Pagination{})
	if err != nil {
		t.Fatal(err)
	}
	if ts.TotalThreads != 3 || len(ts.Threads) != 3 {
		t.Fatalf("threads summary = %+v", ts)
	}
	for i, s := range ts.Threads {
		// Oldest first.
		if s.ID != threads[i] || s.Order != i+1 || s.Chat != c.ID || s.Active != (i == 2) {
			t.Errorf("threads summary[%d] = %+v, want thread %s, order %d", i, s, threads[i], i+1)
		}
	}
	// closed threads hold the message and the closing system message.
	if ts.Threads[0].TotalEvents != 2 || ts.Threads[2].TotalEvents != 1 {
		t.Errorf("total events = %d, %d", ts.Threads[0].TotalEvents, ts.Threads[2].TotalEvents)
	}

	// The offset counts from the newest thread; the page is oldest first.
	page, err := sdk.GetChatThreadsSummary(ctx, c.ID, customer.Pagination{Offset: 0, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalThreads != 3 || len(page.Threads) != 2 || page.Threads[0].ID != threads[1] || page.Threads[1].ID != threads[2] {
		t.Errorf("offset 0 limit 2 = %+v, want threads %v", page, threads[1:])
	}
	page, err = sdk.GetChatThreadsSummary(ctx, c.ID, customer.Pagination{Offset: 2, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Threads) != 1 || page.Threads[0].ID != threads[0] {
		t.Errorf("offset 2 = %+v, want thread %s", page, threads[0])
	}

	// Up to 1000 is the server's to judge (this one allows 100, as the
	// protocol's reference does).
	if _, err := sdk.GetChatThreadsSummary(ctx, c.ID, customer.Pagination{Limit: 1000}); errors.Is(err, customer.ErrLimitTooHigh) {
		t.Errorf("limit 1000: %v", err)
	}
	if _, err := sdk.GetChatThreadsSummary(ctx, c.ID, customer.Pagination{Limit: 1001}); !errors.Is(err, customer.ErrLimitTooHigh) {
		t.Errorf("limit 1001: %v, want ErrLimitTooHigh", err)
	}
}

func TestGetChatThreads(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, rec := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "a1")
	tSend(t, sdk, c.ID, "a2")
	if err := sdk.CloseThread(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	second := tSend(t, sdk, c.ID, "b1").Thread
	if err := sdk.UpdateChatThreadProperties(ctx, c.ID, second, customer.Properties{"topic": {"name": "b"}}); err != nil {
		t.Fatal(err)
	}

	// Asked newest first, returned oldest first.
	ths, err := sdk.GetChatThreads(ctx, c.ID, []string{second, c.Thread})
	if err != nil {
		t.Fatal(err)
	}
	if len(ths) != 2 || ths[0].ID != c.Thread || ths[1].ID != second {
		t.Fatalf("threads = %+v", ths)
	}
	first := ths[0]
	if first.Chat != c.ID || first.Active || first.Order != 1 || !slices.Contains(first.Users, sdk.CustomerID()) {
		t.Errorf("first thread = %+v", first)
	}
	if got := tTexts(first.Events); len(got) != 3 || got[0] != "a1" || got[1] != "a2" || first.Events[2].Type != customer.EventSystemMessage {
		t.Errorf("first thread's events = %q", got)
	}
	if _, ok := first.LastSeenTimestamps[sdk.CustomerID()]; !ok {
		t.Errorf("last seen = %v", first.LastSeenTimestamps)
	}
	if ths[1].Order != 2 || !ths[1].Active || ths[1].Properties["topic"]["name"] != "b" || tTexts(ths[1].Events)[0] != "b1" {
		t.Errorf("second thread = %+v", ths[1])
	}
	tWait(t, rec, func(u customer.UserData) bool { return u.User.ID == sdk.CustomerID() })

	if _, err := sdk.GetChatThreads(ctx, c.ID, []string{"NOSUCHTHREAD"}); !customer.IsType(err, protocol.ErrNotFound) {
		t.Errorf("unknown thread: %v, want not_found", err)
	}
}

func TestGetPredictedAgent(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, _ := tInit(t, srv)
	ctx := tCtx(t)

	_, err := sdk.GetPredictedAgent(ctx)
	var e *customer.Error
	if !errors.As(err, &e) || e.Type != protocol.ErrGroupsOffline || e.Message == "" {
		t.Fatalf("with no agent online: %v, want a groups_offline *Error", err)
	}

	tNewAgent(t, srv)
	a, err := sdk.GetPredictedAgent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != parleytest.AgentEmail || a.Name != "Demo Agent" || a.Type != "agent" || a.IsBot {
		t.Errorf("predicted agent = %+v", a)
	}
}

func TestRateChat(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "first thread")
	if err := sdk.CloseThread(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	last := tSend(t, sdk, c.ID, "second thread").Thread

	if err := sdk.RateChat(ctx, c.ID, customer.Rating{Score: 1, Comment: "quick and kind"}); err != nil {
		t.Fatal(err)
	}
	rating := func() (first, second map[string]any) {
		t.Helper()
		ths, err := sdk.GetChatThreads(ctx, c.ID, []string{c.Thread, last})
		if err != nil {
			t.Fatal(err)
		}
		return ths[0].Properties["rating"], ths[1].Properties["rating"]
	}
	first, second := rating()
	if second["score"] != float64(1) || second["comment"] != "quick and kind" {
		t.Errorf("last thread's rating = %v", second)
	}
	if len(first) != 0 {
		t.Errorf("the older thread was rated too: %v", first)
	}

	if err := sdk.CancelRate(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	_, second = rating()
	if _, ok := second["score"]; ok || second["comment"] != "quick and kind" {
		t.Errorf("after CancelRate: %v, want the comment only", second)
	}
	if err := sdk.CancelRate(ctx, c.ID, "comment"); err != nil {
		t.Fatal(err)
	}
	if _, second = rating(); len(second) != 0 {
		t.Errorf("after CancelRate(comment): %v", second)
	}
	if err := sdk.RateChat(ctx, c.ID, customer.Rating{Score: 0}); err != nil {
		t.Fatal(err)
	}
	if _, second = rating(); second["score"] != float64(0) {
		t.Errorf("bad rating = %v", second)
	}
}

func TestProperties(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "hello")
	e := c.Events[0]

	set := customer.Properties{"ns": {"a": "x", "b": float64(2), "c": true}}
	if err := sdk.UpdateChatProperties(ctx, c.ID, set); err != nil {
		t.Fatal(err)
	}
	if err := sdk.UpdateChatThreadProperties(ctx, c.ID, c.Thread, set); err != nil {
		t.Fatal(err)
	}
	if err := sdk.UpdateEventProperties(ctx, c.ID, c.Thread, e.ID, set); err != nil {
		t.Fatal(err)
	}
	read := func() (chatP, threadP, eventP map[string]any) {
		t.Helper()
		sum, err := sdk.GetChatsSummary(ctx, customer.Pagination{})
		if err != nil {
			t.Fatal(err)
		}
		ths, err := sdk.GetChatThreads(ctx, c.ID, []string{c.Thread})
		if err != nil {
			t.Fatal(err)
		}
		return sum.Chats[0].Properties["ns"], ths[0].Properties["ns"], ths[0].Events[0].Properties["ns"]
	}
	for i, p := range tThree(read()) {
		if p["a"] != "x" || p["b"] != float64(2) || p["c"] != true {
			t.Errorf("%s properties = %v", tLevels[i], p)
		}
	}

	del := map[string][]string{"ns": {"a", "c"}}
	if err := sdk.DeleteChatProperties(ctx, c.ID, del); err != nil {
		t.Fatal(err)
	}
	if err := sdk.DeleteChatThreadProperties(ctx, c.ID, c.Thread, del); err != nil {
		t.Fatal(err)
	}
	if err := sdk.DeleteEventProperties(ctx, c.ID, c.Thread, e.ID, del); err != nil {
		t.Fatal(err)
	}
	for i, p := range tThree(read()) {
		if len(p) != 1 || p["b"] != float64(2) {
			t.Errorf("%s properties after delete = %v, want only b", tLevels[i], p)
		}
	}

	if err := sdk.UpdateEventProperties(ctx, c.ID, c.Thread, "NOSUCHEVENT", set); !customer.IsType(err, protocol.ErrNotFound) {
		t.Errorf("properties of an unknown event: %v, want not_found", err)
	}
}

var tLevels = []string{"chat", "thread", "event"}

func tThree(a, b, c map[string]any) []map[string]any { return []map[string]any{a, b, c} }

func TestUpdateCustomer(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	store := customer.MemoryStore()
	sdk, rec := tInit(t, srv, func(c *customer.Config) { c.Identity = store })
	// A second SDK of the same customer: it hears of the change.
	other, otherRec := tInit(t, srv, func(c *customer.Config) { c.Identity = store })
	if other.CustomerID() != sdk.CustomerID() {
		t.Fatalf("same identity store, customers %s and %s", other.CustomerID(), sdk.CustomerID())
	}
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "hello")
	agent := tNewAgent(t, srv)
	agent.join(c.ID)

	err := sdk.UpdateCustomer(ctx, customer.CustomerUpdate{Name: "Ada Lovelace", Email: "ada@example.com",
		Fields: map[string]string{"plan": "pro"}})
	if err != nil {
		t.Fatal(err)
	}
	cu := tWait(t, otherRec, func(u customer.CustomerUpdated) bool { return u.Customer.Name == "Ada Lovelace" })
	if cu.Customer.ID != sdk.CustomerID() || cu.Customer.Type != customer.Customer || cu.Customer.Email != "ada@example.com" ||
		cu.Customer.Fields["plan"] != "pro" {
		t.Errorf("customer updated = %+v", cu)
	}
	// The agent of the chat is told, and sees it in the chat.
	agent.waitPush(protocol.PushCustomerUpdated, nil)
	if u := agent.customerOf(c.ID); u.Name != "Ada Lovelace" || u.Email != "ada@example.com" || u.Fields["plan"] != "pro" {
		t.Errorf("agent sees %+v", u)
	}

	// Fields are merged; empty values leave the rest alone.
	if err := sdk.UpdateCustomer(ctx, customer.CustomerUpdate{Fields: map[string]string{"team": "blue"}}); err != nil {
		t.Fatal(err)
	}
	if u := agent.customerOf(c.ID); u.Name != "Ada Lovelace" || u.Fields["plan"] != "pro" || u.Fields["team"] != "blue" {
		t.Errorf("after a fields-only update the agent sees %+v", u)
	}
	// The SDK that made the change is not told (the method returned).
	tWait(t, otherRec, func(u customer.CustomerUpdated) bool { return u.Customer.Fields["team"] == "blue" })
	agent.say(c.ID, "marker")
	tWait(t, rec, func(e customer.NewEvent) bool { return e.Event.Text == "marker" })
	if n := tOf[customer.CustomerUpdated](rec); len(n) != 0 {
		t.Errorf("own update reported: %+v", n)
	}
}

// TestUpdateCustomerBeforeConnect: a change made before the connection is
// up is kept and carried by the login.
func TestUpdateCustomerBeforeConnect(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv, func(c *customer.Config) {
		c.ManualConnect = true
		c.Customer = customer.CustomerData{Name: "Initial", Email: "initial@example.com", Fields: map[string]string{"a": "1"}}
	})
	ctx := tCtx(t)
	if err := sdk.UpdateCustomer(ctx, customer.CustomerUpdate{Name: "Early Bird", Fields: map[string]string{"b": "2"}}); err != nil {
		t.Fatalf("UpdateCustomer before Connect: %v", err)
	}
	if err := sdk.SetCustomerFields(ctx, map[string]string{"c": "3"}); err != nil {
		t.Fatalf("SetCustomerFields before Connect: %v", err)
	}
	if err := sdk.UpdateCustomerPage(ctx, customer.Page{URL: "https://shop.example.com/cart", Title: "Cart"}); err != nil {
		t.Fatalf("UpdateCustomerPage before Connect: %v", err)
	}
	if err := sdk.Connect(); err != nil {
		t.Fatal(err)
	}
	tWait[customer.Connected](t, rec, nil)
	c := tStartChat(t, sdk, "hello")
	agent := tNewAgent(t, srv)
	u := agent.customerOf(c.ID)
	if u.Name != "Early Bird" || u.Email != "initial@example.com" || u.Fields["a"] != "1" || u.Fields["b"] != "2" || u.Fields["c"] != "3" {
		t.Errorf("agent sees %+v, want the name and fields set before Connect", u)
	}
	// The SDK's own view of the customer agrees.
	if _, err := sdk.GetChatsSummary(ctx, customer.Pagination{}); err != nil {
		t.Fatal(err)
	}
	ud := tWait(t, rec, func(d customer.UserData) bool { return d.User.ID == sdk.CustomerID() && d.User.Name == "Early Bird" })
	if ud.User.Fields["c"] != "3" {
		t.Errorf("user data = %+v", ud.User)
	}
}

func TestSetCustomerFields(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	store := customer.MemoryStore()
	sdk, _ := tInit(t, srv, func(c *customer.Config) {
		c.Identity = store
		c.Customer = customer.CustomerData{Fields: map[string]string{"kept": "yes"}}
	})
	_, otherRec := tInit(t, srv, func(c *customer.Config) { c.Identity = store })
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "hello")
	if err := sdk.SetCustomerFields(ctx, map[string]string{"order": "A-17", "vip": "true"}); err != nil {
		t.Fatal(err)
	}
	cu := tWait(t, otherRec, func(u customer.CustomerUpdated) bool { return u.Customer.Fields["order"] == "A-17" })
	if cu.Customer.Fields["vip"] != "true" || cu.Customer.Fields["kept"] != "yes" {
		t.Errorf("fields = %v", cu.Customer.Fields)
	}
	agent := tNewAgent(t, srv)
	if u := agent.customerOf(c.ID); u.Fields["order"] != "A-17" || u.Fields["kept"] != "yes" {
		t.Errorf("agent sees fields %v", u.Fields)
	}
}

func TestUpdateCustomerPage(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	store := customer.MemoryStore()
	sdk, _ := tInit(t, srv, func(c *customer.Config) { c.Identity = store })
	_, otherRec := tInit(t, srv, func(c *customer.Config) { c.Identity = store })
	ctx := tCtx(t)
	if err := sdk.UpdateCustomerPage(ctx, customer.Page{URL: "https://shop.example.com/item/7", Title: "Item 7"}); err != nil {
		t.Fatal(err)
	}
	p := tWait(t, otherRec, func(p customer.CustomerPageUpdated) bool { return p.URL == "https://shop.example.com/item/7" })
	if p.Title != "Item 7" || time.Since(p.Timestamp) > time.Minute {
		t.Errorf("page updated = %+v", p)
	}
	err := sdk.UpdateCustomerPage(ctx, customer.Page{URL: "ftp://example.com/", Title: "no"})
	if !errors.Is(err, &customer.Error{Type: protocol.ErrValidation}) {
		t.Errorf("ftp page: %v, want validation", err)
	}
}

func TestUpdateLastSeenTimestamp(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "hello")

	before := time.Now().Truncate(time.Second)
	now, err := sdk.UpdateLastSeenTimestamp(ctx, c.ID, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if now.Before(before) || now.After(time.Now().Add(time.Second)) {
		t.Errorf("zero time stored %v, want about now (%v)", now, before)
	}
	// The time never moves back: an older time returns the stored one.
	got, err := sdk.UpdateLastSeenTimestamp(ctx, c.ID, now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(now) {
		t.Errorf("an hour earlier returned %v, want the stored %v", got, now)
	}
	sum, err := sdk.GetChatsSummary(ctx, customer.Pagination{})
	if err != nil {
		t.Fatal(err)
	}
	if ls := sum.Chats[0].LastSeenTimestamps[sdk.CustomerID()]; !ls.Equal(now) {
		t.Errorf("summary's last seen = %v, want %v", ls, now)
	}
}

func TestGetForm(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	ctx := tCtx(t)
	for _, typ := range []string{"prechat", "postchat"} {
		f, err := sdk.GetForm(ctx, 0, typ)
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if f.Enabled || f.ID != "" || len(f.Fields) != 0 {
			t.Errorf("%s form = %+v, want disabled", typ, f)
		}
	}
	if _, err := sdk.GetForm(ctx, 0, "nonsense"); !customer.IsType(err, protocol.ErrValidation) {
		t.Errorf("unknown form type: %v, want validation", err)
	}
	if _, err := sdk.GetForm(ctx, 4242, "prechat"); !customer.IsType(err, protocol.ErrGroupNotFound) {
		t.Errorf("unknown group: %v, want group_not_found", err)
	}
}

func TestGetGroupsStatus(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, _ := tInit(t, srv)
	ctx := tCtx(t)
	st, err := sdk.GetGroupsStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st[0] != customer.GroupOffline {
		t.Errorf("no agent: %v, want group 0 offline", st)
	}
	tNewAgent(t, srv)
	st, err = sdk.GetGroupsStatus(ctx, 0, 4242)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 1 || st[0] != customer.GroupOnline {
		t.Errorf("agent online: %v, want only group 0, online (unknown groups left out)", st)
	}
	st, err = sdk.GetGroupsStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st[0] != customer.GroupOnline {
		t.Errorf("all groups: %v", st)
	}
}

func TestGetURLDetails(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	ctx := tCtx(t)
	d, err := sdk.GetURLDetails(ctx, "https://www.example.com/docs/page?x=1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "www.example.com" || d.URL != "https://www.example.com/docs/page?x=1" {
		t.Errorf("details = %+v", d)
	}
	if _, err := sdk.GetURLDetails(ctx, "not a url"); !customer.IsType(err, protocol.ErrValidation) {
		t.Errorf("bad url: %v, want validation", err)
	}
}

// TestInitConnects: without ManualConnect, Init connects on its own.
func TestInitConnects(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, err := customer.Init(tConfig(srv))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sdk.Destroy)
	tEventually(t, "connected", func() bool { return sdk.State() == customer.StateConnected })
	if sdk.CustomerID() == "" {
		t.Error("no customer id once connected")
	}
	tStartChat(t, sdk, "hello")
}

func TestInitValidates(t *testing.T) {
	t.Parallel()
	good := customer.Config{License: 1, ClientID: "x", Server: "http://127.0.0.1:1", Identity: customer.MemoryStore(), ManualConnect: true}
	for name, change := range map[string]func(*customer.Config){
		"no license":   func(c *customer.Config) { c.License = 0 },
		"no client id": func(c *customer.Config) { c.ClientID = "" },
		"no server":    func(c *customer.Config) { c.Server = "" },
		"ws server":    func(c *customer.Config) { c.Server = "ws://127.0.0.1:1" },
	} {
		cfg := good
		change(&cfg)
		if sdk, err := customer.Init(cfg); err == nil {
			sdk.Destroy()
			t.Errorf("%s: Init succeeded", name)
		} else if !strings.HasPrefix(err.Error(), "customer: ") {
			t.Errorf("%s: %v, want a customer: error", name, err)
		}
	}
	sdk, err := customer.Init(good)
	if err != nil {
		t.Fatal(err)
	}
	sdk.Destroy()
}

func TestConnectDisconnect(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, rec := tInit(t, srv, func(c *customer.Config) { c.ManualConnect = true })
	ctx := tCtx(t)
	if st := sdk.State(); st != customer.StateDisconnected || st.String() != "disconnected" {
		t.Errorf("before Connect: %v", st)
	}
	if _, err := sdk.GetChatsSummary(ctx, customer.Pagination{}); !errors.Is(err, customer.ErrNotConnected) {
		t.Errorf("before Connect: %v, want ErrNotConnected", err)
	}
	if err := sdk.Connect(); err != nil {
		t.Fatal(err)
	}
	_, at := tWaitFrom[customer.Connected](t, rec, 0, nil)
	if st := sdk.State(); st != customer.StateConnected || st.String() != "connected" {
		t.Errorf("after Connected: %v", st)
	}
	c := tStartChat(t, sdk, "hello")

	sdk.Disconnect()
	if st := sdk.State(); st != customer.StateDisconnected {
		t.Errorf("after Disconnect: %v", st)
	}
	if _, err := sdk.SendEvent(ctx, c.ID, customer.Event{Type: customer.EventMessage, Text: "lost"}); !errors.Is(err, customer.ErrNotConnected) {
		t.Errorf("SendEvent while disconnected: %v, want ErrNotConnected", err)
	}
	sdk.Disconnect() // harmless twice

	if err := sdk.Connect(); err != nil {
		t.Fatal(err)
	}
	r, _ := tWaitFrom[customer.ConnectionRestored](t, rec, at, nil)
	if len(r.ChatsSummary.Chats) != 1 || r.ChatsSummary.Chats[0].ID != c.ID {
		t.Errorf("restored summary = %+v", r.ChatsSummary)
	}
	if n := len(tOf[customer.Connected](rec)); n != 1 {
		t.Errorf("Connected %d times, want once", n)
	}
	if err := sdk.Connect(); err != nil { // a no-op while connected
		t.Fatal(err)
	}
	tSend(t, sdk, c.ID, "back")
}

func TestStateString(t *testing.T) {
	t.Parallel()
	for st, want := range map[customer.State]string{
		customer.StateConnecting: "connecting", customer.StateConnected: "connected", customer.StateReconnecting: "reconnecting",
		customer.StateDisconnected: "disconnected", customer.StateDestroyed: "closed",
	} {
		if st.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(st), st.String(), want)
		}
	}
}

// TestDestroy: every method fails with ErrDestroyed, handlers are gone,
// and so is every goroutine of the SDK.
func TestDestroy(t *testing.T) {
	tLeakCheck(t)
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "hello")
	sdk.SetSneakPeek(c.ID, "typing")
	agent := tNewAgent(t, srv)
	agent.join(c.ID)
	tWait(t, rec, func(j customer.UserJoinedChat) bool { return j.User == agent.ID })

	sdk.Destroy()
	sdk.Destroy() // idempotent
	if st := sdk.State(); st != customer.StateDestroyed || st.String() != "closed" {
		t.Errorf("state = %v", st)
	}
	n := rec.len()
	agent.say(c.ID, "anyone there?")

	calls := map[string]func() error{
		"Connect":   sdk.Connect,
		"StartChat": func() error { _, err := sdk.StartChat(ctx, customer.StartChatRequest{}); return err },
		"SendEvent": func() error {
			_, err := sdk.SendEvent(ctx, c.ID, customer.Event{Type: customer.EventMessage, Text: "x"})
			return err
		},
		"GetChatsSummary": func() error { _, err := sdk.GetChatsSummary(ctx, customer.Pagination{}); return err },
		"History": func() error {
			_, _, err := sdk.GetChatHistory(c.ID).Next(ctx)
			return err
		},
		"UpdateCustomer":     func() error { return sdk.UpdateCustomer(ctx, customer.CustomerUpdate{Name: "x"}) },
		"SetCustomerFields":  func() error { return sdk.SetCustomerFields(ctx, map[string]string{"a": "b"}) },
		"UpdateCustomerPage": func() error { return sdk.UpdateCustomerPage(ctx, customer.Page{URL: "https://example.com"}) },
		"SendFile": func() error {
			_, err := sdk.SendFile(ctx, c.ID, customer.File{Name: "a.txt", Reader: strings.NewReader("a"), Size: 1})
			return err
		},
		"CloseThread": func() error { return sdk.CloseThread(ctx, c.ID) },
		"GetForm":     func() error { _, err := sdk.GetForm(ctx, 0, "prechat"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, customer.ErrDestroyed) {
			t.Errorf("%s after Destroy: %v, want ErrDestroyed", name, err)
		}
	}
	sdk.SetSneakPeek(c.ID, "no one listens")
	off := customer.On(sdk, func(customer.NewEvent) { t.Error("handler called after Destroy") })
	off()
	time.Sleep(50 * time.Millisecond)
	if rec.len() != n {
		t.Errorf("notifications after Destroy: %s", tNames(func() []customer.Notification { l, _ := rec.list(); return l[n:] }()))
	}
}

func tTexts(es []customer.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Text
	}
	return out
}

func tSameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// tLoginGate holds back what the server says on an RTM connection after
// the client's first frame (its login) until release is closed, so that a
// test can act while the login is under way.
type tLoginGate struct {
	sent    chan struct{} // closed when the login frame is written
	release chan struct{}
	once    sync.Once
	tr      *http.Transport
}

func tNewLoginGate(t testing.TB) *tLoginGate {
	g := &tLoginGate{sent: make(chan struct{}), release: make(chan struct{})}
	var d net.Dialer
	g.tr = &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &tGatedConn{Conn: c, g: g}, nil
	}}
	t.Cleanup(func() {
		select {
		case <-g.release:
		default:
			close(g.release)
		}
		g.tr.CloseIdleConnections()
	})
	return g
}

type tGatedConn struct {
	net.Conn
	g        *tLoginGate
	rtm      atomic.Bool // the connection carries the RTM WebSocket
	answered atomic.Bool // the WebSocket handshake was answered
	held     atomic.Bool // the login was written: hold what comes
}

func (c *tGatedConn) Write(p []byte) (int, error) {
	if bytes.HasPrefix(p, []byte("GET ")) && bytes.Contains(p, []byte("/rtm/ws")) {
		c.rtm.Store(true)
	} else if c.rtm.Load() && c.answered.Load() && !c.held.Load() {
		c.held.Store(true)
		defer c.g.once.Do(func() { close(c.g.sent) })
	}
	return c.Conn.Write(p)
}

func (c *tGatedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.held.Load() {
		<-c.g.release
	}
	if n > 0 && c.rtm.Load() {
		c.answered.Store(true)
	}
	return n, err
}

// TestUpdateCustomerDuringLogin: a change made while the login is under
// way is not lost: the connection that comes up has it.
func TestUpdateCustomerDuringLogin(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	gate := tNewLoginGate(t)
	sdk, rec := tInit(t, srv, func(c *customer.Config) {
		c.ManualConnect = true
		c.HTTPClient = &http.Client{Transport: gate.tr}
		c.Customer = customer.CustomerData{Name: "Before", Fields: map[string]string{"a": "1"}}
	})
	ctx := tCtx(t)
	if err := sdk.Connect(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-gate.sent:
	case <-time.After(tTimeout):
		t.Fatal("no login")
	}
	if err := sdk.UpdateCustomer(ctx, customer.CustomerUpdate{Name: "During login", Fields: map[string]string{"b": "2"}}); err != nil {
		t.Fatal(err)
	}
	if err := sdk.UpdateCustomerPage(ctx, customer.Page{URL: "https://example.com/during", Title: "During"}); err != nil {
		t.Fatal(err)
	}
	close(gate.release)
	tWait[customer.Connected](t, rec, nil)

	tStartChat(t, sdk, "hello")
	if _, err := sdk.GetChatsSummary(ctx, customer.Pagination{}); err != nil {
		t.Fatal(err)
	}
	var me customer.User
	for _, u := range tOf[customer.UserData](rec) {
		if u.User.ID == sdk.CustomerID() {
			me = u.User
		}
	}
	if me.Name != "During login" || me.Fields["a"] != "1" || me.Fields["b"] != "2" {
		t.Errorf("the server has %+v, want the change made during the login", me)
	}
	stored, err := srv.Store().Customer(ctx, srv.License, sdk.CustomerID())
	if err != nil {
		t.Fatal(err)
	}
	if stored.Page == nil || stored.Page.URL != "https://example.com/during" || stored.Page.Title != "During" {
		t.Errorf("stored page = %+v, want the one set during the login", stored.Page)
	}
	// The SDK did not report its own change.
	if n := tOf[customer.CustomerUpdated](rec); len(n) != 0 {
		t.Errorf("own change reported: %+v", n)
	}
}

// TestConfigLogin: the login carries Config.Customer, Page, Referrer and
// Group; StartChat routes to Config.Group.
func TestConfigLogin(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv, func(c *customer.Config) {
		c.Customer = customer.CustomerData{Name: "Configured", Email: "configured@example.com", Fields: map[string]string{"k": "v"}}
		c.Page = &customer.Page{URL: "https://shop.example.com/start", Title: "Start"}
		c.Referrer = "https://search.example.com/?q=shop"
	})
	ctx := tCtx(t)
	cu, err := srv.Store().Customer(ctx, srv.License, sdk.CustomerID())
	if err != nil {
		t.Fatal(err)
	}
	if cu.Name != "Configured" || cu.Email != "configured@example.com" || cu.Fields["k"] != "v" {
		t.Errorf("stored customer = %+v", cu)
	}
	if cu.Page == nil || cu.Page.URL != "https://shop.example.com/start" || cu.Page.Title != "Start" || cu.Referrer != "https://search.example.com/?q=shop" {
		t.Errorf("stored page %+v, referrer %q", cu.Page, cu.Referrer)
	}
	if err := sdk.UpdateCustomerPage(ctx, customer.Page{URL: "https://shop.example.com/next", Title: "Next"}); err != nil {
		t.Fatal(err)
	}
	if cu, err = srv.Store().Customer(ctx, srv.License, sdk.CustomerID()); err != nil || cu.Page == nil || cu.Page.URL != "https://shop.example.com/next" {
		t.Errorf("stored page after UpdateCustomerPage: %+v, %v", cu.Page, err)
	}

	grouped, _ := tInit(t, srv, func(c *customer.Config) { c.Group = 4242 })
	_, err = grouped.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: "hi"}}})
	if !customer.IsType(err, protocol.ErrGroupNotFound) {
		t.Errorf("StartChat with Config.Group 4242: %v, want group_not_found (the SDK's group is used)", err)
	}
	// An explicit group wins over Config.Group.
	c, err := grouped.StartChat(ctx, customer.StartChatRequest{Groups: []int{0}})
	if err != nil || !slices.Equal(c.Access.Groups, []int{0}) {
		t.Errorf("StartChat for group 0: %+v, %v", c.Access, err)
	}
}

// TestRateChatScore: the protocol knows scores 0 (bad) and 1 (good);
// others are refused before anything is sent.
func TestRateChatScore(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "rate me")
	for _, score := range []int{2, -1, 5} {
		err := sdk.RateChat(ctx, c.ID, customer.Rating{Score: score})
		if !errors.Is(err, customer.ErrInvalidRating) {
			t.Errorf("score %d: %v, want ErrInvalidRating", score, err)
		}
	}
	ths, err := sdk.GetChatThreads(ctx, c.ID, []string{c.Thread})
	if err != nil {
		t.Fatal(err)
	}
	if r := ths[0].Properties["rating"]; len(r) != 0 {
		t.Errorf("rating stored: %v", r)
	}
	if err := sdk.RateChat(ctx, c.ID, customer.Rating{Score: customer.RatingBad}); err != nil {
		t.Errorf("score 0: %v", err)
	}
}

// TestPostbackDefault: the zero Postback is toggled, as in the JS SDK.
func TestPostbackDefault(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "which plan?")
	agent := tNewAgent(t, srv)
	agent.join(c.ID)
	agent.ask(c.ID, "Pick one", "plan_basic", "plan_pro")
	rm := tWait(t, rec, func(e customer.NewEvent) bool { return e.Event.Type == customer.EventRichMessage }).Event

	off := false
	for _, p := range []customer.Postback{{ID: "plan_pro"}, {ID: "plan_pro", Toggled: &off}} {
		if err := sdk.SendPostback(ctx, c.ID, rm.Thread, rm.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	// The second postback's push comes after the first's.
	agent.waitPush(protocol.PushIncomingRichMessagePostback, func(raw json.RawMessage) bool {
		return strings.Contains(string(raw), `"toggled":false`)
	})
	var got []bool
	for _, f := range agent.pushesOf(protocol.PushIncomingRichMessagePostback) {
		var pb protocol.IncomingRichMessagePostback
		if err := json.Unmarshal(f.Payload, &pb); err != nil {
			t.Fatal(err)
		}
		got = append(got, pb.Postback.Toggled)
	}
	if !slices.Equal(got, []bool{true, false}) {
		t.Errorf("toggled sent: %v, want [true false] (zero value, then Toggled false)", got)
	}
	if !(customer.Postback{}).IsToggled() || (customer.Postback{Toggled: &off}).IsToggled() {
		t.Error("IsToggled disagrees with Toggled")
	}
}
