package chat

import (
	"sync"
	"time"
)

// StatusTTL is how long a Router's GroupsStatus may reuse the agents and
// loads it read (LoadsCache). The status a customer is told at login is a
// hint, and a storm of logins (every visitor reconnecting after a deploy)
// must not count every active chat of the license once per login. Routing
// decisions always read afresh, and a router's own assignment drops what it
// kept; a change of load made otherwise (an agent joining or leaving a
// chat, a chat closing) shows in the status within StatusTTL.
const StatusTTL = time.Second

// maxCachedLicenses bounds the licenses a LoadsCache keeps.
const maxCachedLicenses = 10_000

// LoadsCache keeps, per license, the agents and their loads a router read
// for GroupsStatus, for StatusTTL. The zero value is ready to use; it is
// safe for concurrent use.
type LoadsCache struct {
	mu sync.Mutex
	m  map[int]cachedLoads
}

type cachedLoads struct {
	at     time.Time
	agents []Agent
	loads  map[string]int
}

// Get returns what was kept for the license, if it was read less than
// StatusTTL before now.
func (c *LoadsCache) Get(licenseID int, now time.Time) (agents []Agent, loads map[string]int, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[licenseID]
	if !ok || now.Sub(e.at) >= StatusTTL {
		return nil, nil, false
	}
	return e.agents, e.loads, true
}

// Put keeps the agents and loads of the license, read at at.
func (c *LoadsCache) Put(licenseID int, at time.Time, agents []Agent, loads map[string]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedLicenses {
		c.m = make(map[int]cachedLoads)
	}
	c.m[licenseID] = cachedLoads{at: at, agents: agents, loads: loads}
}

// Drop forgets what was kept for the license (its loads changed).
func (c *LoadsCache) Drop(licenseID int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, licenseID)
}
