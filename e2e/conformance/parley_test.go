package conformance

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/server"
)

// backend is the server under test as the harness needs it.
type backend struct {
	handler    http.Handler
	agentToken string
}

// startParley starts Parley in-process with the demo tenant the scenario
// uses. Its logs go to the transcript.
func startParley(t *testing.T, ctx context.Context, log *transcript) backend {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(transcriptWriter{log}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := server.New(ctx, server.Config{
		DataDir:   t.TempDir(),
		Logger:    logger,
		PublicURL: "https://" + apiHost, // file links are on the API host, where the scenario fetches them
		Demo: server.Demo{
			License:       demoLicense,
			ClientID:      demoClientID,
			Origins:       []string{widgetOrigin},
			AgentEmail:    demoAgentEmail,
			AgentPassword: demoAgentPassword,
		},
	})
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
	tok, err := srv.IssueAgentToken(demoLicense, demoAgentEmail)
	if err != nil {
		t.Fatalf("IssueAgentToken: %v", err)
	}
	return backend{handler: srv.Handler(), agentToken: tok}
}

// transcriptWriter puts the server's log lines into the transcript.
type transcriptWriter struct{ log *transcript }

func (w transcriptWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w.log.add("server", "%s", line)
	}
	return len(p), nil
}
