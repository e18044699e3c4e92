package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// bigChat stores chat "big" with n events in its one thread (every tenth
// a system message), in one transaction.
func bigChat(t testing.TB, s *Store, n int) {
	t.Helper()
	ctx := context.Background()
	if err := s.PutLicense(ctx, chat.License{ID: 1, Name: "L", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	if _, _, err := s.CreateChat(ctx, chat.NewChat{
		Chat:   chat.Chat{ID: "big", LicenseID: 1, CustomerID: "c", Users: []chat.User{{ID: "c", Type: chat.UserCustomer}}, CreatedAt: at},
		Thread: chat.Thread{ID: "t", CreatedAt: at},
	}); err != nil {
		t.Fatal(err)
	}
	err := s.write(ctx, func(tx *txn) error {
		for i := range n {
			e := chat.Event{ID: fmt.Sprint("e", i), ChatID: "big", ThreadID: "t", Order: i + 1, Type: chat.EventMessage,
				AuthorID: "c", CreatedAt: at, Text: "hello"}
			if i%10 == 0 {
				e.Type = chat.EventSystemMessage
			}
			if _, err := insertEvent(ctx, tx, e, 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// explain returns SQLite's query plan for q, one step a line.
func explain(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	return strings.Join(steps, "\n")
}

// The statements a chat's size could slow down must seek an index, never
// scan the chat's events.
func TestQueryPlans(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "parley.db"))
	defer s.Close()
	bigChat(t, s, 100)
	for _, c := range []struct {
		name, q string
		args    []any
		want    []string // steps the plan must hold
	}{
		{"LastEvents", qLastEvents, []any{"big", true}, []string{
			"SEARCH chats USING INDEX sqlite_autoindex_chats_1 (id=?)",
			"SEARCH events USING INDEX sqlite_autoindex_events_1 (id=?)"}},
		{"event by custom id", qEventByCustomID, []any{"big", "c", "x"}, []string{
			"SEARCH events USING INDEX events_custom_id (chat_id=? AND author_id=? AND custom_id=?)"}},
		{"thread events", qThreadEvents, []any{"big", 1}, []string{
			"SEARCH events USING INDEX sqlite_autoindex_events_2 (chat_id=? AND thread_ord=?)"}},
		{"thread events before, by thread id", qThreadIDEventsBefore, []any{"big", "t", 50, 10, false}, []string{
			"SEARCH events USING INDEX sqlite_autoindex_events_2 (chat_id=? AND thread_ord=? AND ord<?)",
			"SEARCH threads"}},
	} {
		plan := explain(t, s, c.q, c.args...)
		for _, w := range c.want {
			if !strings.Contains(plan, w) {
				t.Errorf("%s: the plan lacks %q:\n%s", c.name, w, plan)
			}
		}
		for _, step := range strings.Split(plan, "\n") {
			if strings.HasPrefix(step, "SCAN events") || strings.HasPrefix(step, "SCAN n") {
				t.Errorf("%s scans events:\n%s", c.name, plan)
			}
		}
	}
}

// benchBigChat runs bench once per size, on a store whose chat "big" holds
// that many events.
func benchBigChat(b *testing.B, sizes []int, bench func(b *testing.B, s *Store)) {
	for _, n := range sizes {
		b.Run(fmt.Sprint(n, "-events"), func(b *testing.B) {
			s := open(b, filepath.Join(b.TempDir(), "parley.db"))
			defer s.Close()
			bigChat(b, s, n)
			b.ResetTimer()
			bench(b, s)
		})
	}
}

func BenchmarkLastEvents(b *testing.B) {
	benchBigChat(b, []int{10, 100_000}, func(b *testing.B, s *Store) {
		for range b.N {
			last, err := s.LastEvents(context.Background(), "big", chat.UserCustomer)
			if err != nil || len(last) != 2 {
				b.Fatal(last, err)
			}
		}
	})
}

// BenchmarkAppendWithCustomID sends with a custom_id, whose duplicate check
// runs on every such send, into an empty chat and into one of 100,000
// events: a chat's size must not slow its sends (nor, through the single
// writer, anyone else's).
func BenchmarkAppendWithCustomID(b *testing.B) {
	benchBigChat(b, []int{0, 100_000}, func(b *testing.B, s *Store) {
		for i := range b.N {
			ev := chat.Event{ID: fmt.Sprint("new", i), ChatID: "big", Type: chat.EventMessage, AuthorID: "c",
				CreatedAt: time.Now(), Text: "hi", CustomID: fmt.Sprint("cid-", i)}
			if _, err := s.AppendEvent(context.Background(), chat.AppendEvent{Mode: chat.AppendActive, Event: ev}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
