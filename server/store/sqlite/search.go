package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/parleychat/parley/server/chat"
)

// searchMatch is the FTS5 query of terms: each one a quoted string (a
// double quote inside doubled), so that nothing in them is read as
// syntax, all of them required, the last one a prefix if prefix.
func searchMatch(terms []string, prefix bool) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		q[i] = `"` + strings.ReplaceAll(t, `"`, `""`) + `"`
	}
	if prefix {
		q[len(q)-1] += "*"
	}
	return strings.Join(q, " ")
}

// SearchChats implements chat.Store over event_search (migration 0010).
// Case and diacritics are folded by the index's tokenizer (unicode61,
// remove_diacritics 2).
func (s *Store) SearchChats(ctx context.Context, q chat.SearchQuery) (hits []chat.SearchHit, err error) {
	defer wrap(&err, "search chats of license %d", q.LicenseID)
	hits = []chat.SearchHit{}
	if len(q.Terms) == 0 {
		return hits, nil
	}
	args := []any{searchMatch(q.Terms, q.Prefix), q.LicenseID}
	cond := ""
	if q.Access != nil {
		c, a := accessCond(q.Access)
		cond, args = " AND "+c, append(args, a...)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	args = append(args, limit, max(q.Offset, 0))
	query := `WITH m AS MATERIALIZED (
	SELECT e.chat_id, e.id, e.thread_id, e.created_at, e.thread_ord, e.ord,
		CASE e.type WHEN 'message' THEN json_extract(e.body, '$.text') ELSE json_extract(e.body, '$.file.name') END AS text
	FROM event_search JOIN events e ON e.rowid = event_search.rowid JOIN chats c ON c.id = e.chat_id
	WHERE event_search MATCH ? AND c.license_id = ?` + cond + `
), page AS (
	SELECT chat_id, max(created_at) AS at FROM m GROUP BY chat_id ORDER BY at DESC NULLS LAST, chat_id DESC LIMIT ? OFFSET ?
)
SELECT m.chat_id, m.id, m.thread_id, coalesce(m.text, ''), m.created_at, c.customer_id, coalesce(cu.name, '')
FROM m JOIN page ON page.chat_id = m.chat_id JOIN chats c ON c.id = m.chat_id
LEFT JOIN customers cu ON cu.license_id = c.license_id AND cu.id = c.customer_id
ORDER BY page.at DESC, page.chat_id DESC, m.thread_ord DESC, m.ord DESC`
	rows, err := s.rStmts.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			chatID, eventID, threadID, text, customerID, name string
			at                                                sql.NullInt64
		)
		if err := rows.Scan(&chatID, &eventID, &threadID, &text, &at, &customerID, &name); err != nil {
			return nil, err
		}
		if n := len(hits); n > 0 && hits[n-1].ChatID == chatID {
			if len(hits[n-1].EventIDs) < chat.SearchMaxEventIDs {
				hits[n-1].EventIDs = append(hits[n-1].EventIDs, eventID)
			}
			continue
		}
		hits = append(hits, chat.SearchHit{ChatID: chatID, CustomerID: customerID, CustomerName: name, ThreadID: threadID, EventID: eventID, Text: text,
			At: fromNS(at), EventIDs: []string{eventID}})
	}
	return hits, rows.Err()
}
