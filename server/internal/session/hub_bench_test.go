package session

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/parleychat/parley/protocol/v35"
	"github.com/parleychat/parley/server/broker/memory"
	"github.com/parleychat/parley/server/chat"
)

// BenchmarkHubNotify measures what the hub does per change of a chat: an
// event's push rendered for its audiences (a customer: both dialects; an
// agent) and published on their topics.
func BenchmarkHubNotify(b *testing.B) {
	h := NewHub(memory.New(), slog.New(slog.DiscardHandler))
	n := chat.Notification{LicenseID: 1,
		Recipients: []chat.Recipient{{ID: "cu", Type: chat.UserCustomer}, {ID: "ag", Type: chat.UserAgent}},
		Origin:     chat.Origin{ConnID: "c-1", RequestID: "r-1"},
		Push: chat.IncomingEvent{Event: chat.Event{ID: "E1", ChatID: "C1", ThreadID: "T1", Order: 7, Type: chat.EventMessage,
			AuthorID: "cu", CreatedAt: time.Unix(1700000000, 123456000), Text: "Hello, I would like to know where my order is."}},
		Seq: chat.Seq{Kind: chat.SeqEvent, ChatID: "C1", Thread: 1, Event: 7,
			Members: []chat.Recipient{{ID: "cu", Type: chat.UserCustomer}, {ID: "ag", Type: chat.UserAgent}}},
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		h.Notify(ctx, n)
	}
}

// BenchmarkHubDeliver35 measures a push's way from the broker to the
// node's sessions of one customer: eight v3.5 connections (tabs), half of
// them subscribed to the push, which they queue, the others to
// incoming_chat only, which pass it by.
func BenchmarkHubDeliver35(b *testing.B) {
	log := slog.New(slog.DiscardHandler)
	h := NewHub(memory.New(), log)
	srv := New(Config{Hub: h, Logger: log, QueueBytes: 64 << 10})
	ctx := context.Background()
	var tabs []*session
	for i := range 8 {
		s := testSession(srv, "c-"+strconv.Itoa(i), chat.UserCustomer)
		s.info.Dialect = DialectV35
		s.pushes35 = allPushes35
		if i%2 == 1 {
			s.pushes35 = pushBits35[v35.PushIncomingChat]
		}
		if err := s.subscribe(ctx, userTopic(1, "cu")); err != nil {
			b.Fatal(err)
		}
		tabs = append(tabs, s)
	}
	n := chat.Notification{LicenseID: 1, Recipients: []chat.Recipient{{ID: "cu", Type: chat.UserCustomer}},
		Push: chat.IncomingEvent{Event: chat.Event{ID: "E1", ChatID: "C1", ThreadID: "T1", Order: 7, Type: chat.EventMessage,
			AuthorID: "ag", CreatedAt: time.Unix(1700000000, 123456000), Text: "Your order left the warehouse this morning."}}}
	h.Notify(ctx, n)
	for i, s := range tabs {
		if got, want := len(queued(s)), 1-i%2; got != want {
			b.Fatalf("tab %d queued %d frames, want %d", i, got, want)
		}
	}
	var batch [maxBatch]outMsg
	b.ReportAllocs()
	for b.Loop() {
		h.Notify(ctx, n)
		for _, s := range tabs {
			for k := s.q.take(batch[:]); k > 0; k = s.q.take(batch[:]) {
				s.q.sent(batch[:k])
			}
		}
	}
}
