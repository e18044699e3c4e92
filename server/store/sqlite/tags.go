package sqlite

import (
	"context"
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

// ChatTags returns the tags of each tagged thread of a chat.
func (s *Store) ChatTags(ctx context.Context, chatID string) (tags map[string][]string, err error) {
	defer wrap(&err, "tags of chat %q", chatID)
	tags = map[string][]string{}
	err = s.read(ctx, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, `SELECT thread_id, tag FROM thread_tags WHERE chat_id = ? ORDER BY thread_id, tag`, chatID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var thread, tag string
			if err := rows.Scan(&thread, &tag); err != nil {
				return err
			}
			tags[thread] = append(tags[thread], tag)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return tags, nil
}
