package chatui_test

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/e2e/internal/parleybin"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

// TestBinaryQueue runs `parley chat` in a real terminal while the only
// agent is full (a limit of one chat, busy with another customer's) and
// another chat waits before it: the chat shows its place and the estimated
// wait under the conversation, and the chat list marks it queued; the
// place moves up as the chat ahead is given out, and is gone once the
// agent takes the chat.
func TestBinaryQueue(t *testing.T) {
	bin := parleybin.Build(t)
	srv := parleytest.NewServer(t)
	tm := newTmux(t, bin)
	ctx := context.Background()
	a, err := srv.Store().Agent(ctx, srv.License, parleytest.AgentEmail)
	if err != nil {
		t.Fatal(err)
	}
	a.MaxChats = 1
	if err := srv.Store().PutAgent(ctx, a); err != nil {
		t.Fatal(err)
	}
	ag := newAgent(t, srv)

	// start starts a chat of a new customer with the SDK.
	start := func(text string) string {
		sdk := newSDK(t, srv, customer.MemoryStore())
		c, err := sdk.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: text}}})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	// given waits until routing has given the agent a chat.
	given := func(chatID string) {
		t.Helper()
		wait(ag, protocol.PushIncomingChatThread, func(p protocol.IncomingChatThread) bool {
			return p.Chat.ID == chatID && slices.ContainsFunc(p.Chat.Users, func(u protocol.User) bool { return u.ID == srv.AgentEmail })
		})
	}
	first := start("first")
	given(first)
	second := start("second")

	tm.chat("q", "--server", srv.URL, "--license", strconv.Itoa(srv.License), "--client-id", srv.ClientID,
		"--name", "Quinn", "--identity", filepath.Join(t.TempDir(), "identity.json"))
	tm.screen("q", "● connected", "No chats yet")
	tm.keys("q", "n")
	tm.screen("q", "New chat")
	tm.keys("q", "where is my parcel?", "Enter")
	tm.screen("q", "you: where is my parcel? ✓", "You are number 2 in the queue — about 2 min")

	tm.keys("q", "", "Escape")
	tm.screen("q", "◷ queued", "where is my parcel?")
	tm.keys("q", "", "Enter")

	ag.call(protocol.ActionDeactivateChat, map[string]any{"chat_id": first})
	given(second)
	tm.screen("q", `re:You are number 1 in the queue — about \d+ min`)

	ag.call(protocol.ActionDeactivateChat, map[string]any{"chat_id": second})
	s := tm.screen("q", "Demo Agent joined the chat.")
	if strings.Contains(s, "in the queue") {
		t.Errorf("the place is still shown once the agent has the chat:\n%s", s)
	}
	tm.keys("q", "", "Escape")
	s = tm.screen("q", "● open", "where is my parcel?")
	if strings.Contains(s, "◷ queued") {
		t.Errorf("the chat list still marks the chat queued:\n%s", s)
	}
	tm.keys("q", "q")
	tm.screen("q", "exit status 0")
}
