package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/server/chat"
)

// DefaultLease is how long a node's record of an agent's connections stays
// valid without being renewed, when RouterConfig.Lease is zero.
const DefaultLease = 30 * time.Second

// RouterConfig configures a Router.
type RouterConfig struct {
	// GracePeriod is how long an agent whose connections are all gone
	// stays online. Zero: chat.DefaultGracePeriod.
	GracePeriod time.Duration
	// Now returns the current time. Nil: time.Now. The nodes' clocks are
	// compared (leases, grace periods, queue order), so they should agree
	// to well within the lease.
	Now func() time.Time
	// Node names this process among the nodes sharing the database; two
	// running nodes must not share a name. A node restarted under its name
	// drops the connections it recorded before (Start). Empty: a random
	// name.
	Node string
	// Lease is how long the connections a node records stay valid unless
	// the node renews them; it renews them at each ExpireGrace (which the
	// Service calls at least every second) and at each Renew. When a node
	// dies its connections expire after the lease, and its agents with no
	// connection left on another node enter their grace period. Zero:
	// DefaultLease.
	Lease time.Duration
}

// Router is a chat.Router whose state lives in the database, so that any
// number of nodes on one database route consistently: the routing status
// of each agent, its connections per node (with a lease), its grace period
// and the queue are rows of the tables of migrations/0002_routing.sql.
//
// Assignments of one license are serialized across nodes by an advisory
// lock (pg_advisory_xact_lock) held by the transaction that counts the
// loads (as [Store.AgentLoads] does), picks the agent, adds it to the chat
// (as [Store.AddChatUser] does) and takes the chat out of the queue; the
// next assignment of the license, on any node, sees the new load. So no
// agent goes above its chat limit through the router, a chat is not given
// two agents, and the queue is served first in, first out. Changes of an
// agent's status and connections lock the agent's row.
type Router struct {
	s     *Store
	grace time.Duration
	lease time.Duration
	now   func() time.Time
	node  string

	// status holds the agents and loads GroupsStatus read last.
	status chat.LoadsCache
}

var _ chat.Router = (*Router)(nil)

// NewRouter returns a Router on the store's database.
func NewRouter(s *Store, cfg RouterConfig) (*Router, error) {
	if s == nil {
		return nil, errors.New("postgres: NewRouter: the store is required")
	}
	r := &Router{s: s, grace: cfg.GracePeriod, lease: cfg.Lease, now: cfg.Now, node: cfg.Node}
	if r.grace <= 0 {
		r.grace = chat.DefaultGracePeriod
	}
	if r.lease <= 0 {
		r.lease = DefaultLease
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.node == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		r.node = "node-" + hex.EncodeToString(b[:])
	}
	return r, nil
}

// Node returns the name of the node.
func (r *Router) Node() string { return r.node }

// Start implements chat.Router. It drops the connections this node
// recorded before it restarted (the agents left without one enter their
// grace period), queues the active chats without an agent that are not
// queued yet (from their first thread) and records the agents present in
// active chats that the routing tables do not know as just disconnected.
func (r *Router) Start(ctx context.Context) (err error) {
	defer wrap(&err, "start the router")
	now := r.now().UnixNano()
	return r.s.write(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `DELETE FROM routing_connections WHERE node = $1 RETURNING license_id, agent_id`, r.node)
		if err != nil {
			return err
		}
		refs, err := pgx.CollectRows(rows, scanRef)
		if err != nil {
			return err
		}
		for _, k := range refs {
			if err := r.markGone(ctx, tx, k, now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO routing_queue (chat_id, license_id, group_ids, queued_at)
			SELECT c.id, c.license_id, CASE WHEN cardinality(c.group_ids) = 0 THEN '{0}' ELSE c.group_ids END,
				coalesce((SELECT t.created_at FROM threads t WHERE t.chat_id = c.id ORDER BY t.created_at, t.id LIMIT 1), c.created_at, $1)
			FROM chats c WHERE c.active AND NOT EXISTS (SELECT 1 FROM chat_users u
				WHERE u.chat_id = c.id AND u.type = 'agent' AND u.present)
			ON CONFLICT (chat_id) DO NOTHING`, now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO routing_agents (license_id, agent_id, status, preferred, gone_at)
			SELECT DISTINCT c.license_id, u.user_id, 'accepting_chats', 'accepting_chats', $1::bigint
			FROM chats c JOIN chat_users u ON u.chat_id = c.id
			WHERE c.active AND u.type = 'agent' AND u.present
			ON CONFLICT (license_id, agent_id) DO NOTHING`, now)
		return err
	})
}

func scanRef(row pgx.CollectableRow) (chat.AgentRef, error) {
	var k chat.AgentRef
	err := row.Scan(&k.LicenseID, &k.ID)
	return k, err
}

// markGone starts the grace period of an agent left without a live
// connection.
func (r *Router) markGone(ctx context.Context, tx pgx.Tx, k chat.AgentRef, now int64) error {
	_, err := tx.Exec(ctx, `UPDATE routing_agents a SET gone_at = $3
		WHERE a.license_id = $1 AND a.agent_id = $2 AND a.gone_at IS NULL AND NOT EXISTS (
			SELECT 1 FROM routing_connections c WHERE c.license_id = a.license_id AND c.agent_id = a.agent_id
			AND c.expires_at > $3)`, k.LicenseID, k.ID, now)
	return err
}

// lockAgent locks an agent's row, making it offline when it has none, and
// returns its status and preferred status. The statements after it in tx
// see every change committed before the lock was granted.
func lockAgent(ctx context.Context, tx pgx.Tx, licenseID int, agentID string) (status, preferred chat.RoutingStatus, err error) {
	if _, err := tx.Exec(ctx, `INSERT INTO routing_agents (license_id, agent_id, status, preferred)
		VALUES ($1, $2, 'offline', 'accepting_chats') ON CONFLICT (license_id, agent_id) DO NOTHING`, licenseID, agentID); err != nil {
		return "", "", err
	}
	err = tx.QueryRow(ctx, `SELECT status, preferred FROM routing_agents WHERE license_id = $1 AND agent_id = $2 FOR UPDATE`,
		licenseID, agentID).Scan(&status, &preferred)
	return status, preferred, err
}

// Connect implements chat.Router. It records the connection on this node,
// under a lease.
func (r *Router) Connect(ctx context.Context, licenseID int, agentID string) (status chat.RoutingStatus, changed bool, err error) {
	defer wrap(&err, "connect agent %q of license %d", agentID, licenseID)
	now := r.now()
	err = r.s.write(ctx, func(tx pgx.Tx) error {
		old, preferred, err := lockAgent(ctx, tx, licenseID, agentID)
		if err != nil {
			return err
		}
		// A row of this node whose lease ran out counts no connection.
		if _, err := tx.Exec(ctx, `INSERT INTO routing_connections (license_id, agent_id, node, conns, expires_at)
			VALUES ($1, $2, $3, 1, $5)
			ON CONFLICT (license_id, agent_id, node) DO UPDATE SET
				conns = CASE WHEN routing_connections.expires_at > $4 THEN routing_connections.conns + 1 ELSE 1 END,
				expires_at = excluded.expires_at`,
			licenseID, agentID, r.node, now.UnixNano(), now.Add(r.lease).UnixNano()); err != nil {
			return err
		}
		status, changed = old, old == chat.Offline
		if changed {
			status = preferred
		}
		_, err = tx.Exec(ctx, `UPDATE routing_agents SET status = $3, gone_at = NULL WHERE license_id = $1 AND agent_id = $2`,
			licenseID, agentID, status)
		return err
	})
	if err != nil {
		return chat.Offline, false, err
	}
	return status, changed, nil
}

// Disconnect implements chat.Router.
func (r *Router) Disconnect(ctx context.Context, licenseID int, agentID string) (err error) {
	defer wrap(&err, "disconnect agent %q of license %d", agentID, licenseID)
	now := r.now().UnixNano()
	return r.s.write(ctx, func(tx pgx.Tx) error {
		if _, _, err := lockAgent(ctx, tx, licenseID, agentID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE routing_connections SET conns = conns - 1
			WHERE license_id = $1 AND agent_id = $2 AND node = $3`, licenseID, agentID, r.node); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM routing_connections
			WHERE license_id = $1 AND agent_id = $2 AND node = $3 AND conns <= 0`, licenseID, agentID, r.node); err != nil {
			return err
		}
		return r.markGone(ctx, tx, chat.AgentRef{LicenseID: licenseID, ID: agentID}, now)
	})
}

// Renew extends the lease of the connections this node recorded. A node
// that stops renewing them (it died, or lost the database for longer than
// the lease) loses them: its agents enter their grace period.
func (r *Router) Renew(ctx context.Context) (err error) {
	defer wrap(&err, "renew the leases of node %q", r.node)
	now := r.now()
	_, err = r.s.pool.Exec(ctx, `UPDATE routing_connections SET expires_at = $3
		WHERE node = $1 AND expires_at > $2`, r.node, now.UnixNano(), now.Add(r.lease).UnixNano())
	return err
}

// ExpireGrace implements chat.Router. It first renews this node's leases.
// The agents without a live connection whose last one went (or whose
// lease ran out) a grace period ago are set offline one at a time, each
// under its row's lock: a node that sets one offline returns it, another
// finds it offline already.
func (r *Router) ExpireGrace(ctx context.Context) (expired []chat.AgentRef, err error) {
	if err := r.Renew(ctx); err != nil {
		return nil, err
	}
	defer wrap(&err, "expire grace periods")
	now := r.now()
	const due = `a.status <> 'offline'
		AND NOT EXISTS (SELECT 1 FROM routing_connections c WHERE c.license_id = a.license_id AND c.agent_id = a.agent_id
			AND c.expires_at > $1)
		AND greatest(a.gone_at, (SELECT max(c.expires_at) FROM routing_connections c
			WHERE c.license_id = a.license_id AND c.agent_id = a.agent_id)) <= $2`
	rows, err := r.s.pool.Query(ctx, `SELECT a.license_id, a.agent_id FROM routing_agents a WHERE `+due,
		now.UnixNano(), now.Add(-r.grace).UnixNano())
	if err != nil {
		return nil, err
	}
	candidates, err := pgx.CollectRows(rows, scanRef)
	if err != nil {
		return nil, err
	}
	for _, k := range candidates {
		var done bool
		err := r.s.write(ctx, func(tx pgx.Tx) error {
			if _, _, err := lockAgent(ctx, tx, k.LicenseID, k.ID); err != nil {
				return err
			}
			tag, err := tx.Exec(ctx, `UPDATE routing_agents a SET status = 'offline', gone_at = NULL
				WHERE a.license_id = $3 AND a.agent_id = $4 AND `+due,
				now.UnixNano(), now.Add(-r.grace).UnixNano(), k.LicenseID, k.ID)
			if err != nil {
				return err
			}
			if done = tag.RowsAffected() == 1; done {
				_, err = tx.Exec(ctx, `DELETE FROM routing_connections WHERE license_id = $1 AND agent_id = $2`, k.LicenseID, k.ID)
			}
			return err
		})
		if err != nil {
			return expired, err
		}
		if done {
			expired = append(expired, k)
		}
	}
	return expired, nil
}

// Status implements chat.Router.
func (r *Router) Status(ctx context.Context, licenseID int, agentID string) (status chat.RoutingStatus, err error) {
	defer wrap(&err, "status of agent %q of license %d", agentID, licenseID)
	err = r.s.pool.QueryRow(ctx, `SELECT status FROM routing_agents WHERE license_id = $1 AND agent_id = $2`,
		licenseID, agentID).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return chat.Offline, nil
	}
	if err != nil {
		return chat.Offline, err
	}
	return status, nil
}

// SetStatus implements chat.Router.
func (r *Router) SetStatus(ctx context.Context, licenseID int, agentID string, status chat.RoutingStatus) (old chat.RoutingStatus, err error) {
	defer wrap(&err, "set status of agent %q of license %d", agentID, licenseID)
	if !status.Valid() {
		return "", fmt.Errorf("invalid status %q", status)
	}
	err = r.s.write(ctx, func(tx pgx.Tx) error {
		var err error
		if old, _, err = lockAgent(ctx, tx, licenseID, agentID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE routing_agents SET status = $3,
			preferred = CASE WHEN $3 = 'offline' THEN preferred ELSE $3 END
			WHERE license_id = $1 AND agent_id = $2`, licenseID, agentID, status)
		return err
	})
	return old, err
}
