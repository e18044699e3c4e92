package chat_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

// TestListChatsLimits: a negative offset or limit, or a limit over
// MaxAgentChatsLimit, is invalid; no limit is DefaultChatsLimit.
func TestListChatsLimits(t *testing.T) {
	e := newEnv(t, 0)
	a := e.agentAs(chat.RoleOwner, "owner@x", 10)
	for _, in := range []chat.ListChats{{Offset: -1}, {Limit: -1}, {Limit: chat.MaxAgentChatsLimit + 1}} {
		if _, _, err := e.svc.ListChats(e.ctx, a, in); !errors.Is(err, chat.ErrInvalid) {
			t.Errorf("ListChats(offset %d, limit %d): %v, want ErrInvalid", in.Offset, in.Limit, err)
		}
	}
	for i := range chat.DefaultChatsLimit + 1 {
		e.startChat(fmt.Sprintf("cu%d", i))
	}
	sums, total, err := e.svc.ListChats(e.ctx, a, chat.ListChats{})
	if err != nil || len(sums) != chat.DefaultChatsLimit || total != chat.DefaultChatsLimit+1 {
		t.Errorf("ListChats() = %d chats of %d, %v; want %d of %d", len(sums), total, err, chat.DefaultChatsLimit, chat.DefaultChatsLimit+1)
	}
	if sums, _, err := e.svc.ListChats(e.ctx, a, chat.ListChats{Limit: chat.MaxAgentChatsLimit}); err != nil || len(sums) != chat.DefaultChatsLimit+1 {
		t.Errorf("ListChats(limit max) = %d chats, %v", len(sums), err)
	}
}
