package customer_test

// tAgent is the other side of the customer's chats in these tests: the
// demo agent of a parleytest server, driven over the raw agent RTM
// WebSocket (see server/internal/session/agent.go for its actions). A
// reader goroutine keeps every frame: responses by request id, pushes in
// arrival order with the time they arrived.

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

type tAgent struct {
	t    testing.TB
	ID   string
	ws   *websocket.Conn
	seq  atomic.Int64
	done chan struct{} // closed when the reader has stopped

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced when a frame arrives
	responses map[string]tFrame
	pushes    []tFrame
	readErr   error
}

// tFrame is one frame the server sent the agent.
type tFrame struct {
	RequestID string          `json:"request_id"`
	Action    string          `json:"action"`
	Type      string          `json:"type"`
	Success   bool            `json:"success"`
	Payload   json.RawMessage `json:"payload"`
	At        time.Time       `json:"-"` // when it arrived
}

// tNewAgent connects and logs in the demo agent of srv; the connection is
// closed when the test ends. Logging in makes the agent available: new
// chats may be routed to it.
func tNewAgent(t testing.TB, srv *parleytest.Server) *tAgent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), tTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/v3.0/agent/rtm/ws", nil)
	if err != nil {
		t.Fatalf("agent: dial: %v", err)
	}
	ws.SetReadLimit(16 << 20)
	a := &tAgent{t: t, ID: parleytest.AgentEmail, ws: ws, done: make(chan struct{}), changed: make(chan struct{}),
		responses: map[string]tFrame{}}
	go a.readLoop()
	t.Cleanup(a.close)
	a.do(protocol.ActionLogin, map[string]any{"token": "Bearer " + srv.AgentToken(t, parleytest.AgentEmail)})
	return a
}

func (a *tAgent) readLoop() {
	defer close(a.done)
	for {
		_, msg, err := a.ws.Read(context.Background())
		a.mu.Lock()
		if err != nil {
			a.readErr = err
			close(a.changed)
			a.changed = make(chan struct{})
			a.mu.Unlock()
			return
		}
		f := tFrame{At: time.Now()}
		if jerr := json.Unmarshal(msg, &f); jerr == nil {
			if f.Type == protocol.TypeResponse {
				a.responses[f.RequestID] = f
			} else {
				a.pushes = append(a.pushes, f)
			}
		}
		close(a.changed)
		a.changed = make(chan struct{})
		a.mu.Unlock()
	}
}

func (a *tAgent) close() {
	_ = a.ws.Close(websocket.StatusNormalClosure, "")
	<-a.done
}

// call sends a request and waits for its response; a failed response is
// returned as *protocol.Error.
func (a *tAgent) call(action string, payload any) (json.RawMessage, error) {
	rid := "ag" + strconv.FormatInt(a.seq.Add(1), 10)
	msg, err := json.Marshal(map[string]any{"request_id": rid, "action": action, "payload": payload})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), tTimeout)
	defer cancel()
	if err := a.ws.Write(ctx, websocket.MessageText, msg); err != nil {
		return nil, fmt.Errorf("agent: %s: %w", action, err)
	}
	for {
		a.mu.Lock()
		f, ok := a.responses[rid]
		delete(a.responses, rid)
		changed, rerr := a.changed, a.readErr
		a.mu.Unlock()
		if ok {
			if !f.Success {
				var p struct {
					Error *protocol.Error `json:"error"`
				}
				if json.Unmarshal(f.Payload, &p) == nil && p.Error != nil {
					return nil, p.Error
				}
				return nil, fmt.Errorf("agent: %s failed: %s", action, f.Payload)
			}
			return f.Payload, nil
		}
		if rerr != nil {
			return nil, fmt.Errorf("agent: %s: connection ended: %w", action, rerr)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("agent: %s: no response: %w", action, ctx.Err())
		}
	}
}

// do is call that ends the test on failure (test goroutine only).
func (a *tAgent) do(action string, payload any) json.RawMessage {
	a.t.Helper()
	p, err := a.call(action, payload)
	if err != nil {
		a.t.Fatalf("agent: %s: %v", action, err)
	}
	return p
}

// join makes the agent a member of the chat (a no-op when routing already
// did).
func (a *tAgent) join(chatID string) {
	a.t.Helper()
	a.do(protocol.ActionJoinChat, map[string]any{"chat_id": chatID})
}

// say sends a message and returns its event id.
func (a *tAgent) say(chatID, text string) string {
	a.t.Helper()
	var r struct {
		EventID string `json:"event_id"`
	}
	_ = json.Unmarshal(a.do(protocol.ActionSendEvent, map[string]any{"chat_id": chatID,
		"event": map[string]any{"type": "message", "text": text}}), &r)
	return r.EventID
}

// sayAll sends the messages one after the other without waiting for the
// answers in between (the server handles a connection's requests in
// order), keeping protocol.MaxRequestsInFlight unanswered at most as the
// server demands, then waits for every answer.
func (a *tAgent) sayAll(chatID string, texts []string) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), tTimeout)
	defer cancel()
	var rids []string
	answered := 0
	wait := func() {
		rid := rids[answered]
		answered++
		for {
			a.mu.Lock()
			f, ok := a.responses[rid]
			delete(a.responses, rid)
			changed, rerr := a.changed, a.readErr
			a.mu.Unlock()
			if ok {
				if !f.Success {
					a.t.Fatalf("agent: send_event failed: %s", f.Payload)
				}
				return
			}
			if rerr != nil {
				a.t.Fatalf("agent: connection ended: %v", rerr)
			}
			select {
			case <-changed:
			case <-ctx.Done():
				a.t.Fatal("agent: send_event: no answer")
			}
		}
	}
	for _, text := range texts {
		if len(rids)-answered == protocol.MaxRequestsInFlight {
			wait()
		}
		rid := "ag" + strconv.FormatInt(a.seq.Add(1), 10)
		msg, _ := json.Marshal(map[string]any{"request_id": rid, "action": protocol.ActionSendEvent,
			"payload": map[string]any{"chat_id": chatID, "event": map[string]any{"type": "message", "text": text}}})
		if err := a.ws.Write(ctx, websocket.MessageText, msg); err != nil {
			a.t.Fatalf("agent: send_event: %v", err)
		}
		rids = append(rids, rid)
	}
	for answered < len(rids) {
		wait()
	}
}

// ask sends a rich message with one card and a button per postback id,
// and returns its event id.
func (a *tAgent) ask(chatID, title string, postbacks ...string) string {
	a.t.Helper()
	var buttons []map[string]any
	for _, p := range postbacks {
		buttons = append(buttons, map[string]any{"text": "Answer " + p, "postback_id": p, "type": "message", "value": p, "user_ids": []string{}})
	}
	var r struct {
		EventID string `json:"event_id"`
	}
	_ = json.Unmarshal(a.do(protocol.ActionSendEvent, map[string]any{"chat_id": chatID, "event": map[string]any{
		"type": "rich_message", "template_id": "quick_replies",
		"elements": []any{map[string]any{"title": title, "buttons": buttons}},
	}}), &r)
	return r.EventID
}

func (a *tAgent) typing(chatID string, typing bool) {
	a.t.Helper()
	a.do(protocol.ActionSendTypingIndicator, map[string]any{"chat_id": chatID, "is_typing": typing})
}

// deactivate closes the chat's active thread.
func (a *tAgent) deactivate(chatID string) {
	a.t.Helper()
	a.do(protocol.ActionDeactivateChat, map[string]any{"chat_id": chatID})
}

// leave removes the agent itself from the chat.
func (a *tAgent) leave(chatID string) {
	a.t.Helper()
	a.do(protocol.ActionRemoveUserFromChat, map[string]any{"chat_id": chatID, "user_id": a.ID, "user_type": "agent"})
}

// tAgentCustomer is the chat's customer as the agent sees it.
type tAgentCustomer struct {
	ID     string            `json:"id"`
	Type   string            `json:"type"`
	Name   string            `json:"name"`
	Email  string            `json:"email"`
	Avatar string            `json:"avatar"`
	Fields map[string]string `json:"fields"`
}

// customerOf returns the chat's customer from get_chat.
func (a *tAgent) customerOf(chatID string) tAgentCustomer {
	a.t.Helper()
	var r struct {
		Chat struct {
			Users []tAgentCustomer `json:"users"`
		} `json:"chat"`
	}
	if err := json.Unmarshal(a.do(protocol.ActionGetChat, map[string]any{"chat_id": chatID}), &r); err != nil {
		a.t.Fatalf("agent: get_chat: %v", err)
	}
	for _, u := range r.Chat.Users {
		if u.Type == "customer" {
			return u
		}
	}
	a.t.Fatalf("agent: no customer in chat %s", chatID)
	return tAgentCustomer{}
}

// pushesOf returns the pushes of an action received so far.
func (a *tAgent) pushesOf(action string) []tFrame {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []tFrame
	for _, f := range a.pushes {
		if f.Action == action {
			out = append(out, f)
		}
	}
	return out
}

// waitPush waits for a push of the action for which ok is true (nil: any),
// among all received so far and to come, and returns it.
func (a *tAgent) waitPush(action string, ok func(json.RawMessage) bool) tFrame {
	a.t.Helper()
	timeout := time.NewTimer(tTimeout)
	defer timeout.Stop()
	for {
		a.mu.Lock()
		changed, rerr := a.changed, a.readErr
		for _, f := range a.pushes {
			if f.Action == action && (ok == nil || ok(f.Payload)) {
				a.mu.Unlock()
				return f
			}
		}
		a.mu.Unlock()
		if rerr != nil {
			a.t.Fatalf("agent: waiting for %s: connection ended: %v", action, rerr)
		}
		select {
		case <-changed:
		case <-timeout.C:
			a.t.Fatalf("agent: no %s push", action)
		}
	}
}

// tSneakPeek is the payload of incoming_sneak_peek.
type tSneakPeek struct {
	ChatID    string `json:"chat_id"`
	SneakPeek struct {
		AuthorID string `json:"author_id"`
		Text     string `json:"text"`
	} `json:"sneak_peek"`
}

// sneakPeeks returns the sneak peeks of a chat received so far, with the
// time each arrived.
func (a *tAgent) sneakPeeks(chatID string) (texts []string, at []time.Time) {
	for _, f := range a.pushesOf(protocol.PushIncomingSneakPeek) {
		var p tSneakPeek
		if json.Unmarshal(f.Payload, &p) == nil && p.ChatID == chatID {
			texts = append(texts, p.SneakPeek.Text)
			at = append(at, f.At)
		}
	}
	return texts, at
}

// tForChat matches a push payload of the chat.
func tForChat(chatID string) func(json.RawMessage) bool {
	return func(p json.RawMessage) bool {
		var x struct {
			ChatID string `json:"chat_id"`
		}
		return json.Unmarshal(p, &x) == nil && x.ChatID == chatID
	}
}
