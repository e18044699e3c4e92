package customer_test

// Connection life under a real server whose connections are cut, stalled,
// refused and restarted by parleytest: what the SDK emits, what its
// requests return, and that every event stored while it was away reaches
// its handlers exactly once, in store order.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/internal/rtm"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
)

// rcLeakCheck fails the test if it leaves goroutines behind once its
// cleanups (the server's shutdown included) have run. Register it first.
func rcLeakCheck(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

func rcFastDelay(attempt int) time.Duration {
	return time.Duration(min(attempt, 5)) * 10 * time.Millisecond
}

// rcInit starts an SDK against srv with a fast reconnect and a recorder of
// everything it emits; the SDK is destroyed at cleanup.
func rcInit(t *testing.T, srv *parleytest.Server, change ...func(*customer.Config)) (*customer.SDK, *rcRecorder) {
	t.Helper()
	cfg := customer.Config{License: srv.License, ClientID: srv.ClientID, Server: srv.URL,
		Identity: customer.MemoryStore(), ReconnectDelay: rcFastDelay}
	for _, c := range change {
		c(&cfg)
	}
	sdk, err := customer.Init(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sdk.Destroy)
	rec := &rcRecorder{changed: make(chan struct{}, 1)}
	sdk.On("*", rec.add)
	return sdk, rec
}

// rcRecorder keeps every notification, in the order handlers saw them.
type rcRecorder struct {
	mu      sync.Mutex
	all     []customer.Notification
	changed chan struct{}
}

func (r *rcRecorder) add(n customer.Notification) {
	r.mu.Lock()
	r.all = append(r.all, n)
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *rcRecorder) list() []customer.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.all)
}

func (r *rcRecorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.all)
}

// wait returns the index of the first notification at or after from that
// matches ok, waiting up to 15 s for it.
func (r *rcRecorder) wait(t *testing.T, from int, what string, ok func(customer.Notification) bool) int {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		all := r.list()
		for i := from; i < len(all); i++ {
			if ok(all[i]) {
				return i
			}
		}
		select {
		case <-r.changed:
		case <-timeout:
			t.Fatalf("no %s after notification %d; got %s", what, from, rcNames(all[min(from, len(all)):]))
		}
	}
}

// rcWait waits for a notification of type T at or after from.
func rcWait[T customer.Notification](t *testing.T, r *rcRecorder, from int) (T, int) {
	t.Helper()
	var zero T
	i := r.wait(t, from, zero.Name(), func(n customer.Notification) bool { _, ok := n.(T); return ok })
	return r.list()[i].(T), i
}

func rcNames(ns []customer.Notification) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(n.Name())
		if e, ok := n.(customer.NewEvent); ok {
			fmt.Fprintf(&b, "(%s)", e.Event.Text)
		}
		b.WriteString(" ")
	}
	return b.String()
}

// rcNewEvents returns the NewEvent notifications of a chat.
func rcNewEvents(ns []customer.Notification, chatID string) []customer.Event {
	var out []customer.Event
	for _, n := range ns {
		if e, ok := n.(customer.NewEvent); ok && e.Chat == chatID {
			out = append(out, e.Event)
		}
	}
	return out
}

// rcAgent is the demo agent on an auto-reconnecting RTM connection (the
// engine the SDK is built on), so that it survives DropConnections.
type rcAgent struct {
	t   *testing.T
	eng *rtm.Engine
}

func rcNewAgent(t *testing.T, srv *parleytest.Server) *rcAgent {
	t.Helper()
	tok := srv.AgentToken(t, srv.AgentEmail)
	a := &rcAgent{t: t}
	a.eng = rtm.New(rtm.Config{
		URL: "ws" + strings.TrimPrefix(srv.URL, "http") + "/v3.0/agent/rtm/ws",
		Login: func(ctx context.Context, s *rtm.Session) error {
			_, err := s.Call(ctx, protocol.ActionLogin, map[string]any{"token": "Bearer " + tok}, rtm.CallOptions{})
			return err
		},
		ReconnectDelay: func(int) time.Duration { return 10 * time.Millisecond },
	})
	if err := a.eng.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.eng.Stop(true) })
	return a
}

// call makes a request, again and again while its connection drops under
// it; accept says which server errors mean that an earlier try was done.
func (a *rcAgent) call(ctx context.Context, action string, payload any, accept ...string) (json.RawMessage, error) {
	for {
		f, err := a.eng.Call(ctx, action, payload, rtm.CallOptions{})
		var pe *protocol.Error
		switch {
		case err == nil:
			return f.Payload, nil
		case errors.Is(err, rtm.ErrConnectionLost):
			continue
		case errors.As(err, &pe) && slices.Contains(accept, pe.Message):
			return nil, nil
		}
		return nil, fmt.Errorf("agent %s: %w", action, err)
	}
}

func (a *rcAgent) mustCall(action string, payload any, accept ...string) json.RawMessage {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	p, err := a.call(ctx, action, payload, accept...)
	if err != nil {
		a.t.Fatal(err)
	}
	return p
}

// send sends a message whose custom id is its text, so that a retry after a
// lost connection is not stored twice.
func (a *rcAgent) send(chatID, text string) {
	a.t.Helper()
	a.mustCall(protocol.ActionSendEvent, map[string]any{"chat_id": chatID,
		"event": map[string]any{"type": "message", "text": text, "custom_id": text}})
}

// rcMetric returns the value of one of the server's metrics (0 when it
// has none yet); series is the name with its labels, as /metrics shows it.
func rcMetric(t *testing.T, srv *parleytest.Server, series string) int {
	t.Helper()
	resp, err := http.Get(srv.AdminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			n, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("metrics: %q", line)
			}
			return int(n)
		}
	}
	return 0
}

// rcCustomerRTM returns how many customer RTM connections the server has
// open.
func rcCustomerRTM(t *testing.T, srv *parleytest.Server) int {
	t.Helper()
	return rcMetric(t, srv, `parley_rtm_connections{role="customer"}`)
}

func rcCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// rcStored returns every event of a chat as the server stores it, in store
// order (read through sdk's history methods).
func rcStored(t *testing.T, sdk *customer.SDK, chatID string) []customer.Event {
	t.Helper()
	ctx := rcCtx(t, 15*time.Second)
	ts, err := sdk.GetChatThreadsSummary(ctx, chatID, customer.Pagination{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, th := range ts.Threads {
		ids = append(ids, th.ID)
	}
	threads, err := sdk.GetChatThreads(ctx, chatID, ids)
	if err != nil {
		t.Fatal(err)
	}
	var out []customer.Event
	for _, th := range threads {
		out = append(out, th.Events...)
	}
	return out
}

func rcIDs(es []customer.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID + ":" + e.Text
	}
	return out
}

// rcCheckDelivered checks that the NewEvents of a chat are exactly the
// stored events after the first `after` of them, by id and in order,
// leaving out the customer's own events that its methods returned.
func rcCheckDelivered(t *testing.T, got, stored []customer.Event, after int, mine map[string]bool) {
	t.Helper()
	var want []customer.Event
	for _, e := range stored[after:] {
		if !mine[e.ID] {
			want = append(want, e)
		}
	}
	seen := map[string]int{}
	for _, e := range got {
		seen[e.ID]++
		if seen[e.ID] == 2 {
			t.Errorf("event %s (%q) delivered twice", e.ID, e.Text)
		}
	}
	if g, w := rcIDs(got), rcIDs(want); !slices.Equal(g, w) {
		t.Fatalf("delivered events differ from the store:\n got  %v\n want %v", g, w)
	}
}

func rcStartChat(t *testing.T, sdk *customer.SDK, text string) customer.Chat {
	t.Helper()
	c, err := sdk.StartChat(rcCtx(t, 15*time.Second), customer.StartChatRequest{
		Events: []customer.Event{{Type: customer.EventMessage, Text: text}}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestReconnectRecoversMissedEvents: the connection is lost; while the
// server is unreachable the agent writes, closes the thread and opens a
// new one; requests made meanwhile wait or time out; on return the SDK
// emits ConnectionRestored with the fresh summary and then every missed
// event, in store order, once.
func TestReconnectRecoversMissedEvents(t *testing.T) {
	rcLeakCheck(t)
	srv := parleytest.NewServer(t)
	sdk, rec := rcInit(t, srv)
	// Handlers of Connected and ConnectionRestored find the SDK connected.
	states := make(chan customer.State, 2)
	customer.On(sdk, func(customer.Connected) { states <- sdk.State() })
	customer.On(sdk, func(customer.ConnectionRestored) { states <- sdk.State() })
	rcWait[customer.Connected](t, rec, 0)
	chat := rcStartChat(t, sdk, "hello")
	agent := rcNewAgent(t, srv)
	agent.mustCall(protocol.ActionJoinChat, map[string]any{"chat_id": chat.ID})
	agent.send(chat.ID, "a0")
	rec.wait(t, 0, "a0", func(n customer.Notification) bool { e, ok := n.(customer.NewEvent); return ok && e.Event.Text == "a0" })

	srv.PauseListener(parleytest.CustomerConns)
	if n := srv.DropConnections(parleytest.CustomerConns); n == 0 {
		t.Fatal("no customer connection to drop")
	}
	lost, iLost := rcWait[customer.ConnectionLost](t, rec, 0)
	if lost.Err == nil {
		t.Error("ConnectionLost without its cause")
	}
	if st := sdk.State(); st != customer.StateReconnecting {
		t.Fatalf("state %s while the server is unreachable, want reconnecting", st)
	}

	// While away: messages, the thread closed by the agent, a new thread
	// the agent opens, more messages.
	for i := 1; i <= 5; i++ {
		agent.send(chat.ID, fmt.Sprint("a", i))
	}
	agent.mustCall(protocol.ActionDeactivateChat, map[string]any{"chat_id": chat.ID}, "The chat is not active")
	agent.mustCall(protocol.ActionActivateChat, map[string]any{"chat": map[string]any{"id": chat.ID,
		"thread": map[string]any{"events": []any{map[string]any{"type": "message", "text": "b1", "custom_id": "b1"}}}}},
		"The chat is already active")
	agent.send(chat.ID, "b2")
	agent.send(chat.ID, "b3")

	// A request made now waits for the connection, up to its ctx.
	_, err := sdk.GetChatsSummary(rcCtx(t, 200*time.Millisecond), customer.Pagination{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a request while reconnecting returned %v, want context.DeadlineExceeded", err)
	}
	waiting := make(chan error, 1)
	go func() {
		_, err := sdk.GetChatsSummary(rcCtx(t, 15*time.Second), customer.Pagination{})
		waiting <- err
	}()
	time.Sleep(100 * time.Millisecond)

	srv.ResumeListener()
	restored, iRestored := rcWait[customer.ConnectionRestored](t, rec, iLost)
	if err := <-waiting; err != nil {
		t.Fatalf("a request made while reconnecting: %v", err)
	}
	if st := sdk.State(); st != customer.StateConnected {
		t.Fatalf("state %s after ConnectionRestored", st)
	}
	for range 2 {
		if st := <-states; st != customer.StateConnected {
			t.Errorf("state %s in a Connected or ConnectionRestored handler", st)
		}
	}
	var sum *customer.ChatSummary
	for i := range restored.ChatsSummary.Chats {
		if c := &restored.ChatsSummary.Chats[i]; c.ID == chat.ID {
			sum = c
		}
	}
	if sum == nil || !sum.Active || sum.LastEvent == nil || sum.LastEvent.Text != "b3" {
		t.Fatalf("ConnectionRestored's summary of the chat: %+v, want it active with b3 last", sum)
	}

	rec.wait(t, iRestored, "b3", func(n customer.Notification) bool { e, ok := n.(customer.NewEvent); return ok && e.Event.Text == "b3" })
	// Let any duplicate show up.
	agent.send(chat.ID, "after")
	rec.wait(t, iRestored, "after", func(n customer.Notification) bool {
		e, ok := n.(customer.NewEvent)
		return ok && e.Event.Text == "after"
	})

	all := rec.list()
	stored := rcStored(t, sdk, chat.ID)
	// hello (the customer's own) and a0 came before the loss.
	rcCheckDelivered(t, rcNewEvents(all[iLost:], chat.ID), stored, 2, nil)
	// Nothing of the missed events came before ConnectionRestored, and the
	// new thread was announced before its events.
	if evs := rcNewEvents(all[iLost:iRestored], chat.ID); len(evs) > 0 {
		t.Errorf("events delivered before ConnectionRestored: %v", rcIDs(evs))
	}
	iSummary, iB1 := -1, -1
	for i, n := range all[iRestored:] {
		switch n := n.(type) {
		case customer.ThreadSummary:
			if n.Chat == chat.ID && iSummary < 0 {
				iSummary = i
			}
		case customer.NewEvent:
			if n.Event.Text == "b1" {
				iB1 = i
			}
		}
	}
	if iSummary < 0 || iSummary > iB1 {
		t.Errorf("the new thread's ThreadSummary came at %d, its first event at %d: %s", iSummary, iB1, rcNames(all[iRestored:]))
	}
}

// TestReconnectStorm kills every connection again and again (customer and
// agent alike, sometimes with the server unreachable for a while) while
// the agent writes without pause: every message the server acknowledged
// reaches the customer's handlers exactly once, in store order, and
// requests made meanwhile never hang.
func TestReconnectStorm(t *testing.T) {
	rcLeakCheck(t)
	srv := parleytest.NewServer(t)
	sdk, rec := rcInit(t, srv)
	rcWait[customer.Connected](t, rec, 0)
	chat := rcStartChat(t, sdk, "hello")
	agent := rcNewAgent(t, srv)
	agent.mustCall(protocol.ActionJoinChat, map[string]any{"chat_id": chat.ID})

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var acked []string // texts the server acknowledged, in send order
	var ackedMu sync.Mutex
	agentDone := make(chan error, 1)
	go func() {
		for i := 0; ctx.Err() == nil; i++ {
			text := fmt.Sprint("m", i)
			_, err := agent.call(ctx, protocol.ActionSendEvent, map[string]any{"chat_id": chat.ID,
				"event": map[string]any{"type": "message", "text": text, "custom_id": text}})
			if ctx.Err() != nil {
				break
			}
			if err != nil {
				agentDone <- err
				return
			}
			ackedMu.Lock()
			acked = append(acked, text)
			ackedMu.Unlock()
		}
		agentDone <- nil
	}()

	// The customer's requests during the storm: each returns (an answer,
	// ErrConnectionLost, or its deadline), none hangs.
	var callers sync.WaitGroup
	var calls, lostCalls atomic.Int32
	const callersN = 4
	for range callersN {
		callers.Go(func() {
			for ctx.Err() == nil {
				cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err := sdk.GetChatsSummary(cctx, customer.Pagination{})
				cancel()
				calls.Add(1)
				switch {
				case err == nil:
				case errors.Is(err, customer.ErrConnectionLost):
					lostCalls.Add(1)
				default:
					t.Errorf("a request during the storm: %v", err)
					return
				}
			}
		})
	}

	const drops = 8
	restoredSeen := 0
	for i := range drops {
		time.Sleep(time.Duration(20+i*15) * time.Millisecond)
		if i%3 == 2 {
			srv.PauseListener()
		}
		srv.DropConnections()
		if i%3 == 2 {
			time.Sleep(150 * time.Millisecond)
			srv.ResumeListener()
		}
		_, idx := rcWait[customer.ConnectionRestored](t, rec, restoredSeen)
		restoredSeen = idx + 1
	}
	time.Sleep(50 * time.Millisecond)
	stop()
	if err := <-agentDone; err != nil {
		t.Fatal(err)
	}
	callers.Wait()

	ackedMu.Lock()
	last := acked[len(acked)-1]
	n := len(acked)
	ackedMu.Unlock()
	if n < 20 {
		t.Fatalf("only %d messages acknowledged during the storm", n)
	}
	// Mark the end with one more message and wait for it.
	agent.send(chat.ID, "end")
	rec.wait(t, 0, "end", func(x customer.Notification) bool { e, ok := x.(customer.NewEvent); return ok && e.Event.Text == "end" })

	stored := rcStored(t, sdk, chat.ID)
	got := rcNewEvents(rec.list(), chat.ID)
	rcCheckDelivered(t, got, stored, 1, nil)
	texts := map[string]bool{}
	for _, e := range stored {
		texts[e.Text] = true
	}
	ackedMu.Lock()
	for _, a := range acked {
		if !texts[a] {
			t.Errorf("acknowledged message %s is not stored", a)
		}
	}
	ackedMu.Unlock()
	t.Logf("%d drops, %d messages acknowledged (last %s), %d customer requests of which %d lost with the connection",
		drops, n, last, calls.Load(), lostCalls.Load())
	// A drop fails what is in flight on the connection, one request per
	// caller at most; a request made as the connection goes waits for the
	// next one.
	if lost := lostCalls.Load(); lost > callersN*drops {
		t.Errorf("%d requests failed with ErrConnectionLost in %d drops of %d callers", lost, drops, callersN)
	}
}

// TestRequestInFlightFailsPromptly: a request written to a connection that
// then goes silent and is cut fails at once with ErrConnectionLost; the
// SDK reconnects and the customer's retry with the same CustomID does not
// store the message twice.
func TestRequestInFlightFailsPromptly(t *testing.T) {
	rcLeakCheck(t)
	srv := parleytest.NewServer(t)
	sdk, rec := rcInit(t, srv)
	rcWait[customer.Connected](t, rec, 0)
	chat := rcStartChat(t, sdk, "hello")

	srv.StallConnections(parleytest.CustomerConns)
	errc := make(chan error, 1)
	msg := customer.Event{Type: customer.EventMessage, Text: "in flight", CustomID: "c-1"}
	go func() {
		_, err := sdk.SendEvent(rcCtx(t, 30*time.Second), chat.ID, msg)
		errc <- err
	}()
	select {
	case err := <-errc:
		t.Fatalf("SendEvent returned %v through a stalled connection", err)
	case <-time.After(200 * time.Millisecond):
	}
	t0 := time.Now()
	srv.DropConnections(parleytest.CustomerConns)
	select {
	case err := <-errc:
		if !errors.Is(err, customer.ErrConnectionLost) {
			t.Fatalf("got %v, want ErrConnectionLost", err)
		}
		if d := time.Since(t0); d > 2*time.Second {
			t.Errorf("failed %v after the drop", d)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request in flight hangs after its connection dropped")
	}
	srv.UnstallConnections()
	_, i := rcWait[customer.ConnectionRestored](t, rec, 0)

	// The message was never handled by the server (it was held up); the
	// retry stores it once, and a second retry finds it.
	e1, err := sdk.SendEvent(rcCtx(t, 15*time.Second), chat.ID, msg)
	if err != nil {
		t.Fatal(err)
	}
	e2, err := sdk.SendEvent(rcCtx(t, 15*time.Second), chat.ID, msg)
	if err != nil || e2.ID != e1.ID {
		t.Fatalf("retry with the same CustomID: %+v %v, want event %s again", e2, err, e1.ID)
	}
	stored := rcStored(t, sdk, chat.ID)
	if len(stored) != 2 || stored[1].ID != e1.ID {
		t.Fatalf("stored %v, want hello and one %q", rcIDs(stored), msg.Text)
	}
	// Own sends that returned are not NewEvents.
	if evs := rcNewEvents(rec.list()[i:], chat.ID); len(evs) != 0 {
		t.Errorf("own sends delivered as NewEvent: %v", rcIDs(evs))
	}
}

// TestDisconnectedFinal: customer_disconnected with a final reason emits
// Disconnected{Final: true} and destroys the SDK: no reconnect, every call
// fails with ErrDestroyed, no goroutine is left.
func TestDisconnectedFinal(t *testing.T) {
	rcLeakCheck(t)
	srv := parleytest.NewServer(t)
	sdk, rec := rcInit(t, srv)
	rcWait[customer.Connected](t, rec, 0)
	chat := rcStartChat(t, sdk, "hello")
	// A handler of the final Disconnected already finds the SDK destroyed.
	inHandler := make(chan string, 1)
	customer.On(sdk, func(customer.Disconnected) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := sdk.GetChatsSummary(ctx, customer.Pagination{})
		inHandler <- fmt.Sprintf("%s %v", sdk.State(), err)
	})

	if err := srv.BanCustomer(sdk.CustomerID()); err != nil {
		t.Fatal(err)
	}
	d, i := rcWait[customer.Disconnected](t, rec, 0)
	if d.Reason != protocol.ReasonCustomerBanned || !d.Final || !customer.IsType(d.Err, protocol.ReasonCustomerBanned) {
		t.Fatalf("got %+v, want a final customer_banned with its error", d)
	}
	// The error is ErrDestroyed and says why.
	if got, want := <-inHandler, fmt.Sprintf("%s %v: customer: customer_banned", customer.StateDestroyed, customer.ErrDestroyed); !strings.HasPrefix(got, customer.StateDestroyed.String()) ||
		!strings.Contains(got, customer.ErrDestroyed.Error()+": customer: "+protocol.ReasonCustomerBanned) {
		t.Errorf("in the Disconnected handler: %q, want %q…", got, want)
	}
	deadline := time.Now().Add(5 * time.Second)
	for sdk.State() != customer.StateDestroyed || rcCustomerRTM(t, srv) != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("state %s with %d RTM connections open after a final Disconnected", sdk.State(), rcCustomerRTM(t, srv))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := sdk.SendEvent(context.Background(), chat.ID, customer.Event{Type: customer.EventMessage, Text: "x"}); !errors.Is(err, customer.ErrDestroyed) {
		t.Fatalf("SendEvent after a final Disconnected: %v, want ErrDestroyed", err)
	}
	if err := sdk.Connect(); !errors.Is(err, customer.ErrDestroyed) {
		t.Fatalf("Connect after a final Disconnected: %v, want ErrDestroyed", err)
	}
	time.Sleep(100 * time.Millisecond)
	if n := rec.len(); n != i+1 {
		t.Fatalf("notifications after the final Disconnected: %s", rcNames(rec.list()[i+1:]))
	}
	if rcCustomerRTM(t, srv) != 0 {
		t.Fatal("the SDK reconnected after a final Disconnected")
	}
	sdk.Destroy()
}

// TestLoginRefusedFinal: a customer banned while away finds its login
// refused with customer_banned when it comes back: a final Disconnected.
func TestLoginRefusedFinal(t *testing.T) {
	rcLeakCheck(t)
	srv := parleytest.NewServer(t)
	sdk, rec := rcInit(t, srv)
	rcWait[customer.Connected](t, rec, 0)
	banned := true
	if _, err := srv.Store().UpdateCustomer(context.Background(), srv.License, sdk.CustomerID(), chat.CustomerUpdate{Banned: &banned}); err != nil {
		t.Fatal(err)
	}
	srv.DropConnections(parleytest.CustomerConns)
	d, _ := rcWait[customer.Disconnected](t, rec, 0)
	if d.Reason != protocol.ErrCustomerBanned || !d.Final || !customer.IsType(d.Err, protocol.ErrCustomerBanned) {
		t.Fatalf("got %+v, want a final customer_banned with its error", d)
	}
	deadline := time.Now().Add(5 * time.Second)
	for sdk.State() != customer.StateDestroyed {
		if time.Now().After(deadline) {
			t.Fatalf("state %s after a refused login", sdk.State())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := sdk.GetChatsSummary(context.Background(), customer.Pagination{}); !errors.Is(err, customer.ErrDestroyed) {
		t.Fatalf("got %v, want ErrDestroyed", err)
	}
}

// TestDisconnectedNonFinal: customer_disconnected with another reason is
// reported, and when the server then closes the connection the SDK comes
// back.
func TestDisconnectedNonFinal(t *testing.T) {
	rcLeakCheck(t)
	srv := parleytest.NewServer(t)
	sdk, rec := rcInit(t, srv)
	rcWait[customer.Connected](t, rec, 0)

	// The server's own way: the push, then the connection closes.
	if err := srv.DisconnectCustomer(sdk.CustomerID(), protocol.ReasonTooManyConnections); err != nil {
		t.Fatal(err)
	}
	d, i := rcWait[customer.Disconnected](t, rec, 0)
	if d.Reason != protocol.ReasonTooManyConnections || d.Final {
		t.Fatalf("got %+v, want a non-final too_many_connections", d)
	}
	_, i = rcWait[customer.ConnectionLost](t, rec, i)
	_, i = rcWait[customer.ConnectionRestored](t, rec, i)
	if st := sdk.State(); st != customer.StateConnected {
		t.Fatalf("state %s", st)
	}

	// A push with data, the connection left open: reported, and the SDK
	// stays.
	if err := srv.PushToCustomer(sdk.CustomerID(), protocol.PushCustomerDisconnected, protocol.CustomerDisconnected{
		Reason: protocol.ReasonCustomerTemporarilyBlocked, Data: map[string]any{"timeout": 60}}); err != nil {
		t.Fatal(err)
	}
	d, _ = rcWait[customer.Disconnected](t, rec, i)
	if d.Reason != protocol.ReasonCustomerTemporarilyBlocked || d.Final || d.Data["timeout"] != 60.0 {
		t.Fatalf("got %+v, want a non-final customer_temporarily_blocked with its data", d)
	}
	if _, err := sdk.GetChatsSummary(rcCtx(t, 10*time.Second), customer.Pagination{}); err != nil {
		t.Fatal(err)
	}
}

// TestServerRestart: a server restart tells the SDK to come back later
// (service_temporarily_unavailable); it does, as the same customer, and
// finds its chat and what the agent wrote meanwhile.
func TestServerRestart(t *testing.T) {
	rcLeakCheck(t)
	srv := parleytest.NewServer(t)
	sdk, rec := rcInit(t, srv)
	rcWait[customer.Connected](t, rec, 0)
	id := sdk.CustomerID()
	chat := rcStartChat(t, sdk, "hello")

	srv.Restart(t)
	d, i := rcWait[customer.Disconnected](t, rec, 0)
	if d.Reason != protocol.ReasonServiceShutdown || d.Final {
		t.Fatalf("got %+v, want a non-final %s", d, protocol.ReasonServiceShutdown)
	}
	_, iLost := rcWait[customer.ConnectionLost](t, rec, i)
	agent := rcNewAgent(t, srv)
	agent.mustCall(protocol.ActionJoinChat, map[string]any{"chat_id": chat.ID})
	agent.send(chat.ID, "after the restart")
	rcWait[customer.ConnectionRestored](t, rec, iLost)
	rec.wait(t, iLost, "the agent's message", func(n customer.Notification) bool {
		e, ok := n.(customer.NewEvent)
		return ok && e.Event.Text == "after the restart"
	})
	if sdk.CustomerID() != id {
		t.Fatalf("customer %s after the restart, was %s", sdk.CustomerID(), id)
	}
}

// TestExpiredToken: the server ends a session whose access token expires
// (access_token_expired); the SDK gets a fresh token and comes back as the
// same customer.
func TestExpiredToken(t *testing.T) {
	rcLeakCheck(t)
	srv := parleytest.NewServer(t)
	store := customer.MemoryStore()
	first, rec := rcInit(t, srv, func(c *customer.Config) { c.Identity = store })
	rcWait[customer.Connected](t, rec, 0)
	id := first.CustomerID()
	first.Destroy()

	// The same customer (same cookies) with a token the server lets live
	// two seconds, though the SDK believes it good for hours.
	short, err := srv.IssueCustomerToken(srv.License, id, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ident, _ := store.Load(context.Background())
	ident.Token.AccessToken = short
	ident.Token.CreationDate = time.Now()
	if err := store.Save(context.Background(), ident); err != nil {
		t.Fatal(err)
	}
	sdk, rec := rcInit(t, srv, func(c *customer.Config) { c.Identity = store })
	rcWait[customer.Connected](t, rec, 0)
	d, i := rcWait[customer.Disconnected](t, rec, 0)
	if d.Reason != protocol.ReasonAccessTokenExpired || d.Final {
		t.Fatalf("got %+v, want a non-final access_token_expired", d)
	}
	rcWait[customer.ConnectionRestored](t, rec, i)
	if sdk.CustomerID() != id {
		t.Fatalf("customer %s with a fresh token, was %s", sdk.CustomerID(), id)
	}
	// It came back with a fresh token at once, not after a refused login
	// with the expired one.
	if n := rcMetric(t, srv, `parley_rtm_requests_total{action="login",result="authentication",role="customer"}`); n != 0 {
		t.Errorf("%d logins refused on the way back", n)
	}
	tok, err := sdk.Auth().GetToken(context.Background())
	if err != nil || tok.AccessToken == short || tok.EntityID != id {
		t.Fatalf("token after the refresh: %+v %v, want a fresh one for %s", tok, err, id)
	}
	// Still usable.
	if _, err := sdk.GetChatsSummary(rcCtx(t, 10*time.Second), customer.Pagination{}); err != nil {
		t.Fatal(err)
	}
}

// TestDestroyWhileReconnecting: Destroy during the backoff returns at
// once, fails the requests waiting for the connection with ErrDestroyed
// and leaves no goroutine.
func TestDestroyWhileReconnecting(t *testing.T) {
	rcLeakCheck(t)
	srv := parleytest.NewServer(t)
	sdk, rec := rcInit(t, srv, func(c *customer.Config) {
		c.ReconnectDelay = func(int) time.Duration { return 50 * time.Millisecond }
	})
	rcWait[customer.Connected](t, rec, 0)
	srv.PauseListener()
	srv.DropConnections()
	rcWait[customer.ConnectionLost](t, rec, 0)
	waiting := make(chan error, 1)
	go func() {
		_, err := sdk.GetChatsSummary(context.Background(), customer.Pagination{})
		waiting <- err
	}()
	time.Sleep(150 * time.Millisecond) // a few failed attempts
	t0 := time.Now()
	sdk.Destroy()
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("Destroy took %v", d)
	}
	select {
	case err := <-waiting:
		if !errors.Is(err, customer.ErrDestroyed) {
			t.Fatalf("a request waiting for the connection got %v, want ErrDestroyed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a request waiting for the connection hangs after Destroy")
	}
	if st := sdk.State(); st != customer.StateDestroyed {
		t.Fatalf("state %s", st)
	}
	srv.ResumeListener()
}

// TestSlowHandler: a handler far slower than the server holds up later
// notifications but loses none: with a buffer of 2, the reader waits for
// the handler; everything arrives in order once it catches up.
func TestSlowHandler(t *testing.T) {
	rcLeakCheck(t)
	srv := parleytest.NewServer(t)
	sdk, rec := rcInit(t, srv, func(c *customer.Config) { c.NotificationBuffer = 2 })
	rcWait[customer.Connected](t, rec, 0)
	chat := rcStartChat(t, sdk, "hello")
	agent := rcNewAgent(t, srv)
	agent.mustCall(protocol.ActionJoinChat, map[string]any{"chat_id": chat.ID})

	release := make(chan struct{})
	var once sync.Once
	var handled []string
	var mu sync.Mutex
	customer.On(sdk, func(e customer.NewEvent) {
		once.Do(func() { <-release })
		mu.Lock()
		handled = append(handled, e.Event.Text)
		mu.Unlock()
	})
	const n = 30
	for i := range n {
		agent.send(chat.ID, fmt.Sprint("s", i))
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	if len(handled) != 0 {
		t.Fatalf("handled %v while the first handler call is blocked", handled)
	}
	mu.Unlock()
	close(release)
	rec.wait(t, 0, "the last message", func(x customer.Notification) bool {
		e, ok := x.(customer.NewEvent)
		return ok && e.Event.Text == fmt.Sprint("s", n-1)
	})
	mu.Lock()
	defer mu.Unlock()
	for i, text := range handled {
		if text != fmt.Sprint("s", i) {
			t.Fatalf("handled %v, want s0 … s%d in order", handled, n-1)
		}
	}
	if len(handled) != n {
		t.Fatalf("handled %d of %d", len(handled), n)
	}
}

// rcSDKGoroutines returns the stacks of goroutines running code of the
// customer package or of its engine (tests that call it must have no
// other engine running, such as an rcAgent).
func rcSDKGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "parley/customer.") || strings.Contains(g, "parley/internal/rtm.") {
			if !strings.Contains(g, "rcSDKGoroutines") {
				out = append(out, g)
			}
		}
	}
	return out
}

// TestDestroyStopsEverything: when Destroy returns, no goroutine of the
// SDK is left, whether it was connected, reconnecting, or already ended
// by the server.
func TestDestroyStopsEverything(t *testing.T) {
	rcLeakCheck(t)
	srv := parleytest.NewServer(t)
	check := func(t *testing.T, sdk *customer.SDK) {
		t.Helper()
		sdk.Destroy()
		// A goroutine that has just handed over its result may take a
		// moment to return; the handler below takes a second.
		deadline := time.Now().Add(200 * time.Millisecond)
		for {
			gs := rcSDKGoroutines()
			if len(gs) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d goroutines of the SDK after Destroy:\n%s", len(gs), strings.Join(gs, "\n\n"))
			}
			time.Sleep(time.Millisecond)
		}
	}
	t.Run("connected", func(t *testing.T) {
		sdk, rec := rcInit(t, srv)
		rcWait[customer.Connected](t, rec, 0)
		chat := rcStartChat(t, sdk, "hello")
		sdk.SetSneakPeek(chat.ID, "typing")
		check(t, sdk)
	})
	t.Run("reconnecting", func(t *testing.T) {
		sdk, rec := rcInit(t, srv)
		rcWait[customer.Connected](t, rec, 0)
		srv.PauseListener(parleytest.CustomerConns)
		srv.DropConnections(parleytest.CustomerConns)
		rcWait[customer.ConnectionLost](t, rec, 0)
		check(t, sdk)
		srv.ResumeListener()
	})
	t.Run("final", func(t *testing.T) {
		sdk, rec := rcInit(t, srv)
		rcWait[customer.Connected](t, rec, 0)
		// Destroy right as a slow handler gets the final Disconnected.
		seen := make(chan struct{})
		customer.On(sdk, func(customer.Disconnected) {
			close(seen)
			time.Sleep(time.Second)
		})
		if err := srv.BanCustomer(sdk.CustomerID()); err != nil {
			t.Fatal(err)
		}
		<-seen
		check(t, sdk)
	})
}

// TestInitWhileServerDown: Init returns at once and keeps trying in the
// background; a request made meanwhile waits for the first login, which
// emits Connected (not ConnectionRestored) and no ConnectionLost.
func TestInitWhileServerDown(t *testing.T) {
	rcLeakCheck(t)
	srv := parleytest.NewServer(t)
	srv.PauseListener()
	t0 := time.Now()
	sdk, rec := rcInit(t, srv)
	if d := time.Since(t0); d > time.Second {
		t.Fatalf("Init took %v with the server down", d)
	}
	done := make(chan error, 1)
	go func() {
		_, err := sdk.GetChatsSummary(rcCtx(t, 15*time.Second), customer.Pagination{})
		done <- err
	}()
	time.Sleep(200 * time.Millisecond) // several failed attempts
	if st := sdk.State(); st == customer.StateConnected {
		t.Fatalf("state %s with the server down", st)
	}
	srv.ResumeListener()
	if err := <-done; err != nil {
		t.Fatalf("a request made before the first connection: %v", err)
	}
	rcWait[customer.Connected](t, rec, 0)
	for _, n := range rec.list() {
		switch n.(type) {
		case customer.ConnectionLost, customer.ConnectionRestored:
			t.Fatalf("got %s before the first connection: %s", n.Name(), rcNames(rec.list()))
		}
	}
}

// TestReconnectingReportsAttempts: while the server is unreachable every
// attempt is announced with its number, its wait and why the one before
// failed; a login resets the count.
func TestReconnectingReportsAttempts(t *testing.T) {
	rcLeakCheck(t)
	srv := parleytest.NewServer(t)
	sdk, rec := rcInit(t, srv)
	rcWait[customer.Connected](t, rec, 0)

	srv.PauseListener(parleytest.CustomerConns)
	srv.DropConnections(parleytest.CustomerConns)
	_, iLost := rcWait[customer.ConnectionLost](t, rec, 0)
	from := iLost
	for want := 1; want <= 3; want++ {
		r, i := rcWait[customer.Reconnecting](t, rec, from)
		if r.Attempt != want || r.Delay != rcFastDelay(want) || r.Err == nil {
			t.Fatalf("reconnecting %+v, want attempt %d after %v with its cause", r, want, rcFastDelay(want))
		}
		if i < iLost {
			t.Fatal("Reconnecting before ConnectionLost")
		}
		from = i + 1
	}
	srv.ResumeListener()
	_, iBack := rcWait[customer.ConnectionRestored](t, rec, from)
	if st := sdk.State(); st != customer.StateConnected {
		t.Fatalf("state %s after ConnectionRestored", st)
	}

	srv.DropConnections(parleytest.CustomerConns)
	if r, _ := rcWait[customer.Reconnecting](t, rec, iBack); r.Attempt != 1 {
		t.Fatalf("first attempt after a login is number %d, want 1", r.Attempt)
	}
	rcWait[customer.ConnectionRestored](t, rec, iBack+1)
}
