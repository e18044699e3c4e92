package customer_test

// GetChatHistory: pages of whole threads, at least 50 events each when
// there are, newest page first; queued Next calls; All.

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/protocol"
)

// tHistoryChat makes a chat whose threads hold, oldest first, 50, 21, 31
// and 61 events (messages and the closing system message) and 3 (the
// active thread). History pages are then the threads {4, 5} (64 events),
// {2, 3} (52) and {1} (50). It returns the chat, its thread ids and every
// event of the chat, oldest first.
func tHistoryChat(t *testing.T, sdk *customer.SDK) (customer.Chat, []string, []customer.Event) {
	t.Helper()
	ctx := tCtx(t)
	msgs := func(thread, n int) customer.StartChatRequest {
		var r customer.StartChatRequest
		for i := range n {
			r.Events = append(r.Events, customer.Event{Type: customer.EventMessage, Text: fmt.Sprintf("t%d-%d", thread, i)})
		}
		return r
	}
	c, err := sdk.StartChat(ctx, msgs(1, 49))
	if err != nil {
		t.Fatal(err)
	}
	threads := []string{c.Thread}
	for i, n := range []int{20, 30, 60, 3} {
		if err := sdk.CloseThread(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		a, err := sdk.ActivateChat(ctx, c.ID, msgs(i+2, n))
		if err != nil {
			t.Fatal(err)
		}
		threads = append(threads, a.Thread)
	}
	ths, err := sdk.GetChatThreads(ctx, c.ID, threads)
	if err != nil {
		t.Fatal(err)
	}
	var all []customer.Event
	for i, th := range ths {
		if th.ID != threads[i] {
			t.Fatalf("thread %d is %s, want %s", i, th.ID, threads[i])
		}
		all = append(all, th.Events...)
	}
	if len(all) != 50+21+31+61+3 {
		t.Fatalf("the chat holds %d events", len(all))
	}
	return c, threads, all
}

// tIDs returns the events' ids.
func tIDs(es []customer.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

func TestGetChatHistory(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, rec := tInit(t, srv)
	c, threads, all := tHistoryChat(t, sdk)
	ctx := tCtx(t)
	// The pages, newest first.
	pages := [][]customer.Event{all[50+21+31:], all[50 : 50+21+31], all[:50]}

	at := rec.len()
	h := sdk.GetChatHistory(c.ID)
	for i, want := range pages {
		got, done, err := h.Next(ctx)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if !slices.Equal(tIDs(got), tIDs(want)) {
			t.Fatalf("page %d: %d events %q…, want %d events %q…", i, len(got), tTexts(got[:min(3, len(got))]), len(want), tTexts(want[:3]))
		}
		if wantDone := i == len(pages)-1; done != wantDone {
			t.Errorf("page %d: done = %v, want %v", i, done, wantDone)
		}
	}
	for range 2 {
		got, done, err := h.Next(ctx)
		if len(got) != 0 || !done || err != nil {
			t.Errorf("Next after done = %d events, %v, %v; want none, true, nil", len(got), done, err)
		}
	}
	// Every thread loaded is reported as a ThreadSummary.
	for i, id := range threads {
		ts, _ := tWaitFrom(t, rec, at, func(s customer.ThreadSummary) bool { return s.ID == id })
		if ts.Chat != c.ID || ts.Order != i+1 || ts.Active != (i == len(threads)-1) {
			t.Errorf("thread summary %d = %+v", i, ts)
		}
	}
	ts, _ := tWaitFrom(t, rec, at, func(s customer.ThreadSummary) bool { return s.ID == threads[3] })
	if ts.TotalEvents != 61 {
		t.Errorf("thread 4 summary has %d events, want 61", ts.TotalEvents)
	}
}

// TestGetChatHistoryConcurrentNext: Next calls made at once are queued:
// each gets its own page, in order, and none is torn.
func TestGetChatHistoryConcurrentNext(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	c, _, all := tHistoryChat(t, sdk)
	ctx := tCtx(t)
	pages := [][]string{tIDs(all[50+21+31:]), tIDs(all[50 : 50+21+31]), tIDs(all[:50])}

	h := sdk.GetChatHistory(c.ID)
	type result struct {
		ids  []string
		done bool
		err  error
	}
	const callers = 6
	results := make([]result, callers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range callers {
		wg.Go(func() {
			<-start
			evs, done, err := h.Next(ctx)
			results[i] = result{tIDs(evs), done, err}
		})
	}
	close(start)
	wg.Wait()

	served := make([]int, len(pages))
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("caller %d: %v", i, r.err)
		}
		if len(r.ids) == 0 {
			if !r.done {
				t.Errorf("caller %d: no events and not done", i)
			}
			continue
		}
		k := slices.IndexFunc(pages, func(p []string) bool { return slices.Equal(p, r.ids) })
		if k < 0 {
			t.Errorf("caller %d got %d events that are no page: a torn or mixed page", i, len(r.ids))
			continue
		}
		served[k]++
		if wantDone := k == len(pages)-1; r.done != wantDone {
			t.Errorf("page %d: done = %v", k, r.done)
		}
	}
	if !slices.Equal(served, []int{1, 1, 1}) {
		t.Errorf("pages served %v times, want each once", served)
	}
}

func TestHistoryAll(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	c, _, all := tHistoryChat(t, sdk)
	ctx := tCtx(t)

	var got []customer.Event
	for e, err := range sdk.GetChatHistory(c.ID).All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	want := slices.Clone(all)
	slices.Reverse(want)
	if !slices.Equal(tIDs(got), tIDs(want)) {
		t.Fatalf("All yielded %d events, want %d newest first", len(got), len(want))
	}
	if got[0].Text != "t5-2" || got[len(got)-1].Text != "t1-0" {
		t.Errorf("All yielded %q first and %q last", got[0].Text, got[len(got)-1].Text)
	}

	// Breaking out of the loop stops it.
	n := 0
	for range sdk.GetChatHistory(c.ID).All(ctx) {
		n++
		if n == 10 {
			break
		}
	}
	if n != 10 {
		t.Errorf("took %d", n)
	}

	// An error ends the iteration with the error.
	stranger, _ := tInit(t, srv)
	var errs []error
	for e, err := range stranger.GetChatHistory(c.ID).All(ctx) {
		if err == nil {
			t.Errorf("another customer read %+v", e)
		}
		errs = append(errs, err)
	}
	if len(errs) != 1 || !customer.IsType(errs[0], protocol.ErrNotFound) {
		t.Errorf("another customer's chat: %v, want one not_found", errs)
	}

	// A cancelled ctx fails Next and leaves the history where it was.
	h := sdk.GetChatHistory(c.ID)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := h.Next(cctx); err == nil {
		t.Error("Next with a cancelled ctx: no error")
	}
	evs, _, err := h.Next(ctx)
	if err != nil || len(evs) != 64 {
		t.Errorf("Next after a failed one: %d events, %v; want the first page", len(evs), err)
	}
}

// TestGetChatHistoryManyThreads: past the first 25 threads History asks
// for the older ones by offset from the current total, so a thread opened
// meanwhile neither shifts nor repeats the pages.
func TestGetChatHistoryManyThreads(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "thread 1")
	threads := []string{c.Thread}
	for i := 2; ; i++ {
		if err := sdk.CloseThread(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if i > 30 {
			break
		}
		threads = append(threads, tSend(t, sdk, c.ID, fmt.Sprint("thread ", i)).Thread)
	}
	ths, err := sdk.GetChatThreads(ctx, c.ID, threads)
	if err != nil {
		t.Fatal(err)
	}
	var all []customer.Event
	for _, th := range ths {
		all = append(all, th.Events...)
	}

	h := sdk.GetChatHistory(c.ID)
	first, done, err := h.Next(ctx)
	if err != nil || done {
		t.Fatalf("first page: done %v, %v", done, err)
	}
	// 25 threads of 2 events.
	if !slices.Equal(tIDs(first), tIDs(all[10:])) {
		t.Fatalf("first page: %d events from %q, want %d from %q", len(first), first[0].Text, len(all)-10, all[10].Text)
	}
	newer := tSend(t, sdk, c.ID, "a thread opened meanwhile")
	second, done, err := h.Next(ctx)
	if err != nil || !done {
		t.Fatalf("second page: done %v, %v", done, err)
	}
	if !slices.Equal(tIDs(second), tIDs(all[:10])) {
		t.Errorf("second page: %q, want the 5 oldest threads %q", tTexts(second), tTexts(all[:10]))
	}
	for _, e := range append(first, second...) {
		if e.ID == newer.ID {
			t.Error("the thread opened after the first page is in the history")
		}
	}
}
