package wsconn

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/server/internal/transport"
)

// Defaults for the zero values of [transport.Options].
const (
	DefaultMaxMessageBytes = 1 << 20
	DefaultWriteTimeout    = 10 * time.Second
)

// closeLockWait bounds how long Close waits for a write in progress before it
// gives up sending the SockJS close frame.
const closeLockWait = time.Second

// maxCloseReason is the longest reason a WebSocket close frame carries.
const maxCloseReason = 123

// Framing maps frames to WebSocket text messages. The zero value is plain
// WebSocket: one message per frame, nothing else on the wire.
type Framing struct {
	// Encode appends one message carrying all frames to dst. Nil means each
	// frame is sent as its own message.
	Encode func(dst []byte, frames [][]byte) []byte
	// Decode splits one client message into frames; zero frames is allowed.
	// An error closes the connection with [transport.CloseProtocolError] and
	// BrokenReason. Nil means the message is one frame.
	Decode func(msg []byte) ([][]byte, error)
	// BrokenReason is the close reason used when Decode fails.
	BrokenReason string
	// CloseFrame appends the message sent before the WebSocket close frame.
	// Nil means none.
	CloseFrame func(dst []byte, code int, reason string) []byte
	// Open, when not nil, is sent as soon as the connection is accepted,
	// before the handler runs.
	Open []byte
	// Heartbeat, when not nil, is sent every HeartbeatInterval (> 0).
	Heartbeat         []byte
	HeartbeatInterval time.Duration
}

// Config is what [Serve] needs; it is read-only once Serve is called and may
// be shared by all connections.
type Config struct {
	transport.Options
	Framing
}

// Buffers of a connection, in place of net/http's 4 KiB each: an idle
// connection keeps them all its life. A message larger than the write
// buffer takes two writes to the socket instead of one; reads larger than
// the read buffer go straight into the message.
const (
	readBufferSize  = 1 << 10
	writeBufferSize = 2 << 10
)

// Serve upgrades the request to a WebSocket and returns; h runs on a
// goroutine of its own, and the connection is closed when h returns. On a
// failed upgrade the response has already been written.
//
// Returning lets net/http drop what it holds for the request and its
// connection (buffers, headers, the response), which a connection that
// lasts for hours would otherwise keep.
func Serve(w http.ResponseWriter, r *http.Request, cfg *Config, h transport.Handler) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ws, err := websocket.Accept(leanHijack{w}, r, &websocket.AcceptOptions{
		// See transport.Options.OriginPatterns for why any origin is fine
		// by default.
		InsecureSkipVerify: len(cfg.OriginPatterns) == 0,
		OriginPatterns:     cfg.OriginPatterns,
	})
	if err != nil {
		log.Debug("transport: upgrade rejected", "remote", r.RemoteAddr, "path", r.URL.Path, "err", err)
		return
	}
	limit := cfg.MaxMessageBytes
	if limit <= 0 {
		limit = DefaultMaxMessageBytes
	}
	ws.SetReadLimit(limit)

	// The handler's ctx ends with the connection, not with r's (which ends
	// when Serve returns), and holds none of net/http's contexts: a
	// connection that lasts for hours would keep them.
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{
		ws:           ws,
		cfg:          cfg,
		log:          log,
		remote:       r.RemoteAddr,
		writeTimeout: cfg.WriteTimeout,
		ctx:          ctx,
		cancel:       cancel,
		wmu:          make(chan struct{}, 1),
		closing:      make(chan struct{}),
		done:         make(chan struct{}),
	}
	if c.writeTimeout <= 0 {
		c.writeTimeout = DefaultWriteTimeout
	}
	go c.serve(h, r)
}

// serve runs h on the connection and closes it when h returns.
func (c *conn) serve(h transport.Handler, r *http.Request) {
	defer c.Close(transport.CloseNormal, "")
	if c.cfg.Open != nil {
		if err := c.writeControl(c.cfg.Open); err != nil {
			return
		}
	}
	c.startHeartbeat()
	h(c.ctx, c, r)
}

// leanHijack hands coder/websocket the hijacked connection with buffers of
// its own size (see readBufferSize), so that net/http's may go once Serve
// returns.
type leanHijack struct{ http.ResponseWriter }

func (l leanHijack) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(l.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// The 101 response has been flushed. Bytes the client sent after it may
	// already wait in net/http's reader: they move into the new reader's
	// buffer, which is where coder/websocket looks for them.
	n := brw.Reader.Buffered()
	if n == 0 {
		// The usual case; reading nc directly also keeps the reading
		// goroutine's stack one frame shallower (see session.readLoop).
		return nc, bufio.NewReadWriter(bufio.NewReaderSize(nc, readBufferSize), bufio.NewWriterSize(nc, writeBufferSize)), nil
	}
	early, _ := brw.Reader.Peek(n)
	br := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), nc), max(readBufferSize, n))
	if _, err := br.Peek(n); err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, bufio.NewReadWriter(br, bufio.NewWriterSize(nc, writeBufferSize)), nil
}

// conn implements transport.Conn.
type conn struct {
	ws           *websocket.Conn
	cfg          *Config
	log          *slog.Logger
	remote       string
	writeTimeout time.Duration
	ctx          context.Context    // the handler's
	cancel       context.CancelFunc // cancels the handler's ctx

	wmu          chan struct{} // write lock; a channel so that waits can be bounded
	closing      chan struct{} // closed when the connection starts to end
	closeStarted atomic.Bool   // guards closing
	done         chan struct{} // closed when the connection has ended

	pending [][]byte // decoded frames not yet returned; Read's goroutine only

	hbMu      sync.Mutex
	hb        *time.Timer
	hbStopped bool
}

var _ transport.Conn = (*conn)(nil)

func (c *conn) Read(ctx context.Context) ([]byte, error) {
	if c.closeStarted.Load() {
		return nil, fmt.Errorf("transport: read: %w", transport.ErrClosed)
	}
	for len(c.pending) == 0 {
		if err := c.readMessage(ctx); err != nil {
			return nil, err
		}
	}
	f := c.pending[0]
	c.pending[0] = nil
	c.pending = c.pending[1:]
	return f, nil
}

// readMessage reads one WebSocket message into c.pending. It runs under
// the connection's reading goroutine for all its idle life: rare paths are
// functions of their own, to keep its frame small (see session.serve).
func (c *conn) readMessage(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("transport: read: %w", err)
	}
	if ctx != c.ctx && ctx.Done() != nil {
		// The handler's ctx ends only when the connection does.
		stop := context.AfterFunc(ctx, c.goingAway)
		defer stop()
	}
	// No deadline here: coder/websocket would drop the connection when it
	// expires. Close and the AfterFunc above unblock the read instead.
	_, msg, err := c.ws.Read(context.Background())
	if err != nil {
		return c.readFailed(ctx, err)
	}
	if c.cfg.Decode == nil {
		c.pending = append(c.pending, msg)
		return nil
	}
	return c.decode(msg)
}

// readFailed ends the connection after a failed read and says why.
//
//go:noinline
func (c *conn) readFailed(ctx context.Context, err error) error {
	// Note why the read failed before reacting, which ends c.ctx.
	closed, ctxErr := c.closeStarted.Load(), ctx.Err()
	if !closed {
		if errors.Is(err, websocket.ErrMessageTooBig) {
			// The library has already sent the 1009 close frame;
			// finish the handshake.
			c.Close(transport.CloseMessageTooBig, "message too big")
		} else {
			c.abort()
		}
	}
	switch {
	case ctxErr != nil:
		return fmt.Errorf("transport: read: %w (%w)", ctxErr, transport.ErrClosed)
	case closed:
		return fmt.Errorf("transport: read: %w: %w", transport.ErrClosed, err)
	default:
		return fmt.Errorf("transport: read: %w", err)
	}
}

// decode splits a message of a framing transport into frames.
//
//go:noinline
func (c *conn) decode(msg []byte) error {
	frames, err := c.cfg.Decode(msg)
	if err != nil {
		c.log.Debug("transport: broken framing", "remote", c.remote, "err", err)
		c.Close(transport.CloseProtocolError, c.cfg.BrokenReason)
		return fmt.Errorf("transport: read: %w", err)
	}
	c.pending = append(c.pending, frames...)
	return nil
}

// bufPool holds buffers for encoded messages; only small ones are kept.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

const maxPooledBuf = 64 << 10

func (c *conn) Write(ctx context.Context, frames ...[]byte) error {
	if len(frames) == 0 {
		return nil
	}
	if err := c.lock(ctx); err != nil {
		return fmt.Errorf("transport: write: %w", err)
	}
	defer c.unlock()
	if c.closeStarted.Load() {
		return fmt.Errorf("transport: write: %w", transport.ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		// lock may win its select even though ctx had already ended.
		return fmt.Errorf("transport: write: %w", err)
	}
	if c.cfg.Encode != nil {
		bp := bufPool.Get().(*[]byte)
		msg := c.cfg.Encode((*bp)[:0], frames)
		err := c.writeMessage(msg)
		if cap(msg) <= maxPooledBuf {
			*bp = msg[:0]
			bufPool.Put(bp)
		}
		return err
	}
	for _, f := range frames {
		if err := c.writeMessage(f); err != nil {
			return err
		}
	}
	return nil
}

// writeMessage writes one message; the caller holds the write lock. On
// failure the connection is dropped.
func (c *conn) writeMessage(p []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.writeTimeout)
	err := c.ws.Write(ctx, websocket.MessageText, p)
	cancel()
	if err != nil {
		if c.closeStarted.Load() {
			return fmt.Errorf("transport: write: %w: %w", transport.ErrClosed, err)
		}
		c.abort()
		return fmt.Errorf("transport: write: %w", err)
	}
	return nil
}

// writeControl writes a transport message of its own (open, heartbeat).
func (c *conn) writeControl(p []byte) error {
	if err := c.lock(context.Background()); err != nil {
		return err
	}
	defer c.unlock()
	if c.closeStarted.Load() {
		return transport.ErrClosed
	}
	return c.writeMessage(p)
}

// lock takes the write lock, waiting until ctx ends or the connection starts
// to close.
func (c *conn) lock(ctx context.Context) error {
	select {
	case c.wmu <- struct{}{}:
		return nil
	case <-c.closing:
		return transport.ErrClosed
	case <-ctx.Done():
		if c.closeStarted.Load() {
			return transport.ErrClosed // the handler's ctx ends with the connection
		}
		return ctx.Err()
	}
}

func (c *conn) unlock() { <-c.wmu }

func (c *conn) startHeartbeat() {
	if c.cfg.Heartbeat == nil || c.cfg.HeartbeatInterval <= 0 {
		return
	}
	c.hbMu.Lock()
	defer c.hbMu.Unlock()
	if !c.hbStopped {
		c.hb = time.AfterFunc(c.cfg.HeartbeatInterval, c.beat)
	}
}

// beat sends one heartbeat and schedules the next. Heartbeats are periodic,
// whatever else is sent: the client answers each with a ping, which is what
// keeps the session's idle timer from firing.
func (c *conn) beat() {
	if err := c.writeControl(c.cfg.Heartbeat); err != nil {
		return
	}
	c.hbMu.Lock()
	defer c.hbMu.Unlock()
	if !c.hbStopped {
		c.hb.Reset(c.cfg.HeartbeatInterval)
	}
}

// Ping implements transport.Pinger with a WebSocket ping.
func (c *conn) Ping(ctx context.Context) error {
	if c.closeStarted.Load() {
		return fmt.Errorf("transport: ping: %w", transport.ErrClosed)
	}
	if err := c.ws.Ping(ctx); err != nil {
		return fmt.Errorf("transport: ping: %w", err)
	}
	return nil
}

var _ transport.Pinger = (*conn)(nil)

// goingAway closes the connection because a context ended.
func (c *conn) goingAway() { c.Close(transport.CloseGoingAway, "going away") }

func (c *conn) Close(code int, reason string) error {
	if !c.closeStarted.CompareAndSwap(false, true) {
		<-c.done
		return nil
	}
	close(c.closing)
	defer c.finish()

	if c.cfg.CloseFrame != nil {
		// Send the SockJS close frame unless a write is stuck; nothing may
		// follow it but the WebSocket close.
		t := time.NewTimer(closeLockWait)
		select {
		case c.wmu <- struct{}{}:
			if err := c.writeMessage(c.cfg.CloseFrame(nil, code, reason)); err != nil {
				c.log.Debug("transport: close frame not sent", "remote", c.remote, "err", err)
			}
			c.unlock()
		case <-t.C:
		}
		t.Stop()
	}
	err := c.ws.Close(wireCode(code), wireReason(reason))
	if err != nil && !errors.Is(err, net.ErrClosed) {
		c.log.Debug("transport: close", "remote", c.remote, "code", code, "err", err)
		return fmt.Errorf("transport: close: %w", err)
	}
	return nil
}

// abort drops the connection without a close handshake, after an I/O error.
func (c *conn) abort() {
	if !c.closeStarted.CompareAndSwap(false, true) {
		return
	}
	close(c.closing)
	c.ws.CloseNow()
	c.finish()
}

// finish releases what the connection holds once it has ended.
func (c *conn) finish() {
	c.hbMu.Lock()
	c.hbStopped = true
	if c.hb != nil {
		c.hb.Stop()
	}
	c.hbMu.Unlock()
	c.cancel()
	close(c.done)
}

// wireCode returns code if WebSocket allows it in a close frame, else 1000.
func wireCode(code int) websocket.StatusCode {
	switch {
	case code >= 1000 && code <= 1014 && (code < 1004 || code > 1006),
		code >= 3000 && code <= 4999:
		return websocket.StatusCode(code)
	}
	return websocket.StatusNormalClosure
}

// wireReason cuts reason to what a close frame carries, on a rune boundary.
func wireReason(reason string) string {
	if len(reason) <= maxCloseReason {
		return reason
	}
	i := maxCloseReason
	for i > 0 && !utf8.RuneStart(reason[i]) {
		i--
	}
	return reason[:i]
}
