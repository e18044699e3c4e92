package sqlite

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"
)

// Checkpoints copy the WAL's committed pages into the database file so that
// the WAL can start over. SQLite runs one inside a commit once the WAL
// passes wal_autocheckpoint pages, on the committing connection: here that
// is the writer, and every group of writes waiting behind it. A checkpointer
// goroutine on a connection of its own runs them instead, as PASSIVE
// checkpoints, which never block the writer or the readers. The writer's
// own automatic checkpoint stays as a backstop at a much larger WAL
// (writerAutoCheckpoint), reached only if the checkpointer falls behind.
const (
	checkpointEvery      = 200 * time.Millisecond
	writerAutoCheckpoint = 16384 // pages: 64 MiB of WAL at 4 KiB pages
)

// checkpointer runs a PASSIVE checkpoint after commits, at most once per
// checkpointEvery. It sleeps while nothing is committed.
type checkpointer struct {
	db      *sql.DB
	kick    chan struct{} // 1-buffered: something was committed
	stop    chan struct{}
	stopped chan struct{}

	// The last checkpoint's outcome: the WAL's frames and how many of them
	// are in the database file.
	walFrames, backfilled atomic.Int64
	runs                  atomic.Int64
}

// startCheckpointer opens the checkpoint connection and starts its loop.
func startCheckpointer(dsn string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	go c.loop()
	return c, nil
}

// committed tells the checkpointer that the WAL grew. It never blocks.
func (c *checkpointer) committed() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop() {
	defer close(c.stopped)
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		// A failure (the database busy, a full disk) leaves the pages in
		// the WAL for the next round or the writer's backstop.
		var busy, log, ckpt int64
		if c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &ckpt) == nil {
			c.walFrames.Store(log)
			c.backfilled.Store(ckpt)
			c.runs.Add(1)
		}
		// Commits meanwhile wait for the next round.
		select {
		case <-c.stop:
			return
		case <-time.After(checkpointEvery):
		}
	}
}

// close stops the loop and closes its connection.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	close(c.stop)
	<-c.stopped
	return c.db.Close()
}
