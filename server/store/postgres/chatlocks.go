package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parleychat/parley/server/chat"
)

// chatLockClass is the first key of a chat's advisory lock; the second is
// a hash of the chat id (two chats whose ids hash alike share a lock,
// which only makes them wait for one another: the Service never holds two
// chats' locks at once).
const chatLockClass int32 = 0x63686174 // "chat"

// unlockTimeout bounds the release of a lock; past it the connection, and
// with it the lock, is dropped.
const unlockTimeout = 10 * time.Second

// ChatLocks is a chat.ChatLocker for the nodes sharing a database: a
// chat's lock is an advisory lock (pg_advisory_xact_lock) of a transaction
// left open, on a connection of a pool of its own, for as long as the node
// holds it. The holder's queries run on the Store's pool, so a node never
// waits for a connection that its own lock holders keep. At most as many
// chats as the pool has connections are locked by one node at once; more
// wait for a connection. A node that dies loses its locks with its
// connections; one cut off from the database keeps them until PostgreSQL
// ends its sessions (idle_in_transaction_session_timeout, TCP keepalives).
type ChatLocks struct {
	pool *pgxpool.Pool
}

var _ chat.ChatLocker = (*ChatLocks)(nil)

// NewChatLocks returns the ChatLocks of the store's database, on a pool of
// as many connections as the store's (pool_max_conns of the URL given to
// Open).
func NewChatLocks(ctx context.Context, s *Store) (*ChatLocks, error) {
	cfg := s.pool.Config()
	cfg.MinConns = 0
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: chat locks: %w", err)
	}
	return &ChatLocks{pool: pool}, nil
}

// Close closes the pool. It waits for the locks held to be released.
func (l *ChatLocks) Close() { l.pool.Close() }

// chatLockKey is the second key of a chat's advisory lock.
func chatLockKey(chatID string) int32 {
	h := fnv.New32a()
	h.Write([]byte(chatID))
	return int32(h.Sum32())
}

// LockChat implements chat.ChatLocker.
func (l *ChatLocks) LockChat(ctx context.Context, chatID string) (unlock func(), err error) {
	defer wrap(&err, "lock chat %q", chatID)
	conn, err := l.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	// One round trip (the simple protocol, the keys being numbers).
	lock := fmt.Sprintf(`BEGIN; SELECT pg_advisory_xact_lock(%d, %d)`, chatLockClass, chatLockKey(chatID))
	if _, err := conn.Exec(ctx, lock); err != nil {
		// The lock may have been granted as the wait was cut short: end
		// the session, which releases it.
		_ = conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
		return nil, err
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
		defer cancel()
		if _, err := conn.Exec(ctx, `COMMIT`); err != nil {
			_ = conn.Conn().Close(ctx)
		}
		conn.Release()
	}, nil
}
