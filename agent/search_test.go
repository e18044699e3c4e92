package agent_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/protocol"
)

// TestSearchChats: a closed chat is found by a word of its messages, the
// last word as a prefix, with a snippet; a query of operators finds
// nothing; a normal agent of another group finds nothing of it; a query
// too long is a validation error.
func TestSearchChats(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c, rec := connected(t, srv)
	cust, _, ch := startChat(t, srv, rec, "My parcel never arrived")
	ctx := ctxT(t)
	sent, err := c.SendEvent(ctx, ch.ID, agent.Event{Type: agent.EventMessage, Text: "Sorry: which parcel number?"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeactivateChat(ctx, ch.ID); err != nil {
		t.Fatal(err)
	}

	r, err := c.SearchChats(ctx, agent.SearchOptions{Query: "PARCEL numb"})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Chats) != 1 || r.More {
		t.Fatalf("SearchChats = %+v, want the chat", r)
	}
	h := r.Chats[0]
	if h.ChatID != ch.ID || h.EventID != sent.ID || len(h.EventIDs) != 1 || h.Snippet != "Sorry: which parcel number?" || h.At.IsZero() {
		t.Errorf("hit = %+v", h)
	}
	r, err = c.SearchChats(ctx, agent.SearchOptions{Query: "parcel"})
	if err != nil || len(r.Chats) != 1 || len(r.Chats[0].EventIDs) != 2 {
		t.Errorf("SearchChats parcel = %+v, %v; want both messages", r, err)
	}
	r, err = c.SearchChats(ctx, agent.SearchOptions{Query: `" OR * ( ) NEAR:`})
	if err != nil || len(r.Chats) != 0 {
		t.Errorf("SearchChats of operators = %+v, %v; want nothing", r, err)
	}

	// The customer's name and e-mail address, as the customer changes
	// them, find the chat too.
	if err := cust.UpdateCustomer(ctx, customer.CustomerUpdate{Email: "carla.jones@shop.example"}); err != nil {
		t.Fatal(err)
	}
	r, err = c.SearchChats(ctx, agent.SearchOptions{Query: "carla shop"})
	if err != nil || len(r.Chats) != 1 {
		t.Fatalf("SearchChats by the customer = %+v, %v", r, err)
	}
	if h := r.Chats[0]; h.ChatID != ch.ID || !h.ByCustomer || h.EventID != "" || len(h.EventIDs) != 0 ||
		h.Snippet != "Carla · carla.jones@shop.example" || h.CustomerName != "Carla" || h.At.IsZero() {
		t.Errorf("hit by the customer = %+v", h)
	}
	if r, err := c.SearchChats(ctx, agent.SearchOptions{Query: "carla parcel"}); err != nil || len(r.Chats) != 0 {
		t.Errorf("a word of the customer and one of a message = %+v, %v; want nothing", r, err)
	}

	srv.addAgent(t, "out@parley.test", "Out", "secret-out-1", 4)
	out, _ := connected(t, srv, func(cfg *agent.Config) {
		cfg.Token, cfg.Email, cfg.Password = srv.AgentToken(t, "out@parley.test"), "out@parley.test", "secret-out-1"
	})
	r, err = out.SearchChats(ctx, agent.SearchOptions{Query: "parcel"})
	if err != nil || len(r.Chats) != 0 {
		t.Errorf("SearchChats by an agent of another group = %+v, %v; want nothing", r, err)
	}

	if _, err := c.SearchChats(ctx, agent.SearchOptions{Query: strings.Repeat("a", 201)}); !agent.IsType(err, protocol.ErrValidation) {
		t.Errorf("a query of 201 characters: %v, want a validation error", err)
	}
	if _, err := c.SearchChats(ctx, agent.SearchOptions{Query: "a", Limit: 101}); !errors.Is(err, agent.ErrLimitTooHigh) {
		t.Errorf("limit 101: %v, want ErrLimitTooHigh", err)
	}
}
