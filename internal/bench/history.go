package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// HistoryConfig configures a [History] run.
type HistoryConfig struct {
	Target
	// Events is the number of events the chat holds. Zero: 100,000.
	Events int
	// ThreadEvents is the number of events per thread: the chat is a
	// sequence of threads, each closed and the next opened, as a returning
	// visitor's chat is. Zero: 100.
	ThreadEvents int
	// Window is the number of sends in flight while filling. Zero: 10.
	Window int
	// Requests is how many times each request is timed. Zero: 200.
	Requests int
	// Progress, if not nil, is called while filling with the number of
	// events stored so far.
	Progress func(stored int)
}

// HistoryResult is what a [History] run measured.
type HistoryResult struct {
	Events  int `json:"events"`
	Threads int `json:"threads"`
	// FillPerSec is the rate at which the chat was filled.
	FillPerSec float64 `json:"fill_per_s"`
	// Login is the customer's login, which carries the chats summary.
	Login Latency `json:"login"`
	// ChatsSummary is get_chats_summary.
	ChatsSummary Latency `json:"get_chats_summary"`
	// ThreadsSummary is get_chat_threads_summary of the newest 25 threads.
	ThreadsSummary Latency `json:"get_chat_threads_summary"`
	// Page is get_chat_threads of one thread: a history page.
	Page Latency `json:"get_chat_threads"`
}

// History fills one chat and times the requests that read it back; see
// [HistoryConfig].
func History(ctx context.Context, cfg HistoryConfig) (HistoryResult, error) {
	cfg.init()
	if cfg.Events <= 0 {
		cfg.Events = 100_000
	}
	if cfg.ThreadEvents <= 0 {
		cfg.ThreadEvents = 100
	}
	if cfg.Window <= 0 {
		cfg.Window = 10
	}
	if cfg.Requests <= 0 {
		cfg.Requests = 200
	}
	res := HistoryResult{Events: cfg.Events}
	cc, err := cfg.dialCustomer(ctx, nil)
	if err != nil {
		return res, err
	}
	defer cc.close()
	c := cc.conn
	if err := cc.startChat(ctx); err != nil {
		return res, err
	}

	t0 := time.Now()
	var lastThread string
	for stored := 0; stored < cfg.Events; {
		if stored > 0 {
			if _, err := c.call(ctx, "close_thread", map[string]any{"chat_id": cc.chatID}); err != nil {
				return res, err
			}
			if _, err := c.call(ctx, "activate_chat", map[string]any{"chat": map[string]any{"id": cc.chatID}}); err != nil {
				return res, err
			}
		}
		n := min(cfg.ThreadEvents, cfg.Events-stored)
		if err := fill(ctx, cc, n, cfg.Window); err != nil {
			return res, err
		}
		stored += n
		res.Threads++
		if cfg.Progress != nil {
			cfg.Progress(stored)
		}
	}
	res.FillPerSec = float64(cfg.Events) / time.Since(t0).Seconds()

	f, err := c.call(ctx, "get_chat_threads_summary", map[string]any{"chat_id": cc.chatID, "limit": 25})
	if err != nil {
		return res, err
	}
	var ts struct {
		ThreadsSummary []struct {
			ID string `json:"id"`
		} `json:"threads_summary"`
	}
	if err := json.Unmarshal(f.Payload, &ts); err != nil || len(ts.ThreadsSummary) == 0 {
		return res, fmt.Errorf("get_chat_threads_summary: no threads in %.200s", f.Payload)
	}
	lastThread = ts.ThreadsSummary[0].ID

	timeCalls := func(n int, action string, payload any) (Latency, error) {
		var d []time.Duration
		for range n {
			s := time.Now()
			if _, err := c.call(ctx, action, payload); err != nil {
				return Latency{}, err
			}
			d = append(d, time.Since(s))
		}
		return summarize(d), nil
	}
	if res.ChatsSummary, err = timeCalls(cfg.Requests, "get_chats_summary", map[string]any{}); err != nil {
		return res, err
	}
	if res.ThreadsSummary, err = timeCalls(cfg.Requests, "get_chat_threads_summary", map[string]any{"chat_id": cc.chatID, "limit": 25}); err != nil {
		return res, err
	}
	if res.Page, err = timeCalls(cfg.Requests, "get_chat_threads", map[string]any{"chat_id": cc.chatID, "thread_ids": []string{lastThread}}); err != nil {
		return res, err
	}
	var logins []time.Duration
	for range min(cfg.Requests, 50) {
		l, err := dial(ctx, cfg.client(), cfg.customerURL(), nil)
		if err != nil {
			return res, err
		}
		s := time.Now()
		_, err = l.login(ctx, cc.token, nil)
		logins = append(logins, time.Since(s))
		l.close()
		if err != nil {
			return res, err
		}
	}
	res.Login = summarize(logins)
	return res, nil
}

// fill sends n messages into the customer's chat with window in flight.
func fill(ctx context.Context, cc *customerConn, n, window int) error {
	errc := make(chan error, n)
	slots := make(chan struct{}, window)
	for i := range n {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		cc.send("send_event", map[string]any{"chat_id": cc.chatID, "event": map[string]any{"type": "message", "text": fmt.Sprint("history ", i)}}, func(r reply) {
			<-slots
			if r.err == nil {
				if msg, bad := r.f.failed(); bad {
					r.err = fmt.Errorf("send_event: %s", msg)
				}
			}
			errc <- r.err
		})
	}
	for range n {
		if err := <-errc; err != nil {
			return err
		}
	}
	return nil
}
