package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/migrations"
	"github.com/parleychat/parley/server/store/storetest"
)

func open(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) chat.Store {
		s := open(t, filepath.Join(t.TempDir(), "parley.db"))
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	})
}

func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "parley.db")
	if _, err := Open(ctx, path); err == nil {
		t.Fatal("Open in a missing directory: no error")
	}
	path = filepath.Join(t.TempDir(), "parley.db")
	s := open(t, path)
	at := time.Date(2024, 1, 2, 3, 4, 5, 6_789_000, time.UTC)
	if err := s.PutLicense(ctx, chat.License{ID: 1, Name: "Shop", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	_, th, err := s.CreateChat(ctx, chat.NewChat{
		Chat:   chat.Chat{ID: "chat-1", LicenseID: 1, CustomerID: "c", Users: []chat.User{{ID: "c", Type: chat.UserCustomer}}, CreatedAt: at},
		Thread: chat.Thread{ID: "thread-1", CreatedAt: at},
		Events: []chat.Event{{ID: "event-1", Type: chat.EventMessage, AuthorID: "c", CreatedAt: at, Text: "hi", CustomID: "x"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	applied := migrationRows(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}

	s = open(t, path)
	defer s.Close()
	if got := migrationRows(t, s); got != applied {
		t.Errorf("migrations after re-open: got %d rows, want %d", got, applied)
	}
	ms, err := migrations.List(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(ms) {
		t.Errorf("schema_migrations has %d rows, want one per migration (%d)", applied, len(ms))
	}
	var version int
	if err := s.r.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if version != ms[len(ms)-1].Version {
		t.Errorf("user_version: got %d, want %d", version, ms[len(ms)-1].Version)
	}
	// Running the migrations again changes nothing.
	if err := s.migrate(ctx); err != nil {
		t.Fatalf("migrate again: %v", err)
	}
	if got := migrationRows(t, s); got != applied {
		t.Errorf("migrations after migrating again: got %d rows, want %d", got, applied)
	}

	l, err := s.License(ctx, 1)
	if err != nil || l.Name != "Shop" || !l.CreatedAt.Equal(at) {
		t.Errorf("License after re-open: got %+v, %v", l, err)
	}
	ts, err := s.ThreadsByID(ctx, "chat-1", []string{th.ID})
	if err != nil || len(ts) != 1 || len(ts[0].Events) != 1 || ts[0].Events[0].Text != "hi" || !ts[0].Events[0].CreatedAt.Equal(at) {
		t.Fatalf("ThreadsByID after re-open: got %+v, %v", ts, err)
	}
	res, err := s.AppendEvent(ctx, chat.AppendEvent{Event: chat.Event{ID: "event-2", ChatID: "chat-1", Type: chat.EventMessage, AuthorID: "c", CustomID: "x"}})
	if err != nil || !res.Duplicate || res.Event.ID != "event-1" {
		t.Errorf("custom id after re-open: got %+v, %v", res, err)
	}
	var mode string
	if err := s.r.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode: got %q, %v", mode, err)
	}
}

func TestPragmas(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "parley.db"))
	defer s.Close()
	ctx := context.Background()
	for _, db := range []struct {
		name string
		q    querier
	}{{"write", s.w}, {"read", s.r}} {
		var fk, sync, busy int
		if err := db.q.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := db.q.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if err := db.q.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if fk != 1 || sync != 2 || busy <= 0 {
			t.Errorf("%s connection: foreign_keys %d synchronous %d busy_timeout %d, want 1, 2 (FULL), > 0", db.name, fk, sync, busy)
		}
	}
	if _, err := s.r.ExecContext(ctx, "DELETE FROM licenses"); err == nil {
		t.Error("read connection accepted a write")
	}
}

func migrationRows(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.r.QueryRowContext(context.Background(), "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func BenchmarkAppendEvent(b *testing.B) {
	ctx := context.Background()
	s := open(b, filepath.Join(b.TempDir(), "parley.db"))
	defer s.Close()
	at := time.Now()
	_, _, err := s.CreateChat(ctx, chat.NewChat{
		Chat:   chat.Chat{ID: "chat-1", LicenseID: 1, CustomerID: "c", Users: []chat.User{{ID: "c", Type: chat.UserCustomer}, {ID: "a", Type: chat.UserAgent}}, CreatedAt: at},
		Thread: chat.Thread{ID: "thread-1", CreatedAt: at},
	})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, b.N)
	for i := range ids {
		ids[i] = "event-" + itoa(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := s.AppendEvent(ctx, chat.AppendEvent{Mode: chat.AppendActive, Event: chat.Event{
			ID: ids[i], ChatID: "chat-1", Type: chat.EventMessage, AuthorID: "a", CreatedAt: at, Text: "How can I help you today?",
		}})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func itoa(i int) string {
	var buf [20]byte
	n := len(buf)
	for {
		n--
		buf[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(buf[n:])
		}
	}
}

// BenchmarkCreateCustomer adds anonymous customers, as the token endpoint
// does for each new visitor.
func BenchmarkCreateCustomer(b *testing.B) {
	ctx := context.Background()
	s := open(b, filepath.Join(b.TempDir(), "parley.db"))
	defer s.Close()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := s.CreateCustomer(ctx, chat.Customer{LicenseID: 1, ID: "customer-" + itoa(i), CreatedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
}
