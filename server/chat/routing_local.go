package chat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// LocalRouterConfig configures a LocalRouter.
type LocalRouterConfig struct {
	// Store gives the agents and their loads, and records assignments.
	// Required.
	Store Store
	// GracePeriod is how long an agent whose connections are all gone
	// stays online. Zero: DefaultGracePeriod.
	GracePeriod time.Duration
	// Now returns the current time. Nil: time.Now.
	Now func() time.Time
}

// LocalRouter is the [Router] of a single process: routing statuses,
// connections, grace periods and the queue live in its memory, and one
// mutex makes each method atomic. The agents and their loads are read from
// the Store at each decision, so agents added by another process count.
type LocalRouter struct {
	store Store
	grace time.Duration
	now   func() time.Time

	mu     sync.Mutex
	agents map[AgentRef]*agentState
	queue  map[string]queueEntry // chat id → entry
	// status holds the agents and loads GroupsStatus read last.
	status LoadsCache
}

type agentState struct {
	status RoutingStatus
	// preferred is the status a login restores: the last of accepting and
	// not accepting the agent chose (accepting at first).
	preferred    RoutingStatus
	conns        int
	goneAt       time.Time // when the last connection went; zero while connected
	lastAssigned time.Time
}

type queueEntry struct {
	license int
	groups  []int
	at      time.Time
}

// NewLocalRouter returns a LocalRouter.
func NewLocalRouter(cfg LocalRouterConfig) (*LocalRouter, error) {
	if cfg.Store == nil {
		return nil, errors.New("chat: LocalRouterConfig.Store is required")
	}
	r := &LocalRouter{store: cfg.Store, grace: cfg.GracePeriod, now: cfg.Now,
		agents: make(map[AgentRef]*agentState), queue: make(map[string]queueEntry)}
	if r.grace <= 0 {
		r.grace = DefaultGracePeriod
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r, nil
}

var _ Router = (*LocalRouter)(nil)

// state returns the agent's state, creating it offline. The caller holds
// r.mu.
func (r *LocalRouter) state(k AgentRef) *agentState {
	st := r.agents[k]
	if st == nil {
		st = &agentState{status: Offline, preferred: Accepting}
		r.agents[k] = st
	}
	return st
}

// Start implements [Router]: it restores the queue and the agents of the
// active chats from the Store.
func (r *LocalRouter) Start(ctx context.Context) error {
	queued, _, err := r.store.Chats(ctx, ChatFilter{Queued: true}, 0, 0)
	if err != nil {
		return fmt.Errorf("chat: restore the queue: %w", err)
	}
	active, _, err := r.store.Chats(ctx, ChatFilter{Active: true}, 0, 0)
	if err != nil {
		return fmt.Errorf("chat: restore the queue: %w", err)
	}
	entries := make(map[string]queueEntry, len(queued))
	for _, c := range queued {
		at := c.CreatedAt
		if ts, _, err := r.store.Threads(ctx, c.ID, 0, 1); err != nil {
			return fmt.Errorf("chat: restore the queue: %w", err)
		} else if len(ts) > 0 {
			at = ts[0].CreatedAt
		}
		entries[c.ID] = queueEntry{license: c.LicenseID, groups: chatGroups(c), at: at}
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, e := range entries {
		if _, ok := r.queue[id]; !ok {
			r.queue[id] = e
		}
	}
	for _, c := range active {
		for _, u := range c.Users {
			if !u.Present || u.Type != UserAgent {
				continue
			}
			k := AgentRef{c.LicenseID, u.ID}
			if _, ok := r.agents[k]; !ok {
				r.agents[k] = &agentState{status: Accepting, preferred: Accepting, goneAt: now}
			}
		}
	}
	return nil
}

// Connect implements [Router].
func (r *LocalRouter) Connect(_ context.Context, licenseID int, agentID string) (RoutingStatus, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.state(AgentRef{licenseID, agentID})
	st.conns++
	st.goneAt = time.Time{}
	changed := st.status == Offline
	if changed {
		st.status = st.preferred
	}
	return st.status, changed, nil
}

// Disconnect implements [Router].
func (r *LocalRouter) Disconnect(_ context.Context, licenseID int, agentID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.state(AgentRef{licenseID, agentID})
	st.conns--
	if st.conns <= 0 {
		st.conns = 0
		st.goneAt = r.now()
	}
	return nil
}

// ExpireGrace implements [Router].
func (r *LocalRouter) ExpireGrace(context.Context) ([]AgentRef, error) {
	now := r.now()
	var expired []AgentRef
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, st := range r.agents {
		if st.conns == 0 && st.status != Offline && !st.goneAt.IsZero() && now.Sub(st.goneAt) >= r.grace {
			st.status = Offline
			expired = append(expired, k)
		}
	}
	return expired, nil
}

// Status implements [Router].
func (r *LocalRouter) Status(_ context.Context, licenseID int, agentID string) (RoutingStatus, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st := r.agents[AgentRef{licenseID, agentID}]; st != nil {
		return st.status, nil
	}
	return Offline, nil
}

// SetStatus implements [Router].
func (r *LocalRouter) SetStatus(_ context.Context, licenseID int, agentID string, status RoutingStatus) (RoutingStatus, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.state(AgentRef{licenseID, agentID})
	old := st.status
	st.status = status
	if status != Offline {
		st.preferred = status
	}
	return old, nil
}
