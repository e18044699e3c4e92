package agent_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx := ctxT(t)
	tok, err := agent.Login(ctx, srv.URL, srv.License, parleytest.AgentEmail, parleytest.AgentPassword, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.EntityID != parleytest.AgentEmail || tok.LicenseID != srv.License ||
		tok.ExpiresIn != 24*time.Hour || tok.CreationDate.IsZero() {
		t.Errorf("token = %+v", tok)
	}
	if tok.Expired(time.Now()) || !tok.Expired(time.Now().Add(24*time.Hour)) {
		t.Error("Expired is wrong")
	}

	_, err = agent.Login(ctx, srv.URL, srv.License, parleytest.AgentEmail, "wrong", http.DefaultClient)
	var e *agent.Error
	if !errors.As(err, &e) || e.Type != protocol.ErrAuthentication || !errors.Is(err, &agent.Error{Type: "authentication"}) {
		t.Errorf("wrong password: %v", err)
	}
	if _, err := agent.Login(ctx, srv.URL, 0, parleytest.AgentEmail, "x", nil); !agent.IsType(err, protocol.ErrValidation) {
		t.Errorf("no license: %v", err)
	}
	if _, err := agent.Login(ctx, "ftp://x", 1, "a", "b", nil); err == nil {
		t.Error("Login accepted an ftp URL")
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]agent.Config{
		"no license":     {Server: "http://localhost", Token: "t"},
		"bad server":     {Server: "localhost:8080", License: 1, Token: "t"},
		"no credentials": {Server: "http://localhost", License: 1, Email: "a@b"},
	} {
		if c, err := agent.New(cfg); err == nil {
			c.Close()
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
}

func TestConnected(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c, rec := newClient(t, srv, func(c *agent.Config) { c.Server, c.Token = c.Server+"/", "" })
	if st := c.State(); st != agent.StateConnecting && st != agent.StateConnected {
		t.Errorf("state right after New = %s", st)
	}
	// Methods called before the connection is up wait for it.
	if _, err := c.ListChats(ctxT(t), agent.ListChatsOptions{}); err != nil {
		t.Fatal(err)
	}
	got, _ := waitFor[agent.Connected](t, rec, 0, nil)
	p := got.MyProfile
	if got.License != srv.License || p.ID != parleytest.AgentEmail || p.Name != "Demo Agent" || p.JobTitle != "Support" {
		t.Errorf("Connected = %+v", got)
	}
	if c.MyProfile().ID != parleytest.AgentEmail || c.State() != agent.StateConnected || c.State().String() != "connected" {
		t.Errorf("MyProfile = %+v, state %s", c.MyProfile(), c.State())
	}
	c.Close()
	c.Close() // idempotent
	if c.State() != agent.StateClosed {
		t.Errorf("state after Close = %s", c.State())
	}
	if _, err := c.ListChats(ctxT(t), agent.ListChatsOptions{}); !errors.Is(err, agent.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	if err := c.JoinChat(ctxT(t), "x"); !errors.Is(err, agent.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}

func TestManualConnect(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c, err := agent.New(agent.Config{Server: srv.URL, License: srv.License, Token: srv.AgentToken(t, srv.AgentEmail), ManualConnect: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st := c.State(); st != agent.StateNotConnected || st.String() != "disconnected" {
		t.Errorf("state before Connect = %s", st)
	}
	if _, err := c.ListChats(ctxT(t), agent.ListChatsOptions{}); !errors.Is(err, agent.ErrNotConnected) {
		t.Errorf("before Connect: %v", err)
	}
	connected := make(chan agent.Connected, 1)
	agent.Once(c, func(n agent.Connected) { connected <- n })
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	if err := c.Connect(); err != nil {
		t.Errorf("second Connect: %v", err)
	}
	select {
	case n := <-connected:
		if n.MyProfile.ID != srv.AgentEmail {
			t.Errorf("Connected = %+v", n)
		}
	case <-time.After(waitLimit):
		t.Fatal("no Connected")
	}
	c.Close()
	if err := c.Connect(); !errors.Is(err, agent.ErrClosed) {
		t.Errorf("Connect after Close: %v", err)
	}
}

func TestToken(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	tok, err := agent.Login(ctxT(t), srv.URL, srv.License, parleytest.AgentEmail, parleytest.AgentPassword, nil)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("token alone", func(t *testing.T) {
		c, _ := connected(t, srv, func(c *agent.Config) { c.Email, c.Password, c.Token = "", "", "Bearer "+tok.AccessToken })
		if c.MyProfile().ID != parleytest.AgentEmail {
			t.Errorf("profile = %+v", c.MyProfile())
		}
	})

	t.Run("refused token, no credentials", func(t *testing.T) {
		c, rec := newClient(t, srv, func(c *agent.Config) { c.Email, c.Password, c.Token = "", "", "not-a-token" })
		d, _ := waitFor[agent.AgentDisconnected](t, rec, 0, nil)
		if !d.Final || d.Reason != protocol.ErrAuthentication {
			t.Errorf("AgentDisconnected = %+v", d)
		}
		c.Close() // waits for the client to have stopped
		if c.State() != agent.StateClosed {
			t.Errorf("state = %s", c.State())
		}
		if _, err := c.ListAgents(ctxT(t)); !errors.Is(err, agent.ErrClosed) {
			t.Errorf("after the end: %v", err)
		}
	})

	t.Run("refused token, credentials", func(t *testing.T) {
		// A customer's token is refused for an agent: the client logs in
		// with the credentials instead.
		c, rec := connected(t, srv, func(c *agent.Config) { c.Token = srv.CustomerToken(t, "c1") })
		none[agent.AgentDisconnected](t, rec, 0, nil)
		if c.MyProfile().ID != parleytest.AgentEmail {
			t.Errorf("profile = %+v", c.MyProfile())
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		_, rec := newClient(t, srv, func(c *agent.Config) { c.Token, c.Password = "", "wrong" })
		d, _ := waitFor[agent.AgentDisconnected](t, rec, 0, nil)
		if !d.Final || d.Reason != protocol.ErrAuthentication {
			t.Errorf("AgentDisconnected = %+v", d)
		}
	})
}

func TestNotificationAPI(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c, _ := connected(t, srv)
	ctx := ctxT(t)

	iterated := make(chan agent.Notification, 100)
	ictx, stop := context.WithCancel(ctx)
	iterDone := make(chan struct{})
	go func() {
		defer close(iterDone)
		for n := range c.Notifications(ictx) {
			iterated <- n
		}
	}()
	// Probe until the iteration has subscribed; then one more push, after
	// which no probe is on its way.
	push := func(action string) {
		srv.pushTo(t, parleytest.AgentEmail, `{"action":"`+action+`","type":"push","payload":{}}`)
	}
	for subscribed := false; !subscribed; {
		push("probe")
		select {
		case <-iterated:
			subscribed = true
		case <-time.After(20 * time.Millisecond):
		}
	}
	push("probe_end")
	for n := range iterated {
		if n.Name() == "probe_end" {
			break
		}
	}

	typed := make(chan agent.UnknownPush, 10)
	off := agent.On(c, func(n agent.UnknownPush) { typed <- n })
	byName := make(chan agent.Notification, 10)
	c.On("something_new", func(n agent.Notification) { byName <- n })
	once := make(chan agent.UnknownPush, 10)
	agent.Once(c, func(n agent.UnknownPush) { once <- n })
	onceByName := make(chan agent.Notification, 10)
	c.Once("something_new", func(n agent.Notification) { onceByName <- n })

	for i := range 2 {
		srv.pushTo(t, parleytest.AgentEmail, `{"action":"something_new","type":"push","payload":{"n":`+string(rune('0'+i))+`}}`)
	}
	for i := range 2 {
		select {
		case n := <-typed:
			if n.Action != "something_new" || n.Name() != "something_new" || !strings.Contains(string(n.Payload), `"n":`+string(rune('0'+i))) {
				t.Errorf("UnknownPush = %+v", n)
			}
		case <-time.After(waitLimit):
			t.Fatal("no UnknownPush")
		}
		if n := <-byName; n.(agent.UnknownPush).Action != "something_new" {
			t.Errorf("by name: %+v", n)
		}
		if n := <-iterated; n.Name() != "something_new" {
			t.Errorf("iterated: %+v", n)
		}
	}
	if len(once) != 1 || len(onceByName) != 1 {
		t.Errorf("Once ran %d and %d times", len(once), len(onceByName))
	}
	off()
	off()
	stop()
	<-iterDone
	srv.pushTo(t, parleytest.AgentEmail, `{"action":"something_new","type":"push","payload":{}}`)
	<-byName
	if len(typed) != 0 {
		t.Error("handler ran after off")
	}
}
