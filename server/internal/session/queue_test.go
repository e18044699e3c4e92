package session

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/internal/transport"
)

func frames(n int, prefix string) []outMsg {
	out := make([]outMsg, n)
	for i := range out {
		out[i] = outMsg{frame: fmt.Appendf(nil, "%s%d", prefix, i)}
	}
	return out
}

func drain(q *outQueue) []outMsg {
	var out []outMsg
	var batch [maxBatch]outMsg
	for {
		n := q.take(batch[:])
		if n == 0 {
			return out
		}
		q.sent(batch[:n])
		out = append(out, batch[:n]...)
	}
}

func TestQueueStartsEmpty(t *testing.T) {
	q := newOutQueue(DefaultQueueBytes, nil)
	if cap(q.items) != 0 {
		t.Fatalf("a new queue holds room for %d frames, want none", cap(q.items))
	}
}

func TestQueueGrowsAndKeepsOrder(t *testing.T) {
	q := newOutQueue(DefaultQueueBytes, nil)
	want := frames(1000, "f")
	// Take some while putting, so that freed room at the head is reused.
	var got []outMsg
	var batch [3]outMsg
	for i, m := range want {
		if r := q.put(m); r != putOK {
			t.Fatalf("put %d: %v", i, r)
		}
		if i%5 == 0 {
			n := q.take(batch[:])
			q.sent(batch[:n])
			got = append(got, batch[:n]...)
		}
	}
	got = append(got, drain(q)...)
	if len(got) != len(want) {
		t.Fatalf("took %d frames, want %d", len(got), len(want))
	}
	for i := range want {
		if string(got[i].frame) != string(want[i].frame) {
			t.Fatalf("frame %d = %s, want %s", i, got[i].frame, want[i].frame)
		}
	}
	if cap(q.items) > keepCap {
		t.Errorf("a drained queue keeps room for %d frames, want at most %d", cap(q.items), keepCap)
	}
	if n := q.bytes(); n != 0 {
		t.Errorf("a drained queue counts %d bytes, want 0", n)
	}
}

// The budget counts bytes, each frame with its overhead, from put until
// the writer has sent it: frames taken but not yet written still count.
func TestQueueByteBudget(t *testing.T) {
	frame := func(n int) outMsg { return outMsg{frame: make([]byte, n)} }
	q := newOutQueue(10*(1000+frameOverhead), nil)
	for i := range 10 {
		if r := q.put(frame(1000)); r != putOK {
			t.Fatalf("put %d: %v", i, r)
		}
	}
	if r := q.put(frame(1)); r != putFull {
		t.Fatalf("put over the budget = %v, want putFull", r)
	}
	var batch [4]outMsg
	n := q.take(batch[:])
	if r := q.put(frame(1000)); r != putFull {
		t.Fatalf("put while the taken frames are not written = %v, want putFull", r)
	}
	q.sent(batch[:n])
	for i := range n {
		if r := q.put(frame(1000)); r != putOK {
			t.Fatalf("put %d after the writer sent %d frames: %v", i, n, r)
		}
	}
	if r := q.put(frame(0)); r != putFull {
		t.Fatalf("an empty frame still costs its overhead: put = %v, want putFull", r)
	}
	drain(q)

	// One frame larger than the whole budget goes out alone.
	if r := q.put(frame(100_000)); r != putOK {
		t.Fatalf("a large frame into an empty queue: %v", r)
	}
	if r := q.put(frame(1)); r != putFull {
		t.Fatalf("put behind a frame over the budget = %v, want putFull", r)
	}
	q.close()
	if r := q.put(frame(1)); r != putClosed {
		t.Fatalf("put on a closed queue = %v, want putClosed", r)
	}
	if got := drain(q); len(got) != 1 {
		t.Fatalf("a closed queue still gives what was queued: got %d, want 1", len(got))
	}
}

func TestQueueTakeStopsAtClose(t *testing.T) {
	q := newOutQueue(DefaultQueueBytes, nil)
	q.put(outMsg{frame: []byte("a")})
	q.put(outMsg{frame: []byte("bye"), closeCode: 1008, closeReason: "r"})
	q.put(outMsg{frame: []byte("after")})
	var batch [maxBatch]outMsg
	if n := q.take(batch[:]); n != 2 || batch[1].closeCode != 1008 {
		t.Fatalf("take = %d frames, last %+v; want 2 ending with the close", n, batch[1])
	}
}

// The writer starts when the first frame arrives, drains, stops when the
// queue is empty and starts again for the next frame.
func TestQueueWriterOnDemand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var (
			mu      sync.Mutex
			written []string
			starts  int
			release = make(chan struct{})
		)
		var q *outQueue
		q = newOutQueue(DefaultQueueBytes, func() {
			starts++ // under put's start, never concurrent: one writer at a time
			go func() {
				var batch [1]outMsg
				for {
					<-release
					if q.take(batch[:]) == 0 {
						return
					}
					q.sent(batch[:1])
					mu.Lock()
					written = append(written, string(batch[0].frame))
					mu.Unlock()
				}
			}()
		})
		q.put(outMsg{frame: []byte("a")})
		q.put(outMsg{frame: []byte("b")})
		q.put(outMsg{frame: []byte("c")})
		release <- struct{}{} // a
		release <- struct{}{} // b
		release <- struct{}{} // c
		release <- struct{}{} // empty: the writer stops
		synctest.Wait()
		q.put(outMsg{frame: []byte("d")})
		release <- struct{}{}
		release <- struct{}{}
		q.close()
		q.wait()
		mu.Lock()
		defer mu.Unlock()
		if fmt.Sprint(written) != "[a b c d]" || starts != 2 {
			t.Fatalf("written %v with %d writer starts, want [a b c d] with 2", written, starts)
		}
	})
}

// Pushes past the queue's byte budget disconnect the client with
// slow_consumer; so do responses it leaves unread.
func TestOverflowIsSlowConsumer(t *testing.T) {
	for _, tc := range []struct {
		name string
		put  func(s *session, frame []byte)
	}{{"push", (*session).push}, {"response", (*session).send}} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, srv := newTestHub(t)
			c := &fakeConn{closed: make(chan struct{})}
			s := testSession(srv, "c1", chat.UserCustomer)
			s.conn = c
			frame := make([]byte, 1000)
			for range srv.cfg.QueueBytes / (len(frame) + frameOverhead) {
				tc.put(s, frame)
			}
			if c.isClosed() {
				t.Fatal("closed before the queue was full")
			}
			tc.put(s, frame)
			<-c.closed
			if c.code != 1008 || c.reason != "slow_consumer" {
				t.Fatalf("closed with %d %q, want 1008 slow_consumer", c.code, c.reason)
			}
			if r := s.q.put(outMsg{frame: []byte("x")}); r != putClosed {
				t.Fatalf("queue after overflow: put = %v, want putClosed", r)
			}
		})
	}
}

// fakeConn is a transport.Conn that records what is written and how it
// was closed; Read waits for the close.
type fakeConn struct {
	mu      sync.Mutex
	written [][]byte
	code    int
	reason  string
	once    sync.Once
	closed  chan struct{}
}

func (c *fakeConn) Read(ctx context.Context) ([]byte, error) {
	select {
	case <-c.closed:
		return nil, transport.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *fakeConn) Write(_ context.Context, frames ...[]byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.code != 0 {
		return transport.ErrClosed
	}
	for _, f := range frames {
		c.written = append(c.written, slices.Clone(f))
	}
	return nil
}

func (c *fakeConn) Close(code int, reason string) error {
	c.once.Do(func() {
		c.mu.Lock()
		c.code, c.reason = code, reason
		c.mu.Unlock()
		close(c.closed)
	})
	return nil
}

func (c *fakeConn) isClosed() bool {
	select {
	case <-c.closed:
		return true
	default:
		return false
	}
}
