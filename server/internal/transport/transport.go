package transport

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// Conn is one client connection that carries protocol frames: each frame is
// one JSON document. Transports do not parse frames; a frame that is not JSON
// is the session's problem.
type Conn interface {
	// Read returns the next frame sent by the client. The caller owns the
	// returned slice. Only one goroutine may call Read at a time.
	//
	// Read fails once the connection has ended: after Close (the error
	// wraps [ErrClosed]), when the client closes it or the network fails.
	// If ctx ends before a frame arrives, Read returns ctx's error, and the
	// connection is closed with [CloseGoingAway]: a WebSocket read cannot be
	// abandoned halfway. Pass the handler's ctx and use Close for deadlines
	// such as the login timeout, so that the client learns the right code.
	Read(ctx context.Context) ([]byte, error)

	// Write sends frames in order; a transport may batch them into one
	// message. It does not keep the slices after it returns. Write is safe
	// for use by one writer goroutine concurrently with Read (the transport
	// itself may interleave its own keep-alive messages).
	//
	// ctx bounds only the wait for the turn to write. Once a message has
	// started it is finished within [Options.WriteTimeout], or the
	// connection is dropped: a half-written message cannot be taken back,
	// and a client that does not take its data is given up on. After Close,
	// Write returns an error wrapping [ErrClosed].
	Write(ctx context.Context, frames ...[]byte) error

	// Close ends the connection with a WebSocket close code and reason
	// (SockJS sends a c[code,"reason"] frame first). The reason should be
	// short: WebSocket carries at most 123 bytes of it and the rest is cut.
	// A code that WebSocket does not allow on the wire (outside 1000–1014
	// and 3000–4999, or 1004–1006) is sent as 1000 in the WebSocket close
	// frame; SockJS still carries the given code in its c frame.
	//
	// Close waits for the client's close reply for at most a few seconds.
	// It is idempotent: later calls wait until the first has finished and
	// return nil. It is safe to call concurrently with Read and Write, and
	// unblocks both.
	Close(code int, reason string) error
}

// Pinger is implemented by a Conn that can check, below the protocol, that
// its client is there: a WebSocket ping, which browsers answer by
// themselves. The Customer Chat API v3.5's JS SDK sends no pings of its
// own, so a server that closes silent connections pings it instead.
type Pinger interface {
	// Ping sends a ping and waits for the client's pong, or until ctx
	// ends (which does not close the connection). It needs a Read in
	// progress to receive the pong, and is safe to call concurrently with
	// Read, Write and Close.
	Ping(ctx context.Context) error
}

// Handler serves one accepted connection; the connection is closed with
// [CloseNormal] when it returns (unless already closed). r is the upgrade
// request (query, headers, remote address); do not use its body.
//
// The handler runs on a goroutine of its own: the HTTP handler returns once
// the connection is upgraded, so net/http keeps nothing of the request, and
// r's context is done by then. ctx carries r's context values and is
// canceled when the connection has ended: after Close, or when a Read or
// Write found the connection broken. [http.Server.Shutdown] does not see
// upgraded connections: close them (with [CloseGoingAway]) on shutdown.
type Handler func(ctx context.Context, c Conn, r *http.Request)

// Options are shared by both transports. The zero value is ready to use.
type Options struct {
	// MaxMessageBytes caps one incoming WebSocket message (for SockJS the
	// whole message, which may hold several frames). A larger one closes the
	// connection with [CloseMessageTooBig]. Zero or negative means 1 MiB.
	MaxMessageBytes int64

	// WriteTimeout bounds writing one outgoing message to the network; a
	// client that does not take it in time is disconnected without a close
	// handshake. Zero or negative means 10 s.
	WriteTimeout time.Duration

	// OriginPatterns lists the origins allowed to open a connection, as in
	// websocket.AcceptOptions (host patterns for path.Match, or
	// "scheme://host" patterns); the request's own host is always allowed.
	// Empty means any origin is accepted: the API is public and clients
	// authenticate with a token inside the login frame, never with cookies,
	// so a page on another origin gains nothing it could not get by itself.
	OriginPatterns []string

	// Logger receives connection-level debug events (rejected upgrades,
	// broken framing, close errors). Nil means nothing is logged.
	Logger *slog.Logger
}

// ErrClosed is returned (wrapped) by Read and Write after Close.
var ErrClosed = errors.New("transport: connection closed")

// WebSocket close codes the server uses (RFC 6455, section 7.4.1). Any code
// from 3000 to 4999 may also be used for application reasons.
const (
	CloseNormal         = 1000 // normal closure
	CloseGoingAway      = 1001 // server shutting down; the client should reconnect
	CloseProtocolError  = 1002 // the client broke the framing
	ClosePolicy         = 1008 // policy violation, e.g. no login in time
	CloseMessageTooBig  = 1009 // a message exceeded Options.MaxMessageBytes
	CloseInternalError  = 1011 // the server failed
	CloseServiceRestart = 1012 // the server is restarting; reconnect later
	CloseTryAgainLater  = 1013 // overloaded; reconnect later
)
