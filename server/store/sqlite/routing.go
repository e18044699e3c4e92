package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/codec"
)

// SetChatGroups replaces a chat's groups.
func (s *Store) SetChatGroups(ctx context.Context, chatID string, groups []int) (err error) {
	defer wrap(&err, "set groups of chat %q", chatID)
	text, err := codec.JSON(groups, "[]")
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE chats SET group_ids = ? WHERE id = ?`, text, chatID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return chat.ErrNotFound
		}
		return nil
	})
}

// AgentLoads counts the active chats of the license each agent is a
// present member of.
func (s *Store) AgentLoads(ctx context.Context, licenseID int) (loads map[string]int, err error) {
	defer wrap(&err, "agent loads of license %d", licenseID)
	rows, err := s.rStmts.QueryContext(ctx, `SELECT u.user_id, count(*) FROM chats c JOIN chat_users u ON u.chat_id = c.id
		WHERE c.license_id = ? AND c.active = 1 AND u.type = 'agent' AND u.present = 1
		GROUP BY u.user_id`, licenseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	loads = map[string]int{}
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
	return s.write(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM revoked_tokens WHERE expires_at < ?`, time.Now().UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO revoked_tokens (id, expires_at) VALUES (?, ?)
			ON CONFLICT (id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`, tokenID, expiresAt.UnixNano())
		return err
	})
}

// RevokeAgentTokens revokes every token of an agent issued before before.
func (s *Store) RevokeAgentTokens(ctx context.Context, licenseID int, agentID string, before time.Time) (err error) {
	defer wrap(&err, "revoke tokens of agent %q of license %d", agentID, licenseID)
	return s.write(ctx, func(tx *txn) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO agent_token_revocations (license_id, agent_id, revoked_before) VALUES (?, ?, ?)
			ON CONFLICT (license_id, agent_id) DO UPDATE SET revoked_before = max(revoked_before, excluded.revoked_before)`,
			licenseID, agentID, before.UnixNano())
		return err
	})
}

// TokenRevoked reports whether a token is revoked.
func (s *Store) TokenRevoked(ctx context.Context, licenseID int, agentID, tokenID string, issuedAt time.Time) (revoked bool, err error) {
	defer wrap(&err, "token revoked")
	err = s.read(ctx, func(tx *txn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM revoked_tokens WHERE id = ?`, tokenID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			revoked = true
			return nil
		}
		if agentID == "" {
			return nil
		}
		var before int64
		err := tx.QueryRowContext(ctx, `SELECT revoked_before FROM agent_token_revocations WHERE license_id = ? AND agent_id = ?`,
			licenseID, agentID).Scan(&before)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return err
		}
		revoked = issuedAt.UnixNano() < before
		return nil
	})
	return revoked, err
}
