package session

import (
	"context"
	"log/slog"
	"testing"
	"time"

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
