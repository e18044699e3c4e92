package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

const (
	workers   = 12
	perWorker = 15
)

// parallel runs fn(i) for i in [0, n) in n goroutines and returns their
// errors.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func testConcurrency(t *testing.T, mk func(*testing.T) *env) {
	t.Run("AppendOrders", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		at := e.now()
		errs := parallel(workers, func(w int) error {
			for i := 0; i < perWorker; i++ {
				ev := chat.Event{ID: fmt.Sprintf("%s-w%d-%d", c.ID, w, i), ChatID: c.ID, Type: chat.EventMessage,
					AuthorID: customer, CreatedAt: at, Text: "m"}
				if i%3 == 0 {
					ev.CustomID = fmt.Sprintf("w%d-%d", w, i)
				}
				res, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev, Mode: chat.AppendActive})
				if err != nil {
					return err
				}
				if res.Duplicate || res.Event.ThreadID != th.ID {
					return fmt.Errorf("event %s: Duplicate %v thread %s", ev.ID, res.Duplicate, res.Event.ThreadID)
				}
				// Readers run alongside the writers.
				if _, err := e.s.Chat(e.ctx, c.ID); err != nil {
					return err
				}
			}
			return nil
		})
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		want := 1 + workers*perWorker
		got := e.thread(c.ID, th.ID)
		if got.TotalEvents != want || len(got.Events) != want {
			t.Fatalf("thread: got TotalEvents %d and %d events, want %d", got.TotalEvents, len(got.Events), want)
		}
		seen := map[string]bool{}
		for i, ev := range got.Events {
			if ev.Order != i+1 {
				t.Fatalf("event %d has order %d: orders not distinct and gap-free", i, ev.Order)
			}
			if seen[ev.ID] {
				t.Fatalf("event %s stored twice", ev.ID)
			}
			seen[ev.ID] = true
		}
	})
	t.Run("CustomIDDedup", func(t *testing.T) {
		e := mk(t)
		c, th := e.newChat()
		results := make([]chat.AppendResult, workers)
		at := e.now()
		errs := parallel(workers, func(w int) error {
			ev := chat.Event{ID: fmt.Sprintf("%s-try%d", c.ID, w), ChatID: c.ID, Type: chat.EventMessage,
				AuthorID: customer, CreatedAt: at, Text: "retried", CustomID: "same"}
			res, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev, Mode: chat.AppendActive})
			results[w] = res
			return err
		})
		stored := ""
		fresh := 0
		for w, err := range errs {
			if err != nil {
				t.Fatalf("worker %d: %v", w, err)
			}
			if !results[w].Duplicate {
				fresh++
			}
			if stored == "" {
				stored = results[w].Event.ID
			}
			if results[w].Event.ID != stored {
				t.Errorf("worker %d got event %s, another got %s", w, results[w].Event.ID, stored)
			}
		}
		if fresh != 1 {
			t.Errorf("%d appends were not duplicates, want 1", fresh)
		}
		if got := e.thread(c.ID, th.ID); got.TotalEvents != 2 || len(got.Events) != 2 {
			t.Errorf("thread: got TotalEvents %d and %d events, want 2", got.TotalEvents, len(got.Events))
		}
	})
	t.Run("OpenOnce", func(t *testing.T) {
		e := mk(t)
		c, _ := e.newChat()
		e.close(c.ID)
		results := make([]chat.AppendResult, workers)
		at := e.now()
		errs := parallel(workers, func(w int) error {
			ev := chat.Event{ID: fmt.Sprintf("%s-open%d", c.ID, w), ChatID: c.ID, Type: chat.EventMessage,
				AuthorID: customer, CreatedAt: at, Text: "hello?"}
			res, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev, Mode: chat.AppendOrOpen, NewThreadID: fmt.Sprintf("%s-thread%d", c.ID, w)})
			results[w] = res
			return err
		})
		opened := 0
		threadIDs := map[string]bool{}
		orders := map[int]bool{}
		for w, err := range errs {
			if err != nil {
				t.Fatalf("worker %d: %v", w, err)
			}
			if results[w].Opened {
				opened++
			}
			threadIDs[results[w].Thread.ID] = true
			orders[results[w].Event.Order] = true
		}
		if opened != 1 || len(threadIDs) != 1 || len(orders) != workers {
			t.Errorf("got %d opened, %d threads, %d distinct orders; want 1, 1, %d", opened, len(threadIDs), len(orders), workers)
		}
		_, total, err := e.s.Threads(e.ctx, c.ID, 0, 0)
		e.must(err, "Threads")
		if total != 2 {
			t.Errorf("threads: got %d, want 2", total)
		}
	})
	t.Run("ManyChats", func(t *testing.T) {
		e := mk(t)
		chats := make([]chat.Chat, workers)
		for i := range chats {
			chats[i], _ = e.newChat()
		}
		at := e.now()
		errs := parallel(workers, func(w int) error {
			for i := 0; i < perWorker; i++ {
				c := chats[(w+i)%len(chats)]
				ev := chat.Event{ID: fmt.Sprintf("many-%d-%d-%s", w, i, c.ID), ChatID: c.ID, Type: chat.EventMessage, AuthorID: agent, CreatedAt: at, Text: "x"}
				if _, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev, Mode: chat.AppendOrOpen, NewThreadID: id("thread")}); err != nil {
					return err
				}
				if err := e.s.UpdateChatProperties(e.ctx, c.ID, chat.Properties{"w": {fmt.Sprint(w): float64(i)}}); err != nil {
					return err
				}
				if _, _, err := e.s.Chats(e.ctx, chat.ChatFilter{MemberID: agent}, 0, 5); err != nil {
					return err
				}
			}
			return nil
		})
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		total := 0
		for _, c := range chats {
			th := e.thread(c.ID, c.LastThreadID)
			for i, ev := range th.Events {
				if ev.Order != i+1 {
					t.Fatalf("chat %s: event %d has order %d", c.ID, i, ev.Order)
				}
			}
			total += th.TotalEvents - 1
			if props := e.chat(c.ID).Properties["w"]; len(props) != workers {
				t.Errorf("chat %s: %d property updates kept, want %d", c.ID, len(props), workers)
			}
		}
		if total != workers*perWorker {
			t.Errorf("appended events: got %d, want %d", total, workers*perWorker)
		}
	})
}
