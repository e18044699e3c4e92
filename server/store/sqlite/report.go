package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/codec"
)

// reportQuery finds, for each thread started in the range, the first
// message or file of the chat's customer and the first message, file or
// rich message of an agent after it, by their order in the thread (the
// events' primary key), then reads those two events' times. It walks the
// threads by threads_by_created (migration 0007) and each thread's events
// once.
const reportQuery = `WITH th AS (
	SELECT t.id, t.chat_id, t.ord, c.group_ids, t.created_at, t.closed_at,
		CAST(json_extract(t.properties, '$.rating.score') AS TEXT) AS score,
		json_extract(t.properties, '$.rating.comment') AS comment,
		(SELECT min(e.ord) FROM events e WHERE e.chat_id = t.chat_id AND e.thread_ord = t.ord
			AND e.author_id = c.customer_id AND e.type IN ('message', 'file')) AS ask_ord
	FROM threads t JOIN chats c ON c.id = t.chat_id
	WHERE c.license_id = ? AND t.created_at >= ? AND t.created_at < ?
	ORDER BY t.created_at, t.id
	LIMIT ?
), an AS (
	SELECT th.*, (SELECT min(e.ord) FROM events e
		JOIN chat_users u ON u.chat_id = e.chat_id AND u.user_id = e.author_id AND u.type = 'agent'
		WHERE e.chat_id = th.chat_id AND e.thread_ord = th.ord AND e.ord > coalesce(th.ask_ord, 0)
			AND e.type IN ('message', 'file', 'rich_message') AND e.visibility = '') AS answer_ord
	FROM th
)
SELECT an.id, an.chat_id, an.group_ids, an.created_at, an.closed_at, an.score, an.comment,
	ask.created_at, answer.created_at, answer.author_id
FROM an
LEFT JOIN events ask ON ask.chat_id = an.chat_id AND ask.thread_ord = an.ord AND ask.ord = an.ask_ord
LEFT JOIN events answer ON answer.chat_id = an.chat_id AND answer.thread_ord = an.ord AND answer.ord = an.answer_ord
ORDER BY an.created_at, an.id`

// ReportThreads implements chat.Store.
func (s *Store) ReportThreads(ctx context.Context, licenseID int, from, to time.Time, limit int) (ths []chat.ReportThread, err error) {
	defer wrap(&err, "report threads of license %d", licenseID)
	rows, err := s.rStmts.QueryContext(ctx, reportQuery, licenseID, from.UnixNano(), to.UnixNano(), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			th                               chat.ReportThread
			groups                           string
			created, closed, asked, answered sql.NullInt64
			score, comment, answeredBy       sql.NullString
		)
		if err := rows.Scan(&th.ThreadID, &th.ChatID, &groups, &created, &closed, &score, &comment,
			&asked, &answered, &answeredBy); err != nil {
			return nil, err
		}
		if err := codec.Decode(groups, &th.GroupIDs, "chat group ids"); err != nil {
			return nil, err
		}
		th.CreatedAt, th.ClosedAt = fromNS(created), fromNS(closed)
		th.AskedAt, th.AnsweredAt = fromNS(asked), fromNS(answered)
		th.Score, th.Comment, th.AnsweredBy = score.String, comment.String, answeredBy.String
		ths = append(ths, th)
	}
	return ths, rows.Err()
}
