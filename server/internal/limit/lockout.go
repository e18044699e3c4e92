package limit

import (
	"time"

	"golang.org/x/time/rate"
)

// Lockout limits failed attempts (logins) per key, with a lockout that
// grows. Each key may fail Failures times in a row; the failure that uses
// the last try locks the key out for First, and the tries come back one per
// lockout period. Every further lockout of the key doubles the period, up
// to Max. A key that stays quiet until all its tries are back is forgotten
// (see the package doc), and so is one that succeeds when Reset is called.
//
// An attempt takes its try up front, before the (costly) check it guards,
// so that concurrent attempts cannot all slip past the count.
type Lockout struct {
	keys       *Keyed
	first, max time.Duration
}

// NewLockout returns a Lockout allowing failures tries per key, locking out
// for first and then twice as long each time, up to max, for at most
// maxKeys keys (zero: DefaultMaxKeys).
func NewLockout(failures int, first, max time.Duration, maxKeys int) *Lockout {
	return &Lockout{keys: NewKeyed(rate.Every(first), failures, maxKeys), first: first, max: max}
}

// Try is an attempt in progress, holding its key's try.
type Try struct {
	l   *Lockout
	key string
	res *rate.Reservation
}

// Attempt takes a try for key at now. When key is locked out it returns
// false and how long the lockout still lasts.
func (l *Lockout) Attempt(key string, now time.Time) (Try, time.Duration, bool) {
	res, wait := l.keys.Take(key, 1, now)
	if res == nil {
		return Try{}, wait, false
	}
	return Try{l: l, key: key, res: res}, 0, true
}

// Succeeded gives the try back: a success does not count against the key.
func (t Try) Succeeded(now time.Time) {
	if t.res != nil {
		t.res.CancelAt(now)
	}
}

// Failed keeps the try taken. When it was the key's last, the key is
// locked out from now on; Failed returns for how long (zero otherwise).
func (t Try) Failed(now time.Time) time.Duration {
	if t.l == nil {
		return 0
	}
	var locked time.Duration
	t.l.keys.with(t.key, now, func(b *bucket) {
		tokens := b.lim.TokensAt(now)
		if tokens >= 1 {
			return
		}
		period := t.l.first
		for range b.lockouts {
			if period >= t.l.max {
				break
			}
			period *= 2
		}
		period = min(period, t.l.max)
		b.lockouts++
		b.lim.SetLimitAt(now, rate.Every(period))
		locked = time.Duration((1 - tokens) * float64(period))
	})
	return locked
}

// Reset forgets key: its failures and lockouts so far no longer count.
func (l *Lockout) Reset(key string) { l.keys.Forget(key) }
