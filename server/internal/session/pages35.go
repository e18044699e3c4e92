package session

import (
	"encoding/json"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/auth"
)

// Page ids of v3.5 (list_chats, list_threads). A page id is opaque to
// clients: the JSON of a pageToken sealed under Config.PageKey (auth.Seal:
// base64url(JSON) "." base64url(HMAC-SHA256)). It names the page by what
// the request that made it asked (limit, order, …) and where the page
// starts, for the user it was given to, and it is good for PageIDLifetime. A page id that was altered,
// is of another user, chat or action, or has expired is refused with a
// validation error.

// PageIDLifetime is how long a v3.5 page id stays valid.
const PageIDLifetime = 30 * 24 * time.Hour

// maxPageIDBytes bounds a page id a client sends back.
const maxPageIDBytes = 512

// Kinds of page ids.
const (
	pageChats   = "chats"
	pageThreads = "threads"
)

// pageToken is what a page id says.
type pageToken struct {
	Kind   string `json:"k"`
	User   string `json:"u"`
	Chat   string `json:"c,omitempty"`
	Issued int64  `json:"i"`
	Limit  int    `json:"l"`
	// list_chats: the offset of the page's first chat, newest first.
	Offset int `json:"o,omitempty"`
	// list_threads: the order, the least events wanted, the order of the
	// page's first thread and, when the page starts inside it, the order
	// of the event its part ends before.
	Asc       bool `json:"a,omitempty"`
	MinEvents int  `json:"m,omitempty"`
	From      int  `json:"f,omitempty"`
	Before    int  `json:"b,omitempty"`
	// list_threads, a previous page: the order of the page's last thread,
	// so that it ends where the page it was given with starts.
	To int `json:"t,omitempty"`
}

// previousThreads is the token of the list_threads page before the one
// t starts, which holds n threads and found total: up to t.Limit threads
// (n for min_events_count pages) just before t's first thread in the
// page's order, ending with that thread when t starts inside it. Nil
// when nothing comes before t.
func previousThreads(t pageToken, n, total int) *pageToken {
	p := t
	p.Before, p.MinEvents = 0, 0
	if t.MinEvents > 0 {
		p.Limit = max(n, 1)
	}
	step, in := p.Limit, 0
	if t.Before > 0 {
		in = 1 // the page starts inside thread From: the previous one ends with it
	}
	if t.Asc {
		p.To = t.From - 1 + in
		p.From = max(t.From-step+in, 1)
		if p.To < 1 {
			return nil
		}
	} else {
		p.To = t.From + 1 - in
		p.From = min(t.From+step-in, total)
		if p.To > total {
			return nil
		}
	}
	return &p
}

// sealPage makes the page id of t, issued now.
func (s *session) sealPage(t pageToken) string {
	t.User = s.actor.UserID
	t.Issued = s.srv.cfg.Now().Unix()
	b, _ := json.Marshal(t) // a pageToken always encodes
	return auth.Seal(s.srv.pageKey, b)
}

// openPage reads a page id the session's user was given for a page of
// kind (and chat, for list_threads).
func (s *session) openPage(id, kind, chatID string) (pageToken, error) {
	bad := protocol.Errorf(protocol.ErrValidation, "page_id is not one this server gave")
	if len(id) > maxPageIDBytes {
		return pageToken{}, bad
	}
	b, ok := auth.Open(s.srv.pageKey, id)
	var t pageToken
	if !ok || json.Unmarshal(b, &t) != nil || t.Kind != kind || t.User != s.actor.UserID || t.Chat != chatID {
		return pageToken{}, bad
	}
	if s.srv.cfg.Now().Sub(time.Unix(t.Issued, 0)) > PageIDLifetime {
		return pageToken{}, protocol.Errorf(protocol.ErrValidation, "page_id has expired: ask for the first page again")
	}
	return t, nil
}
