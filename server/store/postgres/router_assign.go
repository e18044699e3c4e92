package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/server/chat"
)

// This file holds the Router's decisions: assigning chats, the queue,
// predictions and statuses of agents and groups.

// routingLockClass is the first key of the advisory lock that serializes
// the assignments of a license; the second is the license id (two licenses
// whose ids agree in their low 32 bits share a lock, which only makes them
// wait for one another).
const routingLockClass int32 = 0x726f7574 // "rout"

// agentRouting is an agent's routing state as one decision reads it.
type agentRouting struct {
	status       chat.RoutingStatus
	connected    bool // a connection with a live lease
	lastAssigned time.Time
}

// view is what a routing decision of a license reads.
type view struct {
	agents []chat.Agent
	loads  map[string]int
	states map[string]agentRouting
}

// readStates reads the routing state of a license's agents at now.
func readStates(ctx context.Context, q querier, licenseID int, now time.Time) (map[string]agentRouting, error) {
	rows, err := q.Query(ctx, `SELECT a.agent_id, a.status, a.last_assigned, EXISTS (SELECT 1 FROM routing_connections c
			WHERE c.license_id = a.license_id AND c.agent_id = a.agent_id AND c.conns > 0 AND c.expires_at > $2)
		FROM routing_agents a WHERE a.license_id = $1`, licenseID, now.UnixNano())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	states := map[string]agentRouting{}
	for rows.Next() {
		var (
			id string
			st agentRouting
			at *int64
		)
		if err := rows.Scan(&id, &st.status, &at, &st.connected); err != nil {
			return nil, err
		}
		st.lastAssigned = fromNS(at)
		states[id] = st
	}
	return states, rows.Err()
}

// readView reads a license's agents, loads and routing states on q.
func readView(ctx context.Context, q querier, licenseID int, now time.Time) (v view, err error) {
	if v.agents, err = licenseAgents(ctx, q, licenseID); err != nil {
		return view{}, err
	}
	if v.loads, err = licenseLoads(ctx, q, licenseID); err != nil {
		return view{}, err
	}
	if v.states, err = readStates(ctx, q, licenseID, now); err != nil {
		return view{}, err
	}
	return v, nil
}

// readViewTx is readView in a read-only snapshot.
func (r *Router) readViewTx(ctx context.Context, licenseID int) (v view, err error) {
	now := r.now()
	err = r.s.read(ctx, func(tx pgx.Tx) error {
		v, err = readView(ctx, tx, licenseID, now)
		return err
	})
	return v, err
}

// available reports whether an agent can be given a chat now: a disabled
// agent never can, even while its connections have yet to close.
func (v view) available(ag chat.Agent) bool {
	st, ok := v.states[ag.ID]
	return ok && !ag.Disabled && st.status == chat.Accepting && st.connected && v.loads[ag.ID] < ag.ChatLimit()
}

// best returns the agent a chat of groups goes to now, if any: the least
// loaded, then the one whose last assignment is the oldest, then the
// smallest id.
func (v view) best(groups []int, exclude []string) (chat.Agent, bool) {
	var (
		best  chat.Agent
		found bool
	)
	for _, ag := range v.agents {
		if !ag.InAnyGroup(groups...) || slices.Contains(exclude, ag.ID) || !v.available(ag) {
			continue
		}
		if found && cmp.Or(cmp.Compare(v.loads[ag.ID], v.loads[best.ID]),
			v.states[ag.ID].lastAssigned.Compare(v.states[best.ID].lastAssigned), cmp.Compare(ag.ID, best.ID)) >= 0 {
			continue
		}
		best, found = ag, true
	}
	return best, found
}

func (v view) groupStatus(groupID int) chat.GroupStatus {
	status := chat.GroupOffline
	for _, ag := range v.agents {
		if !ag.InAnyGroup(groupID) {
			continue
		}
		if v.available(ag) {
			return chat.GroupOnline
		}
		if st, ok := v.states[ag.ID]; ok && st.status != chat.Offline {
			status = chat.GroupOnlineForQueue
		}
	}
	return status
}

// chatGroups returns the groups a chat is routed to: group 0 when it has
// none.
func chatGroups(c chat.Chat) []int {
	if len(c.GroupIDs) == 0 {
		return []int{0}
	}
	return c.GroupIDs
}

// Assign implements chat.Router. Under the license's advisory lock, in one
// transaction, it reads the loads, picks the agent, makes it a present
// member of the chat and takes the chat out of the queue; or it queues the
// chat. A chat that has a present agent already (another node assigned it
// since the caller read it) is taken out of the queue and answered with
// chat.ErrHasAgent: it is not given a second agent.
func (r *Router) Assign(ctx context.Context, c chat.Chat, exclude []string) (ag chat.Agent, ok bool, err error) {
	defer wrap(&err, "assign chat %q", c.ID)
	groups := chatGroups(c)
	now := r.now()
	var taken bool
	err = r.s.write(ctx, func(tx pgx.Tx) error {
		ok, taken = false, false
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int4, $2::int4)`, routingLockClass, int32(c.LicenseID)); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM chat_users
			WHERE chat_id = $1 AND type = 'agent' AND present)`, c.ID).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return dequeue(ctx, tx, c.ID)
		}
		v, err := readView(ctx, tx, c.LicenseID, now)
		if err != nil {
			return err
		}
		if ag, ok = v.best(groups, exclude); !ok {
			return enqueue(ctx, tx, c.ID, c.LicenseID, groups, now)
		}
		if err := addChatUser(ctx, tx, c.ID, chat.User{ID: ag.ID, Type: chat.UserAgent, Present: true}); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE routing_agents SET last_assigned = $3 WHERE license_id = $1 AND agent_id = $2`,
			c.LicenseID, ag.ID, now.UnixNano()); err != nil {
			return err
		}
		return dequeue(ctx, tx, c.ID)
	})
	switch {
	case err != nil:
		// The chat keeps or takes its place in the queue if it can.
		_ = enqueue(ctx, r.s.pool, c.ID, c.LicenseID, groups, now)
		return chat.Agent{}, false, err
	case taken:
		return chat.Agent{}, false, chat.ErrHasAgent
	case ok:
		r.status.Drop(c.LicenseID)
	}
	return ag, ok, nil
}

// enqueue queues a chat at now, or updates the groups of a queued chat.
func enqueue(ctx context.Context, q querier, chatID string, licenseID int, groups []int, now time.Time) error {
	_, err := q.Exec(ctx, `INSERT INTO routing_queue (chat_id, license_id, group_ids, queued_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (chat_id) DO UPDATE SET group_ids = excluded.group_ids`, chatID, licenseID, groups, now.UnixNano())
	return err
}

func dequeue(ctx context.Context, q querier, chatID string) error {
	_, err := q.Exec(ctx, `DELETE FROM routing_queue WHERE chat_id = $1`, chatID)
	return err
}

// Dequeue implements chat.Router.
func (r *Router) Dequeue(ctx context.Context, chatID string) (err error) {
	defer wrap(&err, "dequeue chat %q", chatID)
	return dequeue(ctx, r.s.pool, chatID)
}

// NextQueued implements chat.Router. It reads the queue in order, and the
// agents of each license met, until a chat has an available agent.
func (r *Router) NextQueued(ctx context.Context) (chatID string, ok bool, err error) {
	defer wrap(&err, "next queued chat")
	now := r.now()
	err = r.s.read(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT chat_id, license_id, group_ids FROM routing_queue
			ORDER BY queued_at, chat_id COLLATE "C"`)
		if err != nil {
			return err
		}
		type item struct {
			id      string
			license int
			groups  []int
		}
		items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (it item, err error) {
			err = row.Scan(&it.id, &it.license, &it.groups)
			return it, err
		})
		if err != nil {
			return err
		}
		views := map[int]view{}
		for _, it := range items {
			v, seen := views[it.license]
			if !seen {
				if v, err = readView(ctx, tx, it.license, now); err != nil {
					return fmt.Errorf("license %d: %w", it.license, err)
				}
				views[it.license] = v
			}
			if _, found := v.best(it.groups, nil); found {
				chatID, ok = it.id, true
				return nil
			}
		}
		return nil
	})
	return chatID, ok, err
}

// QueuePosition implements chat.Router.
func (r *Router) QueuePosition(ctx context.Context, c chat.Chat) (q chat.QueueInfo, err error) {
	defer wrap(&err, "queue position of chat %q", c.ID)
	at := c.LastEventAt
	if at.IsZero() {
		at = c.CreatedAt
	}
	if at.IsZero() {
		at = r.now()
	}
	if _, err := r.s.pool.Exec(ctx, `INSERT INTO routing_queue (chat_id, license_id, group_ids, queued_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (chat_id) DO NOTHING`, c.ID, c.LicenseID, chatGroups(c), at.UnixNano()); err != nil {
		return chat.QueueInfo{}, err
	}
	var queuedAt int64
	err = r.s.pool.QueryRow(ctx, `SELECT q.queued_at, 1 + (SELECT count(*) FROM routing_queue o
			WHERE o.license_id = q.license_id AND o.group_ids && q.group_ids AND o.chat_id <> q.chat_id
			AND (o.queued_at < q.queued_at OR (o.queued_at = q.queued_at AND o.chat_id COLLATE "C" < q.chat_id COLLATE "C")))
		FROM routing_queue q WHERE q.chat_id = $1`, c.ID).Scan(&queuedAt, &q.Position)
	if err != nil {
		// Dequeued between the two statements: it was taken or closed.
		return chat.QueueInfo{}, notFound(err, "queued chat")
	}
	q.QueuedAt = time.Unix(0, queuedAt).UTC()
	return q, nil
}

// Predict implements chat.Router.
func (r *Router) Predict(ctx context.Context, licenseID int, groups []int) (ag chat.Agent, ok bool, err error) {
	defer wrap(&err, "predict an agent of license %d", licenseID)
	v, err := r.readViewTx(ctx, licenseID)
	if err != nil {
		return chat.Agent{}, false, err
	}
	ag, ok = v.best(groups, nil)
	return ag, ok, nil
}

// Agents implements chat.Router.
func (r *Router) Agents(ctx context.Context, licenseID int) (out []chat.AgentInfo, err error) {
	defer wrap(&err, "agents of license %d", licenseID)
	v, err := r.readViewTx(ctx, licenseID)
	if err != nil {
		return nil, err
	}
	out = make([]chat.AgentInfo, len(v.agents))
	for i, ag := range v.agents {
		st := chat.Offline
		if x, ok := v.states[ag.ID]; ok {
			st = x.status
		}
		out[i] = chat.AgentInfo{Agent: ag, Status: st, ActiveChats: v.loads[ag.ID]}
	}
	return out, nil
}

// GroupsStatus implements chat.Router. It reuses the agents and loads it
// read for chat.StatusTTL; the routing states it reads afresh.
func (r *Router) GroupsStatus(ctx context.Context, licenseID int, groupIDs []int) (out map[int]chat.GroupStatus, err error) {
	defer wrap(&err, "status of groups of license %d", licenseID)
	now := r.now()
	var v view
	if agents, loads, ok := r.status.Get(licenseID, now); ok {
		v = view{agents: agents, loads: loads}
		if v.states, err = readStates(ctx, r.s.pool, licenseID, now); err != nil {
			return nil, err
		}
	} else {
		if v, err = r.readViewTx(ctx, licenseID); err != nil {
			return nil, err
		}
		r.status.Put(licenseID, now, v.agents, v.loads)
	}
	out = make(map[int]chat.GroupStatus, len(groupIDs))
	for _, g := range groupIDs {
		out[g] = v.groupStatus(g)
	}
	return out, nil
}
