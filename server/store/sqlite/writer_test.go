package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// holdWriter occupies the writer with a write that waits until release is
// closed, so that the writes submitted meanwhile queue up. It returns once
// the writer is held.
func holdWriter(t *testing.T, s *Store) (release func(), done <-chan error) {
	t.Helper()
	held, rel := make(chan struct{}), make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- s.write(context.Background(), func(*txn) error {
			close(held)
			<-rel
			return nil
		})
	}()
	<-held
	return sync.OnceFunc(func() { close(rel) }), errc
}

// waitQueued waits until n writes wait in the writer's queue.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for {
		s.wr.mu.Lock()
		q := len(s.wr.queue)
		s.wr.mu.Unlock()
		if q >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

func newTestChat(t testing.TB, s *Store, id string) {
	t.Helper()
	at := time.Now()
	_, _, err := s.CreateChat(context.Background(), chat.NewChat{
		Chat:   chat.Chat{ID: id, LicenseID: 1, CustomerID: "c-" + id, Users: []chat.User{{ID: "c-" + id, Type: chat.UserCustomer}}, CreatedAt: at},
		Thread: chat.Thread{ID: "t-" + id, CreatedAt: at},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func message(chatID, id string) chat.AppendEvent {
	return chat.AppendEvent{Mode: chat.AppendActive, Event: chat.Event{ID: id, ChatID: chatID, Type: chat.EventMessage,
		AuthorID: "c-" + chatID, CreatedAt: time.Now(), Text: id}}
}

// appendInOneGroup queues the appends, in this order, while the writer is
// held, so that they share one transaction, and returns their errors.
func appendInOneGroup(t *testing.T, s *Store, appends ...chat.AppendEvent) []error {
	t.Helper()
	release, held := holdWriter(t, s)
	errs := make([]error, len(appends))
	var wg sync.WaitGroup
	for i, a := range appends {
		wg.Go(func() {
			_, errs[i] = s.AppendEvent(context.Background(), a)
		})
		waitQueued(t, s, i+1) // queue them in this order
	}
	release()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	return errs
}

// Writes queued while a transaction commits share the next transaction:
// one commit for all of them, and each gets its own result.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "parley.db"))
	defer s.Close()
	if err := s.PutLicense(ctx, chat.License{ID: 1, Name: "L", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	const chats, per = 4, 25
	for c := range chats {
		newTestChat(t, s, fmt.Sprint("chat", c))
	}

	release, held := holdWriter(t, s)
	commits := s.wr.commits.Load()
	type result struct {
		res chat.AppendResult
		err error
	}
	results := make(chan result, chats*per)
	var wg sync.WaitGroup
	for c := range chats {
		wg.Go(func() {
			// One chat's appends in order, as the chat's lock makes them.
			for i := range per {
				r, err := s.AppendEvent(ctx, message(fmt.Sprint("chat", c), fmt.Sprintf("e%d-%d", c, i)))
				results <- result{r, err}
			}
		})
	}
	// Each chat's first append is queued; the rest follow it one by one.
	waitQueued(t, s, chats)
	release()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	close(results)
	orders := map[string][]int{}
	for r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		orders[r.res.Event.ChatID] = append(orders[r.res.Event.ChatID], r.res.Event.Order)
	}
	for c, os := range orders {
		for i, o := range os {
			if o != i+1 {
				t.Fatalf("chat %s: orders %v, want 1..%d in send order", c, os, per)
			}
		}
	}
	// The held write plus at most one commit per round of queued writes:
	// fewer commits than writes.
	n := s.wr.commits.Load() - commits
	if n >= chats*per {
		t.Errorf("%d commits for %d writes: nothing was grouped", n, chats*per)
	}
	t.Logf("%d writes in %d commits", chats*per+1, n)
}

// A write that fails inside a group undoes its own changes only.
func TestGroupCommitIsolation(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "parley.db"))
	defer s.Close()
	if err := s.PutLicense(ctx, chat.License{ID: 1, Name: "L", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	newTestChat(t, s, "a")
	if _, err := s.AppendEvent(ctx, message("a", "taken")); err != nil {
		t.Fatal(err)
	}

	commits, retries := s.wr.commits.Load(), s.wr.retries.Load()
	errs := appendInOneGroup(t, s, message("a", "first"), message("a", "taken"), message("a", "third"))
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("the good writes failed: %v, %v", errs[0], errs[2])
	}
	if !errors.Is(errs[1], chat.ErrExists) {
		t.Fatalf("duplicate event id: %v, want ErrExists", errs[1])
	}
	if n := s.wr.commits.Load() - commits; n != 2 {
		t.Errorf("%d commits, want 2 (the held write, then the three queued)", n)
	}
	// The insert failed after changing the database: the group ran again
	// with savepoints.
	if n := s.wr.retries.Load() - retries; n != 1 {
		t.Errorf("%d groups run again, want 1", n)
	}
	ths, err := s.ThreadsByID(ctx, "a", []string{"t-a"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ths[0].Events {
		got = append(got, e.ID+fmt.Sprint(e.Order))
	}
	if want := fmt.Sprint([]string{"taken1", "first2", "third3"}); fmt.Sprint(got) != want {
		t.Errorf("events %v, want %s: the failed write must leave no trace", got, want)
	}
}

// A write that fails its checks before changing anything leaves the group
// as it was: the others commit with it, and nothing runs twice.
func TestGroupCommitFailedCheck(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "parley.db"))
	defer s.Close()
	if err := s.PutLicense(ctx, chat.License{ID: 1, Name: "L", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	newTestChat(t, s, "a")

	commits, retries := s.wr.commits.Load(), s.wr.retries.Load()
	errs := appendInOneGroup(t, s, message("a", "e0"), message("missing", "e1"), message("a", "e2"))
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("the good writes failed: %v, %v", errs[0], errs[2])
	}
	if !errors.Is(errs[1], chat.ErrNotFound) {
		t.Fatalf("append to a missing chat: %v, want ErrNotFound", errs[1])
	}
	if n := s.wr.commits.Load() - commits; n != 2 {
		t.Errorf("%d commits, want 2 (the held write, then the three queued)", n)
	}
	if n := s.wr.retries.Load() - retries; n != 0 {
		t.Errorf("%d groups run again, want none", n)
	}
	ths, err := s.ThreadsByID(ctx, "a", []string{"t-a"})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(ths[0].Events); got != 2 || ths[0].TotalEvents != 2 {
		t.Fatalf("%d events stored, total %d; want 2", got, ths[0].TotalEvents)
	}
}

// Close commits what was queued before it and refuses later writes.
func TestCloseCommitsQueued(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "parley.db")
	s := open(t, path)
	if err := s.PutLicense(ctx, chat.License{ID: 1, Name: "L", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	newTestChat(t, s, "a")
	release, held := holdWriter(t, s)
	appended := make(chan error, 1)
	go func() {
		_, err := s.AppendEvent(ctx, message("a", "queued"))
		appended <- err
	}()
	waitQueued(t, s, 1)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	release()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-appended; err != nil {
		t.Fatalf("a write queued before Close: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendEvent(ctx, message("a", "late")); err == nil {
		t.Fatal("a write after Close succeeded")
	}
	reopened := open(t, path)
	defer reopened.Close()
	ths, err := reopened.ThreadsByID(ctx, "a", []string{"t-a"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(ths[0].Events); n != 1 {
		t.Errorf("%d events after reopening, want the queued one", n)
	}
}

// BenchmarkAppendEventParallel measures the writer alone: 1,000 chats, each
// already holding 50 events, append at once, as many customers do. Besides
// the rate it reports the bytes the process wrote per event (the WAL and
// the checkpoints into the database file), which depend on how many pages
// each event dirties rather than on the machine's load.
func BenchmarkAppendEventParallel(b *testing.B) {
	ctx := context.Background()
	s := open(b, filepath.Join(b.TempDir(), "parley.db"))
	defer s.Close()
	if err := s.PutLicense(ctx, chat.License{ID: 1, Name: "L", CreatedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	const chats, held = 1000, 50
	for c := range chats {
		newTestChat(b, s, fmt.Sprint("chat", c))
	}
	err := s.write(ctx, func(tx *txn) error {
		for c := range chats {
			id := fmt.Sprint("chat", c)
			s.wr.forget(id)
			for i := range held {
				e := message(id, fmt.Sprintf("%s-old%d", id, i)).Event
				e.ThreadID, e.Order = "t-"+id, i+1
				if _, err := insertEvent(ctx, tx, e, 1); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int64
	commits, writes := s.wr.commits.Load(), s.wr.writes.Load()
	written := bytesWritten(b)
	b.SetParallelism(chats / runtime.GOMAXPROCS(0))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		n := next.Add(1)
		chatID := fmt.Sprint("chat", n%chats)
		for i := 0; pb.Next(); i++ {
			if _, err := s.AppendEvent(ctx, message(chatID, fmt.Sprintf("e%d-%d", n, i))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if c := s.wr.commits.Load() - commits; c > 0 {
		b.ReportMetric(float64(s.wr.writes.Load()-writes)/float64(c), "writes/commit")
	}
	if written >= 0 {
		b.ReportMetric(float64(bytesWritten(b)-written)/float64(b.N), "B-written/event")
	}
}

// bytesWritten returns the bytes this process has written so far
// (wchar of /proc/self/io), or -1 where that is not known.
func bytesWritten(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, "wchar: "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	return -1
}

// The checkpointer copies committed pages into the database file in the
// background, so that the writer's commits do not.
func TestBackgroundCheckpoint(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "parley.db"))
	defer s.Close()
	if err := s.PutLicense(ctx, chat.License{ID: 1, Name: "L", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	newTestChat(t, s, "a")
	for i := range 50 {
		if _, err := s.AppendEvent(ctx, message("a", fmt.Sprint("e", i))); err != nil {
			t.Fatal(err)
		}
	}
	runs := s.ck.runs.Load()
	deadline := time.Now().Add(time.Minute)
	for s.ck.runs.Load() == runs || s.ck.backfilled.Load() < s.ck.walFrames.Load() {
		if time.Now().After(deadline) {
			t.Fatalf("no complete background checkpoint: %d runs, %d of %d frames backfilled",
				s.ck.runs.Load(), s.ck.backfilled.Load(), s.ck.walFrames.Load())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if s.ck.walFrames.Load() == 0 {
		t.Fatal("the checkpoint saw an empty WAL after 50 commits")
	}
}
