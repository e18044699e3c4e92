package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/parleychat/parley/server"
	natsbroker "github.com/parleychat/parley/server/broker/nats"
	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/mail"
	"github.com/parleychat/parley/server/store/postgres"
)

type serveCmd struct {
	Addr               string        `default:":8080" env:"PARLEY_ADDR" help:"Listen address."`
	AdminAddr          string        `default:"127.0.0.1:9090" env:"PARLEY_ADMIN_ADDR" help:"Listen address of the operations endpoints: /metrics and /debug/pprof/. Keep it private; empty: off."`
	DataDir            string        `default:"parley-data" env:"PARLEY_DATA_DIR" help:"Directory for the SQLite database, the token key, the demo agent's password and uploads (with --database-url: uploads only, unless --files-dir is given)."`
	DatabaseURL        string        `env:"PARLEY_DATABASE_URL" help:"PostgreSQL database (postgres://user:password@host:5432/parley) instead of SQLite in the data directory; migrated on start. The token key and the demo agent's password are kept in it, so every node on it shares them."`
	FilesDir           string        `env:"PARLEY_FILES_DIR" help:"Directory for uploaded files (default: files in the data directory). Nodes on one database must share it (a network file system)."`
	NodeName           string        `env:"PARLEY_NODE_NAME" help:"Name of this node in logs and in the shared routing state (default: the host name). Nodes on one database need different names."`
	NATSURL            string        `name:"nats-url" env:"PARLEY_NATS_URL" help:"NATS server(s) carrying pushes between the nodes of a cluster (nats://host:4222); needs --database-url. Default: one node, pushes in process."`
	NATSPrefix         string        `name:"nats-prefix" default:"parley" env:"PARLEY_NATS_PREFIX" help:"Subject prefix of this cluster's NATS messages, so that clusters sharing a NATS server do not hear each other."`
	PublicURL          string        `env:"PARLEY_PUBLIC_URL" help:"Public base URL of the server (https://chat.example.com): file links are built on it (default: relative links) and its origin may get customer tokens."`
	SMTPURL            string        `name:"smtp-url" env:"PARLEY_SMTP_URL" help:"SMTP server that mails agents' answers to offline messages whose customer is not connected (smtp://user:pass@host:587; STARTTLS when the server offers it). Default: not mailed."`
	SMTPFrom           string        `name:"smtp-from" env:"PARLEY_SMTP_FROM" help:"Sender address of the mail (\"Shop <help@shop.example>\"); required with --smtp-url."`
	TrustedProxies     []string      `env:"PARLEY_TRUSTED_PROXIES" sep:"," help:"Reverse proxies (CIDR or IP, comma-separated) whose X-Forwarded-For, -Host and -Proto are believed (default: none)."`
	DemoLicense        int           `default:"123" env:"PARLEY_DEMO_LICENSE" help:"License number of the demo license."`
	DemoOrganizationID string        `name:"demo-organization-id" env:"PARLEY_DEMO_ORGANIZATION_ID" help:"Organization id (a UUID) of the demo license, as a widget on the Customer Chat API v3.5 names it (default: the one the demo license has, or 3703f488-b666-43f4-905f-d9565461233e for a new one)."`
	DemoClientID       string        `default:"parley-demo" env:"PARLEY_DEMO_CLIENT_ID" help:"Client id customers use to get tokens for the demo license."`
	DemoOrigins        []string      `env:"PARLEY_DEMO_ORIGINS" sep:"," help:"Origins of the sites that embed the chat, allowed to get the demo license's customer tokens besides the server's own (comma-separated; default: none)."`
	DemoAgentEmail     string        `default:"agent@parley.local" env:"PARLEY_DEMO_AGENT_EMAIL" help:"E-mail (login) of the demo agent."`
	DemoAgentPassword  string        `env:"PARLEY_DEMO_AGENT_PASSWORD" help:"Password of the demo agent (default: random, kept in the data directory)."`
	NoDemo             bool          `env:"PARLEY_NO_DEMO" help:"Do not seed the demo license."`
	LogLevel           string        `default:"info" enum:"debug,info,warn,error" env:"PARLEY_LOG_LEVEL" help:"Log level: debug, info, warn or error."`
	LogFormat          string        `default:"text" enum:"text,json" env:"PARLEY_LOG_FORMAT" help:"Log format: text or json."`
	ShutdownTimeout    time.Duration `default:"15s" env:"PARLEY_SHUTDOWN_TIMEOUT" help:"How long a graceful shutdown may take."`
	SockJSHeartbeat    time.Duration `name:"sockjs-heartbeat" default:"25s" env:"PARLEY_SOCKJS_HEARTBEAT" help:"SockJS heartbeat interval."`
	AgentGracePeriod   time.Duration `default:"30s" env:"PARLEY_AGENT_GRACE_PERIOD" help:"How long an agent whose connections are all gone stays online before its active chats go to other agents."`
	AgentLease         time.Duration `default:"30s" env:"PARLEY_AGENT_LEASE" help:"With --database-url: how long the record of the agents connected to this node stays valid unless the node renews it (every second). When a node dies, its agents' grace period starts once the lease runs out."`

	// HTTP timeouts (see docs/security.md).
	HTTPReadHeaderTimeout time.Duration `default:"10s" env:"PARLEY_HTTP_READ_HEADER_TIMEOUT" help:"How long a client may take to send a request's headers."`
	HTTPIdleTimeout       time.Duration `default:"60s" env:"PARLEY_HTTP_IDLE_TIMEOUT" help:"How long a keep-alive connection may wait for its next request."`
	HTTPBodyTimeout       time.Duration `default:"30s" env:"PARLEY_HTTP_BODY_TIMEOUT" help:"How long a client may take to send a request body (uploads get more, see --upload-min-rate)."`
	UploadMinRate         int           `default:"32768" env:"PARLEY_UPLOAD_MIN_RATE" help:"Slowest upload accepted, in bytes a second: an upload may take --http-body-timeout plus its size at this rate."`

	// Memory per connection (see docs/security.md).
	QueueBytes int `default:"4194304" env:"PARLEY_QUEUE_BYTES" help:"Bytes of responses and pushes that may wait for one connection; past it the client is disconnected (slow_consumer)."`
	PageBytes  int `default:"1048576" env:"PARLEY_PAGE_BYTES" help:"Bytes of events in one history answer (get_chat_threads, get_chat); the rest is paged. At most 2097152."`

	limitFlags `group:"Limits (per client; see docs/security.md)"`
}

// limitFlags are the flags of server.Limits. For counts, 0 turns a limit
// off.
type limitFlags struct {
	LoginFailuresPerIP      int           `default:"20" env:"PARLEY_LOGIN_FAILURES_PER_IP" help:"Wrong agent passwords in a row from one address before it is locked out (0: no limit)."`
	LoginFailuresPerAccount int           `default:"5" env:"PARLEY_LOGIN_FAILURES_PER_ACCOUNT" help:"Wrong passwords in a row for one agent account, from anywhere, before it is locked out (0: no limit)."`
	LoginLockout            time.Duration `default:"1m" env:"PARLEY_LOGIN_LOCKOUT" help:"First lockout after failed logins; each further one doubles it."`
	LoginLockoutMax         time.Duration `default:"1h" env:"PARLEY_LOGIN_LOCKOUT_MAX" help:"Longest lockout after failed logins."`
	TokensPerIPPerMinute    int           `default:"60" env:"PARLEY_TOKENS_PER_IP_PER_MINUTE" help:"Customer token requests per minute from one address (0: no limit)."`
	RequestsInFlight        int           `default:"10" env:"PARLEY_REQUESTS_IN_FLIGHT" help:"Requests one RTM connection may have unanswered; more get too_many_requests. Clients count on the protocol's 10."`
	ConnsPerCustomer        int           `default:"20" env:"PARLEY_CONNS_PER_CUSTOMER" help:"RTM connections per customer (0: no limit)."`
	ConnsPerIP              int           `default:"500" env:"PARLEY_CONNS_PER_IP" help:"RTM connections per address (0: no limit)."`
	UploadsPerHour          int           `default:"60" env:"PARLEY_UPLOADS_PER_HOUR" help:"Files one customer may upload an hour (0: no limit)."`
	UploadBytesPerHour      int64         `default:"104857600" env:"PARLEY_UPLOAD_BYTES_PER_HOUR" help:"Bytes one customer may upload an hour (0: no limit)."`
	LimitLoopback           bool          `env:"PARLEY_LIMIT_LOOPBACK" help:"Apply the per-address limits to loopback addresses too (default: loopback, such as a reverse proxy or load generator on this host, is exempt)."`
	LimitMaxKeys            int           `default:"16384" env:"PARLEY_LIMIT_MAX_KEYS" help:"Addresses, accounts or customers each rate limit tracks at most (about 300 bytes each)."`
}

// limits returns the server.Limits of the flags.
func (f limitFlags) limits() server.Limits {
	off := func(n int) int {
		if n <= 0 {
			return -1
		}
		return n
	}
	bytes := f.UploadBytesPerHour
	if bytes <= 0 {
		bytes = -1
	}
	return server.Limits{
		LoginFailuresPerIP: off(f.LoginFailuresPerIP), LoginFailuresPerAccount: off(f.LoginFailuresPerAccount),
		LoginLockout: f.LoginLockout, LoginLockoutMax: f.LoginLockoutMax,
		TokensPerIPPerMinute: off(f.TokensPerIPPerMinute), RequestsInFlight: f.RequestsInFlight,
		ConnsPerCustomer: off(f.ConnsPerCustomer), ConnsPerIP: off(f.ConnsPerIP),
		UploadsPerHour: off(f.UploadsPerHour), UploadBytesPerHour: bytes,
		LimitLoopback: f.LimitLoopback, MaxKeys: f.LimitMaxKeys,
	}
}

// logger returns the logger of the flags; every record names the node.
func (c *serveCmd) logger() *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if c.LogFormat == "json" {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	return slog.New(h).With("node", c.NodeName)
}

// minAgentLease is the shortest --agent-lease.
const minAgentLease = 2 * time.Second

// database opens the PostgreSQL database of --database-url, if any, and
// fills in cfg what every node on it must share. Without --database-url it
// returns a nil store: the server opens SQLite in the data directory.
func (c *serveCmd) database(ctx context.Context, cfg *server.Config) (*postgres.Store, error) {
	if c.DatabaseURL == "" {
		return nil, nil
	}
	if c.AgentLease < minAgentLease {
		// The leases are renewed every second at most: a shorter one could
		// run out on a live node.
		return nil, fmt.Errorf("--agent-lease must be at least %v", minAgentLease)
	}
	st, err := postgres.Open(ctx, c.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.TokenKey, cfg.Demo.AgentPassword, err = sharedSecrets(ctx, st, cfg.Demo.AgentPassword); err != nil {
		st.Close()
		return nil, err
	}
	// Other nodes may write to the database too, so the server must not
	// keep chats in memory (store/cached): it gets the store as it is.
	cfg.Store = st
	// Routing state (statuses, presence, the queue) lives in the database
	// too, so that every node routes alike.
	if cfg.Router, err = postgres.NewRouter(st, postgres.RouterConfig{GracePeriod: c.AgentGracePeriod, Lease: c.AgentLease, Node: c.NodeName}); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// broker connects to NATS when --nats-url is given. A message NATS may have
// lost makes the server ask the clients concerned to reconnect (gap).
func (c *serveCmd) broker(ctx context.Context, cfg *server.Config, log *slog.Logger, gap func(topic string)) (*natsbroker.Broker, error) {
	if c.NATSURL == "" {
		return nil, nil
	}
	if c.DatabaseURL == "" {
		return nil, errors.New("--nats-url needs --database-url: the nodes of a cluster share their state in PostgreSQL")
	}
	b, err := natsbroker.New(ctx, natsbroker.Config{URL: c.NATSURL, Prefix: c.NATSPrefix, Name: c.NodeName, Logger: log,
		OnGap: func(topic string, _ natsbroker.GapCause) { gap(topic) }})
	if err != nil {
		return nil, err
	}
	cfg.Broker = b
	return b, nil
}

func (c *serveCmd) Run() error {
	if c.NodeName == "" {
		c.NodeName, _ = os.Hostname()
	}
	log := c.logger()
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if c.DemoOrganizationID != "" {
		if _, err := chat.ParseOrganizationID(c.DemoOrganizationID); err != nil {
			return fmt.Errorf("--demo-organization-id %q is not a UUID (like %s)", c.DemoOrganizationID, server.DefaultDemoOrganizationID)
		}
	}
	proxies, err := parsePrefixes(c.TrustedProxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies: %w", err)
	}
	cfg := server.Config{
		Addr: c.Addr, DataDir: c.DataDir, FilesDir: c.FilesDir, PublicURL: c.PublicURL, TrustedProxies: proxies, Logger: log, SockJSHeartbeat: c.SockJSHeartbeat,
		AgentGracePeriod: c.AgentGracePeriod, Limits: c.limits(),
		QueueBytes: c.QueueBytes, PageBytes: c.PageBytes,
		Demo: server.Demo{Disabled: c.NoDemo, License: c.DemoLicense, OrganizationID: c.DemoOrganizationID, ClientID: c.DemoClientID, Origins: c.DemoOrigins,
			AgentEmail: c.DemoAgentEmail, AgentPassword: c.DemoAgentPassword},
		HTTPReadHeaderTimeout: c.HTTPReadHeaderTimeout, HTTPIdleTimeout: c.HTTPIdleTimeout,
		HTTPBodyTimeout: c.HTTPBodyTimeout, UploadMinRate: c.UploadMinRate,
	}
	if c.SMTPURL != "" {
		m, err := mail.New(c.SMTPURL, c.SMTPFrom)
		if err != nil {
			return fmt.Errorf("--smtp-url, --smtp-from: %w", err)
		}
		cfg.Mailer = m
	}
	// Listen first: a wrong or busy address fails before anything is
	// created (a data directory, a schema).
	l, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	defer l.Close()
	var al net.Listener
	if c.AdminAddr != "" {
		if al, err = net.Listen("tcp", c.AdminAddr); err != nil {
			return fmt.Errorf("--admin-addr: %w", err)
		}
		defer al.Close()
	}
	db, err := c.database(ctx, &cfg)
	if err != nil {
		return err
	}
	if db != nil {
		// Shutdown leaves a store it was given open.
		defer db.Close()
	}
	var running atomic.Pointer[server.Server]
	nb, err := c.broker(ctx, &cfg, log, func(topic string) {
		if srv := running.Load(); srv != nil {
			srv.BrokerGap(topic)
		}
	})
	if err != nil {
		return err
	}
	if nb != nil {
		// Shutdown leaves a broker it was given open too.
		defer nb.Close()
		// The nodes take turns on a chat, each publishing the pushes of
		// its change before the next node's: clients hear a chat's
		// changes in store order, whichever nodes made them.
		locks, err := postgres.NewChatLocks(ctx, db)
		if err != nil {
			return err
		}
		defer locks.Close()
		cfg.ChatLocker = locks
	}
	srv, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	running.Store(srv)
	base := "http://" + hostPort(l.Addr())
	storage, pushes := "sqlite", "in process"
	if db != nil {
		storage = "postgres"
	}
	if nb != nil {
		pushes = "nats"
	}
	log.Info("parley serving", "addr", l.Addr().String(), "data_dir", c.DataDir, "store", storage, "broker", pushes)
	if !c.NoDemo {
		d := srv.Demo()
		fmt.Fprintf(os.Stderr, "\n  Parley is running at %s\n", base)
		fmt.Fprintf(os.Stderr, "  Customer Chat API:  %s/v3.0/customer  (license %d, organization %s, client id %q)\n", base, d.License, d.OrganizationID, d.ClientID)
		fmt.Fprintf(os.Stderr, "  Chat widget:        %s/\n", base)
		fmt.Fprintf(os.Stderr, "  Agent console:      %s/agent/\n", base)
		fmt.Fprintf(os.Stderr, "  Demo agent sign-in: %s / %s\n\n", d.AgentEmail, d.AgentPassword)
	}

	var admin *http.Server
	if al != nil {
		admin = &http.Server{Handler: srv.AdminHandler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
		log.Info("parley admin endpoints", "addr", al.Addr().String(), "metrics", "/metrics", "pprof", "/debug/pprof/")
		go func() {
			if err := admin.Serve(al); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("admin listener", "err", err)
			}
		}()
		defer admin.Close()
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			_ = srv.Shutdown(context.Background())
			return err
		}
		return nil
	case <-ctx.Done():
	}
	stop()
	log.Info("shutting down", "timeout", c.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// hostPort makes a listen address something a browser can open.
func hostPort(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// parsePrefixes reads CIDR prefixes and single addresses ("10.0.0.0/8",
// "192.0.2.7", "::1").
func parsePrefixes(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
		case strings.Contains(s, "/"):
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, err
			}
			out = append(out, p.Masked())
		default:
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, err
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out, nil
}
