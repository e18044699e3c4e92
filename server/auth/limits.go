package auth

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/parleychat/parley/server/internal/limit"
)

// Defaults of LoginLimits and TokenLimits.
const (
	DefaultLoginFailuresPerIP      = 20
	DefaultLoginFailuresPerAccount = 5
	DefaultLoginLockout            = time.Minute
	DefaultLoginLockoutMax         = time.Hour
	DefaultTokensPerIPPerMinute    = 60
)

// LoginLimits bound failed agent logins. The zero value means the
// defaults.
type LoginLimits struct {
	// FailuresPerIP is how many wrong passwords in a row one address (an
	// IPv6 /64) may send before it is locked out. Default 20; negative:
	// no per-address limit.
	FailuresPerIP int
	// FailuresPerAccount is how many wrong passwords in a row one account
	// (license and e-mail) may get, from anywhere, before it is locked
	// out. A successful login starts its count again. Default 5; negative:
	// no per-account limit.
	FailuresPerAccount int
	// Lockout is how long the first lockout of an address or account
	// lasts; one more try comes back after it. Each further lockout of
	// the same address or account doubles it, up to LockoutMax. Defaults 1
	// minute and 1 hour.
	Lockout, LockoutMax time.Duration
	// LimitLoopback applies the per-address limit to loopback addresses
	// too. False: loopback is exempt.
	LimitLoopback bool
	// MaxKeys is how many addresses, and how many accounts, are tracked
	// at most (about 300 bytes each). Zero: 16,384.
	MaxKeys int
}

// loginLimiter is the state of LoginLimits.
type loginLimiter struct {
	addrs     limit.Addrs
	byIP      *limit.Lockout // nil: no per-address limit
	byAccount *limit.Lockout // nil: no per-account limit
}

func newLoginLimiter(l LoginLimits) *loginLimiter {
	if l.FailuresPerIP == 0 {
		l.FailuresPerIP = DefaultLoginFailuresPerIP
	}
	if l.FailuresPerAccount == 0 {
		l.FailuresPerAccount = DefaultLoginFailuresPerAccount
	}
	if l.Lockout <= 0 {
		l.Lockout = DefaultLoginLockout
	}
	if l.LockoutMax <= 0 {
		l.LockoutMax = DefaultLoginLockoutMax
	}
	ll := &loginLimiter{addrs: limit.Addrs{Loopback: l.LimitLoopback}}
	if l.FailuresPerIP > 0 {
		ll.byIP = limit.NewLockout(l.FailuresPerIP, l.Lockout, l.LockoutMax, l.MaxKeys)
	}
	if l.FailuresPerAccount > 0 {
		ll.byAccount = limit.NewLockout(l.FailuresPerAccount, l.Lockout, l.LockoutMax, l.MaxKeys)
	}
	return ll
}

// TokenLimits bound the customer token endpoints. The zero value means the
// defaults.
type TokenLimits struct {
	// PerIPPerMinute is how many token requests one address (an IPv6 /64)
	// may make a minute, in bursts of as many. Default 60; negative: no
	// limit.
	PerIPPerMinute int
	// LimitLoopback applies the limit to loopback addresses too. False:
	// loopback is exempt.
	LimitLoopback bool
	// MaxKeys is how many addresses are tracked at most (about 300 bytes
	// each). Zero: 16,384.
	MaxKeys int
}

// tokenLimiter is the state of TokenLimits; nil: no limit.
type tokenLimiter struct {
	addrs limit.Addrs
	byIP  *limit.Keyed
}

func newTokenLimiter(l TokenLimits) *tokenLimiter {
	if l.PerIPPerMinute == 0 {
		l.PerIPPerMinute = DefaultTokensPerIPPerMinute
	}
	if l.PerIPPerMinute < 0 {
		return nil
	}
	return &tokenLimiter{
		addrs: limit.Addrs{Loopback: l.LimitLoopback},
		byIP:  limit.NewKeyed(rate.Limit(float64(l.PerIPPerMinute)/60), l.PerIPPerMinute, l.MaxKeys),
	}
}

// allow takes one request of r's address; when refused it returns how long
// until the next would be allowed.
func (t *tokenLimiter) allow(r *http.Request, now time.Time) (time.Duration, bool) {
	if t == nil {
		return 0, true
	}
	key, limited := t.addrs.Key(limit.ClientIP(r))
	if !limited {
		return 0, true
	}
	if res, wait := t.byIP.Take(key, 1, now); res == nil {
		return wait, false
	}
	return 0, true
}

// accountKey is the per-account key of a login: e-mail addresses are
// compared without case.
func accountKey(licenseID int, email string) string {
	return strconv.Itoa(licenseID) + "/" + strings.ToLower(email)
}
