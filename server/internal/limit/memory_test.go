package limit

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// TestKeyedMemory: a Keyed full of keys costs about what the package doc
// says (about 300 bytes a key, for keys the size of an IPv6 /64).
func TestKeyedMemory(t *testing.T) {
	const n = DefaultMaxKeys
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	k := NewKeyed(rate.Every(time.Minute), 20, n)
	for i := range n {
		k.Take("2001:db8:"+strconv.Itoa(i)+"::/64", 1, t0)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.0f bytes a key", per)
	if per > 300 {
		t.Errorf("%.0f bytes a key, documented as about 300", per)
	}
	runtime.KeepAlive(k)
}
