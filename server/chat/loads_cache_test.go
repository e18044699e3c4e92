package chat

import (
	"testing"
	"time"
)

// TestHintCache: a value is reused for StatusTTL after it was read, not
// after, not before it was read (a clock set back), and not once dropped.
func TestHintCache(t *testing.T) {
	var c hintCache[int, string]
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if _, ok := c.get(1, t0); ok {
		t.Fatal("an empty cache had a value")
	}
	c.put(1, t0, "a")
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{t0, true},
		{t0.Add(StatusTTL - time.Nanosecond), true},
		{t0.Add(StatusTTL), false},
		{t0.Add(-time.Nanosecond), false},
	} {
		v, ok := c.get(1, tc.at)
		if ok != tc.want || (ok && v != "a") {
			t.Errorf("get at %v: %q, %v; want reused %v", tc.at.Sub(t0), v, ok, tc.want)
		}
	}
	if _, ok := c.get(2, t0); ok {
		t.Error("another license had the value")
	}
	c.drop(1)
	if _, ok := c.get(1, t0); ok {
		t.Error("a dropped value was reused")
	}
}
