package main

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/parleychat/parley/internal/clustertest"
	"github.com/parleychat/parley/server/chat"
)

// withStdin makes --password-stdin read s.
func withStdin(t *testing.T, s string) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(s)
	t.Cleanup(func() { stdin = old })
}

// mustFail runs parley with args and returns its error, failing the test
// when there is none or when it does not mention want.
func mustFail(t *testing.T, want string, args ...string) {
	t.Helper()
	_, err := runCLI(t, args...)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("parley %s: error %v, want one mentioning %q", strings.Join(args, " "), err, want)
	}
}

// TestTenantCommands covers parley license, client, group list|remove and
// agent disable|enable|remove|set-password on SQLite and on PostgreSQL,
// checking what they store and their errors.
func TestTenantCommands(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		dir := t.TempDir()
		testTenantCommands(t, []string{"--data-dir", dir}, func(t *testing.T) chat.Store { return openStore(t, dir) })
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		db := clustertest.Database(t)
		testTenantCommands(t, []string{"--database-url", db}, func(t *testing.T) chat.Store {
			st, err := openDatabase(context.Background(), "", db, false)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		})
	})
}

func testTenantCommands(t *testing.T, db []string, open func(*testing.T) chat.Store) {
	ctx := context.Background()
	run := func(args ...string) string { t.Helper(); return mustRun(t, append(args, db...)...) }
	fail := func(want string, args ...string) { t.Helper(); mustFail(t, want, append(args, db...)...) }

	const org7, org3 = "7a7a7a7a-0000-4000-8000-000000000007", "3b3b3b3b-0000-4000-8000-000000000003"
	if out := run("license", "add", "--id", "7", "--name", "Shop", "--organization-id", strings.ToUpper(org7)); out != "added license 7 \"Shop\", organization "+org7+"\n" {
		t.Errorf("license add printed %q", out)
	}
	// Renaming keeps the organization id.
	if out := run("license", "add", "--id", "7", "--name", "Shop Inc"); out != "updated license 7 \"Shop Inc\", organization "+org7+"\n" {
		t.Errorf("license add (rename) printed %q", out)
	}
	out := run("license", "add", "--id", "3")
	random := strings.TrimSuffix(strings.TrimPrefix(out, "added license 3 \"License 3\", organization "), "\n")
	if canon, err := chat.ParseOrganizationID(random); err != nil || canon != random {
		t.Errorf("license add without --organization-id printed %q", out)
	}
	if l, err := open(t).License(ctx, 3); err != nil || l.OrganizationID != random {
		t.Errorf("license 3: stored %+v, %v; printed organization %s", l, err, random)
	}
	fail("not a UUID", "license", "add", "--id", "3", "--organization-id", "shop")
	fail("organization id "+org7+" belongs to license 7", "license", "add", "--id", "3", "--organization-id", org7)
	run("license", "add", "--id", "3", "--organization-id", org3)
	out = run("license", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "ORGANIZATION") || !strings.Contains(lines[1], "License 3") || !strings.Contains(lines[1], org3) ||
		!strings.Contains(lines[2], "Shop Inc") || !strings.Contains(lines[2], org7) {
		t.Errorf("license list:\n%s", out)
	}
	for _, by := range [][]string{{"--id", "7"}, {"--organization-id", org7}} {
		out := run(append([]string{"license", "show"}, by...)...)
		for _, want := range []string{"id:               7\n", "name:             Shop Inc\n", "organization id:  " + org7 + "\n", "created:  "} {
			if !strings.Contains(out, want) {
				t.Errorf("license show %v: no %q in\n%s", by, want, out)
			}
		}
	}
	fail("there is no license 9", "license", "show", "--id", "9")
	const org9 = "9c9c9c9c-0000-4000-8000-000000000009"
	fail("no license has organization id "+org9, "license", "show", "--organization-id", org9)
	fail("not a UUID", "license", "show", "--organization-id", "x")
	fail("positive", "license", "add", "--id", "0")

	// Clients.
	fail("no license 9", "client", "add", "--license", "9", "--origins", "https://shop.example")
	fail("not an origin", "client", "add", "--license", "7", "--origins", "https://shop.example/path")
	fail("not among the client's origins", "client", "add", "--license", "7", "--origins", "https://shop.example",
		"--redirect-uris", "https://evil.example/chat/")
	id := strings.TrimSpace(run("client", "add", "--license", "7", "--origins", "https://Shop.example,https://www.shop.example:8443",
		"--redirect-uris", "https://shop.example/chat/"))
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Errorf("client add printed %q, want a client id of 32 hex digits", id)
	}
	if out := run("client", "add", "--license", "7", "--id", "shop-app"); out != "shop-app\n" {
		t.Errorf("client add --id printed %q", out)
	}
	fail("exists", "client", "add", "--license", "7", "--id", "shop-app")
	st := open(t)
	cl, err := st.Client(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if cl.LicenseID != 7 || strings.Join(cl.RedirectOrigins, " ") != "https://shop.example https://www.shop.example:8443" ||
		strings.Join(cl.RedirectURIs, " ") != "https://shop.example/chat/" {
		t.Errorf("stored client = %+v", cl)
	}
	out = run("client", "list", "--license", "7")
	if !strings.Contains(out, id) || !strings.Contains(out, "https://www.shop.example:8443") || !strings.Contains(out, "shop-app") {
		t.Errorf("client list:\n%s", out)
	}
	fail("no license 9", "client", "list", "--license", "9")
	run("client", "update", "--id", "shop-app", "--origins", "https://app.example")
	if cl, err := st.Client(ctx, "shop-app"); err != nil || strings.Join(cl.RedirectOrigins, " ") != "https://app.example" || len(cl.RedirectURIs) != 0 {
		t.Errorf("client after update = %+v, %v", cl, err)
	}
	fail("no client nope", "client", "update", "--id", "nope", "--origins", "https://app.example")
	fail("not among the client's origins", "client", "update", "--id", id, "--origins", "https://www.shop.example:8443")
	run("client", "remove", "--id", "shop-app")
	if _, err := st.Client(ctx, "shop-app"); err == nil {
		t.Error("client remove: the client is still there")
	}
	fail("no client shop-app", "client", "remove", "--id", "shop-app")

	// Groups.
	run("group", "add", "--license", "7", "--id", "2", "--name", "Billing")
	run("group", "add", "--license", "7", "--id", "3", "--name", "Spare")
	withStdin(t, "pw-ann\n")
	run("agent", "add", "--license", "7", "--email", "ann@shop.test", "--name", "Ann", "--password-stdin", "--groups", "2")
	out = run("group", "list", "--license", "7")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 4 || !strings.Contains(lines[2], "Billing") || !strings.HasSuffix(lines[2], "1") {
		t.Errorf("group list:\n%s", out)
	}
	fail("still has agents (ann@shop.test)", "group", "remove", "--license", "7", "--id", "2")
	fail("default group", "group", "remove", "--license", "7", "--id", "0")
	run("group", "remove", "--license", "7", "--id", "3")
	fail("no group 3", "group", "remove", "--license", "7", "--id", "3")

	// Agents: the role defaults to normal; disable, enable, set-password,
	// remove.
	ann, err := st.Agent(ctx, 7, "ann@shop.test")
	if err != nil {
		t.Fatal(err)
	}
	if ann.Role != chat.RoleNormal || ann.Disabled || bcrypt.CompareHashAndPassword(ann.PasswordHash, []byte("pw-ann")) != nil {
		t.Errorf("ann = %+v", ann)
	}
	for _, cmd := range []string{"disable", "enable", "remove", "revoke"} {
		fail("license 7 has no agent bob@shop.test", "agent", cmd, "--license", "7", "--email", "bob@shop.test")
	}
	withStdin(t, "")
	fail("no password", "agent", "set-password", "--license", "7", "--email", "ann@shop.test", "--password-stdin")

	before := ann.CreatedAt // any time before the disable
	if out := run("agent", "disable", "--license", "7", "--email", "ann@shop.test"); !strings.Contains(out, "disabled agent ann@shop.test") {
		t.Errorf("agent disable printed %q", out)
	}
	if ann, _ := st.Agent(ctx, 7, "ann@shop.test"); !ann.Disabled {
		t.Error("agent disable: the agent is not disabled")
	}
	if revoked, err := st.TokenRevoked(ctx, 7, "ann@shop.test", "t1", before); err != nil || !revoked {
		t.Errorf("a token of ann after agent disable: revoked %v, %v", revoked, err)
	}
	if out := run("agent", "list", "--license", "7"); !strings.Contains(out, "disabled") {
		t.Errorf("agent list shows no disabled agent:\n%s", out)
	}
	run("agent", "enable", "--license", "7", "--email", "ann@shop.test")
	if ann, _ := st.Agent(ctx, 7, "ann@shop.test"); ann.Disabled {
		t.Error("agent enable: the agent is still disabled")
	}
	withStdin(t, "n3w-pass\r\n")
	run("agent", "set-password", "--license", "7", "--email", "ann@shop.test", "--password-stdin")
	if ann, _ := st.Agent(ctx, 7, "ann@shop.test"); bcrypt.CompareHashAndPassword(ann.PasswordHash, []byte("n3w-pass")) != nil ||
		ann.Name != "Ann" || ann.GroupIDs()[0] != 2 {
		t.Errorf("after set-password: %+v", ann)
	}
	run("agent", "remove", "--license", "7", "--email", "ann@shop.test")
	if _, err := st.Agent(ctx, 7, "ann@shop.test"); err == nil {
		t.Error("agent remove: the agent is still there")
	}
	fail("license 7 has no agent ann@shop.test", "agent", "remove", "--license", "7", "--email", "ann@shop.test")
}
