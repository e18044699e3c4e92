package chat

import (
	"fmt"
	"sync"
	"testing"
)

func TestChatLocks(t *testing.T) {
	var l chatLocks
	// Another chat's lock does not wait for a held one.
	unlockA := l.lock("a")
	l.lock("b")()

	// The same chat waits.
	got := make(chan struct{})
	go func() {
		unlock := l.lock("a")
		close(got)
		unlock()
	}()
	select {
	case <-got:
		t.Fatal("a second holder got a held chat's lock")
	default:
	}
	unlockA()
	<-got

	// Many holders of many chats: each chat's count stays consistent and
	// the table is empty once all are gone.
	var wg sync.WaitGroup
	counts := make([]int, 8)
	for i := range 400 {
		wg.Go(func() {
			c := i % len(counts)
			unlock := l.lock(fmt.Sprint("chat", c))
			counts[c]++ // guarded by the chat's lock; -race checks it
			unlock()
		})
	}
	wg.Wait()
	for c, n := range counts {
		if n != 400/len(counts) {
			t.Errorf("chat%d: %d increments, want %d", c, n, 400/len(counts))
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) != 0 {
		t.Errorf("%d locks left after every holder left", len(l.m))
	}
}
