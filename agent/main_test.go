package agent_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/broker/memory"
	"github.com/parleychat/parley/server/chat"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fastDelay reconnects at once, then a little slower.
func fastDelay(attempt int) time.Duration {
	return time.Duration(min(attempt, 5)) * 10 * time.Millisecond
}

// testServer is a parleytest server whose broker the test holds, so that
// it can push frames the server would send only on rare occasions.
type testServer struct {
	*parleytest.Server
	broker *memory.Broker
}

func newServer(t *testing.T, opts ...parleytest.Option) *testServer {
	t.Helper()
	b := memory.New()
	t.Cleanup(func() { _ = b.Close() }) // after the server's shutdown
	opts = append([]parleytest.Option{func(c *server.Config) { c.Broker = b }}, opts...)
	return &testServer{Server: parleytest.NewServer(t, opts...), broker: b}
}

// pushTo sends a push frame to every connection of a user, through the
// server's broker, as the server does (see parleytest.DisconnectCustomer
// for the message layout).
func (s *testServer) pushTo(t *testing.T, userID, frame string) {
	t.Helper()
	msg := append([]byte{0, 0}, frame...)
	if err := s.broker.Publish(context.Background(), fmt.Sprintf("parley.user.%d.%s", s.License, userID), msg); err != nil {
		t.Fatal(err)
	}
}

// addAgent adds an agent with a password to the demo license.
func (s *testServer) addAgent(t *testing.T, id, name, password string, groups ...int) {
	t.Helper()
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) == 0 {
		groups = []int{0}
	}
	err = s.Store().PutAgent(context.Background(), chat.Agent{ID: id, LicenseID: s.License, Name: name, Groups: groups,
		PasswordHash: hash, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
}

// newClient starts a client of the demo agent (with a token, and the
// credentials to get a new one) with a fast reconnect and a recorder of
// everything it emits; it is closed at cleanup.
func newClient(t *testing.T, srv *testServer, change ...func(*agent.Config)) (*agent.Client, *recorder) {
	t.Helper()
	// A token saves a password check (bcrypt, slow under -race) per client.
	cfg := agent.Config{Server: srv.URL, License: srv.License, Token: srv.AgentToken(t, srv.AgentEmail),
		Email: srv.AgentEmail, Password: srv.AgentPassword, ReconnectDelay: fastDelay}
	for _, ch := range change {
		ch(&cfg)
	}
	cfg.ManualConnect = true // the recorder first
	c, err := agent.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	rec := &recorder{changed: make(chan struct{}, 1)}
	c.On("*", func(n agent.Notification) { rec.add(n) })
	if err := c.Connect(); err != nil {
		t.Fatal(err)
	}
	return c, rec
}

// connected starts a client and waits for Connected.
func connected(t *testing.T, srv *testServer, change ...func(*agent.Config)) (*agent.Client, *recorder) {
	t.Helper()
	c, rec := newClient(t, srv, change...)
	waitFor[agent.Connected](t, rec, 0, nil)
	return c, rec
}

// newCustomer starts a customer SDK against srv (a new customer each
// time), destroyed at cleanup.
func newCustomer(t *testing.T, srv *testServer) (*customer.SDK, *recorder) {
	t.Helper()
	sdk, err := customer.Init(customer.Config{License: srv.License, ClientID: srv.ClientID, Server: srv.URL,
		Identity: customer.MemoryStore(), ReconnectDelay: fastDelay, Customer: customer.CustomerData{Name: "Carla"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sdk.Destroy)
	rec := &recorder{changed: make(chan struct{}, 1)}
	sdk.On("*", func(n customer.Notification) { rec.add(n) })
	return sdk, rec
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), waitLimit)
	t.Cleanup(cancel)
	return ctx
}

// named is what both packages emit.
type named interface{ Name() string }

// recorder keeps every notification, in the order handlers saw them.
type recorder struct {
	mu      sync.Mutex
	all     []named
	changed chan struct{}
}

func (r *recorder) add(n named) {
	r.mu.Lock()
	r.all = append(r.all, n)
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *recorder) list() []named {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.all)
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.all)
}

// wait returns the index of the first notification at or after from that
// matches ok, waiting up to waitLimit for it.
func (r *recorder) wait(t *testing.T, from int, what string, ok func(named) bool) int {
	t.Helper()
	timeout := time.After(waitLimit)
	for {
		all := r.list()
		for i := from; i < len(all); i++ {
			if ok(all[i]) {
				return i
			}
		}
		select {
		case <-r.changed:
		case <-timeout:
			t.Fatalf("no %s after notification %d; got %s", what, from, names(all[min(from, len(all)):]))
		}
	}
}

// waitFor waits for a notification of type T at or after from that
// matches ok (nil: any); it returns it and its index.
func waitFor[T named](t *testing.T, r *recorder, from int, ok func(T) bool) (T, int) {
	t.Helper()
	var zero T
	i := r.wait(t, from, fmt.Sprintf("%T", zero), func(n named) bool {
		x, is := n.(T)
		return is && (ok == nil || ok(x))
	})
	return r.list()[i].(T), i
}

// none fails if a notification of type T that matches ok arrives at or
// after from within a short while.
func none[T named](t *testing.T, r *recorder, from int, ok func(T) bool) {
	t.Helper()
	time.Sleep(200 * time.Millisecond)
	for _, n := range r.list()[from:] {
		if x, is := n.(T); is && (ok == nil || ok(x)) {
			t.Errorf("unexpected %T: %+v", x, x)
		}
	}
}

func all[T named](r *recorder, from int) []T {
	var out []T
	for _, n := range r.list()[from:] {
		if x, ok := n.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

func names(ns []named) string {
	var b strings.Builder
	for _, n := range ns {
		b.WriteString(n.Name())
		switch e := n.(type) {
		case agent.IncomingEvent:
			fmt.Fprintf(&b, "(%s)", e.Event.Text)
		case customer.NewEvent:
			fmt.Fprintf(&b, "(%s)", e.Event.Text)
		}
		b.WriteString(" ")
	}
	return b.String()
}

// startChat has a new customer start a chat with a message and waits
// until the agent's client has it as IncomingChat.
func startChat(t *testing.T, srv *testServer, rec *recorder, text string) (*customer.SDK, *recorder, agent.Chat) {
	t.Helper()
	cust, crec := newCustomer(t, srv)
	from := rec.len()
	ch, err := cust.StartChat(ctxT(t), customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: text}}})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := waitFor(t, rec, from, func(n agent.IncomingChat) bool { return n.Chat.ID == ch.ID })
	return cust, crec, in.Chat
}

// setRouting sets the client's routing status.
func setRouting(t *testing.T, c *agent.Client, s agent.RoutingStatus) {
	t.Helper()
	if err := c.SetRoutingStatus(ctxT(t), s); err != nil {
		t.Fatal(err)
	}
}

// waitLimit bounds every wait of the tests; each ends as soon as what it
// waits for has happened. It is generous: password checks (bcrypt) are
// slow under the race detector on a busy machine.
const waitLimit = 40 * time.Second
