package limit

import (
	"container/list"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// DefaultMaxKeys is the number of keys a Keyed keeps when its MaxKeys is
// zero.
const DefaultMaxKeys = 16384

// Keyed is a token bucket (a rate.Limiter) per key, in bounded memory (see
// the package doc).
type Keyed struct {
	mu    sync.Mutex
	limit rate.Limit
	burst int
	max   int
	keys  map[string]*list.Element // of *bucket
	lru   list.List                // most recently used first
}

type bucket struct {
	key string
	lim *rate.Limiter
	// lockouts counts the lockouts of a Lockout's key; under Keyed.mu.
	lockouts int
}

// NewKeyed returns buckets that refill at r tokens a second up to burst,
// for at most maxKeys keys (zero: DefaultMaxKeys).
func NewKeyed(r rate.Limit, burst, maxKeys int) *Keyed {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	return &Keyed{limit: r, burst: burst, max: maxKeys, keys: make(map[string]*list.Element)}
}

// Burst is the size of each key's bucket.
func (k *Keyed) Burst() int { return k.burst }

// Take takes n tokens from key's bucket at now. When they are not all
// there it takes nothing and returns nil and how long until they would be;
// otherwise it returns the reservation that took them, whose CancelAt gives
// them back. n is capped at the bucket's size.
func (k *Keyed) Take(key string, n int, now time.Time) (*rate.Reservation, time.Duration) {
	var (
		res  *rate.Reservation
		wait time.Duration
	)
	k.with(key, now, func(b *bucket) {
		res = b.lim.ReserveN(now, min(n, k.burst))
		if wait = res.DelayFrom(now); wait > 0 {
			res.CancelAt(now)
			res = nil
		}
	})
	return res, wait
}

// Forget drops key's bucket: its next use starts full.
func (k *Keyed) Forget(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if e, ok := k.keys[key]; ok {
		k.lru.Remove(e)
		delete(k.keys, key)
	}
}

// Len returns the number of keys held.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.keys)
}

// with runs fn on key's bucket (made if missing) under the lock, and keeps
// the number of keys bounded.
func (k *Keyed) with(key string, now time.Time, fn func(*bucket)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	e, ok := k.keys[key]
	if ok {
		k.lru.MoveToFront(e)
	} else {
		e = k.lru.PushFront(&bucket{key: key, lim: rate.NewLimiter(k.limit, k.burst)})
		k.keys[key] = e
	}
	fn(e.Value.(*bucket))
	k.trim(now)
}

// trim drops the least recently used keys while they are idle (a little at
// a time, so that no call pays for many), then any while there are too
// many.
func (k *Keyed) trim(now time.Time) {
	for range 2 {
		e := k.lru.Back()
		if e == nil || e == k.lru.Front() || !k.idle(e.Value.(*bucket), now) {
			break
		}
		k.drop(e)
	}
	for len(k.keys) > k.max {
		k.drop(k.lru.Back())
	}
}

func (k *Keyed) idle(b *bucket, now time.Time) bool {
	return b.lim.TokensAt(now) >= float64(b.lim.Burst())
}

func (k *Keyed) drop(e *list.Element) {
	k.lru.Remove(e)
	delete(k.keys, e.Value.(*bucket).key)
}
