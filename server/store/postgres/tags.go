package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/server/store/internal/codec"
)

// SetThreadTag adds a tag to a thread or removes it.
func (s *Store) SetThreadTag(ctx context.Context, chatID, threadID, tag string, add bool) (changed bool, err error) {
	defer wrap(&err, "tag %q of thread %q of chat %q", tag, threadID, chatID)
	q := `INSERT INTO thread_tags (chat_id, thread_id, tag)
		SELECT chat_id, id, $3 FROM threads WHERE id = $2 AND chat_id = $1 ON CONFLICT DO NOTHING`
	if !add {
		q = `DELETE FROM thread_tags WHERE chat_id = $1 AND thread_id = $2 AND tag = $3`
	}
	res, err := s.pool.Exec(ctx, q, chatID, threadID, tag)
	if err != nil {
		return false, mapErr(err)
	}
	if res.RowsAffected() > 0 {
		return true, nil
	}
	// Nothing changed: say so, or that there is no such thread.
	if _, err := getChatState(ctx, s.pool, chatID); err != nil {
		return false, err
	}
	if _, err := getThread(ctx, s.pool, chatID, threadID); err != nil {
		return false, err
	}
	return false, nil
}

// ThreadTags returns a thread's tags in lexical order.
func (s *Store) ThreadTags(ctx context.Context, chatID, threadID string) (tags []string, err error) {
	defer wrap(&err, "tags of thread %q of chat %q", threadID, chatID)
	tags = []string{}
	err = s.read(ctx, func(tx pgx.Tx) error {
		if _, err := getThread(ctx, tx, chatID, threadID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT tag FROM thread_tags WHERE thread_id = $1 ORDER BY tag COLLATE "C"`, threadID)
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

// ChatsTags returns the tags of many chats' threads.
func (s *Store) ChatsTags(ctx context.Context, chatIDs []string) (tags map[string]map[string][]string, err error) {
	defer wrap(&err, "tags of %d chats", len(chatIDs))
	if len(chatIDs) == 0 {
		return map[string]map[string][]string{}, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT chat_id, thread_id, tag FROM thread_tags
		WHERE chat_id = ANY($1) ORDER BY chat_id, thread_id, tag COLLATE "C"`, chatIDs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return codec.GroupTags(rows)
}
