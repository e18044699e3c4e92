package postgres

import (
	"context"
	"strings"

	"github.com/parleychat/parley/server/chat"
)

// searchQuery is the tsquery text of terms: each one a quoted lexeme (a
// quote inside doubled, a backslash escaped), so that nothing in them is
// read as syntax, all of them required (&), the last one a prefix (:*)
// if prefix.
func searchQuery(terms []string, prefix bool) string {
	q := make([]string, len(terms))
	for i, t := range terms {
		t = strings.ReplaceAll(strings.ReplaceAll(t, `\`, `\\`), `'`, `''`)
		q[i] = "'" + t + "'"
	}
	if prefix {
		q[len(q)-1] += ":*"
	}
	return strings.Join(q, " & ")
}

// searchText is the searched text of an event e, a message's text or a
// file's name, a NUL read as a space (PostgreSQL text holds none), and
// searchVector the expression of the events_search index (migration 0010)
// over it: a query must spell it so for the index to serve.
const (
	searchText   = `replace(e.body::text, '\u0000', ' ')::json #>> CASE e.type WHEN 'message' THEN '{text}'::text[] ELSE '{file,name}'::text[] END`
	searchVector = `to_tsvector('simple'::regconfig, regexp_replace(coalesce(` + searchText + `, ''), '[[:punct:]]+', ' ', 'g'))`
)

// searchSQL is the query of SearchChats and its arguments.
func searchSQL(q chat.SearchQuery) (string, args) {
	var a args
	cond := ""
	match, license := a.add(searchQuery(q.Terms, q.Prefix)), a.add(q.LicenseID)
	if q.Access != nil {
		cond = " AND " + accessCond(q.Access, &a)
	}
	limit, offset := a.add(limitArg(q.Limit)), a.add(max(q.Offset, 0))
	query := `WITH m AS MATERIALIZED (
	SELECT e.chat_id, e.id, e.thread_id, e.created_at, e.thread_ord, e.ord,
		` + searchText + ` AS text
	FROM events e JOIN chats c ON c.id = e.chat_id
	WHERE e.type IN ('message', 'file') AND ` + searchVector + ` @@ to_tsquery('simple', ` + match + `)
		AND c.license_id = ` + license + cond + `
), page AS (
	SELECT chat_id, max(created_at) AS at FROM m GROUP BY chat_id
	ORDER BY at DESC NULLS LAST, chat_id DESC LIMIT ` + limit + ` OFFSET ` + offset + `
)
SELECT m.chat_id, m.id, m.thread_id, coalesce(m.text, ''), m.created_at, c.customer_id, coalesce(cu.name, '')
FROM m JOIN page ON page.chat_id = m.chat_id JOIN chats c ON c.id = m.chat_id
LEFT JOIN customers cu ON cu.license_id = c.license_id AND cu.id = c.customer_id
ORDER BY page.at DESC NULLS LAST, page.chat_id DESC, m.thread_ord DESC, m.ord DESC`
	return query, a
}

// SearchChats implements chat.Store over the events_search index
// (migration 0010): the 'simple' configuration folds case, not
// diacritics.
func (s *Store) SearchChats(ctx context.Context, q chat.SearchQuery) (hits []chat.SearchHit, err error) {
	defer wrap(&err, "search chats of license %d", q.LicenseID)
	hits = []chat.SearchHit{}
	if len(q.Terms) == 0 {
		return hits, nil
	}
	query, a := searchSQL(q)
	rows, err := s.pool.Query(ctx, query, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			chatID, eventID, threadID, text, customerID, name string
			at                                                *int64
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
