package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/server/chat"
)

const (
	shopOrigin = "https://shop.example"
	evilOrigin = "https://evil.example"
)

// tokenCall is one answer of POST /customer/token.
type tokenCall struct {
	status  int
	header  http.Header
	body    map[string]any
	cookies []*http.Cookie
}

// postToken asks for a customer token as the customer-auth library does
// (text/plain, with the browser's cookies), from a page of origin ("" for
// none), with extra request headers.
func postToken(t *testing.T, base string, license int, clientID, origin string, cookies []*http.Cookie, extra http.Header) tokenCall {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"response_type": "token", "grant_type": "cookie", "client_id": clientID, "license_id": license})
	req, _ := http.NewRequest(http.MethodPost, base+"/customer/token", bytes.NewReader(body))
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	for k, v := range extra {
		req.Header[k] = v
	}
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

// refused checks that a page of another origin got nothing: no token, no
// identity cookie, and no CORS header that would let it read the answer.
func (c tokenCall) refused(t *testing.T, what string) {
	t.Helper()
	if c.status != http.StatusForbidden || c.body["oauth_exception"] != "unauthorized_client" {
		t.Errorf("%s: status %d, body %v; want 403 unauthorized_client", what, c.status, c.body)
	}
	if c.body["access_token"] != nil || len(c.cookies) != 0 {
		t.Errorf("%s: got a token or a cookie: %v, %v", what, c.body, c.cookies)
	}
	if v := c.header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("%s: Access-Control-Allow-Origin %q", what, v)
	}
}

// granted checks that the page of origin got a token it can read.
func (c tokenCall) granted(t *testing.T, what, origin string) {
	t.Helper()
	if c.status != http.StatusOK || c.body["access_token"] == nil {
		t.Fatalf("%s: status %d, body %v; want a token", what, c.status, c.body)
	}
	if v := c.header.Get("Access-Control-Allow-Origin"); v != origin {
		t.Errorf("%s: Access-Control-Allow-Origin %q, want %q", what, v, origin)
	}
	if v := c.header.Get("Access-Control-Allow-Credentials"); v != "true" {
		t.Errorf("%s: Access-Control-Allow-Credentials %q", what, v)
	}
}

// TestCustomerTokenOnlyForAllowedOrigins is the attack of a foreign page on
// a visitor of the chat: with the visitor's identity cookie, it asks for
// the visitor's token by XHR or frames the token page with itself as the
// target. Only the server's own pages and the sites the client lists get
// tokens.
func TestCustomerTokenOnlyForAllowedOrigins(t *testing.T) {
	srv := parleytest.NewServer(t, func(c *server.Config) { c.Demo.Origins = []string{shopOrigin} })

	own := postToken(t, srv.URL, srv.License, srv.ClientID, srv.URL, nil, nil)
	own.granted(t, "the server's own page", srv.URL)
	visitor := own.cookies
	if len(visitor) == 0 {
		t.Fatal("no identity cookie")
	}
	id := own.body["entity_id"]

	postToken(t, srv.URL, srv.License, srv.ClientID, evilOrigin, visitor, nil).refused(t, "XHR from another site")
	// Headers that only a proxy may set do not make the request the
	// server's own when no proxy is trusted.
	spoof := http.Header{"X-Forwarded-Host": {"evil.example"}, "X-Forwarded-Proto": {"https"}}
	postToken(t, srv.URL, srv.License, srv.ClientID, evilOrigin, visitor, spoof).refused(t, "XHR with forged X-Forwarded-Host")

	shop := postToken(t, srv.URL, srv.License, srv.ClientID, shopOrigin, visitor, nil)
	shop.granted(t, "a listed site", shopOrigin)
	if shop.body["entity_id"] != id {
		t.Errorf("the listed site got customer %v, want the visitor %v", shop.body["entity_id"], id)
	}

	// The iframe flow: the page posts the token only to an allowed window.
	page := func(target string) string {
		t.Helper()
		q := url.Values{"license_id": {strconv.Itoa(srv.License)}, "client_id": {srv.ClientID}, "response_type": {"token"},
			"redirect_uri": {target}, "post_message_uri": {target}, "state": {"s"}}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/customer?"+q.Encode(), nil)
		for _, c := range visitor {
			req.AddCookie(c)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if p := page(evilOrigin + "/steal"); strings.Contains(p, "access_token") || !strings.Contains(p, "redirect_uri_mismatch") {
		t.Errorf("token page for another site: %s", p)
	}
	if p := page(shopOrigin + "/"); !strings.Contains(p, "access_token") {
		t.Errorf("token page for a listed site: %s", p)
	}
}

// TestTrustedProxy serves behind a proxy on loopback that terminates TLS
// for chat.example: its X-Forwarded-* headers make the server's origin
// https://chat.example, and the Secure cookie follows.
func TestTrustedProxy(t *testing.T) {
	srv := parleytest.NewServer(t, func(c *server.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	viaProxy := http.Header{"X-Forwarded-Host": {"chat.example"}, "X-Forwarded-Proto": {"https"}, "X-Forwarded-For": {"203.0.113.9"}}
	c := postToken(t, srv.URL, srv.License, srv.ClientID, "https://chat.example", nil, viaProxy)
	c.granted(t, "the proxied origin", "https://chat.example")
	if len(c.cookies) != 1 || !c.cookies[0].Secure || c.cookies[0].SameSite != http.SameSiteNoneMode {
		t.Errorf("cookie behind a TLS proxy: %+v", c.cookies)
	}
	// The proxy said http: the https page of that host is another origin.
	plain := http.Header{"X-Forwarded-Host": {"chat.example"}, "X-Forwarded-Proto": {"http"}}
	postToken(t, srv.URL, srv.License, srv.ClientID, "https://chat.example", nil, plain).refused(t, "https page, http proxy")
}

// upload sends a file to a chat with a forged Host header and returns the
// file URL the server answers.
func uploadWithHost(t *testing.T, base, host, token, chatID string, license int) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("payload.chat_id", chatID)
	fw, _ := mw.CreateFormFile("payload.file", "a.txt")
	_, _ = fw.Write([]byte("hello"))
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/v3.0/customer/action/send_file?license_id="+strconv.Itoa(license), &body)
	req.Host = host
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		Payload struct {
			URL string `json:"url"`
		} `json:"payload"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: status %d, %v", resp.StatusCode, err)
	}
	return m.Payload.URL
}

// startChatFor starts a chat for a new customer through the chat service.
func startChatFor(t *testing.T, svc *chat.Service, license int, customerID string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := svc.LoginCustomer(ctx, license, customerID, chat.LoginInfo{}); err != nil {
		t.Fatal(err)
	}
	c, _, err := svc.StartChat(ctx, chat.Actor{LicenseID: license, UserID: customerID, Type: chat.UserCustomer}, chat.StartChat{})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// TestFileLinksIgnoreHost: a client that sends another Host cannot make the
// server hand out links to its own site. Links are built on the public URL,
// or relative without one.
func TestFileLinksIgnoreHost(t *testing.T) {
	t.Run("public URL", func(t *testing.T) {
		srv := parleytest.NewServer(t, func(c *server.Config) { c.PublicURL = "https://chat.example/" })
		chatID := startChatFor(t, srv.Service(), srv.License, "linker")
		got := uploadWithHost(t, srv.URL, "evil.example", srv.CustomerToken(t, "linker"), chatID, srv.License)
		if !strings.HasPrefix(got, "https://chat.example/files/") {
			t.Errorf("file URL %q, want it on https://chat.example/files/", got)
		}
	})
	t.Run("relative", func(t *testing.T) {
		ctx := context.Background()
		srv, err := server.New(ctx, server.Config{DataDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler), Demo: server.Demo{AgentPassword: "x"}})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv.Handler())
		defer func() {
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			ts.Close()
			_ = srv.Shutdown(sctx)
		}()
		license := srv.Demo().License
		chatID := startChatFor(t, srv.Service(), license, "linker")
		tok, err := srv.IssueCustomerToken(license, "linker", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		got := uploadWithHost(t, ts.URL, "evil.example", tok, chatID, license)
		if !strings.HasPrefix(got, "/files/"+strconv.Itoa(license)+"/") {
			t.Errorf("file URL %q, want a relative /files/… link", got)
		}
		resp, err := http.Get(ts.URL + got)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(b) != "hello" {
			t.Errorf("GET %s: %d %q", got, resp.StatusCode, b)
		}
	})
}
