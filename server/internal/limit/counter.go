package limit

import "sync"

// Counter counts what is open per key (connections) against a maximum.
// The zero value is not usable; see NewCounter.
type Counter struct {
	mu  sync.Mutex
	max int
	n   map[string]int
}

// NewCounter returns a Counter allowing max per key.
func NewCounter(max int) *Counter { return &Counter{max: max, n: make(map[string]int)} }

// Acquire counts one more for key, or returns false when key already has
// the maximum.
func (c *Counter) Acquire(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] >= c.max {
		return false
	}
	c.n[key]++
	return true
}

// Release counts one less for key, after a successful Acquire.
func (c *Counter) Release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[key] <= 1 {
		delete(c.n, key)
		return
	}
	c.n[key]--
}

// Len returns the number of keys with something open.
func (c *Counter) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.n)
}
