package parleytest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/server/broker/memory"
)

// Defaults of the demo license of a test server.
const (
	License        = 123
	OrganizationID = "7e5a0c1d-2b3f-4a6e-9c8d-1f0e2d3c4b5a"
	ClientID       = "parley-test"
	AgentEmail     = "agent@parley.test"
	AgentPassword  = "parley-test-password"
)

// Server is a running test server.
type Server struct {
	// Server is the running server. Restart replaces it: do not use it
	// (or Service, Store, …) concurrently with Restart.
	*server.Server
	// URL is the base URL, "http://127.0.0.1:<port>".
	URL string
	// AdminURL is the base URL of the operations endpoints (/metrics,
	// /debug/pprof/), on a listener of its own as in production.
	AdminURL string
	// DataDir is the server's data directory.
	DataDir string
	// License, OrganizationID, ClientID, AgentEmail and AgentPassword
	// describe the demo license.
	License        int
	OrganizationID string
	ClientID       string
	AgentEmail     string
	AgentPassword  string

	cfg       server.Config
	ownBroker *memory.Broker // closed by Close; nil when an Option set the broker
	ts        *httptest.Server
	adminTS   *httptest.Server
	handler   atomic.Pointer[http.Handler]
	admin     atomic.Pointer[http.Handler]
	closeOnce sync.Once
	tempDir   string // made by Start, removed by Close

	// Connection tracking and faults, see faults.go.
	mu         sync.Mutex
	conns      map[*trackedConn]struct{}
	paused     map[Conns]bool
	restarting bool
	stalled    map[Conns]bool
	unstall    chan struct{} // closed and replaced by UnstallConnections
}

// Option changes the server's configuration before it starts.
type Option func(*server.Config)

// WithLogger sets the server's logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(c *server.Config) { c.Logger = l } }

// WithDataDir uses dir instead of a fresh temporary directory, so a test
// can restart a server on the same data.
func WithDataDir(dir string) Option { return func(c *server.Config) { c.DataDir = dir } }

// NewServer starts a server and registers its shutdown with t.Cleanup.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := start(t.TempDir(), opts)
	if err != nil {
		t.Fatalf("parleytest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a server outside a test, where there is no testing.TB: in
// an Example, or in a program that wants a throwaway server. The data
// lives in a new temporary directory (unless WithDataDir). The caller must
// call Close, which also removes that directory.
func Start(opts ...Option) (*Server, error) {
	dir, err := os.MkdirTemp("", "parleytest-")
	if err != nil {
		return nil, fmt.Errorf("parleytest: %w", err)
	}
	s, err := start(dir, opts)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("parleytest: %w", err)
	}
	s.tempDir = dir
	return s, nil
}

// start starts a server whose data lives in dataDir unless an option
// says otherwise.
func start(dataDir string, opts []Option) (*Server, error) {
	cfg := server.Config{
		DataDir: dataDir,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Demo:    server.Demo{License: License, OrganizationID: OrganizationID, ClientID: ClientID, AgentEmail: AgentEmail, AgentPassword: AgentPassword},
	}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{conns: map[*trackedConn]struct{}{}, paused: map[Conns]bool{}, stalled: map[Conns]bool{}, unstall: make(chan struct{})}
	if cfg.Broker == nil {
		// The server's own broker would die with it; this one outlives
		// Restart and lets DisconnectCustomer publish.
		s.ownBroker = memory.New()
		cfg.Broker = s.ownBroker
	}
	// The listener comes first: its address is the server's public URL.
	ts := httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + ts.Listener.Addr().String()
	}
	s.cfg = cfg
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		ts.Close()
		if s.ownBroker != nil {
			_ = s.ownBroker.Close()
		}
		return nil, err
	}
	s.Server = srv
	s.setHandlers()

	ts.Listener = &trackingListener{Listener: ts.Listener, s: s}
	ts.Config.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
	ts.Start()
	s.adminTS = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*s.admin.Load()).ServeHTTP(w, r)
	}))
	d := srv.Demo()
	s.URL, s.AdminURL, s.DataDir, s.ts = ts.URL, s.adminTS.URL, cfg.DataDir, ts
	s.License, s.OrganizationID, s.ClientID, s.AgentEmail, s.AgentPassword = d.License, d.OrganizationID, d.ClientID, d.AgentEmail, d.AgentPassword
	return s, nil
}

// setHandlers points both listeners at the current server.
func (s *Server) setHandlers() {
	h, a := s.Server.Handler(), s.Server.AdminHandler()
	s.handler.Store(&h)
	s.admin.Store(&a)
}

// Close shuts the server down (at most 10 s) and closes every connection
// left; for a server from Start it also removes its temporary data
// directory. It is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.UnstallConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Server.Shutdown(ctx)
		s.ts.CloseClientConnections()
		s.DropConnections()
		s.ts.Close()
		s.adminTS.Close()
		if s.ownBroker != nil {
			_ = s.ownBroker.Close()
		}
		if s.tempDir != "" {
			_ = os.RemoveAll(s.tempDir)
		}
	})
}

// CustomerToken returns a valid access token for a customer of the demo
// license (valid for an hour).
func (s *Server) CustomerToken(t testing.TB, customerID string) string {
	t.Helper()
	tok, err := s.IssueCustomerToken(s.License, customerID, time.Hour)
	if err != nil {
		t.Fatalf("parleytest: %v", err)
	}
	return tok
}

// AgentToken returns a valid access token for an agent of the demo license.
func (s *Server) AgentToken(t testing.TB, agentID string) string {
	t.Helper()
	tok, err := s.IssueAgentToken(s.License, agentID)
	if err != nil {
		t.Fatalf("parleytest: %v", err)
	}
	return tok
}
