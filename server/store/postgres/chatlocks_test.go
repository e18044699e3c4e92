package postgres

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// newChatLocks returns n nodes' ChatLocks on one fresh database.
func newChatLocks(t *testing.T, n int) (*Store, []*ChatLocks) {
	t.Helper()
	db := testDB(t, true)
	var (
		first *Store
		locks []*ChatLocks
	)
	for range n {
		s := open(t, db)
		if first == nil {
			first = s
		}
		l, err := NewChatLocks(context.Background(), s)
		if err != nil {
			t.Fatalf("NewChatLocks: %v", err)
		}
		t.Cleanup(l.Close)
		locks = append(locks, l)
	}
	return first, locks
}

// waitBlocked waits until a session of the database waits for an
// advisory lock.
func waitBlocked(t *testing.T, s *Store) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting bool
		if err := s.pool.QueryRow(context.Background(),
			`SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted)`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("nobody ever waited for the lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestChatLocks: a chat's lock is held by one node at a time; the others
// wait for it, not for other chats' locks; a wait cut short leaves
// nothing locked.
func TestChatLocks(t *testing.T) {
	s, nodes := newChatLocks(t, 2)
	ctx := context.Background()
	n1, n2 := nodes[0], nodes[1]

	unlock1, err := n1.LockChat(ctx, "C1")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan func())
	go func() {
		unlock, err := n2.LockChat(ctx, "C1")
		if err != nil {
			t.Error(err)
		}
		got <- unlock
	}()
	waitBlocked(t, s)
	select {
	case <-got:
		t.Fatal("node 2 took the lock node 1 holds")
	default:
	}
	// Another chat's lock is free meanwhile.
	unlockOther, err := n1.LockChat(ctx, "C2")
	if err != nil {
		t.Fatal(err)
	}
	unlockOther()
	unlock1()
	unlock2 := <-got

	// Node 1 waits for node 2, and gives up.
	cctx, cancel := context.WithCancel(ctx)
	failed := make(chan error)
	go func() {
		unlock, err := n1.LockChat(cctx, "C1")
		if err == nil {
			unlock()
		}
		failed <- err
	}()
	waitBlocked(t, s)
	cancel()
	if err := <-failed; err == nil {
		t.Fatal("LockChat returned the lock after its context ended")
	}
	unlock2()
	unlock, err := n1.LockChat(ctx, "C1")
	if err != nil {
		t.Fatalf("after a cut-short wait: %v", err)
	}
	unlock()
}

// TestChatLocksSerialize: changes made under a chat's lock from two nodes,
// many at once, never overlap.
func TestChatLocksSerialize(t *testing.T) {
	_, nodes := newChatLocks(t, 2)
	var (
		wg       sync.WaitGroup
		holders  atomic.Int32
		overlaps atomic.Int32
		count    atomic.Int32 // read and written apart: lost updates show
	)
	for i := range 20 {
		wg.Go(func() {
			unlock, err := nodes[i%2].LockChat(context.Background(), "C1")
			if err != nil {
				t.Error(err)
				return
			}
			defer unlock()
			if holders.Add(1) != 1 {
				overlaps.Add(1)
			}
			n := count.Load()
			runtime.Gosched()
			count.Store(n + 1)
			holders.Add(-1)
		})
	}
	wg.Wait()
	if overlaps.Load() != 0 || count.Load() != 20 {
		t.Errorf("%d overlapping holders; %d of 20 increments kept", overlaps.Load(), count.Load())
	}
}
