package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"modernc.org/sqlite"

	"github.com/parleychat/parley/server/chat"
)

// maxBatch bounds the writes of one transaction, so that one commit's
// latency stays bounded however long the queue grows.
const maxBatch = 512

// writerCacheKiB is the write connection's page cache. A full group dirties
// about two pages per event (the events table's key by chat, the chat's
// row and its thread's) plus pages shared by the group: 512 events need
// a few MiB.
const writerCacheKiB = 32 << 10

// The search index's catch-up (migration 0010): the events a group
// inserted go into event_search in one statement before it commits.
const (
	qIndexSearch = `INSERT INTO event_search (rowid, text)
	SELECT rowid, CASE type WHEN 'message' THEN json_extract(body, '$.text') ELSE json_extract(body, '$.file.name') END
	FROM events WHERE rowid > (SELECT last_rowid FROM event_search_state) AND type IN ('message', 'file')`
	qIndexedUpTo = `UPDATE event_search_state SET last_rowid = (SELECT coalesce(max(rowid), 0) FROM events)
	WHERE last_rowid < (SELECT coalesce(max(rowid), 0) FROM events)`
)

// indexSearch adds the events the transaction inserted to the search
// index: one FTS5 statement for a whole group, where a trigger per event
// made FTS5 write a segment per event.
func indexSearch(tx *txn) error {
	ctx := context.Background()
	if _, err := tx.ExecContext(ctx, qIndexSearch); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, qIndexedUpTo)
	return err
}

// Savepoint statements, prepared with the writer's other statements.
const (
	qSavepoint  = "SAVEPOINT w"
	qRollbackTo = "ROLLBACK TO w"
	qRelease    = "RELEASE w"
)

// writeReq is one write waiting for the writer.
type writeReq struct {
	ctx  context.Context
	fn   func(tx *txn) error
	done chan error
}

// writer commits writes in groups: every write queued while the previous
// transaction committed goes into the next transaction, each inside its
// own savepoint, and one COMMIT (one fsync of the WAL) makes them all
// durable. A write is acknowledged only after that commit. A lone write
// commits at once; batches grow only when writes queue up, so there is no
// wait to gather them.
type writer struct {
	s *Store

	mu      sync.Mutex
	queue   []*writeReq
	closing bool
	wake    chan struct{} // 1-buffered: the queue is not empty
	stopped chan struct{}

	// Counters for tests and metrics: retries counts the groups run again
	// with savepoints.
	commits, writes, retries atomic.Int64

	// missed collects, across the runs of a group, the queries its
	// transactions ran unprepared (see txn.missed).
	missed []string

	// hot holds, for the chats written lately, what an append needs to
	// know: the chat's state and its last thread. Only the writer
	// goroutine uses it (every write runs there), so it needs no lock. A
	// write that changes a chat's threads forgets the chat; a failed
	// transaction forgets every chat.
	hot map[string]*hotChat
}

// maxHot bounds the chats the writer remembers.
const maxHot = 10_000

// hotChat is what AppendEvent reads of a chat, kept between writes.
type hotChat struct {
	st     chatState
	thread chat.Thread // the last thread without Events; zero if none
}

// hotChat returns the chat's state, reading it on a miss. It runs on the
// writer goroutine, inside tx.
func (w *writer) hotChat(ctx context.Context, tx *txn, chatID string) (*hotChat, error) {
	if h, ok := w.hot[chatID]; ok {
		return h, nil
	}
	st, err := getChatState(ctx, tx, chatID)
	if err != nil {
		return nil, err
	}
	h := &hotChat{st: st}
	if st.lastThreadID != "" {
		if h.thread, err = getThread(ctx, tx, chatID, st.lastThreadID); err != nil {
			return nil, err
		}
	}
	if w.hot == nil || len(w.hot) >= maxHot {
		w.hot = make(map[string]*hotChat)
	}
	w.hot[chatID] = h
	return h, nil
}

// forget drops what the writer remembers of a chat. Writes that change a
// chat's threads call it, on the writer goroutine.
func (w *writer) forget(chatID string) { delete(w.hot, chatID) }

func (s *Store) startWriter() {
	s.wr = &writer{s: s, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	go s.wr.loop()
}

// submit queues fn and waits until its transaction has committed or failed.
// fn runs on the writer goroutine; it must not start goroutines that use tx.
// fn may run more than once (see commit), each time in a transaction where
// its earlier run left nothing: it must start afresh on each run, reading
// what it needs through tx, and change the database only through
// tx.ExecContext.
func (w *writer) submit(ctx context.Context, fn func(tx *txn) error) error {
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		return fmt.Errorf("store closed")
	}
	w.queue = append(w.queue, r)
	// Under mu: close closes wake under mu too.
	select {
	case w.wake <- struct{}{}:
	default:
	}
	w.mu.Unlock()
	// The write may already be in a transaction: wait for its outcome even
	// when ctx ends, so that the caller never reports a failure for a write
	// that is then committed. A write whose ctx ended before its turn is
	// skipped; once it runs, its statements ignore ctx (see txn.detached).
	return <-r.done
}

// close stops taking writes, commits the queued ones and stops the writer.
func (w *writer) close() {
	w.mu.Lock()
	if !w.closing {
		w.closing = true
		close(w.wake)
	}
	w.mu.Unlock()
	<-w.stopped
}

func (w *writer) loop() {
	defer close(w.stopped)
	for {
		_, open := <-w.wake
		for {
			w.mu.Lock()
			n := min(len(w.queue), maxBatch)
			batch := w.queue[:n:n]
			w.queue = w.queue[n:]
			if len(w.queue) == 0 {
				w.queue = nil
			}
			w.mu.Unlock()
			if n == 0 {
				break
			}
			w.commit(batch)
		}
		if !open {
			return
		}
	}
}

// commit runs a batch in one transaction and answers each write.
//
// The batch runs first without savepoints, which cost two statements per
// write: a write that fails before changing anything (most failures are
// checks: no active thread, not found) leaves the transaction as it was.
// Only a write that fails after changing something, or with an error of
// SQLite's own, makes the writer roll the batch back and run it again with
// a savepoint around each write, so that its failure undoes it alone.
func (w *writer) commit(batch []*writeReq) {
	errs, err := w.run(batch, false)
	if errors.Is(err, errRetryIsolated) {
		w.retries.Add(1)
		errs, err = w.run(batch, true)
	}
	// The write connection is free between transactions: prepare what the
	// group ran unprepared.
	w.s.wStmts.prepareAll(context.Background(), w.missed)
	w.missed = nil
	for i, r := range batch {
		switch {
		case err != nil:
			r.done <- err
		case errs[i] != nil:
			r.done <- mapErr(errs[i])
		default:
			r.done <- nil
		}
	}
}

// isDriverErr reports an error from SQLite itself. Some (an I/O error, a
// full disk) roll the whole transaction back, so the batch cannot go on
// without the check a savepoint gives.
func isDriverErr(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se)
}

// errRetryIsolated reports a batch to run again with savepoints.
var errRetryIsolated = errors.New("retry the batch with savepoints")

// run runs a batch in one transaction, each write in a savepoint when
// isolate is set, and commits it. errs holds each write's outcome; err a
// failure of the whole batch, which was then rolled back.
func (w *writer) run(batch []*writeReq, isolate bool) (errs []error, err error) {
	sqlTx, err := w.s.w.BeginTx(context.Background(), nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	tx := &txn{Tx: sqlTx, stmts: w.s.wStmts, detached: true, missed: w.missed}
	defer func() { w.missed = tx.missed }()
	rollback := func(err error) ([]error, error) {
		_ = tx.Rollback()
		w.hot = nil // rolled back: what the writes read may be gone
		return nil, err
	}
	errs = make([]error, len(batch))
	for i, r := range batch {
		if r.ctx.Err() != nil {
			errs[i] = r.ctx.Err()
			continue
		}
		if isolate {
			var txErr error
			if errs[i], txErr = w.isolated(tx, r); txErr != nil {
				return rollback(fmt.Errorf("savepoint: %w", txErr))
			}
			continue
		}
		tx.wrote = false
		if errs[i] = r.fn(tx); errs[i] != nil && (tx.wrote || isDriverErr(errs[i])) {
			if len(batch) == 1 {
				// Nothing else to keep: rolling back undoes it alone.
				_, _ = rollback(nil)
				return errs, nil
			}
			return rollback(errRetryIsolated)
		}
	}
	if err := indexSearch(tx); err != nil {
		return rollback(fmt.Errorf("search index: %w", err))
	}
	if err := tx.Commit(); err != nil {
		return rollback(fmt.Errorf("commit: %w", err))
	}
	w.commits.Add(1)
	w.writes.Add(int64(len(batch)))
	if w.s.ck != nil {
		w.s.ck.committed()
	}
	return errs, nil
}

// isolated runs one write of a batch inside a savepoint, so that its
// failure (fnErr) undoes it alone. txErr reports a savepoint that could not
// be handled: the transaction's state is then unknown and the whole batch
// must fail.
func (w *writer) isolated(tx *txn, r *writeReq) (fnErr, txErr error) {
	ctx := context.Background()
	if _, err := tx.ExecContext(ctx, qSavepoint); err != nil {
		return nil, err
	}
	if fnErr = r.fn(tx); fnErr != nil {
		if _, err := tx.ExecContext(ctx, qRollbackTo); err != nil {
			return fnErr, err
		}
	}
	_, txErr = tx.ExecContext(ctx, qRelease)
	return fnErr, txErr
}
