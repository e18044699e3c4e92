package postgres

import (
	"context"
	"strings"
	"testing"
)

// TestSearchUsesIndex: the search's conditions on events and customers
// are the expressions of the events_search and customers_search indexes
// (migrations 0010, 0011), so the planner can use them (on these empty
// tables, only once told not to scan).
func TestSearchUsesIndex(t *testing.T) {
	s := open(t, testDB(t, true))
	ctx := context.Background()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	explain := func(query string) string {
		t.Helper()
		rows, err := tx.Query(ctx, `EXPLAIN `+query, searchQuery([]string{"parcel", "numb"}, true))
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return strings.Join(plan, "\n")
	}
	// The events and the customers the search reads, as searchSQL selects
	// them.
	if p := explain(`SELECT e.id FROM events e WHERE e.type IN ('message', 'file') AND ` + searchVector + ` @@ to_tsquery('simple', $1)`); !strings.Contains(p, "events_search") {
		t.Errorf("the search does not use events_search:\n%s", p)
	}
	if p := explain(`SELECT cu.id FROM customers cu WHERE ` + customerVector + ` @@ to_tsquery('simple', $1)`); !strings.Contains(p, "customers_search") {
		t.Errorf("the search does not use customers_search:\n%s", p)
	}
}
