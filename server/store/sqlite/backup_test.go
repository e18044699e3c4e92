package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// TestBackupWhileWriting copies a database while writers keep committing:
// the copy passes the integrity checks and holds every write that returned
// before the copy began.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "parley.db")
	s := open(t, src)
	defer s.Close()

	var done atomic.Int64 // every license id up to it has been written
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var werr error
	wg.Go(func() {
		for id := int64(1); ; id++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.PutLicense(ctx, chat.License{ID: int(id), Name: "l", CreatedAt: time.Now()}); err != nil {
				werr = err
				return
			}
			done.Store(id)
		}
	})
	for done.Load() < 200 {
		time.Sleep(time.Millisecond)
	}
	before := done.Load()
	dst := filepath.Join(dir, "copy.db")
	if err := Backup(ctx, src, dst); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if werr != nil {
		t.Fatal(werr)
	}
	if err := Check(ctx, dst); err != nil {
		t.Fatal(err)
	}
	c := open(t, dst)
	defer c.Close()
	for id := int64(1); id <= before; id++ {
		if _, err := c.License(ctx, int(id)); err != nil {
			t.Fatalf("license %d, written before the backup began: %v", id, err)
		}
	}
	if err := Backup(ctx, src, dst); err == nil {
		t.Error("Backup onto an existing file: no error")
	}
	if err := Backup(ctx, filepath.Join(dir, "missing.db"), filepath.Join(dir, "x.db")); err == nil {
		t.Error("Backup of a missing file: no error")
	}
	if err := Check(ctx, filepath.Join(dir, "missing.db")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Check of a missing file: %v", err)
	}
}
