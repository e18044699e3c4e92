package client

import (
	"errors"
	"fmt"
	"testing"

	"github.com/parleychat/parley/internal/rtm"
	"github.com/parleychat/parley/protocol"
)

type serverErr struct{ typ string }

func (e *serverErr) Error() string { return "test: " + e.typ }

func TestErrorsWrap(t *testing.T) {
	closed, notConn, lost := errors.New("closed"), errors.New("not connected"), errors.New("lost")
	m := &Errors{Closed: closed, NotConnected: notConn, ConnectionLost: lost,
		Server: func(typ, _ string, _ map[string]any) error { return &serverErr{typ} }}
	other := errors.New("other")
	for _, c := range []struct {
		in, want error
	}{
		{nil, nil},
		{fmt.Errorf("x: %w", rtm.ErrConnectionLost), lost},
		{rtm.ErrClosed, closed},
		{rtm.ErrNotConnected, notConn},
		{other, other},
	} {
		if got := m.Wrap(c.in); got != c.want {
			t.Errorf("Wrap(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	var se *serverErr
	if err := m.Wrap(protocol.Errorf(protocol.ErrValidation, "bad")); !errors.As(err, &se) || se.typ != protocol.ErrValidation {
		t.Errorf("Wrap(protocol error) = %v", err)
	}
}

func TestTrackerAdvance(t *testing.T) {
	var tr Tracker
	if !tr.Advance("c", "t1", 1, 0) {
		t.Fatal("an event of an unknown thread is not delivered")
	}
	tr.NoteThread("t1", 1)
	tr.NoteThread("t2", 2)
	for _, c := range []struct {
		thread string
		order  int
		want   bool
	}{
		{"t1", 2, true}, {"t1", 2, false}, {"t1", 1, false}, {"t2", 1, true}, {"t1", 5, false}, {"t2", 0, true},
	} {
		if got := tr.Advance("c", c.thread, c.order, 0); got != c.want {
			t.Errorf("Advance(%s, %d) = %v, want %v", c.thread, c.order, got, c.want)
		}
	}
	if m, ok := tr.Last("c"); !ok || m != (Mark{2, 1}) {
		t.Errorf("Last = %v, %v", m, ok)
	}
	snap := tr.Snapshot()
	tr.Raise("c", Mark{3, 1})
	tr.Raise("c", Mark{2, 9}) // older: ignored
	if m, _ := tr.Last("c"); m != (Mark{3, 1}) {
		t.Errorf("after Raise: Last = %v", m)
	}
	tr.Restore(snap)
	if m, _ := tr.Last("c"); m != (Mark{2, 1}) {
		t.Errorf("after Restore: Last = %v", m)
	}
}

func TestBaseURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://chat.example.com/": "https://chat.example.com",
		"http://h:8080/base//":      "http://h:8080/base",
	} {
		if got, err := BaseURL(in); err != nil || got != want {
			t.Errorf("BaseURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"ftp://h", "h", "https://"} {
		if _, err := BaseURL(in); err == nil {
			t.Errorf("BaseURL(%q) accepted", in)
		}
	}
	if got := WebSocketURL("https://h", "/rtm"); got != "wss://h/rtm" {
		t.Errorf("WebSocketURL = %q", got)
	}
}
