package notify_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleychat/parley/internal/notify"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

type note struct {
	name string
	n    int
}

func (n note) Name() string { return n.name }

func TestOrderAndKeys(t *testing.T) {
	d := notify.New[note](4, func(n note) string {
		if n.name == "odd" {
			return "extra"
		}
		return ""
	})
	defer d.Stop(false)
	var mu sync.Mutex
	var byName, extra, all []int
	done := make(chan struct{})
	d.Add("even", func(n note) { mu.Lock(); byName = append(byName, n.n); mu.Unlock() })
	d.Add("extra", func(n note) { mu.Lock(); extra = append(extra, n.n); mu.Unlock() })
	d.Add(notify.All, func(n note) {
		mu.Lock()
		all = append(all, n.n)
		mu.Unlock()
		if n.n == 99 {
			close(done)
		}
	})
	once := 0
	d.AddOnce("even", func(note) { once++ })
	for i := range 100 { // far more than the queue holds: Emit waits
		name := "even"
		if i%2 == 1 {
			name = "odd"
		}
		d.Emit(note{name, i})
	}
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(all) != 100 || len(byName) != 50 || len(extra) != 50 || once != 1 {
		t.Fatalf("got %d, %d, %d, once %d", len(all), len(byName), len(extra), once)
	}
	for i, n := range all {
		if n != i {
			t.Fatalf("out of order: %v", all)
		}
	}
}

func TestOffAndStop(t *testing.T) {
	d := notify.New[note](16, nil)
	got := make(chan int, 16)
	off := d.Add("x", func(n note) { got <- n.n })
	d.Emit(note{"x", 1})
	if n := <-got; n != 1 {
		t.Fatalf("got %d", n)
	}
	off()
	off()
	stopped := make(chan struct{})
	d.Add("x", func(n note) {
		if n.n == 3 {
			close(stopped)
		}
	})
	d.Emit(note{"x", 2})
	d.Emit(note{"x", 3})
	d.EmitStop() // after 2 and 3
	d.Emit(note{"x", 4})
	<-stopped
	select {
	case <-d.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("EmitStop did not stop the dispatcher")
	}
	d.Stop(false) // idempotent, waits for the goroutine
	if len(got) != 0 {
		t.Errorf("a removed handler ran")
	}
	d.Emit(note{"x", 5}) // returns at once
	if off := d.Add("x", func(note) {}); off == nil {
		t.Error("Add after Stop returned nil")
	}
}

func TestSeq(t *testing.T) {
	d := notify.New[note](16, nil)
	defer d.Stop(false)
	seen := make(chan note, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for n := range d.Seq(context.Background(), 1) {
			seen <- n
			if n.n == 9 {
				return // ends the iteration
			}
		}
	}()
	// Probe until the iteration receives one: it has subscribed.
	for probing := true; probing; {
		d.Emit(note{"probe", -1})
		select {
		case <-seen:
			probing = false
		case <-time.After(10 * time.Millisecond):
		}
	}
	for i := range 10 {
		d.Emit(note{"x", i})
	}
	<-done
	close(seen)
	var got []int
	for n := range seen {
		if n.n >= 0 {
			got = append(got, n.n)
		}
	}
	if len(got) != 10 {
		t.Fatalf("Seq got %v", got)
	}
	for i, n := range got {
		if n != i {
			t.Fatalf("Seq out of order: %v", got)
		}
	}

	// The iteration ends with its ctx.
	ctx, cancel := context.WithCancel(context.Background())
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		for range d.Seq(ctx, 1) {
		}
	}()
	cancel()
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("Seq did not end with its ctx")
	}
}
