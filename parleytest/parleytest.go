// Package parleytest runs a real Parley server in-process for tests, the
// way net/http/httptest runs an HTTP server: SQLite in a temporary
// directory, an in-process broker, a demo license, a demo agent, and a
// listener on 127.0.0.1.
//
//	srv := parleytest.NewServer(t)
//	// srv.URL is "http://127.0.0.1:<port>"; the Customer Chat API is at
//	// srv.URL + "/v3.0/customer".
//
// The server is shut down when the test ends.
package parleytest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/parleychat/parley/server"
)

// Defaults of the demo license of a test server.
const (
	License       = 123
	ClientID      = "parley-test"
	AgentEmail    = "agent@parley.test"
	AgentPassword = "parley-test-password"
)

// Server is a running test server.
type Server struct {
	*server.Server
	// URL is the base URL, "http://127.0.0.1:<port>".
	URL string
	// DataDir is the server's data directory.
	DataDir string
	// License, ClientID, AgentEmail and AgentPassword describe the demo
	// license.
	License       int
	ClientID      string
	AgentEmail    string
	AgentPassword string

	ts *httptest.Server
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
	cfg := server.Config{
		DataDir: t.TempDir(),
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Demo:    server.Demo{License: License, ClientID: ClientID, AgentEmail: AgentEmail, AgentPassword: AgentPassword},
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("parleytest: %v", err)
	}
	ts := httptest.NewServer(srv.Handler())
	d := srv.Demo()
	s := &Server{Server: srv, URL: ts.URL, DataDir: cfg.DataDir, License: d.License, ClientID: d.ClientID,
		AgentEmail: d.AgentEmail, AgentPassword: d.AgentPassword, ts: ts}
	t.Cleanup(s.Close)
	return s
}

// Close shuts the server down (at most 10 s). It is idempotent.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = s.Server.Shutdown(ctx)
	s.ts.CloseClientConnections()
	s.ts.Close()
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
