package chatui_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

// TestConversation drives the terminal chat through a short conversation
// with an agent on the other side: a new chat, the agent joining, typing
// and answering, a sneak peek, a message seen, text with escape sequences,
// a file with its progress bar, a cancelled upload, a rating, the close and
// a reopen.
func TestConversation(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := newAgent(t, srv)
	sdk := newSDK(t, srv, customer.FileStore(filepath.Join(t.TempDir(), "identity.json")))
	term := startTerminal(t, sdk)
	term.waitFor(0, "● connected", "No chats yet. Press n to start one.")

	at := term.mark()
	term.typeText("n")
	term.waitFor(at, "New chat: type your first message")

	at = term.mark()
	term.enter("Hello, I need help")
	term.waitFor(at, "you: Hello, I need help ✓", "· open")
	chatID := ag.waitNewChat("Hello, I need help")
	term.waitFor(at, "Demo Agent joined the chat.", "Chat "+chatID)

	at = term.mark()
	ag.call(protocol.ActionSendTypingIndicator, map[string]any{"chat_id": chatID, "is_typing": true})
	term.waitFor(at, "Demo Agent is typing…")

	at = term.mark()
	ag.send(chatID, "Hi Ann, how can I help?")
	term.waitFor(at, "Demo Agent: Hi Ann, how can I help?", "with Demo Agent")

	// What the customer types reaches the agent before it is sent.
	term.typeText("my order is late")
	wait(ag, protocol.PushIncomingSneakPeek, func(p protocol.IncomingSneakPeek) bool {
		return p.ChatID == chatID && p.SneakPeek.Text == "my order is late"
	})
	at = term.mark()
	term.key(tea.KeyEnter)
	ag.waitEvent(chatID, func(e protocol.Event) bool { return e.Text == "my order is late" })
	term.waitFor(at, "you: my order is late ✓")
	at = term.mark()
	ag.call(protocol.ActionUpdateLastSeenTimestamp, map[string]any{"chat_id": chatID})
	term.waitFor(at, "you: my order is late ✓✓ seen")

	// Text from the network cannot drive the terminal.
	at = term.mark()
	ag.send(chatID, "\x1b]0;pwned\x07\x1b[2Jplain \x1b[31mtext\x1b[0m\u202e\x07")
	term.waitFor(at, "Demo Agent: plain text")
	if raw := term.out[at:]; bytes.Contains(raw, []byte("pwned")) || bytes.Contains(raw, []byte("\x1b]0;")) {
		t.Errorf("an escape sequence from the agent reached the terminal: %q", raw)
	}

	// A file, with its progress.
	dir := t.TempDir()
	report := filepath.Join(dir, "report.bin")
	if err := os.WriteFile(report, bytes.Repeat([]byte("r"), 512<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	at = term.mark()
	term.enter("/file " + report)
	term.waitMatch(at, regexp.MustCompile(`Uploading report\.bin \S+\s+[1-9]\d?%`))
	term.waitFor(at, "Sent report.bin (512.0 kB).", "you sent a file: report.bin (512.0 kB)")
	if e := ag.waitEvent(chatID, func(e protocol.Event) bool { return e.Type == "file" }); e.Name != "report.bin" || e.Size != 512<<10 {
		t.Errorf("the agent got file %q of %d bytes", e.Name, e.Size)
	}

	// esc cancels an upload.
	huge := filepath.Join(dir, "huge.bin")
	if err := os.WriteFile(huge, bytes.Repeat([]byte("h"), 4<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	at = term.mark()
	term.enter("/file " + huge)
	term.waitMatch(at, regexp.MustCompile(`Uploading huge\.bin \S+\s+[1-9]\d?%`))
	term.key(tea.KeyEsc)
	term.waitFor(at, "Upload of huge.bin cancelled.")

	at = term.mark()
	term.enter("/rate good quick and kind")
	term.waitFor(at, "You rated this chat good.", "Thank you for your rating.")
	wait(ag, protocol.PushChatThreadPropertiesUpdated, func(p protocol.PropertiesUpdated) bool {
		r := p.Properties["rating"]
		return p.ChatID == chatID && r["score"].Value == 1.0 && r["comment"].Value == "quick and kind"
	})

	at = term.mark()
	term.enter("/close")
	term.waitFor(at, "Chat closed by the customer", "· closed")
	wait(ag, protocol.PushThreadClosed, func(p protocol.ThreadClosed) bool { return p.ChatID == chatID })

	// A message after the close opens the chat again.
	at = term.mark()
	term.enter("one more thing")
	term.waitFor(at, "── chat reopened ──", "you: one more thing ✓", "· open")
	wait(ag, protocol.PushIncomingChatThread, func(p protocol.IncomingChatThread) bool {
		evs := p.Chat.Thread.Events
		return p.Chat.ID == chatID && len(evs) > 0 && evs[len(evs)-1].Text == "one more thing"
	})

	term.enter("/quit")
	term.tm.WaitFinished(t, teatest.WithFinalTimeout(waitTime))
}

// TestIdentityKept runs the chat twice with one identity file: the second
// run is the same customer, with the chat of the first.
func TestIdentityKept(t *testing.T) {
	srv := parleytest.NewServer(t)
	store := filepath.Join(t.TempDir(), "identity.json")

	sdk := newSDK(t, srv, customer.FileStore(store))
	term := startTerminal(t, sdk)
	term.waitFor(0, "● connected")
	term.typeText("n")
	at := term.mark()
	term.enter("remember me")
	term.waitFor(at, "you: remember me ✓")
	first := sdk.CustomerID()
	term.enter("/quit")
	term.tm.WaitFinished(t, teatest.WithFinalTimeout(waitTime))
	sdk.Destroy()

	sdk = newSDK(t, srv, customer.FileStore(store))
	term = startTerminal(t, sdk)
	// No agent is online: the chat still waits in the queue, and the
	// server tells its place again after the login.
	term.waitFor(0, "● connected", "customer "+first, "◷ queued", "you: remember me")
	if got := sdk.CustomerID(); got != first {
		t.Fatalf("second run is customer %s, first was %s", got, first)
	}
	at = term.mark()
	term.key(tea.KeyEnter)
	term.waitFor(at, "you: remember me", "── The beginning of the chat ──")
}

// TestReconnectStatus cuts the customer's connections: the status line
// says so, a message typed meanwhile and one the agent sent meanwhile
// arrive once the connection is back; then the server restarts.
func TestReconnectStatus(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := newAgent(t, srv)
	sdk := newSDK(t, srv, customer.MemoryStore())
	term := startTerminal(t, sdk)
	term.waitFor(0, "● connected")
	term.typeText("n")
	at := term.mark()
	term.enter("are you there?")
	term.waitFor(at, "you: are you there? ✓")
	chatID := ag.waitNewChat("are you there?")

	at = term.mark()
	srv.PauseListener(parleytest.CustomerConns)
	srv.DropConnections(parleytest.CustomerConns)
	term.waitMatch(at, regexp.MustCompile(`◌ reconnecting \(attempt \d+, (next in \d+s|trying now…)\): the connection was cut`))

	at = term.mark()
	term.enter("sent while away")
	term.waitFor(at, "you: sent while away … sending")
	ag.send(chatID, "said while you were away")

	at = term.mark()
	srv.ResumeListener()
	term.waitFor(at, "● connected", "Demo Agent: said while you were away", "you: sent while away ✓")
	ag.waitEvent(chatID, func(e protocol.Event) bool { return e.Text == "sent while away" })

	at = term.mark()
	srv.Restart(t)
	term.waitFor(at, "◌ reconnecting", "the server is restarting")
	term.waitFor(at, "● connected")
	at = term.mark()
	ag.send(chatID, "back after the restart")
	term.waitFor(at, "Demo Agent: back after the restart")

	// A ban ends the session for good.
	at = term.mark()
	if err := srv.BanCustomer(sdk.CustomerID()); err != nil {
		t.Fatal(err)
	}
	term.waitFor(at, "✗ you are banned from the chat of license", "The session ended")
	at = term.mark()
	term.enter("let me in")
	term.waitFor(at, "The server ended the session")
}

// TestHistoryScroll opens a chat of two threads, too long for one page
// of history: scrolling to the top loads the older thread.
func TestHistoryScroll(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := newAgent(t, srv)
	store := filepath.Join(t.TempDir(), "identity.json")

	// The chat: a first thread of 10 messages, closed, then a second of 60.
	seed := newSDK(t, srv, customer.FileStore(store))
	ctx := context.Background()
	if _, err := seed.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: "first question"}}}); err != nil {
		t.Fatal(err)
	}
	chatID := ag.waitNewChat("first question")
	for i := 1; i <= 10; i++ {
		ag.send(chatID, fmt.Sprintf("old answer %d", i))
	}
	ag.call(protocol.ActionDeactivateChat, map[string]any{"chat_id": chatID})
	wait(ag, protocol.PushThreadClosed, func(p protocol.ThreadClosed) bool { return p.ChatID == chatID })
	if _, err := seed.SendEvent(ctx, chatID, customer.Event{Type: customer.EventMessage, Text: "second question"}); err != nil {
		t.Fatal(err)
	}
	ag.call(protocol.ActionJoinChat, map[string]any{"chat_id": chatID})
	for i := 1; i <= 60; i++ {
		ag.send(chatID, fmt.Sprintf("new answer %d", i))
	}
	seed.Destroy()

	sdk := newSDK(t, srv, customer.FileStore(store))
	term := startTerminal(t, sdk)
	term.waitFor(0, "● connected", "Demo Agent: new answer 60")
	at := term.mark()
	term.key(tea.KeyEnter)
	term.waitFor(at, "Demo Agent: new answer 60")

	at = term.mark()
	term.pressUntil(at, tea.KeyPgUp, "Demo Agent: old answer 1", "you: first question", "── chat reopened ──",
		"── The beginning of the chat ──")
}
