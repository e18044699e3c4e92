package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/notify"
	"github.com/parleychat/parley/internal/rtm"
	"github.com/parleychat/parley/protocol"
)

// Config configures a Core. N is the client's notification interface.
type Config[N notify.Named] struct {
	// Engine configures the connection. Core sets its Login, OnPush and
	// OnState.
	Engine rtm.Config
	// Login logs in on every new connection. Pushes that arrive meanwhile
	// are held; when Login succeeds, deliver runs with them, with the
	// pushes of the connection still held back, and then they flow to
	// Push. A Login error drops them and is wrapped with ErrLoginFailed.
	Login func(ctx context.Context, s *rtm.Session) (deliver func(held []protocol.Frame), err error)
	// Push turns a push that arrived outside a login into notifications.
	Push func(protocol.Frame)
	// OnState, when set, hears every state change of the engine first.
	OnState func(rtm.State)
	// Lost is the notification of an established connection that dropped
	// (ConnectionLost).
	Lost func(err error) N
	// Retry, when set, is the notification of a reconnect attempt about
	// to wait (rtm.Config.OnRetry); the attempts of a final end are not
	// reported.
	Retry func(attempt int, delay time.Duration, err error) N
	// Errors maps engine and wire errors to the client's.
	Errors *Errors
	// Buffer is how many notifications may wait for handlers.
	Buffer int
	// Unknown reports the client's notification of a push it has no type
	// for; such notifications also go to the handlers of UnknownKey.
	Unknown func(N) bool
}

// UnknownKey is the handler key of every notification Config.Unknown
// reports.
const UnknownKey = "*unknown"

// ErrLoginFailed wraps the error of a failed login, so that the state
// change it causes is not reported as a lost connection.
var ErrLoginFailed = errors.New("login failed")

// Core is a client's session: its engine and notification dispatcher,
// the requests it sends, the pushes it holds while logging in, and its
// end (closed by the user, or ended by the server for good).
type Core[N notify.Named] struct {
	// Engine is the connection; Notes runs the handlers.
	Engine *rtm.Engine
	Notes  *notify.Dispatcher[N]
	cfg    Config[N]

	// pushMu serializes turning pushes into notifications: the reader's
	// pushes and a login's replay. Handlers never take it.
	pushMu    sync.Mutex
	loggingIn bool
	held      []protocol.Frame

	mu            sync.Mutex
	closed        bool
	cause         error         // why End ended the client; nil after Close
	ended         chan struct{} // closed when a final end has stopped the client
	everConnected bool
}

// New returns a stopped Core; Start connects it.
func New[N notify.Named](cfg Config[N]) *Core[N] {
	c := &Core[N]{cfg: cfg}
	c.Notes = notify.New(cfg.Buffer, func(n N) string {
		if cfg.Unknown != nil && cfg.Unknown(n) {
			return UnknownKey
		}
		return ""
	})
	ec := cfg.Engine
	ec.Login, ec.OnPush, ec.OnState = c.login, c.onPush, c.onState
	if cfg.Retry != nil {
		ec.OnRetry = c.onRetry
	}
	c.Engine = rtm.New(ec)
	return c
}

// Start connects in the background; it is harmless while connected.
func (c *Core[N]) Start() error {
	if err := c.ClosedErr(); err != nil {
		return err
	}
	return c.wrap(c.Engine.Start())
}

// ClosedErr is nil while the client is open. Once closed it is
// Errors.Closed, wrapping too the cause of a final end (errors.Is finds
// the sentinel, errors.As the server's error that ended the client).
func (c *Core[N]) ClosedErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case !c.closed:
		return nil
	case c.cause != nil:
		return fmt.Errorf("%w: %w", c.cfg.Errors.Closed, c.cause)
	}
	return c.cfg.Errors.Closed
}

// wrap is Errors.Wrap, with the closed error carrying its cause.
func (c *Core[N]) wrap(err error) error {
	err = c.cfg.Errors.Wrap(err)
	if errors.Is(err, c.cfg.Errors.Closed) {
		if ce := c.ClosedErr(); ce != nil {
			return ce
		}
	}
	return err
}

// Closed reports whether the client was closed or ended for good.
func (c *Core[N]) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// EverConnected reports whether a login has succeeded.
func (c *Core[N]) EverConnected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.everConnected
}

// State is the engine's state, rtm.Closed once the client is closed.
func (c *Core[N]) State() rtm.State {
	if c.Closed() {
		return rtm.Closed
	}
	return c.Engine.State()
}

// Emit queues n for the handlers.
func (c *Core[N]) Emit(n N) { c.Notes.Emit(n) }

// Call sends a request and waits for its answer: the response, or the
// first push of one of the actions resolveOn that carries the request's
// id. Its error is the client's, prefixed with the action.
func (c *Core[N]) Call(ctx context.Context, action string, payload any, resolveOn ...string) (protocol.Frame, error) {
	if err := c.ClosedErr(); err != nil {
		return protocol.Frame{}, fmt.Errorf("%s: %w", action, err)
	}
	var opts rtm.CallOptions
	if len(resolveOn) > 0 {
		opts.ResolveOn = func(a string) bool { return slices.Contains(resolveOn, a) }
	}
	f, err := c.Engine.Call(ctx, action, payload, opts)
	if err != nil {
		return f, fmt.Errorf("%s: %w", action, c.wrap(err))
	}
	return f, nil
}

// CallInto is Call plus decoding the answer's payload into v (unless nil).
func (c *Core[N]) CallInto(ctx context.Context, action string, payload, v any, resolveOn ...string) error {
	f, err := c.Call(ctx, action, payload, resolveOn...)
	if err != nil || v == nil {
		return err
	}
	if err := json.Unmarshal(f.Payload, v); err != nil {
		return fmt.Errorf("%s: decode answer: %w", action, err)
	}
	return nil
}

func (c *Core[N]) onState(st rtm.State, err error) {
	if c.cfg.OnState != nil {
		c.cfg.OnState(st)
	}
	if st != rtm.Reconnecting {
		return
	}
	c.mu.Lock()
	was := c.everConnected && !c.closed
	c.mu.Unlock()
	if was && !errors.Is(err, ErrLoginFailed) {
		c.Emit(c.cfg.Lost(err))
	}
}

func (c *Core[N]) onRetry(attempt int, delay time.Duration, err error) {
	if c.Closed() {
		return
	}
	c.Emit(c.cfg.Retry(attempt, delay, c.cfg.Errors.Wrap(err)))
}

func (c *Core[N]) login(ctx context.Context, s *rtm.Session) error {
	c.pushMu.Lock()
	c.loggingIn, c.held = true, nil
	c.pushMu.Unlock()
	deliver, err := c.cfg.Login(ctx, s)
	c.pushMu.Lock()
	defer c.pushMu.Unlock()
	if err != nil {
		c.loggingIn, c.held = false, nil
		return fmt.Errorf("%w: %w", ErrLoginFailed, err)
	}
	c.mu.Lock()
	c.everConnected = true
	c.mu.Unlock()
	deliver(c.held)
	c.loggingIn, c.held = false, nil
	return nil
}

// onPush receives every push from the engine, in order.
func (c *Core[N]) onPush(f protocol.Frame) {
	c.pushMu.Lock()
	defer c.pushMu.Unlock()
	if c.loggingIn {
		c.held = append(c.held, f)
		return
	}
	c.cfg.Push(f)
}

// End ends the client for a final reason: final (the client's final
// disconnect notification) is delivered to the handlers, then the client
// stops as by Close, and also runs. Every later call fails with
// ClosedErr, which wraps cause (the error that ended the client). It reports false when the client was
// already closed. It may run on the engine's goroutines, which stopping
// waits for: it stops from apart, and Close waits for that.
func (c *Core[N]) End(final N, cause error, also func()) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	c.closed, c.cause = true, cause
	ended := make(chan struct{})
	c.ended = ended
	c.mu.Unlock()
	c.Emit(final)
	c.Notes.EmitStop()
	go func() {
		defer close(ended)
		c.Engine.Stop(true)
		if also != nil {
			also()
		}
	}()
	return true
}

// Close stops the connection for good, runs also, removes every handler
// and ends the dispatcher, waiting for a running handler unless called
// from one (fromHandler). After End it waits for End to finish. It is
// idempotent.
func (c *Core[N]) Close(fromHandler bool, also func()) {
	c.mu.Lock()
	if c.closed {
		ended := c.ended
		c.mu.Unlock()
		if ended != nil {
			<-ended
			c.Notes.Stop(fromHandler)
		}
		return
	}
	c.closed = true
	c.mu.Unlock()
	c.Engine.Stop(true)
	if also != nil {
		also()
	}
	c.Notes.Stop(fromHandler)
}
