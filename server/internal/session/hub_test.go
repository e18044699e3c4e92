package session

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/parleychat/parley/server/broker/memory"
	"github.com/parleychat/parley/server/chat"
)

// ctxBroker refuses a publish whose context has ended, as the NATS broker
// does.
type ctxBroker struct{ *memory.Broker }

func (b ctxBroker) Publish(ctx context.Context, topic string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return b.Broker.Publish(ctx, topic, data)
}

// A stored change is pushed even when the request that made it has ended.
func TestHubPublishesAfterTheRequestEnded(t *testing.T) {
	b := ctxBroker{memory.New()}
	h := NewHub(b, slog.New(slog.DiscardHandler))
	got := make(chan []byte, 1)
	sub, err := b.Subscribe(context.Background(), userTopic(1, "ag"), func(data []byte) { got <- data })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.Notify(ctx, chat.Notification{LicenseID: 1, Recipients: []chat.Recipient{{ID: "ag", Type: chat.UserAgent}},
		Push: chat.IncomingEvent{Event: chat.Event{ID: "E1", ChatID: "C1", ThreadID: "T1", Order: 1, Type: chat.EventMessage,
			AuthorID: "cu", CreatedAt: time.Unix(1700000000, 0), Text: "hi"}}})
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the push of a request whose context ended was not published")
	}
}
