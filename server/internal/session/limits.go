package session

import (
	"net/netip"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/internal/limit"
	"github.com/parleychat/parley/server/internal/transport"
)

// Defaults of Limits.
const (
	DefaultConnsPerCustomer = 20
	DefaultConnsPerIP       = 500
)

// Limits bound what one client may open and ask. The zero value means the
// defaults.
type Limits struct {
	// MaxInFlight is how many requests one connection may have sent and
	// not yet had answered, and how many Web API calls one customer may
	// have running on this node. Past it a request is answered at once
	// with too_many_requests, and the connection stays up. Zero:
	// protocol.MaxRequestsInFlight (10), the protocol's limit, which
	// clients count on: a lower value makes them see refusals.
	MaxInFlight int
	// ConnsPerCustomer is how many connections one customer may have
	// logged in on this node. The one past it gets customer_disconnected
	// (too_many_connections) at login and is closed. Zero: 20; negative:
	// no limit.
	ConnsPerCustomer int
	// ConnsPerIP is how many connections, customers' and agents'
	// together, one address (an IPv6 /64) may have open on this node. The
	// one past it gets a *_disconnected push (too_many_connections) at
	// once and is closed. Zero: 500; negative: no limit.
	ConnsPerIP int
	// LimitLoopback applies ConnsPerIP to loopback addresses too. False:
	// loopback is exempt.
	LimitLoopback bool
}

// limits is the state of Limits.
type limits struct {
	addrs       limit.Addrs
	perIP       *limit.Counter // nil: no limit
	perCustomer *limit.Counter // nil: no limit
	// webCalls counts each customer's Web API calls being run (MaxInFlight
	// at once, as on one connection).
	webCalls *limit.Counter
}

// newLimits fills in l's defaults and returns its state.
func newLimits(l *Limits) limits {
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = protocol.MaxRequestsInFlight
	}
	if l.ConnsPerCustomer == 0 {
		l.ConnsPerCustomer = DefaultConnsPerCustomer
	}
	if l.ConnsPerIP == 0 {
		l.ConnsPerIP = DefaultConnsPerIP
	}
	st := limits{addrs: limit.Addrs{Loopback: l.LimitLoopback}, webCalls: limit.NewCounter(l.MaxInFlight)}
	if l.ConnsPerIP > 0 {
		st.perIP = limit.NewCounter(l.ConnsPerIP)
	}
	if l.ConnsPerCustomer > 0 {
		st.perCustomer = limit.NewCounter(l.ConnsPerCustomer)
	}
	return st
}

// acquireIP counts a connection from ip, or returns false when its address
// has too many. release uncounts it.
func (l *limits) acquireIP(ip netip.Addr) (release func(), ok bool) {
	key, limited := l.addrs.Key(ip)
	if !limited || l.perIP == nil {
		return func() {}, true
	}
	if !l.perIP.Acquire(key) {
		return nil, false
	}
	return func() { l.perIP.Release(key) }, true
}

// acquireCustomer counts the connection of a customer logging in, or
// returns false when the customer has too many. A connection counts once,
// for the last customer it logged in as.
func (s *session) acquireCustomer(key string) bool {
	pc := s.srv.limits.perCustomer
	if pc == nil || key == s.customerKey {
		return true
	}
	if s.customerKey != "" {
		pc.Release(s.customerKey)
		s.customerKey = ""
	}
	if !pc.Acquire(key) {
		return false
	}
	s.customerKey = key
	return true
}

// tooManyConns tells the client it has too many connections and closes
// the connection after that; no further request is handled.
func (s *session) tooManyConns() {
	s.in.close()
	s.disconnect(protocol.ReasonTooManyConnections, transport.ClosePolicy)
}
