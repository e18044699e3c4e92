package server

import (
	"context"
	"log/slog"

	"github.com/parleychat/parley/server/broker"
	"github.com/parleychat/parley/server/chat"
)

// flusher is a broker that can tell when the messages published so far
// are in its order for every publisher (the NATS broker).
type flusher interface {
	Flush(ctx context.Context) error
}

// flushedLocker returns l, whose unlock first waits for b to flush the
// pushes published under the lock, if b can: the next node to take the
// chat's lock publishes after them. Nil when l is nil.
func flushedLocker(l chat.ChatLocker, b broker.Broker, log *slog.Logger) chat.ChatLocker {
	f, ok := b.(flusher)
	switch {
	case l == nil:
		return nil
	case !ok:
		return l
	}
	return flushLocker{l: l, f: f, log: log}
}

type flushLocker struct {
	l   chat.ChatLocker
	f   flusher
	log *slog.Logger
}

func (x flushLocker) LockChat(ctx context.Context, chatID string) (func(), error) {
	unlock, err := x.l.LockChat(ctx, chatID)
	if err != nil {
		return nil, err
	}
	return func() {
		// A flush fails while the broker reconnects, which it logs
		// itself; the lock is released all the same, and the pushes
		// buffered meanwhile go out once it is back.
		if err := x.f.Flush(context.WithoutCancel(ctx)); err != nil {
			x.log.Debug("flush the pushes of a chat", "chat_id", chatID, "err", err)
		}
		unlock()
	}, nil
}
