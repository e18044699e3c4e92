package postgres

import (
	"context"
	"strings"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/codec"
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
// over it; customerVector is the expression of the customers_search index
// (0011) over a customer cu's name and e-mail. A query must spell them so
// for the indexes to serve.
const (
	searchText     = `replace(e.body::text, '\u0000', ' ')::json #>> CASE e.type WHEN 'message' THEN '{text}'::text[] ELSE '{file,name}'::text[] END`
	searchVector   = `to_tsvector('simple'::regconfig, regexp_replace(coalesce(` + searchText + `, ''), '[[:punct:]]+', ' ', 'g'))`
	customerVector = `to_tsvector('simple'::regconfig, regexp_replace(cu.name || ' ' || cu.email, '[[:punct:]]+', ' ', 'g'))`
)

// searchSQL is the query of SearchChats and its arguments. m holds the
// matching events; cm the chats of the matching customers, at their last
// activity; page the chats of the page, each at its newest matching
// event, else at its last activity.
func searchSQL(q chat.SearchQuery) (string, args) {
	var a args
	match, license := a.add(searchQuery(q.Terms, q.Prefix)), a.add(q.LicenseID)
	cond, cuCond := "", ""
	if q.Access != nil {
		cond, cuCond = " AND "+accessCond(q.Access, &a), " AND "+accessCond(q.Access, &a)
	}
	limit, offset := a.add(limitArg(q.Limit)), a.add(max(q.Offset, 0))
	query := `WITH m AS MATERIALIZED (
	SELECT e.chat_id, e.id, e.thread_id, e.created_at, e.thread_ord, e.ord,
		` + searchText + ` AS text
	FROM events e JOIN chats c ON c.id = e.chat_id
	WHERE e.type IN ('message', 'file') AND ` + searchVector + ` @@ to_tsquery('simple', ` + match + `)
		AND c.license_id = ` + license + cond + `
), cm AS MATERIALIZED (
	SELECT c.id AS chat_id, coalesce(c.last_event_at, c.created_at) AS at
	FROM customers cu JOIN chats c ON c.license_id = cu.license_id AND c.customer_id = cu.id
	WHERE ` + customerVector + ` @@ to_tsquery('simple', ` + match + `) AND cu.license_id = ` + license + cuCond + `
), page AS (
	SELECT chat_id, coalesce(max(ev), max(cu)) AS at, bool_or(by_customer) AS by_customer FROM (
		SELECT chat_id, created_at AS ev, NULL::bigint AS cu, false AS by_customer FROM m
		UNION ALL SELECT chat_id, NULL::bigint, at, true FROM cm
	) x GROUP BY chat_id
	ORDER BY at DESC NULLS LAST, chat_id DESC LIMIT ` + limit + ` OFFSET ` + offset + `
)
SELECT page.chat_id, m.id, m.thread_id, coalesce(m.text, ''), coalesce(m.created_at, page.at), page.by_customer,
	c.customer_id, coalesce(cu.name, ''), coalesce(cu.email, '')
FROM page LEFT JOIN m ON m.chat_id = page.chat_id JOIN chats c ON c.id = page.chat_id
LEFT JOIN customers cu ON cu.license_id = c.license_id AND cu.id = c.customer_id
ORDER BY page.at DESC NULLS LAST, page.chat_id DESC, m.thread_ord DESC, m.ord DESC`
	return query, a
}

// SearchChats implements chat.Store over the events_search and
// customers_search indexes (migrations 0010, 0011): the 'simple'
// configuration folds case, not diacritics.
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
	return codec.SearchHits(rows)
}
