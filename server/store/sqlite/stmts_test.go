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
