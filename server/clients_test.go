package server_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
)

// tokenPage asks for the iframe token page with redirect_uri and
// post_message_uri set to target and returns its HTML.
func tokenPage(t *testing.T, base string, license int, clientID, target string) string {
	t.Helper()
	q := url.Values{"license_id": {strconv.Itoa(license)}, "client_id": {clientID}, "response_type": {"token"},
		"redirect_uri": {target}, "post_message_uri": {target}, "state": {"s"}}
	resp, err := http.Get(base + "/customer?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestClientOriginsPerClient: a license's clients (parley client add) each
// admit their own origins and, when they list them, only their redirect
// URIs; the demo client admits none of them.
func TestClientOriginsPerClient(t *testing.T) {
	srv := parleytest.NewServer(t)
	ctx := context.Background()
	st := srv.Store()
	const lic = 7
	if err := st.PutLicense(ctx, chat.License{ID: lic, Name: "Shop", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []chat.Client{
		{ID: "shop-web", LicenseID: lic, RedirectOrigins: []string{shopOrigin}},
		{ID: "shop-strict", LicenseID: lic, RedirectOrigins: []string{shopOrigin}, RedirectURIs: []string{shopOrigin + "/chat/"}},
		{ID: "other-web", LicenseID: lic, RedirectOrigins: []string{"https://other.example"}},
	} {
		if err := st.PutClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	postToken(t, srv.URL, lic, "shop-web", shopOrigin, nil, nil).granted(t, "shop-web from its origin", shopOrigin)
	postToken(t, srv.URL, lic, "shop-web", evilOrigin, nil, nil).refused(t, "shop-web from another origin")
	postToken(t, srv.URL, lic, "other-web", shopOrigin, nil, nil).refused(t, "other-web from shop-web's origin")
	postToken(t, srv.URL, srv.License, srv.ClientID, shopOrigin, nil, nil).refused(t, "the demo client from shop-web's origin")
	postToken(t, srv.URL, lic, "shop-web", srv.URL, nil, nil).granted(t, "shop-web from the server's own page", srv.URL)

	if p := tokenPage(t, srv.URL, lic, "shop-web", shopOrigin+"/any/page"); !strings.Contains(p, "access_token") {
		t.Errorf("token page of shop-web for its origin: %s", p)
	}
	if p := tokenPage(t, srv.URL, lic, "shop-web", evilOrigin+"/"); strings.Contains(p, "access_token") || !strings.Contains(p, "redirect_uri_mismatch") {
		t.Errorf("token page of shop-web for another origin: %s", p)
	}
	if p := tokenPage(t, srv.URL, lic, "shop-strict", shopOrigin+"/chat/page"); !strings.Contains(p, "access_token") {
		t.Errorf("token page of shop-strict under its redirect URI: %s", p)
	}
	if p := tokenPage(t, srv.URL, lic, "shop-strict", shopOrigin+"/elsewhere"); strings.Contains(p, "access_token") || !strings.Contains(p, "redirect_uri_mismatch") {
		t.Errorf("token page of shop-strict for an unlisted URI of its origin: %s", p)
	}

	// parley client remove: the client gets no more tokens.
	if err := st.DeleteClient(ctx, "shop-web"); err != nil {
		t.Fatal(err)
	}
	if c := postToken(t, srv.URL, lic, "shop-web", shopOrigin, nil, nil); c.status != http.StatusUnauthorized || c.body["oauth_exception"] != "invalid_client" {
		t.Errorf("a removed client: status %d, body %v; want 401 invalid_client", c.status, c.body)
	}
}

// TestDisabledAgent: disabling an agent as parley agent disable does, from
// another process (the store alone knows), refuses its password at once
// and closes its open RTM connection at the next revocation check; its
// token no longer logs in. Enabled again, it logs in.
func TestDisabledAgent(t *testing.T) {
	srv := parleytest.NewServer(t, func(c *server.Config) { c.TokenRevocationCheck = 200 * time.Millisecond })
	ctx := context.Background()
	st := srv.Store()
	const email, password = "dora@shop.test", "pw-dora"
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	dora := chat.Agent{ID: email, LicenseID: srv.License, Name: "Dora", Role: chat.RoleNormal, Groups: []int{0}, PasswordHash: hash, CreatedAt: time.Now()}
	if err := st.PutAgent(ctx, dora); err != nil {
		t.Fatal(err)
	}
	if code := agentLogin(t, srv, email, password); code != http.StatusOK {
		t.Fatalf("login of the enabled agent: %d", code)
	}
	tok := srv.AgentToken(t, email)
	ag := dial(t, "dora", agentURL(srv), "agent")
	ag.login(tok)
	other := connectAgent(t, srv, parleytest.AgentEmail)

	dora.Disabled = true
	if err := st.PutAgent(ctx, dora); err != nil {
		t.Fatal(err)
	}
	if err := st.RevokeAgentTokens(ctx, srv.License, email, time.Now()); err != nil {
		t.Fatal(err)
	}
	if code := agentLogin(t, srv, email, password); code != http.StatusUnauthorized {
		t.Errorf("login of the disabled agent: %d, want 401", code)
	}
	var p struct {
		Reason string `json:"reason"`
	}
	ag.waitPushInto(&p, protocol.PushAgentDisconnected, untagged())
	wantEqual(t, "reason", p.Reason, protocol.ReasonAccessTokenRevoked)
	if code := ag.waitClosed(); code != websocket.StatusPolicyViolation {
		t.Errorf("close status %v", code)
	}
	again := dial(t, "dora again", agentURL(srv), "agent")
	if e := again.fail(protocol.ActionLogin, obj{"token": "Bearer " + srv.AgentToken(t, email)}); e.Type != protocol.ErrAuthentication {
		t.Errorf("RTM login of the disabled agent with a new token: %+v", e)
	}
	other.sync()
	other.noPush(protocol.PushAgentDisconnected)

	dora.Disabled = false
	if err := st.PutAgent(ctx, dora); err != nil {
		t.Fatal(err)
	}
	if code := agentLogin(t, srv, email, password); code != http.StatusOK {
		t.Errorf("login of the agent enabled again: %d", code)
	}
}

// agentLogin posts the agent login and returns the status.
func agentLogin(t *testing.T, srv *parleytest.Server, email, password string) int {
	t.Helper()
	body := `{"license_id":` + strconv.Itoa(srv.License) + `,"email":` + strconv.Quote(email) + `,"password":` + strconv.Quote(password) + `}`
	resp, err := http.Post(srv.URL+"/v3.0/agent/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestDemoAgentStaysDisabled: the demo agent, disabled with parley agent
// disable, stays disabled when the server starts again and seeds the demo
// license.
func TestDemoAgentStaysDisabled(t *testing.T) {
	srv := parleytest.NewServer(t)
	ctx := context.Background()
	a, err := srv.Store().Agent(ctx, srv.License, srv.AgentEmail)
	if err != nil {
		t.Fatal(err)
	}
	if a.Role != chat.RoleOwner || a.Disabled {
		t.Fatalf("the demo agent: role %q, disabled %v; want an enabled owner", a.Role, a.Disabled)
	}
	a.Disabled = true
	if err := srv.Store().PutAgent(ctx, a); err != nil {
		t.Fatal(err)
	}
	srv.Restart(t)
	if a, err := srv.Store().Agent(ctx, srv.License, srv.AgentEmail); err != nil || !a.Disabled {
		t.Errorf("the demo agent after a restart: disabled %v, %v", a.Disabled, err)
	}
	if code := agentLogin(t, srv, srv.AgentEmail, srv.AgentPassword); code != http.StatusUnauthorized {
		t.Errorf("login of the disabled demo agent: %d, want 401", code)
	}
}
