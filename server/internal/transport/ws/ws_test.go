package ws_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/server/internal/transport"
	"github.com/parleychat/parley/server/internal/transport/ws"
)

// serve starts a server running h and returns its ws:// URL. Cleanup waits
// for every handler to return.
func serve(t *testing.T, opts transport.Options, h transport.Handler) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	return start(t, srv, opts, h)
}

func start(t *testing.T, srv *httptest.Server, opts transport.Options, h transport.Handler) string {
	t.Helper()
	var wg sync.WaitGroup
	inner := ws.Handler(func(ctx context.Context, c transport.Conn, r *http.Request) {
		defer wg.Done()
		h(ctx, c, r)
	}, opts)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1) // done by h, which runs after an upgrade
		sw := &statusWriter{ResponseWriter: w}
		inner.ServeHTTP(sw, r)
		if sw.code != http.StatusSwitchingProtocols {
			wg.Done()
		}
	})
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("handler did not return")
		}
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// statusWriter notes the status written through it.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func dial(t *testing.T, url string, hdr http.Header) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func read(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	_, p, err := c.Read(testCtx(t))
	if err != nil {
		t.Fatalf("client read: %v", err)
	}
	return string(p)
}

// closeOf reads until the connection ends and returns the close frame.
func closeOf(t *testing.T, c *websocket.Conn) websocket.CloseError {
	t.Helper()
	ctx := testCtx(t)
	for {
		_, p, err := c.Read(ctx)
		if err == nil {
			t.Logf("client read %q before the close", p)
			continue
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) {
			t.Fatalf("client read: %v, want a close frame", err)
		}
		return ce
	}
}

func echo(ctx context.Context, c transport.Conn, r *http.Request) {
	for {
		f, err := c.Read(ctx)
		if err != nil {
			return
		}
		if err := c.Write(ctx, f, append([]byte("echo:"), f...)); err != nil {
			return
		}
	}
}

func TestEcho(t *testing.T) {
	c := dial(t, serve(t, transport.Options{}, echo), nil)
	ctx := testCtx(t)
	for _, f := range []string{`{"action": "ping"}`, `{"request_id":"1","action":"login","payload":{"token":"Bearer x"}}`, ``} {
		if err := c.Write(ctx, websocket.MessageText, []byte(f)); err != nil {
			t.Fatal(err)
		}
		if got := read(t, c); got != f {
			t.Errorf("first message = %q, want %q", got, f)
		}
		if got := read(t, c); got != "echo:"+f {
			t.Errorf("second message = %q, want %q", got, "echo:"+f)
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
}

func TestMessageTooBig(t *testing.T) {
	readErr := make(chan error, 1)
	url := serve(t, transport.Options{MaxMessageBytes: 64}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		if _, err := c.Read(ctx); err != nil {
			t.Errorf("read of a small message: %v", err)
		}
		_, err := c.Read(ctx)
		readErr <- err
	})
	c := dial(t, url, nil)
	ctx := testCtx(t)
	if err := c.Write(ctx, websocket.MessageText, bytes.Repeat([]byte("x"), 64)); err != nil {
		t.Fatal(err)
	}
	if err := c.Write(ctx, websocket.MessageText, bytes.Repeat([]byte("x"), 65)); err != nil {
		t.Fatal(err)
	}
	if ce := closeOf(t, c); ce.Code != websocket.StatusMessageTooBig {
		t.Errorf("close code = %d, want 1009", ce.Code)
	}
	if err := <-readErr; !errors.Is(err, websocket.ErrMessageTooBig) {
		t.Errorf("server Read error = %v, want ErrMessageTooBig", err)
	}
}

// Close codes the tests send. Application codes (3000–4999) pass through
// the transport unchanged.
const (
	codeEnough       = 4000
	codeBye          = 4001
	codeAgain        = 4002 // a second Close, ignored
	codeClientLeaves = 4100
	codeNotOnWire    = 2000 // not allowed in a close frame: sent as 1000
)

func TestCloseCodeAndReason(t *testing.T) {
	after := make(chan [2]error, 1)
	url := serve(t, transport.Options{}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		if err := c.Close(codeBye, "bye now"); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := c.Close(codeAgain, "again"); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if ctx.Err() == nil {
			t.Error("handler ctx still live after Close")
		}
		_, rerr := c.Read(ctx)
		after <- [2]error{rerr, c.Write(context.Background(), []byte(`{}`))}
	})
	c := dial(t, url, nil)
	ce := closeOf(t, c)
	if ce.Code != codeBye || ce.Reason != "bye now" {
		t.Errorf("close = %d %q, want %d %q", ce.Code, ce.Reason, codeBye, "bye now")
	}
	errs := <-after
	for i, err := range errs {
		if !errors.Is(err, transport.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", [2]string{"Read", "Write"}[i], err)
		}
	}
}

func TestCloseLongReasonAndBadCode(t *testing.T) {
	long := strings.Repeat("é", 100) // 200 bytes
	url := serve(t, transport.Options{}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		c.Close(codeNotOnWire, long)
	})
	ce := closeOf(t, dial(t, url, nil))
	if ce.Code != websocket.StatusNormalClosure {
		t.Errorf("close code = %d, want 1000 for a code not allowed on the wire", ce.Code)
	}
	if len(ce.Reason) > 123 || !strings.HasPrefix(long, ce.Reason) || len(ce.Reason) < 120 {
		t.Errorf("reason = %q (%d bytes), want a prefix of at most 123 bytes on a rune boundary", ce.Reason, len(ce.Reason))
	}
}

func TestHandlerReturnClosesNormally(t *testing.T) {
	url := serve(t, transport.Options{}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		c.Write(ctx, []byte(`{"hello":1}`))
	})
	c := dial(t, url, nil)
	if got := read(t, c); got != `{"hello":1}` {
		t.Errorf("got %q", got)
	}
	if ce := closeOf(t, c); ce.Code != websocket.StatusNormalClosure {
		t.Errorf("close code = %d, want 1000", ce.Code)
	}
}

func TestClientCloseEndsRead(t *testing.T) {
	got := make(chan error, 1)
	url := serve(t, transport.Options{}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		_, err := c.Read(ctx)
		if ctx.Err() == nil {
			t.Error("handler ctx still live after the client closed")
		}
		got <- err
	})
	c := dial(t, url, nil)
	c.Close(codeClientLeaves, "client leaves")
	err := <-got
	if websocket.CloseStatus(err) != codeClientLeaves {
		t.Errorf("server Read error = %v, want the client's close %d", err, codeClientLeaves)
	}
}

func TestReadContextEndsConnection(t *testing.T) {
	got := make(chan error, 1)
	url := serve(t, transport.Options{}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		rctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := c.Read(rctx)
		got <- err
	})
	c := dial(t, url, nil)
	if ce := closeOf(t, c); ce.Code != websocket.StatusGoingAway {
		t.Errorf("close code = %d, want 1001", ce.Code)
	}
	if err := <-got; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Read error = %v, want DeadlineExceeded", err)
	}
}

func TestWriteContextDoesNotKillConnection(t *testing.T) {
	url := serve(t, transport.Options{}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		done, cancel := context.WithCancel(ctx)
		cancel()
		if err := c.Write(done, []byte(`"lost"`)); !errors.Is(err, context.Canceled) {
			t.Errorf("Write with a canceled ctx = %v, want context.Canceled", err)
		}
		short, cancel2 := context.WithTimeout(ctx, time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		c.Write(short, []byte(`"maybe lost"`))
		cancel2()
		if err := c.Write(ctx, []byte(`"kept"`)); err != nil {
			t.Errorf("Write after a caller's ctx ended: %v", err)
		}
	})
	c := dial(t, url, nil)
	if got := read(t, c); got != `"kept"` {
		t.Errorf("got %q, want %q", got, `"kept"`)
	}
}

// The HTTP handler returns once the connection is upgraded; the
// connection lives on, and the request's context no longer governs it.
func TestServeReturnsAfterUpgrade(t *testing.T) {
	served := make(chan struct{})
	got := make(chan []byte, 1)
	h := ws.Handler(func(ctx context.Context, c transport.Conn, r *http.Request) {
		<-served
		// net/http cancels the request's context just after its handler
		// returns, which is after served is closed.
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
			t.Error("the request's context is still live after its HTTP handler returned")
		}
		msg, err := c.Read(ctx)
		if err != nil {
			t.Errorf("Read: %v", err)
			return
		}
		got <- msg
		if err := c.Write(ctx, msg); err != nil {
			t.Errorf("Write: %v", err)
		}
	}, transport.Options{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		close(served)
	}))
	t.Cleanup(srv.Close)
	c := dial(t, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	ctx := testCtx(t)
	if err := c.Write(ctx, websocket.MessageText, []byte(`"ping"`)); err != nil {
		t.Fatal(err)
	}
	if m := <-got; string(m) != `"ping"` {
		t.Fatalf("handler read %q", m)
	}
	if got := read(t, c); got != `"ping"` {
		t.Errorf("echo %q, want %q", got, `"ping"`)
	}
}

// A frame the client sends right behind its upgrade request, before the
// 101 response, reaches the handler: net/http read it with the request.
func TestFrameWithTheUpgrade(t *testing.T) {
	got := make(chan string, 1)
	url := serve(t, transport.Options{}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		msg, err := c.Read(ctx)
		if err != nil {
			t.Errorf("Read: %v", err)
		}
		got <- string(msg)
	})
	addr := strings.TrimPrefix(url, "ws://")
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	msg := `"early"`
	// FIN + text, masked with a zero key so the payload goes as is.
	frame := append([]byte{0x81, 0x80 | byte(len(msg)), 0, 0, 0, 0}, msg...)
	req := "GET / HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := nc.Write(append([]byte(req), frame...)); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m != msg {
			t.Errorf("handler read %q, want %q", m, msg)
		}
	case <-testCtx(t).Done():
		t.Fatal("the frame sent with the upgrade never reached the handler")
	}
}

func TestOriginPatterns(t *testing.T) {
	h := func(ctx context.Context, c transport.Conn, r *http.Request) {}
	evil := http.Header{"Origin": {"https://evil.test"}}
	ctx := testCtx(t)

	open := serve(t, transport.Options{}, h)
	closeOf(t, dial(t, open, evil))

	strict := serve(t, transport.Options{OriginPatterns: []string{"widget.test"}}, h)
	if c, resp, err := websocket.Dial(ctx, strict, &websocket.DialOptions{HTTPHeader: evil}); err == nil {
		c.CloseNow()
		t.Error("upgrade from a foreign origin accepted")
	} else if resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("upgrade from a foreign origin: %v, want 403", err)
	}
	closeOf(t, dial(t, strict, http.Header{"Origin": {"https://widget.test"}}))
}

func TestNotAnUpgrade(t *testing.T) {
	called := false
	url := serve(t, transport.Options{}, func(ctx context.Context, c transport.Conn, r *http.Request) { called = true })
	resp, err := http.Get("http" + strings.TrimPrefix(url, "ws"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 || called {
		t.Errorf("plain GET: status %d, handler called %v", resp.StatusCode, called)
	}
}

func TestSlowClientIsDropped(t *testing.T) {
	got := make(chan error, 1)
	url := serve(t, transport.Options{WriteTimeout: 100 * time.Millisecond}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		big := []byte(`"` + strings.Repeat("x", 256<<10) + `"`)
		var err error
		for i := 0; i < 2000 && err == nil; i++ {
			err = c.Write(ctx, big)
		}
		if ctx.Err() == nil {
			t.Error("handler ctx still live after a failed write")
		}
		got <- err
	})
	dial(t, url, nil) // never reads
	select {
	case err := <-got:
		if err == nil {
			t.Fatal("writes to a client that never reads kept succeeding")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Write blocked past WriteTimeout")
	}
}

// TestConcurrent runs Read, Write and Close at once; run it with -race.
func TestConcurrent(t *testing.T) {
	const n = 200
	var handlers sync.WaitGroup
	url := serve(t, transport.Options{}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		handlers.Add(1)
		defer handlers.Done()
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 0; ; i++ {
				if err := c.Write(ctx, fmt.Appendf(nil, `{"n":%d}`, i)); err != nil {
					return
				}
			}
		})
		wg.Go(func() {
			time.Sleep(20 * time.Millisecond)
			c.Close(codeEnough, "enough")
		})
		for {
			if _, err := c.Read(ctx); err != nil {
				break
			}
		}
		c.Close(codeEnough, "enough")
		wg.Wait()
	})
	for range 4 {
		c := dial(t, url, nil)
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := range n {
				if c.Write(context.Background(), websocket.MessageText, fmt.Appendf(nil, `{"c":%d}`, i)) != nil {
					return
				}
			}
		})
		if ce := closeOf(t, c); ce.Code != codeEnough {
			t.Errorf("close code = %d, want %d", ce.Code, codeEnough)
		}
		wg.Wait()
	}
}
