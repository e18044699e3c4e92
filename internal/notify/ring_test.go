package notify

import (
	"math/rand/v2"
	"testing"
)

type qn int

func (qn) Name() string { return "qn" }

// TestRing checks the dispatcher's queue against a slice through random
// pushes and pops that wrap around, grow it and let it shrink.
func TestRing(t *testing.T) {
	const limit = 100
	var r ring[qn]
	var model []qn
	next := 0
	for i := range 100000 {
		if rand.IntN(3) > 0 && len(model) < limit {
			r.push(item[qn]{n: qn(next)}, limit)
			model = append(model, qn(next))
			next++
		} else {
			got, ok := r.pop()
			if ok != (len(model) > 0) {
				t.Fatalf("step %d: pop ok=%v with %d queued", i, ok, len(model))
			}
			if ok {
				if got.n != model[0] {
					t.Fatalf("step %d: popped %v, want %v", i, got.n, model[0])
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
