package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/parleychat/parley/internal/bench"
)

type benchCmd struct {
	Server        string `default:"http://localhost:8080" env:"PARLEY_BENCH_SERVER" help:"Base URL of the server to drive."`
	AgentServer   string `help:"Base URL of the server the agents use (another node of a cluster, so that every event crosses between nodes; default: --server)."`
	License       int    `default:"123" help:"License of the customers and the agent."`
	ClientID      string `default:"parley-demo" help:"Customer client id of the license."`
	AgentEmail    string `default:"agent@parley.local" help:"Agent who receives the chats."`
	AgentPassword string `env:"PARLEY_BENCH_AGENT_PASSWORD" help:"The agent's password (default: the demo agent's, read from --data-dir)."`
	DataDir       string `default:"parley-data" env:"PARLEY_DATA_DIR" help:"The server's data directory: the demo agent's password, and where --fsync writes."`
	PID           int    `name:"pid" help:"The server's process id, for its memory and CPU (default: the local process listening on the server's port)."`

	Chats    int           `default:"100" help:"Customers, each in its own chat."`
	Agents   int           `default:"1" help:"Agent connections; each one joins and hears every chat."`
	Rate     float64       `default:"0" help:"Offered events per second over all chats, on a fixed schedule (open loop). 0: as fast as the server acknowledges, --window sends in flight per chat."`
	Window   int           `default:"1" help:"Sends in flight per chat when --rate is 0 (at most 10 reach the server at once: its limit per connection)."`
	Duration time.Duration `default:"10s" help:"Length of the measured part of the run."`
	Warmup   time.Duration `default:"2s" help:"Load before measuring."`

	Idle int           `help:"Instead of events: hold this many logged-in customer connections; report the login rate and the server's memory per connection."`
	Hold time.Duration `help:"With --idle: keep the connections open this long after measuring."`

	History       bool `help:"Instead of events: fill one chat and time the requests that page through it."`
	HistoryEvents int  `default:"100000" help:"With --history: events in the chat."`
	ThreadEvents  int  `default:"100" help:"With --history: events per thread."`
	Requests      int  `default:"200" help:"With --history: times each request is timed."`

	Fsync      bool `help:"Also time a bare write+fsync loop in --data-dir (with a load: after it, for the ratio of latencies)."`
	FsyncCount int  `default:"1000" help:"With --fsync: fsyncs to time."`

	JSON  bool `name:"json" help:"Print the result as JSON."`
	Quiet bool `short:"q" help:"No progress while running."`
}

// benchReport is the whole result, as --json prints it.
type benchReport struct {
	Server  string               `json:"server"`
	Events  *bench.EventsResult  `json:"events,omitempty"`
	Idle    *bench.IdleResult    `json:"idle,omitempty"`
	History *bench.HistoryResult `json:"history,omitempty"`
	Fsync   *bench.FsyncResult   `json:"fsync,omitempty"`
}

func (c *benchCmd) Run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	t, err := c.target()
	if err != nil {
		return err
	}
	pid := c.PID
	if pid == 0 {
		pid = localServerPID(c.Server)
	}
	progress := io.Writer(os.Stderr)
	if c.Quiet {
		progress = io.Discard
	}
	rep := benchReport{Server: c.Server}
	switch {
	case c.Idle > 0:
		res, err := bench.Idle(ctx, bench.IdleConfig{Target: t, Conns: c.Idle, Hold: c.Hold, ServerPID: pid,
			Progress: func(done int) {
				if done%1000 == 0 {
					fmt.Fprintf(progress, "  %d logged in\n", done)
				}
			}})
		if err != nil {
			return err
		}
		rep.Idle = &res
	case c.History:
		res, err := bench.History(ctx, bench.HistoryConfig{Target: t, Events: c.HistoryEvents, ThreadEvents: c.ThreadEvents, Requests: c.Requests,
			Progress: func(n int) {
				if n%10000 < c.ThreadEvents {
					fmt.Fprintf(progress, "  %d events stored\n", n)
				}
			}})
		if err != nil {
			return err
		}
		rep.History = &res
	case c.Fsync && c.Chats == 0:
	default:
		fmt.Fprintf(progress, "  setting up %d chats and %d agent connections on %s\n", c.Chats, c.Agents, c.Server)
		res, err := bench.Events(ctx, bench.EventsConfig{Target: t, Customers: c.Chats, Agents: c.Agents, Rate: c.Rate, Window: c.Window,
			Duration: c.Duration, Warmup: c.Warmup, ServerPID: pid,
			Progress: func(p bench.Progress) {
				phase := "warmup"
				if p.Measuring {
					phase = "measuring"
				}
				fmt.Fprintf(progress, "  %5.1fs %-9s sent %7.0f/s  acked %7.0f/s  delivered %7.0f/s  in flight %5d  errors %d\n",
					p.Elapsed.Seconds(), phase, p.Sent, p.Acked, p.Delivered, p.InFlight, p.Errors)
			}})
		if err != nil {
			return err
		}
		rep.Events = &res
	}
	if c.Fsync {
		res, err := bench.Fsync(c.DataDir, c.FsyncCount)
		if err != nil {
			return err
		}
		rep.Fsync = &res
	}
	if c.JSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printReport(os.Stdout, rep)
	return nil
}

func (c *benchCmd) target() (bench.Target, error) {
	t := bench.Target{Server: c.Server, AgentServer: c.AgentServer, License: c.License, ClientID: c.ClientID, AgentEmail: c.AgentEmail, AgentPassword: c.AgentPassword}
	if t.AgentPassword == "" && c.Idle == 0 && !c.History && c.Chats > 0 {
		pw, err := os.ReadFile(filepath.Join(c.DataDir, "demo-agent-password"))
		if err != nil {
			return t, fmt.Errorf("no agent password: set --agent-password or PARLEY_BENCH_AGENT_PASSWORD, or --data-dir to the server's (%w)", err)
		}
		t.AgentPassword = strings.TrimSpace(string(pw))
	}
	if _, err := url.Parse(c.Server); err != nil || !strings.HasPrefix(c.Server, "http") {
		return t, errors.New("--server must be an http:// or https:// URL")
	}
	return t, nil
}

// localServerPID finds the process listening on the server URL's port when
// the URL names this host, or returns 0.
func localServerPID(server string) int {
	u, err := url.Parse(server)
	if err != nil {
		return 0
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return 0
	}
	p, _ := strconv.Atoi(port)
	return bench.FindListener(p)
}

func printReport(w io.Writer, r benchReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	row := func(k string, v ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprint(v...)) }
	if e := r.Events; e != nil {
		offered := "as fast as acknowledged, window " + strconv.Itoa(e.Window)
		if e.Offered > 0 {
			offered = fmt.Sprintf("%.0f events/s (open loop)", e.Offered)
		}
		row("load", fmt.Sprintf("%d chats, %d agent connections, %s, %s measured", e.Customers, e.Agents, offered, e.Duration))
		row("sent", fmt.Sprintf("%.0f events/s", e.SentPerSec))
		row("persisted (acked)", fmt.Sprintf("%.0f events/s", e.AckedPerSec))
		row("delivered", fmt.Sprintf("%.0f events/s", e.DeliveredPerSec))
		row("send → ack", e.Ack)
		row("send → deliver", e.Deliver)
		row("errors", fmt.Sprintf("%d (unacked %d, skipped %d) %s", e.Errors, e.Unacked, e.Skipped, e.Error))
		if s := e.Server; s != nil {
			row("server", fmt.Sprintf("pid %d: %.2f cores, max RSS %s, %d threads", s.PID, s.Cores, mib(s.RSS), s.Threads))
		}
	}
	if i := r.Idle; i != nil {
		row("connections", i.Conns)
		row("customer tokens", fmt.Sprintf("%.0f /s", i.TokensPerSec))
		row("connects + logins", fmt.Sprintf("%.0f /s", i.LoginsPerSec))
		row("connect + login", i.Login)
		if i.RSSAfter > 0 {
			row("server RSS", fmt.Sprintf("%s → %s: %.1f KiB per connection, %d threads", mib(i.RSSBefore), mib(i.RSSAfter), float64(i.RSSPerConn)/1024, i.Threads))
		}
	}
	if h := r.History; h != nil {
		row("chat", fmt.Sprintf("%d events in %d threads, filled at %.0f events/s", h.Events, h.Threads, h.FillPerSec))
		row("login", h.Login)
		row("get_chats_summary", h.ChatsSummary)
		row("get_chat_threads_summary", h.ThreadsSummary)
		row("get_chat_threads (a page)", h.Page)
	}
	if f := r.Fsync; f != nil {
		row("fsync", fmt.Sprintf("%s: %.0f /s, %s", f.Dir, f.PerSec, f.Latency))
		if e := r.Events; e != nil && f.Latency.P99 > 0 && e.Deliver.Count > 0 {
			row("deliver p99 / fsync p99", fmt.Sprintf("%.1f", float64(e.Deliver.P99)/float64(f.Latency.P99)))
		}
	}
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
