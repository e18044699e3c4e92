package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/parleychat/parley/server"
)

type serveCmd struct {
	Addr              string        `default:":8080" env:"PARLEY_ADDR" help:"Listen address."`
	AdminAddr         string        `default:"127.0.0.1:9090" env:"PARLEY_ADMIN_ADDR" help:"Listen address of the operations endpoints: /metrics and /debug/pprof/. Keep it private; empty: off."`
	DataDir           string        `default:"parley-data" env:"PARLEY_DATA_DIR" help:"Directory for the SQLite database, the token key and uploads."`
	PublicURL         string        `env:"PARLEY_PUBLIC_URL" help:"Public base URL of the server, used in file links (default: from each request)."`
	DemoLicense       int           `default:"123" env:"PARLEY_DEMO_LICENSE" help:"License number of the demo license."`
	DemoClientID      string        `default:"parley-demo" env:"PARLEY_DEMO_CLIENT_ID" help:"Client id customers use to get tokens for the demo license."`
	DemoOrigins       []string      `env:"PARLEY_DEMO_ORIGINS" sep:"," help:"Origins allowed to get customer tokens (comma-separated; empty: any)."`
	DemoAgentEmail    string        `default:"agent@parley.local" env:"PARLEY_DEMO_AGENT_EMAIL" help:"E-mail (login) of the demo agent."`
	DemoAgentPassword string        `env:"PARLEY_DEMO_AGENT_PASSWORD" help:"Password of the demo agent (default: random, kept in the data directory)."`
	NoDemo            bool          `env:"PARLEY_NO_DEMO" help:"Do not seed the demo license."`
	LogLevel          string        `default:"info" enum:"debug,info,warn,error" env:"PARLEY_LOG_LEVEL" help:"Log level: debug, info, warn or error."`
	LogFormat         string        `default:"text" enum:"text,json" env:"PARLEY_LOG_FORMAT" help:"Log format: text or json."`
	ShutdownTimeout   time.Duration `default:"15s" env:"PARLEY_SHUTDOWN_TIMEOUT" help:"How long a graceful shutdown may take."`
	SockJSHeartbeat   time.Duration `default:"25s" env:"PARLEY_SOCKJS_HEARTBEAT" help:"SockJS heartbeat interval."`
	AgentGracePeriod  time.Duration `default:"30s" env:"PARLEY_AGENT_GRACE_PERIOD" help:"How long an agent whose connections are all gone stays online before its active chats go to other agents."`
	QueueBytes        int           `default:"4194304" env:"PARLEY_QUEUE_BYTES" help:"Bytes of responses and pushes that may wait for one connection; past it the client is disconnected (slow_consumer)."`
	PageBytes         int           `default:"1048576" env:"PARLEY_PAGE_BYTES" help:"Bytes of events in one history answer (get_chat_threads, get_chat); the rest is paged. At most 2097152."`
}

func (c *serveCmd) logger() *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func (c *serveCmd) Run() error {
	log := c.logger()
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srv, err := server.New(ctx, server.Config{
		Addr: c.Addr, DataDir: c.DataDir, PublicURL: c.PublicURL, Logger: log, SockJSHeartbeat: c.SockJSHeartbeat,
		AgentGracePeriod: c.AgentGracePeriod, QueueBytes: c.QueueBytes, PageBytes: c.PageBytes,
		Demo: server.Demo{Disabled: c.NoDemo, License: c.DemoLicense, ClientID: c.DemoClientID, Origins: c.DemoOrigins,
			AgentEmail: c.DemoAgentEmail, AgentPassword: c.DemoAgentPassword},
	})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", c.Addr)
	if err != nil {
		_ = srv.Shutdown(context.Background())
		return err
	}
	base := "http://" + hostPort(l.Addr())
	log.Info("parley serving", "addr", l.Addr().String(), "data_dir", c.DataDir)
	if !c.NoDemo {
		d := srv.Demo()
		fmt.Fprintf(os.Stderr, "\n  Parley is running at %s\n", base)
		fmt.Fprintf(os.Stderr, "  Customer Chat API:  %s/v3.0/customer  (license %d, client id %q)\n", base, d.License, d.ClientID)
		fmt.Fprintf(os.Stderr, "  Chat widget:        %s/\n", base)
		fmt.Fprintf(os.Stderr, "  Agent console:      %s/agent/\n", base)
		fmt.Fprintf(os.Stderr, "  Demo agent sign-in: %s / %s\n\n", d.AgentEmail, d.AgentPassword)
	}

	var admin *http.Server
	if c.AdminAddr != "" {
		al, err := net.Listen("tcp", c.AdminAddr)
		if err != nil {
			l.Close()
			_ = srv.Shutdown(context.Background())
			return fmt.Errorf("admin listener: %w", err)
		}
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
