package customer_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/server/chat"
)

// TestHistoryOfAHugeThread: a chat whose one thread holds 100,000 events
// (some 18 MB as JSON, four times what a Go client reads in one frame) is
// read page by page with GetChatHistory, newest first, every event once,
// and the connection never drops: the server cuts its answers to about
// protocol.DefaultPageBytes of events.
func TestHistoryOfAHugeThread(t *testing.T) {
	if testing.Short() {
		t.Skip("stores and reads 100,000 events")
	}
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv)
	const n = 100_000
	chatID := tHugeChat(t, srv, sdk.CustomerID(), n)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	h := sdk.GetChatHistory(chatID)
	next, pages := n, 0
	for {
		evs, done, err := h.Next(ctx)
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		if len(evs) == 0 && !done {
			t.Fatalf("page %d is empty", pages)
		}
		// Oldest first within the page, right below the previous page.
		for i := len(evs) - 1; i >= 0; i-- {
			if want := fmt.Sprint("e", next); evs[i].ID != want {
				t.Fatalf("page %d event %d is %s, want %s", pages, i, evs[i].ID, want)
			}
			next--
		}
		if done {
			break
		}
	}
	if next != 0 {
		t.Fatalf("history ended with %d events unread", next)
	}
	if pages < 18 {
		t.Errorf("read in %d pages: the answers are larger than they should be", pages)
	}
	if lost := tOf[customer.ConnectionLost](rec); len(lost) > 0 {
		t.Fatalf("the connection dropped while reading: %v", lost[0].Err)
	}
	sums := tOf[customer.ThreadSummary](rec)
	if len(sums) != 1 || sums[0].TotalEvents != n {
		t.Errorf("thread summaries %+v, want one of %d events", sums, n)
	}
	t.Logf("%d events in %d pages", n, pages)
}

// tHugeChat stores, for the customer, a chat whose one thread holds n
// messages with ids e1…en, through the server's store (in one
// transaction; sending them would take far longer).
func tHugeChat(t *testing.T, srv *parleytest.Server, customerID string, n int) string {
	t.Helper()
	at := time.Now()
	nc := chat.NewChat{
		Chat: chat.Chat{ID: chat.NewID(5), LicenseID: srv.License, CustomerID: customerID, GroupIDs: []int{0},
			Users: []chat.User{{ID: customerID, Type: chat.UserCustomer, Present: true}}, CreatedAt: at},
		Thread: chat.Thread{ID: chat.NewID(5), CreatedAt: at},
	}
	text := strings.Repeat("x", 100)
	for i := range n {
		nc.Events = append(nc.Events, chat.Event{ID: fmt.Sprint("e", i+1), Type: chat.EventMessage, AuthorID: customerID, CreatedAt: at, Text: text})
	}
	c, th, err := srv.Store().CreateChat(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	if th.TotalEvents != n {
		t.Fatalf("stored a thread of %d events, want %d", th.TotalEvents, n)
	}
	return c.ID
}

// TestHistoryPagesInsideThreads: with pages of a few events, threads are
// cut across pages; GetChatThreads still returns every thread whole, and
// GetChatHistory every event once, newest first.
func TestHistoryPagesInsideThreads(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t, func(c *server.Config) { c.PageBytes = 1200 })
	sdk, _ := tInit(t, srv)
	c, threads, all := tHistoryChat(t, sdk)

	// tHistoryChat read all with GetChatThreads: check it against what was
	// sent, thread by thread.
	var got []string
	for _, e := range all {
		if e.Type == customer.EventMessage {
			got = append(got, e.Text)
		}
	}
	var want []string
	for i, n := range []int{49, 20, 30, 60, 3} {
		for j := range n {
			want = append(want, fmt.Sprintf("t%d-%d", i+1, j))
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("GetChatThreads over pages: messages\n%v\nwant\n%v", got, want)
	}
	if len(threads) != 5 {
		t.Fatalf("%d threads", len(threads))
	}

	var walked []string
	pages := 0
	h := sdk.GetChatHistory(c.ID)
	for {
		evs, done, err := h.Next(tCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for i := len(evs) - 1; i >= 0; i-- {
			walked = append(walked, evs[i].ID)
		}
		if done {
			break
		}
	}
	ids := tIDs(all)
	slices.Reverse(ids)
	if !slices.Equal(walked, ids) {
		t.Fatalf("history walked %d events, want the %d of the chat newest first", len(walked), len(ids))
	}
	if pages < 20 {
		t.Errorf("%d pages of at most 1200 bytes for %d events", pages, len(ids))
	}
}
