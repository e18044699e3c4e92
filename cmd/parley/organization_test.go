package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/parleychat/parley/server"
)

// TestServeDemoOrganization: the demo license's organization id in the
// banner of parley serve — the default for a new license, the one of
// PARLEY_DEMO_ORGANIZATION_ID or --demo-organization-id, the stored one on
// a start without either — in parley license show and list, and as the
// organization whose customer tokens POST /v2/customer/token issues.
func TestServeDemoOrganization(t *testing.T) {
	bin := buildParley(t)
	dir := t.TempDir()
	const (
		envOrg  = "5C0FFEE0-1234-4ABC-8DEF-0123456789AB"
		flagOrg = "0badcafe-0000-4000-8000-00000000beef"
	)
	serve := func(want string, flags ...string) {
		t.Helper()
		addr := freeAddr(t)
		p := startParley(t, bin, dir, addr, flags...)
		banner, err := os.ReadFile(p.log)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(banner), "(license 123, organization "+want+",") {
			t.Errorf("serve %v: the banner does not show organization %s:\n%s", flags, want, banner)
		}
		body, _ := json.Marshal(map[string]any{"response_type": "token", "grant_type": "cookie", "client_id": "parley-demo",
			"organization_id": want})
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/v2/customer/token", bytes.NewReader(body))
		req.Header.Set("Origin", "http://"+addr)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var tok map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&tok)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || tok["access_token"] == nil || tok["organization_id"] != want {
			t.Errorf("serve %v: v2 token of organization %s: %s %v", flags, want, resp.Status, tok)
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := p.cmd.Wait(); err != nil {
			t.Fatalf("serve %v: %v", flags, err)
		}
	}

	serve(server.DefaultDemoOrganizationID)
	t.Setenv("PARLEY_DEMO_ORGANIZATION_ID", envOrg)
	serve(strings.ToLower(envOrg))
	os.Unsetenv("PARLEY_DEMO_ORGANIZATION_ID")
	serve(strings.ToLower(envOrg))
	serve(flagOrg, "--demo-organization-id", flagOrg)

	if out := mustRun(t, "license", "show", "--id", "123", "--data-dir", dir); !strings.Contains(out, "organization id:  "+flagOrg) {
		t.Errorf("license show --id 123:\n%s", out)
	}
	if out := mustRun(t, "license", "show", "--organization-id", strings.ToUpper(flagOrg), "--data-dir", dir); !strings.Contains(out, "id:               123\n") {
		t.Errorf("license show --organization-id:\n%s", out)
	}
	if out := mustRun(t, "license", "list", "--data-dir", dir); !strings.Contains(out, flagOrg) {
		t.Errorf("license list:\n%s", out)
	}

	help, _, _ := parleyRun(t, bin, "serve", "--help")
	if !strings.Contains(strings.Join(strings.Fields(help), " "), server.DefaultDemoOrganizationID) {
		t.Errorf("serve --help does not name the default organization id %s", server.DefaultDemoOrganizationID)
	}
	_, stderr, status := parleyRun(t, bin, "serve", "--data-dir", t.TempDir(), "--addr", freeAddr(t), "--admin-addr", "", "--demo-organization-id", "123")
	if status == 0 || !strings.Contains(stderr, "--demo-organization-id \"123\" is not a UUID") {
		t.Errorf("serve with a malformed --demo-organization-id: status %d, stderr %q", status, stderr)
	}
}
