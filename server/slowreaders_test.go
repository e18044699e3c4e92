package server_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/server/chat"
)

// TestSlowHistoryReaders is the attack of clients that ask for a long
// history again and again and never read the answers: 50 sockets, each
// asking 10 times for a thread of some 10 MB. Each connection may hold
// the server's outbound queue budget (4 MiB) and one answer being built
// (a page of about 1 MiB), so the server's live heap must grow by well
// under 300 MB (before the queue had a byte budget and
// answers were paged, 3 such sockets took it past 2 GB). A connection
// whose queue passes the budget is closed with slow_consumer; the others
// (the kernel's socket buffers took the rest) hold at most the budget
// until the idle timeout.
func TestSlowHistoryReaders(t *testing.T) {
	if testing.Short() {
		t.Skip("stores a 10 MB thread and holds 50 connections that do not read")
	}
	if raceDetector {
		t.Skip("measures the heap under an attack that takes minutes with -race; run it without")
	}
	// What the attack makes the server hold is its live heap: garbage
	// waits for the collector, which lets the heap grow to about twice the
	// live part (GOGC; GOMEMLIMIT bounds the total).
	added, open := slowHistoryReaders(t, 50, 10)
	t.Logf("50 sockets: the live heap grew by %d MB at most; %d still open", added>>20, open)
	if added > 300<<20 {
		t.Errorf("the live heap grew by %d MB, want < 300 MB", added>>20)
	}
}

// BenchmarkSlowHistoryReaders runs the attack of TestSlowHistoryReaders
// with b.N sockets (-benchtime=50x) and reports how much the server's
// heap grew at its peak.
func BenchmarkSlowHistoryReaders(b *testing.B) {
	added, _ := slowHistoryReaders(b, b.N, 10)
	b.ReportMetric(float64(added)/(1<<20), "live-heap-MB-added")
	b.ReportMetric(float64(added)/float64(b.N)/(1<<20), "live-heap-MB/conn")
}

// slowHistoryReaders stores a chat whose one thread holds 55,000
// messages (about 10 MB as JSON), then opens sockets connections of its
// customer that each send requests get_chat_threads for it and never read.
// It returns the peak growth of the server's live heap over the attack, and
// how many of the connections the server still holds after it.
func slowHistoryReaders(t testing.TB, sockets, requests int) (added uint64, open int) {
	// One customer opens every socket: the per-customer connection limit
	// is off, so that the memory bound alone is what is tested.
	srv := parleytest.NewServer(t, withLimits(server.Limits{ConnsPerCustomer: -1}))
	customerID := newCustomerID()
	token := srv.CustomerToken(t, customerID)
	addr := strings.TrimPrefix(srv.URL, "http://")
	path := fmt.Sprintf("/v3.0/customer/rtm/ws?license_id=%d", srv.License)
	c, err := rawLogin(addr, path, token, false) // creates the customer
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	at := time.Now()
	nc := chat.NewChat{
		Chat: chat.Chat{ID: chat.NewID(5), LicenseID: srv.License, CustomerID: customerID, GroupIDs: []int{0},
			Users: []chat.User{{ID: customerID, Type: chat.UserCustomer, Present: true}}, CreatedAt: at},
		Thread: chat.Thread{ID: chat.NewID(5), CreatedAt: at},
	}
	text := strings.Repeat("x", 100)
	for i := range 55_000 {
		nc.Events = append(nc.Events, chat.Event{ID: fmt.Sprint("e", i), Type: chat.EventMessage, AuthorID: customerID, CreatedAt: at, Text: text})
	}
	ch, th, err := srv.Store().CreateChat(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	nc = chat.NewChat{}
	req := fmt.Appendf(nil, `{"request_id":"h","action":"get_chat_threads","payload":{"chat_id":%q,"thread_ids":[%q]}}`, ch.ID, th.ID)

	base := serverMem().heap
	baseConns := srv.OpenConns()
	var peak, peakLive atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			peak.Store(max(peak.Load(), m.HeapAlloc))
			metrics.Read(live)
			peakLive.Store(max(peakLive.Load(), live[0].Value.Uint64()))
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	})
	conns := make([]net.Conn, 0, sockets)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	var writers sync.WaitGroup
	for i := range sockets {
		c, err := rawLogin(addr, path, token, false)
		if err != nil {
			t.Fatalf("socket %d: %v", i, err)
		}
		conns = append(conns, c)
		writers.Go(func() {
			for range requests {
				if writeClientFrame(c, req) != nil {
					return // the server closed it
				}
			}
		})
	}
	writers.Wait()
	// The attack is over once the server has dropped every socket, or
	// after a while for a server that holds them.
	deadline := time.Now().Add(15 * time.Second)
	for srv.OpenConns() > baseConns && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	open = srv.OpenConns() - baseConns
	close(stop)
	wg.Wait()
	if p := peakLive.Load(); p > base {
		added = p - base
	}
	if testing.Verbose() {
		fmt.Printf("slow history readers: %d sockets, heap %d MB before, peak %d MB allocated (garbage included), %d MB live\n",
			sockets, base>>20, peak.Load()>>20, peakLive.Load()>>20)
	}
	return added, open
}

// writeClientFrame writes msg as one masked (with a zero key) WebSocket
// text frame.
func writeClientFrame(c net.Conn, msg []byte) error {
	frame := []byte{0x81}
	switch {
	case len(msg) < 126:
		frame = append(frame, 0x80|byte(len(msg)))
	case len(msg) <= 0xffff:
		frame = append(frame, 0x80|126)
		frame = binary.BigEndian.AppendUint16(frame, uint16(len(msg)))
	default:
		frame = append(frame, 0x80|127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(len(msg)))
	}
	frame = append(frame, 0, 0, 0, 0)
	_, err := c.Write(append(frame, msg...))
	return err
}
