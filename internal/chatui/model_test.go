package chatui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/protocol"
)

// testModel is a model over an SDK that never connects: the model's
// commands that call it fail with ErrNotConnected, and the tests feed it
// notifications and answers as the program would.
func testModel(t *testing.T) *Model {
	t.Helper()
	sdk, err := customer.Init(customer.Config{License: 42, ClientID: "app", Server: "http://127.0.0.1:1",
		Identity: customer.MemoryStore(), ManualConnect: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sdk.Destroy)
	m := New(context.Background(), sdk, Options{Server: "http://chat.test", License: 42, ClientID: "app"})
	t.Cleanup(m.cancel)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	return m
}

// openChat makes the model connected, with one open chat, and shows it.
func openChat(t *testing.T, m *Model) *conv {
	t.Helper()
	m.Update(notificationMsg{customer.CustomerID{ID: "me"}})
	m.Update(notificationMsg{customer.Connected{ChatsSummary: customer.ChatsSummary{TotalChats: 1,
		Chats: []customer.ChatSummary{{ID: "chat1", Active: true, Order: time.Now()}}}}})
	m.Update(notificationMsg{customer.UserData{User: customer.User{ID: "ag", Type: customer.AgentUser, Name: "Ada"}}})
	m.Update(keyOf("enter"))
	if m.screen != chatScreen || m.conv == nil || m.conv.id != "chat1" {
		t.Fatal("the chat did not open")
	}
	return m.conv
}

func keyOf(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "shift+tab":
		return tea.KeyMsg{Type: tea.KeyShiftTab}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

func typeText(m *Model, s string) {
	for _, r := range s {
		m.Update(keyOf(string(r)))
	}
}

func shown(m *Model) string { return ansi.Strip(m.View()) }

func mustShow(t *testing.T, m *Model, want ...string) {
	t.Helper()
	s := shown(m)
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Fatalf("the screen does not show %q:\n%s", w, s)
		}
	}
}

func mustNotShow(t *testing.T, m *Model, not ...string) {
	t.Helper()
	s := shown(m)
	for _, w := range not {
		if strings.Contains(s, w) {
			t.Fatalf("the screen shows %q:\n%s", w, s)
		}
	}
}

// run runs a command of the model and feeds its message back.
func run(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if msg := cmd(); msg != nil {
		m.Update(msg)
	}
}

func card(id string, buttons ...string) customer.NewEvent {
	var bs []customer.RichButton
	for _, b := range buttons {
		bs = append(bs, customer.RichButton{Text: b, Postback: "pb-" + strings.ToLower(b), Type: "message"})
	}
	return customer.NewEvent{Chat: "chat1", Event: customer.Event{ID: id, Type: customer.EventRichMessage, Author: "ag",
		Thread: "t1", Timestamp: time.Now(), Elements: []customer.RichElement{{Title: "Is it solved?", Buttons: bs}}}}
}

func TestButtons(t *testing.T) {
	m := testModel(t)
	openChat(t, m)
	m.Update(notificationMsg{card("e1", "Old")})
	m.Update(notificationMsg{card("e2", "Yes", "No", "Maybe")})
	mustShow(t, m, "Ada: [card] Is it solved?", "[ Yes ]", "[ Maybe ]", "[ No ]", "(tab chooses)")

	// Tab selects the newest card's first button; tab, ←/→ and shift+tab move, wrapping.
	m.Update(keyOf("tab"))
	if m.btn == nil || m.btn.id != "e2" || m.btnAt != 0 {
		t.Fatalf("tab selected %v #%d, want the first button of e2", m.btn, m.btnAt)
	}
	mustShow(t, m, "Button “Yes” — enter presses it")
	for _, step := range []struct {
		key  string
		want int
	}{{"tab", 1}, {"right", 2}, {"right", 0}, {"left", 2}, {"shift+tab", 1}} {
		m.Update(keyOf(step.key))
		if m.btnAt != step.want {
			t.Fatalf("%s: button %d, want %d", step.key, m.btnAt, step.want)
		}
	}

	// Enter presses "No": the postback goes through the SDK (here not
	// connected, so it fails and says so), and enter tries again.
	_, cmd := m.Update(keyOf("enter"))
	if cmd == nil {
		t.Fatal("enter on a button sent nothing")
	}
	mustShow(t, m, "Pressing “No”…", "[ No … ]")
	run(m, cmd)
	mustShow(t, m, "“No” was not sent", "[✗ No ]")
	_, cmd = m.Update(keyOf("enter"))
	if cmd == nil {
		t.Fatal("enter did not try the failed button again")
	}
	b := m.btn.buttons[1]
	m.Update(postbackMsg{c: m.conv, it: m.btn, b: b})
	mustShow(t, m, "You pressed “No”.", "[✓ No ]")
	if b.postback != "pb-no" {
		t.Fatalf("postback id %q", b.postback)
	}

	// Typing leaves the buttons: the key goes to the input.
	m.Update(keyOf("h"))
	if m.btn != nil || m.input.Value() != "h" {
		t.Fatalf("typing kept the button selected (%v) or lost the key (%q)", m.btn, m.input.Value())
	}
	// Esc leaves them too, and a newer card takes the selection.
	m.Update(keyOf("tab"))
	m.Update(keyOf("esc"))
	if m.btn != nil || m.screen != chatScreen {
		t.Fatal("esc did not just leave the buttons")
	}
	m.Update(keyOf("tab"))
	m.Update(notificationMsg{card("e3", "Thanks")})
	m.Update(keyOf("right"))
	if m.btn != nil {
		t.Fatal("the selection stayed on an older card")
	}
	m.Update(keyOf("tab"))
	if m.btn == nil || m.btn.id != "e3" {
		t.Fatal("tab did not select the newest card")
	}
}

func TestButtonsWithoutCard(t *testing.T) {
	m := testModel(t)
	c := openChat(t, m)
	typeText(m, "hi")
	m.Update(keyOf("tab"))
	if m.btn != nil || m.input.Value() != "hi" {
		t.Fatal("tab without a card changed something")
	}
	// A button that is a link only tells it.
	it := itemOf(card("e1", "Docs").Event)
	it.buttons[0].postback, it.buttons[0].kind, it.buttons[0].value = "", "url", "https://docs.example"
	c.items = append(c.items, it)
	m.btn, m.btnAt = it, 0
	if _, cmd := m.Update(keyOf("enter")); cmd != nil {
		t.Fatal("a button without postback sent something")
	}
	mustShow(t, m, "does nothing here")
}

func TestRatingPrompt(t *testing.T) {
	m := testModel(t)
	c := openChat(t, m)

	m.Update(notificationMsg{customer.ThreadClosed{Chat: "chat1"}})
	mustShow(t, m, "The chat was closed. How was it?  g good · b bad · s skip", "· closed")
	m.Update(keyOf("x")) // swallowed
	if m.input.Value() != "" || m.rating == nil {
		t.Fatal("a key other than g/b/s left the prompt or typed")
	}
	m.Update(keyOf("g"))
	mustShow(t, m, "You rate this chat good. Add a comment", "A comment (optional)")
	typeText(m, "quick and kind")
	_, cmd := m.Update(keyOf("enter"))
	if cmd == nil || m.rating != nil {
		t.Fatal("enter did not send the rating")
	}
	mustShow(t, m, "Rating the chat…")
	run(m, cmd) // the SDK is not connected
	mustShow(t, m, "Rating failed")
	m.Update(doneMsg{c: c, what: "Rating", ok: "Thank you for your rating.", note: "You rated this chat good.", rated: true})
	mustShow(t, m, "» You rated this chat good.", "Thank you for your rating.", "Type a message, or /help")
	if !c.rated || c.rateAsk {
		t.Fatal("the chat is not marked rated")
	}
	// Rated: a later close asks no more.
	m.Update(notificationMsg{customer.ThreadClosed{Chat: "chat1"}})
	if m.rating != nil {
		t.Fatal("asked again for a rated chat")
	}
}

func TestRatingPromptSkipAndLater(t *testing.T) {
	m := testModel(t)
	c := openChat(t, m)
	m.Update(notificationMsg{customer.ThreadClosed{Chat: "chat1"}})
	m.Update(keyOf("s"))
	mustShow(t, m, "No rating.")
	mustNotShow(t, m, "How was it?")
	if c.rateAsk {
		t.Fatal("skipped, yet still to ask")
	}

	// Closed while another screen is shown: asked when the chat opens.
	m.Update(keyOf("esc"))
	m.Update(notificationMsg{customer.ThreadClosed{Chat: "chat1"}})
	if m.rating != nil {
		t.Fatal("asked on the chat list")
	}
	m.Update(keyOf("enter"))
	mustShow(t, m, "How was it?")
	m.Update(keyOf("b"))
	_, cmd := m.Update(keyOf("esc")) // no comment
	if cmd == nil {
		t.Fatal("esc after the score did not send the rating")
	}
	// The score is sent as /rate sends it.
	m.Update(doneMsg{c: c, what: "Rating", ok: "Thank you for your rating.", note: "You rated this chat bad.", rated: true})
	mustShow(t, m, "You rated this chat bad.")
}

func TestReconnectingStatus(t *testing.T) {
	m := testModel(t)
	openChat(t, m)
	mustShow(t, m, "● connected")

	refused := fmt.Errorf("dial: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)})
	m.Update(notificationMsg{customer.ConnectionLost{Err: errors.New("failed to get reader: EOF")}})
	mustShow(t, m, "◌ reconnecting: the server closed the connection")
	m.Update(notificationMsg{customer.Reconnecting{Attempt: 2, Delay: 3 * time.Second, Err: refused}})
	mustShow(t, m, "◌ reconnecting (attempt 2, next in 3s): the server does not accept connections (is it running?)")
	m.link.retryAt = time.Now().Add(-time.Millisecond)
	mustShow(t, m, "(attempt 2, trying now…)")

	m.Update(notificationMsg{customer.ConnectionRestored{}})
	mustShow(t, m, "● connected")
	mustNotShow(t, m, "reconnecting", "attempt")
}

func TestLostWhy(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, "the connection was lost"},
		{fmt.Errorf("dial: %w", os.NewSyscallError("connect", syscall.ECONNREFUSED)), "the server does not accept connections (is it running?)"},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), "the connection was cut"},
		{&net.DNSError{Name: "chat.example", Err: "no such host"}, "cannot find the server chat.example"},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), "the server did not answer in time"},
		{errors.New(`failed to get reader: received close frame: status = StatusServiceRestart and reason = "service_temporarily_unavailable"`), "the server is restarting"},
		{errors.New("received close frame: status = 1000"), "the server closed the connection"},
		{&customer.Error{Type: "server_error"}, "the server had an error"},
		{&customer.Error{Type: "odd"}, "the server refused to log in: odd"},
		{errors.New("something \x1b[31mred"), "the connection failed: something red"},
	} {
		if got := lostWhy(tc.err); got != tc.want {
			t.Errorf("lostWhy(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestEndError(t *testing.T) {
	o := Options{Server: "http://chat.test", License: 999, ClientID: "app"}
	for _, tc := range []struct {
		reason string
		err    error
		want   string
	}{
		{"license_not_found", &customer.Error{Type: "license_not_found"}, "license 999 not found on http://chat.test"},
		{"invalid_client", &customer.Error{Type: "invalid_client"}, `client id "app" is not known to license 999 on http://chat.test`},
		{"redirect_uri_mismatch", nil, `http://chat.test refuses customer tokens to client id "app" of license 999 from here (redirect_uri_mismatch)`},
		{protocol.ErrCustomerBanned, nil, "you are banned from the chat of license 999 on http://chat.test"},
		{protocol.ErrValidation, &customer.Error{Type: "validation", Message: "customer.name is too long"}, "http://chat.test refused your details: customer.name is too long"},
		{"", fmt.Errorf("%w: %w", customer.ErrDestroyed, &customer.Error{Type: "license_not_found"}), "license 999 not found on http://chat.test"},
		{"weird", &customer.Error{Type: "weird", Message: "why"}, "http://chat.test ended the session (weird): why"},
	} {
		e := endError(tc.reason, tc.err, o)
		if e.Error() != tc.want {
			t.Errorf("endError(%q, %v) = %q, want %q", tc.reason, tc.err, e.Error(), tc.want)
		}
		if tc.err != nil && !errors.Is(e, tc.err) {
			t.Errorf("endError(%q) does not wrap %v", tc.reason, tc.err)
		}
	}
}

// A final end before any login quits at once; after one, the program stays
// and says why.
func TestFinalEnd(t *testing.T) {
	m := testModel(t)
	cause := &customer.Error{Type: "license_not_found"}
	_, cmd := m.Update(notificationMsg{customer.Disconnected{Reason: "license_not_found", Final: true, Err: cause}})
	if cmd == nil {
		t.Fatal("no quit after a final end before the first login")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("the command is not tea.Quit")
	}
	if m.link.ended == nil || m.link.ended.Message != "license 42 not found on http://chat.test" {
		t.Fatalf("ended: %+v", m.link.ended)
	}

	m = testModel(t)
	openChat(t, m)
	_, cmd = m.Update(notificationMsg{customer.Disconnected{Reason: "customer_banned", Final: true, Err: &customer.Error{Type: "customer_banned"}}})
	if cmd != nil {
		t.Fatal("a ban after a login quits at once")
	}
	mustShow(t, m, "✗ you are banned from the chat of license 42 on http://chat.test", "The session ended")
	typeText(m, "let me in")
	m.Update(keyOf("enter"))
	mustShow(t, m, "The server ended the session; restart to chat again.")
}

// The chat list of an ended session says why, and offers no retry.
func TestListAfterEnd(t *testing.T) {
	m := testModel(t)
	m.Update(notificationMsg{customer.Connected{}})
	m.Update(notificationMsg{customer.Disconnected{Reason: "customer_banned", Final: true, Err: &customer.Error{Type: "customer_banned"}}})
	m.Update(summaryMsg{err: fmt.Errorf("get_chats_summary: %w", customer.ErrDestroyed)})
	mustShow(t, m, "The session ended: you are banned from the chat of license 42 on http://chat.test.")
	mustNotShow(t, m, "(r retries)")
}

// TestQueuePlace: while the chat waits for an agent the line under the
// conversation tells its place and wait (at least a minute), as the web
// widget does, and the chat list marks it queued; an agent joining, or a
// new login, takes the place away.
func TestQueuePlace(t *testing.T) {
	m := testModel(t)
	openChat(t, m)
	m.Update(notificationMsg{customer.QueuePositionUpdated{Chat: "chat1", Thread: "t1", Position: 3, WaitTime: 20 * time.Second}})
	mustShow(t, m, "You are number 3 in the queue — about 1 min")
	m.Update(notificationMsg{customer.QueuePositionUpdated{Chat: "chat1", Thread: "t1", Position: 2, WaitTime: 150 * time.Second}})
	mustShow(t, m, "You are number 2 in the queue — about 3 min")
	mustNotShow(t, m, "number 3")
	m.Update(notificationMsg{customer.QueuePositionUpdated{Chat: "other", Thread: "t9", Position: 1, WaitTime: time.Minute}})
	mustNotShow(t, m, "number 1")

	m.Update(keyOf("esc"))
	mustShow(t, m, "◷ queued")
	m.Update(keyOf("enter"))

	m.Update(notificationMsg{customer.UserJoinedChat{Chat: "chat1", User: "ag"}})
	mustShow(t, m, "Ada joined the chat.")
	mustNotShow(t, m, "in the queue")
	m.Update(keyOf("esc"))
	mustShow(t, m, "● open")
	mustNotShow(t, m, "◷ queued")

	m.Update(notificationMsg{customer.QueuePositionUpdated{Chat: "chat1", Thread: "t1", Position: 1, WaitTime: time.Minute}})
	m.Update(notificationMsg{customer.ConnectionRestored{}})
	if len(m.places) != 0 {
		t.Errorf("places after a new login: %v", m.places)
	}
}
