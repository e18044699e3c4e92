package chat

import "sync"

// chatLocks gives each chat a lock of its own, made when the first holder
// comes and dropped when the last leaves, so that memory follows the chats
// in use. Chats never share a lock: a chat waits only for changes to
// itself, never for an unrelated chat's change (and its commit) as it
// would with a fixed set of hashed locks.
type chatLocks struct {
	mu sync.Mutex
	m  map[string]*chatLock
}

type chatLock struct {
	mu   sync.Mutex
	refs int // holders and waiters; guarded by chatLocks.mu
}

// lock locks the chat and returns its unlock.
func (l *chatLocks) lock(chatID string) func() {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[string]*chatLock)
	}
	c := l.m[chatID]
	if c == nil {
		c = &chatLock{}
		l.m[chatID] = c
	}
	c.refs++
	l.mu.Unlock()

	c.mu.Lock()
	return func() {
		c.mu.Unlock()
		l.mu.Lock()
		if c.refs--; c.refs == 0 {
			delete(l.m, chatID)
		}
		l.mu.Unlock()
	}
}
