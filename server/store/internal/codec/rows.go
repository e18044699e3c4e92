package codec

import (
	"time"

	"github.com/parleychat/parley/server/chat"
)

// Rows is a result set of either driver: database/sql's *sql.Rows and
// pgx's pgx.Rows. The caller closes it.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// GroupTags reads rows of three text columns, a chat, a thread and a
// tag, into each chat's threads' tags in row order.
func GroupTags(rows Rows) (map[string]map[string][]string, error) {
	out := map[string]map[string][]string{}
	for rows.Next() {
		var c, th, tag string
		if err := rows.Scan(&c, &th, &tag); err != nil {
			return nil, err
		}
		if out[c] == nil {
			out[c] = map[string][]string{}
		}
		out[c][th] = append(out[c][th], tag)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// SearchHits reads SearchChats' rows into hits, one per chat: the rows
// are chat id, event id and thread id (NULL for a chat found by its
// customer only), text, time (Unix nanoseconds), whether the customer
// matched, customer id, name and e-mail, a chat's rows together, its
// newest matching event first.
func SearchHits(rows Rows) ([]chat.SearchHit, error) {
	hits := []chat.SearchHit{}
	for rows.Next() {
		var (
			chatID, text, customerID, name, email string
			eventID, threadID                     *string
			at                                    *int64
			byCustomer                            bool
		)
		if err := rows.Scan(&chatID, &eventID, &threadID, &text, &at, &byCustomer, &customerID, &name, &email); err != nil {
			return nil, err
		}
		if n := len(hits); n > 0 && hits[n-1].ChatID == chatID {
			if len(hits[n-1].EventIDs) < chat.SearchMaxEventIDs && eventID != nil {
				hits[n-1].EventIDs = append(hits[n-1].EventIDs, *eventID)
			}
			continue
		}
		h := chat.SearchHit{ChatID: chatID, CustomerID: customerID, CustomerName: name, ByCustomer: byCustomer, Text: text, EventIDs: []string{}}
		if at != nil {
			h.At = time.Unix(0, *at).UTC()
		}
		if eventID != nil {
			h.EventID, h.EventIDs = *eventID, append(h.EventIDs, *eventID)
			if threadID != nil {
				h.ThreadID = *threadID
			}
		} else {
			h.Text = chat.CustomerText(name, email)
		}
		hits = append(hits, h)
	}
	return hits, rows.Err()
}
