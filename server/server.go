package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/broker"
	"github.com/parleychat/parley/server/broker/memory"
	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/configapi"
	"github.com/parleychat/parley/server/httpapi"
	"github.com/parleychat/parley/server/internal/limit"
	"github.com/parleychat/parley/server/internal/session"
	"github.com/parleychat/parley/server/internal/transport"
	"github.com/parleychat/parley/server/internal/transport/sockjs"
	"github.com/parleychat/parley/server/internal/transport/ws"
	"github.com/parleychat/parley/server/store/cached"
	"github.com/parleychat/parley/server/store/sqlite"
	"github.com/parleychat/parley/web/console"
	"github.com/parleychat/parley/web/widget"
)

// Config configures a Server. The zero value, with a DataDir, runs the
// embedded default: SQLite in DataDir, an in-process broker and a demo
// license.
type Config struct {
	// Addr is the listen address of ListenAndServe. Default ":8080".
	Addr string
	// DataDir holds the SQLite database, the token key and uploads.
	// Required unless Store is set and FilesDir and TokenKey are given.
	DataDir string
	// FilesDir is where uploads are stored. Default DataDir/files.
	FilesDir string
	// PublicURL is the server's public base URL ("https://chat.example.com").
	// File links are built on it; without it they are relative
	// ("/files/…"), never built from a request's Host. Its origin, like
	// the origin each request is sent to, may get customer tokens (see
	// Demo.Origins). Default: none.
	PublicURL string
	// TrustedProxies are the reverse proxies in front of the server. Only
	// a request from one of them has its X-Forwarded-For (the client
	// address), X-Forwarded-Host and X-Forwarded-Proto believed; every
	// other request loses those headers. Default: none, no proxy trusted.
	TrustedProxies []netip.Prefix
	// HTTPReadHeaderTimeout bounds the reading of a request's headers.
	// Default 10 s (DefaultHTTPReadHeaderTimeout).
	HTTPReadHeaderTimeout time.Duration
	// HTTPIdleTimeout is how long a keep-alive connection may wait for its
	// next request before it is closed. Default 60 s
	// (DefaultHTTPIdleTimeout).
	HTTPIdleTimeout time.Duration
	// HTTPBodyTimeout bounds the reading of a request body; a client too
	// slow gets an error and its connection is closed. Shutdown cuts the
	// bodies still being read. Default 30 s (DefaultHTTPBodyTimeout).
	HTTPBodyTimeout time.Duration
	// UploadMinRate, in bytes a second, gives an upload more time: its
	// body may take HTTPBodyTimeout plus its size (Content-Length, at most
	// httpapi.MaxUploadBytes) at this rate. Default 32 KiB/s
	// (DefaultUploadMinRate): 30 s + 322 s for a 10 MiB upload.
	UploadMinRate int
	// Store keeps chats and accounts. Default: SQLite at DataDir/parley.db,
	// with the chats it reads most kept in memory (store/cached), closed by
	// Shutdown. A Store given here is used as it is (it may be shared with
	// other processes) and is not closed by Shutdown.
	Store chat.Store
	// Broker carries pushes between nodes. Default: in-process. A broker
	// that may lose messages (NATS) tells the server through BrokerGap.
	Broker broker.Broker
	// Router gives chats to agents. Default: in-process routing
	// (chat.LocalRouter), right for one node; the nodes of a cluster share
	// one router (postgres.NewRouter).
	Router chat.Router
	// ChatLocker makes the lock of each chat hold across the nodes that
	// share the Store (postgres.ChatLocks), so that they change a chat one
	// at a time. A node releases it only once the broker has the change's
	// pushes (when the broker has a Flush method, as the NATS broker
	// does), so every node hears a chat's pushes in store order. Default:
	// each node's own lock, right for one node.
	ChatLocker chat.ChatLocker
	// TokenKey signs access tokens and cookies (at least 32 bytes). Default:
	// a random key created once in DataDir/token.key.
	TokenKey []byte
	// Mailer mails the answers agents write to offline messages to the
	// e-mail address the customer left in the offline form (mail.New
	// makes one for an SMTP server). Default: none, they are not mailed.
	Mailer chat.Mailer
	// Demo seeds a demo license on start. See Demo.
	Demo Demo
	// Logger receives structured logs. Default slog.Default().
	Logger *slog.Logger
	// SockJSHeartbeat is the SockJS heartbeat interval. Default 25 s.
	SockJSHeartbeat time.Duration
	// LoginTimeout, IdleTimeout: see session limits. Defaults 30 s, 60 s.
	LoginTimeout time.Duration
	IdleTimeout  time.Duration
	// AgentGracePeriod is how long an agent whose connections are all gone
	// stays online; then it goes offline and its active chats are routed
	// to other agents. Default 30 s.
	AgentGracePeriod time.Duration
	// TokenRevocationCheck is how often an agent connection checks that its
	// token has not been revoked by another process (parley agent
	// revoke). Revocations made through this server close connections at
	// once. Default 10 s.
	TokenRevocationCheck time.Duration
	// Limits are the rate limits and quotas per client. The zero value
	// means the defaults (see Limits).
	Limits Limits
	// QueueBytes is how many bytes of responses and pushes may wait to be
	// written to one connection; a client that lets more pile up is
	// disconnected with slow_consumer. It bounds what a client that stops
	// reading costs the server. Default is 4 MiB.
	QueueBytes int
	// PageBytes is about how many bytes of events one answer of
	// get_chat_threads or get_chat carries; longer histories are paged
	// (next_page_id). Default is protocol.DefaultPageBytes (1 MiB); at
	// most protocol.MaxPageBytes (2 MiB), which the Go clients can read.
	PageBytes int
}

// DefaultDemoOrganizationID is the organization id a new demo license gets
// when Demo.OrganizationID is empty.
const DefaultDemoOrganizationID = "3703f488-b666-43f4-905f-d9565461233e"

// Demo describes the demo license seeded at start: a license, a client id
// for its customer tokens, group 0 and one agent.
type Demo struct {
	// Disabled skips seeding.
	Disabled bool
	// License number. Default 123.
	License int
	// OrganizationID of the demo license (chat.License.OrganizationID),
	// in any case (it is stored in canonical form). Default: the one the
	// demo license already has, and DefaultDemoOrganizationID for a new
	// one. A set one replaces the stored one.
	OrganizationID string
	// ClientID for customer tokens. Default "parley-demo".
	ClientID string
	// Origins allowed to get customer tokens ("https://shop.example")
	// besides the server's own (the origin of PublicURL and the one each
	// request is sent to): the sites that embed the chat. They are the
	// demo client's chat.Client.RedirectOrigins. Empty: the server's own
	// only.
	Origins []string
	// AgentEmail of the demo agent. Default "agent@parley.local".
	AgentEmail string
	// AgentPassword of the demo agent. Default: a random password created
	// once in DataDir/demo-agent-password.
	AgentPassword string
}

// Server is a running Parley server.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    chat.Store
	ownStore bool
	broker   broker.Broker
	service  *chat.Service
	hub      *session.Hub
	signer   *auth.Signer
	pageKey  []byte // signs v3.5 page ids
	handler  http.Handler
	admin    http.Handler
	bodies   *bodyDeadlines
	http     *http.Server

	shutdownOnce sync.Once
	shutdownErr  error
}

// New opens the store, seeds the demo license and builds the handler.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Addr == "" {
		cfg.Addr = ":8080"
	}
	if cfg.PageBytes > protocol.MaxPageBytes {
		return nil, fmt.Errorf("server: Config.PageBytes %d is over %d, more than the Go clients read in one answer", cfg.PageBytes, protocol.MaxPageBytes)
	}
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("server: create data dir: %w", err)
		}
	}
	if cfg.FilesDir == "" {
		if cfg.DataDir == "" {
			return nil, errors.New("server: Config.DataDir or FilesDir is required")
		}
		cfg.FilesDir = filepath.Join(cfg.DataDir, "files")
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("server: Config.PublicURL %q is not an absolute http(s) URL", cfg.PublicURL)
		}
	}
	s := &Server{cfg: cfg, log: cfg.Logger, store: cfg.Store, broker: cfg.Broker}
	var err error
	if s.store == nil {
		if cfg.DataDir == "" {
			return nil, errors.New("server: Config.DataDir is required without a Store")
		}
		db, err := sqlite.Open(ctx, filepath.Join(cfg.DataDir, "parley.db"))
		if err != nil {
			return nil, err
		}
		// This process owns the file, so every write passes through here
		// and the chats read on every request can be kept in memory.
		s.store, s.ownStore = cached.New(db, 0), true
	}
	if s.broker == nil {
		s.broker = memory.New()
	}
	key := cfg.TokenKey
	if key == nil {
		if cfg.DataDir == "" {
			return nil, s.fail(errors.New("server: Config.TokenKey or DataDir is required"))
		}
		if key, err = secretFile(filepath.Join(cfg.DataDir, "token.key"), 32); err != nil {
			return nil, s.fail(err)
		}
	}
	if s.signer, err = auth.NewSigner(key); err != nil {
		return nil, s.fail(err)
	}
	s.pageKey = auth.DeriveKey(key, "parley/session/page-id/v1")
	s.hub = session.NewHub(s.broker, s.log)
	if s.service, err = chat.NewService(chat.Config{Store: s.store, Notifier: s.hub, Router: cfg.Router, GracePeriod: cfg.AgentGracePeriod, Logger: s.log,
		ChatLocker: flushedLocker(cfg.ChatLocker, s.broker, s.log),
		Uploads:    httpapi.Uploads{Dir: cfg.FilesDir, PublicURL: cfg.PublicURL}, Mailer: cfg.Mailer, Presence: s.hub}); err != nil {
		return nil, s.fail(err)
	}
	if !cfg.Demo.Disabled {
		if err := s.seedDemo(ctx); err != nil {
			return nil, s.fail(err)
		}
	}
	if err := s.routes(); err != nil {
		return nil, s.fail(err)
	}
	if err := s.service.StartRouting(ctx); err != nil {
		return nil, s.fail(err)
	}
	return s, nil
}

// BrokerGap tells the server that the broker may have lost messages of
// topic (a slow subscription, a reconnect): the clients of this node that
// receive topic are asked to reconnect, and reload what they missed from
// the store.
func (s *Server) BrokerGap(topic string) { s.hub.Resync(topic) }

func (s *Server) fail(err error) error {
	if s.ownStore {
		_ = s.store.Close()
	}
	return err
}

// secretFile returns the contents of a secret file, creating it with n
// random bytes (hex) on first use.
func secretFile(path string, n int) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("server: read %s: %w", path, err)
	}
	raw := make([]byte, n)
	_, _ = rand.Read(raw)
	b = []byte(hex.EncodeToString(raw))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("server: write %s: %w", path, err)
	}
	return b, nil
}

func (s *Server) seedDemo(ctx context.Context) error {
	d := &s.cfg.Demo
	if d.License == 0 {
		d.License = 123
	}
	if d.ClientID == "" {
		d.ClientID = "parley-demo"
	}
	if d.AgentEmail == "" {
		d.AgentEmail = "agent@parley.local"
	}
	if d.AgentPassword == "" {
		if s.cfg.DataDir == "" {
			return errors.New("server: Demo.AgentPassword or DataDir is required")
		}
		pw, err := secretFile(filepath.Join(s.cfg.DataDir, "demo-agent-password"), 9)
		if err != nil {
			return err
		}
		d.AgentPassword = string(pw)
	}
	st := s.store
	org, err := s.demoOrganization(ctx)
	if err != nil {
		return err
	}
	if err := st.PutLicense(ctx, chat.License{ID: d.License, Name: "Demo", OrganizationID: org, CreatedAt: time.Now()}); err != nil {
		return fmt.Errorf("server: seed license: %w", err)
	}
	d.OrganizationID = org
	if err := st.PutClient(ctx, chat.Client{ID: d.ClientID, LicenseID: d.License, RedirectOrigins: d.Origins}); err != nil {
		return fmt.Errorf("server: seed client: %w", err)
	}
	groups, err := st.Groups(ctx, d.License)
	if err != nil {
		return fmt.Errorf("server: seed group: %w", err)
	}
	general := chat.Group{LicenseID: d.License, ID: 0, Name: "General"}
	for _, g := range groups {
		if g.ID == 0 {
			general.Greeting = g.Greeting // set by an operator: kept
		}
	}
	if err := st.PutGroup(ctx, general); err != nil {
		return fmt.Errorf("server: seed group: %w", err)
	}
	hash, err := auth.HashPassword(d.AgentPassword)
	if err != nil {
		return err
	}
	a := chat.Agent{ID: d.AgentEmail, LicenseID: d.License, Name: "Demo Agent", JobTitle: "Support", Role: chat.RoleOwner,
		Groups: []int{0}, PasswordHash: hash, CreatedAt: time.Now()}
	if old, err := st.Agent(ctx, d.License, d.AgentEmail); err == nil {
		// Keep what an operator changed (parley agent add).
		a.Name, a.Avatar, a.JobTitle, a.CreatedAt, a.MaxChats = old.Name, old.Avatar, old.JobTitle, old.CreatedAt, old.MaxChats
		if len(old.Groups) > 0 {
			a.Groups = old.Groups
		}
		if old.Role != "" {
			a.Role = old.Role
		}
		a.Disabled = old.Disabled
	}
	if err := st.PutAgent(ctx, a); err != nil {
		return fmt.Errorf("server: seed agent: %w", err)
	}
	return nil
}

// demoOrganization returns the organization id the demo license is to
// have: Demo.OrganizationID in canonical form when set, else the one the
// license has, else DefaultDemoOrganizationID.
func (s *Server) demoOrganization(ctx context.Context) (string, error) {
	d := &s.cfg.Demo
	if d.OrganizationID != "" {
		org, err := chat.ParseOrganizationID(d.OrganizationID)
		if err != nil {
			return "", fmt.Errorf("server: Demo.OrganizationID: %w", err)
		}
		return org, nil
	}
	l, err := s.store.License(ctx, d.License)
	switch {
	case err == nil:
		return l.OrganizationID, nil
	case errors.Is(err, chat.ErrNotFound):
		return DefaultDemoOrganizationID, nil
	}
	return "", fmt.Errorf("server: seed license: %w", err)
}

// Demo returns the demo settings in effect (defaults filled in).
func (s *Server) Demo() Demo { return s.cfg.Demo }

func (s *Server) routes() error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	agentTokens := &auth.AgentTokens{Signer: s.signer, Store: s.store}
	sessionCfg := session.Config{
		Service: s.service, Hub: s.hub, Signer: s.signer, AgentTokens: agentTokens, Logger: s.log,
		LoginTimeout: s.cfg.LoginTimeout, IdleTimeout: s.cfg.IdleTimeout,
		RevocationCheck: s.cfg.TokenRevocationCheck,
		QueueBytes:      s.cfg.QueueBytes,
		PageBytes:       s.cfg.PageBytes,
		Metrics:         session.NewMetrics(reg),
		Limits:          s.cfg.Limits.sessions(),
		PageKey:         s.pageKey,
	}
	sessions := session.New(sessionCfg)
	apiCfg := httpapi.Config{Service: s.service, Signer: s.signer, AgentTokens: agentTokens, FilesDir: s.cfg.FilesDir,
		PublicURL: s.cfg.PublicURL, Logger: s.log, CustomerAction: customerWebCall(sessions)}
	s.cfg.Limits.uploads(&apiCfg)
	api, err := httpapi.New(apiCfg)
	if err != nil {
		return err
	}
	config, err := configapi.New(configapi.Config{Store: s.store, AgentTokens: agentTokens, RevokeAgent: s.hub.RevokeAgent, Logger: s.log})
	if err != nil {
		return err
	}
	accounts := &auth.Accounts{Store: s.store, Signer: s.signer, PublicURL: s.cfg.PublicURL, Logger: s.log, Limits: s.cfg.Limits.tokens()}
	agentLogin := &auth.AgentLogin{Store: s.store, Signer: s.signer, Logger: s.log, Limits: s.cfg.Limits.login()}

	topts := transport.Options{MaxMessageBytes: 1 << 20, Logger: s.log}
	mux := http.NewServeMux()
	sjsPrefix := "/v3.0/customer/rtm/sjs"
	customerRTM, agentRTM := rtmHandler(sessions.ServeCustomer), rtmHandler(sessions.ServeAgent)
	mux.Handle(sjsPrefix+"/", sockjs.Handler(sjsPrefix, customerRTM, sockjs.Options{Options: topts, HeartbeatInterval: s.cfg.SockJSHeartbeat}))
	mux.Handle("/v3.0/customer/rtm/ws", ws.Handler(customerRTM, topts))
	mux.Handle("/v3.0/agent/rtm/ws", ws.Handler(agentRTM, topts))
	mux.Handle("/v3.5/customer/rtm/ws", ws.Handler(rtm35Handler(sessions.ServeCustomer, s.service, s.log), topts))
	mux.Handle("/v3.0/agent/login", agentLogin.Handler())
	ah := accounts.Handler()
	mux.Handle("/customer", ah)
	mux.Handle("/customer/", ah)
	mux.Handle("/licence/", ah)
	mux.Handle("/v2/customer/", ah)
	api.Register(mux)
	config.Register(mux)
	wh := widget.Handler(widget.Config{License: s.cfg.Demo.License, ClientID: s.cfg.Demo.ClientID, Greeting: s.groupGreeting})
	mux.Handle("GET /{$}", wh)
	mux.Handle("GET /widget.js", wh)
	mux.Handle("GET /widget/", wh)
	var consoleOpts []console.Option
	if !s.cfg.Demo.Disabled {
		// Without the demo, the agent types its license.
		consoleOpts = append(consoleOpts, console.DefaultLicense(s.cfg.Demo.License))
	}
	mux.Handle(console.Prefix+"/", console.Handler(consoleOpts...))
	s.bodies = newBodyDeadlines(s.cfg.HTTPBodyTimeout, s.cfg.UploadMinRate)
	s.handler = forwarded(s.bodies.handler(s.logRequests(mux)), s.cfg.TrustedProxies)
	s.admin = adminHandler(reg)
	return nil
}

// customerWebCall runs the Customer Web API's actions by the sessions'
// v3.5 handlers.
func customerWebCall(sessions *session.Server) func(context.Context, httpapi.CustomerCall) (json.RawMessage, error) {
	return func(ctx context.Context, c httpapi.CustomerCall) (json.RawMessage, error) {
		return sessions.RunWebCall(ctx, session.WebCall{Authorization: c.Authorization, LicenseID: c.LicenseID, Action: c.Action, Payload: c.Payload})
	}
}

// adminHandler serves the operations endpoints: /metrics and the
// /debug/pprof/ profiles.
func adminHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// rtmHandler adapts a session entry point to the transports: it takes from
// the upgrade request the values a session needs, so that sessions never
// see HTTP.
func rtmHandler(serve func(context.Context, transport.Conn, session.ConnInfo)) transport.Handler {
	return func(ctx context.Context, c transport.Conn, r *http.Request) {
		serve(ctx, c, session.ConnInfo{RemoteAddr: r.RemoteAddr, IP: limit.ClientIP(r), LicenseID: r.URL.Query().Get("license_id")})
	}
}

// rtm35Handler serves the Customer Chat API v3.5 over a plain WebSocket:
// its URL names the license by organization_id. A malformed or unknown one
// gets customer_disconnected with reason license_not_found once the
// connection is open (what LiveChat does, and what the JS SDK 4.x takes
// as final; a login error of that type would only make it retry), and a
// failure to look it up closes the connection for the client to come
// back.
func rtm35Handler(serve func(context.Context, transport.Conn, session.ConnInfo), svc *chat.Service, log *slog.Logger) transport.Handler {
	return func(ctx context.Context, c transport.Conn, r *http.Request) {
		info := session.ConnInfo{RemoteAddr: r.RemoteAddr, IP: limit.ClientIP(r), Dialect: session.DialectV35}
		l, err := svc.LicenseByOrganization(ctx, r.URL.Query().Get("organization_id"))
		switch {
		case err == nil:
			info.LicenseID = strconv.Itoa(l.ID)
		case errors.Is(err, chat.ErrNotFound):
			info.NoLicense = true
		default:
			log.Error("rtm: look up organization", "err", err)
			_ = c.Close(transport.CloseInternalError, "internal error")
			return
		}
		serve(ctx, c, info)
	}
}

// Handler returns the server's HTTP handler, for use with any http.Server
// (tests mount it on httptest servers).
func (s *Server) Handler() http.Handler { return s.handler }

// AdminHandler returns the operations handler: Prometheus metrics at
// /metrics (connections, requests by action and result, latencies, pushes,
// slow-consumer disconnects, the Go runtime and the process) and
// net/http/pprof under /debug/pprof/. Profiles reveal memory contents and
// cost CPU: serve it only where operators alone can reach it (parley
// serve: --admin-addr, loopback by default).
func (s *Server) AdminHandler() http.Handler { return s.admin }

// Service returns the chat service (for tools and tests in this module).
func (s *Server) Service() *chat.Service { return s.service }

// Store returns the server's store.
func (s *Server) Store() chat.Store { return s.store }

// IssueCustomerToken returns an access token for a customer, as the
// accounts endpoint would.
func (s *Server) IssueCustomerToken(license int, customerID string, ttl time.Duration) (string, error) {
	now := time.Now()
	return s.signer.Issue(auth.Claims{Kind: auth.KindCustomer, LicenseID: license, Subject: customerID, IssuedAt: now, ExpiresAt: now.Add(ttl)})
}

// IssueAgentToken returns an access token for an agent, as a password
// login would.
func (s *Server) IssueAgentToken(license int, agentID string) (string, error) {
	now := time.Now()
	return s.signer.Issue(auth.Claims{Kind: auth.KindAgent, LicenseID: license, Subject: agentID, IssuedAt: now, ExpiresAt: now.Add(auth.DefaultAgentTokenTTL)})
}

// ListenAndServe listens on Config.Addr and serves until Shutdown.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Serve serves on l until Shutdown, with the HTTP timeouts of Config. It
// returns http.ErrServerClosed after Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: orDefault(s.cfg.HTTPReadHeaderTimeout, DefaultHTTPReadHeaderTimeout),
		IdleTimeout:       orDefault(s.cfg.HTTPIdleTimeout, DefaultHTTPIdleTimeout),
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	return s.http.Serve(l)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// Shutdown stops the server gracefully: it stops accepting connections,
// tells every RTM client to reconnect later (after its request in flight
// is answered), waits for them to go, cuts the request bodies still being
// received (the client gets an error), closes idle connections, waits
// for the HTTP requests in flight, and closes the store. Anything a
// client had acknowledged is already durable in the store. It returns
// ctx.Err() if ctx ends first. It is idempotent.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() {
		var errs []error
		if s.http != nil {
			s.http.SetKeepAlivesEnabled(false)
		}
		errs = append(errs, s.hub.Shutdown(ctx))
		s.bodies.cut()
		if s.http != nil {
			errs = append(errs, s.http.Shutdown(ctx))
		}
		s.service.StopRouting()
		if s.cfg.Broker == nil {
			errs = append(errs, s.broker.Close())
		}
		if s.ownStore {
			errs = append(errs, s.store.Close())
		}
		s.shutdownErr = errors.Join(errs...)
	})
	return s.shutdownErr
}

// groupGreeting is the greeting of a group of a license, "" when the group
// or license is unknown or has none.
func (s *Server) groupGreeting(ctx context.Context, licenseID, groupID int) (string, error) {
	g, err := s.service.Group(ctx, chat.Actor{LicenseID: licenseID}, groupID)
	if errors.Is(err, chat.ErrGroupNotFound) {
		return "", nil
	}
	return g.Greeting, err
}
