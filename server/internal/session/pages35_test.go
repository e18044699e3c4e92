package session

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
)

// A v3.5 page id holds for PageIDLifetime, for its user, kind and chat
// only, and not one byte of it may change.
func TestPageID35(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	srv := New(Config{Now: func() time.Time { return now }, PageKey: []byte("0123456789abcdef0123456789abcdef")})
	ann := &session{srv: srv, actor: chat.Actor{LicenseID: 1, UserID: "ann", Type: chat.UserCustomer}}
	bob := &session{srv: srv, actor: chat.Actor{LicenseID: 1, UserID: "bob", Type: chat.UserCustomer}}
	want := pageToken{Kind: pageThreads, Chat: "C1", Limit: 3, Asc: true, MinEvents: 5, From: 7, Before: 12}
	id := ann.sealPage(want)

	got, err := ann.openPage(id, pageThreads, "C1")
	want.User, want.Issued = "ann", now.Unix()
	if err != nil || got != want {
		t.Fatalf("openPage = %+v, %v; want %+v", got, err, want)
	}
	refused := func(what string, s *session, id, kind, chatID string) {
		t.Helper()
		var pe *protocol.Error
		if _, err := s.openPage(id, kind, chatID); !errors.As(err, &pe) || pe.Type != protocol.ErrValidation {
			t.Errorf("%s: err = %v, want a validation error", what, err)
		}
	}
	for i := range id {
		b := []byte(id)
		b[i] ^= 1
		refused("byte "+string(rune('0'+i%10))+" changed", ann, string(b), pageThreads, "C1")
	}
	refused("another user's", bob, id, pageThreads, "C1")
	refused("another chat's", ann, id, pageThreads, "C2")
	refused("another kind", ann, id, pageChats, "")
	refused("empty", ann, "", pageThreads, "C1")
	refused("too long", ann, strings.Repeat("a", maxPageIDBytes+1), pageThreads, "C1")
	other := New(Config{Now: srv.cfg.Now, PageKey: []byte("another key, another server......")})
	refused("another key's", &session{srv: other, actor: ann.actor}, id, pageThreads, "C1")

	now = now.Add(PageIDLifetime)
	if _, err := ann.openPage(id, pageThreads, "C1"); err != nil {
		t.Errorf("a month later: %v", err)
	}
	now = now.Add(time.Second)
	_, err = ann.openPage(id, pageThreads, "C1")
	if err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("after a month: err = %v, want expired", err)
	}
}

// Login's pushes: none given is every push; names of v3.5 only.
func TestPushSet35(t *testing.T) {
	all, err := pushSet35(nil)
	if err != nil || all != allPushes35 {
		t.Errorf("nil: %b, %v", all, err)
	}
	set, err := pushSet35(map[string][]string{"3.5": {"incoming_chat", "incoming_event"}, "3.6": nil})
	if err != nil {
		t.Fatal(err)
	}
	s := &session{pushes35: set}
	subscribed := func(action string) bool { return s.subscribed35(pushBits35[action]) }
	if !subscribed("incoming_chat") || !subscribed("incoming_event") || subscribed("chat_deactivated") || subscribed("no_such") {
		t.Errorf("set %b", set)
	}
	for _, bad := range []map[string][]string{{"3.5": {"thread_closed"}}, {"3.6": {"incoming_chat"}}} {
		if _, err := pushSet35(bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}
