package customer_test

// The API tests of the Customer SDK run against a real server in-process
// (parleytest), over real sockets. This file holds TestMain and what the
// tests share: starting an SDK, recording what it emits, and waiting for
// it. The helpers are prefixed with t (tInit, tRecorder, tWait, …); the
// test-only agent is in agent_test.go.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
)

// TestMain fails the package when a test, an example or a benchmark leaves
// a goroutine behind. It must stay the package's only TestMain.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(tMain{m})
}

// tMain runs the tests, then closes the shared server.
type tMain struct{ m *testing.M }

func (w tMain) Run() int {
	code := w.m.Run()
	if tShared.srv != nil {
		tShared.srv.Close()
	}
	return code
}

// tShared is one server for the parallel tests that need no agent and read
// nothing server-wide (presence, routing, metrics): each of them is a
// customer of its own. Starting a server takes seconds under -race. Tests
// with an agent start their own (parleytest.NewServer).
var tShared struct {
	once sync.Once
	srv  *parleytest.Server
	err  error
}

// tSharedServer returns the shared server, started at the first call.
func tSharedServer(t testing.TB) *parleytest.Server {
	t.Helper()
	tShared.once.Do(func() { tShared.srv, tShared.err = parleytest.Start() })
	if tShared.err != nil {
		t.Fatal(tShared.err)
	}
	return tShared.srv
}

// tTimeout only keeps a broken test from hanging: every wait ends as soon
// as what it waits for has happened.
const tTimeout = 20 * time.Second

// tCtx is a context for one call or a few, ended when the test ends.
func tCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), tTimeout)
	t.Cleanup(cancel)
	return ctx
}

// tConfig is the configuration of an SDK for srv, a new customer.
func tConfig(srv *parleytest.Server) customer.Config {
	return customer.Config{License: srv.License, ClientID: srv.ClientID, Server: srv.URL, Identity: customer.MemoryStore(),
		ReconnectDelay: func(int) time.Duration { return 20 * time.Millisecond }}
}

// tInit starts an SDK for srv with a recorder of everything it emits; the
// SDK is destroyed when the test ends. The recorder is subscribed before
// the SDK connects, so it sees every notification. Unless a change sets
// ManualConnect, tInit connects and waits for Connected.
func tInit(t testing.TB, srv *parleytest.Server, change ...func(*customer.Config)) (*customer.SDK, *tRecorder) {
	t.Helper()
	cfg := tConfig(srv)
	for _, c := range change {
		c(&cfg)
	}
	manual := cfg.ManualConnect
	cfg.ManualConnect = true
	sdk, err := customer.Init(cfg)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	t.Cleanup(sdk.Destroy)
	rec := tRecord(sdk)
	if !manual {
		if err := sdk.Connect(); err != nil {
			t.Fatalf("Connect: %v", err)
		}
		tWait[customer.Connected](t, rec, nil)
	}
	return sdk, rec
}

// tRecorder keeps every notification of an SDK, in the order its handlers
// saw them.
type tRecorder struct {
	mu      sync.Mutex
	all     []customer.Notification
	changed chan struct{} // closed and replaced on every notification
}

// tRecord subscribes a new recorder to every notification of sdk.
func tRecord(sdk *customer.SDK) *tRecorder {
	r := &tRecorder{changed: make(chan struct{})}
	sdk.On("*", r.add)
	return r
}

func (r *tRecorder) add(n customer.Notification) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.all = append(r.all, n)
	close(r.changed)
	r.changed = make(chan struct{})
}

// list returns the notifications so far and a channel closed at the next.
func (r *tRecorder) list() ([]customer.Notification, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.all), r.changed
}

// len returns how many notifications were recorded.
func (r *tRecorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.all)
}

// waitIndex returns the index of the first notification at or after from
// for which ok is true, waiting for it up to tTimeout.
func (r *tRecorder) waitIndex(t testing.TB, from int, what string, ok func(customer.Notification) bool) int {
	t.Helper()
	timeout := time.NewTimer(tTimeout)
	defer timeout.Stop()
	for {
		all, changed := r.list()
		for i := from; i < len(all); i++ {
			if ok(all[i]) {
				return i
			}
		}
		select {
		case <-changed:
		case <-timeout.C:
			t.Fatalf("no %s after notification %d; got: %s", what, from, tNames(all[min(from, len(all)):]))
		}
	}
}

// tWait waits for the first notification of type T for which ok is true
// (nil: any) and returns it.
func tWait[T customer.Notification](t testing.TB, r *tRecorder, ok func(T) bool) T {
	t.Helper()
	n, _ := tWaitFrom(t, r, 0, ok)
	return n
}

// tWaitFrom is tWait from the notification at index from on; it also
// returns the index of the one found.
func tWaitFrom[T customer.Notification](t testing.TB, r *tRecorder, from int, ok func(T) bool) (T, int) {
	t.Helper()
	var zero T
	i := r.waitIndex(t, from, fmt.Sprintf("%T", zero), func(n customer.Notification) bool {
		x, is := n.(T)
		return is && (ok == nil || ok(x))
	})
	all, _ := r.list()
	return all[i].(T), i
}

// tOf returns the recorded notifications of type T.
func tOf[T customer.Notification](r *tRecorder) []T {
	all, _ := r.list()
	var out []T
	for _, n := range all {
		if x, ok := n.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

// tNames lists notifications by name, for failure messages.
func tNames(ns []customer.Notification) string {
	var b strings.Builder
	for i, n := range ns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(n.Name())
		if e, ok := n.(customer.NewEvent); ok {
			fmt.Fprintf(&b, "(%s %q)", e.Event.Type, e.Event.Text)
		}
	}
	return "[" + b.String() + "]"
}

// tText is the text of a message notification ("" for anything else).
func tText(n customer.Notification) string {
	if e, ok := n.(customer.NewEvent); ok {
		return e.Event.Text
	}
	return ""
}

// tStartChat starts a chat whose first message is text.
func tStartChat(t testing.TB, sdk *customer.SDK, text string) customer.Chat {
	t.Helper()
	c, err := sdk.StartChat(tCtx(t), customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: text}}})
	if err != nil {
		t.Fatalf("StartChat: %v", err)
	}
	return c
}

// tSend sends a message from the customer.
func tSend(t testing.TB, sdk *customer.SDK, chatID, text string) customer.Event {
	t.Helper()
	e, err := sdk.SendEvent(tCtx(t), chatID, customer.Event{Type: customer.EventMessage, Text: text})
	if err != nil {
		t.Fatalf("SendEvent %q: %v", text, err)
	}
	return e
}

// tLeakCheck fails the test if it leaves goroutines behind once its
// cleanups (the server's shutdown included) have run. Call it first; the
// test must not be parallel.
func tLeakCheck(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// tEventually waits up to tTimeout for cond.
func tEventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(tTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
