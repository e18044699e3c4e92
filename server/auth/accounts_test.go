package auth

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
)

// fakeLookup is the store boundary of Accounts.
type fakeLookup struct {
	clients  map[string]chat.Client
	licenses map[int]chat.License
	err      error // returned by every call when set
}

func (f *fakeLookup) Client(_ context.Context, id string) (chat.Client, error) {
	if f.err != nil {
		return chat.Client{}, f.err
	}
	c, ok := f.clients[id]
	if !ok {
		return chat.Client{}, fmt.Errorf("client %q: %w", id, chat.ErrNotFound)
	}
	return c, nil
}

func (f *fakeLookup) License(_ context.Context, id int) (chat.License, error) {
	if f.err != nil {
		return chat.License{}, f.err
	}
	l, ok := f.licenses[id]
	if !ok {
		return chat.License{}, fmt.Errorf("license %d: %w", id, chat.ErrNotFound)
	}
	return l, nil
}

func (f *fakeLookup) LicenseByOrganization(_ context.Context, id string) (chat.License, error) {
	if f.err != nil {
		return chat.License{}, f.err
	}
	for _, l := range f.licenses {
		if l.OrganizationID == id {
			return l, nil
		}
	}
	return chat.License{}, fmt.Errorf("organization %q: %w", id, chat.ErrNotFound)
}

var _ Lookup = chat.Store(nil)

const (
	org123       = "3d1f0c2e-7a4b-4c59-8e6d-1b2a3c4d5e6f"
	org456       = "9a8b7c6d-5e4f-4321-9fed-cba987654321"
	widgetURI    = "https://widget.conformance.test/index.html"
	widgetOrigin = "https://widget.conformance.test"
	authState    = "@livechat/customer-auth"
)

func newFakeLookup() *fakeLookup {
	return &fakeLookup{
		clients: map[string]chat.Client{
			"abc": {ID: "abc", LicenseID: 123, RedirectOrigins: []string{widgetOrigin, "https://shop.example", "http://localhost:8080",
				"http://h", "https://only-redirect.test", "https://pm.test", "https://[::1]:8443", "https://x"}},
			"restricted": {ID: "restricted", LicenseID: 123, RedirectOrigins: []string{"https://shop.example", "http://LOCALHOST:8080"}},
			"broken":     {ID: "broken", LicenseID: 123, RedirectOrigins: []string{"not a url"}},
			"orphan":     {ID: "orphan", LicenseID: 999},
			"other":      {ID: "other", LicenseID: 456, RedirectOrigins: []string{widgetOrigin}},
		},
		licenses: map[int]chat.License{
			123: {ID: 123, Name: "one", OrganizationID: org123},
			456: {ID: 456, Name: "two", OrganizationID: org456},
		},
	}
}

func newTestAccounts(t *testing.T) (*Accounts, *fakeLookup) {
	t.Helper()
	store := newFakeLookup()
	var n atomic.Int64
	return &Accounts{
		Store:         store,
		Signer:        testSigner(t),
		Now:           func() time.Time { return t0 },
		NewCustomerID: func() string { return fmt.Sprintf("customer-%d", n.Add(1)) },
	}, store
}

// pageQuery is the query the SDK's iframe sends.
func pageQuery(license, clientID, redirect string) url.Values {
	return url.Values{
		"license_id":       {license},
		"flow":             {"button"},
		"response_type":    {"token"},
		"client_id":        {clientID},
		"redirect_uri":     {redirect},
		"post_message_uri": {redirect},
		"state":            {authState},
	}
}

func getPage(t *testing.T, h http.Handler, path string, q url.Values, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("GET", "https://accounts.livechatinc.com"+path+"?"+q.Encode(), nil)
	r.TLS = &tls.ConnectionState{}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// parsePage checks the page's structure and headers and returns the posted
// object and the target origin.
func parsePage(t *testing.T, w *httptest.ResponseRecorder) (map[string]any, string) {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Fatalf("Content-Type = %q", ct)
	}
	if v := w.Header().Get("X-Content-Type-Options"); v != "nosniff" {
		t.Fatalf("X-Content-Type-Options = %q", v)
	}
	body := w.Body.String()
	if n := strings.Count(strings.ToLower(body), "<script"); n != 1 {
		t.Fatalf("%d script tags in %s", n, body)
	}
	if n := strings.Count(strings.ToLower(body), "</script"); n != 1 {
		t.Fatalf("%d script end tags in %s", n, body)
	}
	_, rest, ok := strings.Cut(body, "<script>")
	if !ok {
		t.Fatalf("no plain <script> in %s", body)
	}
	script, _, _ := strings.Cut(rest, "</script>")

	// The CSP allows exactly this script.
	sum := sha256.Sum256([]byte(script))
	want := "script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, want) || !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("CSP = %q, want it to contain %q", csp, want)
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP allows inline scripts: %q", csp)
	}

	args, ok := strings.CutPrefix(script, "parent.postMessage(")
	if !ok {
		t.Fatalf("script = %q", script)
	}
	args, ok = strings.CutSuffix(args, ");")
	if !ok {
		t.Fatalf("script = %q", script)
	}
	d := json.NewDecoder(strings.NewReader(args))
	d.UseNumber()
	var obj map[string]any
	if err := d.Decode(&obj); err != nil {
		t.Fatalf("message object in %q: %v", script, err)
	}
	tail, ok := strings.CutPrefix(strings.TrimSpace(args[d.InputOffset():]), ",")
	if !ok {
		t.Fatalf("no target origin in %q", script)
	}
	var target string
	if err := json.Unmarshal([]byte(tail), &target); err != nil {
		t.Fatalf("target origin %q: %v", tail, err)
	}
	return obj, target
}

func cookieOf(t *testing.T, w *httptest.ResponseRecorder) *http.Cookie {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == CookieName {
			return c
		}
	}
	t.Fatalf("no %s cookie set; headers %v", CookieName, w.Header())
	return nil
}

func TestPageSuccess(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	for _, path := range []string{"/customer", "/licence/g123_0/customer", "/licence/g123_7/customer"} {
		t.Run(path, func(t *testing.T) {
			w := getPage(t, h, path, pageQuery("123", "abc", widgetURI))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			obj, target := parsePage(t, w)
			if target != widgetOrigin {
				t.Errorf("target origin = %q", target)
			}
			if len(obj) != 5 {
				t.Errorf("object has fields %v", obj)
			}
			if obj["token_type"] != "Bearer" || obj["state"] != authState {
				t.Errorf("object = %v", obj)
			}
			if obj["expires_in"] != json.Number("28800") {
				t.Errorf("expires_in = %#v", obj["expires_in"])
			}
			entity, _ := obj["entity_id"].(string)
			tok, _ := obj["access_token"].(string)
			c, err := a.Signer.Verify(tok, t0.Add(time.Minute))
			if err != nil {
				t.Fatalf("token does not verify: %v", err)
			}
			if c.Kind != KindCustomer || c.Subject != entity || entity == "" || c.LicenseID != 123 {
				t.Errorf("claims = %+v, entity_id %q", c, entity)
			}
			if !c.ExpiresAt.Equal(t0.Add(8 * time.Hour)) {
				t.Errorf("expires at %v", c.ExpiresAt)
			}
			if _, err := a.Signer.Verify(tok, t0.Add(8*time.Hour)); !errors.Is(err, ErrTokenExpired) {
				t.Errorf("token still valid after 8h: %v", err)
			}

			ck := cookieOf(t, w)
			if !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteNoneMode || ck.Path != "/" || ck.MaxAge != 2*365*24*3600 {
				t.Errorf("cookie = %+v", ck)
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q", cc)
			}
		})
	}
}

func TestPageTargetOrigin(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	for _, tc := range []struct{ postMessage, redirect, want string }{
		{"https://Shop.Example:443/a/b?q=1#h", "https://shop.example/x", "https://shop.example"},
		{"http://localhost:8080/", "http://localhost:8080/", "http://localhost:8080"},
		{"http://h:80/p", "http://h/p", "http://h"},
		{"", "https://only-redirect.test/page", "https://only-redirect.test"},
		{"https://pm.test/", "", "https://pm.test"},
		{"https://[::1]:8443/p", "", "https://[::1]:8443"},
	} {
		q := pageQuery("123", "abc", tc.redirect)
		q.Set("post_message_uri", tc.postMessage)
		w := getPage(t, h, "/customer", q)
		obj, target := parsePage(t, w)
		if w.Code != http.StatusOK || target != tc.want {
			t.Errorf("%+v: status %d, target %q, object %v", tc, w.Code, target, obj)
		}
	}
}

func TestPageInjection(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	hostile := `https://x/"</script><script>alert(1)</script>`
	evilState := `"</script><script>alert(2)</script><!--` + "\u2028'"

	q := pageQuery("123", "abc", hostile)
	q.Set("state", evilState)
	w := getPage(t, h, "/customer", q)
	obj, target := parsePage(t, w) // exactly one script, allowed by hash
	if target != "https://x" {
		t.Errorf("target = %q", target)
	}
	if obj["state"] != evilState || obj["access_token"] == nil {
		t.Errorf("object = %v", obj)
	}
	if strings.Contains(w.Body.String(), "alert") && !strings.Contains(w.Body.String(), `\u003c/script\u003e\u003cscript\u003ealert(2)`) {
		t.Errorf("state not escaped: %s", w.Body)
	}

	// Hostile values in every parameter, on the error path too.
	for _, key := range []string{"client_id", "license_id", "redirect_uri", "post_message_uri", "response_type", "state"} {
		q := pageQuery("123", "abc", widgetURI)
		q.Set(key, `</script><script>alert(3)</script>`)
		w := getPage(t, h, "/customer", q)
		obj, _ := parsePage(t, w)
		if key != "state" && obj["access_token"] != nil {
			t.Errorf("%s: token issued: %v", key, obj)
		}
	}
	w = getPage(t, h, "/licence/g123_%3C%2Fscript%3E/customer", pageQuery("123", "abc", widgetURI))
	if obj, _ := parsePage(t, w); obj["oauth_exception"] != CodeInvalidRequest {
		t.Errorf("hostile path segment: %v", obj)
	}
}

func TestPageCookieIdentity(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	q := pageQuery("123", "abc", widgetURI)

	w1 := getPage(t, h, "/customer", q)
	o1, _ := parsePage(t, w1)
	c1 := cookieOf(t, w1)

	// Returning customer: same id, cookie renewed.
	w2 := getPage(t, h, "/customer", q, c1)
	o2, _ := parsePage(t, w2)
	if o2["entity_id"] != o1["entity_id"] {
		t.Fatalf("returning customer got %v, first %v", o2["entity_id"], o1["entity_id"])
	}
	if c2 := cookieOf(t, w2); c2.MaxAge != cookieMaxAge {
		t.Errorf("cookie not renewed: %+v", c2)
	}

	// Without the cookie: a new customer.
	w3 := getPage(t, h, "/customer", q)
	if o3, _ := parsePage(t, w3); o3["entity_id"] == o1["entity_id"] {
		t.Fatalf("new visitor got the same id %v", o3["entity_id"])
	}

	newID := func(t *testing.T, c *http.Cookie) {
		t.Helper()
		w := getPage(t, h, "/customer", q, c)
		o, _ := parsePage(t, w)
		if o["entity_id"] == o1["entity_id"] || o["entity_id"] == "" {
			t.Errorf("cookie %q kept id %v", c.Value, o["entity_id"])
		}
	}
	t.Run("forged", func(t *testing.T) {
		p, mac, _ := strings.Cut(c1.Value, ".")
		raw, _ := base64.RawURLEncoding.DecodeString(p)
		forged := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), "customer-1", "customer-9", 1)))
		newID(t, &http.Cookie{Name: CookieName, Value: forged + "." + mac})
		newID(t, &http.Cookie{Name: CookieName, Value: "customer-1"})
		newID(t, &http.Cookie{Name: CookieName, Value: c1.Value + "x"})
		// A token is not a cookie.
		tok, _ := o1["access_token"].(string)
		newID(t, &http.Cookie{Name: CookieName, Value: tok})
	})
	t.Run("other license", func(t *testing.T) {
		w := getPage(t, h, "/customer", pageQuery("456", "other", widgetURI), c1)
		o, _ := parsePage(t, w)
		if o["entity_id"] == o1["entity_id"] {
			t.Fatalf("license 456 reused the customer of 123")
		}
		c456 := cookieOf(t, w)
		newID(t, c456)
		// Back on 456 the cookie of 456 keeps its own id.
		w = getPage(t, h, "/customer", pageQuery("456", "other", widgetURI), c456)
		if o2, _ := parsePage(t, w); o2["entity_id"] != o["entity_id"] {
			t.Errorf("456 identity lost: %v vs %v", o2["entity_id"], o["entity_id"])
		}
	})
}

func TestCookieAttributesWithoutTLS(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	for _, tc := range []struct {
		proto  string
		secure bool
	}{{"", false}, {"http", false}, {"https", true}, {"HTTPS, http", true}} {
		r := httptest.NewRequest("GET", "http://accounts.test/customer?"+pageQuery("123", "abc", widgetURI).Encode(), nil)
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		c := cookieOf(t, w)
		wantSameSite := http.SameSiteLaxMode
		if tc.secure {
			wantSameSite = http.SameSiteNoneMode
		}
		if c.Secure != tc.secure || c.SameSite != wantSameSite || !c.HttpOnly {
			t.Errorf("X-Forwarded-Proto %q: cookie %+v", tc.proto, c)
		}
	}
}

// errorCases cover every error code; query/body fields are edited from a
// valid request.
var errorCases = []struct {
	name   string
	edit   map[string]string // "" value deletes the field
	path   string
	kind   string
	code   string
	status int
}{
	{"response_type missing", map[string]string{"response_type": ""}, "", "oauth_exception", CodeInvalidRequest, 400},
	{"response_type code", map[string]string{"response_type": "code"}, "", "oauth_exception", CodeUnsupportedResponseType, 400},
	{"client_id missing", map[string]string{"client_id": ""}, "", "oauth_exception", CodeInvalidClient, 401},
	{"client unknown", map[string]string{"client_id": "nope"}, "", "oauth_exception", CodeInvalidClient, 401},
	{"client id with U+0000", map[string]string{"client_id": "abc\x00"}, "", "oauth_exception", CodeInvalidClient, 401},
	{"license_id missing", map[string]string{"license_id": ""}, "", "oauth_exception", CodeInvalidRequest, 400},
	{"license_id not a number", map[string]string{"license_id": "abc"}, "", "oauth_exception", CodeInvalidRequest, 400},
	{"license_id negative", map[string]string{"license_id": "-5"}, "", "oauth_exception", CodeInvalidRequest, 400},
	{"license_id fraction", map[string]string{"license_id": "1.5"}, "", "oauth_exception", CodeInvalidRequest, 400},
	{"licence path of another license", nil, "/licence/g456_0", "oauth_exception", CodeInvalidRequest, 400},
	{"licence path malformed", nil, "/licence/123_0", "oauth_exception", CodeInvalidRequest, 400},
	{"licence path without group", nil, "/licence/g123", "oauth_exception", CodeInvalidRequest, 400},
	{"redirect_uri not a URL", map[string]string{"redirect_uri": "javascript:alert(1)"}, "", "oauth_exception", CodeInvalidRequest, 400},
	{"redirect_uri relative", map[string]string{"redirect_uri": "/index.html"}, "", "oauth_exception", CodeInvalidRequest, 400},
	{"client of another license", map[string]string{"client_id": "other"}, "", "identity_exception", CodeLicenseNotFound, 400},
	{"license unknown", map[string]string{"client_id": "orphan", "license_id": "999"}, "", "identity_exception", CodeLicenseNotFound, 400},
	{"redirect_uri not allowed", map[string]string{"client_id": "restricted"}, "", "oauth_exception", CodeRedirectURIMismatch, 400},
	{"only unusable origins", map[string]string{"client_id": "broken"}, "", "oauth_exception", CodeRedirectURIMismatch, 400},
}

func TestPageErrors(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			q := pageQuery("123", "abc", widgetURI)
			for k, v := range tc.edit {
				if k == "redirect_uri" {
					q.Set("post_message_uri", v)
				}
				if v == "" {
					q.Del(k)
				} else {
					q.Set(k, v)
				}
			}
			w := getPage(t, h, tc.path+"/customer", q)
			obj, target := parsePage(t, w)
			if w.Code != tc.status || obj[tc.kind] != tc.code || obj["state"] != authState || len(obj) != 2 {
				t.Errorf("status %d, object %v; want %d {%s: %s}", w.Code, obj, tc.status, tc.kind, tc.code)
			}
			wantTarget := widgetOrigin
			if tc.edit["redirect_uri"] != "" {
				wantTarget = "*"
			}
			if target != wantTarget {
				t.Errorf("target = %q, want %q", target, wantTarget)
			}
			if len(w.Result().Cookies()) != 0 {
				t.Errorf("cookie set on error")
			}
		})
	}
	t.Run("no target at all", func(t *testing.T) {
		q := pageQuery("123", "abc", widgetURI)
		q.Del("redirect_uri")
		q.Del("post_message_uri")
		obj, target := parsePage(t, getPage(t, h, "/customer", q))
		if obj["oauth_exception"] != CodeInvalidRequest || target != "*" {
			t.Errorf("object %v, target %q", obj, target)
		}
	})
	t.Run("post_message_uri not allowed", func(t *testing.T) {
		q := pageQuery("123", "restricted", "https://shop.example/p")
		q.Set("post_message_uri", "https://evil.example/")
		obj, target := parsePage(t, getPage(t, h, "/customer", q))
		if obj["oauth_exception"] != CodeRedirectURIMismatch || obj["access_token"] != nil || target != "https://evil.example" {
			t.Errorf("object %v, target %q", obj, target)
		}
	})
	t.Run("allowed origins", func(t *testing.T) {
		for _, u := range []string{"https://shop.example/p", "https://SHOP.example:443/", "http://localhost:8080/x"} {
			obj, _ := parsePage(t, getPage(t, h, "/customer", pageQuery("123", "restricted", u)))
			if obj["access_token"] == nil {
				t.Errorf("%s: %v", u, obj)
			}
		}
	})
	t.Run("store failure", func(t *testing.T) {
		a, store := newTestAccounts(t)
		store.err = errors.New("disk on fire")
		a.Logger = discardLogger()
		w := getPage(t, a.Handler(), "/customer", pageQuery("123", "abc", widgetURI))
		obj, _ := parsePage(t, w)
		if w.Code != 500 || obj["oauth_exception"] != CodeServerError {
			t.Errorf("status %d, object %v", w.Code, obj)
		}
	})
}

func postToken(t *testing.T, h http.Handler, path, body, origin string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", "https://accounts.livechatinc.com"+path, strings.NewReader(body))
	r.TLS = &tls.ConnectionState{}
	r.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func tokenBody(edit map[string]any) string {
	m := map[string]any{
		"response_type": "token",
		"grant_type":    "cookie",
		"client_id":     "abc",
		"license_id":    123,
		"redirect_uri":  widgetURI,
	}
	for k, v := range edit {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func decodeJSON(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type = %q", ct)
	}
	var m map[string]any
	d := json.NewDecoder(w.Body)
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		t.Fatalf("body: %v", err)
	}
	return m
}

func checkCORS(t *testing.T, w *httptest.ResponseRecorder, origin string) {
	t.Helper()
	if got := w.Header().Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, origin)
	}
	if got := w.Header().Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("Access-Control-Allow-Credentials = %q", got)
	}
	if !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Origin") {
		t.Errorf("no Vary: Origin")
	}
}

func TestTokenPost(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	for _, path := range []string{"/customer/token", "/licence/g123_2/customer/token"} {
		w := postToken(t, h, path, tokenBody(nil), widgetOrigin)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", path, w.Code, w.Body)
		}
		checkCORS(t, w, widgetOrigin)
		m := decodeJSON(t, w)
		if m["token_type"] != "Bearer" || m["expires_in"] != json.Number("28800") || m["client_id"] != "abc" {
			t.Errorf("%s: body %v", path, m)
		}
		tok, _ := m["access_token"].(string)
		c, err := a.Signer.Verify(tok, t0)
		if err != nil || c.Subject != m["entity_id"] || c.Kind != KindCustomer || c.LicenseID != 123 {
			t.Errorf("%s: claims %+v, %v", path, c, err)
		}
		cookieOf(t, w)
	}

	t.Run("returning customer", func(t *testing.T) {
		w1 := postToken(t, h, "/customer/token", tokenBody(nil), widgetOrigin)
		m1 := decodeJSON(t, w1)
		w2 := postToken(t, h, "/customer/token", tokenBody(nil), widgetOrigin, cookieOf(t, w1))
		if m2 := decodeJSON(t, w2); m2["entity_id"] != m1["entity_id"] {
			t.Errorf("ids %v, %v", m1["entity_id"], m2["entity_id"])
		}
		// The iframe flow shares the identity.
		obj, _ := parsePage(t, getPage(t, h, "/customer", pageQuery("123", "abc", widgetURI), cookieOf(t, w2)))
		if obj["entity_id"] != m1["entity_id"] {
			t.Errorf("page gave %v, XHR %v", obj["entity_id"], m1["entity_id"])
		}
	})

	t.Run("license_id as string", func(t *testing.T) {
		w := postToken(t, h, "/customer/token", tokenBody(map[string]any{"license_id": "123"}), widgetOrigin)
		if w.Code != 200 {
			t.Errorf("status %d: %s", w.Code, w.Body)
		}
	})

	t.Run("without Origin", func(t *testing.T) {
		w := postToken(t, h, "/customer/token", tokenBody(nil), "")
		if w.Code != 200 {
			t.Errorf("status %d: %s", w.Code, w.Body)
		}
		if v := w.Header().Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("Access-Control-Allow-Origin = %q without Origin", v)
		}
	})

	t.Run("null origin not echoed", func(t *testing.T) {
		w := postToken(t, h, "/customer/token", tokenBody(nil), "null")
		if v := w.Header().Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("Access-Control-Allow-Origin = %q", v)
		}
	})
}

func TestTokenPostErrors(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	// Errors are readable by the page only once the client is known and
	// lists the page's origin.
	run := func(t *testing.T, body, path, origin, kind, code string, status int, cors bool) {
		t.Helper()
		w := postToken(t, h, path, body, origin)
		if cors {
			checkCORS(t, w, origin)
		} else if v := w.Header().Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("Access-Control-Allow-Origin = %q on an error for an origin not known to be allowed", v)
		}
		m := decodeJSON(t, w)
		if w.Code != status || m[kind] != code || len(m) != 1 {
			t.Errorf("status %d, body %v; want %d {%s: %s}", w.Code, m, status, kind, code)
		}
		if len(w.Result().Cookies()) != 0 {
			t.Errorf("cookie set on error")
		}
	}
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			edit := map[string]any{}
			for k, v := range tc.edit {
				if v == "" {
					edit[k] = nil
				} else if k == "license_id" && v == "999" {
					edit[k] = 999
				} else {
					edit[k] = v
				}
			}
			run(t, tokenBody(edit), tc.path+"/customer/token", widgetOrigin, tc.kind, tc.code, tc.status, tc.name == "client of another license")
		})
	}
	for name, tc := range map[string]struct {
		body, origin, kind, code string
		status                   int
	}{
		"not JSON":            {"license_id=123", widgetOrigin, "oauth_exception", CodeInvalidRequest, 400},
		"license_id float":    {tokenBody(map[string]any{"license_id": 123.5}), widgetOrigin, "oauth_exception", CodeInvalidRequest, 400},
		"license_id bool":     {tokenBody(map[string]any{"license_id": true}), widgetOrigin, "oauth_exception", CodeInvalidRequest, 400},
		"client_id number":    {tokenBody(map[string]any{"client_id": 5}), widgetOrigin, "oauth_exception", CodeInvalidRequest, 400},
		"grant_type missing":  {tokenBody(map[string]any{"grant_type": nil}), widgetOrigin, "oauth_exception", CodeInvalidRequest, 400},
		"grant_type password": {tokenBody(map[string]any{"grant_type": "password"}), widgetOrigin, "oauth_exception", CodeUnsupportedGrantType, 400},
		"origin not allowed": {tokenBody(map[string]any{"client_id": "restricted", "redirect_uri": "https://shop.example/"}),
			"https://evil.example", "oauth_exception", CodeUnauthorizedClient, 403},
		"origin not allowed, without redirect_uri": {tokenBody(map[string]any{"redirect_uri": nil}),
			"https://evil.example", "oauth_exception", CodeUnauthorizedClient, 403},
		"origin the client does not list": {tokenBody(map[string]any{"client_id": "other", "license_id": 456, "redirect_uri": nil}),
			"https://shop.example", "oauth_exception", CodeUnauthorizedClient, 403},
		"no origin at all": {tokenBody(map[string]any{"redirect_uri": nil}),
			"", "oauth_exception", CodeRedirectURIMismatch, 400},
		"no origin at all for a restricted client": {tokenBody(map[string]any{"client_id": "restricted", "redirect_uri": nil}),
			"", "oauth_exception", CodeRedirectURIMismatch, 400},
		"too large": {tokenBody(map[string]any{"pad": strings.Repeat("x", maxBodyBytes)}), widgetOrigin, "oauth_exception", CodeInvalidRequest, 400},
	} {
		t.Run(name, func(t *testing.T) { run(t, tc.body, "/customer/token", tc.origin, tc.kind, tc.code, tc.status, false) })
	}
	t.Run("allowed origin", func(t *testing.T) {
		for _, body := range []string{
			tokenBody(map[string]any{"client_id": "restricted", "redirect_uri": "https://shop.example/cart"}),
			tokenBody(map[string]any{"client_id": "restricted", "redirect_uri": nil}),
		} {
			w := postToken(t, h, "/customer/token", body, "https://shop.example")
			if w.Code != 200 {
				t.Errorf("status %d: %s", w.Code, w.Body)
			}
			checkCORS(t, w, "https://shop.example")
		}
	})
	t.Run("the server's own origins", func(t *testing.T) {
		a, _ := newTestAccounts(t)
		a.PublicURL = "https://chat.example/base"
		h := a.Handler()
		// postToken sends to https://accounts.livechatinc.com.
		for _, origin := range []string{"https://accounts.livechatinc.com", "https://chat.example"} {
			body := tokenBody(map[string]any{"client_id": "other", "license_id": 456, "redirect_uri": origin + "/page"})
			w := postToken(t, h, "/customer/token", body, origin)
			if w.Code != 200 {
				t.Errorf("%s: status %d: %s", origin, w.Code, w.Body)
			}
			checkCORS(t, w, origin)
		}
		// Over plain HTTP the own origin is http://…, not https://….
		r := httptest.NewRequest("POST", "http://accounts.test/customer/token",
			strings.NewReader(tokenBody(map[string]any{"client_id": "other", "license_id": 456, "redirect_uri": nil})))
		r.Header.Set("Origin", "https://accounts.test")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden {
			t.Errorf("https origin on an http server: status %d: %s", w.Code, w.Body)
		}
	})
}

func TestTokenPreflight(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	for _, path := range []string{"/customer/token", "/licence/g123_0/customer/token"} {
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
			t.Errorf("Access-Control-Allow-Methods = %q", m)
		}
		if hd := w.Header().Get("Access-Control-Allow-Headers"); !strings.EqualFold(hd, "content-type") {
			t.Errorf("Access-Control-Allow-Headers = %q", hd)
		}
	}
}

func TestOriginOf(t *testing.T) {
	for in, want := range map[string]string{
		"https://a.b/c":            "https://a.b",
		"HTTPS://A.B:443":          "https://a.b",
		"http://a.b:8080/x?y#z":    "http://a.b:8080",
		"http://a.b:0080/":         "http://a.b",
		"http://a.b:08080/":        "http://a.b:8080",
		"https://user:pw@a.b/":     "https://a.b",
		"http://127.0.0.1:3000":    "http://127.0.0.1:3000",
		"http://[::1]/":            "http://[::1]",
		"https://[0:0::1]:443/":    "https://[::1]",
		"https://x/\"</script><x>": "https://x",
	} {
		if got, ok := originOf(in); !ok || got != want {
			t.Errorf("originOf(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "null", "/x", "//a.b/", "ftp://a.b/", "javascript:alert(1)", "https://", "https://a b/",
		"https://a.b:99999/", "https://a\"b/", "https://[fe80::1%25eth0]/", "data:text/html,x"} {
		if got, ok := originOf(in); ok {
			t.Errorf("originOf(%q) = %q, true", in, got)
		}
	}
}

func TestAccountsHandlerNeedsDependencies(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	(&Accounts{}).Handler()
}

func TestDefaultCustomerIDIsUUID(t *testing.T) {
	a, _ := newTestAccounts(t)
	a.NewCustomerID = nil
	obj, _ := parsePage(t, getPage(t, a.Handler(), "/customer", pageQuery("123", "abc", widgetURI)))
	id, _ := obj["entity_id"].(string)
	if len(id) != 36 || id[14] != '4' {
		t.Errorf("entity_id %q is not a v4 UUID", id)
	}
}

// TestTokenPostTooDeep: a token request nested past protocol.MaxDepth is
// refused, even when every field it needs is right.
func TestTokenPostTooDeep(t *testing.T) {
	a, _ := newTestAccounts(t)
	h := a.Handler()
	for depth, want := range map[int]int{protocol.MaxDepth - 1: http.StatusOK, protocol.MaxDepth: http.StatusBadRequest} {
		deep := json.RawMessage(strings.Repeat("[", depth) + strings.Repeat("]", depth))
		w := postToken(t, h, "/customer/token", tokenBody(map[string]any{"x": deep}), widgetOrigin)
		if w.Code != want {
			t.Errorf("body nested %d levels: status %d, want %d: %s", depth+1, w.Code, want, w.Body)
		}
	}
}

func TestRedirectURIAllowed(t *testing.T) {
	list := []string{"https://shop.example/chat/", "https://shop.example/help"}
	for _, tc := range []struct {
		list []string
		uri  string
		want bool
	}{
		{nil, "https://anything.example/x", true},
		{list, "https://shop.example/chat/", true},
		{list, "https://shop.example/chat/page?x=1", true},
		{list, "https://shop.example/help", true},
		{list, "https://shop.example/help/more", false}, // no trailing slash: exact only
		{list, "https://shop.example/", false},
		{list, "https://shop.example/chat", false},
		{list, "https://shop.example.evil.example/chat/", false},
	} {
		if got := redirectURIAllowed(tc.list, tc.uri); got != tc.want {
			t.Errorf("redirectURIAllowed(%v, %q) = %v, want %v", tc.list, tc.uri, got, tc.want)
		}
	}
}
