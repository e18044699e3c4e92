package agent_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/server/chat"
)

// TestListCannedResponses: a normal agent lists its license's saved
// replies, ordered by shortcut, and none of another license's.
func TestListCannedResponses(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	ctx, st := context.Background(), srv.Store()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, r := range []chat.CannedResponse{
		{LicenseID: srv.License, Shortcut: "shipping", Text: "We ship in 2 days.", CreatedBy: srv.AgentEmail, UpdatedAt: at},
		{LicenseID: srv.License, Shortcut: "hi", Text: "Hello!", CreatedBy: srv.AgentEmail, UpdatedAt: at},
		{LicenseID: srv.License + 1, Shortcut: "other", Text: "Not yours"},
	} {
		if _, err := st.PutCannedResponse(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	srv.addAgent(t, "norm@shop.test", "Norm", "secret-password")
	c, _ := connected(t, srv, func(cfg *agent.Config) {
		cfg.Token, cfg.Email, cfg.Password = srv.AgentToken(t, "norm@shop.test"), "", ""
	})
	rs, err := c.ListCannedResponses(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Shortcut != "hi" || rs[1].Shortcut != "shipping" || rs[1].Text != "We ship in 2 days." ||
		rs[1].CreatedBy != srv.AgentEmail || !rs[1].UpdatedAt.Equal(at) || rs[0].ID == 0 {
		t.Errorf("ListCannedResponses = %+v", rs)
	}
}
