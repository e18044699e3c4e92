package conformance

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/clustertest"
	"github.com/parleychat/parley/server"
	natsbroker "github.com/parleychat/parley/server/broker/nats"
	"github.com/parleychat/parley/server/store/postgres"
)

// backend is the server under test as the harness needs it: one node, or
// the nodes of a cluster, which the front spreads requests over (spread).
type backend struct {
	nodes      []node
	agentToken string
}

// node is one Parley server of the backend.
type node struct {
	name    string
	handler http.Handler
}

// startFunc starts a backend for release rel whose logs go to the
// transcript.
type startFunc func(t *testing.T, ctx context.Context, log *transcript, rel release) backend

// nodeConfig is the configuration every node gets: the demo tenant the
// scenarios use, and the idle timeout of rel. Its logs go to the
// transcript, each record naming the node.
func nodeConfig(name string, log *transcript, rel release) server.Config {
	logger := slog.New(slog.NewTextHandler(transcriptWriter{log}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return server.Config{
		Logger:      logger.With("node", name),
		PublicURL:   "https://" + apiHost, // file links are on the API host, where the scenario fetches them
		IdleTimeout: rel.idleTimeout,
		Demo: server.Demo{
			License:        demoLicense,
			OrganizationID: demoOrganizationID,
			ClientID:       demoClientID,
			Origins:        []string{widgetOrigin},
			AgentEmail:     demoAgentEmail,
			AgentPassword:  demoAgentPassword,
		},
	}
}

// startParley starts one Parley server in-process, on SQLite in a
// temporary directory.
func startParley(t *testing.T, ctx context.Context, log *transcript, rel release) backend {
	t.Helper()
	cfg := nodeConfig("parley", log, rel)
	cfg.DataDir = t.TempDir()
	srv := newServer(t, ctx, cfg)
	return backend{nodes: []node{{name: "parley", handler: srv.Handler()}}, agentToken: agentToken(t, srv)}
}

// clusterNodes names the nodes of startCluster.
var clusterNodes = []string{"node-a", "node-b"}

// startCluster starts two Parley servers in-process as the nodes of one
// cluster, assembled as `parley serve --database-url … --nats-url …` does:
// each has its own PostgreSQL store on one fresh database, the PostgreSQL
// router, its own NATS broker under a subject prefix of the test's own, the
// token key shared through the database, and its own data directory; both
// keep uploads in one files directory.
func startCluster(t *testing.T, ctx context.Context, log *transcript, rel release) backend {
	t.Helper()
	dbURL := clustertest.Database(t)
	natsURL, prefix := clustertest.NATS(t)
	files := filepath.Join(t.TempDir(), "files")
	var be backend
	for _, name := range clusterNodes {
		cfg := nodeConfig(name, log, rel)
		cfg.DataDir, cfg.FilesDir = t.TempDir(), files
		st, err := postgres.Open(ctx, dbURL)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(func() { st.Close() })
		cfg.Store = st
		// The name parley serve keeps its token key under, so that the
		// first node makes it and the second reads it.
		if cfg.TokenKey, err = st.Secret(ctx, "token-key", 32); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.Router, err = postgres.NewRouter(st, postgres.RouterConfig{Node: name}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var running atomic.Pointer[server.Server]
		b, err := natsbroker.New(ctx, natsbroker.Config{URL: natsURL, Prefix: prefix, Name: name, Logger: cfg.Logger,
			OnGap: func(topic string, _ natsbroker.GapCause) {
				// Not the case in a healthy run: the clients concerned
				// are asked to reconnect, which "connections stayed up"
				// would report.
				log.add("gap", "%s: NATS may have lost messages of %s", name, topic)
				if srv := running.Load(); srv != nil {
					srv.BrokerGap(topic)
				}
			}})
		if err != nil {
			t.Fatalf("%s: NATS at %s: %v", name, natsURL, err)
		}
		t.Cleanup(func() { b.Close() })
		cfg.Broker = b
		srv := newServer(t, ctx, cfg)
		running.Store(srv)
		be.nodes = append(be.nodes, node{name: name, handler: srv.Handler()})
		if be.agentToken == "" {
			be.agentToken = agentToken(t, srv)
		}
	}
	return be
}

// newServer starts a server, shut down when the test ends.
func newServer(t *testing.T, ctx context.Context, cfg server.Config) *server.Server {
	t.Helper()
	srv, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			t.Logf("server shutdown: %v", err)
		}
	})
	return srv
}

func agentToken(t *testing.T, srv *server.Server) string {
	t.Helper()
	tok, err := srv.IssueAgentToken(demoLicense, demoAgentEmail)
	if err != nil {
		t.Fatalf("IssueAgentToken: %v", err)
	}
	return tok
}

func (be backend) String() string {
	names := make([]string, len(be.nodes))
	for i, n := range be.nodes {
		names[i] = n.name
	}
	return fmt.Sprintf("%d node(s): %s", len(be.nodes), strings.Join(names, ", "))
}

// transcriptWriter puts the server's log lines into the transcript.
type transcriptWriter struct{ log *transcript }

func (w transcriptWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.log.add("server", "%s", line)
	}
	return len(p), nil
}
