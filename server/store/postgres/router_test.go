package postgres

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/chat/routertest"
)

// newTestRouter returns a Router on a fresh database.
func newTestRouter(t *testing.T, grace time.Duration, now func() time.Time) (chat.Router, chat.Store) {
	t.Helper()
	s := open(t, testDB(t, true))
	r, err := NewRouter(s, RouterConfig{GracePeriod: grace, Now: now, Node: "n1"})
	if err != nil {
		t.Fatalf("NewRouter: %v", err)
	}
	return r, s
}

// TestRouter runs the Router contract.
func TestRouter(t *testing.T) {
	routertest.Run(t, newTestRouter)
}

// cluster is a database shared by several nodes, each with its own pool
// and Router, on one fake clock.
type cluster struct {
	*routertest.Env
	nodes  []*Router
	stores []*Store
}

func newCluster(t *testing.T, nodes int, lease time.Duration) *cluster {
	t.Helper()
	db := testDB(t, true)
	cl := &cluster{}
	cl.Env = routertest.New(t, time.Minute, func(t *testing.T, grace time.Duration, now func() time.Time) (chat.Router, chat.Store) {
		for i := range nodes {
			s := open(t, db)
			r, err := NewRouter(s, RouterConfig{GracePeriod: grace, Now: now, Node: fmt.Sprintf("n%d", i+1), Lease: lease})
			if err != nil {
				t.Fatalf("NewRouter: %v", err)
			}
			cl.nodes = append(cl.nodes, r)
			cl.stores = append(cl.stores, s)
		}
		return cl.nodes[0], cl.stores[0]
	})
	for _, r := range cl.nodes[1:] {
		cl.Must(r.Start(cl.Ctx), "Start")
	}
	return cl
}

// TestRouterNodesAssign: four agents (two chats each) connected on two
// nodes, twenty chats assigned at once from both nodes. No agent goes
// above its limit, no chat gets two agents, the other chats are queued,
// and the queue is served first in, first out whichever node asks.
func TestRouterNodesAssign(t *testing.T) {
	cl := newCluster(t, 2, 0)
	const license = routertest.License
	for i, id := range []string{"a@x", "b@x", "c@x", "d@x"} {
		cl.Must(cl.Store.PutAgent(cl.Ctx, chat.Agent{ID: id, LicenseID: license, MaxChats: 2}), "PutAgent")
		_, _, err := cl.nodes[i%2].Connect(cl.Ctx, license, id)
		cl.Must(err, "Connect")
	}
	chats := make([]chat.Chat, 20)
	for i := range chats {
		chats[i] = cl.Chat()
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		assigned = map[string]int{}
	)
	for _, c := range chats {
		// Each chat is assigned by both nodes at once: one gives it an
		// agent, the other finds it taken or queues it.
		for _, r := range cl.nodes {
			wg.Go(func() {
				ag, ok, err := r.Assign(cl.Ctx, c, nil)
				if err != nil && !isHasAgent(err) {
					t.Errorf("Assign %s: %v", c.ID, err)
				}
				mu.Lock()
				defer mu.Unlock()
				if ok {
					assigned[ag.ID]++
				}
			})
		}
	}
	wg.Wait()
	total := 0
	for id, n := range assigned {
		if n > 2 {
			t.Errorf("agent %s assigned %d chats, limit 2", id, n)
		}
		total += n
	}
	if total != 8 {
		t.Errorf("%d assignments (%v), want 8: four agents of two chats", total, assigned)
	}
	loads, err := cl.Store.AgentLoads(cl.Ctx, license)
	cl.Must(err, "AgentLoads")
	for _, id := range []string{"a@x", "b@x", "c@x", "d@x"} {
		if loads[id] != 2 {
			t.Errorf("load of %s: %d, want 2 (%v)", id, loads[id], loads)
		}
	}
	var waiting []chat.Chat
	for _, c := range chats {
		got, err := cl.Store.Chat(cl.Ctx, c.ID)
		cl.Must(err, "Chat")
		agents := 0
		for _, u := range got.Users {
			if u.Type == chat.UserAgent && u.Present {
				agents++
			}
		}
		switch agents {
		case 0:
			waiting = append(waiting, c)
		case 1:
		default:
			t.Errorf("chat %s has %d agents", c.ID, agents)
		}
	}
	if len(waiting) != 12 {
		t.Fatalf("%d chats without an agent, want 12", len(waiting))
	}
	// The chats wait in one queue: every node sees the same positions.
	for _, c := range waiting {
		p0, err := cl.nodes[0].QueuePosition(cl.Ctx, c)
		cl.Must(err, "QueuePosition")
		p1, err := cl.nodes[1].QueuePosition(cl.Ctx, c)
		cl.Must(err, "QueuePosition")
		if p0 != p1 {
			t.Errorf("chat %s: position %+v on n1, %+v on n2", c.ID, p0, p1)
		}
	}
	// Four more chats, queued a second apart from either node, wait
	// behind the twelve (queued at one instant: by id).
	want := make([]string, 0, 16)
	for _, c := range waiting {
		want = append(want, c.ID)
	}
	slices.Sort(want)
	for i := range 4 {
		cl.Clock.Add(time.Second)
		c := cl.Chat()
		if _, ok, err := cl.nodes[i%2].Assign(cl.Ctx, c, nil); ok || err != nil {
			t.Fatalf("Assign with every agent full: %v %v", ok, err)
		}
		want = append(want, c.ID)
	}
	// Raise a's limit to take them all, and drain from both nodes in turn:
	// each takes the head of the queue.
	cl.Must(cl.Store.PutAgent(cl.Ctx, chat.Agent{ID: "a@x", LicenseID: license, MaxChats: 100}), "PutAgent")
	var order []string
	for i := range want {
		r := cl.nodes[i%2]
		id, ok, err := r.NextQueued(cl.Ctx)
		cl.Must(err, "NextQueued")
		if !ok {
			t.Fatalf("NextQueued after %d: nothing", i)
		}
		c, err := cl.Store.Chat(cl.Ctx, id)
		cl.Must(err, "Chat")
		if q, err := r.QueuePosition(cl.Ctx, c); err != nil || q.Position != 1 {
			t.Errorf("position of the next queued chat %s: %d, %v", id, q.Position, err)
		}
		ag, ok, err := r.Assign(cl.Ctx, c, nil)
		if err != nil || !ok || ag.ID != "a@x" {
			t.Fatalf("Assign queued %s: %s %v %v", id, ag.ID, ok, err)
		}
		order = append(order, id)
	}
	if !slices.Equal(order, want) {
		t.Errorf("served %v, want %v", order, want)
	}
	if id, ok, _ := cl.nodes[0].NextQueued(cl.Ctx); ok {
		t.Errorf("NextQueued with the queue served: %s", id)
	}
}

func isHasAgent(err error) bool { return errors.Is(err, errHasAgent) }
