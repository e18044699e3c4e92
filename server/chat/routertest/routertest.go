package routertest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// License is the id of the license the suite stores.
const License = 1

// NewRouter returns a Router, not started, on a fresh Store of its own,
// with the grace period and the clock given; the Router reads the time
// only from now.
type NewRouter func(t *testing.T, grace time.Duration, now func() time.Time) (chat.Router, chat.Store)

// Run runs the contract suite against the routers newRouter makes, one
// per scenario.
func Run(t *testing.T, newRouter NewRouter) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, *Env)
	}{
		{"Grace", testGrace},
		{"Queue", testQueue},
		{"QueuePositions", testQueuePositions},
		{"GroupsStatusKept", testGroupsStatusKept},
		{"ConcurrentAssign", testConcurrentAssign},
		{"AssignTaken", testAssignTaken},
		{"Disabled", testDisabled},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, New(t, time.Minute, newRouter)) })
	}
}

// Clock is a fake clock moved by hand.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Env is a started Router under test on a store of its own.
type Env struct {
	T      *testing.T
	Ctx    context.Context
	Store  chat.Store
	Clock  *Clock
	Router chat.Router
	chats  int
}

// New stores License in a fresh Store, makes a Router on it with the grace
// period and a fake clock, and starts it.
func New(t *testing.T, grace time.Duration, newRouter NewRouter) *Env {
	t.Helper()
	ctx := context.Background()
	c := &Clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r, st := newRouter(t, grace, c.Now)
	if err := st.PutLicense(ctx, chat.License{ID: License, Name: "Shop"}); err != nil {
		t.Fatalf("PutLicense: %v", err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return &Env{T: t, Ctx: ctx, Store: st, Clock: c, Router: r}
}

// Must fails the test when err is not nil.
func (e *Env) Must(err error, what string) {
	e.T.Helper()
	if err != nil {
		e.T.Fatalf("%s: %v", what, err)
	}
}

// Agent stores an agent and connects it.
func (e *Env) Agent(id string, maxChats int) {
	e.T.Helper()
	e.Must(e.Store.PutAgent(e.Ctx, chat.Agent{ID: id, LicenseID: License, MaxChats: maxChats}), "PutAgent")
	_, _, err := e.Router.Connect(e.Ctx, License, id)
	e.Must(err, "Connect")
}

// Chat stores an active chat without an agent.
func (e *Env) Chat() chat.Chat {
	e.T.Helper()
	e.chats++
	cu := fmt.Sprintf("cu%d", e.chats)
	e.Must(e.Store.CreateCustomer(e.Ctx, chat.Customer{ID: cu, LicenseID: License}), "CreateCustomer")
	c, _, err := e.Store.CreateChat(e.Ctx, chat.NewChat{
		Chat:   chat.Chat{ID: fmt.Sprintf("C%03d", e.chats), LicenseID: License, CustomerID: cu, Users: []chat.User{{ID: cu, Type: chat.UserCustomer, Present: true}}},
		Thread: chat.Thread{ID: fmt.Sprintf("T%03d", e.chats)},
	})
	e.Must(err, "CreateChat")
	return c
}
