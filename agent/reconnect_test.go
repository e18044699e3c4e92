package agent_test

// Connection life under a real server whose connections are cut, stalled,
// refused and restarted by parleytest: what the client emits, what its
// requests return, and that what was stored while it was away reaches its
// handlers exactly once, in store order.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

// loginCounter counts the client's password logins.
type loginCounter struct {
	n atomic.Int32
}

func (l *loginCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path == "/v3.0/agent/login" {
		l.n.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (l *loginCounter) client() *http.Client { return &http.Client{Transport: l} }

func TestReconnectRecovers(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c, rec := connected(t, srv)
	me := c.MyProfile().ID
	cust, _, ch := startChat(t, srv, rec, "first")
	if err := c.JoinChat(ctxT(t), ch.ID); err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)

	// The agent's connections go, and cannot come back for now.
	srv.PauseListener(parleytest.AgentConns)
	from := rec.len()
	if n := srv.DropConnections(parleytest.AgentConns); n == 0 {
		t.Fatal("no agent connection to drop")
	}
	lost, _ := waitFor[agent.ConnectionLost](t, rec, from, nil)
	if lost.Err == nil {
		t.Error("ConnectionLost without an error")
	}
	if st := c.State(); st != agent.StateReconnecting {
		t.Errorf("state = %s", st)
	}

	// A request made meanwhile waits for the connection.
	listed := make(chan error, 1)
	go func() {
		_, err := c.ListChats(ctx, agent.ListChatsOptions{})
		listed <- err
	}()

	// What happens while the agent is away: messages in its chat, a new
	// chat.
	var sent []string
	for i := range 3 {
		e, err := cust.SendEvent(ctx, ch.ID, customer.Event{Type: customer.EventMessage, Text: fmt.Sprintf("away %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, e.ID)
	}
	other, _ := newCustomer(t, srv)
	newChat, err := other.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: "new while away"}}})
	if err != nil {
		t.Fatal(err)
	}

	srv.ResumeListener()
	_, restoredAt := waitFor[agent.ConnectionRestored](t, rec, from, func(n agent.ConnectionRestored) bool { return n.MyProfile.ID == me })
	if err := <-listed; err != nil {
		t.Errorf("ListChats made while reconnecting: %v", err)
	}
	// The missed events, after ConnectionRestored, in order.
	var got []string
	for _, e := range all[agent.IncomingEvent](rec, from) {
		if e.Chat == ch.ID {
			got = append(got, e.Event.ID)
		}
	}
	for len(got) < len(sent) {
		e, _ := waitFor(t, rec, from, func(n agent.IncomingEvent) bool { return n.Chat == ch.ID && !slices.Contains(got, n.Event.ID) })
		got = append(got, e.Event.ID)
	}
	if !slices.Equal(got, sent) {
		t.Errorf("missed events delivered as %v, want %v", got, sent)
	}
	_, first := waitFor(t, rec, from, func(n agent.IncomingEvent) bool { return n.Event.ID == sent[0] })
	if first < restoredAt {
		t.Errorf("a missed event came before ConnectionRestored")
	}
	// The new chat, with its first message.
	nc, _ := waitFor(t, rec, from, func(n agent.IncomingChat) bool { return n.Chat.ID == newChat.ID })
	if len(nc.Chat.Thread.Events) != 1 || nc.Chat.Thread.Events[0].Text != "new while away" {
		t.Errorf("new chat = %+v", nc.Chat)
	}

	// Live again: one more message arrives once.
	live, err := cust.SendEvent(ctx, ch.ID, customer.Event{Type: customer.EventMessage, Text: "back"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, rec, from, func(n agent.IncomingEvent) bool { return n.Event.ID == live.ID })
	time.Sleep(200 * time.Millisecond)
	seen := map[string]int{}
	for _, e := range all[agent.IncomingEvent](rec, from) {
		seen[e.Event.ID]++
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
	// Requests work.
	if _, err := c.SendEvent(ctx, ch.ID, agent.Event{Type: agent.EventMessage, Text: "sorry, I was away"}); err != nil {
		t.Error(err)
	}
}

// writeCounter counts what the client writes to its connections.
type writeCounter struct {
	n atomic.Int64
}

func (w *writeCounter) client(t *testing.T) *http.Client {
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: c, w: w}, nil
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

type countingConn struct {
	net.Conn
	w *writeCounter
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.w.n.Add(1)
	return n, err
}

func TestRequestInFlightWhenConnectionDrops(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	writes := &writeCounter{}
	c, rec := connected(t, srv, func(c *agent.Config) { c.Email, c.Password, c.HTTPClient = "", "", writes.client(t) })
	srv.StallConnections(parleytest.AgentConns)
	before := writes.n.Load()
	done := make(chan error, 1)
	go func() {
		_, err := c.ListAgents(ctxT(t))
		done <- err
	}()
	// The request is written, and never answered.
	for writes.n.Load() == before {
		time.Sleep(time.Millisecond)
	}
	from := rec.len()
	srv.DropConnections(parleytest.AgentConns)
	srv.UnstallConnections()
	select {
	case err := <-done:
		if !errors.Is(err, agent.ErrConnectionLost) {
			t.Errorf("request in flight: %v, want ErrConnectionLost", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("the request in flight did not fail")
	}
	waitFor[agent.ConnectionRestored](t, rec, from, nil)

	// A request whose ctx ends first fails with ctx's error.
	srv.StallConnections(parleytest.AgentConns)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.ListChats(ctx, agent.ListChatsOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("stalled request: %v", err)
	}
	srv.UnstallConnections()
}

func TestServerRestart(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c, rec := connected(t, srv)
	_, _, ch := startChat(t, srv, rec, "before the restart")
	from := rec.len()
	srv.Restart(t)
	d, _ := waitFor[agent.AgentDisconnected](t, rec, from, nil)
	if d.Reason != protocol.ReasonServiceShutdown || d.Final {
		t.Errorf("AgentDisconnected = %+v", d)
	}
	waitFor[agent.ConnectionLost](t, rec, from, nil)
	waitFor[agent.ConnectionRestored](t, rec, from, nil)
	if got, err := c.GetChat(ctxT(t), ch.ID, ""); err != nil || got.ID != ch.ID {
		t.Errorf("GetChat after the restart = %+v, %v", got, err)
	}
	if c.State() != agent.StateConnected {
		t.Errorf("state = %s", c.State())
	}
}

func TestDisconnectReasons(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	push := func(t *testing.T, reason string) {
		srv.pushTo(t, parleytest.AgentEmail, `{"action":"agent_disconnected","type":"push","payload":{"reason":"`+reason+`"}}`)
	}

	t.Run("final reason", func(t *testing.T) {
		c, rec := connected(t, srv)
		push(t, protocol.ReasonLicenseNotFound)
		d, _ := waitFor[agent.AgentDisconnected](t, rec, 0, nil)
		if !d.Final || d.Reason != protocol.ReasonLicenseNotFound {
			t.Errorf("AgentDisconnected = %+v", d)
		}
		c.Close()
		if _, err := c.ListChats(ctxT(t), agent.ListChatsOptions{}); !errors.Is(err, agent.ErrClosed) {
			t.Errorf("after a final disconnect: %v", err)
		}
	})

	t.Run("token expired, credentials", func(t *testing.T) {
		logins := &loginCounter{}
		c, rec := connected(t, srv, func(c *agent.Config) { c.Token, c.HTTPClient = "", logins.client() })
		if n := logins.n.Load(); n != 1 {
			t.Fatalf("%d logins", n)
		}
		from := rec.len()
		push(t, protocol.ReasonAccessTokenExpired)
		d, _ := waitFor[agent.AgentDisconnected](t, rec, from, nil)
		if d.Final || d.Reason != protocol.ReasonAccessTokenExpired {
			t.Errorf("AgentDisconnected = %+v", d)
		}
		// The server closes the connection after the push; the client
		// comes back with a new token.
		srv.DropConnections(parleytest.AgentConns)
		waitFor[agent.ConnectionRestored](t, rec, from, nil)
		if n := logins.n.Load(); n != 2 {
			t.Errorf("%d logins, want 2", n)
		}
		if _, err := c.ListAgents(ctxT(t)); err != nil {
			t.Error(err)
		}
	})

	t.Run("token expired, token only", func(t *testing.T) {
		tok, err := agent.Login(ctxT(t), srv.URL, srv.License, srv.AgentEmail, srv.AgentPassword, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, rec := connected(t, srv, func(c *agent.Config) { c.Email, c.Password, c.Token = "", "", tok.AccessToken })
		push(t, protocol.ReasonAccessTokenExpired)
		d, _ := waitFor[agent.AgentDisconnected](t, rec, 0, nil)
		if !d.Final || d.Reason != protocol.ReasonAccessTokenExpired {
			t.Errorf("AgentDisconnected = %+v", d)
		}
	})
}

func TestCloseWhileReconnecting(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c, rec := connected(t, srv)
	srv.PauseListener(parleytest.AgentConns)
	defer srv.ResumeListener()
	from := rec.len()
	srv.DropConnections(parleytest.AgentConns)
	waitFor[agent.ConnectionLost](t, rec, from, nil)
	done := make(chan struct{})
	go func() {
		c.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatal("Close hangs while reconnecting")
	}
	if c.State() != agent.StateClosed {
		t.Errorf("state = %s", c.State())
	}
}

// TestRecoveryScope: after a reconnect the client delivers what happened
// in the chats the agent hears of (its own, and those queued in its
// groups), not in chats other agents serve.
func TestRecoveryScope(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.addAgent(t, second, "Second Agent", secondPassword)
	a, arec := connected(t, srv)
	setRouting(t, a, agent.NotAcceptingChats)
	b, brec := connected(t, srv, func(c *agent.Config) {
		c.Token, c.Email, c.Password = srv.AgentToken(t, second), second, secondPassword
	})
	setRouting(t, b, agent.NotAcceptingChats)
	ctx := ctxT(t)
	// The second agent serves one chat; the first hears of it while it is
	// queued, and no more once it is served.
	cust, _, served := startChat(t, srv, arec, "for the second agent")
	if err := b.JoinChat(ctx, served.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, arec, 0, func(n agent.ChatUserAdded) bool { return n.Chat == served.ID && n.User.ID == second })

	srv.PauseListener(parleytest.AgentConns)
	from := arec.len()
	srv.DropConnections(parleytest.AgentConns)
	waitFor[agent.ConnectionLost](t, arec, from, nil)
	e, err := cust.SendEvent(ctx, served.ID, customer.Event{Type: customer.EventMessage, Text: "not for you"})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newCustomer(t, srv)
	queued, err := other.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: "anyone?"}}})
	if err != nil {
		t.Fatal(err)
	}
	srv.ResumeListener()
	_, at := waitFor[agent.ConnectionRestored](t, arec, from, func(n agent.ConnectionRestored) bool { return n.MyProfile.ID == parleytest.AgentEmail })
	in, _ := waitFor(t, arec, at, func(n agent.IncomingChat) bool { return n.Chat.ID == queued.ID })
	if in.Chat.Thread.Events[0].Text != "anyone?" || len(in.Chat.Users) != 1 {
		t.Errorf("queued chat = %+v", in.Chat)
	}
	none(t, arec, from, func(n agent.IncomingEvent) bool { return n.Event.ID == e.ID })
	waitFor(t, brec, 0, func(n agent.IncomingEvent) bool { return n.Event.ID == e.ID })
}
