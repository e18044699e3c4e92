package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/parleytest"
)

// benchConn is a lean RTM connection for benchmarks: it writes requests
// and hands every frame, decoded only as far as routing needs, to a channel.
type benchConn struct {
	c      *websocket.Conn
	frames chan benchFrame
	done   chan struct{}
	n      int
}

type benchFrame struct {
	RequestID string          `json:"request_id"`
	Action    string          `json:"action"`
	Type      string          `json:"type"`
	Success   *bool           `json:"success"`
	Payload   json.RawMessage `json:"payload"`
}

func benchDial(b *testing.B, srv *parleytest.Server, path, token string) *benchConn {
	b.Helper()
	c, _, err := websocket.Dial(context.Background(), "ws"+srv.URL[len("http"):]+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	bc := &benchConn{c: c, frames: make(chan benchFrame, 4096), done: make(chan struct{})}
	go func() {
		defer close(bc.frames)
		for {
			_, data, err := c.Read(context.Background())
			if err != nil {
				return
			}
			var f benchFrame
			if json.Unmarshal(data, &f) != nil {
				continue
			}
			select {
			case bc.frames <- f:
			case <-bc.done:
				return
			}
		}
	}()
	b.Cleanup(func() { close(bc.done); c.CloseNow() })
	bc.call(b, "login", map[string]any{"token": "Bearer " + token})
	return bc
}

func (bc *benchConn) send(b *testing.B, action string, payload any) string {
	bc.n++
	id := strconv.Itoa(bc.n)
	msg, _ := json.Marshal(map[string]any{"request_id": id, "action": action, "payload": payload})
	if err := bc.c.Write(context.Background(), websocket.MessageText, msg); err != nil {
		b.Fatal(err)
	}
	return id
}

// await returns the first frame matching ok, failing on an error response.
func (bc *benchConn) await(b *testing.B, ok func(benchFrame) bool) benchFrame {
	for f := range bc.frames {
		if f.Type == "response" && f.Success != nil && !*f.Success {
			b.Fatalf("%s failed: %s", f.Action, f.Payload)
		}
		if ok(f) {
			return f
		}
	}
	b.Fatal("connection closed")
	return benchFrame{}
}

func (bc *benchConn) call(b *testing.B, action string, payload any) benchFrame {
	id := bc.send(b, action, payload)
	return bc.await(b, func(f benchFrame) bool { return f.RequestID == id && f.Type == "response" })
}

func benchChat(b *testing.B, cust *benchConn) string {
	r := cust.call(b, "start_chat", map[string]any{"chat": map[string]any{}})
	var p struct {
		Chat struct{ ID string } `json:"chat"`
	}
	if err := json.Unmarshal(r.Payload, &p); err != nil {
		b.Fatal(err)
	}
	return p.Chat.ID
}

func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkSendEvent measures sending a message end to end through a real
// server (WebSocket, session, chat service, SQLite with synchronous=FULL,
// broker): from the customer's send_event frame to the acknowledgement the
// JS SDK waits for (incoming_event tagged with the request id), and to the
// agent's incoming_event.
func BenchmarkSendEvent(b *testing.B) {
	srv := parleytest.NewServer(b)
	b.Run("ack", func(b *testing.B) {
		cust := benchDial(b, srv, "/v3.0/customer/rtm/ws", srv.CustomerToken(b, "bench-ack"))
		chatID := benchChat(b, cust)
		lat := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			t0 := time.Now()
			id := cust.send(b, "send_event", map[string]any{"chat_id": chatID, "event": map[string]any{"type": "message", "text": fmt.Sprint("m", i)}})
			cust.await(b, func(f benchFrame) bool { return f.RequestID == id && f.Type == "push" })
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		reportLatency(b, lat)
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("to-agent", func(b *testing.B) {
		cust := benchDial(b, srv, "/v3.0/customer/rtm/ws", srv.CustomerToken(b, "bench-agent"))
		agent := benchDial(b, srv, "/v3.0/agent/rtm/ws", srv.AgentToken(b, srv.AgentEmail))
		chatID := benchChat(b, cust)
		agent.call(b, "join_chat", map[string]any{"chat_id": chatID})
		lat := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			t0 := time.Now()
			cust.send(b, "send_event", map[string]any{"chat_id": chatID, "event": map[string]any{"type": "message", "text": fmt.Sprint("m", i)}})
			agent.await(b, func(f benchFrame) bool { return f.Action == "incoming_event" })
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		reportLatency(b, lat)
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("parallel-16-chats", func(b *testing.B) {
		const conns = 16
		cs := make([]*benchConn, conns)
		chats := make([]string, conns)
		for i := range cs {
			cs[i] = benchDial(b, srv, "/v3.0/customer/rtm/ws", srv.CustomerToken(b, fmt.Sprint("bench-par-", i)))
			chats[i] = benchChat(b, cs[i])
		}
		per := (b.N + conns - 1) / conns
		b.ReportAllocs()
		b.ResetTimer()
		var wg sync.WaitGroup
		for i := range cs {
			wg.Go(func() {
				for j := range per {
					id := cs[i].send(b, "send_event", map[string]any{"chat_id": chats[i], "event": map[string]any{"type": "message", "text": fmt.Sprint("m", j)}})
					cs[i].await(b, func(f benchFrame) bool { return f.RequestID == id && f.Type == "push" })
				}
			})
		}
		wg.Wait()
		b.StopTimer()
		b.ReportMetric(float64(per*conns)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkHistoryPage measures one history page end to end: a customer's
// get_chat_threads for one thread of 100 messages, answered over a real
// WebSocket, in a chat of 10 such threads.
func BenchmarkHistoryPage(b *testing.B) {
	srv := parleytest.NewServer(b)
	cust := benchDial(b, srv, "/v3.0/customer/rtm/ws", srv.CustomerToken(b, "bench-history"))
	chatID := benchChat(b, cust)
	for th := range 10 {
		if th > 0 {
			cust.call(b, "close_thread", map[string]any{"chat_id": chatID})
		}
		for i := range 100 {
			cust.call(b, "send_event", map[string]any{"chat_id": chatID, "event": map[string]any{"type": "message",
				"text": fmt.Sprintf("message %d of thread %d, of an ordinary length for a chat", i, th)}})
		}
	}
	r := cust.call(b, "get_chat_threads_summary", map[string]any{"chat_id": chatID})
	var sum struct {
		Threads []struct{ ID string } `json:"threads_summary"`
	}
	if err := json.Unmarshal(r.Payload, &sum); err != nil || len(sum.Threads) != 10 {
		b.Fatalf("get_chat_threads_summary: %s: %v", r.Payload, err)
	}
	threadID := sum.Threads[5].ID
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		cust.call(b, "get_chat_threads", map[string]any{"chat_id": chatID, "thread_ids": []string{threadID}})
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	reportLatency(b, lat)
}
