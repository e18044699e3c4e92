package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// SetChatGroups replaces a chat's groups.
func (s *Store) SetChatGroups(ctx context.Context, chatID string, groups []int) (err error) {
	defer wrap(&err, "set groups of chat %q", chatID)
	tag, err := s.pool.Exec(ctx, `UPDATE chats SET group_ids = $1 WHERE id = $2`, nonNil(groups), chatID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return chat.ErrNotFound
	}
	return nil
}

// AgentLoads counts the active chats of the license each agent is a
// present member of.
func (s *Store) AgentLoads(ctx context.Context, licenseID int) (loads map[string]int, err error) {
	defer wrap(&err, "agent loads of license %d", licenseID)
	return licenseLoads(ctx, s.pool, licenseID)
}

// licenseLoads is AgentLoads on q.
func licenseLoads(ctx context.Context, q querier, licenseID int) (map[string]int, error) {
	rows, err := q.Query(ctx, `SELECT u.user_id, count(*) FROM chats c JOIN chat_users u ON u.chat_id = c.id
		WHERE c.license_id = $1 AND c.active AND u.type = 'agent' AND u.present
		GROUP BY u.user_id`, licenseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	loads := map[string]int{}
	for rows.Next() {
		var (
			id string
			n  int
		)
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		loads[id] = n
	}
	return loads, rows.Err()
}

// RevokeToken records a revoked token until it expires, and forgets the
// revocations of tokens that have expired.
func (s *Store) RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time) (err error) {
	defer wrap(&err, "revoke token")
	if tokenID == "" {
		return errors.New("token id is empty")
	}
	// Two statements, each its own transaction: the prune holds no lock
	// while the insert waits for one.
	if _, err := s.pool.Exec(ctx, `DELETE FROM revoked_tokens WHERE expires_at < $1`, time.Now().UnixNano()); err != nil {
		return err
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO revoked_tokens (id, expires_at) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET expires_at = greatest(revoked_tokens.expires_at, excluded.expires_at)`,
		tokenID, expiresAt.UnixNano())
	return err
}

// RevokeAgentTokens revokes every token of an agent issued before before.
func (s *Store) RevokeAgentTokens(ctx context.Context, licenseID int, agentID string, before time.Time) (err error) {
	defer wrap(&err, "revoke tokens of agent %q of license %d", agentID, licenseID)
	_, err = s.pool.Exec(ctx, `INSERT INTO agent_token_revocations (license_id, agent_id, revoked_before) VALUES ($1, $2, $3)
		ON CONFLICT (license_id, agent_id) DO UPDATE
		SET revoked_before = greatest(agent_token_revocations.revoked_before, excluded.revoked_before)`,
		licenseID, agentID, before.UnixNano())
	return err
}

// TokenRevoked reports whether a token is revoked, in one query.
func (s *Store) TokenRevoked(ctx context.Context, licenseID int, agentID, tokenID string, issuedAt time.Time) (revoked bool, err error) {
	defer wrap(&err, "token revoked")
	err = s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM revoked_tokens WHERE id = $1)
		OR ($2 <> '' AND EXISTS (SELECT 1 FROM agent_token_revocations
			WHERE license_id = $3 AND agent_id = $2 AND revoked_before > $4))`,
		tokenID, agentID, licenseID, issuedAt.UnixNano()).Scan(&revoked)
	return revoked, err
}
