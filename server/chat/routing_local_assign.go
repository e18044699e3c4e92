package chat

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
)

// This file holds the LocalRouter's decisions: assigning chats, the
// queue, predictions and statuses of agents and groups.

// Assign implements [Router]. The chat is read, and the agent picked and
// added to it, under the router's mutex.
func (r *LocalRouter) Assign(ctx context.Context, c Chat, exclude []string) (Agent, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stored, err := r.store.Chat(ctx, c.ID)
	if err == nil && hasPresentAgent(stored) {
		delete(r.queue, c.ID)
		return Agent{}, false, fmt.Errorf("chat %s: %w", c.ID, ErrHasAgent)
	}
	ag, ok := Agent{}, false
	if err == nil {
		ag, ok, err = r.pickLocked(ctx, c.LicenseID, chatGroups(c), exclude)
	}
	if err == nil && ok {
		err = r.store.AddChatUser(ctx, c.ID, User{ID: ag.ID, Type: UserAgent, Present: true})
		if err == nil {
			r.state(AgentRef{c.LicenseID, ag.ID}).lastAssigned = r.now()
			delete(r.queue, c.ID)
			r.status.Drop(c.LicenseID)
			return ag, true, nil
		}
	}
	if e, in := r.queue[c.ID]; in {
		e.groups = chatGroups(c)
		r.queue[c.ID] = e
	} else {
		r.queue[c.ID] = queueEntry{license: c.LicenseID, groups: chatGroups(c), at: r.now()}
	}
	return Agent{}, false, err
}

// Dequeue implements [Router].
func (r *LocalRouter) Dequeue(_ context.Context, chatID string) error {
	r.mu.Lock()
	delete(r.queue, chatID)
	r.mu.Unlock()
	return nil
}

// NextQueued implements [Router].
func (r *LocalRouter) NextQueued(ctx context.Context) (string, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.queue) == 0 {
		return "", false, nil
	}
	type item struct {
		id string
		queueEntry
	}
	items := make([]item, 0, len(r.queue))
	for id, e := range r.queue {
		items = append(items, item{id, e})
	}
	slices.SortFunc(items, func(a, b item) int { return cmp.Or(a.at.Compare(b.at), cmp.Compare(a.id, b.id)) })
	type licenseData struct {
		agents []Agent
		loads  map[string]int
	}
	data := map[int]*licenseData{}
	for _, it := range items {
		d := data[it.license]
		if d == nil {
			d = &licenseData{}
			var err error
			if d.agents, d.loads, err = r.agentLoads(ctx, it.license); err != nil {
				return "", false, fmt.Errorf("chat: drain the queue of license %d: %w", it.license, err)
			}
			data[it.license] = d
		}
		if _, ok := r.bestLocked(it.license, d.agents, d.loads, it.groups, nil); ok {
			return it.id, true, nil
		}
	}
	return "", false, nil
}

// QueuePosition implements [Router].
func (r *LocalRouter) QueuePosition(_ context.Context, c Chat) (QueueInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.queue[c.ID]
	if !ok {
		at := c.LastEventAt
		if at.IsZero() {
			at = c.CreatedAt
		}
		e = queueEntry{license: c.LicenseID, groups: chatGroups(c), at: at}
		r.queue[c.ID] = e
	}
	pos := 1
	for id, o := range r.queue {
		if id == c.ID || o.license != e.license || !slices.ContainsFunc(o.groups, func(g int) bool { return slices.Contains(e.groups, g) }) {
			continue
		}
		if cmp.Or(o.at.Compare(e.at), cmp.Compare(id, c.ID)) < 0 {
			pos++
		}
	}
	return QueueInfo{Position: pos, QueuedAt: e.at}, nil
}

// Predict implements [Router].
func (r *LocalRouter) Predict(ctx context.Context, licenseID int, groups []int) (Agent, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pickLocked(ctx, licenseID, groups, nil)
}

// Agents implements [Router].
func (r *LocalRouter) Agents(ctx context.Context, licenseID int) ([]AgentInfo, error) {
	agents, loads, err := r.agentLoads(ctx, licenseID)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]AgentInfo, len(agents))
	for i, ag := range agents {
		st := Offline
		if x := r.agents[AgentRef{licenseID, ag.ID}]; x != nil {
			st = x.status
		}
		out[i] = AgentInfo{Agent: ag, Status: st, ActiveChats: loads[ag.ID]}
	}
	return out, nil
}

// GroupsStatus implements [Router].
// It reuses the loads it read for StatusTTL.
func (r *LocalRouter) GroupsStatus(ctx context.Context, licenseID int, groupIDs []int) (map[int]GroupStatus, error) {
	at := r.now()
	agents, loads, ok := r.status.Get(licenseID, at)
	if !ok {
		var err error
		if agents, loads, err = r.agentLoads(ctx, licenseID); err != nil {
			return nil, err
		}
		r.status.Put(licenseID, at, agents, loads)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[int]GroupStatus, len(groupIDs))
	for _, g := range groupIDs {
		out[g] = r.groupStatusLocked(licenseID, g, agents, loads)
	}
	return out, nil
}

func (r *LocalRouter) groupStatusLocked(licenseID, groupID int, agents []Agent, loads map[string]int) GroupStatus {
	status := GroupOffline
	for _, ag := range agents {
		if !ag.InAnyGroup(groupID) {
			continue
		}
		if r.availableLocked(licenseID, ag, loads) {
			return GroupOnline
		}
		if st := r.agents[AgentRef{licenseID, ag.ID}]; st != nil && st.status != Offline {
			status = GroupOnlineForQueue
		}
	}
	return status
}

// availableLocked reports whether an agent can be given a chat now.
func (r *LocalRouter) availableLocked(licenseID int, ag Agent, loads map[string]int) bool {
	st := r.agents[AgentRef{licenseID, ag.ID}]
	return st != nil && st.status == Accepting && st.conns > 0 && loads[ag.ID] < ag.ChatLimit()
}

// bestLocked returns the agent a chat of groups goes to now, if any.
func (r *LocalRouter) bestLocked(licenseID int, agents []Agent, loads map[string]int, groups []int, exclude []string) (Agent, bool) {
	var (
		best   Agent
		bestAt time.Time
		found  bool
	)
	for _, ag := range agents {
		if ag.Disabled || !ag.InAnyGroup(groups...) || slices.Contains(exclude, ag.ID) || !r.availableLocked(licenseID, ag, loads) {
			continue
		}
		at := r.agents[AgentRef{licenseID, ag.ID}].lastAssigned
		if found {
			if c := cmp.Or(cmp.Compare(loads[ag.ID], loads[best.ID]), at.Compare(bestAt), cmp.Compare(ag.ID, best.ID)); c >= 0 {
				continue
			}
		}
		best, bestAt, found = ag, at, true
	}
	return best, found
}

// pickLocked returns the agent a chat of groups goes to now, if any.
func (r *LocalRouter) pickLocked(ctx context.Context, licenseID int, groups []int, exclude []string) (Agent, bool, error) {
	agents, loads, err := r.agentLoads(ctx, licenseID)
	if err != nil {
		return Agent{}, false, err
	}
	ag, ok := r.bestLocked(licenseID, agents, loads, groups, exclude)
	return ag, ok, nil
}

// agentLoads reads a license's agents and their active chats.
func (r *LocalRouter) agentLoads(ctx context.Context, licenseID int) ([]Agent, map[string]int, error) {
	agents, err := r.store.Agents(ctx, licenseID)
	if err != nil {
		return nil, nil, err
	}
	loads, err := r.store.AgentLoads(ctx, licenseID)
	if err != nil {
		return nil, nil, err
	}
	return agents, loads, nil
}
