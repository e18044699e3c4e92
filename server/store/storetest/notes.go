package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// testNotes checks private notes (Event.Visibility agents): stored and
// read back as they are by agents, skipped by a customer's reads, never a
// customer's last event.
func testNotes(t *testing.T, mk func(*testing.T) *env) {
	e := mk(t)
	c, th := e.newChat() // its first event is the customer's message, order 1
	note := e.message(c.ID, agent, "the customer is a VIP")
	note.Visibility = chat.VisibilityAgents
	r := e.append(chat.AppendActive, note)
	if r.Event.Visibility != chat.VisibilityAgents {
		t.Errorf("AppendEvent: visibility %q, want agents", r.Event.Visibility)
	}
	reply := e.message(c.ID, agent, "hello")
	e.append(chat.AppendActive, reply)
	note2 := e.message(c.ID, agent, "newest note")
	note2.Visibility = chat.VisibilityAgents
	e.append(chat.AppendActive, note2)
	sysNote := e.system(c.ID, "agent.note")
	sysNote.Visibility = chat.VisibilityAgents
	e.append(chat.AppendActive, sysNote)

	t.Run("ThreadEvents", func(t *testing.T) {
		agentsSee, err := e.s.ThreadEvents(e.ctx, c.ID, th.ID, 0, 0, chat.UserAgent)
		e.must(err, "ThreadEvents agent")
		if got := orders(agentsSee); !slices.Equal(got, []int{5, 4, 3, 2, 1}) {
			t.Errorf("agent's events: orders %v, want 5…1", got)
		}
		for _, ev := range agentsSee {
			if ev.ID == note.ID {
				checkEvent(t, "note", ev, stored(note, th.ID, 2))
			}
		}
		customerSees, err := e.s.ThreadEvents(e.ctx, c.ID, th.ID, 0, 0, chat.UserCustomer)
		e.must(err, "ThreadEvents customer")
		if got := orders(customerSees); !slices.Equal(got, []int{3, 1}) {
			t.Errorf("customer's events: orders %v, want [3 1]", got)
		}
		// A page of one, then the next from its order: the limit counts
		// what the customer gets, the notes between make no empty page.
		page, err := e.s.ThreadEvents(e.ctx, c.ID, th.ID, 0, 1, chat.UserCustomer)
		e.must(err, "ThreadEvents customer page")
		if got := orders(page); !slices.Equal(got, []int{3}) {
			t.Fatalf("customer's first page: orders %v, want [3]", got)
		}
		page, err = e.s.ThreadEvents(e.ctx, c.ID, th.ID, 3, 1, chat.UserCustomer)
		e.must(err, "ThreadEvents customer page 2")
		if got := orders(page); !slices.Equal(got, []int{1}) {
			t.Errorf("customer's second page: orders %v, want [1]", got)
		}
	})
	t.Run("LastEvents", func(t *testing.T) {
		agents, err := e.s.LastEvents(e.ctx, c.ID, chat.UserAgent)
		e.must(err, "LastEvents agent")
		if got := agents[chat.EventMessage].Event.ID; got != note2.ID {
			t.Errorf("agent's last message %s, want the note %s", got, note2.ID)
		}
		if got := agents[chat.EventSystemMessage].Event.ID; got != sysNote.ID {
			t.Errorf("agent's last system message %s, want the note %s", got, sysNote.ID)
		}
		customers, err := e.s.LastEvents(e.ctx, c.ID, chat.UserCustomer)
		e.must(err, "LastEvents customer")
		if got := customers[chat.EventMessage].Event.ID; got != reply.ID {
			t.Errorf("customer's last message %s, want the reply %s", got, reply.ID)
		}
		if le, ok := customers[chat.EventSystemMessage]; ok {
			t.Errorf("customer's last events hold the note %s", le.Event.ID)
		}
		for typ, le := range customers {
			if le.Event.AgentsOnly() {
				t.Errorf("customer's last %s is a note", typ)
			}
		}
	})
	t.Run("ReportThreads", func(t *testing.T) {
		ths, err := e.s.ReportThreads(e.ctx, license, base.Add(-time.Hour), e.now().Add(time.Hour), 10)
		e.must(err, "ReportThreads")
		for _, r := range ths {
			if r.ThreadID == th.ID && !r.AnsweredAt.Equal(reply.CreatedAt) {
				t.Errorf("AnsweredAt %v, want the reply's %v (a note answers nobody)", r.AnsweredAt, reply.CreatedAt)
			}
		}
		if len(ths) == 0 {
			t.Error("ReportThreads: no thread")
		}
	})
	t.Run("TotalEvents", func(t *testing.T) {
		got, err := e.s.Thread(e.ctx, c.ID, th.ID)
		e.must(err, "Thread")
		if got.TotalEvents != 5 {
			t.Errorf("TotalEvents %d, want 5 (notes count)", got.TotalEvents)
		}
	})
}

func orders(evs []chat.Event) []int {
	out := make([]int, len(evs))
	for i, e := range evs {
		out[i] = e.Order
	}
	return out
}
