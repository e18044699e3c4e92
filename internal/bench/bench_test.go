package bench_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/bench"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

func target(srv *parleytest.Server) bench.Target {
	return bench.Target{Server: srv.URL, License: srv.License, ClientID: srv.ClientID,
		AgentEmail: srv.AgentEmail, AgentPassword: srv.AgentPassword}
}

func ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// checkEvents asserts the bookkeeping of a run that lost nothing: every
// send of the window acknowledged, every acknowledged event delivered to
// each agent connection, a latency sample for each.
func checkEvents(t *testing.T, res bench.EventsResult, agents int) {
	t.Helper()
	if res.Errors != 0 || res.Unacked != 0 || res.Skipped != 0 {
		t.Fatalf("errors %d, unacked %d, skipped %d: %s", res.Errors, res.Unacked, res.Skipped, res.Error)
	}
	if res.Sent == 0 || res.Ack.Count != int(res.Sent) {
		t.Errorf("sent %d in the window, %d ack samples", res.Sent, res.Ack.Count)
	}
	if res.Deliver.Count != int(res.Sent)*agents {
		t.Errorf("%d delivery samples, want %d (sent %d × %d agents)", res.Deliver.Count, int(res.Sent)*agents, res.Sent, agents)
	}
	if res.Ack.P50 <= 0 || res.Ack.P50 > res.Ack.P99 || res.Ack.P99 > res.Ack.Max {
		t.Errorf("ack percentiles out of order: %+v", res.Ack)
	}
}

func TestEventsClosedLoop(t *testing.T) {
	srv := parleytest.NewServer(t)
	res, err := bench.Events(ctx(t), bench.EventsConfig{Target: target(srv), Customers: 5, Agents: 2, Window: 2,
		Duration: 500 * time.Millisecond, Warmup: -1})
	if err != nil {
		t.Fatal(err)
	}
	checkEvents(t, res, 2)
	if res.Server != nil {
		t.Errorf("server usage reported without a pid: %+v", res.Server)
	}
}

// TestEventsPastInFlightLimit: a window wider than the server's limit of
// requests in flight per connection, and more chats set up at once than
// that (each joined through one agent connection), run without a refusal:
// the generator waits for answers instead.
func TestEventsPastInFlightLimit(t *testing.T) {
	srv := parleytest.NewServer(t)
	res, err := bench.Events(ctx(t), bench.EventsConfig{Target: target(srv), Customers: 3 * protocol.MaxRequestsInFlight, Agents: 1,
		Window: 2 * protocol.MaxRequestsInFlight, Duration: 300 * time.Millisecond, Warmup: -1})
	if err != nil {
		t.Fatal(err)
	}
	checkEvents(t, res, 1)
}

func TestEventsOpenLoop(t *testing.T) {
	srv := parleytest.NewServer(t)
	// The test server runs in this process: its usage is ours.
	res, err := bench.Events(ctx(t), bench.EventsConfig{Target: target(srv), Customers: 4, Rate: 100,
		Duration: time.Second, Warmup: 200 * time.Millisecond, ServerPID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	checkEvents(t, res, 1)
	// A fixed schedule sends Rate × Duration events, whatever the answers.
	if res.Sent < 99 || res.Sent > 101 {
		t.Errorf("sent %d in 1 s at 100/s", res.Sent)
	}
	if res.Server == nil || res.Server.RSS == 0 {
		t.Errorf("no server usage: %+v", res.Server)
	}
}

func TestEventsBadCredentials(t *testing.T) {
	srv := parleytest.NewServer(t)
	tg := target(srv)
	tg.AgentPassword = "wrong"
	_, err := bench.Events(ctx(t), bench.EventsConfig{Target: tg, Customers: 1, Duration: 100 * time.Millisecond})
	if err == nil {
		t.Fatal("a run with a wrong agent password succeeded")
	}
}

func TestIdle(t *testing.T) {
	srv := parleytest.NewServer(t)
	res, err := bench.Idle(ctx(t), bench.IdleConfig{Target: target(srv), Conns: 50, Settle: time.Millisecond, ServerPID: os.Getpid()})
	if err != nil {
		t.Fatal(err)
	}
	if res.Login.Count != 50 || res.LoginsPerSec <= 0 || res.TokensPerSec <= 0 {
		t.Errorf("got %+v", res)
	}
	if res.RSSAfter == 0 {
		t.Errorf("no server memory read: %+v", res)
	}
}

func TestHistory(t *testing.T) {
	srv := parleytest.NewServer(t)
	res, err := bench.History(ctx(t), bench.HistoryConfig{Target: target(srv), Events: 45, ThreadEvents: 10, Requests: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Threads != 5 {
		t.Errorf("%d threads, want 5 (45 events, 10 a thread)", res.Threads)
	}
	for name, l := range map[string]bench.Latency{"login": res.Login, "chats summary": res.ChatsSummary,
		"threads summary": res.ThreadsSummary, "page": res.Page} {
		if l.Count != 3 {
			t.Errorf("%s timed %d times, want 3", name, l.Count)
		}
	}
}

func TestFsync(t *testing.T) {
	dir := t.TempDir()
	res, err := bench.Fsync(dir, 20)
	if err != nil {
		t.Fatal(err)
	}
	if res.Latency.Count != 20 || res.PerSec <= 0 {
		t.Errorf("got %+v", res)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left %d files behind", len(left))
	}
}

func TestFindListener(t *testing.T) {
	// FindListener reads Linux's /proc; elsewhere there is nothing to find.
	if _, err := os.Stat("/proc/net/tcp"); err != nil {
		t.Skip("no /proc/net/tcp on this system")
	}
	srv := parleytest.NewServer(t)
	// The test server listens in this process.
	port := portOf(t, srv.URL)
	if pid := bench.FindListener(port); pid != os.Getpid() {
		t.Errorf("FindListener(%d) = %d, want this process %d", port, pid, os.Getpid())
	}
}
