package nats_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"

	"github.com/parleychat/parley/server/broker/nats"
)

type gap struct {
	topic string
	cause nats.GapCause
}

// hooks records what a Broker passes to OnGap and OnState.
type hooks struct {
	gaps   chan gap
	states chan nats.State
}

// hook sets cfg's OnGap and OnState to record into new hooks.
func hook(cfg *nats.Config) *hooks {
	h := &hooks{gaps: make(chan gap, 1000), states: make(chan nats.State, 1000)}
	cfg.OnGap = func(topic string, cause nats.GapCause) { h.gaps <- gap{topic, cause} }
	cfg.OnState = func(s nats.State) { h.states <- s }
	return h
}

func (h *hooks) waitGap(t *testing.T, want gap) {
	t.Helper()
	for {
		select {
		case g := <-h.gaps:
			if g == want {
				return
			}
			t.Logf("gap %v", g)
		case <-time.After(10 * time.Second):
			t.Fatalf("OnGap(%q, %v) not called", want.topic, want.cause)
		}
	}
}

func (h *hooks) waitState(t *testing.T, want nats.State) {
	t.Helper()
	select {
	case s := <-h.states:
		if s != want {
			t.Fatalf("OnState(%v), want %v", s, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("OnState(%v) not called", want)
	}
}

// A handler that blocks, against the contract, makes its subscription's
// queue overflow: nats.go drops messages for it, OnGap says so, Stats
// counts every drop, and what is delivered keeps its order.
func TestSlowConsumerGap(t *testing.T) {
	cfg := nats.Config{PendingMsgs: 1}
	ev := hook(&cfg)
	b := newBroker(t, cfg)
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	r := newRecorder()
	subscribe(t, b, "slow", func(d []byte) {
		if string(d) == "0" {
			<-release
		}
		r.h(d)
	})
	t.Cleanup(unblock) // before the Unsubscribe, which waits for the handler

	const n = 200
	for i := range n {
		publish(t, b, "slow", strconv.Itoa(i))
	}
	ev.waitGap(t, gap{"slow", nats.SlowConsumer})
	unblock()

	// Publish "end" until one is delivered: every drop before it is
	// then counted.
	var got []int
	ends := 1
	publish(t, b, "slow", "end")
	retry := time.NewTicker(100 * time.Millisecond)
	defer retry.Stop()
	timeout := time.After(10 * time.Second)
	for done := false; !done; {
		select {
		case d := <-r.c:
			if d == "end" {
				done = true
				break
			}
			i, err := strconv.Atoi(d)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) > 0 && i <= got[len(got)-1] {
				t.Fatalf("got %d after %d", i, got[len(got)-1])
			}
			got = append(got, i)
		case <-retry.C:
			publish(t, b, "slow", "end")
			ends++
		case <-timeout:
			t.Fatal("no message after the handler was unblocked")
		}
	}
	dropped := int(b.Stats().Dropped)
	if dropped == 0 || len(got) == n {
		t.Fatalf("dropped %d, delivered %d of %d: no message was dropped", dropped, len(got), n)
	}
	// Each message published before the "end" delivered was either
	// delivered or counted as dropped; only other "end"s may be counted
	// besides.
	if len(got)+dropped < n || len(got)+dropped > n+ends-1 {
		t.Fatalf("delivered %d and dropped %d of %d messages (and %d ends)", len(got), dropped, n, ends)
	}
}

// relayed connects a Broker through a proxy that the test cuts, with a
// fast reconnect, and returns it with the proxy and its hooks.
func relayed(t *testing.T, prefix string) (*nats.Broker, *proxy, *hooks) {
	p, url := newProxy(t, natsURL())
	cfg := nats.Config{URL: url, Prefix: prefix, ReconnectDelay: func(int) time.Duration { return 10 * time.Millisecond }}
	ev := hook(&cfg)
	return newBroker(t, cfg), p, ev
}

// A subscriber whose connection breaks misses what is published while it
// is down; when it is back, OnState and OnGap say so, the subscription
// works again, and Stats counts the reconnect.
func TestReconnectGap(t *testing.T) {
	prefix := testPrefix()
	a, p, ev := relayed(t, prefix)
	b := newBroker(t, nats.Config{Prefix: prefix})
	r := newRecorder()
	subscribe(t, a, "t", r.h)
	publish(t, b, "t", "before")
	if got := r.next(t); got != "before" {
		t.Fatalf("got %q", got)
	}

	p.Cut()
	ev.waitState(t, nats.Disconnected)
	publish(t, b, "t", "lost")
	p.Restore()
	ev.waitState(t, nats.Reconnected)
	ev.waitGap(t, gap{"t", nats.Reconnect})

	// The server may not have the restored subscription yet: publish
	// until a message arrives. The first must come after "lost".
	retry := time.NewTicker(100 * time.Millisecond)
	defer retry.Stop()
	publish(t, b, "t", "after")
	for got := ""; got == ""; {
		select {
		case got = <-r.c:
			if got != "after" {
				t.Fatalf("got %q after the reconnect", got)
			}
		case <-retry.C:
			publish(t, b, "t", "after")
		case <-time.After(10 * time.Second):
			t.Fatal("the subscription did not come back")
		}
	}
	if n := a.Stats().Reconnects; n != 1 {
		t.Errorf("Stats().Reconnects = %d, want 1", n)
	}
}

// OnGap hears of a reconnect before the subscription's handler gets a
// message that came on the new connection, even while nats.go's callbacks
// lag (here OnState holds them up): a server resyncs the topic's clients
// in OnGap, and a client that got a newer message first would skip what
// it missed when it reloads.
func TestReconnectGapBeforeDeliveries(t *testing.T) {
	prefix := testPrefix()
	p, url := newProxy(t, natsURL())
	var mu sync.Mutex
	var order []string
	note := func(s string) {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, s)
	}
	states := make(chan nats.State, 10)
	release := make(chan struct{})
	cfg := nats.Config{URL: url, Prefix: prefix, ReconnectDelay: func(int) time.Duration { return 10 * time.Millisecond },
		OnGap: func(string, nats.GapCause) { note("gap") },
		OnState: func(s nats.State) {
			states <- s
			if s == nats.Reconnected {
				<-release
			}
		}}
	a := newBroker(t, cfg)
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	t.Cleanup(unblock) // before a.Close, which waits for the callbacks
	b := newBroker(t, nats.Config{Prefix: prefix})
	r := newRecorder()
	subscribe(t, a, "t", func(d []byte) { note(string(d)); r.h(d) })
	publish(t, b, "t", "before")
	if got := r.next(t); got != "before" {
		t.Fatalf("got %q", got)
	}

	p.Cut()
	wait := func(want nats.State) {
		t.Helper()
		select {
		case s := <-states:
			if s != want {
				t.Fatalf("OnState(%v), want %v", s, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("OnState(%v) not called", want)
		}
	}
	wait(nats.Disconnected)
	p.Restore()
	wait(nats.Reconnected) // and held there
	retry := time.NewTicker(100 * time.Millisecond)
	defer retry.Stop()
	publish(t, b, "t", "after")
	for got := ""; got == ""; {
		select {
		case got = <-r.c:
		case <-retry.C:
			publish(t, b, "t", "after")
		case <-time.After(10 * time.Second):
			t.Fatal("the subscription did not come back")
		}
	}
	unblock()
	mu.Lock()
	defer mu.Unlock()
	if len(order) < 3 || order[0] != "before" || order[1] != "gap" || order[2] != "after" {
		t.Fatalf("OnGap and the handler were called in the order %q, want before, gap, after", order)
	}
}

// A publisher whose connection breaks buffers what it publishes and sends
// it, in order, once it is back.
func TestReconnectBuffersPublishes(t *testing.T) {
	prefix := testPrefix()
	a, p, ev := relayed(t, prefix)
	b := newBroker(t, nats.Config{Prefix: prefix})
	r := newRecorder()
	subscribe(t, b, "t", r.h)
	publish(t, a, "t", "0")
	if got := r.next(t); got != "0" {
		t.Fatalf("got %q", got)
	}

	p.Cut()
	ev.waitState(t, nats.Disconnected)
	for i := 1; i < 10; i++ {
		publish(t, a, "t", strconv.Itoa(i))
	}
	p.Restore()
	ev.waitState(t, nats.Reconnected)
	for i := 1; i < 10; i++ {
		if got := r.next(t); got != strconv.Itoa(i) {
			t.Fatalf("got %q, want %d", got, i)
		}
	}
}

// While disconnected, Publish fails once Config.ReconnectBufSize bytes are
// buffered.
func TestReconnectBufferBound(t *testing.T) {
	p, url := newProxy(t, natsURL())
	cfg := nats.Config{URL: url, ReconnectBufSize: 1024, ReconnectDelay: func(int) time.Duration { return 10 * time.Millisecond }}
	ev := hook(&cfg)
	a := newBroker(t, cfg)
	p.Cut()
	ev.waitState(t, nats.Disconnected)
	data := make([]byte, 100)
	for i := range 20 {
		err := a.Publish(context.Background(), "t", data)
		if errors.Is(err, natsgo.ErrReconnectBufExceeded) {
			if i < 5 {
				t.Fatalf("Publish %d failed with a 1 KiB buffer: %v", i, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("Publish %d: %v", i, err)
		}
	}
	t.Fatalf("20 publishes of %d bytes fit a %d-byte reconnect buffer", len(data), 1024)
}
