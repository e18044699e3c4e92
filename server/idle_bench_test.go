package server_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/parleychat/parley/parleytest"
)

// BenchmarkIdleConnMemory holds b.N idle logged-in customer connections
// (run it with -benchtime=2000x or so) and reports what each costs the
// server: live heap, goroutine stacks and goroutines, after a GC, against
// the same measure before they were made; over a plain WebSocket (ws) and
// over SockJS's WebSocket transport (sockjs, the v3.0 JS SDK's). The
// clients are bare sockets that wrote a WebSocket handshake and a login
// frame by hand and run no goroutine, so what is counted is the server's
// (plus a socket each).
func BenchmarkIdleConnMemory(b *testing.B) {
	srv := parleytest.NewServer(b)
	for _, tr := range []struct {
		name, path string
		sockjs     bool
	}{
		{"ws", fmt.Sprintf("/v3.0/customer/rtm/ws?license_id=%d", srv.License), false},
		{"sockjs", fmt.Sprintf("/v3.0/customer/rtm/sjs/000/%%d/websocket?license_id=%d", srv.License), true},
	} {
		b.Run(tr.name, func(b *testing.B) {
			benchIdle(b, srv, tr.path, tr.sockjs)
		})
	}
}

func benchIdle(b *testing.B, srv *parleytest.Server, path string, sockjs bool) {
	addr := strings.TrimPrefix(srv.URL, "http://")
	tokens := make([]string, b.N)
	for i := range tokens {
		tokens[i] = srv.CustomerToken(b, fmt.Sprint("idle-", b.Name(), "-", i))
	}
	conns := make([]net.Conn, 0, b.N)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	before := serverMem()
	b.ResetTimer()
	for i := range b.N {
		p := path
		if sockjs {
			p = fmt.Sprintf(path, i)
		}
		c, err := rawLogin(addr, p, tokens[i], sockjs)
		if err != nil {
			b.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
	}
	b.StopTimer()
	after := serverMem()
	n := float64(b.N)
	b.ReportMetric(float64(after.heap-before.heap)/n, "heap-B/conn")
	b.ReportMetric(float64(after.stack-before.stack)/n, "stack-B/conn")
	b.ReportMetric(float64(after.goroutines-before.goroutines)/n, "goroutines/conn")
	b.ReportMetric(n/b.Elapsed().Seconds(), "logins/s")
}

type memStats struct {
	heap, stack uint64
	goroutines  int
}

func serverMem() memStats {
	var m runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return memStats{heap: m.HeapAlloc, stack: m.StackInuse, goroutines: runtime.NumGoroutine()}
}

// rawLogin opens a WebSocket to addr by hand, logs in with token (in a
// SockJS array when sockjs) and returns the socket once the login response
// has arrived.
func rawLogin(addr, path, token string, sockjs bool) (net.Conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, addr)
	br := bufio.NewReaderSize(c, 512)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.Close()
		return nil, fmt.Errorf("upgrade: %s", resp.Status)
	}
	login := fmt.Appendf(nil, `{"request_id":"1","action":"login","payload":{"token":"Bearer %s"}}`, token)
	// The login, and a keep-alive ping as the JS SDK sends them.
	for _, msg := range [][]byte{login, []byte(`{"action":"ping"}`)} {
		if sockjs {
			quoted, _ := json.Marshal(string(msg))
			msg = fmt.Appendf(nil, "[%s]", quoted)
		}
		if err := writeClientFrame(c, msg); err != nil {
			c.Close()
			return nil, err
		}
	}
	for {
		payload, err := readServerFrame(br)
		if err != nil {
			c.Close()
			return nil, err
		}
		if sockjs && len(payload) > 0 && payload[0] == 'a' {
			var frames []string
			if err := json.Unmarshal(payload[1:], &frames); err != nil {
				c.Close()
				return nil, fmt.Errorf("sockjs message %q: %v", payload, err)
			}
			payload = []byte(strings.Join(frames, "\n"))
		}
		if bytes.Contains(payload, []byte(`"action":"login"`)) {
			if !bytes.Contains(payload, []byte(`"type":"response"`)) || bytes.Contains(payload, []byte(`"success":false`)) {
				c.Close()
				return nil, fmt.Errorf("login: %s", payload)
			}
			return c, nil
		}
	}
}

func readServerFrame(r io.Reader) ([]byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, err
		}
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return nil, err
		}
		n = binary.BigEndian.Uint64(l[:])
	}
	p := make([]byte, n)
	_, err := io.ReadFull(r, p)
	return p, err
}
