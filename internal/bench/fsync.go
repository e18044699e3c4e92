package bench

import (
	"fmt"
	"os"
	"time"
)

// FsyncResult is what [Fsync] measured.
type FsyncResult struct {
	Dir       string  `json:"dir"`
	Count     int     `json:"count"`
	PerSec    float64 `json:"fsyncs_per_s"`
	Latency   Latency `json:"write_fsync"`
	BlockSize int     `json:"bytes_per_write"`
}

// Fsync appends a small block to a new file in dir and fsyncs it, count
// times, one after another: the latency of one durable commit on that disk,
// the floor under every durable acknowledgement. The file is removed.
func Fsync(dir string, count int) (FsyncResult, error) {
	if count <= 0 {
		count = 1000
	}
	res := FsyncResult{Dir: dir, Count: count, BlockSize: 512}
	f, err := os.CreateTemp(dir, "parley-bench-fsync-*")
	if err != nil {
		return res, fmt.Errorf("bench: fsync: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	block := make([]byte, res.BlockSize)
	d := make([]time.Duration, 0, count)
	t0 := time.Now()
	for range count {
		s := time.Now()
		if _, err := f.Write(block); err != nil {
			return res, err
		}
		if err := f.Sync(); err != nil {
			return res, err
		}
		d = append(d, time.Since(s))
	}
	res.PerSec = float64(count) / time.Since(t0).Seconds()
	res.Latency = summarize(d)
	return res, nil
}
