package chat_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/parleychat/parley/server/chat"
)

const grace = 10 * time.Second

// wantStatus fails the test unless the agent's routing status is want.
func (e *env) wantStatus(a chat.Actor, want chat.RoutingStatus) {
	e.t.Helper()
	if got := e.svc.RoutingStatus(a.LicenseID, a.UserID); got != want {
		e.t.Errorf("routing status of %s: %s, want %s", a.UserID, got, want)
	}
}

// offlinePushes counts the routing_status_set pushes saying the agent went
// offline.
func offlinePushes(r *recorder, agentID string) int {
	n := 0
	for _, p := range pushes[chat.RoutingStatusSet](r) {
		if p.AgentID == agentID && p.Status == chat.Offline {
			n++
		}
	}
	return n
}

// TestGraceExpires: an agent whose connections are gone stays online with
// its chats for the grace period; then it goes offline, leaves its chats,
// and they are routed again.
func TestGraceExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, grace)
		a := e.agent("a@x", 5)
		e.connect(a)
		id := e.startChat("cu")
		e.wantAgents(id, "a@x")

		e.svc.AgentDisconnected(license, a.UserID)
		time.Sleep(grace - time.Second)
		synctest.Wait()
		e.wantStatus(a, chat.Accepting)
		e.wantAgents(id, "a@x")
		if n := offlinePushes(e.rec, a.UserID); n != 0 {
			t.Errorf("within the grace period: %d offline pushes", n)
		}

		time.Sleep(2 * time.Second)
		synctest.Wait()
		e.wantStatus(a, chat.Offline)
		e.wantAgents(id)
		if n := offlinePushes(e.rec, a.UserID); n != 1 {
			t.Errorf("after the grace period: %d offline pushes, want 1", n)
		}
		removed := pushesTo[chat.UserRemoved](e.rec, "cu")
		if len(removed) != 1 || removed[0].UserID != a.UserID {
			t.Errorf("the customer heard of %d removals, want 1 of %s", len(removed), a.UserID)
		}
		wantPositions(t, e.queuePositions(a), map[string]int{id: 1})

		// The chat goes to the next agent who comes.
		e.connect(e.agent("b@x", 5))
		e.wantAgents(id, "b@x")
	})
}

// TestGraceReconnect: an agent back within the grace period keeps its
// status and its chats.
func TestGraceReconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, grace)
		a := e.agent("a@x", 5)
		e.connect(a)
		id := e.startChat("cu")

		e.svc.AgentDisconnected(license, a.UserID)
		time.Sleep(grace - time.Second)
		if st := e.connect(a); st != chat.Accepting {
			t.Errorf("reconnected: status %s, want %s", st, chat.Accepting)
		}
		time.Sleep(3 * grace)
		synctest.Wait()
		e.wantStatus(a, chat.Accepting)
		e.wantAgents(id, "a@x")
		if n := offlinePushes(e.rec, a.UserID); n != 0 {
			t.Errorf("reconnected within the grace period: %d offline pushes", n)
		}
	})
}

// TestGraceManyConnections: the grace period starts with the last
// connection gone, not the first.
func TestGraceManyConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, grace)
		a := e.agent("a@x", 5)
		e.connect(a)
		e.connect(a)
		e.svc.AgentDisconnected(license, a.UserID)
		time.Sleep(3 * grace)
		synctest.Wait()
		e.wantStatus(a, chat.Accepting)
		e.svc.AgentDisconnected(license, a.UserID)
		time.Sleep(grace + time.Second)
		synctest.Wait()
		e.wantStatus(a, chat.Offline)
	})
}

// TestNotAcceptingRestored: a login restores the status the agent chose
// last, and going offline by hand gives its chats back to routing.
func TestNotAcceptingRestored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, grace)
		a := e.agent("a@x", 5)
		e.connect(a)
		id := e.startChat("cu")
		e.must(e.svc.SetRoutingStatus(e.ctx, a, chat.NotAccepting), "SetRoutingStatus")
		e.wantAgents(id, "a@x")
		e.must(e.svc.SetRoutingStatus(e.ctx, a, chat.Offline), "SetRoutingStatus")
		e.wantAgents(id)
		if st := e.connect(a); st != chat.NotAccepting {
			t.Errorf("login after choosing not_accepting_chats: %s", st)
		}
		e.wantAgents(id)
		if err := e.svc.SetRoutingStatus(e.ctx, a, "busy"); err == nil {
			t.Error("SetRoutingStatus(busy): no error")
		}
	})
}
