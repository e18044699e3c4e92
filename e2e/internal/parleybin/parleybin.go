// Package parleybin builds the parley command and runs `parley serve` of
// it as a process, for the end-to-end tests that need the real binary
// (e2e/widget, e2e/chatui). It is for tests only.
package parleybin

import (
	"bytes"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build builds the parley command of the main module (with its go.mod, as
// a clone builds it) into a temporary directory of t and returns its path.
func Build(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	bin := filepath.Join(t.TempDir(), "parley")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/parley")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Server is a `parley serve` process. Stop and Start stop it and run it
// again on the same address and data directory, as an operator restarting
// it would.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:<port>".
	URL string

	t       testing.TB
	binPath string
	args    []string
	cmd     *exec.Cmd
	log     syncBuffer
}

// Serve runs `parley serve` of bin on dataDir with more flags, on a free
// loopback port, and returns once it answers /healthz. The process is
// killed at the end of t; its log is shown if t failed.
func Serve(t testing.TB, bin, dataDir string, flags ...string) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &Server{URL: "http://" + addr, t: t, binPath: bin,
		args: append([]string{"serve", "--addr", addr, "--admin-addr", "", "--data-dir", dataDir, "--log-level", "warn"}, flags...)}
	t.Cleanup(func() {
		if s.cmd != nil {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("log of parley serve:\n%s", s.log.String())
		}
	})
	s.Start()
	return s
}

// Start runs the server again after Stop and waits until it answers.
func (s *Server) Start() {
	s.t.Helper()
	cmd := exec.Command(s.binPath, s.args...)
	cmd.Stdout, cmd.Stderr = &s.log, &s.log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("parley serve did not come up: %v\n%s", err, s.log.String())
		}
	}
}

// Stop ends the server as an operator does (SIGTERM: a graceful shutdown)
// and waits for the process to exit.
func (s *Server) Stop() {
	s.t.Helper()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		_ = s.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
		s.t.Errorf("parley serve did not stop within 30 s of SIGTERM")
	}
	s.cmd = nil
}

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
