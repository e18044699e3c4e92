package customer

import (
	"context"
	"iter"
	"sync"

	"github.com/parleychat/parley/internal/notify"
)

// dispatcher runs handlers one at a time, in emit order, on its own
// goroutine. emit blocks while the queue is full: nothing is dropped; the
// connection's reader waits instead (see Config.NotificationBuffer). The
// queue grows with what waits in it, so that an idle SDK does not hold a
// full buffer. The mechanics are internal/notify's.
type dispatcher struct {
	nd *notify.Dispatcher[Notification]
}

// allKey receives every notification; unknownKey every UnknownPush.
const (
	allKey     = notify.All
	unknownKey = "*unknown"
)

func newDispatcher(buffer int) *dispatcher {
	return &dispatcher{nd: notify.New(buffer, func(n Notification) string {
		if _, ok := n.(UnknownPush); ok {
			return unknownKey
		}
		return ""
	})}
}

// emit queues n; it blocks while the queue is full and returns at once
// after stop. A stopMarker stops the dispatcher once every notification
// emitted before it has been handled.
func (d *dispatcher) emit(n Notification) {
	if _, ok := n.(stopMarker); ok {
		d.nd.EmitStop()
		return
	}
	d.nd.Emit(n)
}

func (d *dispatcher) add(key string, fn func(Notification)) (off func()) {
	return d.nd.Add(key, fn)
}

// stop removes every handler and ends the dispatcher goroutine; queued
// notifications are dropped. Unless called from a handler, it waits for
// the goroutine to end (a running handler to return), also when the
// dispatcher was already stopped.
func (d *dispatcher) stop(fromHandler bool) { d.nd.Stop(fromHandler) }

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
	return s.d.nd.AddOnce(name, fn)
}

// Notifications returns every notification the SDK emits, in order, from
// the moment the iteration starts until ctx ends, the loop breaks, or the
// SDK is destroyed. It is the counterpart of the JS SDK's $$observable.
//
// The iteration is fed from the dispatch goroutine through a buffer of
// Config.NotificationBuffer notifications; a consumer that falls further
// behind holds up every handler (nothing is dropped).
func (s *SDK) Notifications(ctx context.Context) iter.Seq[Notification] {
	return s.d.nd.Seq(ctx, s.cfg.NotificationBuffer)
}
