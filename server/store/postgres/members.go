package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/server/chat"
)

// AddChatUser makes u a present member of the chat and of its active
// thread's user ids.
func (s *Store) AddChatUser(ctx context.Context, chatID string, u chat.User) (err error) {
	defer wrap(&err, "add user %q to chat %q", u.ID, chatID)
	return s.write(ctx, func(tx pgx.Tx) error { return addChatUser(ctx, tx, chatID, u) })
}

// addChatUser is AddChatUser in the transaction tx.
func addChatUser(ctx context.Context, tx pgx.Tx, chatID string, u chat.User) error {
	st, err := lockChat(ctx, tx, chatID)
	if err != nil {
		return err
	}
	if err := addUser(ctx, tx, chatID, u); err != nil {
		return err
	}
	if !st.active {
		return nil
	}
	_, err = tx.Exec(ctx, `UPDATE threads SET user_ids = array_append(user_ids, $1)
		WHERE id = $2 AND NOT ($1 = ANY (user_ids))`, u.ID, st.lastThreadID)
	return err
}

// memberMissing is the error for a user who is not a present member of a
// chat: the chat's ErrNotFound when the chat is missing too.
func (s *Store) memberMissing(ctx context.Context, chatID string) error {
	if _, err := getChatState(ctx, s.pool, chatID); err != nil {
		return err
	}
	return fmt.Errorf("member: %w", chat.ErrNotFound)
}

// RemoveChatUser marks a present member not present.
func (s *Store) RemoveChatUser(ctx context.Context, chatID, userID string) (err error) {
	defer wrap(&err, "remove user %q from chat %q", userID, chatID)
	tag, err := s.pool.Exec(ctx, `UPDATE chat_users SET present = false WHERE chat_id = $1 AND user_id = $2 AND present`, chatID, userID)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return s.memberMissing(ctx, chatID)
	}
	return nil
}

// SetLastSeen sets a present member's last seen time unless the stored one
// is later, and returns the stored one. One statement: the row lock of the
// UPDATE orders concurrent calls.
func (s *Store) SetLastSeen(ctx context.Context, chatID, userID string, at time.Time) (seen time.Time, err error) {
	defer wrap(&err, "set last seen of user %q in chat %q", userID, chatID)
	var stored *int64
	err = s.pool.QueryRow(ctx, `UPDATE chat_users SET last_seen = greatest(last_seen, $3)
		WHERE chat_id = $1 AND user_id = $2 AND present RETURNING last_seen`, chatID, userID, ns(at)).Scan(&stored)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, s.memberMissing(ctx, chatID)
	}
	if err != nil {
		return time.Time{}, err
	}
	return fromNS(stored), nil
}

// AddPostback records a rich message postback.
func (s *Store) AddPostback(ctx context.Context, p chat.Postback) (err error) {
	defer wrap(&err, "add postback %q to event %q of chat %q", p.ID, p.EventID, p.ChatID)
	// The INSERT … SELECT stores nothing when the event is not in that
	// thread of that chat.
	tag, err := s.pool.Exec(ctx, `INSERT INTO postbacks (chat_id, thread_id, event_id, user_id, postback_id, toggled, created_at)
		SELECT $1, $2, $3, $4, $5, $6, $7 FROM events WHERE id = $3 AND thread_id = $2 AND chat_id = $1
		ON CONFLICT (event_id, user_id, postback_id) DO UPDATE SET toggled = excluded.toggled, created_at = excluded.created_at`,
		p.ChatID, p.ThreadID, p.EventID, p.UserID, p.ID, p.Toggled, ns(p.CreatedAt))
	if err != nil {
		return mapErr(err)
	}
	if tag.RowsAffected() == 0 {
		if _, err := getChatState(ctx, s.pool, p.ChatID); err != nil {
			return err
		}
		return fmt.Errorf("event %q in thread %q: %w", p.EventID, p.ThreadID, chat.ErrNotFound)
	}
	return nil
}
