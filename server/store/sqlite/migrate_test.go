package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
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
	want, err := s.LastEvents(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// Back to the schema of version 2.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP TRIGGER events_summary`,
		`ALTER TABLE chats DROP COLUMN last_events`,
		`CREATE INDEX events_by_thread ON events (thread_id, ord)`,
		`CREATE INDEX events_by_type ON events (chat_id, type, thread_ord DESC, ord DESC)`,
		`DELETE FROM schema_migrations WHERE version = 3`,
		`PRAGMA user_version = 2`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, path)
	defer s.Close()
	got, err := s.LastEvents(ctx, "big")
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
