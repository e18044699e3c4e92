package agent_test

import (
	"testing"
	"time"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/protocol"
)

// TestGetReport: a chat answered, closed and rated shows in the owner's
// report of today, not in that of a normal agent of another group; a
// range too long is a validation error. (The numbers themselves are
// checked against hand-computed fixtures in server/chat.)
func TestGetReport(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c, rec := connected(t, srv)
	me := c.MyProfile().ID
	cust, _, ch := startChat(t, srv, rec, "Where is my parcel?")
	ctx := ctxT(t)
	if _, err := c.SendEvent(ctx, ch.ID, agent.Event{Type: agent.EventMessage, Text: "On its way"}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeactivateChat(ctx, ch.ID); err != nil {
		t.Fatal(err)
	}
	if err := cust.RateChat(ctx, ch.ID, customer.Rating{Score: customer.RatingGood, Comment: "Fast"}); err != nil {
		t.Fatal(err)
	}

	today := time.Now().UTC().Truncate(24 * time.Hour)
	q := agent.ReportQuery{From: today.AddDate(0, 0, -6), To: today}
	r, err := c.GetReport(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !r.From.Equal(q.From) || !r.To.Equal(today) || len(r.Days) != 7 || r.Days[6].Chats != 1 || !r.Days[6].Day.Equal(today) {
		t.Errorf("days of the report: %v to %v, %+v", r.From, r.To, r.Days)
	}
	tot := r.Total
	if tot.Chats != 1 || tot.Answered != 1 || tot.Closed != 1 || tot.Good != 1 || tot.Bad != 0 ||
		tot.FirstResponse.Count != 1 || tot.Resolution.Count != 1 || tot.Resolution.Median < tot.FirstResponse.Median ||
		tot.Resolution.P90 != tot.Resolution.Median {
		t.Errorf("total = %+v", tot)
	}
	if len(r.Agents) != 1 || r.Agents[0].AgentID != me || r.Agents[0].ReportStats != tot {
		t.Errorf("agents = %+v, want %s with the total", r.Agents, me)
	}
	if len(r.Groups) != 1 || r.Groups[0].GroupID != 0 || r.Groups[0].ReportStats != tot {
		t.Errorf("groups = %+v, want group 0 with the total", r.Groups)
	}
	if len(r.Comments) != 1 || r.Comments[0].Comment != "Fast" || !r.Comments[0].Good || r.Comments[0].ChatID != ch.ID ||
		r.Comments[0].AgentID != me || r.Comments[0].ThreadStart.Before(today) {
		t.Errorf("comments = %+v", r.Comments)
	}

	// A group filter that leaves the chat out.
	g := 4
	r, err = c.GetReport(ctx, agent.ReportQuery{From: today, To: today, GroupID: &g})
	if err != nil || r.Total.Chats != 0 || len(r.Days) != 1 || r.Days[0].Chats != 0 || len(r.Agents) != 0 {
		t.Errorf("report of group 4: %+v, %v", r, err)
	}

	// A normal agent of group 4 sees nothing of group 0.
	srv.addAgent(t, "out@parley.test", "Out", "secret-out-1", 4)
	out, _ := connected(t, srv, func(cfg *agent.Config) {
		cfg.Token, cfg.Email, cfg.Password = srv.AgentToken(t, "out@parley.test"), "out@parley.test", "secret-out-1"
	})
	r, err = out.GetReport(ctx, q)
	if err != nil || r.Total.Chats != 0 || len(r.Comments) != 0 || len(r.Groups) != 0 {
		t.Errorf("report of an agent of another group: %+v, %v", r, err)
	}

	_, err = c.GetReport(ctx, agent.ReportQuery{From: today.AddDate(0, 0, -366), To: today})
	if !agent.IsType(err, protocol.ErrValidation) {
		t.Errorf("a report of 367 days: %v, want a validation error", err)
	}
}
