package rtm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/parleychat/parley/internal/rtm"
	"github.com/parleychat/parley/protocol"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fake is a protocol-level RTM server for the faults the real server will
// not produce on cue: it answers login by itself and hands every other
// request to the test, which answers, pushes or drops the connection as it
// likes.
type fake struct {
	t      *testing.T
	srv    *httptest.Server
	conns  chan *fakeConn
	reqs   chan fakeReq
	refuse atomic.Bool // answer upgrades with 503
	dials  atomic.Int32
	// login answers a login request; nil: success.
	login func(fc *fakeConn, r fakeReq)
	// silent stops reading, so no pong, ping or request is answered.
	silent atomic.Bool

	mu   sync.Mutex
	open map[*fakeConn]struct{}
	wg   sync.WaitGroup
}

type fakeConn struct {
	f       *fake
	c       *websocket.Conn
	pings   atomic.Int32
	wmu     sync.Mutex
	dropped chan struct{} // closed by dropAll
	once    sync.Once
}

type fakeReq struct {
	conn      *fakeConn
	RequestID string          `json:"request_id"`
	Action    string          `json:"action"`
	Payload   json.RawMessage `json:"payload"`
}

func newFake(t *testing.T) *fake {
	f := &fake{t: t, conns: make(chan *fakeConn, 16), reqs: make(chan fakeReq, 256), open: map[*fakeConn]struct{}{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() {
		f.dropAll()
		f.srv.Close()
		f.wg.Wait()
	})
	return f
}

func (f *fake) url() string { return "ws" + strings.TrimPrefix(f.srv.URL, "http") }

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	f.dials.Add(1)
	if f.refuse.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	fc := &fakeConn{f: f, c: c, dropped: make(chan struct{})}
	f.mu.Lock()
	f.open[fc] = struct{}{}
	f.wg.Add(1)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.open, fc)
		f.mu.Unlock()
		c.CloseNow()
		f.wg.Done()
	}()
	select {
	case f.conns <- fc:
	default:
	}
	for {
		if f.silent.Load() {
			// Stop reading (control frames included) until the
			// connection is closed from our side.
			<-fc.dropped
			return
		}
		_, b, err := c.Read(context.Background())
		if err != nil {
			return
		}
		var req fakeReq
		if err := json.Unmarshal(b, &req); err != nil {
			f.t.Errorf("fake: bad frame %s", b)
			return
		}
		req.conn = fc
		switch {
		case req.Action == protocol.ActionPing:
			fc.pings.Add(1)
		case req.Action == protocol.ActionLogin && f.login != nil:
			f.login(fc, req)
		case req.Action == protocol.ActionLogin:
			fc.respond(req, map[string]any{"customer_id": "c"})
		default:
			f.reqs <- req
		}
	}
}

// dropAll closes every connection at once (no close handshake).
func (f *fake) dropAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for fc := range f.open {
		fc.once.Do(func() { close(fc.dropped) })
		fc.c.CloseNow()
	}
}

func (f *fake) next(t *testing.T) fakeReq {
	t.Helper()
	select {
	case r := <-f.reqs:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("fake: no request")
		return fakeReq{}
	}
}

func (fc *fakeConn) write(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	fc.wmu.Lock()
	defer fc.wmu.Unlock()
	_ = fc.c.Write(context.Background(), websocket.MessageText, b)
}

func (fc *fakeConn) respond(r fakeReq, payload any) {
	fc.write(map[string]any{"request_id": r.RequestID, "action": r.Action, "type": "response", "success": true, "payload": payload})
}

func (fc *fakeConn) fail(r fakeReq, typ, msg string) {
	fc.write(map[string]any{"request_id": r.RequestID, "action": r.Action, "type": "response", "success": false,
		"payload": map[string]any{"error": map[string]any{"type": typ, "message": msg}}})
}

func (fc *fakeConn) push(requestID, action string, payload any) {
	m := map[string]any{"action": action, "type": "push", "payload": payload}
	if requestID != "" {
		m["request_id"] = requestID
	}
	fc.write(m)
}

// states records the engine's state changes.
type states struct {
	mu  sync.Mutex
	got []rtm.State
	ch  chan rtm.State
}

func newStates() *states { return &states{ch: make(chan rtm.State, 256)} }

func (s *states) on(st rtm.State, _ error) {
	s.mu.Lock()
	s.got = append(s.got, st)
	s.mu.Unlock()
	s.ch <- st
}

// wait waits for state want.
func (s *states) wait(t *testing.T, want rtm.State) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case st := <-s.ch:
			if st == want {
				return
			}
		case <-timeout:
			t.Fatalf("state %s never came (got %v)", want, s.list())
		}
	}
}

func (s *states) list() []rtm.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]rtm.State(nil), s.got...)
}

func fastDelay(int) time.Duration { return 5 * time.Millisecond }

// start returns a started engine on f, stopped for good at cleanup.
func start(t *testing.T, f *fake, cfg rtm.Config) (*rtm.Engine, *states) {
	t.Helper()
	st := newStates()
	cfg.URL = f.url()
	if cfg.Login == nil {
		cfg.Login = func(ctx context.Context, s *rtm.Session) error {
			_, err := s.Call(ctx, protocol.ActionLogin, map[string]any{"token": "Bearer x"}, rtm.CallOptions{})
			return err
		}
	}
	if cfg.OnState == nil {
		cfg.OnState = st.on
	}
	if cfg.ReconnectDelay == nil {
		cfg.ReconnectDelay = fastDelay
	}
	e := rtm.New(cfg)
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Stop(true) })
	return e, st
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestCallMatchesResponses(t *testing.T) {
	f := newFake(t)
	e, st := start(t, f, rtm.Config{})
	st.wait(t, rtm.Connected)

	const n = protocol.MaxRequestsInFlight // all in flight at once
	type res struct {
		i   int
		got string
		err error
	}
	results := make(chan res, n)
	for i := range n {
		go func() {
			fr, err := e.Call(ctxT(t, 5*time.Second), "echo", map[string]int{"i": i}, rtm.CallOptions{})
			results <- res{i, string(fr.Payload), err}
		}()
	}
	reqs := make([]fakeReq, n)
	for i := range reqs {
		reqs[i] = f.next(t)
	}
	// Answer in reverse order, each with its own payload.
	for i := n - 1; i >= 0; i-- {
		reqs[i].conn.respond(reqs[i], json.RawMessage(reqs[i].Payload))
	}
	for range n {
		r := <-results
		if r.err != nil {
			t.Fatalf("call %d: %v", r.i, r.err)
		}
		if want := fmt.Sprintf(`{"i":%d}`, r.i); r.got != want {
			t.Errorf("call %d got %s, want %s", r.i, r.got, want)
		}
	}
}

func TestErrorResponse(t *testing.T) {
	f := newFake(t)
	e, st := start(t, f, rtm.Config{})
	st.wait(t, rtm.Connected)
	errc := make(chan error, 1)
	go func() {
		_, err := e.Call(ctxT(t, 5*time.Second), "start_chat", nil, rtm.CallOptions{ResolveOn: func(string) bool { return true }})
		errc <- err
	}()
	r := f.next(t)
	r.conn.fail(r, protocol.ErrValidation, "no")
	err := <-errc
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Type != protocol.ErrValidation || pe.Message != "no" {
		t.Fatalf("got %v, want *protocol.Error validation", err)
	}
}

func TestResolveOnPush(t *testing.T) {
	f := newFake(t)
	var pushes []protocol.Frame
	var mu sync.Mutex
	e, st := start(t, f, rtm.Config{OnPush: func(fr protocol.Frame) {
		mu.Lock()
		pushes = append(pushes, fr)
		mu.Unlock()
	}})
	st.wait(t, rtm.Connected)

	type res struct {
		fr  protocol.Frame
		err error
	}
	done := make(chan res, 1)
	go func() {
		fr, err := e.Call(ctxT(t, 5*time.Second), "send_event", nil, rtm.CallOptions{
			ResolveOn: func(a string) bool { return a == "incoming_event" }})
		done <- res{fr, err}
	}()
	r := f.next(t)
	// The response does not resolve it, nor does a push it does not
	// accept, nor a push for another request.
	r.conn.respond(r, map[string]string{"event_id": "e1"})
	r.conn.push(r.RequestID, "chat_properties_updated", map[string]int{"n": 1})
	r.conn.push("other", "incoming_event", map[string]int{"n": 2})
	select {
	case got := <-done:
		t.Fatalf("resolved early: %+v", got)
	case <-time.After(50 * time.Millisecond):
	}
	r.conn.push(r.RequestID, "incoming_event", map[string]int{"n": 3})
	got := <-done
	if got.err != nil || got.fr.Action != "incoming_event" || string(got.fr.Payload) != `{"n":3}` || !got.fr.Resolved {
		t.Fatalf("got %+v %v, want the incoming_event push, resolved", got.fr, got.err)
	}
	// Every push reached OnPush, in order, the resolving one marked.
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(pushes)
		mu.Unlock()
		if n == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	var names []string
	for _, p := range pushes {
		names = append(names, fmt.Sprintf("%s:%s:%v", p.Action, p.Payload, p.Resolved))
	}
	want := []string{`chat_properties_updated:{"n":1}:false`, `incoming_event:{"n":2}:false`, `incoming_event:{"n":3}:true`}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Fatalf("OnPush got %v, want %v", names, want)
	}
}

func TestPushOrder(t *testing.T) {
	f := newFake(t)
	const n = 500
	got := make(chan int, n)
	_, st := start(t, f, rtm.Config{OnPush: func(fr protocol.Frame) {
		var p struct{ I int }
		_ = json.Unmarshal(fr.Payload, &p)
		got <- p.I
	}})
	st.wait(t, rtm.Connected)
	fc := <-f.conns
	for i := range n {
		fc.push("", "incoming_event", map[string]int{"i": i})
	}
	for i := range n {
		select {
		case g := <-got:
			if g != i {
				t.Fatalf("push %d arrived as %d", i, g)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("push %d never arrived", i)
		}
	}
}

// TestPendingFailOnDrop: a request in flight when the connection drops
// fails at once with ErrConnectionLost; the engine reconnects.
func TestPendingFailOnDrop(t *testing.T) {
	f := newFake(t)
	e, st := start(t, f, rtm.Config{})
	st.wait(t, rtm.Connected)
	errc := make(chan error, 1)
	go func() {
		_, err := e.Call(ctxT(t, 30*time.Second), "slow", nil, rtm.CallOptions{})
		errc <- err
	}()
	f.next(t) // written, never answered
	t0 := time.Now()
	f.dropAll()
	select {
	case err := <-errc:
		if !errors.Is(err, rtm.ErrConnectionLost) {
			t.Fatalf("got %v, want ErrConnectionLost", err)
		}
		if d := time.Since(t0); d > 2*time.Second {
			t.Errorf("failed after %v", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the request in flight hangs after the connection dropped")
	}
	st.wait(t, rtm.Reconnecting)
	st.wait(t, rtm.Connected)
}

// TestCallWaitsWhileReconnecting: a request made while the engine is away
// waits for the connection and goes out on it, or fails at its ctx
// deadline.
func TestCallWaitsWhileReconnecting(t *testing.T) {
	f := newFake(t)
	e, st := start(t, f, rtm.Config{})
	st.wait(t, rtm.Connected)
	f.refuse.Store(true)
	f.dropAll()
	st.wait(t, rtm.Reconnecting)

	_, err := e.Call(ctxT(t, 100*time.Millisecond), "get", nil, rtm.CallOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}

	type res struct {
		fr  protocol.Frame
		err error
	}
	done := make(chan res, 1)
	go func() {
		fr, err := e.Call(ctxT(t, 10*time.Second), "get", nil, rtm.CallOptions{})
		done <- res{fr, err}
	}()
	time.Sleep(100 * time.Millisecond)
	select {
	case r := <-done:
		t.Fatalf("returned while the server is down: %+v", r)
	default:
	}
	f.refuse.Store(false)
	r := f.next(t)
	r.conn.respond(r, "ok")
	if got := <-done; got.err != nil || string(got.fr.Payload) != `"ok"` {
		t.Fatalf("got %+v, want the answer once reconnected", got)
	}
}

// TestNotSentWaits: requests made right as the connection drops either go
// out on the next connection or, when written on the dying one, fail with
// ErrConnectionLost; one that finds its connection already gone before
// the engine noticed waits for the next connection (a narrow window this
// test only sometimes hits).
func TestNotSentWaits(t *testing.T) {
	f := newFake(t)
	e, st := start(t, f, rtm.Config{})
	st.wait(t, rtm.Connected)
	for i := range 50 {
		f.dropAll()
		ctx := ctxT(t, 10*time.Second)
		done := make(chan error, 1)
		go func() {
			_, err := e.Call(ctx, "get", nil, rtm.CallOptions{})
			done <- err
		}()
		select {
		case r := <-f.reqs:
			r.conn.respond(r, nil)
		case err := <-done:
			if !errors.Is(err, rtm.ErrConnectionLost) {
				t.Fatalf("round %d: %v", i, err)
			}
			// Written on the dying connection: a fair loss.
			continue
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: no request", i)
		}
		if err := <-done; err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
	}
}

func TestDefaultReconnectDelay(t *testing.T) {
	for attempt, base := range map[int]time.Duration{
		1: 500 * time.Millisecond, 2: time.Second, 3: 2 * time.Second, 4: 4 * time.Second,
		6: 16 * time.Second, 7: 20 * time.Second, 50: 20 * time.Second, 1 << 20: 20 * time.Second,
	} {
		lo, hi := base*7/10, base*13/10
		minD, maxD := time.Duration(1<<62), time.Duration(0)
		for range 2000 {
			d := rtm.DefaultReconnectDelay(attempt)
			if d < lo || d > hi {
				t.Fatalf("attempt %d: %v outside [%v, %v]", attempt, d, lo, hi)
			}
			minD, maxD = min(minD, d), max(maxD, d)
		}
		// The jitter spreads clients over most of the range.
		if minD > base*8/10 || maxD < base*12/10 {
			t.Errorf("attempt %d: delays only span [%v, %v] of [%v, %v]", attempt, minD, maxD, lo, hi)
		}
	}
}

// TestReconnectDelayUsed: a custom ReconnectDelay is asked for attempts 1,
// 2, 3, … while the server is down, and from 1 again after a connection
// that logged in.
func TestReconnectDelayUsed(t *testing.T) {
	f := newFake(t)
	var mu sync.Mutex
	var attempts []int
	_, st := start(t, f, rtm.Config{ReconnectDelay: func(n int) time.Duration {
		mu.Lock()
		attempts = append(attempts, n)
		mu.Unlock()
		return time.Millisecond
	}})
	st.wait(t, rtm.Connected)
	f.refuse.Store(true)
	f.dropAll()
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(attempts)
		mu.Unlock()
		if n >= 4 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no reconnect attempts")
		}
		time.Sleep(time.Millisecond)
	}
	f.refuse.Store(false)
	st.wait(t, rtm.Connected)
	mu.Lock()
	before := len(attempts)
	mu.Unlock()
	f.dropAll()
	st.wait(t, rtm.Connected)
	mu.Lock()
	defer mu.Unlock()
	for i := range before {
		if attempts[i] != i+1 {
			t.Fatalf("attempts while down: %v, want 1, 2, 3, …", attempts[:before])
		}
	}
	if len(attempts) <= before || attempts[before] != 1 {
		t.Fatalf("after a good connection the attempts went on from %v, want 1", attempts[before:])
	}
}

// TestLoginErrorRetries: a login error is retried with backoff; a
// FinalError stops the engine for good.
func TestLoginErrorRetries(t *testing.T) {
	f := newFake(t)
	var logins atomic.Int32
	f.login = func(fc *fakeConn, r fakeReq) {
		if logins.Add(1) < 3 {
			fc.fail(r, protocol.ErrInternal, "try later")
			return
		}
		fc.respond(r, nil)
	}
	e, st := start(t, f, rtm.Config{})
	st.wait(t, rtm.Connected)
	if n := logins.Load(); n != 3 {
		t.Fatalf("%d logins, want 3", n)
	}
	if e.State() != rtm.Connected {
		t.Fatalf("state %s", e.State())
	}
}

func TestFinalErrorStops(t *testing.T) {
	f := newFake(t)
	final := errors.New("banned")
	var logins atomic.Int32
	var lastErr atomic.Value
	st := newStates()
	e, _ := start(t, f, rtm.Config{
		Login: func(ctx context.Context, s *rtm.Session) error {
			logins.Add(1)
			return &rtm.FinalError{Err: final}
		},
		OnState: func(s rtm.State, err error) {
			if err != nil {
				lastErr.Store(err)
			}
			st.on(s, err)
		},
	})
	st.wait(t, rtm.Closed)
	if err, _ := lastErr.Load().(error); !errors.Is(err, final) {
		t.Fatalf("Closed with %v, want the final error", err)
	}
	time.Sleep(50 * time.Millisecond)
	if n := logins.Load(); n != 1 {
		t.Fatalf("%d logins after a final error, want 1", n)
	}
	if _, err := e.Call(context.Background(), "x", nil, rtm.CallOptions{}); !errors.Is(err, rtm.ErrClosed) {
		t.Fatalf("Call after a final error: %v, want ErrClosed", err)
	}
	if err := e.Start(); !errors.Is(err, rtm.ErrClosed) {
		t.Fatalf("Start after a final error: %v, want ErrClosed", err)
	}
	e.Stop(true) // harmless
}

func TestStop(t *testing.T) {
	f := newFake(t)
	e, st := start(t, f, rtm.Config{})
	st.wait(t, rtm.Connected)

	// A request in flight fails at once.
	errc := make(chan error, 1)
	go func() {
		_, err := e.Call(context.Background(), "slow", nil, rtm.CallOptions{})
		errc <- err
	}()
	f.next(t)
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { e.Stop(false) })
	}
	wg.Wait()
	if err := <-errc; !errors.Is(err, rtm.ErrConnectionLost) {
		t.Fatalf("in flight at Stop: %v, want ErrConnectionLost", err)
	}
	if e.State() != rtm.Disconnected {
		t.Fatalf("state %s after Stop(false)", e.State())
	}
	if _, err := e.Call(context.Background(), "x", nil, rtm.CallOptions{}); !errors.Is(err, rtm.ErrNotConnected) {
		t.Fatalf("Call while stopped: %v, want ErrNotConnected", err)
	}
	if err := e.Send(context.Background(), "x", nil); !errors.Is(err, rtm.ErrNotConnected) {
		t.Fatalf("Send while stopped: %v, want ErrNotConnected", err)
	}
	// Start again.
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	st.wait(t, rtm.Connected)
	e.Stop(true)
	e.Stop(true)
	e.Stop(false)
	if e.State() != rtm.Closed {
		t.Fatalf("state %s after Stop(true)", e.State())
	}
}

// TestStopWhileReconnecting: Stop ends the backoff at once.
func TestStopWhileReconnecting(t *testing.T) {
	f := newFake(t)
	e, st := start(t, f, rtm.Config{ReconnectDelay: func(int) time.Duration { return time.Hour }})
	st.wait(t, rtm.Connected)
	f.dropAll()
	st.wait(t, rtm.Reconnecting)
	waiting := make(chan error, 1)
	go func() {
		_, err := e.Call(context.Background(), "x", nil, rtm.CallOptions{})
		waiting <- err
	}()
	t0 := time.Now()
	e.Stop(true)
	if d := time.Since(t0); d > 2*time.Second {
		t.Fatalf("Stop took %v", d)
	}
	if err := <-waiting; !errors.Is(err, rtm.ErrClosed) {
		t.Fatalf("a request waiting for the connection got %v at Stop, want ErrClosed", err)
	}
}

func TestPings(t *testing.T) {
	f := newFake(t)
	_, st := start(t, f, rtm.Config{PingInterval: 10 * time.Millisecond})
	st.wait(t, rtm.Connected)
	fc := <-f.conns
	deadline := time.Now().Add(5 * time.Second)
	for fc.pings.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatal("no pings")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestDeadConnection: a server that stops answering (a silently broken
// network: no reset, no close) is noticed by the missing pongs; the
// request in flight fails with ErrConnectionLost and the engine
// reconnects.
func TestDeadConnection(t *testing.T) {
	f := newFake(t)
	e, st := start(t, f, rtm.Config{PingInterval: 20 * time.Millisecond, PongTimeout: 200 * time.Millisecond})
	st.wait(t, rtm.Connected)
	errc := make(chan error, 1)
	go func() {
		_, err := e.Call(context.Background(), "slow", nil, rtm.CallOptions{})
		errc <- err
	}()
	f.next(t)
	f.silent.Store(true)
	select {
	case err := <-errc:
		if !errors.Is(err, rtm.ErrConnectionLost) {
			t.Fatalf("got %v, want ErrConnectionLost", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a request on a dead connection hangs")
	}
	st.wait(t, rtm.Reconnecting)
	f.silent.Store(false)
	st.wait(t, rtm.Connected)
}

// TestSlowOnPushIsNotDead: a reader held up in OnPush cannot read pongs;
// that is not taken for a dead connection.
func TestSlowOnPushIsNotDead(t *testing.T) {
	f := newFake(t)
	release := make(chan struct{})
	_, st := start(t, f, rtm.Config{PingInterval: 20 * time.Millisecond, PongTimeout: 100 * time.Millisecond,
		OnPush: func(protocol.Frame) { <-release }})
	st.wait(t, rtm.Connected)
	fc := <-f.conns
	fc.push("", "incoming_event", nil)
	time.Sleep(600 * time.Millisecond)
	close(release)
	time.Sleep(100 * time.Millisecond)
	for _, s := range st.list() {
		if s == rtm.Reconnecting {
			t.Fatalf("reconnected while OnPush was slow: %v", st.list())
		}
	}
}

func TestSend(t *testing.T) {
	f := newFake(t)
	e, st := start(t, f, rtm.Config{})
	st.wait(t, rtm.Connected)
	if err := e.Send(context.Background(), "fire", map[string]int{"x": 1}); err != nil {
		t.Fatal(err)
	}
	if r := f.next(t); r.Action != "fire" || string(r.Payload) != `{"x":1}` || r.RequestID == "" {
		t.Fatalf("got %+v", r)
	}
}

// TestCancelledCallerKeepsConnection: a caller whose ctx ends while waiting does
// not break the connection for others (a cancelled WebSocket write would
// close it).
func TestCancelledCallerKeepsConnection(t *testing.T) {
	f := newFake(t)
	e, st := start(t, f, rtm.Config{})
	st.wait(t, rtm.Connected)
	for range 20 {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(time.Millisecond); cancel() }()
		_, _ = e.Call(ctx, "x", nil, rtm.CallOptions{})
	}
	// The server answers them, late: each holds its place among the
	// requests in flight until then.
	drain := time.After(100 * time.Millisecond)
	for done := false; !done; {
		select {
		case r := <-f.reqs:
			r.conn.respond(r, nil)
		case <-drain:
			done = true
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := e.Call(ctxT(t, 5*time.Second), "y", nil, rtm.CallOptions{})
		done <- err
	}()
	r := f.next(t)
	r.conn.respond(r, nil)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, s := range st.list() {
		if s == rtm.Reconnecting {
			t.Fatalf("a cancelled caller broke the connection: %v", st.list())
		}
	}
}

// TestRequestsInFlight: the engine keeps at most
// protocol.MaxRequestsInFlight requests unanswered on a connection; more
// wait for an answer instead of being sent and refused.
func TestRequestsInFlight(t *testing.T) {
	f := newFake(t)
	e, st := start(t, f, rtm.Config{})
	st.wait(t, rtm.Connected)
	const calls = 3 * protocol.MaxRequestsInFlight
	errs := make(chan error, calls)
	for range calls {
		go func() {
			_, err := e.Call(ctxT(t, 10*time.Second), "x", nil, rtm.CallOptions{})
			errs <- err
		}()
	}
	var held []fakeReq
	for range protocol.MaxRequestsInFlight {
		held = append(held, f.next(t))
	}
	select {
	case r := <-f.reqs:
		t.Fatalf("request %q sent with %d unanswered", r.RequestID, len(held))
	case <-time.After(100 * time.Millisecond):
	}
	// Each answer lets one more through.
	for answered := 0; answered < calls; answered++ {
		r := held[0]
		held = held[1:]
		r.conn.respond(r, nil)
		if answered+len(held)+1 < calls {
			held = append(held, f.next(t))
		}
	}
	for range calls {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[rtm.State]string{rtm.Connecting: "connecting", rtm.Connected: "connected",
		rtm.Reconnecting: "reconnecting", rtm.Disconnected: "disconnected", rtm.Closed: "closed", 42: "State(42)"} {
		if s.String() != want {
			t.Errorf("%d: %q, want %q", s, s.String(), want)
		}
	}
}

// TestUndecodableAnswer: a server frame the engine cannot decode (nested
// past what encoding/json reads, and with its request_id last) fails the
// request it answers at once, and the connection stays up for the next
// request.
func TestUndecodableAnswer(t *testing.T) {
	f := newFake(t)
	e, st := start(t, f, rtm.Config{})
	st.wait(t, rtm.Connected)
	done := make(chan error, 1)
	go func() {
		_, err := e.Call(ctxT(t, 5*time.Second), "get_chat_threads", nil, rtm.CallOptions{})
		done <- err
	}()
	r := f.next(t)
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	frame := `{"action":"get_chat_threads","type":"response","success":true,"payload":{"content":` + deep + `},"request_id":"` + r.RequestID + `"}`
	r.conn.wmu.Lock()
	_ = r.conn.c.Write(context.Background(), websocket.MessageText, []byte(frame))
	r.conn.wmu.Unlock()
	if err := <-done; !errors.Is(err, rtm.ErrUndecodable) {
		t.Fatalf("call answered by an undecodable frame: %v, want ErrUndecodable", err)
	}

	go func() {
		_, err := e.Call(ctxT(t, 5*time.Second), "next", nil, rtm.CallOptions{})
		done <- err
	}()
	r2 := f.next(t)
	if r2.conn != r.conn {
		t.Fatal("the next request came on a new connection")
	}
	r2.conn.respond(r2, nil)
	if err := <-done; err != nil {
		t.Fatalf("next request: %v", err)
	}
	if e.State() != rtm.Connected || slices.Contains(st.list(), rtm.Reconnecting) {
		t.Fatalf("states %v: the undecodable frame cost the connection", st.list())
	}
}
