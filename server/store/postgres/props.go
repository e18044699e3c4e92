package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/codec"
)

// propsTarget names the row whose properties column a property method
// changes.
type propsTarget struct {
	what   string // for errors
	query  string // selects the properties and locks the row
	update string // sets them: first argument the properties, then args
	args   []any
}

func chatProps(chatID string) propsTarget {
	return propsTarget{
		what:   "chat",
		query:  `SELECT properties FROM chats WHERE id = $1 FOR NO KEY UPDATE`,
		update: `UPDATE chats SET properties = $1 WHERE id = $2`,
		args:   []any{chatID},
	}
}

func threadProps(chatID, threadID string) propsTarget {
	return propsTarget{
		what:   fmt.Sprintf("thread %q", threadID),
		query:  `SELECT properties FROM threads WHERE id = $1 AND chat_id = $2 FOR NO KEY UPDATE`,
		update: `UPDATE threads SET properties = $1 WHERE id = $2 AND chat_id = $3`,
		args:   []any{threadID, chatID},
	}
}

func eventProps(chatID, threadID, eventID string) propsTarget {
	return propsTarget{
		what:   fmt.Sprintf("event %q in thread %q", eventID, threadID),
		query:  `SELECT properties FROM events WHERE id = $1 AND thread_id = $2 AND chat_id = $3 FOR NO KEY UPDATE`,
		update: `UPDATE events SET properties = $1 WHERE id = $2 AND thread_id = $3 AND chat_id = $4`,
		args:   []any{eventID, threadID, chatID},
	}
}

// changeProps reads and locks the target's properties, lets change modify
// them and stores them back. It locks that one row only, so it waits for no
// other lock while holding it.
func (s *Store) changeProps(ctx context.Context, chatID string, target propsTarget, change func(chat.Properties)) error {
	return s.write(ctx, func(tx pgx.Tx) error {
		var text string
		if err := tx.QueryRow(ctx, target.query, target.args...).Scan(&text); err != nil {
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			if _, err := getChatState(ctx, tx, chatID); err != nil {
				return err
			}
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
		_, err = tx.Exec(ctx, target.update, append([]any{text}, target.args...)...)
		return err
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
