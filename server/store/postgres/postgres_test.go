package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/migrations"
	"github.com/parleychat/parley/server/store/storetest"
)

// defaultTestURL is the server the tests use unless
// PARLEY_TEST_DATABASE_URL names another: a local PostgreSQL with trust
// authentication.
const defaultTestURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// TestMain drops the template database the tests made, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	if tmpl.name != "" {
		if err := dropDB(tmpl.base, tmpl.name); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

// tmpl is a database migrated once, which the test databases copy.
var tmpl struct {
	once sync.Once
	base string // the server's URL
	name string // "" until made
	err  error
}

// testDB creates a database of its own for the test, dropped when the test
// ends, and returns its URL. It is a copy of a database Migrate migrated
// when migrated is set, and empty otherwise. Without a reachable server the
// test fails, unless it runs with -short.
func testDB(t testing.TB, migrated bool) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the PostgreSQL tests need a server")
	}
	base := os.Getenv("PARLEY_TEST_DATABASE_URL")
	if base == "" {
		base = defaultTestURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("PARLEY_TEST_DATABASE_URL %q: need a postgres:// URL", base)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL is not reachable at %s: %v\n"+
			"The tests need a server: start one (trust authentication for 127.0.0.1), "+
			"set PARLEY_TEST_DATABASE_URL to another, or run with -short to skip them.", u.Redacted(), err)
	}
	defer admin.Close(ctx)
	name := "parley_test_" + randomHex()
	create := "CREATE DATABASE " + name
	if migrated {
		tmpl.once.Do(func() {
			name := "parley_test_tmpl_" + randomHex()
			if _, tmpl.err = admin.Exec(ctx, "CREATE DATABASE "+name); tmpl.err != nil {
				return
			}
			tmpl.base, tmpl.name = base, name
			tu := *u
			tu.Path = "/" + name
			tmpl.err = Migrate(ctx, tu.String())
		})
		if tmpl.err != nil {
			t.Fatalf("template database: %v", tmpl.err)
		}
		create += " TEMPLATE " + tmpl.name
	}
	if _, err := admin.Exec(ctx, create); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := dropDB(base, name); err != nil {
			t.Error(err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// dropDB drops the database name of the server at base.
func dropDB(base, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err == nil {
		defer admin.Close(ctx)
		_, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	}
	if err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

func randomHex() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func open(t testing.TB, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) chat.Store { return open(t, testDB(t, true)) })
}

func migrationRows(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.pool.QueryRow(context.Background(), "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMigrateNodes starts several nodes at once on an empty database: each
// migration is applied once, and each node opens.
func TestMigrateNodes(t *testing.T) {
	db := testDB(t, false)
	ctx := context.Background()
	const nodes = 4
	stores := make([]*Store, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, db) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: Open: %v", i, err)
		}
		defer stores[i].Close()
	}
	ms, err := migrations.List(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if got := migrationRows(t, stores[0]); got != len(ms) {
		t.Errorf("schema_migrations has %d rows, want one per migration (%d)", got, len(ms))
	}
	if err := Migrate(ctx, db); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	if got := migrationRows(t, stores[0]); got != len(ms) {
		t.Errorf("schema_migrations after migrating again: %d rows, want %d", got, len(ms))
	}
	// What one node writes, another reads.
	at := time.Date(2024, 1, 2, 3, 4, 5, 6_789, time.UTC)
	if err := stores[0].PutLicense(ctx, chat.License{ID: 1, Name: "Shop", CreatedAt: at}); err != nil {
		t.Fatal(err)
	}
	l, err := stores[1].License(ctx, 1)
	if err != nil || l.Name != "Shop" || !l.CreatedAt.Equal(at) {
		t.Errorf("License from another node: got %+v, %v; times must round-trip to the nanosecond", l, err)
	}
}

func TestMigrateThenOpen(t *testing.T) {
	db := testDB(t, false)
	if err := Migrate(context.Background(), db); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	s := open(t, db)
	ms, err := migrations.List(migrationFS, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	if got := migrationRows(t, s); got != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", got, len(ms))
	}
}

func TestOpenRefusesAsyncCommit(t *testing.T) {
	db := testDB(t, true)
	s, err := Open(context.Background(), db+"&synchronous_commit=off")
	if err == nil {
		s.Close()
		t.Fatal("Open with synchronous_commit=off: no error")
	}
	s = open(t, db)
	var mode string
	if err := s.pool.QueryRow(context.Background(), "SHOW synchronous_commit").Scan(&mode); err != nil || mode == "off" {
		t.Errorf("synchronous_commit: got %q, %v", mode, err)
	}
}

// twoNodes opens two stores, each with its own pool, on one new database
// and creates a chat with an active thread through the first.
func twoNodes(t *testing.T) ([2]*Store, chat.Chat, chat.Thread) {
	db := testDB(t, true)
	nodes := [2]*Store{open(t, db), open(t, db)}
	at := time.Date(2024, 3, 10, 9, 30, 0, 0, time.UTC)
	c, th, err := nodes[0].CreateChat(context.Background(), chat.NewChat{
		Chat: chat.Chat{ID: "chat-1", LicenseID: 1, CustomerID: "c",
			Users: []chat.User{{ID: "c", Type: chat.UserCustomer}, {ID: "a", Type: chat.UserAgent}}, CreatedAt: at},
		Thread: chat.Thread{ID: "thread-1", CreatedAt: at},
	})
	if err != nil {
		t.Fatal(err)
	}
	return nodes, c, th
}

// TestNodesAppend appends to one chat from two nodes at once: the orders
// are 1..N, without a gap or a duplicate.
func TestNodesAppend(t *testing.T) {
	nodes, c, th := twoNodes(t)
	ctx := context.Background()
	const workers, each = 6, 20
	var wg sync.WaitGroup
	errs := make(chan error, len(nodes)*workers)
	for n, s := range nodes {
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					ev := chat.Event{ID: fmt.Sprintf("n%d-w%d-%d", n, w, i), ChatID: c.ID, Type: chat.EventMessage,
						AuthorID: "c", CreatedAt: time.Now(), Text: "m"}
					res, err := s.AppendEvent(ctx, chat.AppendEvent{Event: ev, Mode: chat.AppendActive})
					if err != nil {
						errs <- err
						return
					}
					if res.Event.Order < 1 || res.Thread.TotalEvents != res.Event.Order {
						errs <- fmt.Errorf("event %s: order %d, thread total %d", ev.ID, res.Event.Order, res.Thread.TotalEvents)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := len(nodes) * workers * each
	ts, err := nodes[1].ThreadsByID(ctx, c.ID, []string{th.ID})
	if err != nil {
		t.Fatal(err)
	}
	got := ts[0]
	if got.TotalEvents != want || len(got.Events) != want {
		t.Fatalf("thread: TotalEvents %d and %d events, want %d", got.TotalEvents, len(got.Events), want)
	}
	seen := map[string]bool{}
	for i, ev := range got.Events {
		if ev.Order != i+1 {
			t.Fatalf("event %d has order %d: orders not consecutive", i, ev.Order)
		}
		if seen[ev.ID] {
			t.Fatalf("event %s stored twice", ev.ID)
		}
		seen[ev.ID] = true
	}
	last, err := nodes[0].LastEvents(ctx, c.ID, chat.UserAgent)
	if err != nil {
		t.Fatal(err)
	}
	if e := last[chat.EventMessage].Event; e.ID != got.Events[want-1].ID {
		t.Errorf("last message: got %s, want %s", e.ID, got.Events[want-1].ID)
	}
}

// TestNodesCustomID retries one append with one custom id from two nodes
// at once: one event is stored, and every retry gets it.
func TestNodesCustomID(t *testing.T) {
	nodes, c, th := twoNodes(t)
	ctx := context.Background()
	const workers = 6
	type result struct {
		res chat.AppendResult
		err error
	}
	results := make(chan result, len(nodes)*workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for n, s := range nodes {
		for w := range workers {
			wg.Go(func() {
				<-start
				ev := chat.Event{ID: fmt.Sprintf("try-%d-%d", n, w), ChatID: c.ID, Type: chat.EventMessage,
					AuthorID: "c", CreatedAt: time.Now(), Text: "retried", CustomID: "same"}
				res, err := s.AppendEvent(ctx, chat.AppendEvent{Event: ev, Mode: chat.AppendActive})
				results <- result{res, err}
			})
		}
	}
	close(start)
	wg.Wait()
	close(results)
	fresh, stored := 0, ""
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if !r.res.Duplicate {
			fresh++
		}
		if stored == "" {
			stored = r.res.Event.ID
		}
		if r.res.Event.ID != stored {
			t.Errorf("one append got event %s, another %s", r.res.Event.ID, stored)
		}
	}
	if fresh != 1 {
		t.Errorf("%d appends were not duplicates, want 1", fresh)
	}
	got, err := nodes[0].Thread(ctx, c.ID, th.ID)
	if err != nil || got.TotalEvents != 1 {
		t.Errorf("thread: TotalEvents %d, %v; want 1", got.TotalEvents, err)
	}
}

// BenchmarkAppendEvent appends to one chat, one event at a time.
func BenchmarkAppendEvent(b *testing.B) {
	ctx := context.Background()
	s := open(b, testDB(b, true))
	at := time.Now()
	_, _, err := s.CreateChat(ctx, chat.NewChat{
		Chat: chat.Chat{ID: "chat-1", LicenseID: 1, CustomerID: "c",
			Users: []chat.User{{ID: "c", Type: chat.UserCustomer}, {ID: "a", Type: chat.UserAgent}}, CreatedAt: at},
		Thread: chat.Thread{ID: "thread-1", CreatedAt: at},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_, err := s.AppendEvent(ctx, chat.AppendEvent{Mode: chat.AppendActive, Event: chat.Event{
			ID: fmt.Sprintf("event-%d", i), ChatID: "chat-1", Type: chat.EventMessage, AuthorID: "a", CreatedAt: at,
			Text: "How can I help you today?", CustomID: fmt.Sprintf("c-%d", i),
		}})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// TestRefusedWrites checks that a write PostgreSQL refuses, or one whose
// context has ended, stores nothing and leaves the store working.
func TestRefusedWrites(t *testing.T) {
	nodes, c, th := twoNodes(t)
	s := nodes[0]
	ctx := context.Background()
	msg := func(id, text, customID string) chat.AppendEvent {
		return chat.AppendEvent{Mode: chat.AppendActive, Event: chat.Event{ID: id, ChatID: c.ID, Type: chat.EventMessage,
			AuthorID: "c", CreatedAt: time.Now(), Text: text, CustomID: customID}}
	}
	// A NUL character is stored in the event's json body...
	res, err := s.AppendEvent(ctx, msg("event-nul", "a\x00b", ""))
	if err != nil {
		t.Fatalf("text with NUL: %v", err)
	}
	// ...but not in a text column.
	if _, err := s.AppendEvent(ctx, msg("event-bad", "x", "a\x00b")); err == nil {
		t.Error("custom id with NUL: no error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.AppendEvent(cancelled, msg("event-cancelled", "x", "")); err == nil {
		t.Error("append with an ended context: no error")
	}
	if _, err := s.AppendEvent(ctx, msg("event-after", "after", "")); err != nil {
		t.Fatalf("append after refused writes: %v", err)
	}
	ts, err := nodes[1].ThreadsByID(ctx, c.ID, []string{th.ID})
	if err != nil {
		t.Fatal(err)
	}
	evs := ts[0].Events
	if len(evs) != 2 || evs[0].Text != "a\x00b" || evs[0].ID != res.Event.ID || evs[1].ID != "event-after" || evs[1].Order != 2 {
		t.Errorf("stored events: got %+v", evs)
	}
}

// Migration 5 gives every existing license a distinct organization id, a
// canonical version 4 UUID, and LicenseByOrganization finds it.
func TestMigrateOrganizations(t *testing.T) {
	ctx := context.Background()
	db := testDB(t, true)
	s := open(t, db)
	for id := 1; id <= 5; id++ {
		if err := s.PutLicense(ctx, chat.License{ID: id, Name: "L"}); err != nil {
			t.Fatal(err)
		}
	}
	// Back to the schema of version 4.
	for _, q := range []string{
		`DROP INDEX licenses_by_organization`,
		`ALTER TABLE licenses DROP COLUMN organization_id`,
		`DELETE FROM schema_migrations WHERE version = 5`,
	} {
		if _, err := s.pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := Migrate(ctx, db); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	ls, err := s.Licenses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, l := range ls {
		canon, err := chat.ParseOrganizationID(l.OrganizationID)
		if err != nil || canon != l.OrganizationID || l.OrganizationID[14] != '4' {
			t.Errorf("license %d: organization id %q is not a canonical version 4 UUID", l.ID, l.OrganizationID)
		}
		if seen[l.OrganizationID] {
			t.Errorf("license %d: organization id %q repeated", l.ID, l.OrganizationID)
		}
		seen[l.OrganizationID] = true
		if got, err := s.LicenseByOrganization(ctx, l.OrganizationID); err != nil || got.ID != l.ID {
			t.Errorf("LicenseByOrganization(%q): %+v, %v", l.OrganizationID, got, err)
		}
	}
	if len(ls) != 5 {
		t.Fatalf("%d licenses after migrating, want 5", len(ls))
	}
}
