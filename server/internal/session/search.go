package session

import (
	"context"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
)

// searchChats answers search_chats (docs/agent-api.md, "Search").
func (s *session) searchChats(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.SearchChatsRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	in := chat.SearchChats{Query: p.Query}
	in.Offset, in.Limit = pagination(p.Pagination)
	hits, more, err := s.srv.cfg.Service.SearchChats(ctx, s.actorFor(req), in)
	if err != nil {
		return nil, err
	}
	out := protocol.SearchChatsResponse{Chats: make([]protocol.SearchHit, len(hits)), More: more}
	for i, h := range hits {
		out.Chats[i] = protocol.SearchHit{ChatID: h.ChatID, CustomerID: h.CustomerID, CustomerName: h.CustomerName, ByCustomer: h.ByCustomer,
			ThreadID: h.ThreadID, EventID: h.EventID, EventIDs: h.EventIDs, Snippet: h.Snippet, CreatedAt: unix(h.At)}
	}
	return out, nil
}
