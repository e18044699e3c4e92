package session

import "sync"

// outMsg is one entry of a session's outbound queue.
type outMsg struct {
	frame []byte
	// closeCode, when not zero, closes the connection after frame.
	closeCode   int
	closeReason string
}

// maxBatch is how many queued frames the writer hands the transport in one
// write.
const maxBatch = 16

// keepCap is the largest backing array an empty queue keeps; a queue that
// grew past it for a burst gives the memory back once drained.
const keepCap = 8

// outQueue is a session's outbound queue: frames in the order they were
// put, drained by at most one writer at a time. It holds nothing up front
// and grows with what waits in it; an idle session's queue is empty and
// has no writer. The writer is started (by the start function) when the
// first frame arrives at an empty, writerless queue, and it stops when it
// finds the queue empty again, so a frame is never left without a writer.
//
// Once closed the queue refuses new frames; a running writer still drains
// what was put before (best effort), unless it gives up with finish.
type outQueue struct {
	mu    sync.Mutex
	cond  sync.Cond // signaled when frames leave, the writer stops or the queue closes
	items []outMsg  // items[head:] wait, oldest first
	head  int
	limit int // see admit

	closed  bool
	running bool // a writer owns the head of the queue
	waiters int  // put calls waiting for room

	// start runs a writer (normally in a goroutine of its own) that calls
	// take until it returns nothing. Nil: nothing drains the queue (tests
	// read it with take).
	start func()
}

func newOutQueue(limit int, start func()) *outQueue {
	q := &outQueue{limit: limit, start: start}
	q.cond.L = &q.mu
	return q
}

// putResult says what became of a frame given to put.
type putResult int

const (
	putOK     putResult = iota
	putFull             // no room (and the caller would not wait)
	putClosed           // the queue is closed: the frame is dropped
)

// put queues m behind everything put before it. With wait, it waits for
// room (only the session's reader waits, for its responses); without, a
// full queue returns putFull at once.
func (q *outQueue) put(m outMsg, wait bool) putResult {
	q.mu.Lock()
	for {
		if q.closed {
			q.mu.Unlock()
			return putClosed
		}
		if q.admit(m) {
			break
		}
		if !wait {
			q.mu.Unlock()
			return putFull
		}
		q.waiters++
		q.cond.Wait()
		q.waiters--
	}
	q.append(m)
	start := !q.running && q.start != nil
	if start {
		q.running = true
	}
	q.mu.Unlock()
	if start {
		q.start()
	}
	return putOK
}

// admit reports whether m fits in the queue. It is the one place where
// the queue's size is accounted: the limit counts frames waiting (a frame
// taken by the writer no longer counts). The caller holds q.mu.
func (q *outQueue) admit(outMsg) bool {
	return len(q.items)-q.head < q.limit
}

// append adds m at the tail, reusing the room freed at the head before
// growing. The caller holds q.mu.
func (q *outQueue) append(m outMsg) {
	if len(q.items) == cap(q.items) && q.head > 0 {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items = q.items[:n]
		q.head = 0
	}
	q.items = append(q.items, m)
}

// len returns how many frames wait.
func (q *outQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) - q.head
}

// take moves the oldest waiting frames into batch, up to len(batch) and up
// to the first one that closes the connection, and returns how many. It is
// for the writer: 0 means the queue is empty and the writer must stop (the
// next put starts a new one).
func (q *outQueue) take(batch []outMsg) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := 0
	for n < len(batch) && q.head < len(q.items) {
		m := q.items[q.head]
		q.items[q.head] = outMsg{}
		q.head++
		batch[n] = m
		n++
		if m.closeCode != 0 {
			break
		}
	}
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
		if cap(q.items) > keepCap {
			q.items = nil
		}
	}
	if n == 0 {
		q.running = false
		q.cond.Broadcast()
	} else if q.waiters > 0 {
		q.cond.Broadcast()
	}
	return n
}

// close refuses further frames. A running writer drains what is queued.
func (q *outQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}

// finish closes the queue and drops what waits in it: the writer calls it
// instead of take once the connection is gone, and stops.
func (q *outQueue) finish() {
	q.mu.Lock()
	q.closed = true
	q.running = false
	clear(q.items)
	q.items, q.head = nil, 0
	q.cond.Broadcast()
	q.mu.Unlock()
}

// wait returns once no writer runs. Call it after close: a closed queue
// starts no new writer.
func (q *outQueue) wait() {
	q.mu.Lock()
	for q.running {
		q.cond.Wait()
	}
	q.mu.Unlock()
}
