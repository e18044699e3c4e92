package sqlite

import (
	"context"
	"strings"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/codec"
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

// SearchChats implements chat.Store over event_search (migration 0010)
// and customer_search (0011). Case and diacritics are folded by the
// indexes' tokenizer (unicode61, remove_diacritics 2).
func (s *Store) SearchChats(ctx context.Context, q chat.SearchQuery) (hits []chat.SearchHit, err error) {
	defer wrap(&err, "search chats of license %d", q.LicenseID)
	hits = []chat.SearchHit{}
	if len(q.Terms) == 0 {
		return hits, nil
	}
	match := searchMatch(q.Terms, q.Prefix)
	cond, condArgs := "", []any(nil)
	if q.Access != nil {
		c, a := accessCond(q.Access)
		cond, condArgs = " AND "+c, a
	}
	limit := q.Limit
	if limit <= 0 {
		limit = -1
	}
	var args []any
	args = append(append(args, match, q.LicenseID), condArgs...)
	args = append(append(args, match, q.LicenseID), condArgs...)
	args = append(args, limit, max(q.Offset, 0))
	// m: the matching events; cm: the chats of the matching customers,
	// at their last activity; page: the chats of the page, each at its
	// newest matching event, else at its last activity.
	query := `WITH m AS MATERIALIZED (
	SELECT e.chat_id, e.id, e.thread_id, e.created_at, e.thread_ord, e.ord,
		CASE e.type WHEN 'message' THEN json_extract(e.body, '$.text') ELSE json_extract(e.body, '$.file.name') END AS text
	FROM event_search JOIN events e ON e.rowid = event_search.rowid JOIN chats c ON c.id = e.chat_id
	WHERE event_search MATCH ? AND c.license_id = ?` + cond + `
), cm AS MATERIALIZED (
	SELECT c.id AS chat_id, coalesce(c.last_event_at, c.created_at) AS at
	FROM customer_search JOIN customer_search_ids s ON s.id = customer_search.rowid
		JOIN chats c ON c.customer_id = s.customer_id AND c.license_id = s.license_id
	WHERE customer_search MATCH ? AND s.license_id = ?` + cond + `
), page AS (
	SELECT chat_id, coalesce(max(ev), max(cu)) AS at, max(by_customer) AS by_customer FROM (
		SELECT chat_id, created_at AS ev, NULL AS cu, 0 AS by_customer FROM m
		UNION ALL SELECT chat_id, NULL, at, 1 FROM cm
	) GROUP BY chat_id ORDER BY at DESC NULLS LAST, chat_id DESC LIMIT ? OFFSET ?
)
SELECT page.chat_id, m.id, m.thread_id, coalesce(m.text, ''), coalesce(m.created_at, page.at), page.by_customer,
	c.customer_id, coalesce(cu.name, ''), coalesce(cu.email, '')
FROM page LEFT JOIN m ON m.chat_id = page.chat_id JOIN chats c ON c.id = page.chat_id
LEFT JOIN customers cu ON cu.license_id = c.license_id AND cu.id = c.customer_id
ORDER BY page.at DESC NULLS LAST, page.chat_id DESC, m.thread_ord DESC, m.ord DESC`
	rows, err := s.rStmts.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return codec.SearchHits(rows)
}
