package auth

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestIdentityGrant gets a token, then another with the identity token of
// the first answer and no cookie: the same customer. Forged, altered,
// expired, other-key, other-license and other-client identity tokens are
// refused with invalid_grant, after the checks of the cookie grant.
func TestIdentityGrant(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	first := decodeJSON(t, postToken(t, h, "/customer/token", tokenBody(nil), widgetOrigin))
	ident, _ := first["identity_token"].(string)
	if ident == "" || first["entity_id"] == "" {
		t.Fatalf("first answer %v: no identity_token", first)
	}
	grant := func(path, v string, edit map[string]any) map[string]any {
		e := map[string]any{"grant_type": GrantIdentity, "identity_token": v}
		for k, x := range edit {
			e[k] = x
		}
		body := tokenBody(e)
		if strings.HasPrefix(path, "/v2/") {
			body = tokenBodyV2(e)
		}
		w := postToken(t, h, path, body, widgetOrigin)
		m := decodeJSON(t, w)
		if (w.Code == http.StatusOK) != (m["access_token"] != nil) {
			t.Errorf("status %d with body %v", w.Code, m)
		}
		return m
	}

	for _, path := range []string{"/customer/token", "/licence/g123_0/customer/token", "/v2/customer/token"} {
		m := grant(path, ident, nil)
		if m["entity_id"] != first["entity_id"] {
			t.Errorf("%s: entity %v, want %v", path, m["entity_id"], first["entity_id"])
		}
		c, err := a.Signer.Verify(m["access_token"].(string), t0)
		if err != nil || c.Subject != first["entity_id"] || c.LicenseID != 123 {
			t.Errorf("%s: claims %+v, %v", path, c, err)
		}
		if renewed, _ := m["identity_token"].(string); renewed == "" {
			t.Errorf("%s: no renewed identity token", path)
		} else if m2 := grant(path, renewed, nil); m2["entity_id"] != first["entity_id"] {
			t.Errorf("%s: the renewed identity token gave %v", path, m2["entity_id"])
		}
	}

	// The identity token of a customer of license 456, client "other".
	other := decodeJSON(t, postToken(t, h, "/customer/token", tokenBody(map[string]any{"client_id": "other", "license_id": 456}), widgetOrigin))
	otherIdent, _ := other["identity_token"].(string)
	// An identity token of client "restricted" (license 123, the same customer).
	sameLicense, _ := a.Signer.IssueIdentity(Identity{LicenseID: 123, ClientID: "restricted", CustomerID: first["entity_id"].(string), ExpiresAt: t0.Add(time.Hour)})
	otherKey, err := NewSigner(bytes.Repeat([]byte{9}, MinKeySize))
	if err != nil {
		t.Fatal(err)
	}
	byOtherKey, _ := otherKey.IssueIdentity(Identity{LicenseID: 123, ClientID: "abc", CustomerID: first["entity_id"].(string), ExpiresAt: t0.Add(time.Hour)})
	expired, _ := a.Signer.IssueIdentity(Identity{LicenseID: 123, ClientID: "abc", CustomerID: first["entity_id"].(string), ExpiresAt: t0})
	accessToken := first["access_token"].(string)
	payload, mac, _ := strings.Cut(ident, ".")
	forgedPayload := b64.EncodeToString([]byte(`{"l":123,"c":"abc","s":"customer-victim","exp":9999999999}`)) + "." + mac

	for name, v := range map[string]string{
		"forged payload":             forgedPayload,
		"altered mac":                payload + "." + strings.Repeat("A", len(mac)),
		"bare customer id":           first["entity_id"].(string),
		"other license and client":   otherIdent,
		"other client, same license": sameLicense,
		"other signing key":          byOtherKey,
		"expired":                    expired,
		"an access token":            accessToken,
	} {
		m := grant("/customer/token", v, nil)
		if m["oauth_exception"] != CodeInvalidGrant {
			t.Errorf("%s: %v, want invalid_grant", name, m)
		}
	}

	// The checks of the cookie grant come first.
	if m := grant("/customer/token", ident, map[string]any{"client_id": "nope"}); m["oauth_exception"] != CodeInvalidClient {
		t.Errorf("unknown client: %v", m)
	}
	if m := grant("/customer/token", ident, map[string]any{"identity_token": nil}); m["oauth_exception"] != CodeInvalidRequest {
		t.Errorf("no identity_token: %v", m)
	}
	w := postToken(t, h, "/customer/token", tokenBody(map[string]any{"grant_type": GrantIdentity, "identity_token": ident, "redirect_uri": nil}), "https://evil.example")
	if m := decodeJSON(t, w); w.Code != http.StatusForbidden || m["oauth_exception"] != CodeUnauthorizedClient || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin: status %d, %v", w.Code, m)
	}
	// The other license's identity token works for its own client.
	if m := grant("/customer/token", otherIdent, map[string]any{"client_id": "other", "license_id": 456}); m["entity_id"] != other["entity_id"] {
		t.Errorf("other license's own grant: %v", m)
	}
}

// TestIdentityTokenIsNoTokenOrCookie checks that the derived keys keep
// identity tokens, access tokens and cookies apart.
func TestIdentityTokenIsNoTokenOrCookie(t *testing.T) {
	s := testSigner(t)
	id, err := s.IssueIdentity(Identity{LicenseID: 1, ClientID: "c", CustomerID: "x", ExpiresAt: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(id, t0); err == nil {
		t.Errorf("an identity token verified as an access token")
	}
	if _, ok := Open(s.cookieKey, id); ok {
		t.Errorf("an identity token opened as a cookie")
	}
	if got, ok := s.VerifyIdentity(id, t0); !ok || got.CustomerID != "x" || got.ClientID != "c" || got.LicenseID != 1 {
		t.Errorf("VerifyIdentity = %+v, %v", got, ok)
	}
	if _, ok := s.VerifyIdentity(id, t0.Add(time.Hour)); ok {
		t.Errorf("an expired identity token verified")
	}
}
