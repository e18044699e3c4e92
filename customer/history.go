package customer

import (
	"context"
	"iter"
	"slices"

	"github.com/parleychat/parley/protocol"
)

// historyBatch is how many events one Next loads at least (whole threads),
// as in the JS SDK.
const historyBatch = 50

// History walks a chat's events across its threads, newest first, one
// page per Next: whole threads, at least 50 events when there are, as in
// the JS SDK, and never more than the server puts in one answer (about
// 1 MiB of events): a longer thread comes in as many pages as it takes.
// Concurrent Next calls are queued and never interleaved. Get one with
// SDK.GetChatHistory.
type History struct {
	s    *SDK
	chat string
	turn chan struct{} // holds a token while a Next runs

	started     bool
	pending     []protocol.ThreadSummary // older threads not fetched yet, newest first
	leftToFetch int
	done        bool

	// The batch of threads being read, while the server has more pages
	// of it: its ids (oldest first), the next page and the threads
	// already told as ThreadSummary.
	batch   []string
	page    string
	summary map[string]protocol.ThreadSummary
}

// GetChatHistory returns an iterator over the chat's history. Nothing is
// sent until the first Next.
func (s *SDK) GetChatHistory(chatID string) *History {
	return &History{s: s, chat: chatID, turn: make(chan struct{}, 1)}
}

// Next returns the next (older) page of events, oldest first within the
// page, and done = true once the chat's first event is in a returned page.
// After done, Next returns (nil, true, nil) without asking the server. On
// error the position is unchanged, so Next can be called again.
func (h *History) Next(ctx context.Context) (events []Event, done bool, err error) {
	select {
	case h.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
	defer func() { <-h.turn }()
	if h.done {
		return nil, true, nil
	}
	if h.page != "" {
		return h.read(ctx, 0)
	}
	if !h.started {
		sum, err := h.threadsSummary(ctx, 0)
		if err != nil {
			return nil, false, err
		}
		h.pending, h.leftToFetch, h.started = sum.ThreadsSummary, sum.TotalThreads, true
	}
	if len(h.pending) == 0 && h.leftToFetch > 0 {
		sum, err := h.threadsSummary(ctx, 0)
		if err != nil {
			return nil, false, err
		}
		if sum, err = h.threadsSummary(ctx, max(0, sum.TotalThreads-h.leftToFetch)); err != nil {
			return nil, false, err
		}
		h.pending = sum.ThreadsSummary
	}
	n, count := 0, 0
	for n < len(h.pending) && count < historyBatch {
		count += h.pending[n].TotalEvents
		n++
	}
	if n == 0 {
		h.done = true
		return nil, true, nil
	}
	h.batch = make([]string, n)
	h.summary = make(map[string]protocol.ThreadSummary, n)
	for i, t := range h.pending[:n] {
		h.batch[n-1-i] = t.ID // oldest first
		h.summary[t.ID] = t
	}
	return h.read(ctx, n)
}

// read fetches the next page of the current batch; taken is how many
// threads of pending the batch takes when this is its first page.
func (h *History) read(ctx context.Context, taken int) ([]Event, bool, error) {
	r, err := h.s.chatThreadsPage(ctx, h.chat, h.batch, h.page)
	if err != nil {
		return nil, false, err
	}
	threads, next := h.s.fromChatThreads(h.chat, r), r.NextPageID
	var events []Event
	for _, t := range threads {
		if sum, ok := h.summary[t.ID]; ok {
			// Told once, when its newest events come.
			delete(h.summary, t.ID)
			h.s.core.Emit(ThreadSummary{ID: t.ID, Chat: h.chat, Active: t.Active, Order: t.Order, Properties: t.Properties, TotalEvents: sum.TotalEvents})
		}
		events = append(events, t.Events...)
	}
	h.pending = h.pending[taken:]
	h.leftToFetch -= taken
	h.page = next
	if next == "" {
		h.batch, h.summary = nil, nil
	}
	h.done = h.leftToFetch <= 0 && next == ""
	return events, h.done, nil
}

func (h *History) threadsSummary(ctx context.Context, offset int) (protocol.ThreadsSummaryResponse, error) {
	var r protocol.ThreadsSummaryResponse
	err := h.s.callInto(ctx, protocol.ActionGetChatThreadsSummary, map[string]any{"chat_id": h.chat, "offset": offset, "limit": 25}, &r)
	slices.SortFunc(r.ThreadsSummary, func(a, b protocol.ThreadSummary) int { return b.Order - a.Order })
	return r, err
}

// All yields the chat's events from the newest to the oldest, loading
// pages as it goes. It stops at the first error, which it yields.
func (h *History) All(ctx context.Context) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			evs, done, err := h.Next(ctx)
			if err != nil {
				yield(Event{}, err)
				return
			}
			for i := len(evs) - 1; i >= 0; i-- {
				if !yield(evs[i], nil) {
					return
				}
			}
			if done {
				return
			}
		}
	}
}
