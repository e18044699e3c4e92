package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

// Migration 3 moves the newest event of each type onto the chat's row: a
// file written under version 2 reads the same last events after it.
func TestMigrateLastEvents(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "parley.db")
	s := open(t, path)
	bigChat(t, s, 25) // events e0…e24, every tenth a system message
	want, err := s.LastEvents(ctx, "big", chat.UserAgent)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Back to the schema of version 2.
	downgrade(t, path,
		`DROP TRIGGER events_summary`,
		`ALTER TABLE chats DROP COLUMN last_events`,
		`CREATE INDEX events_by_thread ON events (thread_id, ord)`,
		`CREATE INDEX events_by_type ON events (chat_id, type, thread_ord DESC, ord DESC)`,
		`DELETE FROM schema_migrations WHERE version = 3`,
		`PRAGMA user_version = 2`,
	)

	s = open(t, path)
	defer s.Close()
	got, err := s.LastEvents(ctx, "big", chat.UserAgent)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["message"].Event.ID != "e24" || got["system_message"].Event.ID != "e20" {
		t.Fatalf("after migrating: last events %v", ids(got))
	}
	if len(want) != len(got) || want["message"].Event.ID != "e24" || want["system_message"].Event.ID != "e20" {
		t.Fatalf("before migrating: last events %v", ids(want))
	}
	if got["message"].ThreadOrder != 1 {
		t.Fatalf("thread order %d, want 1", got["message"].ThreadOrder)
	}
}

func ids(last map[string]chat.LastEvent) map[string]string {
	out := map[string]string{}
	for typ, l := range last {
		out[typ] = l.Event.ID
	}
	return out
}

// Migration 5 gives every license a distinct organization id, a canonical
// version 4 UUID, and LicenseByOrganization finds it.
func TestMigrateOrganizations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "parley.db")
	s := open(t, path)
	for id := 1; id <= 5; id++ {
		if err := s.PutLicense(ctx, chat.License{ID: id, Name: "L"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Back to the schema of version 4.
	downgrade(t, path,
		`DROP INDEX licenses_by_organization`,
		`ALTER TABLE licenses DROP COLUMN organization_id`,
		`DELETE FROM schema_migrations WHERE version = 5`,
		`PRAGMA user_version = 4`,
	)

	s = open(t, path)
	defer s.Close()
	ls, err := s.Licenses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, l := range ls {
		canon, err := chat.ParseOrganizationID(l.OrganizationID)
		if err != nil || canon != l.OrganizationID || l.OrganizationID[14] != '4' || !strings.ContainsAny(l.OrganizationID[19:20], "89ab") {
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

// Migration 11 indexes the customers a file already holds: under version
// 10 a customer's chat is not found by the customer's name; after it, it
// is, and so are customers added later.
func TestMigrateCustomerSearch(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "parley.db")
	s := open(t, path)
	if err := s.CreateCustomer(ctx, chat.Customer{LicenseID: 1, ID: "cu", Name: "Zelda Quist", Email: "zq@mail.example"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateChat(ctx, chat.NewChat{Chat: chat.Chat{ID: "zc", LicenseID: 1, CustomerID: "cu"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Back to the schema of version 10.
	downgrade(t, path,
		`DROP TRIGGER customer_search_insert`,
		`DROP TRIGGER customer_search_update`,
		`DROP TRIGGER customer_search_delete`,
		`DROP TABLE customer_search`,
		`DROP TABLE customer_search_ids`,
		`DELETE FROM schema_migrations WHERE version = 11`,
		`PRAGMA user_version = 10`,
	)

	s = open(t, path)
	defer s.Close()
	if err := s.CreateCustomer(ctx, chat.Customer{LicenseID: 1, ID: "cu2", Name: "Zelda Later"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateChat(ctx, chat.NewChat{Chat: chat.Chat{ID: "zc2", LicenseID: 1, CustomerID: "cu2"}}); err != nil {
		t.Fatal(err)
	}
	for word, want := range map[string]string{"quist": "zc", "mail": "zc", "later": "zc2"} {
		hits, err := s.SearchChats(ctx, chat.SearchQuery{LicenseID: 1, Terms: []string{word}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 || hits[0].ChatID != want || !hits[0].ByCustomer {
			t.Errorf("after migrating, %q finds %+v, want chat %s", word, hits, want)
		}
	}
}

// downgrade runs statements on the closed store's file at path: the
// schema taken back to an earlier version.
func downgrade(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.ExecContext(context.Background(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
