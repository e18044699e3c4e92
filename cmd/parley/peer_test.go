package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// peer is a bare RTM client, a customer or an agent, that keeps every
// frame the server sends it in the order it arrived: what a client sees,
// with nothing filtered out, merged or put back in order. Its methods are
// safe for concurrent use, and those that return an error may run off the
// test's goroutine.
type peer struct {
	t     *testing.T
	c     *websocket.Conn
	slots chan struct{} // one per request in flight

	mu     sync.Mutex
	n      int              // requests sent
	log    []map[string]any // frames received, and the notes of note
	wake   chan struct{}    // closed at each change of log, then replaced
	closed bool             // the connection ended
}

// peerTimeout bounds a wait for something that must happen.
const peerTimeout = 30 * time.Second

// dialPeer connects to addr's RTM API of kind ("customer" or "agent") and
// logs in with token.
func dialPeer(t *testing.T, addr, kind, token string) (*peer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), peerTimeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/v3.0/"+kind+"/rtm/ws?license_id=123", nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(-1)
	// The protocol allows 10 requests in flight on a connection.
	p := &peer{t: t, c: c, slots: make(chan struct{}, 10), wake: make(chan struct{})}
	t.Cleanup(func() { c.CloseNow() })
	go p.read()
	if _, err := p.call("login", map[string]any{"token": "Bearer " + token}); err != nil {
		return nil, err
	}
	return p, nil
}

func mustDialPeer(t *testing.T, addr, kind, token string) *peer {
	t.Helper()
	p, err := dialPeer(t, addr, kind, token)
	if err != nil {
		t.Fatalf("%s on %s: %v", kind, addr, err)
	}
	return p
}

func (p *peer) read() {
	for {
		_, b, err := p.c.Read(context.Background())
		var m map[string]any
		if err == nil && json.Unmarshal(b, &m) != nil {
			continue
		}
		p.mu.Lock()
		if err != nil {
			p.closed = true
		} else {
			p.log = append(p.log, m)
			if m["type"] == "response" {
				select {
				case <-p.slots:
				default:
				}
			}
		}
		close(p.wake)
		p.wake = make(chan struct{})
		p.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// note adds a frame of the client's own to the log, in order with what
// the server sent: something the client did.
func (p *peer) note(m map[string]any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, m)
	close(p.wake)
	p.wake = make(chan struct{})
}

// frames returns the log so far.
func (p *peer) frames() []map[string]any {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log[:len(p.log):len(p.log)]
}

// waitFor waits until done holds for the log, and returns the log then.
func (p *peer) waitFor(what string, done func([]map[string]any) bool) ([]map[string]any, error) {
	timeout := time.After(peerTimeout)
	for {
		p.mu.Lock()
		log, wake, closed := p.log[:len(p.log):len(p.log)], p.wake, p.closed
		p.mu.Unlock()
		if done(log) {
			return log, nil
		}
		if closed {
			return log, fmt.Errorf("connection closed waiting for %s", what)
		}
		select {
		case <-wake:
		case <-timeout:
			return log, fmt.Errorf("never got %s", what)
		}
	}
}

func (p *peer) mustWaitFor(what string, done func([]map[string]any) bool) []map[string]any {
	p.t.Helper()
	log, err := p.waitFor(what, done)
	if err != nil {
		p.t.Fatal(err)
	}
	return log
}

// send sends a request once fewer than 10 are in flight and returns its
// request id.
func (p *peer) send(action string, payload any) (string, error) {
	select {
	case p.slots <- struct{}{}:
	case <-time.After(peerTimeout):
		return "", fmt.Errorf("%s: 10 requests in flight for too long", action)
	}
	p.mu.Lock()
	p.n++
	id := fmt.Sprintf("r%d", p.n)
	p.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"request_id": id, "action": action, "payload": payload})
	if err := p.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		return "", fmt.Errorf("%s: %w", action, err)
	}
	return id, nil
}

// response waits for the answer to request id and returns its payload;
// an error answer is an error.
func (p *peer) response(id string) (map[string]any, error) {
	var resp map[string]any
	_, err := p.waitFor("the answer to "+id, func(log []map[string]any) bool {
		for _, m := range log {
			if m["request_id"] == id && m["type"] == "response" {
				resp = m
				return true
			}
		}
		return false
	})
	if err != nil {
		return nil, err
	}
	payload, _ := resp["payload"].(map[string]any)
	if resp["success"] != true {
		return nil, fmt.Errorf("%s failed: %v", resp["action"], payload)
	}
	return payload, nil
}

func (p *peer) call(action string, payload any) (map[string]any, error) {
	id, err := p.send(action, payload)
	if err != nil {
		return nil, err
	}
	return p.response(id)
}

func (p *peer) mustCall(action string, payload any) map[string]any {
	p.t.Helper()
	resp, err := p.call(action, payload)
	if err != nil {
		p.t.Fatal(err)
	}
	return resp
}

// sendMessages sends n messages to a chat one after the other without
// waiting for their answers (up to the 10 requests a connection may have
// in flight), then waits for every answer.
func (p *peer) sendMessages(chatID, prefix string, n int) error {
	ids := make([]string, 0, n)
	for i := range n {
		id, err := p.send("send_event", map[string]any{"chat_id": chatID,
			"event": map[string]any{"type": "message", "text": fmt.Sprintf("%s %d", prefix, i)}})
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	var errs []error
	for _, id := range ids {
		_, err := p.response(id)
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// pushes returns the pushes of action in log.
func pushes(log []map[string]any, action string) []map[string]any {
	var out []map[string]any
	for _, m := range log {
		if m["type"] == "push" && m["action"] == action {
			out = append(out, m["payload"].(map[string]any))
		}
	}
	return out
}

// seenEvents returns the ids of a chat's events pushed to a client
// (incoming_event), in the order they came.
func seenEvents(log []map[string]any, chatID string) []string {
	var ids []string
	for _, p := range pushes(log, "incoming_event") {
		if p["chat_id"] == chatID {
			ids = append(ids, p["event"].(map[string]any)["id"].(string))
		}
	}
	return ids
}
