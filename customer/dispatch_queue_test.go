package customer

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

type qn int

func (qn) Name() string { return "qn" }

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
