package session

import (
	"encoding/json"
	"io"
	"log/slog"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// sweepSession is a session of srv known to the hub, without a writer:
// what the sweeper queues stays in its queue.
func sweepSession(t *testing.T, srv *Server, id string) *session {
	t.Helper()
	s := testSession(srv, id, chat.UserCustomer)
	s.touch()
	if err := srv.cfg.Hub.add(s); err != nil {
		t.Fatal(err)
	}
	return s
}

// disconnectReason returns the reason of the *_disconnected push waiting
// in s's queue, "" if none.
func disconnectReason(t *testing.T, s *session) string {
	t.Helper()
	for _, m := range queued(s) {
		if m.closeCode == 0 {
			continue
		}
		var f struct {
			Payload struct {
				Reason string `json:"reason"`
			} `json:"payload"`
		}
		if err := json.Unmarshal(m.frame, &f); err != nil {
			t.Fatal(err)
		}
		return f.Payload.Reason
	}
	return ""
}

func TestSweeperDeadlines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := NewHub(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
		srv := New(Config{Hub: h, Logger: h.log, LoginTimeout: 30 * time.Second, IdleTimeout: 60 * time.Second})

		noLogin := sweepSession(t, srv, "no-login")
		idle := sweepSession(t, srv, "idle")
		idle.loggedIn.Store(true)
		idle.expires.Store(time.Now().Add(time.Hour).UnixNano())
		expiring := sweepSession(t, srv, "expiring")
		expiring.loggedIn.Store(true)
		expiring.expires.Store(time.Now().Add(45 * time.Second).UnixNano())
		busy := sweepSession(t, srv, "busy")
		busy.loggedIn.Store(true)
		busy.expires.Store(time.Now().Add(time.Hour).UnixNano())

		check := func(s *session, want string) {
			t.Helper()
			synctest.Wait() // let the sweep of this instant finish
			if got := disconnectReason(t, s); got != want {
				t.Errorf("%s: disconnected with %q, want %q", s.id, got, want)
			}
		}
		// busy keeps sending; the others say nothing.
		for range 29 {
			time.Sleep(time.Second)
			busy.touch()
		}
		check(noLogin, "")
		time.Sleep(2 * time.Second)
		busy.touch()
		check(noLogin, "connection_timeout")
		for range 15 {
			time.Sleep(time.Second)
			busy.touch()
		}
		check(expiring, "access_token_expired")
		check(idle, "")
		for range 15 {
			time.Sleep(time.Second)
			busy.touch()
		}
		check(idle, "ping_timeout")
		check(busy, "")
		// A deadline closes a session once.
		time.Sleep(5 * time.Second)
		check(noLogin, "")

		for _, s := range []*session{noLogin, idle, expiring, busy} {
			h.remove(s)
		}
		synctest.Wait()
		h.mu.Lock()
		running := h.sweepStop != nil
		h.mu.Unlock()
		if running {
			t.Error("the sweeper runs with no sessions")
		}
	})
}
