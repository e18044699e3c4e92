package chatui_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

// startChatWithAgent opens the terminal on a new customer, starts a chat
// with text and has the agent join it.
func startChatWithAgent(t *testing.T, text string) (*parleytest.Server, *agent, *terminal, string) {
	t.Helper()
	srv := parleytest.NewServer(t)
	ag := newAgent(t, srv)
	sdk := newSDK(t, srv, customer.FileStore(filepath.Join(t.TempDir(), "identity.json")))
	term := startTerminal(t, sdk)
	term.waitFor(0, "● connected")
	term.typeText("n")
	at := term.mark()
	term.enter(text)
	term.waitFor(at, "you: "+text+" ✓")
	chatID := ag.waitNewChat(text)
	term.waitFor(at, "Demo Agent joined the chat.")
	return srv, ag, term, chatID
}

// TestRichButtons: the agent sends a card with buttons; the customer
// selects the second with the keyboard and presses it; the agent gets the
// postback.
func TestRichButtons(t *testing.T) {
	_, ag, term, chatID := startChatWithAgent(t, "which plan?")

	at := term.mark()
	ag.call(protocol.ActionSendEvent, map[string]any{"chat_id": chatID, "event": map[string]any{
		"type": "rich_message", "template_id": "quick_replies",
		"elements": []any{map[string]any{"title": "Pick a plan", "buttons": []any{
			map[string]any{"type": "message", "text": "Basic", "postback_id": "plan_basic", "user_ids": []string{}},
			map[string]any{"type": "message", "text": "Pro", "postback_id": "plan_pro", "user_ids": []string{}},
		}}}}})
	term.waitFor(at, "Demo Agent: [card] Pick a plan", "[ Basic ] [ Pro ]", "(tab chooses)")
	ev := ag.waitEvent(chatID, func(e protocol.Event) bool { return e.Type == "rich_message" })

	at = term.mark()
	term.key(tea.KeyTab)
	term.waitFor(at, "Button “Basic” — enter presses it")
	at = term.mark()
	term.key(tea.KeyRight)
	term.waitFor(at, "Button “Pro” — enter presses it")
	at = term.mark()
	term.key(tea.KeyEnter)
	term.waitFor(at, "You pressed “Pro”.", "[✓ Pro ]")

	p := wait(ag, protocol.PushIncomingRichMessagePostback, func(p protocol.IncomingRichMessagePostback) bool {
		return p.ChatID == chatID
	})
	if p.Postback.ID != "plan_pro" || !p.Postback.Toggled || p.EventID != ev.ID || p.ThreadID == "" {
		t.Fatalf("the agent got postback %+v, want plan_pro of event %s", p, ev.ID)
	}
}

// TestRatingAfterAgentClose: the agent closes the chat; the terminal asks
// for a rating; the customer answers good with a comment; the rating is
// stored on the thread, as the agent reads it back.
func TestRatingAfterAgentClose(t *testing.T) {
	_, ag, term, chatID := startChatWithAgent(t, "thanks, all good")

	at := term.mark()
	ag.call(protocol.ActionDeactivateChat, map[string]any{"chat_id": chatID})
	term.waitFor(at, "The chat was closed. How was it?  g good · b bad · s skip", "· closed")

	at = term.mark()
	term.typeText("g")
	term.waitFor(at, "You rate this chat good. Add a comment")
	at = term.mark()
	term.enter("fast and friendly")
	term.waitFor(at, "You rated this chat good.", "Thank you for your rating.")

	var got protocol.ChatThreadsResponse
	if err := json.Unmarshal(ag.call(protocol.ActionGetChat, map[string]any{"chat_id": chatID}), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Chat.Threads) == 0 {
		t.Fatal("get_chat returned no thread")
	}
	r := got.Chat.Threads[len(got.Chat.Threads)-1].Properties["rating"]
	if r["score"].Value != 1.0 || r["comment"].Value != "fast and friendly" {
		t.Fatalf("stored rating %+v, want score 1 with the comment", r)
	}
}
