package parleytest

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/server/chat"
)

// Conns selects connections for DropConnections and PauseListener by what
// they were last used for.
type Conns int

const (
	// AllConns is every connection, including one that has not sent a
	// request yet.
	AllConns Conns = iota
	// CustomerConns carry the Customer Chat API: RTM (WebSocket and
	// SockJS), customer tokens (/customer/…), uploads and file downloads:
	// everything but the agent API.
	CustomerConns
	// AgentConns carry the agent API (/v3.0/agent/…).
	AgentConns
)

func classify(path string) Conns {
	if strings.HasPrefix(path, "/v3.0/agent/") {
		return AgentConns
	}
	return CustomerConns
}

type connKey struct{}

// trackingListener tracks every connection it accepts, including the ones
// the HTTP server hands over to WebSocket handlers (which httptest no
// longer tracks), so that DropConnections can cut them all.
type trackingListener struct {
	net.Listener
	s *Server
}

func (l *trackingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc := &trackedConn{Conn: c, s: l.s, closed: make(chan struct{})}
		l.s.mu.Lock()
		paused := l.s.paused[AllConns]
		if !paused {
			l.s.conns[tc] = struct{}{}
		}
		l.s.mu.Unlock()
		if paused {
			reset(c)
			continue
		}
		return tc, nil
	}
}

type trackedConn struct {
	net.Conn
	s      *Server
	kind   atomic.Int32 // Conns of the last request; AllConns before any
	closed chan struct{}
	once   sync.Once
}

func (c *trackedConn) Close() error {
	c.untrack()
	return c.Conn.Close()
}

func (c *trackedConn) untrack() {
	c.s.mu.Lock()
	delete(c.s.conns, c)
	c.s.mu.Unlock()
	c.once.Do(func() { close(c.closed) })
}

// Read holds up what arrives while the connection is stalled: the bytes
// are read (the peer's writes succeed) but handed on only afterwards.
func (c *trackedConn) Read(b []byte) (int, error) {
	if err := c.waitUnstalled(); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(b)
	if n > 0 {
		if werr := c.waitUnstalled(); werr != nil {
			return 0, werr
		}
	}
	return n, err
}

func (c *trackedConn) Write(b []byte) (int, error) {
	if err := c.waitUnstalled(); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}

func (c *trackedConn) waitUnstalled() error {
	for {
		c.s.mu.Lock()
		stalled := c.s.stalled[AllConns] || c.s.stalled[Conns(c.kind.Load())]
		wake := c.s.unstall
		c.s.mu.Unlock()
		if !stalled {
			return nil
		}
		select {
		case <-wake:
		case <-c.closed:
			return net.ErrClosed
		}
	}
}

// reset closes c at once with a TCP reset, as a broken network would:
// nothing queued is flushed and the peer's next read fails.
func reset(c net.Conn) {
	if tc, ok := c.(*trackedConn); ok {
		tc.untrack()
		c = tc.Conn
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = c.Close()
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	kind := classify(r.URL.Path)
	if tc, ok := r.Context().Value(connKey{}).(*trackedConn); ok {
		tc.kind.Store(int32(kind))
		if s.refuses(kind) {
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					reset(c)
					return
				}
			}
			reset(tc)
			return
		}
	}
	(*s.handler.Load()).ServeHTTP(w, r)
}

func (s *Server) refuses(kind Conns) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.paused[AllConns] || s.paused[kind] || s.restarting
}

func matches(kind Conns, which []Conns) bool {
	return len(which) == 0 || slices.Contains(which, AllConns) || slices.Contains(which, kind)
}

// DropConnections cuts connections at once with a TCP reset, as a network
// failure would: the server's sessions end (nothing they had queued is
// sent) and each client's next read or write fails. With no argument it
// cuts every connection (RTM WebSockets, SockJS streams and idle HTTP
// keep-alive connections alike); DropConnections(parleytest.CustomerConns)
// cuts only those of customers, so an agent stays connected. The listener
// stays open: clients can reconnect at once (see PauseListener). It
// returns how many connections it cut.
func (s *Server) DropConnections(which ...Conns) int {
	s.mu.Lock()
	var cut []*trackedConn
	for c := range s.conns {
		if matches(Conns(c.kind.Load()), which) {
			cut = append(cut, c)
		}
	}
	s.mu.Unlock()
	for _, c := range cut {
		reset(c)
	}
	return len(cut)
}

// PauseListener makes the server unreachable for new connections, as if
// it were down, while the port stays bound: with no argument every new
// connection is reset as soon as it is accepted; with CustomerConns or
// AgentConns every request of that kind (a WebSocket upgrade, a token
// request, …) resets its connection instead of being served. Connections
// that are already open are not touched: call DropConnections too to
// simulate an outage. ResumeListener undoes it.
func (s *Server) PauseListener(which ...Conns) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(which) == 0 {
		which = []Conns{AllConns}
	}
	for _, k := range which {
		s.paused[k] = true
	}
}

// ResumeListener serves new connections again after PauseListener.
func (s *Server) ResumeListener() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.paused)
}

// Restart shuts the server down gracefully (each RTM client gets a
// customer_disconnected or agent_disconnected push with reason
// service_temporarily_unavailable, then its connection closes) and starts
// a new one on the same address, data directory, token key and broker, as
// an operator restarting the process would. Requests that arrive meanwhile
// have their connection reset. Restart replaces s.Server: do not use it
// concurrently with Restart.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	s.restarting = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.restarting = false
		s.mu.Unlock()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Server.Shutdown(ctx); err != nil {
		// Sessions that did not go in time were closed; go on.
		t.Logf("parleytest: restart: shutdown: %v", err)
	}
	srv, err := server.New(ctx, s.cfg)
	if err != nil {
		t.Fatalf("parleytest: restart: %v", err)
	}
	s.Server = srv
	s.setHandlers()
}

// DisconnectCustomer ends every connection of a customer of the demo
// license as the server ends a session for its own reasons: each gets a
// customer_disconnected push with reason (protocol.Reason…), then its
// connection is closed (WebSocket status 1008).
func (s *Server) DisconnectCustomer(customerID, reason string) error {
	frame, err := protocol.Push(protocol.PushCustomerDisconnected, protocol.CustomerDisconnected{Reason: reason})
	if err != nil {
		return err
	}
	// The sessions' disconnect control message (see the session hub): the
	// connection id field holds a marker no connection has, the request
	// id field the reason. TestDisconnectCustomer pins this to what the
	// sessions do.
	const marker = "\x00disconnect"
	msg := binary.AppendUvarint(nil, uint64(len(marker)))
	msg = append(msg, marker...)
	msg = binary.AppendUvarint(msg, uint64(len(reason)))
	msg = append(msg, reason...)
	return s.publish(customerID, append(msg, frame...))
}

// PushToCustomer sends every connection of a customer of the demo license
// a push frame with action and payload, through the server's broker, as
// if the server had sent it: for pushes the server does not make on cue,
// such as a customer_disconnected carrying data. The connections stay
// open.
func (s *Server) PushToCustomer(customerID, action string, payload any) error {
	frame, err := protocol.Push(action, payload)
	if err != nil {
		return fmt.Errorf("parleytest: push: %w", err)
	}
	// A push message of the sessions: no originating connection, no
	// request id (lengths 0 and 0), then the frame.
	return s.publish(customerID, append([]byte{0, 0}, frame...))
}

func (s *Server) publish(customerID string, msg []byte) error {
	topic := "parley.user." + strconv.Itoa(s.License) + "." + customerID
	if err := s.cfg.Broker.Publish(context.Background(), topic, msg); err != nil {
		return fmt.Errorf("parleytest: publish to %s: %w", customerID, err)
	}
	return nil
}

// BanCustomer bans a customer of the demo license for good, as the demo
// agent's ban_customer would: its connections get customer_disconnected
// (customer_banned) and close, its active chats are closed, and its later
// logins are refused with customer_banned.
func (s *Server) BanCustomer(customerID string) error {
	a := chat.Actor{LicenseID: s.License, UserID: s.AgentEmail, Type: chat.UserAgent}
	if err := s.Service().BanCustomer(context.Background(), a, customerID, 0); err != nil {
		return fmt.Errorf("parleytest: ban customer: %w", err)
	}
	return nil
}

// StallConnections makes connections go silent, as a network path that
// drops every packet would, without closing them: the server receives
// nothing more from them (their clients' writes still succeed) and sends
// nothing more to them, WebSocket pongs included, until
// UnstallConnections delivers everything held up or DropConnections cuts
// them. With no argument it stalls every connection; with CustomerConns
// or AgentConns, the connections of that kind, open or new.
func (s *Server) StallConnections(which ...Conns) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(which) == 0 {
		which = []Conns{AllConns}
	}
	for _, k := range which {
		s.stalled[k] = true
	}
}

// UnstallConnections ends StallConnections: what was held up flows again.
func (s *Server) UnstallConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.stalled)
	close(s.unstall)
	s.unstall = make(chan struct{})
}

// OpenConns returns how many client connections are open.
func (s *Server) OpenConns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
