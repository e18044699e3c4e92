package customer

import (
	"errors"

	"github.com/parleychat/parley/internal/client"
)

// Sentinel errors for the client's own states. Test with errors.Is.
var (
	// ErrDestroyed: the SDK was destroyed (by Destroy, or by the server
	// with a final reason such as customer_banned).
	ErrDestroyed = errors.New("customer: SDK destroyed")
	// ErrNotConnected: the SDK is disconnected (Disconnect, or ManualConnect
	// before Connect).
	ErrNotConnected = errors.New("customer: not connected")
	// ErrConnectionLost: the connection dropped while the request was in
	// flight; the request may or may not have been carried out. Sends that
	// carry a CustomID can be retried safely.
	ErrConnectionLost = errors.New("customer: connection lost")
	// ErrFileTooLarge: SendFile refused a file over MaxFileSize before
	// uploading anything.
	ErrFileTooLarge = errors.New("customer: file too large (max 10 MiB)")
	// ErrLimitTooHigh: a pagination limit above the protocol's maximum,
	// refused before sending.
	ErrLimitTooHigh = errors.New("customer: limit too high")
	// ErrNoThread: the chat has no thread (RateChat, CancelRate).
	ErrNoThread = errors.New("customer: chat has no thread")
	// ErrInvalidRating: RateChat was given a score other than RatingBad
	// (0) and RatingGood (1), refused before sending.
	ErrInvalidRating = errors.New("customer: rating score must be 0 (bad) or 1 (good)")
)

// Error is an error answered by the server: the protocol's error type
// (protocol.ErrValidation, "authentication", "customer_banned", …) and its
// message. errors.Is(err, &customer.Error{Type: t}) matches any *Error of
// type t; IsType is a shorthand.
type Error struct {
	Type    string
	Message string
	Data    map[string]any
}

func (e *Error) Error() string { return "customer: " + e.Type + ": " + e.Message }

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
	Closed: ErrDestroyed, NotConnected: ErrNotConnected, ConnectionLost: ErrConnectionLost,
	Server: func(typ, msg string, data map[string]any) error { return &Error{Type: typ, Message: msg, Data: data} },
}
