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
// above its limit, no chat gets two agents (of the two nodes assigning a
// chat, one wins and the other fails with chat.ErrHasAgent), the other
// chats are queued, and the queue is served first in, first out whichever
// node asks.
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
		outcomes = map[string][]string{} // per chat: "assigned", "taken" or "queued"
	)
	for _, c := range chats {
		// Each chat is assigned by both nodes at once: one gives it an
		// agent and the other finds it taken, or both queue it.
		for _, r := range cl.nodes {
			wg.Go(func() {
				ag, ok, err := r.Assign(cl.Ctx, c, nil)
				outcome := "queued"
				switch {
				case ok:
					outcome = "assigned"
				case errors.Is(err, chat.ErrHasAgent):
					outcome = "taken"
				case err != nil:
					t.Errorf("Assign %s: %v", c.ID, err)
				}
				mu.Lock()
				defer mu.Unlock()
				outcomes[c.ID] = append(outcomes[c.ID], outcome)
				if ok {
					assigned[ag.ID]++
				}
			})
		}
	}
	wg.Wait()
	for id, o := range outcomes {
		slices.Sort(o)
		if !slices.Equal(o, []string{"assigned", "taken"}) && !slices.Equal(o, []string{"queued", "queued"}) {
			t.Errorf("chat %s assigned by two nodes at once: %v, want one assigned and one taken, or both queued", id, o)
		}
	}
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

// TestRouterNodeDies: the connections of a node that stops renewing its
// leases expire after the lease; the agent then has its grace period, and
// a node's ExpireGrace sets it offline once. An agent connected on a live
// node too keeps being given chats.
func TestRouterNodeDies(t *testing.T) {
	const lease = 10 * time.Second
	cl := newCluster(t, 2, lease)
	const license = routertest.License
	n1, n2 := cl.nodes[0], cl.nodes[1]
	for _, id := range []string{"a@x", "b@x"} {
		cl.Must(cl.Store.PutAgent(cl.Ctx, chat.Agent{ID: id, LicenseID: license, MaxChats: 5}), "PutAgent")
		_, _, err := n2.Connect(cl.Ctx, license, id)
		cl.Must(err, "Connect")
	}
	_, _, err := n1.Connect(cl.Ctx, license, "b@x")
	cl.Must(err, "Connect")
	// n2 dies: only n1 renews its leases.
	for range 3 {
		cl.Clock.Add(lease / 2)
		got, err := n1.ExpireGrace(cl.Ctx)
		cl.Must(err, "ExpireGrace")
		if len(got) != 0 {
			t.Fatalf("ExpireGrace within the grace period: %v", got)
		}
	}
	// a's only connection has expired: it is not given chats, though still
	// accepting during its grace period; b is, through its n1 connection.
	if st, _ := n1.Status(cl.Ctx, license, "a@x"); st != chat.Accepting {
		t.Errorf("status of a within its grace period: %s", st)
	}
	for range 2 {
		ag, ok, err := n1.Assign(cl.Ctx, cl.Chat(), nil)
		if err != nil || !ok || ag.ID != "b@x" {
			t.Errorf("Assign after n2 died: %s %v %v, want b@x", ag.ID, ok, err)
		}
	}
	// The grace period counts from the end of the lease (at 10s): n1,
	// renewing its leases, finds nothing to expire until 70s.
	for range 10 {
		cl.Clock.Add(lease / 2)
		cl.Must(n1.Renew(cl.Ctx), "Renew")
	}
	cl.Clock.Add(lease/2 - time.Nanosecond)
	if got, _ := n1.ExpireGrace(cl.Ctx); len(got) != 0 {
		t.Errorf("ExpireGrace before the grace period after the lease: %v", got)
	}
	cl.Clock.Add(time.Nanosecond)
	got, err := n1.ExpireGrace(cl.Ctx)
	cl.Must(err, "ExpireGrace")
	if len(got) != 1 || got[0] != (chat.AgentRef{LicenseID: license, ID: "a@x"}) {
		t.Errorf("ExpireGrace after the grace period: %v, want a@x", got)
	}
	if got, _ := n2.ExpireGrace(cl.Ctx); len(got) != 0 {
		t.Errorf("ExpireGrace on the other node: %v, want nothing", got)
	}
	if st, _ := n1.Status(cl.Ctx, license, "b@x"); st != chat.Accepting {
		t.Errorf("status of b, connected on n1: %s", st)
	}
	// n2 restarts under its name: its old connections are gone, and
	// a login there counts one connection.
	cl.Must(n2.Start(cl.Ctx), "Start")
	if st, changed, err := n2.Connect(cl.Ctx, license, "a@x"); err != nil || st != chat.Accepting || !changed {
		t.Errorf("Connect after going offline: %s %v %v", st, changed, err)
	}
	cl.Must(n2.Disconnect(cl.Ctx, license, "a@x"), "Disconnect")
	var expired []chat.AgentRef
	for range 12 {
		cl.Clock.Add(lease / 2)
		cl.Must(n1.Renew(cl.Ctx), "Renew")
		got, err := n2.ExpireGrace(cl.Ctx)
		cl.Must(err, "ExpireGrace")
		expired = append(expired, got...)
	}
	if len(expired) != 1 || expired[0].ID != "a@x" {
		t.Errorf("expired a grace period after a's one connection on n2 ended: %v, want a@x", expired)
	}
}

// TestRouterStartQueues: Start queues the active chats without an agent
// that the queue lacks, and counts the agents of active chats as just
// disconnected.
func TestRouterStartQueues(t *testing.T) {
	cl := newCluster(t, 1, 0)
	const license = routertest.License
	cl.Must(cl.Store.PutAgent(cl.Ctx, chat.Agent{ID: "a@x", LicenseID: license, MaxChats: 1}), "PutAgent")
	first := cl.Chat()
	cl.Clock.Add(time.Second)
	second := cl.Chat()
	cl.Must(cl.Store.AddChatUser(cl.Ctx, second.ID, chat.User{ID: "a@x", Type: chat.UserAgent, Present: true}), "AddChatUser")
	third := cl.Chat()
	r, err := NewRouter(cl.stores[0], RouterConfig{GracePeriod: time.Minute, Now: cl.Clock.Now, Node: "n9"})
	cl.Must(err, "NewRouter")
	cl.Must(r.Start(cl.Ctx), "Start")
	for i, c := range []chat.Chat{first, third} {
		q, err := r.QueuePosition(cl.Ctx, c)
		if err != nil || q.Position != i+1 {
			t.Errorf("position of %s: %+v %v, want %d", c.ID, q, err, i+1)
		}
	}
	if st, _ := r.Status(cl.Ctx, license, "a@x"); st != chat.Accepting {
		t.Errorf("agent of an active chat after Start: %s, want accepting", st)
	}
	cl.Clock.Add(time.Minute)
	if got, _ := r.ExpireGrace(cl.Ctx); len(got) != 1 || got[0].ID != "a@x" {
		t.Errorf("ExpireGrace a grace period after Start: %v", got)
	}
}
