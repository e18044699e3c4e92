package chat

import (
	"sync"
	"time"
)

// StatusTTL is how long what a customer is told at login may be reused:
// the agents and loads behind a Router's GroupsStatus (LoadsCache), and
// the license and its groups the Service checks at login and lists in the
// status. The status is a hint, and a storm of logins (every visitor
// reconnecting after a deploy) must not read the license, its groups and
// every active chat of the license once per login. Routing decisions always
// read afresh, and a router's own assignment drops what it kept; a change
// made otherwise (an agent joining or leaving a chat, a chat closing, a
// group added by another process) shows within StatusTTL.
const StatusTTL = time.Second

// maxCachedLicenses bounds the licenses a hintCache keeps.
const maxCachedLicenses = 10_000

// hintCache keeps a value per license (a license id, or another key that
// names one) for StatusTTL. The zero value is ready to use; it is safe for
// concurrent use. Values are shared between callers, who must not modify
// them.
type hintCache[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]hint[V]
}

type hint[V any] struct {
	at time.Time
	v  V
}

// get returns what was kept for the license, if it was read less than
// StatusTTL before now.
func (c *hintCache[K, V]) get(licenseID K, now time.Time) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[licenseID]
	if !ok || now.Sub(e.at) >= StatusTTL || now.Before(e.at) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put keeps v for the license, read at at.
func (c *hintCache[K, V]) put(licenseID K, at time.Time, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedLicenses {
		c.m = make(map[K]hint[V])
	}
	c.m[licenseID] = hint[V]{at: at, v: v}
}

// drop forgets what was kept for the license.
func (c *hintCache[K, V]) drop(licenseID K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, licenseID)
}

// LoadsCache keeps, per license, the agents and their loads a router read
// for GroupsStatus, for StatusTTL. The zero value is ready to use; it is
// safe for concurrent use.
type LoadsCache struct {
	c hintCache[int, agentLoads]
}

type agentLoads struct {
	agents []Agent
	loads  map[string]int
}

// Get returns what was kept for the license, if it was read less than
// StatusTTL before now.
func (c *LoadsCache) Get(licenseID int, now time.Time) (agents []Agent, loads map[string]int, ok bool) {
	v, ok := c.c.get(licenseID, now)
	return v.agents, v.loads, ok
}

// Put keeps the agents and loads of the license, read at at.
func (c *LoadsCache) Put(licenseID int, at time.Time, agents []Agent, loads map[string]int) {
	c.c.put(licenseID, at, agentLoads{agents, loads})
}

// Drop forgets what was kept for the license (its loads changed).
func (c *LoadsCache) Drop(licenseID int) { c.c.drop(licenseID) }
