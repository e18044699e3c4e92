package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"
)

// A query being prepared waits for a free connection of the read pool; the
// transactions that hold the connections must still find their prepared
// statements meanwhile, or nobody ever frees a connection.
func TestPrepareWaitsWithoutBlockingLookups(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "parley.db"))
	defer s.Close()
	txs := make([]*sql.Tx, s.r.Stats().MaxOpenConnections)
	for i := range txs {
		tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		txs[i] = tx
	}
	waits := s.r.Stats().WaitCount
	prepared := make(chan bool)
	go func() { prepared <- s.rStmts.prepare(ctx, "SELECT 2") != nil }()
	for s.r.Stats().WaitCount == waits {
		time.Sleep(time.Millisecond)
	}
	// The pool is full and the prepare waits for it.
	looked := make(chan struct{})
	go func() {
		s.rStmts.lookup(qChat)
		close(looked)
	}()
	select {
	case <-looked:
	case <-time.After(30 * time.Second):
		t.Fatal("a statement lookup waited behind a prepare waiting for a connection")
	}
	for _, tx := range txs {
		_ = tx.Rollback()
	}
	if !<-prepared {
		t.Fatal("the prepare failed once a connection was free")
	}
}

// A query a transaction runs unprepared is prepared once the transaction
// has ended, on the read pool and on the writer's connection alike.
func TestUnpreparedQueriesArePreparedAfter(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "parley.db"))
	defer s.Close()
	const q = `SELECT count(*) FROM chats WHERE license_id = ? AND id <> ?`
	if s.rStmts.lookup(q) != nil || s.wStmts.lookup(q) != nil {
		t.Fatal("the query is prepared before any use")
	}
	var n int
	if err := s.read(ctx, func(tx *txn) error { return tx.QueryRowContext(ctx, q, 1, "x").Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	if s.rStmts.lookup(q) == nil {
		t.Error("a read ran the query unprepared and it was not prepared after")
	}
	if err := s.write(ctx, func(tx *txn) error { return tx.QueryRowContext(ctx, q, 1, "x").Scan(&n) }); err != nil {
		t.Fatal(err)
	}
	if s.wStmts.lookup(q) == nil {
		t.Error("a write ran the query unprepared and it was not prepared after")
	}
}
