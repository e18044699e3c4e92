package nats_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/server/broker"
	"github.com/parleychat/parley/server/broker/brokertest"
	"github.com/parleychat/parley/server/broker/nats"
)

// natsURL is the NATS server the tests use: PARLEY_TEST_NATS_URL, or the
// one CI starts on 127.0.0.1:4222.
func natsURL() string {
	if u := os.Getenv("PARLEY_TEST_NATS_URL"); u != "" {
		return u
	}
	return "nats://127.0.0.1:4222"
}

// testPrefix is a subject prefix of its own for one test, so that tests
// running at once on one NATS server do not hear each other.
func testPrefix() string { return "parleytest." + rand.Text() }

// needNATS skips the test under -short: it needs a NATS server.
func needNATS(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the NATS broker tests need a NATS server (PARLEY_TEST_NATS_URL, default nats://127.0.0.1:4222)")
	}
}

// newBroker connects a Broker to the test NATS server (to cfg.URL, if set)
// with cfg, a fresh prefix unless cfg has one, and a logger writing to the
// test's output. Without a NATS server the test fails, unless -short.
func newBroker(t *testing.T, cfg nats.Config) *nats.Broker {
	t.Helper()
	needNATS(t)
	if cfg.URL == "" {
		cfg.URL = natsURL()
	}
	if cfg.Prefix == "" {
		cfg.Prefix = testPrefix()
	}
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	b, err := nats.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("these tests need a NATS server at %s (start one with `nats-server -a 127.0.0.1 -p 4222`, "+
			"set PARLEY_TEST_NATS_URL, or skip them with -short): %v", cfg.URL, err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

func TestBroker(t *testing.T) {
	brokertest.Run(t, func(t *testing.T) broker.Broker { return newBroker(t, nats.Config{}) })
}

// recorder collects what a handler gets.
type recorder struct {
	mu  sync.Mutex
	got []string
	c   chan string
}

func newRecorder() *recorder { return &recorder{c: make(chan string, 10000)} }

func (r *recorder) h(d []byte) {
	r.mu.Lock()
	r.got = append(r.got, string(d))
	r.mu.Unlock()
	r.c <- string(d)
}

// next is the next message, failing the test if none comes.
func (r *recorder) next(t *testing.T) string {
	t.Helper()
	select {
	case d := <-r.c:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("no message")
		return ""
	}
}

func subscribe(t *testing.T, b *nats.Broker, topic string, h func([]byte)) broker.Subscription {
	t.Helper()
	sub, err := b.Subscribe(context.Background(), topic, h)
	if err != nil {
		t.Fatalf("Subscribe(%q): %v", topic, err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	return sub
}

func publish(t *testing.T, b *nats.Broker, topic, data string) {
	t.Helper()
	if err := b.Publish(context.Background(), topic, []byte(data)); err != nil {
		t.Fatalf("Publish(%q): %v", topic, err)
	}
}

// Two Brokers on two connections, as two nodes of a cluster, publish at
// once on one topic: each subscriber gets every message of each node in
// that node's publish order.
func TestTwoNodes(t *testing.T) {
	prefix := testPrefix()
	nodes := []*nats.Broker{
		newBroker(t, nats.Config{Prefix: prefix, Name: "node-a"}),
		newBroker(t, nats.Config{Prefix: prefix, Name: "node-b"}),
	}
	const topic, n = "parley.user.7.c-1", 500
	recs := make([]*recorder, len(nodes))
	for i, b := range nodes {
		recs[i] = newRecorder()
		subscribe(t, b, topic, recs[i].h)
	}
	var wg sync.WaitGroup
	for i, b := range nodes {
		wg.Go(func() {
			for j := range n {
				if err := b.Publish(context.Background(), topic, fmt.Appendf(nil, "%d:%d", i, j)); err != nil {
					t.Errorf("node %d: Publish: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	for i, r := range recs {
		next := make([]int, len(nodes)) // per publishing node, the next number due
		for range len(nodes) * n {
			var from, j int
			if _, err := fmt.Sscanf(r.next(t), "%d:%d", &from, &j); err != nil {
				t.Fatalf("node %d: %v", i, err)
			}
			if j != next[from] {
				t.Fatalf("node %d got message %d of node %d; want %d", i, j, from, next[from])
			}
			next[from]++
		}
	}
}

// Topics with characters NATS does not allow in a subject token, or gives
// a meaning to, each reach their own subscribers and only them.
func TestOddTopics(t *testing.T) {
	prefix := testPrefix()
	a := newBroker(t, nats.Config{Prefix: prefix})
	topics := []string{
		"", ".", "..", "a.", ".a", "a..b", "a.b", "a%2Eb", "a%2eb", "%", "%%",
		"a.*", "a.>", "*", ">", "a b", "a\tb", "a\r\nb", "a\x00b", "$SYS.x", "$",
		"parley.user.1.c:42", "parley.user.1.ü", "parley.user.1.💬", "parley.agents.1",
		"parley.user.1.a/b\\c'\"", "parley.user.1.x.y",
	}
	recs := make(map[string]*recorder)
	for _, topic := range topics {
		recs[topic] = newRecorder()
		subscribe(t, a, topic, recs[topic].h)
	}
	b := newBroker(t, nats.Config{Prefix: prefix})
	for _, topic := range topics {
		publish(t, b, topic, "for "+topic)
	}
	// A last message on each topic: the one before it was the only other.
	for _, topic := range topics {
		publish(t, b, topic, "end")
	}
	for _, topic := range topics {
		r := recs[topic]
		if got := r.next(t); got != "for "+topic {
			t.Errorf("subscriber of %q got %q first", topic, got)
		}
		if got := r.next(t); got != "end" {
			t.Errorf("subscriber of %q got %q second", topic, got)
		}
	}
}

// Unsubscribe stops delivery of what another node publishes, while a
// second subscription of the same node and topic keeps getting it.
func TestUnsubscribeAcrossNodes(t *testing.T) {
	prefix := testPrefix()
	a := newBroker(t, nats.Config{Prefix: prefix})
	b := newBroker(t, nats.Config{Prefix: prefix})
	first, second := newRecorder(), newRecorder()
	sub := subscribe(t, a, "t", first.h)
	subscribe(t, a, "t", second.h)
	publish(t, b, "t", "1")
	if got := first.next(t); got != "1" {
		t.Fatalf("got %q", got)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	publish(t, b, "t", "2")
	publish(t, b, "t", "3")
	for _, want := range []string{"1", "2", "3"} {
		if got := second.next(t); got != want {
			t.Fatalf("second subscriber got %q, want %q", got, want)
		}
	}
	first.mu.Lock()
	defer first.mu.Unlock()
	if len(first.got) != 1 {
		t.Fatalf("first subscriber got %q; want only 1 before Unsubscribe", first.got)
	}
}

func TestClose(t *testing.T) {
	b := newBroker(t, nats.Config{})
	r := newRecorder()
	subscribe(t, b, "t", r.h)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(context.Background(), "t", []byte("x")); !errors.Is(err, nats.ErrClosed) {
		t.Errorf("Publish after Close: %v, want ErrClosed", err)
	}
	if _, err := b.Subscribe(context.Background(), "t", r.h); !errors.Is(err, nats.ErrClosed) {
		t.Errorf("Subscribe after Close: %v, want ErrClosed", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestRefusals(t *testing.T) {
	b := newBroker(t, nats.Config{})
	long := strings.Repeat("x", nats.MaxSubjectLen)
	if err := b.Publish(context.Background(), long, nil); !errors.Is(err, nats.ErrTopicTooLong) {
		t.Errorf("Publish on a long topic: %v, want ErrTopicTooLong", err)
	}
	if _, err := b.Subscribe(context.Background(), long, func([]byte) {}); !errors.Is(err, nats.ErrTopicTooLong) {
		t.Errorf("Subscribe to a long topic: %v, want ErrTopicTooLong", err)
	}
	for _, p := range []string{"a..b", ".a", "a.", "a.*", "a.>", "a b"} {
		if _, err := nats.New(context.Background(), nats.Config{URL: natsURL(), Prefix: p}); err == nil {
			t.Errorf("New accepted prefix %q", p)
		}
	}
}

// New fails when no NATS server answers.
func TestNewUnreachable(t *testing.T) {
	needNATS(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := nats.New(ctx, nats.Config{URL: "nats://node:s3cret@127.0.0.1:1"})
	if err == nil {
		t.Fatal("New connected to a closed port")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error shows the password: %v", err)
	}
}

// Two nodes publish on one topic in turns, each after the other's Flush
// returned: every subscriber hears the messages in turn order.
func TestFlushOrdersNodes(t *testing.T) {
	prefix := testPrefix()
	nodes := []*nats.Broker{
		newBroker(t, nats.Config{Prefix: prefix, Name: "node-a"}),
		newBroker(t, nats.Config{Prefix: prefix, Name: "node-b"}),
	}
	const topic, n = "parley.user.7.c-1", 300
	recs := make([]*recorder, len(nodes))
	for i, b := range nodes {
		recs[i] = newRecorder()
		subscribe(t, b, topic, recs[i].h)
	}
	for i := range n {
		b := nodes[i%2]
		publish(t, b, topic, fmt.Sprint(i))
		if err := b.Flush(context.Background()); err != nil {
			t.Fatalf("Flush: %v", err)
		}
	}
	for i, r := range recs {
		for j := range n {
			if got := r.next(t); got != fmt.Sprint(j) {
				t.Fatalf("subscriber on node %d: message %d is %q", i, j, got)
			}
		}
	}
}

// Flush fails at once while the connection is down, and works again once
// it is back.
func TestFlushDisconnected(t *testing.T) {
	b, p, ev := relayed(t, testPrefix())
	p.Cut()
	ev.waitState(t, nats.Disconnected)
	if err := b.Flush(context.Background()); !errors.Is(err, nats.ErrNotConnected) {
		t.Errorf("Flush while disconnected: %v, want ErrNotConnected", err)
	}
	p.Restore()
	ev.waitState(t, nats.Reconnected)
	if err := b.Flush(context.Background()); err != nil {
		t.Errorf("Flush once reconnected: %v", err)
	}
}
