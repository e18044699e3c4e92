package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// TestSearchAfterBackup: the search index names events by rowid, which a
// copy (VACUUM INTO) must keep even where rows were removed before it: the
// copy finds the same events as the original. FTS5 is compiled in, and
// a removed message leaves the index.
func TestSearchAfterBackup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "parley.db")
	s := open(t, src)
	defer s.Close()
	var fts5 bool
	if err := s.r.QueryRowContext(ctx, `SELECT sqlite_compileoption_used('ENABLE_FTS5')`).Scan(&fts5); err != nil || !fts5 {
		t.Fatalf("ENABLE_FTS5: %v, %v", fts5, err)
	}
	at := time.Date(2024, 5, 6, 9, 0, 0, 0, time.UTC)
	ev := func(chatID, id, typ, text string) chat.Event {
		at = at.Add(time.Second)
		return chat.Event{ID: id, ChatID: chatID, Type: typ, AuthorID: "cu", CreatedAt: at, Text: text, SystemMessageType: map[bool]string{true: "x"}[typ == chat.EventSystemMessage]}
	}
	for _, c := range []struct {
		id     string
		events []chat.Event
	}{
		{"a", []chat.Event{ev("a", "a1", chat.EventMessage, "alpha"), ev("a", "a2", chat.EventSystemMessage, "gone"), ev("a", "a3", chat.EventMessage, "beta")}},
		{"b", []chat.Event{ev("b", "b1", chat.EventSystemMessage, "gone"), ev("b", "b2", chat.EventMessage, "gamma")}},
	} {
		if _, _, err := s.CreateChat(ctx, chat.NewChat{Chat: chat.Chat{ID: c.id, LicenseID: 1, CustomerID: "cu", CreatedAt: at},
			Thread: chat.Thread{ID: c.id + "-t", CreatedAt: at}, Events: c.events}); err != nil {
			t.Fatal(err)
		}
	}
	// Gaps in the rowids of events, which a renumbering copy would close.
	if _, err := s.w.ExecContext(ctx, `DELETE FROM events WHERE type = 'system_message'`); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "copy.db")
	if err := Backup(ctx, src, dst); err != nil {
		t.Fatal(err)
	}
	c := open(t, dst)
	defer c.Close()
	for _, st := range []*Store{s, c} {
		for word, want := range map[string]string{"alpha": "a1", "beta": "a3", "gamma": "b2", "gone": ""} {
			hits, err := st.SearchChats(ctx, chat.SearchQuery{LicenseID: 1, Terms: []string{word}, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if len(hits) == 1 {
				got = hits[0].EventID
			}
			if got != want || len(hits) > 1 {
				t.Errorf("search %q in %s: %+v, want event %q", word, filepath.Base(st.path), hits, want)
			}
		}
	}
	// A removed message leaves the index with it.
	if _, err := s.w.ExecContext(ctx, `DELETE FROM events WHERE id = 'a1'`); err != nil {
		t.Fatal(err)
	}
	if hits, err := s.SearchChats(ctx, chat.SearchQuery{LicenseID: 1, Terms: []string{"alpha"}, Limit: 10}); err != nil || len(hits) != 0 {
		t.Errorf("search of a removed message: %+v, %v", hits, err)
	}
}
