package chat

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Routing gives chats to agents.
//
// Agents belong to groups (none: group 0) and have a routing status and a
// limit of concurrent chats (Agent.ChatLimit). An agent's load is the
// number of active chats it is a present member of (Store.AgentLoads). A
// chat that needs an agent (a new chat, a new thread of a chat no online
// agent is in, a chat whose agents left or went offline, a chat
// transferred to a group) goes to an agent of one of the chat's groups who
// is accepting chats, connected and below the limit: the least loaded
// first, then the one whose last assignment is the oldest. That agent
// joins the chat: the chat's members get chat_user_added, the agent gets
// incoming_chat_thread. When nobody is available the chat is queued: it
// is an active chat without a present agent (Store Queued filter), and
// the router remembers since when it waits. Queued chats are given out
// oldest first as soon as an agent of their groups frees up (a chat of
// theirs closes or loses them, they start accepting, they log in), and on
// a periodic retry that also picks up changes made by other processes
// (parley agent add). While a chat is queued, the pushes about it go to
// every agent of its groups.
//
// Routing statuses live in memory, per process. An agent becomes
// accepting_chats when it logs in (or the status it last chose,
// accepting_chats or not_accepting_chats); when its last connection has
// been gone for the grace period it becomes offline and leaves its active
// chats, which are routed again.
//
// Locking: a change to a chat runs under the chat's lock (Service.lock);
// routing decisions and the store writes that carry them out run under the
// router's mutex, taken inside a chat lock and never the other way round.
// Nothing is notified while the router's mutex is held, and no chat lock is
// held while the queue is drained (drain takes chat locks one at a time).

// RoutingStatus is an agent's routing status.
type RoutingStatus string

const (
	// Accepting agents are given chats.
	Accepting RoutingStatus = "accepting_chats"
	// NotAccepting agents keep their chats but get no new ones.
	NotAccepting RoutingStatus = "not_accepting_chats"
	// Offline agents get no chats and keep none active.
	Offline RoutingStatus = "offline"
)

// Valid reports whether r is one of the three statuses.
func (r RoutingStatus) Valid() bool {
	return r == Accepting || r == NotAccepting || r == Offline
}

// GroupStatus says whether a group can take a chat.
type GroupStatus string

const (
	// GroupOnline: an agent of the group can take a chat now.
	GroupOnline GroupStatus = "online"
	// GroupOnlineForQueue: agents of the group are online but full, not
	// accepting or reconnecting; a new chat waits in the queue.
	GroupOnlineForQueue GroupStatus = "online_for_queue"
	// GroupOffline: no agent of the group is online.
	GroupOffline GroupStatus = "offline"
)

// DefaultGracePeriod is how long an agent whose connections are all gone
// stays online when Config.GracePeriod is zero.
const DefaultGracePeriod = 30 * time.Second

type agentKey struct {
	license int
	id      string
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

type router struct {
	grace time.Duration

	mu     sync.Mutex
	agents map[agentKey]*agentState
	queue  map[string]queueEntry // chat id → entry

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

func (r *router) init(grace time.Duration) {
	if grace <= 0 {
		grace = DefaultGracePeriod
	}
	r.grace = grace
	r.agents = make(map[agentKey]*agentState)
	r.queue = make(map[string]queueEntry)
	r.stop = make(chan struct{})
}

// state returns the agent's state, creating it offline.
func (r *router) state(k agentKey) *agentState {
	st := r.agents[k]
	if st == nil {
		st = &agentState{status: Offline, preferred: Accepting}
		r.agents[k] = st
	}
	return st
}

func (r *router) dequeue(chatID string) {
	r.mu.Lock()
	delete(r.queue, chatID)
	r.mu.Unlock()
}

// chatGroups returns the groups a chat is routed to: group 0 when it has
// none.
func chatGroups(c Chat) []int {
	if len(c.GroupIDs) == 0 {
		return []int{0}
	}
	return c.GroupIDs
}

func inAnyGroup(a Agent, groups []int) bool {
	for _, g := range a.GroupIDs() {
		if slices.Contains(groups, g) {
			return true
		}
	}
	return false
}

// StartRouting restores the queue from the store (the active chats
// without an agent, in the order their threads started) and starts the
// background work of routing: grace periods and retries of the queue. The
// agents present in active chats count as having just disconnected: those
// who do not come back within the grace period leave their chats. Call
// StopRouting to end it.
func (s *Service) StartRouting(ctx context.Context) error {
	r := &s.routing
	queued, _, err := s.store.Chats(ctx, ChatFilter{Queued: true}, 0, 0)
	if err != nil {
		return fmt.Errorf("chat: restore the queue: %w", err)
	}
	active, _, err := s.store.Chats(ctx, ChatFilter{Active: true}, 0, 0)
	if err != nil {
		return fmt.Errorf("chat: restore the queue: %w", err)
	}
	entries := make(map[string]queueEntry, len(queued))
	for _, c := range queued {
		at := c.CreatedAt
		if ts, _, err := s.store.Threads(ctx, c.ID, 0, 1); err != nil {
			return fmt.Errorf("chat: restore the queue: %w", err)
		} else if len(ts) > 0 {
			at = ts[0].CreatedAt
		}
		entries[c.ID] = queueEntry{license: c.LicenseID, groups: chatGroups(c), at: at}
	}
	now := s.now()
	r.mu.Lock()
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
			k := agentKey{c.LicenseID, u.ID}
			if _, ok := r.agents[k]; !ok {
				r.agents[k] = &agentState{status: Accepting, preferred: Accepting, goneAt: now}
			}
		}
	}
	r.done = make(chan struct{})
	r.mu.Unlock()

	tick := min(r.grace/4, time.Second)
	tick = max(tick, 10*time.Millisecond)
	go func() {
		defer close(r.done)
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-r.stop:
				return
			case <-t.C:
				s.routingTick(context.Background())
			}
		}
	}()
	return nil
}

// StopRouting ends the background work StartRouting started and waits
// for it.
func (s *Service) StopRouting() {
	r := &s.routing
	r.stopOnce.Do(func() { close(r.stop) })
	r.mu.Lock()
	done := r.done
	r.mu.Unlock()
	if done != nil {
		<-done
	}
}

// routingTick sets offline the agents whose grace period is over, routes
// their chats again and retries the queue.
func (s *Service) routingTick(ctx context.Context) {
	r := &s.routing
	now := s.now()
	var expired []agentKey
	r.mu.Lock()
	for k, st := range r.agents {
		if st.conns == 0 && st.status != Offline && !st.goneAt.IsZero() && now.Sub(st.goneAt) >= r.grace {
			st.status = Offline
			expired = append(expired, k)
		}
	}
	queued := len(r.queue) > 0
	r.mu.Unlock()
	for _, k := range expired {
		s.announceStatus(ctx, k.license, k.id, Offline)
		s.unassign(ctx, k.license, k.id)
	}
	if queued {
		s.drain(ctx)
	}
}

// AgentConnected records a logged-in connection of an agent. An offline
// agent becomes accepting_chats, or not_accepting_chats if that is what it
// chose last. It returns the agent's status and a function to call once
// the login has been answered: it tells the license's agents about a
// changed status and gives the agent the chats waiting for it.
func (s *Service) AgentConnected(licenseID int, agentID string) (RoutingStatus, func(context.Context)) {
	r := &s.routing
	r.mu.Lock()
	st := r.state(agentKey{licenseID, agentID})
	st.conns++
	st.goneAt = time.Time{}
	changed := st.status == Offline
	if changed {
		st.status = st.preferred
	}
	status := st.status
	r.mu.Unlock()
	return status, func(ctx context.Context) {
		if changed {
			s.announceStatus(ctx, licenseID, agentID, status)
		}
		if status == Accepting {
			s.drain(ctx)
		}
	}
}

// AgentDisconnected records that a logged-in connection of an agent ended.
// When it was the last one the grace period starts.
func (s *Service) AgentDisconnected(licenseID int, agentID string) {
	r := &s.routing
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.state(agentKey{licenseID, agentID})
	st.conns--
	if st.conns <= 0 {
		st.conns = 0
		st.goneAt = s.now()
	}
}

// RoutingStatus returns an agent's routing status.
func (s *Service) RoutingStatus(licenseID int, agentID string) RoutingStatus {
	r := &s.routing
	r.mu.Lock()
	defer r.mu.Unlock()
	if st := r.agents[agentKey{licenseID, agentID}]; st != nil {
		return st.status
	}
	return Offline
}

// agentOnline reports whether an agent's status is not offline (it may be
// reconnecting within its grace period).
func (s *Service) agentOnline(licenseID int, agentID string) bool {
	return s.RoutingStatus(licenseID, agentID) != Offline
}

// SetRoutingStatus sets the actor's routing status and tells every agent
// of the license. Going offline gives the agent's active chats back to
// routing; starting to accept takes chats from the queue.
func (s *Service) SetRoutingStatus(ctx context.Context, a Actor, status RoutingStatus) error {
	if a.Type != UserAgent {
		return invalid("only agents have a routing status")
	}
	if !status.Valid() {
		return invalid("status must be accepting_chats, not_accepting_chats or offline")
	}
	r := &s.routing
	r.mu.Lock()
	st := r.state(agentKey{a.LicenseID, a.UserID})
	old := st.status
	st.status = status
	if status != Offline {
		st.preferred = status
	}
	r.mu.Unlock()
	s.announceStatus(ctx, a.LicenseID, a.UserID, status)
	switch {
	case status == Offline && old != Offline:
		s.unassign(ctx, a.LicenseID, a.UserID)
	case status == Accepting:
		s.drain(ctx)
	}
	return nil
}

func (s *Service) announceStatus(ctx context.Context, licenseID int, agentID string, status RoutingStatus) {
	s.notifier.Notify(ctx, Notification{LicenseID: licenseID, AllAgents: true,
		Push: RoutingStatusSet{AgentID: agentID, Status: status}})
}

// available reports whether an agent can be given a chat now.
func (s *Service) availableLocked(licenseID int, ag Agent, loads map[string]int) bool {
	st := s.routing.agents[agentKey{licenseID, ag.ID}]
	return st != nil && st.status == Accepting && st.conns > 0 && loads[ag.ID] < ag.ChatLimit()
}

// bestLocked returns the agent a chat of groups goes to now, if any.
func (s *Service) bestLocked(licenseID int, agents []Agent, loads map[string]int, groups []int, exclude []string) (Agent, bool) {
	var (
		best   Agent
		bestAt time.Time
		found  bool
	)
	for _, ag := range agents {
		if !inAnyGroup(ag, groups) || slices.Contains(exclude, ag.ID) || !s.availableLocked(licenseID, ag, loads) {
			continue
		}
		at := s.routing.agents[agentKey{licenseID, ag.ID}].lastAssigned
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
func (s *Service) pickLocked(ctx context.Context, licenseID int, groups []int, exclude []string) (Agent, bool, error) {
	agents, err := s.store.Agents(ctx, licenseID)
	if err != nil {
		return Agent{}, false, err
	}
	loads, err := s.store.AgentLoads(ctx, licenseID)
	if err != nil {
		return Agent{}, false, err
	}
	ag, ok := s.bestLocked(licenseID, agents, loads, groups, exclude)
	return ag, ok, nil
}

// route gives c, an active chat without a present agent, to an available
// agent of its groups (not one of exclude), who joins it; or queues it.
// The caller holds the chat's lock and tells about the assignment
// (notifyAssigned). ok is false when the chat was queued.
func (s *Service) route(ctx context.Context, c Chat, exclude ...string) (Agent, bool) {
	r := &s.routing
	r.mu.Lock()
	defer r.mu.Unlock()
	ag, ok, err := s.pickLocked(ctx, c.LicenseID, chatGroups(c), exclude)
	if err == nil && ok {
		err = s.store.AddChatUser(ctx, c.ID, User{ID: ag.ID, Type: UserAgent, Present: true})
		if err == nil {
			r.state(agentKey{c.LicenseID, ag.ID}).lastAssigned = s.now()
			delete(r.queue, c.ID)
			return ag, true
		}
	}
	if err != nil {
		s.log.Error("route chat", "chat_id", c.ID, "err", err)
	}
	if _, in := r.queue[c.ID]; !in {
		r.queue[c.ID] = queueEntry{license: c.LicenseID, groups: chatGroups(c), at: s.now()}
	} else {
		e := r.queue[c.ID]
		e.groups = chatGroups(c)
		r.queue[c.ID] = e
	}
	return Agent{}, false
}

// notifyAssigned tells about an agent routing made join a chat: the
// chat's other members (and, when the chat was queued, the other agents of
// its groups) get chat_user_added, the agent incoming_chat_thread. The
// caller holds the chat's lock.
func (s *Service) notifyAssigned(ctx context.Context, chatID string, ag Agent, wasQueued bool, before Chat) {
	c, err := s.store.Chat(ctx, chatID)
	if err != nil {
		s.log.Error("load routed chat", "chat_id", chatID, "err", err)
		return
	}
	members, err := s.Members(ctx, c)
	if err != nil {
		s.log.Error("load chat members", "chat_id", chatID, "err", err)
		return
	}
	var m Member
	for _, x := range members {
		if x.ID == ag.ID {
			m = x
		}
	}
	to := recipients(c)
	if wasQueued {
		to = merge(to, s.audience(ctx, before))
	}
	to = slices.DeleteFunc(to, func(r Recipient) bool { return r.ID == ag.ID && r.Type == UserAgent })
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: to,
		Push: UserAdded{ChatID: c.ID, ThreadID: c.LastThreadID, Member: m}})
	ts, err := s.store.ThreadsByID(ctx, c.ID, []string{c.LastThreadID})
	if err != nil || len(ts) == 0 {
		s.log.Error("load routed thread", "chat_id", chatID, "err", err)
		return
	}
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: []Recipient{{ID: ag.ID, Type: UserAgent}},
		Push: IncomingChatThread{Chat: c, Members: members, Thread: ts[0]}})
}

// routeAndNotify routes c, a chat that has just lost its agents or that
// waits in the queue, and tells about the assignment. The caller holds the
// chat's lock.
func (s *Service) routeAndNotify(ctx context.Context, c Chat, exclude ...string) {
	if !c.Active || hasPresentAgent(c) {
		s.routing.dequeue(c.ID)
		return
	}
	if ag, ok := s.route(ctx, c, exclude...); ok {
		s.notifyAssigned(ctx, c.ID, ag, true, c)
	}
}

// maxDrain bounds one drain; the periodic retry goes on from there.
const maxDrain = 10000

// drain gives queued chats, oldest first, to the agents who can take them.
// The caller holds no chat lock.
func (s *Service) drain(ctx context.Context) {
	for range maxDrain {
		id, ok := s.nextAssignable(ctx)
		if !ok || !s.assignQueued(ctx, id) {
			return
		}
	}
}

// nextAssignable returns the oldest queued chat an agent can take now.
func (s *Service) nextAssignable(ctx context.Context) (string, bool) {
	r := &s.routing
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.queue) == 0 {
		return "", false
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
			if d.agents, err = s.store.Agents(ctx, it.license); err == nil {
				d.loads, err = s.store.AgentLoads(ctx, it.license)
			}
			if err != nil {
				s.log.Error("drain the queue", "license", it.license, "err", err)
				return "", false
			}
			data[it.license] = d
		}
		if _, ok := s.bestLocked(it.license, d.agents, d.loads, it.groups, nil); ok {
			return it.id, true
		}
	}
	return "", false
}

// assignQueued routes a queued chat. It returns false when the chat is
// still waiting (nobody could take it after all).
func (s *Service) assignQueued(ctx context.Context, chatID string) bool {
	unlock := s.lock(chatID)
	defer unlock()
	c, err := s.store.Chat(ctx, chatID)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			s.log.Error("load queued chat", "chat_id", chatID, "err", err)
			return false
		}
		s.routing.dequeue(chatID)
		return true
	}
	if !c.Active || hasPresentAgent(c) {
		s.routing.dequeue(chatID)
		return true
	}
	ag, ok := s.route(ctx, c)
	if !ok {
		return false
	}
	s.notifyAssigned(ctx, c.ID, ag, true, c)
	return true
}

// unassign takes an offline agent out of its active chats and routes
// them again.
func (s *Service) unassign(ctx context.Context, licenseID int, agentID string) {
	chats, _, err := s.store.Chats(ctx, ChatFilter{LicenseID: licenseID, MemberID: agentID, Active: true}, 0, 0)
	if err != nil {
		s.log.Error("chats of an offline agent", "agent", agentID, "err", err)
		return
	}
	for _, listed := range chats {
		func() {
			unlock := s.lock(listed.ID)
			defer unlock()
			c, err := s.store.Chat(ctx, listed.ID)
			if err != nil {
				s.log.Error("load chat of an offline agent", "chat_id", listed.ID, "err", err)
				return
			}
			if !isPresent(c, agentID) || !c.Active {
				return
			}
			if _, err := s.removeAgentLocked(ctx, Origin{}, c, agentID); err != nil {
				s.log.Error("remove an offline agent", "chat_id", c.ID, "agent", agentID, "err", err)
			}
		}()
	}
	s.drain(ctx)
}

// removeAgentLocked takes an agent out of chat c (loaded under the chat's
// lock, which the caller holds), tells who heard of the chat before and
// after, and routes the chat again when no agent is left in it.
func (s *Service) removeAgentLocked(ctx context.Context, o Origin, c Chat, agentID string) (Chat, error) {
	if err := s.store.RemoveChatUser(ctx, c.ID, agentID); err != nil {
		return c, err
	}
	after, err := s.store.Chat(ctx, c.ID)
	if err != nil {
		return c, err
	}
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: merge(s.audience(ctx, c), s.audience(ctx, after)),
		Origin: o, Push: UserRemoved{ChatID: c.ID, ThreadID: c.LastThreadID, UserID: agentID, UserType: UserAgent}})
	if after.Active && !hasPresentAgent(after) {
		s.routeAndNotify(ctx, after, agentID)
	}
	return after, nil
}

// dropOfflineAgents takes the offline agents out of chat c, which has no
// active thread, before a new thread opens: the chat is then routed again
// unless an online agent stays. The caller holds the chat's lock.
func (s *Service) dropOfflineAgents(ctx context.Context, c Chat) Chat {
	for _, u := range c.Users {
		if !u.Present || u.Type != UserAgent || s.agentOnline(c.LicenseID, u.ID) {
			continue
		}
		if err := s.store.RemoveChatUser(ctx, c.ID, u.ID); err != nil {
			s.log.Error("remove an offline agent", "chat_id", c.ID, "agent", u.ID, "err", err)
			continue
		}
		s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: recipients(c),
			Push: UserRemoved{ChatID: c.ID, ThreadID: c.LastThreadID, UserID: u.ID, UserType: UserAgent}})
		for i := range c.Users {
			if c.Users[i].ID == u.ID {
				c.Users[i].Present = false
			}
		}
	}
	return c
}

// groupAgents are the agents of the chat's groups.
func (s *Service) groupAgents(ctx context.Context, c Chat) []Recipient {
	agents, err := s.store.Agents(ctx, c.LicenseID)
	if err != nil {
		s.log.Error("load agents", "license", c.LicenseID, "err", err)
		return nil
	}
	groups := chatGroups(c)
	var out []Recipient
	for _, ag := range agents {
		if inAnyGroup(ag, groups) {
			out = append(out, Recipient{ID: ag.ID, Type: UserAgent})
		}
	}
	return out
}

// audience is who hears of a change of chat c: its present members and,
// while no agent is in it, every agent of its groups.
func (s *Service) audience(ctx context.Context, c Chat) []Recipient {
	to := recipients(c)
	if !hasPresentAgent(c) {
		to = merge(to, s.groupAgents(ctx, c))
	}
	return to
}

// merge returns the recipients of a and b, each once.
func merge(a, b []Recipient) []Recipient {
	out := slices.Clone(a)
	for _, r := range b {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// QueueInfo is a queued chat's place in the queue.
type QueueInfo struct {
	// Position is 1 for the chat given out next among the queued chats
	// sharing a group with it.
	Position int
	QueuedAt time.Time
}

// queueInfo returns the place of c, a queued chat, in the queue.
func (s *Service) queueInfo(c Chat) QueueInfo {
	r := &s.routing
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.queue[c.ID]
	if !ok {
		// Queued in the store but not here (another process queued it):
		// it counts from its last activity.
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
	return QueueInfo{Position: pos, QueuedAt: e.at}
}

// PredictedAgent returns the agent a new chat of the group would go to
// now. ErrGroupsOffline when nobody can take it.
func (s *Service) PredictedAgent(ctx context.Context, a Actor, groupID int) (Agent, error) {
	r := &s.routing
	r.mu.Lock()
	ag, ok, err := s.pickLocked(ctx, a.LicenseID, []int{groupID}, nil)
	r.mu.Unlock()
	if err != nil {
		return Agent{}, err
	}
	if !ok {
		return Agent{}, ErrGroupsOffline
	}
	return ag, nil
}

// GroupsStatus tells for each group whether it can take a chat. Nil ids
// mean every group of the license; unknown ids are left out.
func (s *Service) GroupsStatus(ctx context.Context, a Actor, ids []int) (map[int]GroupStatus, error) {
	groups, err := s.store.Groups(ctx, a.LicenseID)
	if err != nil {
		return nil, err
	}
	agents, err := s.store.Agents(ctx, a.LicenseID)
	if err != nil {
		return nil, err
	}
	loads, err := s.store.AgentLoads(ctx, a.LicenseID)
	if err != nil {
		return nil, err
	}
	r := &s.routing
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[int]GroupStatus)
	for _, g := range groups {
		if ids != nil && !slices.Contains(ids, g.ID) {
			continue
		}
		out[g.ID] = s.groupStatusLocked(a.LicenseID, g.ID, agents, loads)
	}
	return out, nil
}

func (s *Service) groupStatusLocked(licenseID, groupID int, agents []Agent, loads map[string]int) GroupStatus {
	status := GroupOffline
	for _, ag := range agents {
		if !inAnyGroup(ag, []int{groupID}) {
			continue
		}
		if s.availableLocked(licenseID, ag, loads) {
			return GroupOnline
		}
		if st := s.routing.agents[agentKey{licenseID, ag.ID}]; st != nil && st.status != Offline {
			status = GroupOnlineForQueue
		}
	}
	return status
}

// AgentInfo is an agent as list_agents shows it.
type AgentInfo struct {
	Agent
	Status      RoutingStatus
	ActiveChats int
}

// ListAgents returns the license's agents with their routing status and
// load, ordered by id.
func (s *Service) ListAgents(ctx context.Context, a Actor) ([]AgentInfo, error) {
	agents, err := s.store.Agents(ctx, a.LicenseID)
	if err != nil {
		return nil, err
	}
	loads, err := s.store.AgentLoads(ctx, a.LicenseID)
	if err != nil {
		return nil, err
	}
	r := &s.routing
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]AgentInfo, len(agents))
	for i, ag := range agents {
		st := Offline
		if x := r.agents[agentKey{a.LicenseID, ag.ID}]; x != nil {
			st = x.status
		}
		out[i] = AgentInfo{Agent: ag, Status: st, ActiveChats: loads[ag.ID]}
	}
	return out, nil
}

// GroupInfo is a group as list_groups shows it.
type GroupInfo struct {
	Group
	Status GroupStatus
}

// ListGroups returns the license's groups with their status, ordered by
// id.
func (s *Service) ListGroups(ctx context.Context, a Actor) ([]GroupInfo, error) {
	groups, err := s.store.Groups(ctx, a.LicenseID)
	if err != nil {
		return nil, err
	}
	st, err := s.GroupsStatus(ctx, a, nil)
	if err != nil {
		return nil, err
	}
	out := make([]GroupInfo, len(groups))
	for i, g := range groups {
		out[i] = GroupInfo{Group: g, Status: st[g.ID]}
	}
	return out, nil
}
