package session

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
)

// chatThreadsPage answers get_chat_threads and get_chat: one page of the
// threads, newest events first, of about Config.PageBytes of events (at
// least one event), with next_page_id naming the rest.
func (s *session) chatThreadsPage(ctx context.Context, req protocol.Request, chatID string, threadIDs []string, pageID string) (any, error) {
	var from *chat.PageCursor
	if pageID != "" {
		c, ok := parsePageID(pageID)
		if !ok {
			return nil, protocol.Errorf(protocol.ErrValidation, "page_id is not one this server gave")
		}
		from = &c
	}
	take := eventBudget(s.srv.cfg.PageBytes, func(e chat.Event) any { return wireEvent(e) })
	p, err := s.srv.cfg.Service.ChatThreads(ctx, s.actorFor(req), chatID, threadIDs, from, take)
	if err != nil {
		return nil, err
	}
	out := protocol.ChatThreadsResponse{Chat: wireChatThreads(p.Chat, p.Members, p.Threads)}
	if p.Next != nil {
		out.NextPageID = formatPageID(*p.Next)
	}
	return out, nil
}

// eventBudget returns a take function for chat.Service.ChatThreads that
// accepts events while their encoding (by wire) stays within budget
// bytes, and always the first. One function may serve several calls: the
// budget is for all of them.
func eventBudget(budget int, wire func(chat.Event) any) func(chat.Event) bool {
	used := 0
	return func(e chat.Event) bool {
		b, _ := json.Marshal(wire(e)) // an event that does not encode fails the response
		n := len(b) + 1               // and its comma
		if used > 0 && used+n > budget {
			return false
		}
		used += n
		return true
	}
}

// A page id is "<thread id>:<before>": clients treat it as opaque.
func formatPageID(c chat.PageCursor) string {
	return c.ThreadID + ":" + strconv.Itoa(c.Before)
}

func parsePageID(id string) (chat.PageCursor, bool) {
	thread, before, ok := strings.Cut(id, ":")
	n, err := strconv.Atoi(before)
	if !ok || thread == "" || err != nil || n < 0 {
		return chat.PageCursor{}, false
	}
	return chat.PageCursor{ThreadID: thread, Before: n}, true
}
