package server_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/parleychat/parley/server"
)

// The demo license's organization id: DefaultDemoOrganizationID for a new
// one, kept across starts, replaced only when Demo.OrganizationID is set.
func TestDemoOrganization(t *testing.T) {
	dir := t.TempDir()
	start := func(org string) string {
		t.Helper()
		ctx := context.Background()
		srv, err := server.New(ctx, server.Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler),
			Demo: server.Demo{AgentPassword: "x", OrganizationID: org}})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				t.Error(err)
			}
		}()
		d := srv.Demo()
		l, err := srv.Store().License(ctx, d.License)
		if err != nil {
			t.Fatal(err)
		}
		if l.OrganizationID != d.OrganizationID {
			t.Errorf("stored organization id %q, Demo() says %q", l.OrganizationID, d.OrganizationID)
		}
		return d.OrganizationID
	}
	if got := start(""); got != server.DefaultDemoOrganizationID {
		t.Errorf("new demo license: organization id %q, want %q", got, server.DefaultDemoOrganizationID)
	}
	const mine = "0A1B2C3D-4E5F-4061-8293-A4B5C6D7E8F9"
	if got := start(mine); got != "0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9" {
		t.Errorf("configured: organization id %q, want %q in lower case", got, mine)
	}
	if got := start(""); got != "0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9" {
		t.Errorf("restart without one: organization id %q, want the stored one kept", got)
	}
	ctx := context.Background()
	if _, err := server.New(ctx, server.Config{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler),
		Demo: server.Demo{AgentPassword: "x", OrganizationID: "not-a-uuid"}}); err == nil {
		t.Error("a malformed Demo.OrganizationID: no error")
	}
}
