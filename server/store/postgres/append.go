package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/server/chat"
)

// AppendEvent stores one event as a.Mode says. Concurrent calls are
// gathered into batches, each stored by one transaction (see appender and
// appendBatch): the call returns once its batch has committed.
func (s *Store) AppendEvent(ctx context.Context, a chat.AppendEvent) (res chat.AppendResult, err error) {
	defer wrap(&err, "append event %q to chat %q", a.Event.ID, a.Event.ChatID)
	if a.Mode != chat.AppendOrOpen && a.Mode != chat.AppendActive && a.Mode != chat.AppendLast {
		return chat.AppendResult{}, fmt.Errorf("unknown append mode %d", a.Mode)
	}
	return s.appender.append(ctx, a)
}

// Queries of a batch's first round trip. The first takes the locks; each
// later statement reads afresh, so it sees every write committed before
// the locks were granted.
const (
	// qLockChats locks the batch's chats in the order of their ids, so that
	// batches that share chats, on this node or another, take their locks
	// in the same order and never deadlock.
	qLockChats = `SELECT id, active, last_thread_id, thread_count FROM chats
		WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`
	// qLastThreads reads the chats' last threads.
	qLastThreads = `SELECT ` + threadColumns + ` FROM threads
		WHERE (id, chat_id) IN (SELECT last_thread_id, id FROM chats WHERE id = ANY($1))`
	// qStoredCustomIDs reads the events stored under the batch's custom ids.
	// It has the custom_id <> '' term of the partial unique index
	// events_custom_id, so that it can use the index.
	qStoredCustomIDs = `SELECT ` + eventColumns + ` FROM events
		WHERE (chat_id, author_id, custom_id) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))
			AND custom_id <> ''`
	// qPresentUsers reads the present users of the chats, among $1, that
	// have no active thread: those whose thread an append may open.
	qPresentUsers = `SELECT u.chat_id, u.user_id FROM chat_users u JOIN chats c ON c.id = u.chat_id
		WHERE c.id = ANY($1) AND NOT c.active AND u.present ORDER BY u.seq`
)

// appendBatch stores the appends of batch in one transaction, in two round
// trips: BEGIN, the chats' locks and what the appends need to know; then
// the new threads, one INSERT of every new event, and COMMIT. In between,
// each append is decided in Go, in batch order, as if it ran alone after
// the ones before it: an append that fails its checks (a missing chat, no
// active thread) is answered with its error and writes nothing, and a
// duplicate CustomID is answered with the stored event.
//
// It sets each append's res and err and returns an error when the
// transaction failed, in which case nothing was stored (or, for a
// connection lost during COMMIT, it is unknown what was). Until COMMIT is
// sent it stops when ctx ends; the second round trip ignores ctx, so that
// no append is reported failed and then found committed.
func (s *Store) appendBatch(ctx context.Context, batch []*appendReq) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	c := conn.Conn()
	defer func() {
		// After an error of a statement the connection is sound: end the
		// transaction and keep it. Any other failure leaves the connection
		// in an unknown state, and Release closes it.
		if err != nil && statementFailed(err) {
			_, _ = c.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()

	bt := &batchTx{
		chats:   make(map[string]*batchChat),
		threads: make(map[string]*chat.Thread),
		stored:  make(map[customKey]chat.Event),
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	bt.queueReads(b, batch)
	if err := c.SendBatch(ctx, b).Close(); err != nil {
		return err
	}
	// An event stored under a custom id may be in an older thread than its
	// chat's last (a retry after the thread closed): read that thread.
	for _, e := range bt.stored {
		if bt.threads[e.ThreadID] == nil {
			th, err := getThread(ctx, c, e.ChatID, e.ThreadID)
			if err != nil {
				return err
			}
			bt.threads[th.ID] = &th
		}
	}
	for _, r := range batch {
		r.res, r.err = bt.decide(r.a)
	}

	b = &pgx.Batch{}
	for _, th := range bt.opened {
		b.Queue(qInsertThread, th.ID, th.ChatID, th.Order, th.UserIDs, "{}", ns(th.CreatedAt))
		b.Queue(qPointChat, th.ID, th.Order, th.ChatID)
	}
	if bt.events.len() > 0 {
		b.Queue(qInsertEvents, bt.events.args()...)
	}
	b.Queue("COMMIT")
	return c.SendBatch(context.WithoutCancel(ctx), b).Close()
}

// batchTx is what a batch's transaction knows, read under the chats' locks
// and moved along as its appends are decided, and the writes decided.
type batchTx struct {
	chats   map[string]*batchChat    // the batch's chats that exist
	threads map[string]*chat.Thread  // the chats' last threads and those of stored events, by id
	stored  map[customKey]chat.Event // events with a custom id, stored before or by the batch

	opened []*chat.Thread // threads to insert, in order
	events eventRows      // events to insert, in order
}

// batchChat is one chat of a batch.
type batchChat struct {
	st      chatState
	last    *chat.Thread // nil while the chat has no thread
	present []string     // present users, read when the chat has no active thread
}

// customKey is what makes a custom id unique: the chat, the author and
// the custom id.
type customKey struct{ chatID, authorID, customID string }

// queueReads queues the reads of the batch's first round trip on b.
func (bt *batchTx) queueReads(b *pgx.Batch, batch []*appendReq) {
	var ids, openers []string
	var keys [3][]string
	for _, r := range batch {
		e := r.a.Event
		ids = append(ids, e.ChatID)
		if r.a.Mode == chat.AppendOrOpen {
			openers = append(openers, e.ChatID)
		}
		if e.CustomID != "" {
			keys[0], keys[1], keys[2] = append(keys[0], e.ChatID), append(keys[1], e.AuthorID), append(keys[2], e.CustomID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	b.Queue(qLockChats, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var id string
			c := &batchChat{}
			if err := rows.Scan(&id, &c.st.active, &c.st.lastThreadID, &c.st.threadCount); err != nil {
				return err
			}
			bt.chats[id] = c
		}
		return rows.Err()
	})
	b.Queue(qLastThreads, ids).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			th, err := scanThread(rows)
			if err != nil {
				return err
			}
			if c := bt.chats[th.ChatID]; c != nil {
				c.last = &th
			}
			bt.threads[th.ID] = &th
		}
		return rows.Err()
	})
	if len(keys[0]) > 0 {
		b.Queue(qStoredCustomIDs, keys[0], keys[1], keys[2]).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				e, _, err := scanEvent(rows)
				if err != nil {
					return err
				}
				bt.stored[customKey{e.ChatID, e.AuthorID, e.CustomID}] = e
			}
			return rows.Err()
		})
	}
	if len(openers) > 0 {
		b.Queue(qPresentUsers, openers).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var chatID, userID string
				if err := rows.Scan(&chatID, &userID); err != nil {
					return err
				}
				if c := bt.chats[chatID]; c != nil {
					c.present = append(c.present, userID)
				}
			}
			return rows.Err()
		})
	}
}

// decide decides one append, after those of the batch before it: its
// result, and its writes queued in bt. A failed append changes nothing.
func (bt *batchTx) decide(a chat.AppendEvent) (chat.AppendResult, error) {
	ev := a.Event
	key := customKey{ev.ChatID, ev.AuthorID, ev.CustomID}
	if ev.CustomID != "" {
		if e, ok := bt.stored[key]; ok {
			return chat.AppendResult{Thread: *bt.threads[e.ThreadID], Event: e, Duplicate: true}, nil
		}
	}
	c := bt.chats[ev.ChatID]
	var (
		th     *chat.Thread
		opened bool
	)
	switch {
	case c == nil:
		return chat.AppendResult{}, chat.ErrNotFound
	case a.Mode == chat.AppendOrOpen && !c.st.active:
		if a.NewThreadID == "" {
			return chat.AppendResult{}, errors.New("thread id is empty")
		}
		th = &chat.Thread{ID: a.NewThreadID, ChatID: ev.ChatID, Order: c.st.threadCount + 1, Active: true,
			UserIDs: nonNil(c.present), Properties: chat.Properties{}, CreatedAt: ev.CreatedAt}
		opened = true
	case a.Mode == chat.AppendActive && !c.st.active:
		return chat.AppendResult{}, chat.ErrNoActiveThread
	case c.st.lastThreadID == "":
		return chat.AppendResult{}, chat.ErrNoThread
	case c.last == nil:
		return chat.AppendResult{}, fmt.Errorf("thread %q: %w", c.st.lastThreadID, chat.ErrNotFound)
	default:
		th = c.last
	}
	ev.ThreadID, ev.Order = th.ID, th.TotalEvents+1
	ev, err := bt.events.add(ev, th.Order)
	if err != nil {
		return chat.AppendResult{}, err
	}
	if opened {
		bt.opened = append(bt.opened, th)
		bt.threads[th.ID] = th
		c.last = th
		c.st = chatState{active: true, lastThreadID: th.ID, threadCount: th.Order}
	}
	th.TotalEvents = ev.Order
	if ev.CustomID != "" {
		bt.stored[key] = ev
	}
	return chat.AppendResult{Thread: *th, Event: ev, Opened: opened}, nil
}
