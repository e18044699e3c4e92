package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// tokenBodyV2 is the body @livechat/customer-auth 1.0.0 posts, with edit
// applied (nil deletes a field).
func tokenBodyV2(edit map[string]any) string {
	e := map[string]any{"license_id": nil, "organization_id": org123}
	for k, v := range edit {
		e[k] = v
	}
	return tokenBody(e)
}

func TestTokenV2(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	for _, path := range []string{"/v2/customer/token", "/v2/customer/" + org123 + "/0/token", "/v2/customer/" + org123 + "/7/token"} {
		w := postToken(t, h, path, tokenBodyV2(nil), widgetOrigin)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", path, w.Code, w.Body)
		}
		checkCORS(t, w, widgetOrigin)
		m := decodeJSON(t, w)
		if m["token_type"] != "Bearer" || m["expires_in"] != json.Number("28800") || m["client_id"] != "abc" || m["organization_id"] != org123 {
			t.Errorf("%s: body %v", path, m)
		}
		tok, _ := m["access_token"].(string)
		c, err := a.Signer.Verify(tok, t0)
		if err != nil || c.Subject != m["entity_id"] || c.Subject == "" || c.Kind != KindCustomer || c.LicenseID != 123 {
			t.Errorf("%s: claims %+v, %v", path, c, err)
		}
		cookieOf(t, w)
	}

	t.Run("returning customer", func(t *testing.T) {
		w1 := postToken(t, h, "/v2/customer/token", tokenBodyV2(nil), widgetOrigin)
		m1 := decodeJSON(t, w1)
		w2 := postToken(t, h, "/v2/customer/token", tokenBodyV2(nil), widgetOrigin, cookieOf(t, w1))
		m2 := decodeJSON(t, w2)
		if m2["entity_id"] != m1["entity_id"] {
			t.Errorf("entity ids %v, %v: the cookie did not keep the customer", m1["entity_id"], m2["entity_id"])
		}
		// The v3.0 flows of the same license share the identity.
		w3 := postToken(t, h, "/customer/token", tokenBody(nil), widgetOrigin, cookieOf(t, w2))
		if m3 := decodeJSON(t, w3); m3["entity_id"] != m1["entity_id"] {
			t.Errorf("v3.0 XHR gave %v, v2 %v", m3["entity_id"], m1["entity_id"])
		}
		// Another organization's license makes another customer.
		body := tokenBodyV2(map[string]any{"client_id": "other", "organization_id": org456})
		w4 := postToken(t, h, "/v2/customer/token", body, widgetOrigin, cookieOf(t, w2))
		if m4 := decodeJSON(t, w4); w4.Code != 200 || m4["entity_id"] == m1["entity_id"] || m4["organization_id"] != org456 {
			t.Errorf("another organization: status %d, body %v (first customer %v)", w4.Code, m4, m1["entity_id"])
		}
	})

	t.Run("upper-case organization id", func(t *testing.T) {
		upper := strings.ToUpper(org123)
		w := postToken(t, h, "/v2/customer/"+upper+"/0/token", tokenBodyV2(map[string]any{"organization_id": upper}), widgetOrigin)
		if m := decodeJSON(t, w); w.Code != 200 || m["organization_id"] != org123 {
			t.Errorf("status %d, body %v", w.Code, m)
		}
	})
}

func TestTokenV2Errors(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	const unknownOrg = "00000000-0000-4000-8000-000000000000"
	for name, tc := range map[string]struct {
		path, body, origin, kind, code string
		status                         int
		cors                           bool
	}{
		"organization_id missing":  {"", tokenBodyV2(map[string]any{"organization_id": nil}), widgetOrigin, "oauth_exception", CodeInvalidRequest, 400, false},
		"license_id instead":       {"", tokenBodyV2(map[string]any{"organization_id": nil, "license_id": 123}), widgetOrigin, "oauth_exception", CodeInvalidRequest, 400, false},
		"organization_id not UUID": {"", tokenBodyV2(map[string]any{"organization_id": "123"}), widgetOrigin, "oauth_exception", CodeInvalidRequest, 400, false},
		"organization_id number":   {"", tokenBodyV2(map[string]any{"organization_id": 123}), widgetOrigin, "oauth_exception", CodeInvalidRequest, 400, false},
		"organization_id braces":   {"", tokenBodyV2(map[string]any{"organization_id": "{" + org123 + "}"}), widgetOrigin, "oauth_exception", CodeInvalidRequest, 400, false},
		"path of another organization": {"/v2/customer/" + org456 + "/0/token", tokenBodyV2(nil), widgetOrigin,
			"oauth_exception", CodeInvalidRequest, 400, false},
		"path group undefined": {"/v2/customer/" + org123 + "/undefined/token", tokenBodyV2(nil), widgetOrigin,
			"oauth_exception", CodeInvalidRequest, 400, false},
		"path group negative": {"/v2/customer/" + org123 + "/-1/token", tokenBodyV2(nil), widgetOrigin,
			"oauth_exception", CodeInvalidRequest, 400, false},
		"path organization not UUID": {"/v2/customer/123/0/token", tokenBodyV2(nil), widgetOrigin,
			"oauth_exception", CodeInvalidRequest, 400, false},
		"unknown organization": {"", tokenBodyV2(map[string]any{"organization_id": unknownOrg}), widgetOrigin,
			"identity_exception", CodeLicenseNotFound, 400, true},
		"client of another organization": {"", tokenBodyV2(map[string]any{"organization_id": org456}), widgetOrigin,
			"identity_exception", CodeLicenseNotFound, 400, true},
		"client of a missing license": {"", tokenBodyV2(map[string]any{"client_id": "orphan"}), widgetOrigin,
			"identity_exception", CodeLicenseNotFound, 400, false},
		"unknown client":     {"", tokenBodyV2(map[string]any{"client_id": "nope"}), widgetOrigin, "oauth_exception", CodeInvalidClient, 401, false},
		"client_id missing":  {"", tokenBodyV2(map[string]any{"client_id": nil}), widgetOrigin, "oauth_exception", CodeInvalidClient, 401, false},
		"grant_type missing": {"", tokenBodyV2(map[string]any{"grant_type": nil}), widgetOrigin, "oauth_exception", CodeInvalidRequest, 400, false},
		"grant_type identity transfer": {"", tokenBodyV2(map[string]any{"grant_type": "identity_transfer"}), widgetOrigin,
			"oauth_exception", CodeUnsupportedGrantType, 400, false},
		"response_type code": {"", tokenBodyV2(map[string]any{"response_type": "code"}), widgetOrigin,
			"oauth_exception", CodeUnsupportedResponseType, 400, false},
		"foreign origin": {"", tokenBodyV2(map[string]any{"client_id": "restricted", "redirect_uri": "https://shop.example/"}),
			"https://evil.example", "oauth_exception", CodeUnauthorizedClient, 403, false},
		"foreign redirect_uri": {"", tokenBodyV2(map[string]any{"redirect_uri": "https://evil.example/"}),
			widgetOrigin, "oauth_exception", CodeRedirectURIMismatch, 400, true},
		"not JSON": {"", "organization_id=" + org123, widgetOrigin, "oauth_exception", CodeInvalidRequest, 400, false},
	} {
		t.Run(name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "/v2/customer/token"
			}
			w := postToken(t, h, path, tc.body, tc.origin)
			if tc.cors {
				checkCORS(t, w, tc.origin)
			} else if v := w.Header().Get("Access-Control-Allow-Origin"); v != "" {
				t.Errorf("Access-Control-Allow-Origin = %q on an error for an origin not known to be allowed", v)
			}
			m := decodeJSON(t, w)
			if w.Code != tc.status || m[tc.kind] != tc.code || len(m) != 1 {
				t.Errorf("status %d, body %v; want %d {%s: %s}", w.Code, m, tc.status, tc.kind, tc.code)
			}
			if len(w.Result().Cookies()) != 0 {
				t.Errorf("cookie set on error")
			}
		})
	}
}

func TestTokenV2Preflight(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	for _, path := range []string{"/v2/customer/token", "/v2/customer/" + org123 + "/0/token"} {
		r := httptest.NewRequest("OPTIONS", "https://accounts.livechatinc.com"+path, nil)
		r.Header.Set("Origin", widgetOrigin)
		r.Header.Set("Access-Control-Request-Method", "POST")
		r.Header.Set("Access-Control-Request-Headers", "content-type")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusNoContent {
			t.Fatalf("%s: status %d", path, w.Code)
		}
		checkCORS(t, w, widgetOrigin)
		if m := w.Header().Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") {
			t.Errorf("%s: Access-Control-Allow-Methods = %q", path, m)
		}
	}
}
