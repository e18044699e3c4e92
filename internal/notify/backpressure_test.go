package notify

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestDispatcherBackpressure: emitters block while the queue is full and
// lose nothing; each emitter's notifications are handled in its order.
func TestDispatcherBackpressure(t *testing.T) {
	d := New[qn](3, nil)
	defer d.Stop(false)
	const emitters, each = 8, 200
	var mu sync.Mutex
	last := map[int]int{}
	count := 0
	done := make(chan struct{})
	d.Add(All, func(n qn) {
		v := int(n)
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
				d.Emit(qn(e*each + i))
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
	d := New[qn](1, nil)
	block := make(chan struct{})
	d.Add(All, func(qn) { <-block })
	d.Emit(qn(0)) // taken by the handler, which blocks
	d.Emit(qn(1)) // fills the queue
	returned := make(chan struct{})
	go func() {
		d.Emit(qn(2))
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
	d.Stop(false)
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("a blocked emit did not return at stop")
	}
	d.Emit(qn(3))
}
