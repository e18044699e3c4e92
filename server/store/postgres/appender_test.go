package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/server/chat"
)

// newChat creates a chat with an active thread "t-"+id, its customer
// "c-"+id a member.
func newChat(t testing.TB, s *Store, id string) {
	t.Helper()
	at := time.Now()
	_, _, err := s.CreateChat(context.Background(), chat.NewChat{
		Chat: chat.Chat{ID: id, LicenseID: 1, CustomerID: "c-" + id,
			Users: []chat.User{{ID: "c-" + id, Type: chat.UserCustomer}}, CreatedAt: at},
		Thread: chat.Thread{ID: "t-" + id, CreatedAt: at},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// message is an append of a message by the chat's customer.
func message(chatID, id string) chat.AppendEvent {
	return chat.AppendEvent{Mode: chat.AppendOrOpen, NewThreadID: "t-" + id, Event: chat.Event{ID: id, ChatID: chatID,
		Type: chat.EventMessage, AuthorID: "c-" + chatID, CreatedAt: time.Now(), Text: id}}
}

// holdChat locks the chat's row from a connection of its own, as another
// node's transaction would, until release is called.
func holdChat(t *testing.T, s *Store, chatID string) (release func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.pool.Config().ConnConfig.ConnString())
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1 FROM chats WHERE id = $1 FOR UPDATE`, chatID); err != nil {
		t.Fatal(err)
	}
	release = sync.OnceFunc(func() {
		if err := tx.Commit(ctx); err != nil {
			t.Error(err)
		}
		conn.Close(ctx)
	})
	t.Cleanup(release)
	return release
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitQueued waits until n appends wait in the queue.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d appends queued", n), func() bool {
		s.appender.mu.Lock()
		defer s.appender.mu.Unlock()
		return len(s.appender.queue) >= n
	})
}

// waitLockWaits waits until n transactions wait for a row lock.
func waitLockWaits(t *testing.T, s *Store, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d transactions waiting for a lock", n), func() bool {
		var waiting int
		err := s.pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		return waiting >= n
	})
}

// occupy fills every batch slot with an append to a chat held by another
// transaction, so that the appends that follow queue up until release.
// done reports the occupying appends' errors once they return.
func occupy(t *testing.T, s *Store) (release func(), done <-chan error) {
	t.Helper()
	newChat(t, s, "held")
	release = holdChat(t, s, "held")
	errs := make(chan error, maxInFlight)
	for i := range maxInFlight {
		go func() {
			_, err := s.AppendEvent(context.Background(), message("held", fmt.Sprint("held-", i)))
			errs <- err
		}()
		// One at a time, so that each is a batch of its own.
		waitLockWaits(t, s, i+1)
	}
	return release, errs
}

// appendInOneBatch queues the appends, in this order, while the batch
// slots are occupied, so that they share one batch, and returns their
// outcomes.
func appendInOneBatch(t *testing.T, s *Store, appends ...chat.AppendEvent) ([]chat.AppendResult, []error) {
	t.Helper()
	release, occupied := occupy(t, s)
	res, errs := make([]chat.AppendResult, len(appends)), make([]error, len(appends))
	var wg sync.WaitGroup
	for i, a := range appends {
		wg.Go(func() { res[i], errs[i] = s.AppendEvent(context.Background(), a) })
		waitQueued(t, s, i+1)
	}
	release()
	for range maxInFlight {
		if err := <-occupied; err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	return res, errs
}

// eventIDs lists the events of a thread as id:order.
func eventIDs(t *testing.T, s *Store, chatID, threadID string) []string {
	t.Helper()
	ts, err := s.ThreadsByID(context.Background(), chatID, []string{threadID})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ts[0].Events {
		got = append(got, fmt.Sprintf("%s:%d", e.ID, e.Order))
	}
	if n := ts[0].TotalEvents; n != len(got) {
		t.Errorf("thread %s: TotalEvents %d, %d events", threadID, n, len(got))
	}
	return got
}

// Appends that come while the batch slots are busy share the next
// transaction: fewer commits than appends, each chat's appends in the
// order they were made.
func TestAppendBatch(t *testing.T) {
	s := open(t, testDB(t, true))
	const chats, per = 4, 25
	for c := range chats {
		newChat(t, s, fmt.Sprint("chat", c))
	}
	release, occupied := occupy(t, s)
	commits := s.appender.commits.Load()
	results := make(chan chat.AppendResult, chats*per)
	errs := make(chan error, chats*per)
	var wg sync.WaitGroup
	for c := range chats {
		wg.Go(func() {
			for i := range per {
				r, err := s.AppendEvent(context.Background(), message(fmt.Sprint("chat", c), fmt.Sprintf("e%d-%d", c, i)))
				results <- r
				errs <- err
			}
		})
	}
	waitQueued(t, s, chats)
	release()
	wg.Wait()
	for range maxInFlight {
		if err := <-occupied; err != nil {
			t.Fatal(err)
		}
	}
	close(results)
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	orders := map[string][]int{}
	for r := range results {
		if r.Thread.TotalEvents != r.Event.Order {
			t.Errorf("event %s: order %d, thread total %d", r.Event.ID, r.Event.Order, r.Thread.TotalEvents)
		}
		orders[r.Event.ChatID] = append(orders[r.Event.ChatID], r.Event.Order)
	}
	for c, os := range orders {
		for i, o := range os {
			if o != i+1 {
				t.Fatalf("chat %s: orders %v, want 1..%d in the order of the appends", c, os, per)
			}
		}
	}
	n := s.appender.commits.Load() - commits
	if n >= chats*per {
		t.Errorf("%d commits for %d appends: nothing was batched", n, chats*per)
	}
	t.Logf("%d appends in %d commits", chats*per+maxInFlight, n)
}

// Appends of one batch are decided one after the other, as if each ran
// alone: checks that fail answer their append only, a custom id repeated
// in the batch is a duplicate, and a thread opened by one append takes the
// next. Nothing fails in the database, so the batch commits once.
func TestAppendBatchDecides(t *testing.T) {
	s := open(t, testDB(t, true))
	ctx := context.Background()
	newChat(t, s, "a")
	newChat(t, s, "closed")
	if _, _, err := s.CloseThread(ctx, "closed", time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	withCustomID := func(a chat.AppendEvent, customID string) chat.AppendEvent {
		a.Event.CustomID = customID
		return a
	}
	active := func(a chat.AppendEvent) chat.AppendEvent {
		a.Mode = chat.AppendActive
		return a
	}
	commits, isolated := s.appender.commits.Load(), s.appender.isolated.Load()
	res, errs := appendInOneBatch(t, s,
		message("a", "a1"),
		message("missing", "m1"),
		active(message("closed", "c1")),
		withCustomID(message("a", "a2"), "retried"),
		withCustomID(message("a", "a3"), "retried"),
		message("closed", "c2"),
		message("closed", "c3"),
	)
	for i, want := range []error{nil, chat.ErrNotFound, chat.ErrNoActiveThread, nil, nil, nil, nil} {
		if !errors.Is(errs[i], want) || (want == nil) != (errs[i] == nil) {
			t.Errorf("append %d: error %v, want %v", i, errs[i], want)
		}
	}
	if r := res[4]; !r.Duplicate || r.Event.ID != "a2" || r.Event.Order != 2 || r.Thread.ID != "t-a" {
		t.Errorf("second append with a custom id: %+v, want a duplicate of a2", r)
	}
	if r := res[5]; !r.Opened || r.Thread.ID != "t-c2" || r.Thread.Order != 2 || r.Event.Order != 1 ||
		len(r.Thread.UserIDs) != 1 || r.Thread.UserIDs[0] != "c-closed" {
		t.Errorf("append to the closed chat: %+v, want it to open thread 2 with the chat's customer", r)
	}
	if r := res[6]; r.Opened || r.Thread.ID != "t-c2" || r.Event.Order != 2 || r.Thread.TotalEvents != 2 {
		t.Errorf("next append to that chat: %+v, want order 2 in the thread just opened", r)
	}
	if n := s.appender.commits.Load() - commits; n != 1+maxInFlight {
		t.Errorf("%d commits, want %d: the occupying appends', then one for the batch", n, 1+maxInFlight)
	}
	if n := s.appender.isolated.Load() - isolated; n != 0 {
		t.Errorf("%d batches run again one by one, want none", n)
	}
	if got, want := fmt.Sprint(eventIDs(t, s, "a", "t-a")), "[a1:1 a2:2]"; got != want {
		t.Errorf("chat a: events %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(eventIDs(t, s, "closed", "t-c2")), "[c2:1 c3:2]"; got != want {
		t.Errorf("chat closed: events %s, want %s", got, want)
	}
	c, err := s.Chat(ctx, "closed")
	if err != nil || !c.Active || c.LastThreadID != "t-c2" {
		t.Errorf("chat closed: %+v, %v; want active with thread t-c2", c, err)
	}
}

// An append the database refuses fails alone: the batch runs again, one
// append per transaction, and the others are stored without a gap.
func TestAppendBatchIsolation(t *testing.T) {
	s := open(t, testDB(t, true))
	newChat(t, s, "a")
	if _, err := s.AppendEvent(context.Background(), message("a", "taken")); err != nil {
		t.Fatal(err)
	}
	nul := message("a", "nul")
	nul.Event.CustomID = "a\x00b"
	isolated := s.appender.isolated.Load()
	_, errs := appendInOneBatch(t, s, message("a", "first"), message("a", "taken"), nul, message("a", "third"))
	if errs[0] != nil || errs[3] != nil {
		t.Fatalf("the good appends failed: %v, %v", errs[0], errs[3])
	}
	if !errors.Is(errs[1], chat.ErrExists) {
		t.Errorf("taken event id: %v, want ErrExists", errs[1])
	}
	if errs[2] == nil {
		t.Error("custom id with NUL: no error")
	}
	if n := s.appender.isolated.Load() - isolated; n != 1 {
		t.Errorf("%d batches run again one by one, want 1", n)
	}
	if got, want := fmt.Sprint(eventIDs(t, s, "a", "t-a")), "[taken:1 first:2 third:3]"; got != want {
		t.Errorf("events %s, want %s: a refused append must leave no trace", got, want)
	}
}

// A batch waits for locks as long as one of its callers does: when every
// caller has given up it stops, and nothing is stored.
func TestAppendBatchGivesUp(t *testing.T) {
	s := open(t, testDB(t, true))
	newChat(t, s, "a")
	release := holdChat(t, s, "a")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := s.AppendEvent(ctx, message("a", "given-up"))
		done <- err
	}()
	waitLockWaits(t, s, 1)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("append whose caller gave up while waiting for a lock: %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("never happened: the append whose caller gave up returns while the lock is held")
	}
	release()
	if _, err := s.AppendEvent(context.Background(), message("a", "after")); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(eventIDs(t, s, "a", "t-a")), "[after:1]"; got != want {
		t.Errorf("events %s, want %s", got, want)
	}
}

// A caller that gives up while its batch runs for other callers too gets
// the batch's outcome: the append is stored, and reported so.
func TestAppendBatchOutlivesCaller(t *testing.T) {
	s := open(t, testDB(t, true))
	newChat(t, s, "a")
	release, occupied := occupy(t, s)
	hold := holdChat(t, s, "a")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 2)
	go func() {
		_, err := s.AppendEvent(ctx, message("a", "caller-gone"))
		done <- err
	}()
	waitQueued(t, s, 1)
	go func() {
		_, err := s.AppendEvent(context.Background(), message("a", "caller-here"))
		done <- err
	}()
	waitQueued(t, s, 2)
	release()
	for range maxInFlight {
		if err := <-occupied; err != nil {
			t.Fatal(err)
		}
	}
	waitLockWaits(t, s, 1) // the batch waits for chat a
	cancel()
	hold()
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("append: %v, want both stored", err)
		}
	}
	if got, want := fmt.Sprint(eventIDs(t, s, "a", "t-a")), "[caller-gone:1 caller-here:2]"; got != want {
		t.Errorf("events %s, want %s", got, want)
	}
}

// TestNodesAppendManyChats has two nodes append to the same chats, each
// worker in an order of its own, so that batches of the two nodes share
// chats: no deadlock, and each chat's orders are 1..N.
func TestNodesAppendManyChats(t *testing.T) {
	db := testDB(t, true)
	nodes := [2]*Store{open(t, db), open(t, db)}
	const chats, workers, rounds = 8, 8, 5
	var ids []string
	for c := range chats {
		ids = append(ids, fmt.Sprint("chat", c))
		newChat(t, nodes[0], ids[c])
	}
	errs := make(chan error, len(nodes)*workers)
	var wg sync.WaitGroup
	for n, s := range nodes {
		for w := range workers {
			wg.Go(func() {
				order := append([]string(nil), ids...)
				for r := range rounds {
					rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
					for _, id := range order {
						a := message(id, fmt.Sprintf("%s-n%d-w%d-%d", id, n, w, r))
						a.Mode = chat.AppendActive
						if _, err := s.AppendEvent(context.Background(), a); err != nil {
							errs <- err
							return
						}
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, id := range ids {
		got := eventIDs(t, nodes[1], id, "t-"+id)
		if len(got) != len(nodes)*workers*rounds {
			t.Fatalf("chat %s: %d events, want %d", id, len(got), len(nodes)*workers*rounds)
		}
		for i, e := range got {
			if want := fmt.Sprintf(":%d", i+1); e[len(e)-len(want):] != want {
				t.Fatalf("chat %s: event %d is %s: orders not consecutive", id, i, e)
			}
		}
	}
	for i, s := range nodes {
		t.Logf("node %d: %d appends in %d commits", i, s.appender.appends.Load(), s.appender.commits.Load())
	}
}

// Close waits for the batches in flight; appends after it fail.
func TestAppendAfterClose(t *testing.T) {
	s, err := Open(context.Background(), testDB(t, true))
	if err != nil {
		t.Fatal(err)
	}
	newChat(t, s, "a")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendEvent(context.Background(), message("a", "late")); err == nil {
		t.Fatal("an append after Close succeeded")
	}
}
