// Package rtm is the client engine shared by Parley's Go clients (customer
// and agent): it dials the RTM WebSocket, logs in, matches responses to
// requests by request_id, hands pushes to the client in arrival order,
// pings, and reconnects with capped exponential backoff and jitter.
//
// One engine owns one connection at a time. Its goroutines: a supervisor
// (dial, login, backoff), a reader and a pinger per connection. Requests are
// written by the caller's goroutine under a mutex; a caller waits on its own
// reply channel and its ctx, never on a goroutine of its own. At most
// protocol.MaxRequestsInFlight requests are unanswered on a connection at a
// time, as the server demands: a request past them waits for an answer
// before it is written.
package rtm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/protocol"
)

// State is the engine's connection state. The clients expose it as
// theirs (customer.State, agent.State) under their own constant names.
type State int32

const (
	// Connecting: dialing or logging in for the first time.
	Connecting State = iota
	// Connected: logged in; requests are sent at once.
	Connected
	// Reconnecting: the connection was lost; the engine is dialing again.
	Reconnecting
	// Disconnected: stopped by Disconnect; Connect starts it again.
	Disconnected
	// Closed: stopped for good (Close, or a final server decision).
	Closed
)

func (s State) String() string {
	switch s {
	case Connecting:
		return "connecting"
	case Connected:
		return "connected"
	case Reconnecting:
		return "reconnecting"
	case Disconnected:
		return "disconnected"
	case Closed:
		return "closed"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Errors of the engine.
var (
	// ErrConnectionLost fails a request in flight when its connection drops.
	ErrConnectionLost = errors.New("connection lost")
	// ErrNotConnected fails a request made while the engine is stopped.
	ErrNotConnected = errors.New("not connected")
	// ErrClosed fails a request made after Close.
	ErrClosed = errors.New("closed")
	// ErrUndecodable fails a request whose answer cannot be decoded. The
	// connection stays up.
	ErrUndecodable = errors.New("undecodable answer")
)

// FinalError stops reconnecting when Login returns it (wrapped).
type FinalError struct{ Err error }

func (e *FinalError) Error() string { return e.Err.Error() }
func (e *FinalError) Unwrap() error { return e.Err }

// Config configures an Engine.
type Config struct {
	// URL is the RTM WebSocket URL ("ws://host/v3.0/customer/rtm/ws?…").
	URL string
	// HTTPClient dials the WebSocket. Nil: http.DefaultClient.
	HTTPClient *http.Client
	// Login runs on every new connection before it counts as connected;
	// it sends its requests with Session.Call. An error closes the
	// connection and retries with backoff, unless it wraps *FinalError.
	Login func(ctx context.Context, s *Session) error
	// OnPush receives every push, in arrival order, on the reader
	// goroutine, including pushes that resolved a request (protocol.Frame.Resolved).
	// It may block: the connection's reading waits for it.
	OnPush func(protocol.Frame)
	// OnState is told each state change, with the error that caused it, on
	// the supervisor goroutine, in order.
	OnState func(s State, err error)
	// OnRetry, when set, is told of each reconnect attempt before its
	// wait: the attempt's number since the last login (1, 2, …), the wait
	// (from ReconnectDelay) and the error that ended the connection or the
	// attempt before. It runs on the supervisor goroutine, after OnState.
	OnRetry func(attempt int, delay time.Duration, err error)
	// ReconnectDelay returns the wait before reconnect attempt n (1, 2,
	// …). Nil: 0.5 s doubling to at most 20 s, each ±30 % at random.
	ReconnectDelay func(attempt int) time.Duration
	// PingInterval is the interval of protocol pings. Zero: 15 s.
	PingInterval time.Duration
	// PongTimeout is how long the server may take to answer a WebSocket
	// ping sent with each protocol ping. A connection whose answer does
	// not come in time is taken for dead (a silently broken network never
	// fails a read) and closed: its requests fail with ErrConnectionLost
	// and the engine reconnects. The wait is not counted while OnPush
	// holds up the reader. Zero: 30 s.
	PongTimeout time.Duration
	// MaxMessageBytes caps incoming messages; a larger one ends the
	// connection. Zero: protocol.MaxServerFrameBytes (4 MiB), which a
	// server's answers stay within.
	MaxMessageBytes int64
	Logger          *slog.Logger
}

// DefaultReconnectDelay is the default backoff: 0.5 s × 2^(n-1), at most
// 20 s, with ±30 % jitter so that clients dropped together do not come back
// together.
func DefaultReconnectDelay(attempt int) time.Duration {
	d := 500 * time.Millisecond
	for i := 1; i < attempt && d < 20*time.Second; i++ {
		d *= 2
	}
	d = min(d, 20*time.Second)
	jitter := (rand.Float64()*0.6 - 0.3) * float64(d)
	return d + time.Duration(jitter)
}

// Engine is a self-healing RTM connection.
type Engine struct {
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	state   State
	session *Session      // current logged-in session, nil otherwise
	ready   chan struct{} // closed when state becomes Connected or final
	stop    context.CancelFunc
	done    chan struct{} // closed when the supervisor exits
	nextID  atomic.Uint64
}

// New returns a stopped engine; Start connects it.
func New(cfg Config) *Engine {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.ReconnectDelay == nil {
		cfg.ReconnectDelay = DefaultReconnectDelay
	}
	if cfg.PingInterval == 0 {
		cfg.PingInterval = 15 * time.Second
	}
	if cfg.PongTimeout == 0 {
		cfg.PongTimeout = 30 * time.Second
	}
	if cfg.MaxMessageBytes == 0 {
		cfg.MaxMessageBytes = protocol.MaxServerFrameBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.OnPush == nil {
		cfg.OnPush = func(protocol.Frame) {}
	}
	return &Engine{cfg: cfg, log: cfg.Logger, state: Disconnected, ready: make(chan struct{})}
}

// State returns the current state.
func (e *Engine) State() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state
}

// Start connects in the background. It is a no-op while running.
func (e *Engine) Start() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch e.state {
	case Closed:
		return ErrClosed
	case Disconnected:
	default:
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	e.stop = cancel
	e.done = make(chan struct{})
	e.setStateLocked(Connecting, nil)
	go e.supervise(ctx, e.done)
	return nil
}

// Stop closes the connection and stops reconnecting; final makes it
// permanent (Closed). Requests in flight fail with ErrConnectionLost. It
// waits until the engine's goroutines have exited.
func (e *Engine) Stop(final bool) {
	e.mu.Lock()
	stop, done := e.stop, e.done
	e.stop = nil
	e.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if final {
		e.setStateLocked(Closed, nil)
	} else if e.state != Closed {
		e.setStateLocked(Disconnected, nil)
	}
}

// setStateLocked changes state and wakes waiters when requests can go (or
// never will).
func (e *Engine) setStateLocked(s State, err error) {
	if e.state == s {
		return
	}
	e.state = s
	switch s {
	case Connected, Disconnected, Closed:
		select {
		case <-e.ready:
		default:
			close(e.ready)
		}
	default:
		select {
		case <-e.ready:
			e.ready = make(chan struct{})
		default:
		}
	}
	if e.cfg.OnState != nil {
		e.cfg.OnState(s, err)
	}
}

func (e *Engine) supervise(ctx context.Context, done chan struct{}) {
	defer close(done)
	attempt := 0
	for {
		err := e.runOnce(ctx, func() { attempt = 0 })
		if ctx.Err() != nil {
			return
		}
		var final *FinalError
		if errors.As(err, &final) {
			e.log.Info("rtm: stopped by the server", "err", err)
			e.mu.Lock()
			e.stop = nil
			e.setStateLocked(Closed, err)
			e.mu.Unlock()
			return
		}
		attempt++
		delay := e.cfg.ReconnectDelay(attempt)
		e.log.Info("rtm: connection lost, reconnecting", "err", err, "attempt", attempt, "delay", delay)
		e.mu.Lock()
		e.setStateLocked(Reconnecting, err)
		e.mu.Unlock()
		if e.cfg.OnRetry != nil {
			e.cfg.OnRetry(attempt, delay, err)
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// runOnce dials, logs in and serves one connection until it ends.
func (e *Engine) runOnce(ctx context.Context, loggedIn func()) error {
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	conn, _, err := websocket.Dial(dctx, e.cfg.URL, &websocket.DialOptions{HTTPClient: e.cfg.HTTPClient})
	cancel()
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	conn.SetReadLimit(e.cfg.MaxMessageBytes)
	s := &Session{e: e, conn: conn, wsem: make(chan struct{}, 1), pending: make(map[string]*pending),
		slots: make(chan struct{}, protocol.MaxRequestsInFlight), unanswered: make(map[string]struct{}),
		closed: make(chan struct{}), gone: make(chan struct{})}
	defer close(s.gone)
	cctx, ccancel := context.WithCancel(ctx)
	readErr := make(chan error, 1)
	go func() { readErr <- s.readLoop(cctx) }()
	pingDone := make(chan struct{})
	go func() {
		defer close(pingDone)
		s.pingLoop(cctx)
	}()
	defer func() {
		ccancel()
		<-pingDone
	}()

	if e.cfg.Login != nil {
		lctx, lcancel := context.WithTimeout(cctx, 20*time.Second)
		err := e.cfg.Login(lctx, s)
		lcancel()
		if err != nil {
			s.fail(ErrConnectionLost)
			conn.Close(websocket.StatusNormalClosure, "")
			<-readErr
			return fmt.Errorf("login: %w", err)
		}
	}
	loggedIn()
	e.mu.Lock()
	e.session = s
	e.setStateLocked(Connected, nil)
	e.mu.Unlock()

	var rerr error
	select {
	case rerr = <-readErr:
	case <-ctx.Done():
		conn.Close(websocket.StatusNormalClosure, "")
		rerr = <-readErr
	}
	e.mu.Lock()
	e.session = nil
	if ctx.Err() == nil {
		e.setStateLocked(Reconnecting, rerr)
	} else {
		e.setStateLocked(Disconnected, nil)
	}
	e.mu.Unlock()
	s.fail(ErrConnectionLost)
	conn.CloseNow()
	return rerr
}

// Call sends a request on the current connection and waits for its
// answer (see Session.Call). While the engine is connecting or
// reconnecting it waits for the connection, up to ctx; so does a request
// whose connection dropped before it was written. Only a request that was
// written fails with ErrConnectionLost.
func (e *Engine) Call(ctx context.Context, action string, payload any, opts CallOptions) (protocol.Frame, error) {
	for {
		e.mu.Lock()
		st, s, ready := e.state, e.session, e.ready
		e.mu.Unlock()
		switch st {
		case Closed:
			return protocol.Frame{}, ErrClosed
		case Disconnected:
			return protocol.Frame{}, ErrNotConnected
		case Connected:
			if s != nil {
				f, err := s.Call(ctx, action, payload, opts)
				if !errors.Is(err, errNotSent) {
					return f, err
				}
				// The connection is going: wait until the engine has
				// noticed, then for the next one.
				select {
				case <-s.gone:
				case <-ctx.Done():
					return protocol.Frame{}, fmt.Errorf("waiting for the connection (%s): %w", Reconnecting, ctx.Err())
				}
				continue
			}
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return protocol.Frame{}, fmt.Errorf("waiting for the connection (%s): %w", st, ctx.Err())
		}
	}
}

// Send writes a request without waiting for any answer (fire and forget).
// It fails at once when not connected.
func (e *Engine) Send(ctx context.Context, action string, payload any) error {
	e.mu.Lock()
	st, s := e.state, e.session
	e.mu.Unlock()
	if st != Connected || s == nil {
		return ErrNotConnected
	}
	_, err := s.write(ctx, action, payload)
	return err
}

// CallOptions say how a request is answered.
type CallOptions struct {
	// ResolveOn, when set, makes the request resolve on the first push
	// carrying its request_id whose action it accepts (a "push response"),
	// instead of on the response frame. That push is still passed to
	// OnPush, with protocol.Frame.Resolved set. An error response still fails the
	// request.
	ResolveOn func(pushAction string) bool
}

type pending struct {
	opts  CallOptions
	reply chan result
}

type result struct {
	f   protocol.Frame
	err error
}

// Session is one logged-in (or logging-in) connection.
type Session struct {
	e    *Engine
	conn *websocket.Conn
	wsem chan struct{} // holds a token while a frame is written
	// slots holds a token per request sent and not yet answered, so that
	// no more than the server's protocol.MaxRequestsInFlight are: a
	// request past them waits for an answer rather than being refused.
	slots   chan struct{}
	mu      sync.Mutex
	pending map[string]*pending
	// unanswered are the requests holding a slot: until their response
	// frame, even when their caller stopped waiting or a push resolved
	// them.
	unanswered map[string]struct{}
	err        error         // set when the session ended
	closed     chan struct{} // closed when the session ended
	gone       chan struct{} // closed when the engine no longer uses it
	inPush     atomic.Bool   // the reader is in OnPush
}

// errNotSent fails a request whose connection ended before it was
// written: it can safely wait for the next connection.
var errNotSent = fmt.Errorf("%w (request not sent)", ErrConnectionLost)

func (s *Session) write(ctx context.Context, action string, payload any) (string, error) {
	id := strconv.FormatUint(s.e.nextID.Add(1), 36)
	b, err := protocol.EncodeRequest(id, action, payload)
	if err != nil {
		return "", err
	}
	if err := s.takeSlot(ctx, id); err != nil {
		return "", err
	}
	if err := s.writeRaw(ctx, b); err != nil {
		s.answered(id)
		return "", err
	}
	return id, nil
}

// takeSlot waits for a place among the requests in flight and gives it to
// request id.
func (s *Session) takeSlot(ctx context.Context, id string) error {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closed:
		return errNotSent
	}
	s.mu.Lock()
	s.unanswered[id] = struct{}{}
	s.mu.Unlock()
	return nil
}

// answered gives back the slot of request id, if it holds one.
func (s *Session) answered(id string) {
	s.mu.Lock()
	_, ok := s.unanswered[id]
	delete(s.unanswered, id)
	s.mu.Unlock()
	if ok {
		<-s.slots
	}
}

// writeRaw writes one frame. The caller's ctx only bounds the wait for the
// write lock: a write that has started runs under the connection's own
// deadline, since a cancelled WebSocket write closes the connection. A
// write that fails left at most part of the frame on the wire, which the
// server never acts on: it fails with errNotSent.
func (s *Session) writeRaw(ctx context.Context, b []byte) error {
	select {
	case s.wsem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closed:
		return errNotSent
	}
	defer func() { <-s.wsem }()
	select {
	case <-s.closed:
		return errNotSent
	default:
	}
	wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.conn.Write(wctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("%w: %v", errNotSent, err)
	}
	return nil
}

// Call sends a request and waits for its answer: the response frame, or
// the push that opts.ResolveOn accepts. It fails with *protocol.Error on an
// error response, with ErrConnectionLost when the connection drops first
// (at once, whether or not the request was written), and with ctx's error
// when ctx ends first.
func (s *Session) Call(ctx context.Context, action string, payload any, opts CallOptions) (protocol.Frame, error) {
	p := &pending{opts: opts, reply: make(chan result, 1)}
	id := strconv.FormatUint(s.e.nextID.Add(1), 36)
	if err := s.takeSlot(ctx, id); err != nil {
		return protocol.Frame{}, err
	}
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		s.answered(id)
		return protocol.Frame{}, errNotSent
	}
	s.pending[id] = p
	s.mu.Unlock()
	b, err := protocol.EncodeRequest(id, action, payload)
	if err == nil {
		err = s.writeRaw(ctx, b)
	}
	if err != nil {
		s.forget(id)
		s.answered(id)
		return protocol.Frame{}, err
	}
	select {
	case r := <-p.reply:
		return r.f, r.err
	case <-ctx.Done():
		s.forget(id)
		return protocol.Frame{}, ctx.Err()
	}
}

func (s *Session) forget(id string) {
	s.mu.Lock()
	delete(s.pending, id)
	s.mu.Unlock()
}

// fail ends the session: every request in flight fails with err.
func (s *Session) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return
	}
	s.err = err
	close(s.closed)
	for id, p := range s.pending {
		p.reply <- result{err: err}
		delete(s.pending, id)
	}
}

func (s *Session) readLoop(ctx context.Context) error {
	for {
		_, b, err := s.conn.Read(ctx)
		if err != nil {
			s.fail(ErrConnectionLost)
			return err
		}
		var f protocol.Frame
		if err := json.Unmarshal(b, &f); err != nil {
			s.undecodable(b, err)
			continue
		}
		if f.Action == protocol.ActionPing {
			continue
		}
		if f.RequestID != "" && f.Type == protocol.TypeResponse {
			s.answered(f.RequestID)
		}
		if f.RequestID != "" && s.resolve(&f) && f.Type == protocol.TypeResponse {
			continue
		}
		if f.Type != protocol.TypeResponse {
			s.inPush.Store(true)
			s.e.cfg.OnPush(f)
			s.inPush.Store(false)
		}
	}
}

// undecodable handles a frame that is not a frame this engine can read
// (broken, or nested too deeply for encoding/json): the request it
// answers, if its request_id can be read, fails with ErrUndecodable; the
// connection stays up.
func (s *Session) undecodable(b []byte, err error) {
	id, action := protocol.PeekIDs(b)
	s.e.log.Warn("rtm: undecodable frame", "request_id", id, "action", action, "bytes", len(b), "err", err)
	if id == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.pending[id]; ok {
		delete(s.pending, id)
		p.reply <- result{err: fmt.Errorf("%w: %v", ErrUndecodable, err)}
	}
}

// resolve hands f to the request it answers; false if it answers none.
func (s *Session) resolve(f *protocol.Frame) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[f.RequestID]
	if !ok {
		return false
	}
	if f.Type == protocol.TypeResponse {
		if pe := f.Err(); pe != nil {
			delete(s.pending, f.RequestID)
			p.reply <- result{f: *f, err: pe}
			return true
		}
		if p.opts.ResolveOn != nil {
			return true // wait for the push; the response carries nothing more
		}
		delete(s.pending, f.RequestID)
		p.reply <- result{f: *f}
		return true
	}
	if p.opts.ResolveOn != nil && p.opts.ResolveOn(f.Action) {
		delete(s.pending, f.RequestID)
		f.Resolved = true
		p.reply <- result{f: *f}
		return true
	}
	return false
}

// pingLoop sends a protocol ping every PingInterval, which keeps the
// server's session alive, and a WebSocket ping, whose pong proves the
// connection is. Pongs are read by the reader: time spent in OnPush does
// not count against the server.
func (s *Session) pingLoop(ctx context.Context) {
	t := time.NewTicker(s.e.cfg.PingInterval)
	defer t.Stop()
	ping := []byte(`{"action":"ping"}`)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.closed:
			return
		case <-t.C:
			if err := s.writeRaw(ctx, ping); err != nil {
				return
			}
			if !s.alive(ctx) {
				s.e.log.Warn("rtm: no pong in time, closing the connection", "timeout", s.e.cfg.PongTimeout)
				s.conn.CloseNow()
				return
			}
		}
	}
}

// alive sends a WebSocket ping and waits for its pong up to PongTimeout,
// not counting the time the reader spends in OnPush. It reports false only
// when the connection looks dead.
func (s *Session) alive(ctx context.Context) bool {
	pong := make(chan error, 1)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { pong <- s.conn.Ping(pctx) }()
	const step = 100 * time.Millisecond
	t := time.NewTicker(min(step, s.e.cfg.PongTimeout))
	defer t.Stop()
	var waited time.Duration
	for {
		select {
		case err := <-pong:
			return err == nil || ctx.Err() != nil || s.isClosed()
		case <-t.C:
			if !s.inPush.Load() {
				waited += min(step, s.e.cfg.PongTimeout)
			}
			if waited >= s.e.cfg.PongTimeout {
				cancel()
				<-pong
				return ctx.Err() != nil || s.isClosed()
			}
		}
	}
}

func (s *Session) isClosed() bool {
	select {
	case <-s.closed:
		return true
	default:
		return false
	}
}

// Close closes the session's connection (the engine reconnects).
func (s *Session) Close() { s.conn.CloseNow() }
