package client

import (
	"slices"

	"github.com/parleychat/parley/protocol"
)

// AllPages reads an answer of get_chat_threads or get_chat whole: page
// asks for one page (pageID "" for the first) and AllPages follows
// next_page_id to the end. Pages come newest first; the threads of all of
// them are joined oldest first, a thread cut between two pages made whole
// again. The chat's other fields are the first page's.
func AllPages(page func(pageID string) (protocol.ChatThreadsResponse, error)) (protocol.ChatThreadsResponse, error) {
	var all protocol.ChatThreadsResponse
	var threads []protocol.Thread // oldest first
	for id, first := "", true; first || id != ""; first = false {
		r, err := page(id)
		if err != nil {
			return protocol.ChatThreadsResponse{}, err
		}
		if first {
			all = r
		}
		ts := slices.Clone(r.Chat.Threads)
		slices.SortFunc(ts, func(a, b protocol.Thread) int { return a.Order - b.Order })
		if n := len(ts); n > 0 && len(threads) > 0 && threads[0].ID == ts[n-1].ID {
			// The previous page cut this thread: its older events are here.
			ts[n-1].Events = append(ts[n-1].Events, threads[0].Events...)
			threads = threads[1:]
		}
		threads = append(ts, threads...)
		id = r.NextPageID
	}
	all.Chat.Threads, all.NextPageID = threads, ""
	return all, nil
}
