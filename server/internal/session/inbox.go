package session

import (
	"context"
	"sync"

	"github.com/parleychat/parley/protocol"
)

// maxWaitingBytes bounds the bytes of the requests that wait in one
// connection's inbox, whatever their number: two frames of the largest
// size. A request that would pass it waits (the reader stops reading)
// until the handler has taken enough.
const maxWaitingBytes = 2 * protocol.MaxFrameBytes

// inbox holds the requests a connection has sent and not yet had answered:
// those waiting, oldest first, as read, and the one in hand. The reader
// puts them (the handler decodes them, so that the reader's stack, which a
// connection keeps all its life, stays small);
// a handler goroutine, running only while requests wait (the inbox starts
// it, and it ends when it finds the inbox empty), takes them one at a time,
// in order.
//
// A request counts from the moment it is read until its answer is queued
// (answered) or its handling ends, whichever comes first: a client that
// has its answer may send the next request at once.
type inbox struct {
	mu      sync.Mutex
	cond    sync.Cond // signaled when requests leave, the handler stops or the inbox closes
	max     int       // requests waiting and in hand, at most
	reqs    [][]byte  // the frames of the requests waiting, oldest first
	bytes   int       // bytes of reqs
	inHand  bool      // the handler holds a request not yet answered
	running bool      // a handler goroutine runs
	closed  bool      // shutdown or the connection's end: no more requests
	start   func()
	// cancel ends the request in hand when the inbox closes (see
	// session.handle).
	cancel context.CancelFunc
}

func (in *inbox) init(max int, start func()) {
	in.max, in.start = max, start
	in.cond.L = &in.mu
}

// inboxResult says what became of a request given to put.
type inboxResult int

const (
	inboxOK     inboxResult = iota
	inboxFull               // over the count: refuse it
	inboxClosed             // the connection is going: drop it
)

// put queues it behind the requests before it, starting a handler when
// none runs. It waits while the requests waiting hold too many bytes.
func (in *inbox) put(frame []byte) inboxResult {
	in.mu.Lock()
	if !in.closed && len(in.reqs)+btoi(in.inHand) >= in.max {
		in.mu.Unlock()
		return inboxFull
	}
	for !in.closed && len(in.reqs) > 0 && in.bytes+len(frame) > maxWaitingBytes {
		in.cond.Wait()
	}
	if in.closed {
		in.mu.Unlock()
		return inboxClosed
	}
	in.reqs = append(in.reqs, frame)
	in.bytes += len(frame)
	start := !in.running
	in.running = true
	in.mu.Unlock()
	if start {
		in.start()
	}
	return inboxOK
}

// take hands the handler the oldest waiting request, now in hand; false
// when none waits, and the handler must stop.
func (in *inbox) take() ([]byte, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.inHand = false
	if len(in.reqs) == 0 || in.closed {
		in.running = false
		in.reqs, in.bytes = nil, 0
		in.cond.Broadcast()
		return nil, false
	}
	frame := in.reqs[0]
	in.reqs[0] = nil
	in.reqs = in.reqs[1:]
	if len(in.reqs) == 0 {
		in.reqs = nil // give back the backing array of a burst
	}
	in.bytes -= len(frame)
	in.inHand = true
	in.cond.Broadcast()
	return frame, true
}

// handling notes how to end the request in hand: close calls cancel. It
// reports false, having called cancel, when the inbox is closed already.
func (in *inbox) handling(cancel context.CancelFunc) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		cancel()
		return false
	}
	in.cancel = cancel
	return true
}

// handled forgets the cancel of the request that was in hand.
func (in *inbox) handled() {
	in.mu.Lock()
	in.cancel = nil
	in.mu.Unlock()
}

// answered frees the place of the request in hand: its answer is about to
// be queued.
func (in *inbox) answered() {
	in.mu.Lock()
	in.inHand = false
	in.mu.Unlock()
}

// close drops the waiting requests and refuses further ones; the request
// in hand, if any, has its context canceled and ends.
func (in *inbox) close() {
	in.mu.Lock()
	in.closed = true
	if in.cancel != nil {
		in.cancel()
		in.cancel = nil
	}
	in.reqs, in.bytes = nil, 0
	in.cond.Broadcast()
	in.mu.Unlock()
}

// wait returns once no handler runs. Call it after close.
func (in *inbox) wait() {
	in.mu.Lock()
	for in.running {
		in.cond.Wait()
	}
	in.mu.Unlock()
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
