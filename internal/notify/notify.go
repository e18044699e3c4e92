// Package notify is the notification dispatcher of Parley's Go clients: it
// runs the handlers of a client one at a time, in emit order, on one
// goroutine of its own, and never drops a notification: an emitter waits
// while the queue is full.
//
// Handlers are registered under a key: a notification's Name, the key
// every notification goes to (All), or an extra key a client gives some
// notifications (for example all pushes it has no type for).
package notify

import (
	"context"
	"iter"
	"sync"
)

// Named is what a client emits: Name is its handler key.
type Named interface {
	Name() string
}

// All is the key of handlers that receive every notification.
const All = "*"

// Dispatcher runs handlers for notifications of type N. Create it with
// New; Stop ends its goroutine.
type Dispatcher[N Named] struct {
	limit int
	extra func(N) string

	qmu  sync.Mutex
	q    ring[N]       // waiting notifications, at most limit
	more chan struct{} // holds a token when the queue may have become non-empty
	room chan struct{} // holds a token when the queue may have room
	done chan struct{} // closed by Stop
	exit chan struct{} // closed when run returns

	mu       sync.Mutex
	handlers map[string][]*handler[N]
	stopped  bool
}

type handler[N Named] struct {
	fn func(N)
}

// item is a queued notification, or the marker EmitStop queues.
type item[N Named] struct {
	n    N
	stop bool
}

// ring is a FIFO queue that grows as needed up to a limit and lets its
// storage go once drained after a burst, so that an idle client does not
// hold a full buffer.
type ring[N Named] struct {
	buf     []item[N]
	head, n int
}

func (r *ring[N]) push(x item[N], limit int) {
	if r.n == len(r.buf) {
		nb := make([]item[N], min(max(16, 2*len(r.buf)), limit))
		for i := range r.n {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.n)%len(r.buf)] = x
	r.n++
}

func (r *ring[N]) pop() (item[N], bool) {
	if r.n == 0 {
		if len(r.buf) > 64 {
			r.buf, r.head = nil, 0
		}
		return item[N]{}, false
	}
	x := r.buf[r.head]
	r.buf[r.head] = item[N]{}
	r.head = (r.head + 1) % len(r.buf)
	r.n--
	return x, true
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// New starts a dispatcher whose queue holds up to limit notifications
// (at least 1). extra, if not nil, gives a notification a second key
// ("" for none) whose handlers also receive it.
func New[N Named](limit int, extra func(N) string) *Dispatcher[N] {
	d := &Dispatcher[N]{
		limit:    max(limit, 1),
		extra:    extra,
		more:     make(chan struct{}, 1),
		room:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		exit:     make(chan struct{}),
		handlers: make(map[string][]*handler[N]),
	}
	go d.run()
	return d
}

func (d *Dispatcher[N]) run() {
	defer close(d.exit)
	for {
		d.qmu.Lock()
		it, ok := d.q.pop()
		d.qmu.Unlock()
		if !ok {
			select {
			case <-d.more:
				continue
			case <-d.done:
				return
			}
		}
		signal(d.room)
		select {
		case <-d.done:
			return
		default:
		}
		if it.stop {
			d.Stop(true)
			return
		}
		for _, h := range d.match(it.n) {
			h.fn(it.n)
		}
	}
}

func (d *Dispatcher[N]) match(n N) []*handler[N] {
	d.mu.Lock()
	defer d.mu.Unlock()
	var hs []*handler[N]
	hs = append(hs, d.handlers[n.Name()]...)
	if d.extra != nil {
		if k := d.extra(n); k != "" {
			hs = append(hs, d.handlers[k]...)
		}
	}
	return append(hs, d.handlers[All]...)
}

// Emit queues n for the handlers. It blocks while the queue is full and
// returns at once after Stop.
func (d *Dispatcher[N]) Emit(n N) { d.put(item[N]{n: n}) }

// EmitStop makes the dispatcher stop (as Stop does) once every
// notification emitted before has been handled.
func (d *Dispatcher[N]) EmitStop() { d.put(item[N]{stop: true}) }

func (d *Dispatcher[N]) put(it item[N]) {
	for {
		select {
		case <-d.done:
			return
		default:
		}
		d.qmu.Lock()
		if d.q.n < d.limit {
			d.q.push(it, d.limit)
			room := d.q.n < d.limit
			d.qmu.Unlock()
			signal(d.more)
			if room {
				signal(d.room) // another emitter may be waiting
			}
			return
		}
		d.qmu.Unlock()
		select {
		case <-d.room:
		case <-d.done:
			return
		}
	}
}

// Add registers fn under key. The returned off removes it; calling off
// more than once is harmless. After Stop, Add registers nothing.
func (d *Dispatcher[N]) Add(key string, fn func(N)) (off func()) {
	h := &handler[N]{fn: fn}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return func() {}
	}
	d.handlers[key] = append(d.handlers[key], h)
	return func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		hs := d.handlers[key]
		for i, x := range hs {
			if x == h {
				d.handlers[key] = append(hs[:i:i], hs[i+1:]...)
				return
			}
		}
	}
}

// AddOnce is Add for the first matching notification only.
func (d *Dispatcher[N]) AddOnce(key string, fn func(N)) (off func()) {
	var (
		once  sync.Once
		mu    sync.Mutex
		offFn func()
	)
	mu.Lock()
	defer mu.Unlock()
	offFn = d.Add(key, func(n N) {
		once.Do(func() {
			mu.Lock()
			f := offFn
			mu.Unlock()
			f()
			fn(n)
		})
	})
	return offFn
}

// Stop removes every handler and ends the dispatcher's goroutine; queued
// notifications are dropped. Unless called from a handler (fromHandler),
// it waits until the goroutine has ended (a running handler returned),
// also when the dispatcher was already stopped. It is idempotent.
func (d *Dispatcher[N]) Stop(fromHandler bool) {
	d.mu.Lock()
	if !d.stopped {
		d.stopped = true
		d.handlers = make(map[string][]*handler[N])
		close(d.done)
	}
	d.mu.Unlock()
	if !fromHandler {
		<-d.exit
	}
}

// Done is closed when the dispatcher stops.
func (d *Dispatcher[N]) Done() <-chan struct{} { return d.done }

// Seq returns every notification from the moment the iteration starts
// until ctx ends, the loop breaks, or the dispatcher stops. It is fed
// from the dispatch goroutine through a buffer of buffer notifications; a
// consumer that falls further behind holds up every handler (nothing is
// dropped).
func (d *Dispatcher[N]) Seq(ctx context.Context, buffer int) iter.Seq[N] {
	return func(yield func(N) bool) {
		ch := make(chan N, max(buffer, 1))
		stop := make(chan struct{})
		defer close(stop)
		off := d.Add(All, func(n N) {
			select {
			case ch <- n:
			case <-stop:
			case <-ctx.Done():
			}
		})
		defer off()
		for {
			select {
			case n := <-ch:
				if !yield(n) {
					return
				}
			case <-ctx.Done():
				return
			case <-d.done:
				return
			}
		}
	}
}
