package chatui_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/internal/chatui"
	"github.com/parleychat/parley/internal/rtm"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

// waitTime bounds every wait of these tests.
const waitTime = 15 * time.Second

// ---- the customer: the SDK and the terminal ----

// newSDK is a customer of srv's demo license whose identity is kept in
// store. Its uploads go through slowUploads, so that their progress can
// be watched; it reconnects fast and sends sneak peeks often.
func newSDK(t *testing.T, srv *parleytest.Server, store customer.IdentityStore) *customer.SDK {
	t.Helper()
	sdk, err := customer.Init(customer.Config{
		License:           srv.License,
		ClientID:          srv.ClientID,
		Server:            srv.URL,
		Customer:          customer.CustomerData{Name: "Ann"},
		Identity:          store,
		HTTPClient:        &http.Client{Transport: slowUploads{perChunk: 10 * time.Millisecond}},
		ReconnectDelay:    func(int) time.Duration { return 50 * time.Millisecond },
		SneakPeekInterval: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sdk.Destroy)
	return sdk
}

// slowUploads sends the body of file uploads 16 KiB at a time, one chunk
// per perChunk, as a slow network would; everything else goes as usual.
type slowUploads struct{ perChunk time.Duration }

func (s slowUploads) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/send_file") && r.Body != nil {
		r = r.Clone(r.Context())
		r.Body = &slowBody{ReadCloser: r.Body, ctx: r.Context(), perChunk: s.perChunk}
	}
	return http.DefaultTransport.RoundTrip(r)
}

type slowBody struct {
	io.ReadCloser
	ctx      context.Context
	perChunk time.Duration
}

func (b *slowBody) Read(p []byte) (int, error) {
	if len(p) > 16<<10 {
		p = p[:16<<10]
	}
	select {
	case <-time.After(b.perChunk):
	case <-b.ctx.Done():
		return 0, b.ctx.Err()
	}
	return b.ReadCloser.Read(p)
}

// terminal runs the chat in teatest's program, fed by the SDK's
// notifications, and keeps everything it has drawn.
type terminal struct {
	t   *testing.T
	tm  *teatest.TestModel
	out []byte
}

func startTerminal(t *testing.T, sdk *customer.SDK) *terminal {
	t.Helper()
	m := chatui.New(context.Background(), sdk, chatui.Options{})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30))
	off := chatui.Subscribe(sdk, tm.Send)
	term := &terminal{t: t, tm: tm}
	t.Cleanup(func() {
		off()
		_ = tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(waitTime))
	})
	return term
}

func (term *terminal) read() {
	b, err := io.ReadAll(term.tm.Output())
	if err != nil {
		term.t.Fatal(err)
	}
	term.out = append(term.out, b...)
}

// mark is the position in the output from which a later wait looks.
func (term *terminal) mark() int {
	term.read()
	return len(term.out)
}

// text is what was drawn since from, without escape sequences.
func (term *terminal) text(from int) string {
	return ansi.Strip(string(term.out[from:]))
}

// waitFor waits until every one of texts has been drawn since from.
func (term *terminal) waitFor(from int, texts ...string) {
	term.t.Helper()
	term.waitUntil(from, strings.Join(texts, " | "), func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

// pressUntil presses k again and again until every one of texts has been
// drawn since from.
func (term *terminal) pressUntil(from int, k tea.KeyType, texts ...string) {
	term.t.Helper()
	term.waitUntil(from, strings.Join(texts, " | "), func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				term.key(k)
				return false
			}
		}
		return true
	})
}

// waitMatch waits until re matches what was drawn since from.
func (term *terminal) waitMatch(from int, re *regexp.Regexp) []string {
	term.t.Helper()
	var m []string
	term.waitUntil(from, re.String(), func(s string) bool {
		m = re.FindStringSubmatch(s)
		return m != nil
	})
	return m
}

func (term *terminal) waitUntil(from int, what string, ok func(string) bool) {
	term.t.Helper()
	deadline := time.Now().Add(waitTime)
	for {
		term.read()
		s := term.text(from)
		if ok(s) {
			return
		}
		if time.Now().After(deadline) {
			if len(s) > 4000 {
				s = "…" + s[len(s)-4000:]
			}
			term.t.Fatalf("the terminal did not show %q; it drew:\n%s", what, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// typeText types text, one key per rune.
func (term *terminal) typeText(text string) {
	for _, r := range text {
		term.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func (term *terminal) key(k tea.KeyType) { term.tm.Send(tea.KeyMsg{Type: k}) }

// enter types a line and presses enter.
func (term *terminal) enter(text string) {
	term.typeText(text)
	term.key(tea.KeyEnter)
}

// ---- the agent ----

// agent is the demo agent on the agent RTM WebSocket, over the client
// engine the SDK is built on, so that it reconnects when the server
// restarts. It keeps every push it gets.
type agent struct {
	t   *testing.T
	eng *rtm.Engine

	mu     sync.Mutex
	pushes []protocol.Frame
}

func newAgent(t *testing.T, srv *parleytest.Server) *agent {
	t.Helper()
	tok := srv.AgentToken(t, parleytest.AgentEmail)
	a := &agent{t: t}
	a.eng = rtm.New(rtm.Config{
		URL: "ws" + strings.TrimPrefix(srv.URL, "http") + "/v3.0/agent/rtm/ws",
		Login: func(ctx context.Context, s *rtm.Session) error {
			_, err := s.Call(ctx, protocol.ActionLogin, map[string]any{"token": "Bearer " + tok}, rtm.CallOptions{})
			return err
		},
		OnPush: func(f protocol.Frame) {
			a.mu.Lock()
			a.pushes = append(a.pushes, f)
			a.mu.Unlock()
		},
		ReconnectDelay: func(int) time.Duration { return 20 * time.Millisecond },
	})
	if err := a.eng.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.eng.Stop(true) })
	a.call(protocol.ActionListChats, map[string]any{"limit": 1}) // logged in
	return a
}

// call makes a request and fails the test on error; a request cut by a
// restart is made again.
func (a *agent) call(action string, payload any) json.RawMessage {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	for {
		f, err := a.eng.Call(ctx, action, payload, rtm.CallOptions{})
		if err == nil {
			return f.Payload
		}
		if ctx.Err() == nil && (errContains(err, "connection lost") || errContains(err, "not connected")) {
			continue
		}
		a.t.Fatalf("agent %s: %v", action, err)
	}
}

func errContains(err error, s string) bool { return strings.Contains(err.Error(), s) }

func (a *agent) send(chatID, text string) {
	a.t.Helper()
	a.call(protocol.ActionSendEvent, map[string]any{"chat_id": chatID,
		"event": map[string]any{"type": "message", "text": text, "custom_id": text}})
}

// wait returns the payload of the first push of action that ok accepts
// (decoded into a fresh V).
func wait[V any](a *agent, action string, ok func(V) bool) V {
	a.t.Helper()
	deadline := time.Now().Add(waitTime)
	for {
		a.mu.Lock()
		ps := a.pushes
		a.mu.Unlock()
		for _, f := range ps {
			if f.Action != action {
				continue
			}
			var v V
			if json.Unmarshal(f.Payload, &v) == nil && ok(v) {
				return v
			}
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("the agent got no %s push as expected", action)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitNewChat waits for the chat a customer started with text and joins
// it (joining a chat the server already routed to the agent is harmless).
func (a *agent) waitNewChat(text string) string {
	a.t.Helper()
	p := wait(a, protocol.PushIncomingChatThread, func(p protocol.IncomingChatThread) bool {
		evs := p.Chat.Thread.Events
		return len(evs) > 0 && evs[0].Text == text
	})
	a.call(protocol.ActionJoinChat, map[string]any{"chat_id": p.Chat.ID})
	return p.Chat.ID
}

// waitEvent waits for an event of the chat that ok accepts.
func (a *agent) waitEvent(chatID string, ok func(protocol.Event) bool) protocol.Event {
	a.t.Helper()
	return wait(a, protocol.PushIncomingEvent, func(p protocol.IncomingEvent) bool {
		return p.ChatID == chatID && ok(p.Event)
	}).Event
}
