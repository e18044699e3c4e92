package limit

import (
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// ClientIP returns the address a request comes from: the remote address of
// its connection. It is the one place that decides it; the zero Addr when
// the remote address does not parse.
func ClientIP(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, _ := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

// Addrs turns addresses into the keys of per-address limits.
type Addrs struct {
	// Loopback makes per-address limits apply to loopback addresses too.
	// False: loopback (this host: a local reverse proxy, a load
	// generator, a developer's browser) is exempt.
	Loopback bool
}

// Key returns the key of a under per-address limits, and false when a is
// exempt from them. An IPv4 address is its own key; IPv6 addresses are
// grouped by /64, the network one subscriber usually gets, so that a client
// cannot escape a limit by walking through its own addresses. Addresses
// that do not parse share one key.
func (p Addrs) Key(a netip.Addr) (string, bool) {
	switch {
	case !a.IsValid():
		return "invalid", true
	case a.IsLoopback() && !p.Loopback:
		return "", false
	case a.Is6():
		pfx, _ := a.Prefix(64)
		return pfx.String(), true
	}
	return a.String(), true
}

// SetRetryAfter tells an HTTP client over a limit to come back after d: the
// Retry-After header, in whole seconds, rounded up, at least 1.
func SetRetryAfter(h http.Header, d time.Duration) {
	h.Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))))
}
