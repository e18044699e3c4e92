package agent

import (
	"errors"

	"github.com/parleychat/parley/internal/client"
)

// Sentinel errors for the client's own states. Test with errors.Is.
var (
	// ErrClosed: the client was closed (by Close, or by the server for
	// good: see AgentDisconnected.Final).
	ErrClosed = errors.New("agent: client closed")
	// ErrNotConnected: Config.ManualConnect is set and Connect has not
	// been called.
	ErrNotConnected = errors.New("agent: not connected (ManualConnect: call Connect)")
	// ErrConnectionLost: the connection dropped while the request was in
	// flight; the request may or may not have been carried out. Sends that
	// carry a CustomID can be retried safely.
	ErrConnectionLost = errors.New("agent: connection lost")
	// ErrFileTooLarge: SendFile refused a file over MaxFileSize before
	// uploading anything.
	ErrFileTooLarge = errors.New("agent: file too large (max 10 MiB)")
	// ErrLimitTooHigh: a pagination limit above the protocol's maximum,
	// refused before sending.
	ErrLimitTooHigh = errors.New("agent: limit too high")
	// ErrNoCredentials: the client needs a new token (the old one expired
	// or was revoked) and has no Email and Password to get one.
	ErrNoCredentials = errors.New("agent: token refused and no credentials to log in again")
)

// Error is an error answered by the server: the protocol's error type
// (protocol.ErrValidation, "authentication", "not_found", …) and its
// message. errors.Is(err, &agent.Error{Type: t}) matches any *Error of
// type t; IsType is a shorthand.
type Error struct {
	Type    string
	Message string
	Data    map[string]any
}

func (e *Error) Error() string { return "agent: " + e.Type + ": " + e.Message }

// Is matches another *Error of the same Type.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Type == e.Type
}

// IsType reports whether err is (or wraps) a server *Error of type typ.
func IsType(err error, typ string) bool {
	var e *Error
	return errors.As(err, &e) && e.Type == typ
}

// errs maps engine and wire errors to the package's errors.
var errs = client.Errors{
	Closed: ErrClosed, NotConnected: ErrNotConnected, ConnectionLost: ErrConnectionLost,
	Server: func(typ, msg string, data map[string]any) error { return &Error{Type: typ, Message: msg, Data: data} },
}
