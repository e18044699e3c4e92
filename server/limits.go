package server

import (
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/httpapi"
	"github.com/parleychat/parley/server/internal/limit"
	"github.com/parleychat/parley/server/internal/session"
)

// Defaults of Limits.
const (
	DefaultLoginFailuresPerIP      = auth.DefaultLoginFailuresPerIP
	DefaultLoginFailuresPerAccount = auth.DefaultLoginFailuresPerAccount
	DefaultLoginLockout            = auth.DefaultLoginLockout
	DefaultLoginLockoutMax         = auth.DefaultLoginLockoutMax
	DefaultTokensPerIPPerMinute    = auth.DefaultTokensPerIPPerMinute
	DefaultRequestsInFlight        = protocol.MaxRequestsInFlight
	DefaultConnsPerCustomer        = session.DefaultConnsPerCustomer
	DefaultConnsPerIP              = session.DefaultConnsPerIP
	DefaultUploadsPerHour          = httpapi.DefaultUploadsPerHour
	DefaultUploadBytesPerHour      = httpapi.DefaultUploadBytesPerHour
	DefaultLimitMaxKeys            = limit.DefaultMaxKeys
)

// Limits bound what one client may cost the server: rate limits and quotas,
// each answered the protocol's way (too_many_requests on RTM, HTTP 429 with
// Retry-After, a too_many_connections disconnect). The zero value means the
// defaults; a negative number turns a limit off. docs/security.md lists
// them all.
//
// Per-address limits key on the connection's remote address (IPv6 by /64)
// and leave loopback alone unless LimitLoopback is set: behind a reverse
// proxy on the same host every client would otherwise share one address.
type Limits struct {
	// LoginFailuresPerIP is how many wrong agent passwords in a row one
	// address may send before it is locked out. Default 20.
	LoginFailuresPerIP int
	// LoginFailuresPerAccount is how many wrong passwords in a row one
	// agent account may get, from anywhere, before it is locked out; a
	// successful login starts the count again. Default 5.
	LoginFailuresPerAccount int
	// LoginLockout is how long a first lockout lasts; each further lockout
	// of the same address or account doubles it, up to LoginLockoutMax.
	// Defaults 1 minute and 1 hour.
	LoginLockout, LoginLockoutMax time.Duration
	// TokensPerIPPerMinute is how many customer token requests one
	// address may make a minute (in bursts of as many). Default 60.
	TokensPerIPPerMinute int
	// RequestsInFlight is how many requests one RTM connection may have
	// sent and not yet had answered; past it a request gets
	// too_many_requests and the connection stays up. Default 10, the
	// protocol's (LiveChat's) limit, which clients count on.
	RequestsInFlight int
	// ConnsPerCustomer is how many RTM connections one customer may have
	// logged in on this node. Default 20.
	ConnsPerCustomer int
	// ConnsPerIP is how many RTM connections one address may have open on
	// this node. Default 500.
	ConnsPerIP int
	// UploadsPerHour is how many files one customer may upload an hour.
	// Default 60.
	UploadsPerHour int
	// UploadBytesPerHour is how many bytes one customer may upload an
	// hour. Default 100 MiB.
	UploadBytesPerHour int64
	// LimitLoopback applies the per-address limits to loopback addresses
	// too. Default false: loopback is exempt.
	LimitLoopback bool
	// MaxKeys is how many addresses, accounts or customers each rate
	// limit tracks at most, about 300 bytes each; past it the least
	// recently seen is forgotten. Default 16,384.
	MaxKeys int
}

func (l Limits) login() auth.LoginLimits {
	return auth.LoginLimits{FailuresPerIP: l.LoginFailuresPerIP, FailuresPerAccount: l.LoginFailuresPerAccount,
		Lockout: l.LoginLockout, LockoutMax: l.LoginLockoutMax, LimitLoopback: l.LimitLoopback, MaxKeys: l.MaxKeys}
}

func (l Limits) tokens() auth.TokenLimits {
	return auth.TokenLimits{PerIPPerMinute: l.TokensPerIPPerMinute, LimitLoopback: l.LimitLoopback, MaxKeys: l.MaxKeys}
}

func (l Limits) sessions() session.Limits {
	return session.Limits{MaxInFlight: l.RequestsInFlight, ConnsPerCustomer: l.ConnsPerCustomer, ConnsPerIP: l.ConnsPerIP,
		LimitLoopback: l.LimitLoopback}
}

// uploads sets the upload quotas of cfg.
func (l Limits) uploads(cfg *httpapi.Config) {
	cfg.UploadsPerHour, cfg.UploadBytesPerHour, cfg.MaxKeys = l.UploadsPerHour, l.UploadBytesPerHour, l.MaxKeys
}
