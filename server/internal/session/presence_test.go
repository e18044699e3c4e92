package session

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/parleychat/parley/server/broker/memory"
	"github.com/parleychat/parley/server/chat"
)

// TestCustomerConnected: two hubs on one broker stand for two nodes. A
// customer with a session on either is connected for both: the hub of the
// other node learns it from the probe's answer. A customer without one,
// or whose last session left, is not (the probe goes unanswered). The
// probe reaches the sessions of the topic as nothing, as it does on a node
// that does not know it.
func TestCustomerConnected(t *testing.T) {
	ctx := context.Background()
	b := memory.New()
	t.Cleanup(func() { _ = b.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	here, there := NewHub(b, log), NewHub(b, log)
	srv := New(Config{Hub: there, Logger: log, QueueBytes: 64 << 10})
	t.Cleanup(func() { _ = here.Shutdown(ctx); _ = there.Shutdown(ctx) })

	const license = 7
	s := testSession(srv, "c1", chat.UserCustomer)
	if err := s.subscribe(ctx, userTopic(license, "ann")); err != nil {
		t.Fatal(err)
	}
	if !there.CustomerConnected(ctx, license, "ann") {
		t.Error("a customer with a session on the node is not connected there")
	}
	if !here.CustomerConnected(ctx, license, "ann") {
		t.Error("a customer with a session on the other node is not connected")
	}
	if got := queued(s); len(got) != 0 {
		t.Errorf("the session got %d frames of the probe", len(got))
	}
	if here.CustomerConnected(ctx, license, "bob") {
		t.Error("a customer without a session is connected")
	}

	there.unsubscribe(userTopic(license, "ann"), s)
	if here.CustomerConnected(ctx, license, "ann") || there.CustomerConnected(ctx, license, "ann") {
		t.Error("a customer whose session left is still connected")
	}

	// A cancelled ask does not wait for the other nodes.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if here.CustomerConnected(cancelled, license, "bob") {
		t.Error("a cancelled ask says connected")
	}
	if n := len(here.presence.probes); n != 0 {
		t.Errorf("%d probes left waiting", n)
	}
}
