package session

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/broker"
	"github.com/parleychat/parley/server/broker/memory"
	"github.com/parleychat/parley/server/chat"
)

// countingBroker is the memory broker counting its live subscriptions.
type countingBroker struct {
	broker.Broker
	live atomic.Int64
}

func (b *countingBroker) Subscribe(ctx context.Context, topic string, h func([]byte)) (broker.Subscription, error) {
	sub, err := b.Broker.Subscribe(ctx, topic, h)
	if err != nil {
		return nil, err
	}
	b.live.Add(1)
	return &countedSub{Subscription: sub, b: b}, nil
}

type countedSub struct {
	broker.Subscription
	b    *countingBroker
	once sync.Once
}

func (s *countedSub) Unsubscribe() error {
	s.once.Do(func() { s.b.live.Add(-1) })
	return s.Subscription.Unsubscribe()
}

func newTestHub(t *testing.T) (*Hub, *countingBroker, *Server) {
	t.Helper()
	mb := memory.New()
	t.Cleanup(func() { _ = mb.Close() })
	cb := &countingBroker{Broker: mb}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h := NewHub(cb, log)
	return h, cb, New(Config{Hub: h, Logger: log, QueueBytes: 64 << 10})
}

// testSession is a session without a connection: what the hub delivers
// stays in its queue.
func testSession(srv *Server, id string, role chat.UserType) *session {
	s := &session{srv: srv, id: id, role: role, start: srv.cfg.Now(), q: newOutQueue(srv.cfg.QueueBytes, nil)}
	s.setLog(srv.cfg.Logger)
	return s
}

// queued takes the frames waiting in s's queue.
func queued(s *session) []outMsg {
	var out []outMsg
	var batch [maxBatch]outMsg
	for {
		n := s.q.take(batch[:])
		if n == 0 {
			return out
		}
		s.q.sent(batch[:n])
		out = append(out, batch[:n]...)
	}
}

func eventID(t *testing.T, m outMsg) (id, requestID string) {
	t.Helper()
	var f struct {
		RequestID string `json:"request_id"`
		Payload   struct {
			Event struct {
				ID string `json:"id"`
			} `json:"event"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(m.frame, &f); err != nil {
		t.Fatalf("frame %s: %v", m.frame, err)
	}
	return f.Payload.Event.ID, f.RequestID
}

func TestHubSubscribesOncePerTopic(t *testing.T) {
	ctx := context.Background()
	h, cb, srv := newTestHub(t)
	const license = 7
	ann := []*session{
		testSession(srv, "c1", chat.UserCustomer),
		testSession(srv, "c2", chat.UserCustomer),
		testSession(srv, "c3", chat.UserCustomer),
	}
	bob := testSession(srv, "c4", chat.UserCustomer)
	for _, s := range ann {
		if err := s.subscribe(ctx, userTopic(license, "ann")); err != nil {
			t.Fatal(err)
		}
	}
	if err := bob.subscribe(ctx, userTopic(license, "bob")); err != nil {
		t.Fatal(err)
	}
	if n := cb.live.Load(); n != 2 {
		t.Fatalf("broker subscriptions = %d, want 2 (one per user)", n)
	}

	// Every session of the user gets every push, in order; the one whose
	// request caused a push gets it with its request id.
	toAnn := []chat.Recipient{{ID: "ann", Type: chat.UserCustomer}}
	for i := range 5 {
		n := chat.Notification{LicenseID: license, Recipients: toAnn,
			Push: chat.IncomingEvent{Event: chat.Event{ID: fmt.Sprint("E", i), ChatID: "C", ThreadID: "T", Type: chat.EventMessage}}}
		if i == 2 {
			n.Origin = chat.Origin{ConnID: "c2", RequestID: "r2"}
		}
		h.Notify(ctx, n)
	}
	for _, s := range ann {
		got := queued(s)
		if len(got) != 5 {
			t.Fatalf("session %s got %d frames, want 5", s.id, len(got))
		}
		for i, m := range got {
			id, req := eventID(t, m)
			wantReq := ""
			if i == 2 && s.id == "c2" {
				wantReq = "r2"
			}
			if id != fmt.Sprint("E", i) || req != wantReq {
				t.Errorf("session %s frame %d: event %q request %q, want E%d %q", s.id, i, id, req, i, wantReq)
			}
		}
	}
	if got := queued(bob); len(got) != 0 {
		t.Errorf("another user's session got %d frames", len(got))
	}

	// A disconnect reaches every session of the user and closes it.
	h.Notify(ctx, chat.Notification{LicenseID: license, Recipients: toAnn, Push: chat.Disconnect{Reason: chat.ReasonCustomerBanned}})
	for _, s := range ann {
		got := queued(s)
		if len(got) != 1 || got[0].closeCode == 0 || got[0].closeReason != chat.ReasonCustomerBanned {
			t.Errorf("session %s after disconnect: %+v", s.id, got)
		}
	}

	// The subscription lasts while a session of the topic is left.
	h.unsubscribe(userTopic(license, "ann"), ann[0])
	h.unsubscribe(userTopic(license, "ann"), ann[1])
	if n := cb.live.Load(); n != 2 {
		t.Fatalf("broker subscriptions = %d after two of three left, want 2", n)
	}
	h.Notify(ctx, chat.Notification{LicenseID: license, Recipients: toAnn, Push: chat.IncomingEvent{Event: chat.Event{ID: "E9", Type: chat.EventMessage}}})
	if len(queued(ann[0])) != 0 || len(queued(ann[1])) != 0 || len(queued(ann[2])) != 1 {
		t.Error("a push reached a session that left, or missed the one that stayed")
	}
	h.unsubscribe(userTopic(license, "ann"), ann[2])
	if n, m := cb.live.Load(), h.subscriptions(); n != 1 || m != 1 {
		t.Fatalf("after the last session left: broker subscriptions %d, hub topics %d; want 1, 1", n, m)
	}
	h.unsubscribe(userTopic(license, "bob"), bob)
	if n := cb.live.Load(); n != 0 {
		t.Fatalf("broker subscriptions = %d after every session left, want 0", n)
	}
}

// Sessions of the same topics come and go concurrently; once all have
// left, no subscription is left behind.
func TestHubSubscriptionsConcurrent(t *testing.T) {
	ctx := context.Background()
	h, cb, srv := newTestHub(t)
	topics := []string{userTopic(1, "a"), userTopic(1, "b"), agentsTopic(1)}
	var wg sync.WaitGroup
	for i := range 30 {
		s := testSession(srv, fmt.Sprint("s", i), chat.UserAgent)
		wg.Go(func() {
			for range 20 {
				for _, tp := range topics {
					if err := s.subscribe(ctx, tp); err != nil {
						t.Error(err)
						return
					}
				}
				for _, tp := range s.topics {
					h.unsubscribe(tp, s)
				}
				s.topics = s.topics[:0]
			}
		})
	}
	wg.Wait()
	if n, m := cb.live.Load(), h.subscriptions(); n != 0 || m != 0 {
		t.Fatalf("broker subscriptions %d, hub topics %d after all left; want 0, 0", n, m)
	}
}

// Resync asks the sessions of one topic, and only those, to reconnect.
func TestHubResync(t *testing.T) {
	h, _, srv := newTestHub(t)
	ctx := context.Background()
	a, b := testSession(srv, "a", chat.UserCustomer), testSession(srv, "b", chat.UserCustomer)
	if err := h.subscribe(ctx, "lost", a); err != nil {
		t.Fatal(err)
	}
	if err := h.subscribe(ctx, "kept", b); err != nil {
		t.Fatal(err)
	}
	h.Resync("lost")
	h.Resync("no-such-topic")
	got := queued(a)
	if len(got) != 1 || got[0].closeReason != protocol.ReasonServiceShutdown {
		t.Fatalf("a got %d frames, want one customer_disconnected (service_temporarily_unavailable) that closes: %+v", len(got), got)
	}
	var push struct {
		Action  string `json:"action"`
		Payload struct {
			Reason string `json:"reason"`
		} `json:"payload"`
	}
	if err := json.Unmarshal(got[0].frame, &push); err != nil || push.Action != protocol.PushCustomerDisconnected || push.Payload.Reason != protocol.ReasonServiceShutdown {
		t.Errorf("a got %s (%v)", got[0].frame, err)
	}
	if got := queued(b); len(got) != 0 {
		t.Errorf("b, on another topic, got %d frames", len(got))
	}
}
