package sockjs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/server/internal/transport"
	"github.com/parleychat/parley/server/internal/transport/sockjs"
)

const prefix = "/v3.0/customer/rtm/sjs"

const origin = "https://widget.conformance.test"

// serve starts a server with the SockJS handler mounted at prefix and
// returns its http:// URL. Cleanup waits for every handler to return.
func serve(t *testing.T, opts sockjs.Options, h transport.Handler) string {
	t.Helper()
	var wg sync.WaitGroup
	mux := http.NewServeMux()
	inner := sockjs.Handler(prefix, h, opts)
	mux.Handle(prefix+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wg.Add(1)
		defer wg.Done()
		inner.ServeHTTP(w, r)
	}))
	srv := httptest.NewServer(mux)
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
	return srv.URL
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dial opens the SockJS WebSocket the way sockjs-client does and checks
// that the open frame comes first.
func dial(t *testing.T, base string) *websocket.Conn {
	t.Helper()
	c := dialRaw(t, "ws"+strings.TrimPrefix(base, "http")+prefix+"/342/ptlbohlg/websocket?license_id=123&bh=4jvqutfe9m5")
	if got := read(t, c); got != "o" {
		t.Fatalf("first message = %q, want o", got)
	}
	return c
}

func dialRaw(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(testCtx(t), url, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {origin}}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func read(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	_, p, err := c.Read(testCtx(t))
	if err != nil {
		t.Fatalf("client read: %v", err)
	}
	return string(p)
}

// readSkipHeartbeats reads the next message that is not h.
func readSkipHeartbeats(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	for {
		if m := read(t, c); m != "h" {
			return m
		}
	}
}

// closeOf reads until the connection ends and returns the last SockJS
// message and the WebSocket close frame.
func closeOf(t *testing.T, c *websocket.Conn) (last string, ce websocket.CloseError) {
	t.Helper()
	ctx := testCtx(t)
	for {
		_, p, err := c.Read(ctx)
		if err == nil {
			last = string(p)
			continue
		}
		if !errors.As(err, &ce) {
			t.Fatalf("client read: %v, want a close frame", err)
		}
		return last, ce
	}
}

func send(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	if err := c.Write(testCtx(t), websocket.MessageText, []byte(msg)); err != nil {
		t.Fatalf("client write: %v", err)
	}
}

func get(t *testing.T, method, url string, hdr http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(testCtx(t), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = hdr
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func nop(ctx context.Context, c transport.Conn, r *http.Request) {}

func TestInfo(t *testing.T) {
	base := serve(t, sockjs.Options{}, nop)
	url := base + prefix + "/info?license_id=123&bh=4jvqutfe9m5&t=1795562322352"

	resp, body := get(t, http.MethodGet, url, http.Header{"Origin": {origin}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":      origin,
		"Access-Control-Allow-Credentials": "true",
		"Content-Type":                     "application/json; charset=UTF-8",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	var info struct {
		WebSocket    *bool    `json:"websocket"`
		Origins      []string `json:"origins"`
		CookieNeeded *bool    `json:"cookie_needed"`
		Entropy      *uint32  `json:"entropy"`
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&info); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if info.WebSocket == nil || !*info.WebSocket || info.CookieNeeded == nil || *info.CookieNeeded ||
		!slices.Equal(info.Origins, []string{"*:*"}) || info.Entropy == nil {
		t.Errorf("body = %s", body)
	}

	resp, _ = get(t, http.MethodGet, url, nil)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("without Origin: status %d, Access-Control-Allow-Origin %q; want 200 and none",
			resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}

	resp, _ = get(t, http.MethodOptions, url, http.Header{
		"Origin":                         {origin},
		"Access-Control-Request-Method":  {"GET"},
		"Access-Control-Request-Headers": {"content-type"},
	})
	if resp.StatusCode != http.StatusNoContent ||
		resp.Header.Get("Access-Control-Allow-Origin") != origin ||
		resp.Header.Get("Access-Control-Allow-Credentials") != "true" ||
		!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "GET") ||
		resp.Header.Get("Access-Control-Allow-Headers") != "content-type" {
		t.Errorf("preflight: status %d, headers %v", resp.StatusCode, resp.Header)
	}

	if resp, _ = get(t, http.MethodPost, url, nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /info: status %d, want 405", resp.StatusCode)
	}
}

func TestInfoOriginPatterns(t *testing.T) {
	base := serve(t, sockjs.Options{Options: transport.Options{OriginPatterns: []string{"widget.conformance.test"}}}, nop)
	url := base + prefix + "/info"
	resp, _ := get(t, http.MethodGet, url, http.Header{"Origin": {origin}})
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("allowed origin: Access-Control-Allow-Origin = %q", got)
	}
	resp, _ = get(t, http.MethodGet, url, http.Header{"Origin": {"https://evil.test"}})
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("foreign origin: Access-Control-Allow-Origin = %q, want none", got)
	}
}

func TestGreeting(t *testing.T) {
	base := serve(t, sockjs.Options{}, nop)
	resp, body := get(t, http.MethodGet, base+prefix+"/", nil)
	if resp.StatusCode != http.StatusOK || body != "Welcome to SockJS!\n" {
		t.Errorf("status %d body %q", resp.StatusCode, body)
	}
}

func TestNotFound(t *testing.T) {
	called := false
	base := serve(t, sockjs.Options{}, func(ctx context.Context, c transport.Conn, r *http.Request) { called = true })
	for _, tt := range []struct{ method, path string }{
		{"POST", "/342/ptlbohlg/xhr"},
		{"POST", "/342/ptlbohlg/xhr_send"},
		{"POST", "/342/ptlbohlg/xhr_streaming"},
		{"GET", "/342/ptlbohlg/eventsource"},
		{"GET", "/342/ptlbohlg/websocket/more"},
		{"GET", "/342/ptlbohlg"},
		{"GET", "/342/ptl.bohlg/websocket"},
		{"GET", "//ptlbohlg/websocket"},
		{"GET", "/unknown"},
		{"GET", "/info/more"},
	} {
		start := time.Now()
		resp, _ := get(t, tt.method, base+prefix+tt.path+"?license_id=123&t=1", http.Header{"Origin": {origin}})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s: status %d, want 404", tt.method, tt.path, resp.StatusCode)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s %s took %v", tt.method, tt.path, d)
		}
		if strings.Contains(tt.path, "xhr") && resp.Header.Get("Access-Control-Allow-Origin") != origin {
			t.Errorf("%s %s: no CORS headers on the 404", tt.method, tt.path)
		}
	}
	if called {
		t.Error("handler called for a 404 path")
	}

	h := sockjs.Handler(prefix, nop, sockjs.Options{})
	for _, p := range []string{"/elsewhere/info", prefix + "x/info", "/v3.0/customer/rtm/info"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", p, rec.Code)
		}
	}
}

func TestStripPrefix(t *testing.T) {
	h := http.StripPrefix(prefix, sockjs.Handler("", nop, sockjs.Options{}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, prefix+"/info", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"websocket":true`) {
		t.Errorf("GET /info behind StripPrefix: status %d body %q", rec.Code, rec.Body)
	}
}

// frames the server sends: quotes, backslashes, non-ASCII, control and
// line-separator characters, as they may appear in chat text.
var tricky = [][]byte{
	[]byte(`{"request_id":"mxu9ac0k48k","action":"login","type":"response","success":true,"payload":{}}`),
	[]byte(`{"text":"He said \"hi\"\\n and left \\ "}`),
	[]byte("{\"text\":\"é日本😀 \u2028 \x01\"}"),
	[]byte(`{}`),
}

func TestFramesBatchedAndSplit(t *testing.T) {
	got := make(chan string, 10)
	base := serve(t, sockjs.Options{}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		if q := r.URL.Query(); q.Get("license_id") != "123" || q.Get("bh") != "4jvqutfe9m5" {
			t.Errorf("query = %v", q)
		}
		if err := c.Write(ctx, tricky...); err != nil {
			t.Errorf("Write: %v", err)
		}
		if err := c.Write(ctx, []byte(`{"second":"write"}`)); err != nil {
			t.Errorf("Write: %v", err)
		}
		for {
			f, err := c.Read(ctx)
			if err != nil {
				close(got)
				return
			}
			got <- string(f)
		}
	})
	c := dial(t, base)

	msg := readSkipHeartbeats(t, c)
	want := `a["{\"request_id\":\"mxu9ac0k48k\",\"action\":\"login\",\"type\":\"response\",\"success\":true,\"payload\":{}}",` +
		`"{\"text\":\"He said \\\"hi\\\"\\\\n and left \\\\ \"}",` +
		`"{\"text\":\"é日本😀 \u2028 \u0001\"}",` +
		`"{}"]`
	if msg != want {
		t.Errorf("batch message\n got %s\nwant %s", msg, want)
	}
	var elems []string
	if err := json.Unmarshal([]byte(strings.TrimPrefix(msg, "a")), &elems); err != nil {
		t.Fatalf("batch is not a JSON array of strings: %v", err)
	}
	if len(elems) != len(tricky) {
		t.Fatalf("batch has %d frames, want %d", len(elems), len(tricky))
	}
	for i, e := range elems {
		if e != string(tricky[i]) {
			t.Errorf("frame %d = %q, want %q", i, e, tricky[i])
		}
	}
	if msg := readSkipHeartbeats(t, c); msg != `a["{\"second\":\"write\"}"]` {
		t.Errorf("second write = %s", msg)
	}

	send(t, c, `["{\"action\": \"ping\"}","{\"request_id\":\"x\",\"action\":\"get_chats_summary\"}"]`)
	send(t, c, `[]`)
	send(t, c, ``)
	send(t, c, `"{\"bare\":true}"`)
	send(t, c, `["{\"text\":\"\u00e9\ud83d\ude00 \\\"q\\\"\"}"]`)
	c.Close(websocket.StatusNormalClosure, "")
	var frames []string
	for f := range got {
		frames = append(frames, f)
	}
	wantFrames := []string{
		`{"action": "ping"}`,
		`{"request_id":"x","action":"get_chats_summary"}`,
		`{"bare":true}`,
		`{"text":"é😀 \"q\""}`,
	}
	if !slices.Equal(frames, wantFrames) {
		t.Errorf("frames read\n got %q\nwant %q", frames, wantFrames)
	}
}

func TestHeartbeat(t *testing.T) {
	base := serve(t, sockjs.Options{HeartbeatInterval: 20 * time.Millisecond}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		<-ctx.Done()
	})
	c := dial(t, base)
	for range 3 {
		if got := read(t, c); got != "h" {
			t.Fatalf("got %q, want h", got)
		}
	}
}

func TestHeartbeatDisabled(t *testing.T) {
	base := serve(t, sockjs.Options{HeartbeatInterval: -1}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
		c.Write(ctx, []byte(`{}`))
	})
	c := dial(t, base)
	if got := read(t, c); got != `a["{}"]` {
		t.Errorf("got %q, want the frame and no heartbeat", got)
	}
}

// codeEnough is an application close code (3000–4999) the tests send.
const codeEnough = 4000

func TestClose(t *testing.T) {
	for _, tt := range []struct {
		code     int
		reason   string
		wantLast string
		wantWS   websocket.StatusCode
	}{
		{3000, "Go away!", `c[3000,"Go away!"]`, 3000},
		{4001, `bye "now"`, `c[4001,"bye \"now\""]`, 4001},
		{2010, "Another connection still open", `c[2010,"Another connection still open"]`, websocket.StatusNormalClosure},
	} {
		after := make(chan error, 1)
		base := serve(t, sockjs.Options{}, func(ctx context.Context, c transport.Conn, r *http.Request) {
			if err := c.Close(tt.code, tt.reason); err != nil {
				t.Errorf("Close: %v", err)
			}
			after <- c.Write(ctx, []byte(`{}`))
		})
		last, ce := closeOf(t, dial(t, base))
		if last != tt.wantLast || ce.Code != tt.wantWS {
			t.Errorf("Close(%d, %q): last message %s, WebSocket close %d; want %s, %d",
				tt.code, tt.reason, last, ce.Code, tt.wantLast, tt.wantWS)
		}
		if err := <-after; !errors.Is(err, transport.ErrClosed) {
			t.Errorf("Write after Close: %v, want ErrClosed", err)
		}
	}
}

func TestHandlerReturnCloses(t *testing.T) {
	base := serve(t, sockjs.Options{}, nop)
	last, ce := closeOf(t, dial(t, base))
	if last != `c[1000,""]` || ce.Code != websocket.StatusNormalClosure {
		t.Errorf("last %s, close %d", last, ce.Code)
	}
}

func TestBrokenFraming(t *testing.T) {
	for _, msg := range []string{`{"action":"ping"}`, `[{"action":"ping"}]`, `[1]`, `["a"`} {
		readErr := make(chan error, 1)
		base := serve(t, sockjs.Options{}, func(ctx context.Context, c transport.Conn, r *http.Request) {
			_, err := c.Read(ctx)
			readErr <- err
		})
		c := dial(t, base)
		send(t, c, msg)
		last, ce := closeOf(t, c)
		if last != `c[1002,"Broken framing."]` || ce.Code != websocket.StatusProtocolError {
			t.Errorf("client sent %s: last message %s, close %d", msg, last, ce.Code)
		}
		if err := <-readErr; !errors.Is(err, sockjs.ErrBrokenFraming) {
			t.Errorf("client sent %s: Read error %v, want ErrBrokenFraming", msg, err)
		}
	}
}

func TestMessageTooBig(t *testing.T) {
	base := serve(t, sockjs.Options{Options: transport.Options{MaxMessageBytes: 100}}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		for {
			if _, err := c.Read(ctx); err != nil {
				return
			}
		}
	})
	c := dial(t, base)
	send(t, c, `["`+strings.Repeat("x", 100)+`"]`)
	if _, ce := closeOf(t, c); ce.Code != websocket.StatusMessageTooBig {
		t.Errorf("close %d, want 1009", ce.Code)
	}
}

func TestRawWebSocket(t *testing.T) {
	base := serve(t, sockjs.Options{HeartbeatInterval: time.Millisecond}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		for {
			f, err := c.Read(ctx)
			if err != nil {
				return
			}
			c.Write(ctx, f)
		}
	})
	c := dialRaw(t, "ws"+strings.TrimPrefix(base, "http")+prefix+"/websocket?license_id=123")
	send(t, c, `{"action": "ping"}`)
	if got := read(t, c); got != `{"action": "ping"}` {
		t.Errorf("got %q, want the frame echoed without SockJS framing", got)
	}
}

// TestConcurrent runs Read, Write, heartbeats and Close at once; run it with
// -race. Every message the client sees must be well-formed SockJS.
func TestConcurrent(t *testing.T) {
	base := serve(t, sockjs.Options{HeartbeatInterval: time.Millisecond}, func(ctx context.Context, c transport.Conn, r *http.Request) {
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 0; ; i++ {
				if err := c.Write(ctx, fmt.Appendf(nil, `{"n":%d}`, i), []byte(`{"x":"\""}`)); err != nil {
					return
				}
			}
		})
		wg.Go(func() {
			time.Sleep(30 * time.Millisecond)
			c.Close(codeEnough, "enough")
		})
		for {
			if _, err := c.Read(ctx); err != nil {
				break
			}
		}
		wg.Wait()
	})
	for range 4 {
		c := dial(t, base)
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := 0; ; i++ {
				if c.Write(context.Background(), websocket.MessageText, fmt.Appendf(nil, `["{\"c\":%d}"]`, i)) != nil {
					return
				}
			}
		})
		ctx := testCtx(t)
		var last string
		for {
			_, p, err := c.Read(ctx)
			if err != nil {
				if ce := (websocket.CloseError{}); !errors.As(err, &ce) || ce.Code != codeEnough {
					t.Errorf("client read: %v, want close %d", err, codeEnough)
				}
				break
			}
			last = string(p)
			switch {
			case last == "h", last == `c[4000,"enough"]`:
			case bytes.HasPrefix(p, []byte("a[")):
				var elems []string
				if err := json.Unmarshal(p[1:], &elems); err != nil || len(elems) != 2 || elems[1] != `{"x":"\""}` {
					t.Fatalf("bad message %s", p)
				}
			default:
				t.Fatalf("unexpected message %q", p)
			}
		}
		if last != `c[4000,"enough"]` {
			t.Errorf("last message %q, want the close frame", last)
		}
		wg.Wait()
	}
}
