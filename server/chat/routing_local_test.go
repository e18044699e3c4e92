package chat_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/sqlite"
)

// clock is a fake clock moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// routerEnv is a Router under test on a store of its own.
type routerEnv struct {
	t     *testing.T
	ctx   context.Context
	store chat.Store
	clock *clock
	r     chat.Router
	chats int
}

// newRouterEnv returns a LocalRouter with the grace period on a fresh
// store and a fake clock. The tests below are the Router contract: a
// shared Router can run them by building itself here.
func newRouterEnv(t *testing.T, grace time.Duration) *routerEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.PutLicense(ctx, chat.License{ID: license, Name: "Shop"}); err != nil {
		t.Fatalf("PutLicense: %v", err)
	}
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r, err := chat.NewLocalRouter(chat.LocalRouterConfig{Store: st, GracePeriod: grace, Now: c.Now})
	if err != nil {
		t.Fatalf("NewLocalRouter: %v", err)
	}
	if err := r.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return &routerEnv{t: t, ctx: ctx, store: st, clock: c, r: r}
}

func (e *routerEnv) must(err error, what string) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// agent stores an agent and connects it.
func (e *routerEnv) agent(id string, maxChats int) {
	e.t.Helper()
	e.must(e.store.PutAgent(e.ctx, chat.Agent{ID: id, LicenseID: license, MaxChats: maxChats}), "PutAgent")
	_, _, err := e.r.Connect(e.ctx, license, id)
	e.must(err, "Connect")
}

// chat stores an active chat without an agent.
func (e *routerEnv) chat() chat.Chat {
	e.t.Helper()
	e.chats++
	cu := fmt.Sprintf("cu%d", e.chats)
	e.must(e.store.CreateCustomer(e.ctx, chat.Customer{ID: cu, LicenseID: license}), "CreateCustomer")
	c, _, err := e.store.CreateChat(e.ctx, chat.NewChat{
		Chat:   chat.Chat{ID: fmt.Sprintf("C%03d", e.chats), LicenseID: license, CustomerID: cu, Users: []chat.User{{ID: cu, Type: chat.UserCustomer, Present: true}}},
		Thread: chat.Thread{ID: fmt.Sprintf("T%03d", e.chats)},
	})
	e.must(err, "CreateChat")
	return c
}

func TestLocalRouterGrace(t *testing.T) {
	e := newRouterEnv(t, time.Minute)
	e.agent("a@x", 1)
	e.must(e.r.Disconnect(e.ctx, license, "a@x"), "Disconnect")
	e.clock.Add(time.Minute - time.Nanosecond)
	if got, err := e.r.ExpireGrace(e.ctx); err != nil || len(got) != 0 {
		t.Errorf("ExpireGrace within the grace period: %v, %v", got, err)
	}
	if st, _ := e.r.Status(e.ctx, license, "a@x"); st != chat.Accepting {
		t.Errorf("status within the grace period: %s", st)
	}
	// Not connected: no chat for it, though it is still accepting.
	if _, ok, _ := e.r.Assign(e.ctx, e.chat(), nil); ok {
		t.Error("Assign to an agent without a connection")
	}
	e.clock.Add(time.Nanosecond)
	got, err := e.r.ExpireGrace(e.ctx)
	if err != nil || len(got) != 1 || got[0] != (chat.AgentRef{LicenseID: license, ID: "a@x"}) {
		t.Errorf("ExpireGrace after the grace period: %v, %v", got, err)
	}
	if got, _ := e.r.ExpireGrace(e.ctx); len(got) != 0 {
		t.Errorf("ExpireGrace again: %v, want nothing", got)
	}
	if st, _ := e.r.Status(e.ctx, license, "a@x"); st != chat.Offline {
		t.Errorf("status after the grace period: %s", st)
	}
	if st, changed, _ := e.r.Connect(e.ctx, license, "a@x"); st != chat.Accepting || !changed {
		t.Errorf("Connect after going offline: %s, changed %v", st, changed)
	}
}

func TestLocalRouterQueue(t *testing.T) {
	e := newRouterEnv(t, time.Minute)
	e.agent("a@x", 1)
	first := e.chat()
	if ag, ok, err := e.r.Assign(e.ctx, first, nil); err != nil || !ok || ag.ID != "a@x" {
		t.Fatalf("Assign: %v %v %v", ag.ID, ok, err)
	}
	var queued []chat.Chat
	for range 3 {
		e.clock.Add(time.Second)
		c := e.chat()
		if _, ok, err := e.r.Assign(e.ctx, c, nil); ok || err != nil {
			t.Fatalf("Assign over the limit: %v %v", ok, err)
		}
		queued = append(queued, c)
	}
	for i, c := range queued {
		q, err := e.r.QueuePosition(e.ctx, c)
		e.must(err, "QueuePosition")
		if q.Position != i+1 {
			t.Errorf("position of queued chat %d: %d", i, q.Position)
		}
	}
	if _, ok, _ := e.r.NextQueued(e.ctx); ok {
		t.Error("NextQueued with every agent full")
	}
	e.must(e.store.PutAgent(e.ctx, chat.Agent{ID: "a@x", LicenseID: license, MaxChats: 2}), "PutAgent")
	if id, ok, _ := e.r.NextQueued(e.ctx); !ok || id != queued[0].ID {
		t.Errorf("NextQueued after raising the limit: %s %v, want %s", id, ok, queued[0].ID)
	}
	e.must(e.r.Dequeue(e.ctx, queued[0].ID), "Dequeue")
	if id, _, _ := e.r.NextQueued(e.ctx); id != queued[1].ID {
		t.Errorf("NextQueued after Dequeue: %s, want %s", id, queued[1].ID)
	}
	if q, _ := e.r.QueuePosition(e.ctx, queued[2]); q.Position != 2 {
		t.Errorf("position after Dequeue: %d, want 2", q.Position)
	}
}

// GroupsStatus reuses the loads it read for a second: an agent filled
// up by a join shows within that time, one filled up by the router's own
// assignment at once.
func TestLocalRouterGroupsStatusKept(t *testing.T) {
	e := newRouterEnv(t, time.Minute)
	e.agent("a@x", 1)
	status := func() chat.GroupStatus {
		t.Helper()
		st, err := e.r.GroupsStatus(e.ctx, license, []int{0})
		e.must(err, "GroupsStatus")
		return st[0]
	}
	if got := status(); got != chat.GroupOnline {
		t.Fatalf("free agent: %s, want online", got)
	}
	// The agent joins a chat outside the router: its load is 1 of 1.
	c := e.chat()
	e.must(e.store.AddChatUser(e.ctx, c.ID, chat.User{ID: "a@x", Type: chat.UserAgent, Present: true}), "AddChatUser")
	if got := status(); got != chat.GroupOnline {
		t.Errorf("within a second of the last read: %s, want the kept online", got)
	}
	e.clock.Add(time.Second)
	if got := status(); got != chat.GroupOnlineForQueue {
		t.Errorf("a second later: %s, want online_for_queue", got)
	}

	// A second agent, free; the router's assignment fills it.
	e.agent("b@x", 1)
	e.clock.Add(time.Second)
	if got := status(); got != chat.GroupOnline {
		t.Fatalf("with b free: %s, want online", got)
	}
	if ag, ok, err := e.r.Assign(e.ctx, e.chat(), nil); err != nil || !ok || ag.ID != "b@x" {
		t.Fatalf("Assign: %v %v %v", ag.ID, ok, err)
	}
	if got := status(); got != chat.GroupOnlineForQueue {
		t.Errorf("right after the assignment: %s, want online_for_queue", got)
	}
}

// TestLocalRouterConcurrentAssign: concurrent assignments never take an
// agent over its limit.
func TestLocalRouterConcurrentAssign(t *testing.T) {
	e := newRouterEnv(t, time.Minute)
	e.agent("a@x", 3)
	e.agent("b@x", 2)
	chats := make([]chat.Chat, 10)
	for i := range chats {
		chats[i] = e.chat()
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		assigned = map[string]int{}
	)
	for _, c := range chats {
		wg.Go(func() {
			ag, ok, err := e.r.Assign(e.ctx, c, nil)
			if err != nil {
				t.Errorf("Assign: %v", err)
			}
			if ok {
				mu.Lock()
				assigned[ag.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if assigned["a@x"] != 3 || assigned["b@x"] != 2 {
		t.Errorf("assigned %v, want a@x 3 and b@x 2", assigned)
	}
	loads, err := e.store.AgentLoads(e.ctx, license)
	e.must(err, "AgentLoads")
	if loads["a@x"] != 3 || loads["b@x"] != 2 {
		t.Errorf("loads %v, want a@x 3 and b@x 2", loads)
	}
	infos, err := e.r.Agents(e.ctx, license)
	e.must(err, "Agents")
	if len(infos) != 2 || infos[0].ActiveChats != 3 || infos[1].ActiveChats != 2 {
		t.Errorf("Agents: %+v", infos)
	}
}

// TestConfigRouter: a Router given in Config is the one the Service uses.
func TestConfigRouter(t *testing.T) {
	e := newRouterEnv(t, time.Minute)
	counting := &countingRouter{Router: e.r}
	svc, err := chat.NewService(chat.Config{Store: e.store, Router: counting})
	e.must(err, "NewService")
	e.agent("a@x", 1)
	_, err = svc.LoginCustomer(e.ctx, license, "cu", chat.LoginInfo{})
	e.must(err, "LoginCustomer")
	cu := chat.Actor{LicenseID: license, UserID: "cu", Type: chat.UserCustomer}
	_, _, err = svc.StartChat(e.ctx, cu, chat.StartChat{})
	e.must(err, "StartChat")
	if counting.assigns != 1 {
		t.Errorf("Assign calls: %d, want 1", counting.assigns)
	}
}

type countingRouter struct {
	chat.Router
	assigns int
}

func (r *countingRouter) Assign(ctx context.Context, c chat.Chat, exclude []string) (chat.Agent, bool, error) {
	r.assigns++
	return r.Router.Assign(ctx, c, exclude)
}
