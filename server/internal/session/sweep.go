package session

import (
	"context"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/internal/transport"
)

// sweepInterval is how often the hub's sweeper checks every session's
// deadlines: a deadline is enforced at most this late.
const sweepInterval = time.Second

// The hub runs one sweeper for all of the node's sessions, instead of a
// timer per connection: once a second it checks each session's login
// deadline, idle timeout and token expiry, and starts the periodic
// revocation check of agent tokens. It runs while the hub has sessions.

// startSweeper starts the sweeper if it is not running. The caller holds
// h.mu.
func (h *Hub) startSweeper() {
	if h.sweepStop != nil {
		return
	}
	stop := make(chan struct{})
	h.sweepStop = stop
	go h.sweep(stop)
}

// stopSweeper stops the sweeper if it runs. The caller holds h.mu.
func (h *Hub) stopSweeper() {
	if h.sweepStop != nil {
		close(h.sweepStop)
		h.sweepStop = nil
	}
}

func (h *Hub) sweep(stop chan struct{}) {
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	var batch []*session
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		// Check outside the lock: connections come and go meanwhile.
		h.mu.Lock()
		batch = batch[:0]
		for s := range h.sessions {
			batch = append(batch, s)
		}
		h.mu.Unlock()
		for _, s := range batch {
			s.checkDeadlines()
		}
		clear(batch)
		if cap(batch) > 2*len(batch)+64 {
			batch = nil
		}
	}
}

// keepAlive pings a v3.5 client that has been silent for a third of the idle
// timeout: the JS SDK 4 sends no pings, but its browser answers WebSocket
// pings, and the pong counts as activity. One ping at a time; it waits
// for the pong at most a third of the idle timeout, on a goroutine of its own,
// so as not to hold up the sweep.
func (s *session) keepAlive() {
	p, ok := s.conn.(transport.Pinger)
	if !ok || !s.pinging.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer s.pinging.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), s.srv.cfg.IdleTimeout/3)
		defer cancel()
		if p.Ping(ctx) == nil {
			s.touch()
		}
	}()
}

// checkDeadlines closes the session when a deadline has passed: the login
// deadline, the idle timeout, its token's expiry; for agents it starts the
// periodic revocation check. Only the sweeper calls it.
func (s *session) checkDeadlines() {
	if s.swept {
		return
	}
	cfg := s.srv.cfg
	now := cfg.Now()
	loggedIn := s.loggedIn.Load()
	if s.info.Dialect == DialectV35 && now.Sub(time.Unix(0, s.lastRead.Load())) > cfg.IdleTimeout/3 {
		s.keepAlive()
	}
	var reason, msg string
	switch {
	case !loggedIn && now.Sub(s.start) > cfg.LoginTimeout:
		reason, msg = protocol.ReasonConnectionTimeout, "closing: no login in time"
	case now.Sub(time.Unix(0, s.lastRead.Load())) > cfg.IdleTimeout:
		reason, msg = protocol.ReasonPingTimeout, "closing: idle"
	case loggedIn && now.UnixNano() > s.expires.Load():
		reason, msg = protocol.ReasonAccessTokenExpired, "closing: access token expired"
	case s.role == chat.UserAgent && loggedIn:
		if s.lastRevokeChk.IsZero() {
			s.lastRevokeChk = s.start
		}
		if now.Sub(s.lastRevokeChk) >= cfg.RevocationCheck && s.revoking.CompareAndSwap(false, true) {
			s.lastRevokeChk = now
			// The check reads the store: do not hold up the sweep.
			go func() {
				defer s.revoking.Store(false)
				s.checkRevoked()
			}()
		}
		return
	default:
		return
	}
	s.swept = true
	s.log().Info(msg)
	s.disconnect(reason, transport.ClosePolicy)
}
