package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parleychat/parley/server/chat"
)

// Store is a chat.Store kept in a PostgreSQL database. See the package
// comment.
type Store struct {
	pool     *pgxpool.Pool
	appender appender
}

var _ chat.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string, as pgx reads it; pool_max_conns and the other pgxpool
// settings may be given in it), applies the migrations the database lacks
// and returns a Store on a pool of connections. It refuses a database whose
// synchronous_commit is off, since a write acknowledged there could be lost.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	err = func() error {
		conn, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		if err := checkDurable(ctx, conn.Conn()); err != nil {
			return err
		}
		return migrate(ctx, conn.Conn())
	}()
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s := &Store{pool: pool}
	s.appender.s = s
	return s, nil
}

// checkDurable fails when commits on conn do not wait for the write-ahead
// log to reach disk.
func checkDurable(ctx context.Context, conn *pgx.Conn) error {
	var mode string
	if err := conn.QueryRow(ctx, "SHOW synchronous_commit").Scan(&mode); err != nil {
		return err
	}
	if mode == "off" {
		return errors.New("synchronous_commit is off: an acknowledged write could be lost; set it to on")
	}
	return nil
}

// Close closes the pool's connections. It waits for the connections in use
// to be released.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// querier is what a pool, a connection and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// write runs fn in a transaction and commits it when fn returns nil. It
// returns once the commit is durable or the transaction failed. The commit
// itself ignores the end of ctx: once asked to commit, write waits for the
// answer, so it never reports as failed a write that is then committed.
func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return mapErr(err)
	}
	if err := tx.Commit(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

// read runs fn in a read-only transaction that sees one snapshot.
func (s *Store) read(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return mapErr(err)
	}
	return nil
}

// PostgreSQL error codes the driver maps to chat errors.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
)

// mapErr turns uniqueness violations into chat.ErrExists and foreign key
// violations into chat.ErrNotFound, keeping the driver error in the chain.
func mapErr(err error) error {
	var pe *pgconn.PgError
	if errors.Is(err, chat.ErrExists) || errors.Is(err, chat.ErrNotFound) || !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case codeUniqueViolation:
		return fmt.Errorf("%w: %w", chat.ErrExists, err)
	case codeForeignKeyViolation:
		return fmt.Errorf("%w: %w", chat.ErrNotFound, err)
	}
	return err
}

// wrap prefixes *err, when set, with the operation that failed.
func wrap(err *error, format string, args ...any) {
	if *err != nil {
		*err = fmt.Errorf("postgres: "+format+": %w", append(args, *err)...)
	}
}

// notFound reports pgx.ErrNoRows as chat.ErrNotFound, after what (if not
// empty) names the missing row.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		if what == "" {
			return chat.ErrNotFound
		}
		return fmt.Errorf("%s: %w", what, chat.ErrNotFound)
	}
	return err
}

// ns is the stored form of a time: Unix nanoseconds, NULL for the zero time.
func ns(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	v := t.UnixNano()
	return &v
}

// fromNS is the inverse of ns.
func fromNS(v *int64) time.Time {
	if v == nil {
		return time.Time{}
	}
	return time.Unix(0, *v).UTC()
}

// nonNil returns s, or an empty slice for nil: list columns are NOT NULL.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
