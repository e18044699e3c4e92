package main

// The processes and the network around the nodes of the cluster tests:
// their flags and shared token key, a TCP relay in front of them (a load
// balancer), and a NATS server of the test's own.

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// killNode ends a node with SIGKILL: no goodbye to its clients, to NATS or
// to the database.
func killNode(t *testing.T, p *proc) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_, _ = p.cmd.Process.Wait()
}

// relay is a TCP relay in front of the nodes of a cluster, as a load
// balancer is: each connection goes to the first backend that accepts it,
// so once a node is dead its clients' new connections go to the next.
type relay struct {
	l        net.Listener
	backends []string

	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func startRelay(t *testing.T, backends ...string) *relay {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{l: l, backends: backends, conns: map[net.Conn]struct{}{}}
	done := make(chan struct{})
	go func() { defer close(done); r.serve() }()
	t.Cleanup(func() {
		l.Close()
		<-done
		r.mu.Lock()
		for c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
	})
	return r
}

func (r *relay) addr() string { return r.l.Addr().String() }

func (r *relay) serve() {
	for {
		in, err := r.l.Accept()
		if err != nil {
			return
		}
		go r.pipe(in)
	}
}

func (r *relay) pipe(in net.Conn) {
	var out net.Conn
	for _, b := range r.backends {
		var err error
		if out, err = net.DialTimeout("tcp", b, 2*time.Second); err == nil {
			break
		}
	}
	if out == nil {
		in.Close()
		return
	}
	r.mu.Lock()
	r.conns[in], r.conns[out] = struct{}{}, struct{}{}
	r.mu.Unlock()
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(out, in)
	go cp(in, out)
	<-done // either side gone: end both
	in.Close()
	out.Close()
	<-done
	r.mu.Lock()
	delete(r.conns, in)
	delete(r.conns, out)
	r.mu.Unlock()
}

// natsServer is a nats-server process of the test's own, which the test
// may kill and start again on the same address.
type natsServer struct {
	t    *testing.T
	bin  string
	addr string
	cmd  *exec.Cmd
	runs int
}

// startNATSServer starts nats-server (from PATH, or /usr/sbin, where the
// Debian package puts it) on a free port. A missing nats-server fails the
// test: CI installs it.
func startNATSServer(t *testing.T) *natsServer {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		bin = "/usr/sbin/nats-server"
		if _, err := os.Stat(bin); err != nil {
			t.Fatal("nats-server is neither in PATH nor at /usr/sbin/nats-server: install it (apt-get install nats-server), or run with -short")
		}
	}
	n := &natsServer{t: t, bin: bin, addr: freeAddr(t)}
	n.start()
	t.Cleanup(n.kill)
	return n
}

func (n *natsServer) url() string { return "nats://" + n.addr }

// start runs nats-server and returns once it accepts connections.
func (n *natsServer) start() {
	n.t.Helper()
	host, port, _ := net.SplitHostPort(n.addr)
	n.runs++
	logf, err := os.Create(filepath.Join(n.t.TempDir(), fmt.Sprintf("nats-server-%d.log", n.runs)))
	if err != nil {
		n.t.Fatal(err)
	}
	cmd := exec.Command(n.bin, "-a", host, "-p", port)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("start nats-server: %v", err)
	}
	n.cmd = cmd
	n.t.Cleanup(func() { logf.Close() })
	waitUntil(n.t, "nats-server accepts connections on "+n.addr, func() bool {
		c, err := net.DialTimeout("tcp", n.addr, time.Second)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
}

// kill ends nats-server with SIGKILL.
func (n *natsServer) kill() {
	if n.cmd == nil {
		return
	}
	_ = n.cmd.Process.Kill()
	_, _ = n.cmd.Process.Wait()
	n.cmd = nil
}
