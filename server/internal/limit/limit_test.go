package limit

import (
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestKeyedTakesAndRefuses(t *testing.T) {
	k := NewKeyed(rate.Every(time.Second), 3, 0)
	for i := range 3 {
		if res, _ := k.Take("a", 1, t0); res == nil {
			t.Fatalf("take %d refused within the burst", i+1)
		}
	}
	res, wait := k.Take("a", 1, t0)
	if res != nil || wait != time.Second {
		t.Fatalf("4th take: res %v wait %v, want refused for 1s", res, wait)
	}
	if res, _ := k.Take("b", 1, t0); res == nil {
		t.Fatal("another key is refused")
	}
	// A refusal takes nothing: one second later exactly one token is back.
	if res, _ := k.Take("a", 1, t0.Add(time.Second)); res == nil {
		t.Fatal("refused after the refill")
	}
	if res, _ := k.Take("a", 1, t0.Add(time.Second)); res != nil {
		t.Fatal("two tokens after one second")
	}
	// Asking for more than the bucket holds asks for the whole bucket.
	if res, _ := k.Take("c", 10, t0); res == nil {
		t.Fatal("an oversized take on a full bucket is refused")
	}
}

// TestKeyedBounded: a flood of distinct keys never holds more than MaxKeys,
// and idle keys go first.
func TestKeyedBounded(t *testing.T) {
	k := NewKeyed(rate.Every(time.Minute), 2, 100)
	now := t0
	for i := range 10000 {
		k.Take("k"+strconv.Itoa(i), 1, now)
		if n := k.Len(); n > 100 {
			t.Fatalf("after %d keys: %d held, want at most 100", i+1, n)
		}
	}
	// Much later every bucket is full again: the idle keys drain as other
	// keys are used.
	now = now.Add(time.Hour)
	for range 100 {
		k.Take("busy", 1, now)
		now = now.Add(time.Millisecond)
	}
	if n := k.Len(); n > 2 {
		t.Fatalf("%d keys held after they all went idle, want the busy one (and at most one more)", n)
	}
}

func TestLockoutGrows(t *testing.T) {
	l := NewLockout(3, time.Minute, 5*time.Minute, 0)
	now := t0
	fail := func() time.Duration {
		t.Helper()
		try, wait, ok := l.Attempt("acct", now)
		if !ok {
			t.Fatalf("at %v: locked out for %v, want an attempt", now.Sub(t0), wait)
		}
		return try.Failed(now)
	}
	for i := range 2 {
		if d := fail(); d != 0 {
			t.Fatalf("failure %d locks out for %v", i+1, d)
		}
	}
	if d := fail(); d != time.Minute {
		t.Fatalf("3rd failure locks out for %v, want 1m", d)
	}
	if _, wait, ok := l.Attempt("acct", now.Add(30*time.Second)); ok || wait != 30*time.Second {
		t.Fatalf("during the lockout: ok %v wait %v, want refused for 30s", ok, wait)
	}
	// Each further lockout doubles, up to the maximum.
	// Each further lockout doubles, up to the maximum: when the lockout
	// ends one try is back, and its failure locks the key out again.
	prev := time.Minute
	for _, want := range []time.Duration{2 * time.Minute, 4 * time.Minute, 5 * time.Minute, 5 * time.Minute} {
		now = now.Add(prev)
		if d := fail(); d != want {
			t.Fatalf("next lockout %v, want %v", d, want)
		}
		prev = want
	}
	// A success gives its try back; Reset forgets the key.
	l.Reset("acct")
	for range 10 {
		try, _, ok := l.Attempt("acct", now)
		if !ok {
			t.Fatal("successes lock a key out")
		}
		try.Succeeded(now)
	}
}

func TestCounter(t *testing.T) {
	c := NewCounter(2)
	for i := range 2 {
		if !c.Acquire("a") {
			t.Fatalf("acquire %d refused under the maximum", i+1)
		}
	}
	if c.Acquire("a") {
		t.Fatal("a third accepted")
	}
	if !c.Acquire("b") {
		t.Fatal("another key refused")
	}
	c.Release("a")
	if !c.Acquire("a") {
		t.Fatal("refused after a release")
	}
	c.Release("a")
	c.Release("a")
	c.Release("b")
	if n := c.Len(); n != 0 {
		t.Fatalf("%d keys held with nothing open", n)
	}
}

func TestAddrsKey(t *testing.T) {
	for _, tc := range []struct {
		addr     string
		loopback bool
		key      string
		limited  bool
	}{
		{"192.0.2.7", false, "192.0.2.7", true},
		{"::ffff:192.0.2.7", false, "192.0.2.7", true},
		{"2001:db8:1:2:3:4:5:6", false, "2001:db8:1:2::/64", true},
		{"2001:db8:1:2:ffff::1", false, "2001:db8:1:2::/64", true},
		{"127.0.0.1", false, "", false},
		{"::1", false, "", false},
		{"127.0.0.1", true, "127.0.0.1", true},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = netip.AddrPortFrom(netip.MustParseAddr(tc.addr), 4000).String()
		key, limited := Addrs{Loopback: tc.loopback}.Key(ClientIP(r))
		if key != tc.key || limited != tc.limited {
			t.Errorf("%s (loopback %v): %q %v, want %q %v", tc.addr, tc.loopback, key, limited, tc.key, tc.limited)
		}
	}
}
