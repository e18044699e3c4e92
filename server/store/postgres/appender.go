package postgres

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/parleychat/parley/server/chat"
)

// maxBatch bounds the appends of one transaction, so that one commit's
// latency, and the chats it holds locked, stay bounded however long the
// queue grows.
const maxBatch = 256

// maxInFlight is how many batches a Store runs at once, each on its own
// connection: one can commit while the next waits for its locks, and a
// batch held up by another transaction's lock does not hold up every
// append of the node.
const maxInFlight = 2

// appendReq is one AppendEvent waiting for its batch.
type appendReq struct {
	ctx  context.Context
	a    chat.AppendEvent
	res  chat.AppendResult
	err  error
	done chan struct{} // closed once res and err are set
}

// appender gathers concurrent appends into batches (see the package
// comment). A lone append goes at once; appends that come while
// maxInFlight batches run wait in the queue, and the next batch takes all
// of them, up to maxBatch. No timer gathers a batch: batches grow only
// with the load.
type appender struct {
	s *Store

	mu      sync.Mutex
	queue   []*appendReq
	running int // batches in flight

	// Counters for tests and benchmarks: committed batches, the appends
	// they answered, and batches whose appends ran again one by one.
	commits, appends, isolated atomic.Int64
}

// append queues a and waits for its outcome. The wait does not end with
// ctx once the append is in a batch: the caller learns whether it was
// stored. An append whose ctx ends before its batch starts is skipped.
func (ap *appender) append(ctx context.Context, a chat.AppendEvent) (chat.AppendResult, error) {
	r := &appendReq{ctx: ctx, a: a, done: make(chan struct{})}
	ap.mu.Lock()
	ap.queue = append(ap.queue, r)
	start := ap.running < maxInFlight
	if start {
		ap.running++
	}
	ap.mu.Unlock()
	if start {
		go ap.run()
	}
	<-r.done
	return r.res, r.err
}

// run stores batches until the queue is empty.
func (ap *appender) run() {
	for {
		ap.mu.Lock()
		n := min(len(ap.queue), maxBatch)
		if n == 0 {
			ap.queue = nil
			ap.running--
			ap.mu.Unlock()
			return
		}
		batch := ap.queue[:n:n]
		ap.queue = ap.queue[n:]
		ap.mu.Unlock()
		ap.commit(batch)
	}
}

// commit stores a batch and answers each of its appends.
//
// A statement that fails aborts the transaction, and with it every append
// of the batch: the appends then run again one by one, each in a
// transaction of its own, where a failure is that append's alone.
func (ap *appender) commit(batch []*appendReq) {
	live := make([]*appendReq, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	err := ap.run1(live)
	if err != nil && len(live) > 1 && statementFailed(err) {
		ap.isolated.Add(1)
		for _, r := range live {
			if err := ap.run1([]*appendReq{r}); err != nil {
				r.res, r.err = chat.AppendResult{}, err
			}
		}
	} else if err != nil {
		for _, r := range live {
			r.res, r.err = chat.AppendResult{}, err
		}
	}
	for _, r := range live {
		r.err = mapErr(r.err)
		close(r.done)
	}
}

// run1 runs one transaction of appends, under a context that ends once
// every caller's has: the batch waits for locks and for the server as
// long as one of its callers does.
func (ap *appender) run1(batch []*appendReq) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var left atomic.Int64
	left.Store(int64(len(batch)))
	for _, r := range batch {
		stop := context.AfterFunc(r.ctx, func() {
			if left.Add(-1) == 0 {
				cancel()
			}
		})
		defer stop()
	}
	err := ap.s.appendBatch(ctx, batch)
	if err == nil {
		ap.commits.Add(1)
		ap.appends.Add(int64(len(batch)))
	}
	return err
}

// statementFailed reports an error PostgreSQL answered a statement with:
// the transaction is aborted, nothing of it is stored, and the connection
// is still usable.
func statementFailed(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.SeverityUnlocalized == "ERROR"
}
