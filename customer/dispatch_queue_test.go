package customer

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

type qn int

func (qn) Name() string { return "qn" }

// TestRing checks the dispatcher's queue against a slice through random
// pushes and pops that wrap around, grow it and let it shrink.
func TestRing(t *testing.T) {
	const limit = 100
	var r ring
	var model []Notification
	next := 0
	for i := range 100000 {
		if rand.IntN(3) > 0 && len(model) < limit {
			r.push(qn(next), limit)
			model = append(model, qn(next))
			next++
		} else {
			got, ok := r.pop()
			if ok != (len(model) > 0) {
				t.Fatalf("step %d: pop ok=%v with %d queued", i, ok, len(model))
			}
			if ok {
				if got != model[0] {
					t.Fatalf("step %d: popped %v, want %v", i, got, model[0])
				}
				model = model[1:]
			}
		}
		if r.n != len(model) || len(r.buf) > limit {
			t.Fatalf("step %d: n=%d cap=%d, want n=%d cap≤%d", i, r.n, len(r.buf), len(model), limit)
		}
	}
	for r.n > 0 {
		r.pop()
	}
	r.pop()
	if len(r.buf) > 64 {
		t.Fatalf("a drained queue keeps %d slots", len(r.buf))
	}
}

// TestDispatcherBackpressure: emitters block while the queue is full and
// lose nothing; each emitter's notifications are handled in its order.
func TestDispatcherBackpressure(t *testing.T) {
	d := newDispatcher(3)
	defer d.stop(false)
	const emitters, each = 8, 200
	var mu sync.Mutex
	last := map[int]int{}
	count := 0
	done := make(chan struct{})
	d.add(allKey, func(n Notification) {
		v := int(n.(qn))
		e, i := v/each, v%each
		mu.Lock()
		defer mu.Unlock()
		if p, ok := last[e]; ok && i != p+1 {
			t.Errorf("emitter %d: %d after %d", e, i, p)
		}
		last[e] = i
		count++
		if count == emitters*each {
			close(done)
		}
		if rand.IntN(50) == 0 {
			time.Sleep(time.Millisecond)
		}
	})
	var wg sync.WaitGroup
	for e := range emitters {
		wg.Go(func() {
			for i := range each {
				d.emit(qn(e*each + i))
			}
		})
	}
	wg.Wait()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("handled %d of %d", count, emitters*each)
	}
}

// TestDispatcherStopReleasesEmitters: an emitter blocked on a full queue
// returns when the dispatcher stops, and later emits return at once.
func TestDispatcherStopReleasesEmitters(t *testing.T) {
	d := newDispatcher(1)
	block := make(chan struct{})
	d.add(allKey, func(Notification) { <-block })
	d.emit(qn(0)) // taken by the handler, which blocks
	d.emit(qn(1)) // fills the queue
	returned := make(chan struct{})
	go func() {
		d.emit(qn(2))
		close(returned)
	}()
	select {
	case <-returned:
		t.Fatal("emit returned with the queue full")
	case <-time.After(50 * time.Millisecond):
	}
	go func() {
		time.Sleep(20 * time.Millisecond)
		close(block)
	}()
	d.stop(false)
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("a blocked emit did not return at stop")
	}
	d.emit(qn(3))
}
