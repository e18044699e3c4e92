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
// chat's lock is a session advisory lock (pg_advisory_lock), held on a
// connection of a pool of its own for as long as the node holds it. The
// holder's queries run on the Store's pool, so a node never waits for a
// connection that its own lock holders keep. At most as many chats as the
// pool has connections are locked by one node at once; more wait for a
// connection. A node that dies, or loses its connection, loses its locks
// with it.
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
	key := chatLockKey(chatID)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1::int4, $2::int4)`, chatLockClass, key); err != nil {
		// The lock may have been granted as the wait was cut short: end
		// the session, which releases it.
		_ = conn.Conn().Close(context.WithoutCancel(ctx))
		conn.Release()
		return nil, err
	}
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), unlockTimeout)
		defer cancel()
		var released bool
		if err := conn.QueryRow(ctx, `SELECT pg_advisory_unlock($1::int4, $2::int4)`, chatLockClass, key).Scan(&released); err != nil || !released {
			_ = conn.Conn().Close(ctx)
		}
		conn.Release()
	}, nil
}
