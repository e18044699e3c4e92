package customer

import (
	"context"
	"iter"
	"sync"
)

// dispatcher runs handlers one at a time, in emit order, on its own
// goroutine. emit blocks while the queue is full: nothing is dropped; the
// connection's reader waits instead (see Config.NotificationBuffer). The
// queue grows with what waits in it, so that an idle SDK does not hold a
// full buffer.
type dispatcher struct {
	limit int
	qmu   sync.Mutex
	q     ring          // waiting notifications, at most limit
	more  chan struct{} // holds a token when the queue may have become non-empty
	room  chan struct{} // holds a token when the queue may have room
	done  chan struct{} // closed by stop
	exit  chan struct{} // closed when run returns

	mu       sync.Mutex
	handlers map[string][]*handler
	stopped  bool
}

type handler struct {
	fn func(Notification)
}

// allKey receives every notification; unknownKey every UnknownPush.
const (
	allKey     = "*"
	unknownKey = "*unknown"
)

// ring is a FIFO queue that grows as needed up to a limit and lets its
// storage go once drained after a burst.
type ring struct {
	buf     []Notification
	head, n int
}

func (r *ring) push(x Notification, limit int) {
	if r.n == len(r.buf) {
		nb := make([]Notification, min(max(16, 2*len(r.buf)), limit))
		for i := range r.n {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.n)%len(r.buf)] = x
	r.n++
}

func (r *ring) pop() (Notification, bool) {
	if r.n == 0 {
		if len(r.buf) > 64 {
			r.buf, r.head = nil, 0
		}
		return nil, false
	}
	x := r.buf[r.head]
	r.buf[r.head] = nil
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

func newDispatcher(buffer int) *dispatcher {
	d := &dispatcher{
		limit:    buffer,
		more:     make(chan struct{}, 1),
		room:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		exit:     make(chan struct{}),
		handlers: make(map[string][]*handler),
	}
	go d.run()
	return d
}

func (d *dispatcher) run() {
	defer close(d.exit)
	for {
		d.qmu.Lock()
		n, ok := d.q.pop()
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
		if _, ok := n.(stopMarker); ok {
			d.stop(true)
			return
		}
		for _, h := range d.match(n) {
			h.fn(n)
		}
	}
}

func (d *dispatcher) match(n Notification) []*handler {
	d.mu.Lock()
	defer d.mu.Unlock()
	var hs []*handler
	hs = append(hs, d.handlers[n.Name()]...)
	if _, ok := n.(UnknownPush); ok {
		hs = append(hs, d.handlers[unknownKey]...)
	}
	return append(hs, d.handlers[allKey]...)
}

// emit queues n; it blocks while the queue is full and returns at once
// after stop.
func (d *dispatcher) emit(n Notification) {
	for {
		select {
		case <-d.done:
			return
		default:
		}
		d.qmu.Lock()
		if d.q.n < d.limit {
			d.q.push(n, d.limit)
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

func (d *dispatcher) add(key string, fn func(Notification)) (off func()) {
	h := &handler{fn: fn}
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

// stop removes every handler and ends the dispatcher goroutine; queued
// notifications are dropped. Unless called from a handler, it waits for
// the goroutine to end (a running handler to return), also when the
// dispatcher was already stopped.
func (d *dispatcher) stop(fromHandler bool) {
	d.mu.Lock()
	if !d.stopped {
		d.stopped = true
		d.handlers = make(map[string][]*handler)
		close(d.done)
	}
	d.mu.Unlock()
	if !fromHandler {
		<-d.exit
	}
}

// On calls fn with every notification of type T, for example
//
//	off := customer.On(sdk, func(e customer.NewEvent) { fmt.Println(e.Event.Text) })
//
// Handlers run one at a time, in arrival order, on the SDK's dispatch
// goroutine. A handler receives what is dispatched after On returns; that
// may include notifications caused by a call that has already returned
// (the UserJoinedChat of a StartChat, say) when the dispatch goroutine has
// not reached them yet. The returned off removes the handler; calling it
// more than once is harmless. On(sdk, func(customer.UnknownPush){…})
// receives every push this package has no type for.
func On[T Notification](s *SDK, fn func(T)) (off func()) {
	var zero T
	key := zero.Name()
	if _, ok := any(zero).(UnknownPush); ok {
		key = unknownKey
	}
	return s.d.add(key, func(n Notification) {
		if t, ok := n.(T); ok {
			fn(t)
		}
	})
}

// Once is On for the next notification of type T only.
func Once[T Notification](s *SDK, fn func(T)) (off func()) {
	var once sync.Once
	var offFn func()
	var mu sync.Mutex
	mu.Lock()
	offFn = On(s, func(t T) {
		once.Do(func() {
			mu.Lock()
			f := offFn
			mu.Unlock()
			f()
			fn(t)
		})
	})
	mu.Unlock()
	return offFn
}

// On calls fn with every notification of the given JS SDK event name
// ("new_event", "user_is_typing", …; "*" for all), for parity with the JS
// SDK's on(). Prefer the typed customer.On in Go code.
func (s *SDK) On(name string, fn func(Notification)) (off func()) {
	return s.d.add(name, fn)
}

// Once is On for the next notification of that name only.
func (s *SDK) Once(name string, fn func(Notification)) (off func()) {
	var once sync.Once
	var mu sync.Mutex
	var offFn func()
	mu.Lock()
	offFn = s.d.add(name, func(n Notification) {
		once.Do(func() {
			mu.Lock()
			f := offFn
			mu.Unlock()
			f()
			fn(n)
		})
	})
	mu.Unlock()
	return offFn
}

// Notifications returns every notification the SDK emits, in order, from
// the moment the iteration starts until ctx ends, the loop breaks, or the
// SDK is destroyed. It is the counterpart of the JS SDK's $$observable.
//
// The iteration is fed from the dispatch goroutine through a buffer of
// Config.NotificationBuffer notifications; a consumer that falls further
// behind holds up every handler (nothing is dropped).
func (s *SDK) Notifications(ctx context.Context) iter.Seq[Notification] {
	return func(yield func(Notification) bool) {
		ch := make(chan Notification, s.cfg.NotificationBuffer)
		stop := make(chan struct{})
		defer close(stop)
		off := s.d.add(allKey, func(n Notification) {
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
			case <-s.d.done:
				return
			}
		}
	}
}
