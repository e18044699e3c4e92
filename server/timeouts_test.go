package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/server"
)

// serving starts a server on a loopback listener with srv.Serve, so that
// the HTTP timeouts of cfg apply, and shuts it down when the test ends.
func serving(t *testing.T, cfg server.Config) (*server.Server, string) {
	t.Helper()
	cfg.DataDir = t.TempDir()
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.Demo.AgentPassword = "x"
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
	return srv, l.Addr().String()
}

// rawConn is a client that writes HTTP by hand.
type rawConn struct {
	t *testing.T
	net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	// Only keeps a broken test from hanging.
	_ = c.SetReadDeadline(time.Now().Add(time.Minute))
	return &rawConn{t: t, Conn: c, r: bufio.NewReader(c)}
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.Conn, s); err != nil {
		c.t.Fatal(err)
	}
}

// startSlowBody sends the headers of a request with a body of n bytes and
// waits for 100 Continue, which the server sends when its handler starts
// reading the body; then it sends the first bytes and no more.
func (c *rawConn) startSlowBody(path, contentType, auth string, n int, first string) {
	c.t.Helper()
	c.send(fmt.Sprintf("POST %s HTTP/1.1\r\nHost: parley.test\r\nContent-Type: %s\r\n%sContent-Length: %d\r\nExpect: 100-continue\r\n\r\n",
		path, contentType, auth, n))
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil || resp.StatusCode != http.StatusContinue {
		c.t.Fatalf("POST %s: want 100 Continue, got %v, %v", path, resp, err)
	}
	c.send(first)
}

// outcome reads what the server does next: an answer's status, or 0 when
// it closes the connection without one.
func (c *rawConn) outcome() int {
	c.t.Helper()
	resp, err := http.ReadResponse(c.r, nil)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
			return 0
		}
		c.t.Fatalf("reading the server's answer: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// closed reports whether the server has closed the connection.
func (c *rawConn) closed() bool {
	c.t.Helper()
	_, err := c.r.ReadByte()
	if err == nil {
		c.t.Fatal("unexpected bytes from the server")
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return true
}

func isReset(err error) bool { return strings.Contains(err.Error(), "connection reset") }

// uploadPath and the pieces of a multipart upload.
const (
	uploadPath = "/v3.0/customer/action/send_file?license_id=123"
	boundary   = "b0undary"
	uploadHead = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"payload.chat_id\"\r\n\r\nchat\r\n--" + boundary +
		"\r\nContent-Disposition: form-data; name=\"payload.file\"; filename=\"big.bin\"\r\n\r\n"
)

func customerAuth(t *testing.T, srv *server.Server) string {
	t.Helper()
	tok, err := srv.IssueCustomerToken(srv.Demo().License, "slow", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return "Authorization: Bearer " + tok + "\r\n"
}

// TestShutdownNotStalledBySlowClients: clients that send their bodies a
// byte at a time and keep-alive connections left idle do not hold a
// graceful shutdown, even with a body timeout of an hour: Shutdown cuts the
// bodies and closes the idle connections, and returns without its
// context's error.
func TestShutdownNotStalledBySlowClients(t *testing.T) {
	srv, addr := serving(t, server.Config{HTTPBodyTimeout: time.Hour, UploadMinRate: 1})
	auth := customerAuth(t, srv)
	var tokens, uploads, idle []*rawConn
	for range 20 {
		c := dialRaw(t, addr)
		c.startSlowBody("/customer/token", "text/plain", "", 1000, `{"response_type":`)
		tokens = append(tokens, c)
	}
	for range 5 {
		c := dialRaw(t, addr)
		c.startSlowBody(uploadPath, "multipart/form-data; boundary="+boundary, auth, 1<<20, uploadHead+"0123")
		uploads = append(uploads, c)
	}
	for range 5 {
		c := dialRaw(t, addr)
		c.send("GET /healthz HTTP/1.1\r\nHost: parley.test\r\n\r\n")
		if st := c.outcome(); st != http.StatusOK {
			t.Fatalf("healthz: %d", st)
		}
		idle = append(idle, c)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, c := range tokens {
		if st := c.outcome(); st != 0 && st != http.StatusBadRequest {
			t.Errorf("slow token request: status %d, want 400 or a closed connection", st)
		}
	}
	for _, c := range uploads {
		if st := c.outcome(); st != 0 && st != http.StatusRequestTimeout {
			t.Errorf("slow upload: status %d, want 408 or a closed connection", st)
		}
	}
	for _, c := range idle {
		if !c.closed() {
			t.Errorf("an idle keep-alive connection is still open")
		}
	}
}

// TestSlowBodyCutOff: a body slower than the body timeout is cut, with the
// protocol's error; one in time is served. An upload gets the same cut
// when its minimum rate leaves it no extra time.
func TestSlowBodyCutOff(t *testing.T) {
	srv, addr := serving(t, server.Config{HTTPBodyTimeout: 200 * time.Millisecond, UploadMinRate: 1 << 30})
	auth := customerAuth(t, srv)

	c := dialRaw(t, addr)
	c.startSlowBody("/customer/token", "text/plain", "", 1000, `{"response_type":`)
	if st := c.outcome(); st != http.StatusBadRequest {
		t.Errorf("slow token request: status %d, want 400", st)
	}
	if !c.closed() {
		t.Errorf("the connection of a cut body is still open")
	}

	u := dialRaw(t, addr)
	u.startSlowBody(uploadPath, "multipart/form-data; boundary="+boundary, auth, 1<<20, uploadHead+"0123")
	if st := u.outcome(); st != http.StatusRequestTimeout {
		t.Errorf("slow upload: status %d, want 408", st)
	}

	body := `{"response_type":"token","grant_type":"cookie","client_id":"parley-demo","license_id":123}`
	f := dialRaw(t, addr)
	f.send(fmt.Sprintf("POST /customer/token HTTP/1.1\r\nHost: %s\r\nOrigin: http://%s\r\nContent-Length: %d\r\n\r\n%s", addr, addr, len(body), body))
	if st := f.outcome(); st != http.StatusOK {
		t.Errorf("token request in time: status %d, want 200", st)
	}
}

// TestIdleAndHeaderTimeouts: a keep-alive connection left idle, and one
// whose headers never end, are closed.
func TestIdleAndHeaderTimeouts(t *testing.T) {
	_, addr := serving(t, server.Config{HTTPIdleTimeout: 200 * time.Millisecond, HTTPReadHeaderTimeout: 200 * time.Millisecond})

	idle := dialRaw(t, addr)
	idle.send("GET /healthz HTTP/1.1\r\nHost: parley.test\r\n\r\n")
	if st := idle.outcome(); st != http.StatusOK {
		t.Fatalf("healthz: %d", st)
	}
	if !idle.closed() {
		t.Errorf("an idle keep-alive connection is still open")
	}

	slow := dialRaw(t, addr)
	slow.send("GET /healthz HTTP/1.1\r\nHost: parl")
	if !slow.closed() {
		t.Errorf("a connection whose headers never end is still open")
	}
}
