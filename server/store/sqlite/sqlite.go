package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// busyTimeout is how long a connection waits for a lock held by another
// connection (of this or another process) before it gives up.
const busyTimeout = 10 * time.Second

// Store is a chat.Store kept in one SQLite file. See the package comment.
type Store struct {
	path   string
	w      *sql.DB    // the one write connection
	r      *sql.DB    // read-only pool
	wStmts *stmtCache // prepared at Open: the write DB has no spare connection later
	rStmts *stmtCache // prepared at Open and on first use outside transactions
	ck     *checkpointer
	wr     *writer

	closeOnce sync.Once
	closeErr  error
}

var _ chat.Store = (*Store)(nil)

// Open opens the SQLite database at path, creating the file if it is
// missing, and applies the migrations it lacks. The database runs in WAL mode
// with synchronous=FULL, so each write is durable once its method returns:
// it survives kill -9 of the process. Foreign keys are enforced.
//
// path is a file path; it may not contain '?'.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") || path == ":memory:" {
		return nil, fmt.Errorf("sqlite: open %q: need a plain file path", path)
	}
	pragmas := func(extra ...string) string {
		v := url.Values{}
		v.Add("_pragma", "busy_timeout("+strconv.FormatInt(busyTimeout.Milliseconds(), 10)+")")
		v.Add("_pragma", "foreign_keys(1)")
		v.Add("_pragma", "synchronous(FULL)")
		for i := 0; i+1 < len(extra); i += 2 {
			v.Add(extra[i], extra[i+1])
		}
		return path + "?" + v.Encode()
	}

	// temp_store(MEMORY) keeps the statement journals of the writer's
	// savepoints in memory: on disk, every write of a group cost extra
	// file writes. cache_size holds a whole group's changed pages: with
	// the default 2 MiB the cache spills pages to the WAL in the middle of
	// a group, and writes them again at its commit.
	// wal_autocheckpoint: see checkpoint.go.
	w, err := sql.Open("sqlite", pragmas("_pragma", "journal_mode(WAL)", "_pragma", "temp_store(MEMORY)",
		"_pragma", "cache_size(-"+strconv.Itoa(writerCacheKiB)+")",
		"_pragma", "wal_autocheckpoint("+strconv.Itoa(writerAutoCheckpoint)+")", "_txlock", "immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	s := &Store{path: path, w: w}
	// The first connection switches the file to WAL before any reader opens.
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %q: journal mode is %q, not wal", path, mode)
	}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}

	r, err := sql.Open("sqlite", pragmas("_pragma", "query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	s.r = r
	if s.wStmts, err = prepare(ctx, w, writeQueries); err == nil {
		s.rStmts, err = prepare(ctx, r, readQueries)
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if s.ck, err = startCheckpointer(pragmas()); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	s.startWriter()
	return s, nil
}

// prepare prepares queries on db.
func prepare(ctx context.Context, db *sql.DB, queries []string) (*stmtCache, error) {
	c := newStmtCache(db)
	for _, q := range queries {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			c.close()
			return nil, fmt.Errorf("prepare %q: %w", q, err)
		}
		c.m[q] = st
	}
	return c, nil
}

// Close closes the database. It waits for running methods to finish;
// writes queued before it are committed. Later calls return the first
// call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Store) close() error {
	if s.wr != nil {
		s.wr.close()
	}
	errC := s.ck.close()
	s.wStmts.close()
	s.rStmts.close()
	errR := s.r.Close()
	errW := s.w.Close()
	if err := errors.Join(errC, errR, errW); err != nil {
		return fmt.Errorf("sqlite: close %q: %w", s.path, err)
	}
	return nil
}

// migrate applies the migrations the database lacks, each in its own
// transaction together with its schema_migrations row.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations.List(migrationFS, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := s.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	for _, m := range ms {
		err := s.writeNow(ctx, func(tx *txn) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now().UnixNano()); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.Version))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate: %s: %w", m.Name, err)
		}
	}
	return nil
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// rowQuerier reads one row: a querier, or a stmtCache outside transactions.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queryAll runs query and scans every row it returns with scan; an empty
// result is an empty, non-nil slice.
func queryAll[T any](ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// txn is a transaction that runs the prepared form of the queries its
// connection's stmtCache holds and the plain form of the others.
type txn struct {
	*sql.Tx
	stmts *stmtCache // nil: nothing prepared
	// detached makes statements ignore the end of their context. The
	// writer's transactions run short statements for many callers at
	// once; a cancellable context would cost the driver a goroutine per
	// statement to watch it, and a cancelled write must not fail the
	// group it shares.
	detached bool
	// wrote is set by every ExecContext: the writer's test of whether a
	// failed write changed anything.
	wrote bool
	// missed are the queries run unprepared: the transaction's owner
	// prepares them once the transaction has ended and its connection is
	// free (stmtCache.prepareAll), so that each is parsed once, not once a
	// call.
	missed []string
}

func (t *txn) stmt(query string) *sql.Stmt {
	if t.stmts == nil {
		return nil
	}
	st := t.stmts.lookup(query)
	if st == nil && !slices.Contains(t.missed, query) {
		t.missed = append(t.missed, query)
	}
	return st
}

func (t *txn) ctx(ctx context.Context) context.Context {
	if t.detached {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (t *txn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.wrote = true
	ctx = t.ctx(ctx)
	if st := t.stmt(query); st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

func (t *txn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = t.ctx(ctx)
	if st := t.stmt(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

func (t *txn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = t.ctx(ctx)
	if st := t.stmt(query); st != nil {
		return t.Tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// write runs fn in a write transaction and returns once it has committed
// (nil) or failed. Concurrent writes share one transaction and one commit;
// each runs in its own savepoint, so a failing fn undoes only its own
// changes (see writer).
func (s *Store) write(ctx context.Context, fn func(tx *txn) error) error {
	return s.wr.submit(ctx, fn)
}

// writeNow runs fn in a transaction of its own (BEGIN IMMEDIATE on the
// write connection) and commits it when fn returns nil. Open uses it before
// the writer starts.
func (s *Store) writeNow(ctx context.Context, fn func(tx *txn) error) error {
	sqlTx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &txn{Tx: sqlTx}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return mapErr(err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// read runs fn in a read-only transaction, which sees one snapshot.
func (s *Store) read(ctx context.Context, fn func(tx *txn) error) error {
	sqlTx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &txn{Tx: sqlTx, stmts: s.rStmts}
	err = fn(tx)
	_ = sqlTx.Rollback()
	s.rStmts.prepareAll(context.WithoutCancel(ctx), tx.missed)
	return mapErr(err)
}

// mapErr turns uniqueness violations into chat.ErrExists and foreign key
// violations into chat.ErrNotFound, keeping the driver error in the chain.
func mapErr(err error) error {
	var se *sqlite.Error
	if errors.Is(err, chat.ErrExists) || errors.Is(err, chat.ErrNotFound) || !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return fmt.Errorf("%w: %w", chat.ErrExists, err)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return fmt.Errorf("%w: %w", chat.ErrNotFound, err)
	}
	return err
}

// wrap prefixes *err, when set, with the operation that failed.
func wrap(err *error, format string, args ...any) {
	if *err != nil {
		*err = fmt.Errorf("sqlite: "+format+": %w", append(args, *err)...)
	}
}

// notFound reports sql.ErrNoRows as chat.ErrNotFound, after what (if not
// empty) names the missing row.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		if what == "" {
			return chat.ErrNotFound
		}
		return fmt.Errorf("%s: %w", what, chat.ErrNotFound)
	}
	return err
}
