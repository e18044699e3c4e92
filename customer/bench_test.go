package customer_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
)

// rcBenchSDK returns a connected SDK with a chat of its own.
func rcBenchSDK(b *testing.B, server string, license int, clientID string) (*customer.SDK, string) {
	b.Helper()
	sdk, err := customer.Init(customer.Config{License: license, ClientID: clientID, Server: server, Identity: customer.MemoryStore()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(sdk.Destroy)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := sdk.StartChat(ctx, customer.StartChatRequest{})
	if err != nil {
		b.Fatal(err)
	}
	return sdk, c.ID
}

func rcReportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkSendEvent measures SendEvent round trips through a real server
// in the same process (WebSocket on loopback, session, chat service, SQLite
// with synchronous=FULL, broker): from the call to the stored event it
// returns, one at a time. allocs/op and B/op count the server's share too.
func BenchmarkSendEvent(b *testing.B) {
	srv := parleytest.NewServer(b)
	sdk, chatID := rcBenchSDK(b, srv.URL, srv.License, srv.ClientID)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		t0 := time.Now()
		if _, err := sdk.SendEvent(ctx, chatID, customer.Event{Type: customer.EventMessage, Text: fmt.Sprint("m", i)}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	rcReportLatency(b, lat)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkSendEventParallel is BenchmarkSendEvent with 16 goroutines per
// CPU sending on one SDK (one connection, one chat).
func BenchmarkSendEventParallel(b *testing.B) {
	srv := parleytest.NewServer(b)
	sdk, chatID := rcBenchSDK(b, srv.URL, srv.License, srv.ClientID)
	ctx := context.Background()
	var mu sync.Mutex
	var lat []time.Duration
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for i := 0; pb.Next(); i++ {
			t0 := time.Now()
			if _, err := sdk.SendEvent(ctx, chatID, customer.Event{Type: customer.EventMessage, Text: fmt.Sprint("m", i)}); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	rcReportLatency(b, lat)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkIdleSDKMemory connects b.N idle SDKs (run it with
// -benchtime=500x or so) and reports what each costs the client process:
// live heap, goroutine stacks and goroutines, measured after a GC against
// the same measure before they were made. The server runs in a process of
// its own (the parley binary, built for the benchmark), so that its
// per-connection sessions are not counted; if it cannot be built the
// server runs in-process and the figures include its sessions (the
// benchmark logs which).
func BenchmarkIdleSDKMemory(b *testing.B) {
	url, license, clientID := rcBenchServer(b)
	before := rcMem()
	sdks := make([]*customer.SDK, b.N)
	b.ResetTimer()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range sdks {
		sdk, err := customer.Init(customer.Config{License: license, ClientID: clientID, Server: url, Identity: customer.MemoryStore()})
		if err != nil {
			b.Fatal(err)
		}
		sdks[i] = sdk
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			// Any request waits for the login: this one returns once
			// connected.
			if _, err := sdk.GetChatsSummary(ctx, customer.Pagination{}); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	after := rcMem()
	n := float64(b.N)
	b.ReportMetric(float64(after.heap-before.heap)/n, "heap-B/sdk")
	b.ReportMetric(float64(after.stack-before.stack)/n, "stack-B/sdk")
	b.ReportMetric(float64(after.goroutines-before.goroutines)/n, "goroutines/sdk")
	runtime.KeepAlive(sdks)
	for _, s := range sdks {
		s.Destroy()
	}
}

type rcMemStats struct {
	heap, stack uint64
	goroutines  int
}

func rcMem() rcMemStats {
	var m runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return rcMemStats{heap: m.HeapAlloc, stack: m.StackInuse, goroutines: runtime.NumGoroutine()}
}

// rcBenchServer starts the parley binary on a free port for the
// benchmark, or an in-process server when it cannot be built.
func rcBenchServer(b *testing.B) (url string, license int, clientID string) {
	b.Helper()
	dir := b.TempDir()
	bin := filepath.Join(dir, "parley")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/parleychat/parley/cmd/parley").CombinedOutput()
	if err != nil {
		b.Logf("server in-process (its sessions are counted): cannot build the parley binary: %v\n%s", err, out)
		srv := parleytest.NewServer(b)
		return srv.URL, srv.License, srv.ClientID
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	logf, err := os.Create(filepath.Join(dir, "parley.log"))
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--addr", addr, "--admin-addr", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"), "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		logf.Close()
	})
	url = "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			b.Fatalf("the server did not come up: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	http.DefaultClient.CloseIdleConnections()
	b.Log("server in a separate process: the figures are the client's alone")
	return url, 123, "parley-demo"
}
