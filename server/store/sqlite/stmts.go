package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxStmts bounds the statements a stmtCache keeps: queries are built from
// a fixed set of shapes, so this is never reached in practice.
const maxStmts = 256

// stmtCache holds prepared statements by query text, so that SQLite parses
// each query once per connection instead of once per call.
//
// A statement is prepared on the cache's *sql.DB, which needs a free
// connection: prepare only outside transactions (the write DB has one
// connection, held by the writer's transaction). Transactions look
// statements up with lookup and run the others unprepared, noting them;
// they are prepared after the transaction (prepareAll), so that any
// query shape is parsed once per connection, up to maxStmts of them.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt)}
}

// lookup returns the prepared statement of q, or nil.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[q]
}

// prepare returns q prepared, preparing it on first use. On failure (or a
// full cache) it returns nil: the caller runs q unprepared, which reports
// any error in the query.
func (c *stmtCache) prepare(ctx context.Context, q string) *sql.Stmt {
	c.mu.RLock()
	st, full := c.m[q], c.m == nil || len(c.m) >= maxStmts
	c.mu.RUnlock()
	if st != nil || full {
		return st
	}
	// Prepared without holding mu: preparing waits for a free connection,
	// and the transactions holding the connections need mu to look up
	// their statements.
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if have := c.m[q]; have != nil {
		st.Close() // prepared meanwhile by another caller
		return have
	}
	if c.m == nil || len(c.m) >= maxStmts {
		st.Close()
		return nil
	}
	c.m[q] = st
	return st
}

// prepareAll prepares the queries not prepared yet; a transaction that ran
// them unprepared hands them over once its connection is free.
func (c *stmtCache) prepareAll(ctx context.Context, queries []string) {
	for _, q := range queries {
		c.prepare(ctx, q)
	}
}

// close closes every statement.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// QueryContext runs q, prepared, outside any transaction.
func (c *stmtCache) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := c.prepare(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, q, args...)
}

// QueryRowContext runs q, prepared, outside any transaction.
func (c *stmtCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := c.prepare(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, q, args...)
}
