package postgres

import (
	"context"
	"strings"
	"testing"
)

// TestSearchUsesIndex: the search's condition on events is the expression
// of the events_search index (migration 0010), so the planner can use it
// (on this empty table, only once told not to scan).
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
	// The events the search reads, as searchSQL selects them.
	rows, err := tx.Query(ctx, `EXPLAIN SELECT e.id FROM events e WHERE e.type IN ('message', 'file') AND `+
		searchVector+` @@ to_tsquery('simple', $1)`, searchQuery([]string{"parcel", "numb"}, true))
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
	if p := strings.Join(plan, "\n"); !strings.Contains(p, "events_search") {
		t.Errorf("the search does not use events_search:\n%s", p)
	}
}
