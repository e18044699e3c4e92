package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/server/broker"
)

// subscription is one Subscribe call: one nats.go asynchronous
// subscription, whose goroutine calls h for one message at a time, in
// arrival order.
type subscription struct {
	b     *Broker
	topic string
	h     func([]byte)
	ns    *nats.Subscription

	mu   sync.Mutex // held while h runs; guards done
	done bool

	reported atomic.Int64 // dropped messages already reported to OnGap
	// conn is the Broker's dial count when the subscription was made or
	// last reported a reconnect: the connection whose messages it gets.
	conn atomic.Uint64
}

// Subscribe calls h with every message published on topic, on this node or
// another, from the time the NATS server has the subscription — which is
// before Subscribe returns, unless the connection is down at the time: then
// the subscription is made when it is back, and OnGap reports the gap.
//
// h runs on the subscription's own goroutine, one message at a time, in
// the order the server delivered them. Messages wait for h in a queue
// bounded by Config.PendingMsgs and Config.PendingBytes; beyond it they are
// dropped and OnGap is called. h must not call Unsubscribe of its own
// subscription or Close, which wait for h to return.
func (b *Broker) Subscribe(ctx context.Context, topic string, h func(data []byte)) (broker.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	subj, err := subject(b.cfg.Prefix, topic)
	if err != nil {
		return nil, err
	}
	s := &subscription{b: b, topic: topic, h: h}
	b.mu.Lock()
	// Read before the subscription is made: a reconnect in between makes
	// its first message report a gap that may not be one, never the
	// reverse.
	s.conn.Store(b.dials.Load())
	if b.isClosed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	ns, err := b.nc.Subscribe(subj, s.deliver)
	if err != nil {
		b.mu.Unlock()
		if errors.Is(err, nats.ErrConnectionClosed) {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("nats: subscribe to %q: %w", topic, err)
	}
	s.ns = ns
	b.subs[ns] = s
	b.mu.Unlock()
	if err := ns.SetPendingLimits(b.cfg.PendingMsgs, b.cfg.PendingBytes); err != nil {
		s.Unsubscribe()
		return nil, fmt.Errorf("nats: subscribe to %q: %w", topic, err)
	}

	// A round trip to the server: once it answers, it has the
	// subscription, so what another node publishes from now on reaches it.
	fctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	if err := b.nc.FlushWithContext(fctx); err != nil {
		if ctx.Err() == nil && b.nc.IsReconnecting() {
			return s, nil // sent again on reconnect, which OnGap reports
		}
		s.Unsubscribe()
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(err, nats.ErrConnectionClosed) && b.nc.IsClosed():
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("nats: subscribe to %q: %w", topic, err)
	}
	return s, nil
}

// deliver is the nats.go handler: it runs on the subscription's goroutine.
func (s *subscription) deliver(m *nats.Msg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	// When the queue overflowed, messages queued before the overflow are
	// still delivered after it, so every drop is seen here before the
	// subscription's last message, even when nats.go reported only the
	// first of a run.
	s.reportDrops(m.Sub, slog.LevelDebug)
	// nats.go reports a reconnect on its callback goroutine, which may run
	// after messages of the new connection have reached the handler: a
	// client that got a newer push before it is resynced would not know
	// to reload what it missed. So the first message after a reconnect
	// reports it here, before the handler sees it.
	s.reportReconnect()
	s.h(m.Data)
}

// reportReconnect tells OnGap once that the subscription's connection was
// replaced since it last looked.
func (s *subscription) reportReconnect() {
	now := s.b.dials.Load()
	for {
		last := s.conn.Load()
		if last >= now {
			return
		}
		if s.conn.CompareAndSwap(last, now) {
			s.b.gap(s.topic, Reconnect)
			return
		}
	}
}

// reportDrops tells OnGap once about the drops of ns not yet reported, and
// logs them at level: nats.go reports the first drop of a run (logged as a
// warning), deliver the rest.
func (s *subscription) reportDrops(ns *nats.Subscription, level slog.Level) {
	n, err := ns.Dropped()
	if err != nil {
		return // unsubscribed meanwhile
	}
	for {
		last := s.reported.Load()
		if int64(n) <= last {
			return
		}
		if s.reported.CompareAndSwap(last, int64(n)) {
			s.b.dropped.Add(uint64(int64(n) - last))
			s.b.log.Log(context.Background(), level, "nats: slow consumer: subscription dropped messages",
				"topic", s.topic, "dropped", int64(n)-last, "total", n)
			s.b.gap(s.topic, SlowConsumer)
			return
		}
	}
}

// end marks s done and waits for a running h to return.
func (s *subscription) end() (already bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	already, s.done = s.done, true
	return already
}

// Unsubscribe stops delivery: h is not running when it returns and is not
// called again. Calling it more than once is harmless.
func (s *subscription) Unsubscribe() error {
	s.b.mu.Lock()
	delete(s.b.subs, s.ns)
	s.b.mu.Unlock()
	if s.end() {
		return nil
	}
	err := s.ns.Unsubscribe()
	if errors.Is(err, nats.ErrConnectionClosed) || errors.Is(err, nats.ErrBadSubscription) {
		return nil // gone with the connection
	}
	return err
}
