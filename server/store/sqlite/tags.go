package sqlite

import (
	"context"

	"github.com/parleychat/parley/server/store/internal/codec"
)

// SetThreadTag adds a tag to a thread or removes it.
func (s *Store) SetThreadTag(ctx context.Context, chatID, threadID, tag string, add bool) (changed bool, err error) {
	defer wrap(&err, "tag %q of thread %q of chat %q", tag, threadID, chatID)
	err = s.write(ctx, func(tx *txn) error {
		if _, err := getThread(ctx, tx, chatID, threadID); err != nil {
			return err
		}
		q := `INSERT INTO thread_tags (chat_id, thread_id, tag) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`
		if !add {
			q = `DELETE FROM thread_tags WHERE chat_id = ? AND thread_id = ? AND tag = ?`
		}
		res, err := tx.ExecContext(ctx, q, chatID, threadID, tag)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		changed = n > 0
		return err
	})
	return changed, err
}

// ThreadTags returns a thread's tags in lexical order.
func (s *Store) ThreadTags(ctx context.Context, chatID, threadID string) (tags []string, err error) {
	defer wrap(&err, "tags of thread %q of chat %q", threadID, chatID)
	tags = []string{}
	err = s.read(ctx, func(tx *txn) error {
		if _, err := getThread(ctx, tx, chatID, threadID); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT tag FROM thread_tags WHERE thread_id = ? ORDER BY tag`, threadID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				return err
			}
			tags = append(tags, t)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return tags, nil
}

// ChatsTags returns the tags of many chats' threads: the ids travel as
// one JSON array, so that one prepared statement serves any number of
// them.
func (s *Store) ChatsTags(ctx context.Context, chatIDs []string) (tags map[string]map[string][]string, err error) {
	defer wrap(&err, "tags of %d chats", len(chatIDs))
	if len(chatIDs) == 0 {
		return map[string]map[string][]string{}, nil
	}
	ids, err := codec.JSON(chatIDs, "[]")
	if err != nil {
		return nil, err
	}
	rows, err := s.rStmts.QueryContext(ctx, `SELECT chat_id, thread_id, tag FROM thread_tags
		WHERE chat_id IN (SELECT value FROM json_each(?)) ORDER BY chat_id, thread_id, tag`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return codec.GroupTags(rows)
}
