package parleytest_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// conn is a bare RTM connection.
type conn struct {
	t *testing.T
	c *websocket.Conn
	n int
}

type frame struct {
	RequestID string          `json:"request_id"`
	Action    string          `json:"action"`
	Type      string          `json:"type"`
	Success   bool            `json:"success"`
	Payload   json.RawMessage `json:"payload"`
}

func dial(t *testing.T, srv *parleytest.Server, path string) (*conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+srv.URL[len("http"):]+path, nil)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.CloseNow() })
	return &conn{t: t, c: c}, nil
}

func mustDial(t *testing.T, srv *parleytest.Server, path string) *conn {
	t.Helper()
	c, err := dial(t, srv, path)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	return c
}

// read returns the next frame other than a ping, or the read error.
func (c *conn) read(d time.Duration) (frame, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		_, b, err := c.c.Read(ctx)
		if err != nil {
			return frame{}, err
		}
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			c.t.Fatalf("bad frame %s: %v", b, err)
		}
		if f.Action != protocol.ActionPing {
			return f, nil
		}
	}
}

// call sends a request and returns its response, skipping pushes.
func (c *conn) call(action string, payload any) frame {
	c.t.Helper()
	c.n++
	id := strconv.Itoa(c.n)
	b, _ := json.Marshal(map[string]any{"request_id": id, "action": action, "payload": payload})
	if err := c.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		c.t.Fatalf("%s: %v", action, err)
	}
	for {
		f, err := c.read(5 * time.Second)
		if err != nil {
			c.t.Fatalf("%s: %v", action, err)
		}
		if f.RequestID == id && f.Type == protocol.TypeResponse {
			return f
		}
	}
}

func (c *conn) login(token string) {
	c.t.Helper()
	if f := c.call(protocol.ActionLogin, map[string]any{"token": "Bearer " + token}); !f.Success {
		c.t.Fatalf("login: %s", f.Payload)
	}
}

const customerPath, agentPath = "/v3.0/customer/rtm/ws?license_id=123", "/v3.0/agent/rtm/ws"

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDropConnections(t *testing.T) {
	srv := parleytest.NewServer(t)
	cust := mustDial(t, srv, customerPath)
	cust.login(srv.CustomerToken(t, "c1"))
	agent := mustDial(t, srv, agentPath)
	agent.login(srv.AgentToken(t, srv.AgentEmail))

	if n := srv.DropConnections(parleytest.CustomerConns); n != 1 {
		t.Fatalf("DropConnections(CustomerConns) cut %d connections, want 1", n)
	}
	if _, err := cust.read(5 * time.Second); err == nil {
		t.Fatal("the customer's connection still reads after DropConnections")
	}
	// The agent is untouched.
	if f := agent.call(protocol.ActionGetChatsSummary, map[string]any{}); !f.Success {
		t.Fatalf("agent after a customer drop: %s", f.Payload)
	}
	// The listener still accepts.
	again := mustDial(t, srv, customerPath)
	again.login(srv.CustomerToken(t, "c1"))

	srv.DropConnections()
	if _, err := again.read(5 * time.Second); err == nil {
		t.Fatal("a customer connection still reads after DropConnections()")
	}
	if _, err := agent.read(5 * time.Second); err == nil {
		t.Fatal("the agent's connection still reads after DropConnections()")
	}
	waitFor(t, "every connection to close", func() bool { return srv.OpenConns() == 0 })
}

func TestPauseListener(t *testing.T) {
	srv := parleytest.NewServer(t)
	srv.PauseListener()
	if _, err := dial(t, srv, customerPath); err == nil {
		t.Fatal("dial succeeded while the listener is paused")
	}
	srv.ResumeListener()
	mustDial(t, srv, customerPath).login(srv.CustomerToken(t, "c1"))

	srv.PauseListener(parleytest.CustomerConns)
	if _, err := dial(t, srv, customerPath); err == nil {
		t.Fatal("customer dial succeeded while customers are paused")
	}
	mustDial(t, srv, agentPath).login(srv.AgentToken(t, srv.AgentEmail))
	srv.ResumeListener()
	mustDial(t, srv, customerPath).login(srv.CustomerToken(t, "c1"))
}

func TestDisconnectCustomer(t *testing.T) {
	srv := parleytest.NewServer(t)
	cust := mustDial(t, srv, customerPath)
	cust.login(srv.CustomerToken(t, "c1"))
	other := mustDial(t, srv, customerPath)
	other.login(srv.CustomerToken(t, "c2"))

	if err := srv.DisconnectCustomer("c1", protocol.ReasonTooManyConnections); err != nil {
		t.Fatal(err)
	}
	f, err := cust.read(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var p protocol.CustomerDisconnected
	if err := json.Unmarshal(f.Payload, &p); err != nil || f.Action != protocol.PushCustomerDisconnected ||
		p.Reason != protocol.ReasonTooManyConnections || f.RequestID != "" {
		t.Fatalf("got %s %s, want customer_disconnected too_many_connections", f.Action, f.Payload)
	}
	if _, err := cust.read(5 * time.Second); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
		t.Fatalf("after the push: %v, want the connection closed with %d", err, websocket.StatusPolicyViolation)
	}
	// c2 is still there and was told nothing.
	if f := other.call(protocol.ActionGetChatsSummary, map[string]any{}); !f.Success {
		t.Fatalf("c2: %s", f.Payload)
	}
}

func TestPushToCustomer(t *testing.T) {
	srv := parleytest.NewServer(t)
	cust := mustDial(t, srv, customerPath)
	cust.login(srv.CustomerToken(t, "c1"))
	if err := srv.PushToCustomer("c1", protocol.PushCustomerDisconnected,
		protocol.CustomerDisconnected{Reason: protocol.ReasonCustomerTemporarilyBlocked, Data: map[string]any{"timeout": 60}}); err != nil {
		t.Fatal(err)
	}
	f, err := cust.read(5 * time.Second)
	if err != nil || f.Action != protocol.PushCustomerDisconnected || f.Type != protocol.TypePush ||
		string(f.Payload) != `{"reason":"customer_temporarily_blocked","data":{"timeout":60}}` {
		t.Fatalf("got %+v %v", f, err)
	}
	// The connection stays open.
	if f := cust.call(protocol.ActionGetChatsSummary, map[string]any{}); !f.Success {
		t.Fatalf("after the push: %s", f.Payload)
	}
}

func TestBanCustomer(t *testing.T) {
	srv := parleytest.NewServer(t)
	cust := mustDial(t, srv, customerPath)
	cust.login(srv.CustomerToken(t, "c1"))
	if err := srv.BanCustomer("c1"); err != nil {
		t.Fatal(err)
	}
	f, err := cust.read(5 * time.Second)
	var p protocol.CustomerDisconnected
	_ = json.Unmarshal(f.Payload, &p)
	if err != nil || f.Action != protocol.PushCustomerDisconnected || p.Reason != protocol.ReasonCustomerBanned {
		t.Fatalf("got %s %s %v, want customer_disconnected customer_banned", f.Action, f.Payload, err)
	}
	if _, err := cust.read(5 * time.Second); err == nil {
		t.Fatal("the banned customer's connection stays open")
	}
	again := mustDial(t, srv, customerPath)
	f = again.call(protocol.ActionLogin, map[string]any{"token": "Bearer " + srv.CustomerToken(t, "c1")})
	var e struct{ Error protocol.Error }
	_ = json.Unmarshal(f.Payload, &e)
	if f.Success || e.Error.Type != protocol.ErrCustomerBanned {
		t.Fatalf("login of a banned customer: %s, want a %s error", f.Payload, protocol.ErrCustomerBanned)
	}
}

func TestRestart(t *testing.T) {
	srv := parleytest.NewServer(t)
	url := srv.URL
	cust := mustDial(t, srv, customerPath)
	cust.login(srv.CustomerToken(t, "c1"))
	start := cust.call(protocol.ActionStartChat, map[string]any{"chat": map[string]any{}})
	var sc struct {
		Chat struct{ ID string } `json:"chat"`
	}
	if err := json.Unmarshal(start.Payload, &sc); err != nil || sc.Chat.ID == "" {
		t.Fatalf("start_chat: %s", start.Payload)
	}

	restarted := make(chan struct{})
	go func() {
		defer close(restarted)
		srv.Restart(t)
	}()
	// The chat waits for an agent: its place in the queue may come first.
	f, err := cust.read(10 * time.Second)
	for err == nil && f.Action == protocol.PushQueuePositionUpdated {
		f, err = cust.read(10 * time.Second)
	}
	var p protocol.CustomerDisconnected
	_ = json.Unmarshal(f.Payload, &p)
	if err != nil || f.Action != protocol.PushCustomerDisconnected || p.Reason != protocol.ReasonServiceShutdown {
		t.Fatalf("got %s %s %v, want customer_disconnected %s", f.Action, f.Payload, err, protocol.ReasonServiceShutdown)
	}
	if _, err := cust.read(10 * time.Second); websocket.CloseStatus(err) != websocket.StatusServiceRestart {
		t.Fatalf("after the push: %v, want the connection closed with %d", err, websocket.StatusServiceRestart)
	}
	<-restarted
	if srv.URL != url {
		t.Fatalf("URL changed from %s to %s", url, srv.URL)
	}
	again := mustDial(t, srv, customerPath)
	again.login(srv.CustomerToken(t, "c1"))
	var sum protocol.ChatsSummaryResponse
	if err := json.Unmarshal(again.call(protocol.ActionGetChatsSummary, map[string]any{}).Payload, &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.ChatsSummary) != 1 || sum.ChatsSummary[0].ID != sc.Chat.ID {
		t.Fatalf("after the restart the customer's chats are %+v, want %s", sum.ChatsSummary, sc.Chat.ID)
	}
}

func TestStallConnections(t *testing.T) {
	srv := parleytest.NewServer(t)
	cust := mustDial(t, srv, customerPath)
	cust.login(srv.CustomerToken(t, "c1"))
	agent := mustDial(t, srv, agentPath)
	agent.login(srv.AgentToken(t, srv.AgentEmail))

	srv.StallConnections(parleytest.CustomerConns)
	frames := make(chan frame, 16)
	go func() {
		defer close(frames)
		for {
			f, err := cust.read(time.Minute)
			if err != nil {
				return
			}
			frames <- f
		}
	}()
	b, _ := json.Marshal(map[string]any{"request_id": "s1", "action": protocol.ActionGetChatsSummary, "payload": map[string]any{}})
	if err := cust.c.Write(context.Background(), websocket.MessageText, b); err != nil {
		t.Fatalf("write to a stalled connection: %v", err)
	}
	pctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	err := cust.c.Ping(pctx)
	cancel()
	if err == nil {
		t.Fatal("a stalled connection answered a ping")
	}
	select {
	case f := <-frames:
		t.Fatalf("a stalled connection answered: %+v", f)
	default:
	}
	// The agent is not stalled.
	if f := agent.call(protocol.ActionGetChatsSummary, map[string]any{}); !f.Success {
		t.Fatalf("agent: %s", f.Payload)
	}
	srv.UnstallConnections()
	select {
	case f := <-frames:
		if f.RequestID != "s1" || !f.Success {
			t.Fatalf("after UnstallConnections: %+v, want the held-up request answered", f)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the held-up request was not answered after UnstallConnections")
	}

	srv.StallConnections()
	srv.DropConnections()
	if _, err := agent.read(5 * time.Second); err == nil {
		t.Fatal("a stalled connection still reads after DropConnections")
	}
	srv.UnstallConnections()
}
