package main

// The clients of the cluster tests: customers sending under load over raw
// RTM connections that outlive their node, and what an agent client
// delivered.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/protocol"
)

// waitUntil polls cond until it holds, failing the test if it never does.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ackedEvent is an event the server acknowledged to a loadCustomer.
type ackedEvent struct {
	id, customID string
	conn         int  // the connection (1, 2, …) that got the acknowledgement
	resent       bool // sent before on a connection that ended unanswered
}

// loadCustomer is a customer that starts a chat and sends messages into
// it, one at a time, over raw RTM connections: what any client does. A
// send is acknowledged by the server's response to send_event, which comes
// once the event is stored (the push carrying the request id travels
// through the broker, which may be down). When a connection ends the
// customer dials again, at addr(), logs in with the same token and sends
// the unanswered message again with the same custom_id, so that it is
// stored once.
type loadCustomer struct {
	t     *testing.T
	id    string // the customer's id, the token's subject
	token string
	addr  func() string

	mu       sync.Mutex
	chatID   string
	acked    []ackedEvent
	conns    int      // connections that logged in
	reasons  []string // reasons of the customer_disconnected pushes
	membered []string // "added <user id>" and "removed <user id>", from chat_user_added and chat_user_removed
	failed   error    // a refused request: the customer stopped
}

func newLoadCustomer(t *testing.T, key []byte, id string, addr func() string) *loadCustomer {
	return &loadCustomer{t: t, id: id, token: signCustomerToken(t, key, id), addr: addr}
}

// errConnLost is a connection that ended under a request.
var errConnLost = errors.New("connection lost")

// run sends until stop is closed (and a message left unanswered by a
// connection that ended is sent again) or ctx ends.
func (c *loadCustomer) run(ctx context.Context, stop <-chan struct{}) {
	next := 0       // index of the next message
	resent := false // next was sent on a connection that ended
	for {
		// A message sent on a connection that ended unanswered may be
		// stored: it is sent again before the customer stops.
		select {
		case <-stop:
			if !resent {
				return
			}
		case <-ctx.Done():
			return
		default:
		}
		conn, _, err := websocket.Dial(ctx, "ws://"+c.addr()+"/v3.0/customer/rtm/ws?license_id=123", nil)
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		conn.SetReadLimit(protocol.MaxServerFrameBytes)
		err = c.session(ctx, stop, conn, &next, &resent)
		conn.CloseNow()
		if err != nil && !errors.Is(err, errConnLost) {
			c.mu.Lock()
			c.failed = err
			c.mu.Unlock()
			return
		}
	}
}

// session is one connection: login, the chat, messages until stop.
func (c *loadCustomer) session(ctx context.Context, stop <-chan struct{}, conn *websocket.Conn, next *int, resent *bool) error {
	n := 0
	call := func(action string, payload any) (map[string]any, error) {
		n++
		id := fmt.Sprint("r", n)
		b, _ := json.Marshal(map[string]any{"request_id": id, "action": action, "payload": payload})
		if err := conn.Write(ctx, websocket.MessageText, b); err != nil {
			return nil, errConnLost
		}
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				return nil, errConnLost
			}
			var m map[string]any
			if json.Unmarshal(data, &m) != nil {
				continue
			}
			if m["type"] == "push" {
				c.observe(m)
				continue
			}
			if m["request_id"] != id {
				continue
			}
			if m["success"] == false {
				return nil, fmt.Errorf("%s of %s refused: %v", action, c.id, m["payload"])
			}
			p, _ := m["payload"].(map[string]any)
			return p, nil
		}
	}
	if _, err := call("login", map[string]any{"token": "Bearer " + c.token}); err != nil {
		return err
	}
	c.mu.Lock()
	c.conns++
	connNo, chatID := c.conns, c.chatID
	c.mu.Unlock()
	if chatID == "" {
		p, err := call("start_chat", map[string]any{"chat": map[string]any{}})
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.chatID = p["chat"].(map[string]any)["id"].(string)
		chatID = c.chatID
		c.mu.Unlock()
	}
	for {
		select {
		case <-stop:
			if !*resent {
				return nil
			}
		default:
		}
		customID := fmt.Sprintf("%s-%d", c.id, *next)
		p, err := call("send_event", map[string]any{"chat_id": chatID, "event": map[string]any{
			"type": "message", "text": customID, "custom_id": customID}})
		if errors.Is(err, errConnLost) {
			*resent = true
			return err
		}
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.acked = append(c.acked, ackedEvent{id: p["event_id"].(string), customID: customID, conn: connNo, resent: *resent})
		c.mu.Unlock()
		*next, *resent = *next+1, false
		time.Sleep(5 * time.Millisecond) // many customers, none flooding
	}
}

// observe records the pushes the test looks at.
func (c *loadCustomer) observe(m map[string]any) {
	p, _ := m["payload"].(map[string]any)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch m["action"] {
	case "customer_disconnected":
		reason, _ := p["reason"].(string)
		c.reasons = append(c.reasons, reason)
	case "chat_user_added":
		u, _ := p["user"].(map[string]any)
		id, _ := u["id"].(string)
		c.membered = append(c.membered, "added "+id)
	case "chat_user_removed":
		id, _ := p["user_id"].(string)
		c.membered = append(c.membered, "removed "+id)
	}
}

// ackedCount returns the number of acknowledged events and of connections
// so far.
func (c *loadCustomer) ackedCount() (events, conns int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.acked), c.conns
}

// err returns why the customer stopped early, if it did.
func (c *loadCustomer) err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.failed
}

func (c *loadCustomer) chat() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.chatID
}

func (c *loadCustomer) disconnectReasons() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.reasons)
}

// loadCustomers runs customers until the returned stop function is called,
// which waits for them and fails the test if one of them had a request
// refused.
func loadCustomers(t *testing.T, customers ...*loadCustomer) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	stopc := make(chan struct{})
	var wg sync.WaitGroup
	for _, c := range customers {
		wg.Go(func() { c.run(ctx, stopc) })
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(stopc)
			wg.Wait()
			cancel()
			for _, c := range customers {
				if err := c.err(); err != nil {
					t.Errorf("customer %s: %v", c.id, err)
				}
			}
		})
	}
	t.Cleanup(func() { cancel(); stop() })
	return stop
}

// waitAcked waits until each customer has at least n more events
// acknowledged than it had in from (nil: none), and returns the counts.
func waitAcked(t *testing.T, what string, customers []*loadCustomer, from []int, n int) []int {
	t.Helper()
	counts := make([]int, len(customers))
	waitUntil(t, what, func() bool {
		for i, c := range customers {
			counts[i], _ = c.ackedCount()
			base := 0
			if from != nil {
				base = from[i]
			}
			if counts[i] < base+n {
				if err := c.err(); err != nil {
					t.Fatalf("customer %s: %v", c.id, err)
				}
				return false
			}
		}
		return true
	})
	return counts
}

// checkStoredAsAcked checks that the customer's stored messages are
// exactly those acknowledged to it, in that order: none lost, none twice.
// It returns all of the chat's stored events.
func checkStoredAsAcked(t *testing.T, addr string, c *loadCustomer) []storedEvent {
	t.Helper()
	stored := dialRTM(t, addr, c.token).storedEvents(c.chat())
	var own []storedEvent
	for _, e := range stored {
		if e.AuthorID == c.id {
			own = append(own, e)
		}
	}
	c.mu.Lock()
	acked := slices.Clone(c.acked)
	c.mu.Unlock()
	if len(own) != len(acked) {
		t.Errorf("customer %s: %d messages stored, %d acknowledged", c.id, len(own), len(acked))
	}
	for i := range min(len(own), len(acked)) {
		if own[i].ID != acked[i].id || own[i].CustomID != acked[i].customID {
			t.Errorf("customer %s, message %d: stored %s (%s), acknowledged %s (%s)", c.id, i,
				own[i].ID, own[i].CustomID, acked[i].id, acked[i].customID)
			break
		}
	}
	return stored
}

// agentView is what an agent client (package agent) delivered: for each
// chat the ids of the events it delivered, from IncomingChat threads and
// IncomingEvent, in delivery order; the chats it was handed; and its
// connection's ups and downs.
type agentView struct {
	*agent.Client
	email string

	mu       sync.Mutex
	events   map[string][]string // chat id → event ids
	handed   map[string]int      // chat id → IncomingChat notifications
	reasons  []string            // AgentDisconnected reasons
	lost     int                 // ConnectionLost notifications
	restored int                 // ConnectionRestored notifications
	statuses map[string]string   // agent id → last RoutingStatusSet
}

// connectAgent logs an agent in at server and returns once it is
// connected. It reconnects by itself, quickly.
func connectAgent(t *testing.T, server, email, password string) *agentView {
	t.Helper()
	ag, err := agent.New(agent.Config{Server: server, License: 123, Email: email, Password: password, ManualConnect: true,
		ReconnectDelay: func(int) time.Duration { return 100 * time.Millisecond }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ag.Close)
	v := &agentView{Client: ag, email: email, events: map[string][]string{}, handed: map[string]int{}, statuses: map[string]string{}}
	agent.On(ag, func(n agent.IncomingChat) {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.handed[n.Chat.ID]++
		for _, e := range n.Chat.Thread.Events {
			v.events[n.Chat.ID] = append(v.events[n.Chat.ID], e.ID)
		}
	})
	agent.On(ag, func(n agent.IncomingEvent) {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.events[n.Chat] = append(v.events[n.Chat], n.Event.ID)
	})
	agent.On(ag, func(n agent.AgentDisconnected) {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.reasons = append(v.reasons, n.Reason)
	})
	agent.On(ag, func(agent.ConnectionLost) {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.lost++
	})
	agent.On(ag, func(agent.ConnectionRestored) {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.restored++
	})
	agent.On(ag, func(n agent.RoutingStatusSet) {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.statuses[n.Agent] = string(n.Status)
	})
	connected := make(chan agent.Connected, 1)
	agent.On(ag, func(c agent.Connected) { connected <- c })
	if err := ag.Connect(); err != nil {
		t.Fatal(err)
	}
	waitOne(t, connected, "the agent "+email+" connected")
	return v
}

// seen returns the ids of the events of a chat the agent delivered.
func (v *agentView) seen(chatID string) []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.events[chatID])
}

// handedChat reports whether the agent was handed the chat (IncomingChat).
func (v *agentView) handedChat(chatID string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.handed[chatID] > 0
}

// waitSeenLast waits until the agent has delivered the last stored event
// of the customer's chat.
func (v *agentView) waitSeenLast(t *testing.T, addr string, c *loadCustomer) []storedEvent {
	t.Helper()
	stored := dialRTM(t, addr, c.token).storedEvents(c.chat())
	last := stored[len(stored)-1].ID
	waitUntil(t, fmt.Sprintf("the agent %s delivered the last event of the chat of %s", v.email, c.id), func() bool {
		return slices.Contains(v.seen(c.chat()), last)
	})
	return stored
}

// inStoreOrder checks that seen, the events a client delivered, are
// events of stored, each once and in store order, and returns those of
// stored it did not deliver.
func inStoreOrder(stored []storedEvent, seen []string) (missed []string, err error) {
	pos := make(map[string]int, len(stored))
	for i, e := range stored {
		pos[e.ID] = i
	}
	last := -1
	delivered := make(map[string]bool, len(seen))
	for _, id := range seen {
		p, ok := pos[id]
		switch {
		case !ok:
			return nil, fmt.Errorf("event %s delivered but not stored", id)
		case delivered[id]:
			return nil, fmt.Errorf("event %s (stored %d of %d) delivered twice", id, p+1, len(stored))
		case p < last:
			return nil, fmt.Errorf("event %s (stored %d of %d) delivered after the event stored %d", id, p+1, len(stored), last+1)
		}
		delivered[id], last = true, p
	}
	for _, e := range stored {
		if !delivered[e.ID] {
			missed = append(missed, e.ID)
		}
	}
	return missed, nil
}
