package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/codec"
)

// AddChatUser makes u a present member of the chat and of its active
// thread's user ids.
func (s *Store) AddChatUser(ctx context.Context, chatID string, u chat.User) (err error) {
	defer wrap(&err, "add user %q to chat %q", u.ID, chatID)
	return s.write(ctx, func(tx *txn) error {
		st, err := getChatState(ctx, tx, chatID)
		if err != nil {
			return err
		}
		if err := addUser(ctx, tx, chatID, u); err != nil {
			return err
		}
		if !st.active {
			return nil
		}
		var text string
		if err := tx.QueryRowContext(ctx, `SELECT user_ids FROM threads WHERE id = ?`, st.lastThreadID).Scan(&text); err != nil {
			return fmt.Errorf("thread %q: %w", st.lastThreadID, err)
		}
		var ids []string
		if err := codec.Decode(text, &ids, "thread user ids"); err != nil {
			return err
		}
		if slices.Contains(ids, u.ID) {
			return nil
		}
		if text, err = codec.JSON(append(ids, u.ID), "[]"); err != nil {
			return err
		}
		s.wr.forget(chatID)
		_, err = tx.ExecContext(ctx, `UPDATE threads SET user_ids = ? WHERE id = ?`, text, st.lastThreadID)
		return err
	})
}

// RemoveChatUser marks a present member not present.
func (s *Store) RemoveChatUser(ctx context.Context, chatID, userID string) (err error) {
	defer wrap(&err, "remove user %q from chat %q", userID, chatID)
	return s.write(ctx, func(tx *txn) error {
		if _, err := getChatState(ctx, tx, chatID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE chat_users SET present = 0 WHERE chat_id = ? AND user_id = ? AND present = 1`, chatID, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("member: %w", chat.ErrNotFound)
		}
		return nil
	})
}

// SetLastSeen sets a present member's last seen time unless the stored one
// is later, and returns the stored one.
func (s *Store) SetLastSeen(ctx context.Context, chatID, userID string, at time.Time) (seen time.Time, err error) {
	defer wrap(&err, "set last seen of user %q in chat %q", userID, chatID)
	err = s.write(ctx, func(tx *txn) error {
		if _, err := getChatState(ctx, tx, chatID); err != nil {
			return err
		}
		var stored sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT last_seen FROM chat_users WHERE chat_id = ? AND user_id = ? AND present = 1`, chatID, userID).Scan(&stored)
		if err != nil {
			return notFound(err, "member")
		}
		later := laterNS(stored, at)
		if v, ok := later.(int64); ok && (!stored.Valid || v != stored.Int64) {
			if _, err := tx.ExecContext(ctx, `UPDATE chat_users SET last_seen = ? WHERE chat_id = ? AND user_id = ?`, v, chatID, userID); err != nil {
				return err
			}
			stored = sql.NullInt64{Int64: v, Valid: true}
		}
		seen = fromNS(stored)
		return nil
	})
	if err != nil {
		return time.Time{}, err
	}
	return seen, nil
}

// AddPostback records a rich message postback.
func (s *Store) AddPostback(ctx context.Context, p chat.Postback) (err error) {
	defer wrap(&err, "add postback %q to event %q of chat %q", p.ID, p.EventID, p.ChatID)
	return s.write(ctx, func(tx *txn) error {
		if _, err := getChatState(ctx, tx, p.ChatID); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE id = ? AND thread_id = ? AND chat_id = ?`,
			p.EventID, p.ThreadID, p.ChatID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("event %q in thread %q: %w", p.EventID, p.ThreadID, chat.ErrNotFound)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO postbacks (chat_id, thread_id, event_id, user_id, postback_id, toggled, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (event_id, user_id, postback_id) DO UPDATE SET toggled = excluded.toggled, created_at = excluded.created_at`,
			p.ChatID, p.ThreadID, p.EventID, p.UserID, p.ID, p.Toggled, ns(p.CreatedAt))
		return err
	})
}

// propsTarget names the row whose properties column a property method
// changes.
type propsTarget struct {
	what   string // for errors
	query  string // selects the properties
	update string // sets them: first argument the properties, then args
	args   []any
}

func chatProps(chatID string) propsTarget {
	return propsTarget{
		what:   "chat",
		query:  `SELECT properties FROM chats WHERE id = ?`,
		update: `UPDATE chats SET properties = ? WHERE id = ?`,
		args:   []any{chatID},
	}
}

func threadProps(chatID, threadID string) propsTarget {
	return propsTarget{
		what:   fmt.Sprintf("thread %q", threadID),
		query:  `SELECT properties FROM threads WHERE id = ? AND chat_id = ?`,
		update: `UPDATE threads SET properties = ? WHERE id = ? AND chat_id = ?`,
		args:   []any{threadID, chatID},
	}
}

func eventProps(chatID, threadID, eventID string) propsTarget {
	return propsTarget{
		what:   fmt.Sprintf("event %q in thread %q", eventID, threadID),
		query:  `SELECT properties FROM events WHERE id = ? AND thread_id = ? AND chat_id = ?`,
		update: `UPDATE events SET properties = ? WHERE id = ? AND thread_id = ? AND chat_id = ?`,
		args:   []any{eventID, threadID, chatID},
	}
}

// changeProps reads the target's properties, lets change modify them and
// stores them back.
func (s *Store) changeProps(ctx context.Context, chatID string, target propsTarget, change func(chat.Properties)) error {
	return s.write(ctx, func(tx *txn) error {
		s.wr.forget(chatID)
		if _, err := getChatState(ctx, tx, chatID); err != nil {
			return err
		}
		var text string
		if err := tx.QueryRowContext(ctx, target.query, target.args...).Scan(&text); err != nil {
			return notFound(err, target.what)
		}
		p, err := codec.DecodeProps(text)
		if err != nil {
			return err
		}
		change(p)
		if text, err = codec.EncodeProps(p); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, target.update, append([]any{text}, target.args...)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return errors.New("properties row vanished")
		}
		return nil
	})
}

// UpdateChatProperties merges p into the chat's properties.
func (s *Store) UpdateChatProperties(ctx context.Context, chatID string, p chat.Properties) (err error) {
	defer wrap(&err, "update properties of chat %q", chatID)
	return s.changeProps(ctx, chatID, chatProps(chatID), func(dst chat.Properties) { codec.MergeProps(dst, p) })
}

// DeleteChatProperties removes the named chat properties.
func (s *Store) DeleteChatProperties(ctx context.Context, chatID string, p chat.PropertyNames) (err error) {
	defer wrap(&err, "delete properties of chat %q", chatID)
	return s.changeProps(ctx, chatID, chatProps(chatID), func(dst chat.Properties) { codec.DeleteProps(dst, p) })
}

// UpdateThreadProperties merges p into the thread's properties.
func (s *Store) UpdateThreadProperties(ctx context.Context, chatID, threadID string, p chat.Properties) (err error) {
	defer wrap(&err, "update properties of thread %q of chat %q", threadID, chatID)
	return s.changeProps(ctx, chatID, threadProps(chatID, threadID), func(dst chat.Properties) { codec.MergeProps(dst, p) })
}

// DeleteThreadProperties removes the named thread properties.
func (s *Store) DeleteThreadProperties(ctx context.Context, chatID, threadID string, p chat.PropertyNames) (err error) {
	defer wrap(&err, "delete properties of thread %q of chat %q", threadID, chatID)
	return s.changeProps(ctx, chatID, threadProps(chatID, threadID), func(dst chat.Properties) { codec.DeleteProps(dst, p) })
}

// UpdateEventProperties merges p into the event's properties.
func (s *Store) UpdateEventProperties(ctx context.Context, chatID, threadID, eventID string, p chat.Properties) (err error) {
	defer wrap(&err, "update properties of event %q of chat %q", eventID, chatID)
	return s.changeProps(ctx, chatID, eventProps(chatID, threadID, eventID), func(dst chat.Properties) { codec.MergeProps(dst, p) })
}

// DeleteEventProperties removes the named event properties.
func (s *Store) DeleteEventProperties(ctx context.Context, chatID, threadID, eventID string, p chat.PropertyNames) (err error) {
	defer wrap(&err, "delete properties of event %q of chat %q", eventID, chatID)
	return s.changeProps(ctx, chatID, eventProps(chatID, threadID, eventID), func(dst chat.Properties) { codec.DeleteProps(dst, p) })
}
