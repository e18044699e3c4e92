package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server"
)

// postTokenV2 asks for a customer token as @livechat/customer-auth 1.0.0
// does: POST /v2/customer/token (or the path with organization and group)
// as text/plain, with the browser's cookies.
func postTokenV2(t *testing.T, srv *parleytest.Server, path, organization, origin string, cookies []*http.Cookie) tokenCall {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"response_type": "token", "grant_type": "cookie", "client_id": srv.ClientID,
		"organization_id": organization, "redirect_uri": origin + "/shop/"})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	req.Header.Set("Origin", origin)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("token answer: %v", err)
	}
	return tokenCall{status: resp.StatusCode, header: resp.Header, body: m, cookies: resp.Cookies()}
}

// The v2 token endpoint of the server: a token of the organization's
// license that logs in over RTM, the same customer on the next call with
// the cookie, and the refusals the v3.0 endpoint makes.
func TestCustomerTokenV2(t *testing.T) {
	srv := parleytest.NewServer(t, func(c *server.Config) { c.Demo.Origins = []string{shopOrigin} })
	org := srv.OrganizationID

	first := postTokenV2(t, srv, "/v2/customer/token", org, shopOrigin, nil)
	first.granted(t, "first call", shopOrigin)
	if first.body["organization_id"] != org {
		t.Errorf("organization_id %v, want %s", first.body["organization_id"], org)
	}
	again := postTokenV2(t, srv, "/v2/customer/"+org+"/0/token", org, shopOrigin, first.cookies)
	again.granted(t, "second call", shopOrigin)
	if again.body["entity_id"] != first.body["entity_id"] {
		t.Errorf("entity ids %v then %v: the cookie did not keep the customer", first.body["entity_id"], again.body["entity_id"])
	}

	c := dial(t, "customer", customerURL(srv), "customer")
	var login struct {
		CustomerID string `json:"customer_id"`
	}
	c.okInto(protocol.ActionLogin, obj{"token": "Bearer " + again.body["access_token"].(string)}, &login)
	if login.CustomerID != first.body["entity_id"] {
		t.Errorf("logged in as %q, want %v", login.CustomerID, first.body["entity_id"])
	}

	unknown := postTokenV2(t, srv, "/v2/customer/token", "00000000-0000-4000-8000-000000000000", shopOrigin, first.cookies)
	if unknown.status != http.StatusBadRequest || unknown.body["identity_exception"] != "license_not_found" || len(unknown.cookies) != 0 {
		t.Errorf("unknown organization: status %d, body %v, cookies %v", unknown.status, unknown.body, unknown.cookies)
	}
	// A page of another site sends its own URL as redirect_uri: refused
	// for it, before the Origin, with nothing it can read.
	evil := postTokenV2(t, srv, "/v2/customer/token", org, evilOrigin, first.cookies)
	if evil.status != http.StatusBadRequest || evil.body["oauth_exception"] != "redirect_uri_mismatch" || evil.body["access_token"] != nil ||
		len(evil.cookies) != 0 || evil.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("XHR from another site: status %d, body %v, cookies %v, headers %v", evil.status, evil.body, evil.cookies, evil.header)
	}

	req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/v2/customer/"+org+"/0/token", nil)
	req.Header.Set("Origin", shopOrigin)
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != shopOrigin {
		t.Errorf("preflight: status %d, headers %v", resp.StatusCode, resp.Header)
	}
}
