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

// frameOverhead is what a queued frame costs beyond its bytes: its entry
// in the queue. It keeps a flood of tiny frames within the budget too.
const frameOverhead = 64

// cost is what m counts against the queue's byte budget.
func cost(m outMsg) int { return len(m.frame) + frameOverhead }

// outQueue is a session's outbound queue: frames in the order they were
// put, drained by at most one writer at a time. It holds nothing up front
// and grows with what waits in it; an idle session's queue is empty and
// has no writer. The writer is started (by the start function) when the
// first frame arrives at an empty, writerless queue, and it stops when it
// finds the queue empty again, so a frame is never left without a writer.
//
// The queue has a byte budget: the frames waiting and those the writer
// has taken but not yet written (released with sent) may cost at most
// limit bytes. A frame that does not fit is refused (putFull), except
// into an empty queue, so that one frame larger than the budget still
// goes out alone.
//
// Once closed the queue refuses new frames; a running writer still drains
// what was put before (best effort), unless it gives up with finish.
type outQueue struct {
	mu    sync.Mutex
	cond  sync.Cond // signaled when the writer stops
	items []outMsg  // items[head:] wait, oldest first
	head  int
	size  int // bytes counted against limit: see cost and sent
	limit int

	closed  bool
	running bool // a writer owns the head of the queue

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
	putFull             // over the byte budget: the frame is dropped
	putClosed           // the queue is closed: the frame is dropped
)

// put queues m behind everything put before it. It never waits: a frame
// over the budget returns putFull.
func (q *outQueue) put(m outMsg) putResult {
	q.mu.Lock()
	switch {
	case q.closed:
		q.mu.Unlock()
		return putClosed
	case q.size > 0 && q.size+cost(m) > q.limit:
		q.mu.Unlock()
		return putFull
	}
	q.size += cost(m)
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

// bytes returns what counts against the budget now.
func (q *outQueue) bytes() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.size
}

// take moves the oldest waiting frames into batch, up to len(batch) and up
// to the first one that closes the connection, and returns how many. It is
// for the writer: 0 means the queue is empty and the writer must stop (the
// next put starts a new one). The frames taken count against the budget
// until the writer calls sent.
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
	}
	return n
}

// sent releases the budget of frames the writer has written (or dropped).
func (q *outQueue) sent(batch []outMsg) {
	n := 0
	for _, m := range batch {
		n += cost(m)
	}
	q.mu.Lock()
	q.size -= n
	q.mu.Unlock()
}

// close refuses further frames. A running writer drains what is queued.
func (q *outQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
}

// drop closes the queue and drops the frames waiting in it, releasing
// their budget; a batch a writer holds stays with it until it is written
// or fails.
func (q *outQueue) drop() {
	q.mu.Lock()
	q.closed = true
	for _, m := range q.items[q.head:] {
		q.size -= cost(m)
	}
	clear(q.items)
	q.items, q.head = nil, 0
	q.mu.Unlock()
}

// finish closes the queue and drops what waits in it: the writer calls it
// instead of take once the connection is gone, and stops.
func (q *outQueue) finish() {
	q.mu.Lock()
	q.closed = true
	q.running = false
	clear(q.items)
	q.items, q.head, q.size = nil, 0, 0
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
