package chat_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/sqlite"
)

// The tests run the Service on a real SQLite store in a temporary
// directory, inside a testing/synctest bubble where they need time: the
// Service's clock is then the bubble's fake clock.

const license = 1

// recorder is a Notifier that records every notification, in call order.
type recorder struct {
	mu sync.Mutex
	ns []chat.Notification
}

func (r *recorder) Notify(_ context.Context, n chat.Notification) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ns = append(r.ns, n)
}

// all returns the notifications recorded so far.
func (r *recorder) all() []chat.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.ns)
}

// reset forgets the notifications recorded so far.
func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ns = nil
}

// pushes returns the recorded pushes of type T, in call order.
func pushes[T any](r *recorder) []T {
	var out []T
	for _, n := range r.all() {
		if p, ok := n.Push.(T); ok {
			out = append(out, p)
		}
	}
	return out
}

// pushesTo returns the recorded pushes of type T for the user id.
func pushesTo[T any](r *recorder, id string) []T {
	var out []T
	for _, n := range r.all() {
		p, ok := n.Push.(T)
		if ok && slices.ContainsFunc(n.Recipients, func(x chat.Recipient) bool { return x.ID == id }) {
			out = append(out, p)
		}
	}
	return out
}

type env struct {
	t     *testing.T
	ctx   context.Context
	store chat.Store
	svc   *chat.Service
	rec   *recorder
}

// newEnv returns a Service with a fresh store holding license 1. With
// grace > 0 it also starts routing's background work, stopped when the
// test ends.
func newEnv(t *testing.T, grace time.Duration) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := st.PutLicense(ctx, chat.License{ID: license, Name: "Shop", CreatedAt: time.Now()}); err != nil {
		t.Fatalf("PutLicense: %v", err)
	}
	rec := &recorder{}
	svc, err := chat.NewService(chat.Config{Store: st, Notifier: rec, GracePeriod: grace})
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	if grace > 0 {
		if err := svc.StartRouting(ctx); err != nil {
			t.Fatalf("StartRouting: %v", err)
		}
		t.Cleanup(svc.StopRouting)
	}
	return &env{t: t, ctx: ctx, store: st, svc: svc, rec: rec}
}

func (e *env) must(err error, what string) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// agent stores a normal agent with a limit of maxChats and returns its
// actor.
func (e *env) agent(id string, maxChats int, groups ...int) chat.Actor {
	e.t.Helper()
	return e.agentAs(chat.RoleNormal, id, maxChats, groups...)
}

// agentAs stores an agent with a role and returns its actor.
func (e *env) agentAs(role, id string, maxChats int, groups ...int) chat.Actor {
	e.t.Helper()
	e.must(e.store.PutAgent(e.ctx, chat.Agent{ID: id, LicenseID: license, Name: id, Role: role, MaxChats: maxChats, Groups: groups, CreatedAt: time.Now()}), "PutAgent")
	return chat.Actor{LicenseID: license, UserID: id, Type: chat.UserAgent}
}

// connect logs an agent in as a session does.
func (e *env) connect(a chat.Actor) chat.RoutingStatus {
	status, after := e.svc.AgentConnected(a.LicenseID, a.UserID)
	after(e.ctx)
	return status
}

// customer logs a customer in and returns its actor.
func (e *env) customer(id string) chat.Actor {
	e.t.Helper()
	_, err := e.svc.LoginCustomer(e.ctx, license, id, chat.LoginInfo{})
	e.must(err, "LoginCustomer "+id)
	return chat.Actor{LicenseID: license, UserID: id, Type: chat.UserCustomer}
}

func message(text string) chat.Event { return chat.Event{Type: chat.EventMessage, Text: text} }

// startChat starts a chat of a new customer and returns the chat's id.
func (e *env) startChat(customerID string) string {
	e.t.Helper()
	c, _, err := e.svc.StartChat(e.ctx, e.customer(customerID), chat.StartChat{Events: []chat.Event{message("hello")}})
	e.must(err, "StartChat")
	return c.ID
}

// agentsIn returns the present agents of a chat.
func (e *env) agentsIn(chatID string) []string {
	e.t.Helper()
	c, err := e.store.Chat(e.ctx, chatID)
	e.must(err, "Chat")
	var out []string
	for _, u := range c.Users {
		if u.Present && u.Type == chat.UserAgent {
			out = append(out, u.ID)
		}
	}
	return out
}

// wantAgents fails the test unless the chat's present agents are want.
func (e *env) wantAgents(chatID string, want ...string) {
	e.t.Helper()
	if got := e.agentsIn(chatID); !slices.Equal(got, want) {
		e.t.Errorf("agents of chat %s: %v, want %v", chatID, got, want)
	}
}

func wantErr(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}
