package agent_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/server"
)

// TestHistoryPages: with answers of a few events each, GetChat and
// GetChatThreads follow the server's pages and return every thread whole.
func TestHistoryPages(t *testing.T) {
	srv := newServer(t, func(c *server.Config) { c.PageBytes = 600 })
	c, rec := connected(t, srv)
	cust, _, ch := startChat(t, srv, rec, "m0")
	ctx := ctxT(t)
	want := []string{"m0"}
	for i := 1; i < 30; i++ {
		text := fmt.Sprint("m", i)
		if _, err := cust.SendEvent(ctx, ch.ID, customer.Event{Type: customer.EventMessage, Text: text}); err != nil {
			t.Fatal(err)
		}
		want = append(want, text)
	}
	got, err := c.GetChat(ctx, ch.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	var gotTexts []string
	for _, e := range got.Thread.Events {
		gotTexts = append(gotTexts, e.Text)
	}
	if !slices.Equal(gotTexts, want) {
		t.Errorf("GetChat over pages: %v, want %v", gotTexts, want)
	}
	ths, err := c.GetChatThreads(ctx, ch.ID, []string{ch.Thread.ID})
	if err != nil {
		t.Fatal(err)
	}
	gotTexts = nil
	for _, e := range ths[0].Events {
		gotTexts = append(gotTexts, e.Text)
	}
	if len(ths) != 1 || !slices.Equal(gotTexts, want) {
		t.Errorf("GetChatThreads over pages: %d threads, %v, want %v", len(ths), gotTexts, want)
	}
}
