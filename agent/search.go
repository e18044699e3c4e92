package agent

import (
	"context"
	"fmt"
	"time"

	"github.com/parleychat/parley/protocol"
)

// MaxSearchLimit is the most chats one SearchChats page may ask for.
const MaxSearchLimit = 100

// SearchOptions is a search and its page. Query's words (at most 200
// characters) must all be in a message or file name, or all in the
// customer's name and e-mail address, the last one as a prefix when it has
// two characters or more; punctuation and operators only separate words.
// Limit 0 asks for the server's default (20).
type SearchOptions struct {
	Query         string
	Offset, Limit int
}

// SearchResult is a page of SearchChats. More says whether another page
// follows.
type SearchResult struct {
	Chats []SearchHit
	More  bool
}

// SearchHit is one chat found. ThreadID, EventID, Snippet (a part of the
// text around the match) and At are of its newest matching event;
// EventIDs lists its matching events, newest first. ByCustomer says the
// customer's name and e-mail address hold the query: a chat found by its
// customer only has no ThreadID, EventID or EventIDs, its Snippet is the
// customer's name and address, and At its last activity.
type SearchHit struct {
	ChatID                   string
	CustomerID, CustomerName string
	ByCustomer               bool
	ThreadID, EventID        string
	EventIDs                 []string
	Snippet                  string
	At                       time.Time
}

// SearchChats finds the chats the agent may see, archived ones included,
// whose messages or file names hold the words of o.Query, or whose
// customer's name and e-mail address do, the chat with the newest match
// first (search_chats).
func (c *Client) SearchChats(ctx context.Context, o SearchOptions) (SearchResult, error) {
	if o.Limit > MaxSearchLimit {
		return SearchResult{}, fmt.Errorf("%w: %d (max %d)", ErrLimitTooHigh, o.Limit, MaxSearchLimit)
	}
	req := protocol.SearchChatsRequest{Query: o.Query}
	if o.Offset > 0 {
		req.Offset = &o.Offset
	}
	if o.Limit > 0 {
		req.Limit = &o.Limit
	}
	var r protocol.SearchChatsResponse
	if err := c.callInto(ctx, protocol.ActionSearchChats, req, &r); err != nil {
		return SearchResult{}, err
	}
	out := SearchResult{Chats: make([]SearchHit, len(r.Chats)), More: r.More}
	for i, h := range r.Chats {
		out.Chats[i] = SearchHit{ChatID: h.ChatID, CustomerID: h.CustomerID, CustomerName: h.CustomerName, ByCustomer: h.ByCustomer,
			ThreadID: h.ThreadID, EventID: h.EventID, EventIDs: h.EventIDs, Snippet: h.Snippet,
			At: time.Unix(h.CreatedAt, 0).UTC()}
	}
	return out, nil
}
