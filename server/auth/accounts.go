package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/internal/limit"
)

// DefaultCustomerTokenTTL is the lifetime of a customer token when
// Accounts.TokenTTL is zero (28800 s, as LiveChat).
const DefaultCustomerTokenTTL = 8 * time.Hour

// CookieName is the identity cookie of the customer accounts endpoints.
const CookieName = "__lc_cid"

// cookieMaxAge is two years, in seconds.
const cookieMaxAge = 2 * 365 * 24 * 60 * 60

// maxBodyBytes bounds the JSON body of POST …/customer/token and of the
// agent login.
const maxBodyBytes = 16 << 10

// readJSON decodes the request's JSON body into v: at most maxBodyBytes,
// nested at most protocol.MaxDepth levels.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return err
	}
	if err := protocol.CheckDepth(data); err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

// Lookup is what Accounts reads from the store. chat.Store satisfies it.
type Lookup interface {
	Client(ctx context.Context, id string) (chat.Client, error)
	License(ctx context.Context, id int) (chat.License, error)
	// LicenseByOrganization is given canonical ids only.
	LicenseByOrganization(ctx context.Context, organizationID string) (chat.License, error)
}

// Accounts serves the customer token endpoints of the accounts host (see the
// package documentation). The zero values of the optional fields are usable.
type Accounts struct {
	Store  Lookup
	Signer *Signer
	// PublicURL is the server's public base URL ("https://chat.example.com").
	// Its origin may get tokens of every client, as may the origin the
	// request itself was sent to. Empty: only the latter.
	PublicURL string
	// TokenTTL is the lifetime of issued tokens; zero means
	// DefaultCustomerTokenTTL.
	TokenTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// NewCustomerID makes the id of a new customer; nil means a random
	// UUID (version 4).
	NewCustomerID func() string
	// Logger receives server-side failures; nil means slog.Default().
	Logger *slog.Logger
	// Limits bound token requests per address (see TokenLimits); the zero
	// value means the defaults.
	Limits TokenLimits
}

func (a *Accounts) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Accounts) ttl() time.Duration {
	if a.TokenTTL > 0 {
		return a.TokenTTL
	}
	return DefaultCustomerTokenTTL
}

func (a *Accounts) newCustomerID() string {
	if a.NewCustomerID != nil {
		return a.NewCustomerID()
	}
	return uuid.NewString()
}

func (a *Accounts) logger() *slog.Logger {
	if a.Logger != nil {
		return a.Logger
	}
	return slog.Default()
}

// Handler returns the handler of the accounts host:
//
//	GET     /customer                              token page (iframe flow)
//	GET     /licence/g<license>_<group>/customer   token page (iframe flow)
//	POST    /customer/token                        token as JSON (XHR flow)
//	POST    /licence/g<license>_<group>/customer/token
//	POST    /v2/customer/token                     token as JSON (v2 XHR flow)
//	POST    /v2/customer/<organization>/<group>/token
//	OPTIONS the token paths                        CORS preflight
//
// It panics when Store or Signer is nil.
func (a *Accounts) Handler() http.Handler {
	if a.Store == nil || a.Signer == nil {
		panic("auth: Accounts needs a Store and a Signer")
	}
	lim := newTokenLimiter(a.Limits)
	page := func(w http.ResponseWriter, r *http.Request) { a.servePage(w, r, lim) }
	token := func(w http.ResponseWriter, r *http.Request) { a.serveToken(w, r, lim, false) }
	tokenV2 := func(w http.ResponseWriter, r *http.Request) { a.serveToken(w, r, lim, true) }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /customer", page)
	mux.HandleFunc("GET /licence/{lg}/customer", page)
	mux.HandleFunc("POST /customer/token", token)
	mux.HandleFunc("POST /licence/{lg}/customer/token", token)
	mux.HandleFunc("OPTIONS /customer/token", a.servePreflight)
	mux.HandleFunc("OPTIONS /licence/{lg}/customer/token", a.servePreflight)
	mux.HandleFunc("POST /v2/customer/token", tokenV2)
	mux.HandleFunc("POST /v2/customer/{org}/{group}/token", tokenV2)
	mux.HandleFunc("OPTIONS /v2/customer/token", a.servePreflight)
	mux.HandleFunc("OPTIONS /v2/customer/{org}/{group}/token", a.servePreflight)
	return mux
}

// Error kinds of the customer-auth protocol.
const (
	oauthException    = "oauth_exception"
	identityException = "identity_exception"
)

// Error codes answered by the customer token endpoints. See the package
// documentation for when each is used.
const (
	CodeInvalidRequest          = "invalid_request"
	CodeInvalidClient           = "invalid_client"
	CodeUnsupportedResponseType = "unsupported_response_type"
	CodeUnsupportedGrantType    = "unsupported_grant_type"
	CodeRedirectURIMismatch     = "redirect_uri_mismatch"
	CodeUnauthorizedClient      = "unauthorized_client"
	CodeServerError             = "server_error"
	CodeLicenseNotFound         = "license_not_found"
	CodeTooManyRequests         = "too_many_requests"
)

type authError struct {
	kind   string // oauthException or identityException
	code   string
	status int
}

func oauthErr(code string, status int) *authError {
	return &authError{kind: oauthException, code: code, status: status}
}

var (
	errInvalidRequest          = oauthErr(CodeInvalidRequest, http.StatusBadRequest)
	errInvalidClient           = oauthErr(CodeInvalidClient, http.StatusUnauthorized)
	errUnsupportedResponseType = oauthErr(CodeUnsupportedResponseType, http.StatusBadRequest)
	errUnsupportedGrantType    = oauthErr(CodeUnsupportedGrantType, http.StatusBadRequest)
	errRedirectURIMismatch     = oauthErr(CodeRedirectURIMismatch, http.StatusBadRequest)
	errUnauthorizedClient      = oauthErr(CodeUnauthorizedClient, http.StatusForbidden)
	errServer                  = oauthErr(CodeServerError, http.StatusInternalServerError)
	errTooManyRequests         = oauthErr(CodeTooManyRequests, http.StatusTooManyRequests)
	errLicenseNotFound         = &authError{kind: identityException, code: CodeLicenseNotFound, status: http.StatusBadRequest}
)

// tokenRequest is a token request of either flow, before validation.
type tokenRequest struct {
	page bool // iframe flow (GET) rather than XHR flow (POST)

	responseType string
	grantType    string // XHR flow only
	identity     string // identity_token of the identity grant
	clientID     string
	// byOrganization is set on the v2 paths, which name the license by
	// organization_id instead of license_id.
	byOrganization bool
	license        string // license_id as sent; "" when missing
	organization   string // organization_id as sent (v2); "" when missing
	// pathLG is the g<license>_<group> path segment, "" on the short paths.
	pathLG string
	// pathOrg and pathGroup are the segments of
	// /v2/customer/<organization>/<group>/token, "" on the short v2 path.
	pathOrg, pathGroup string
	// uris are the URIs whose origins must be allowed: redirect_uri and, in
	// the iframe flow, post_message_uri. Empty ones are left out.
	uris []string
	// redirectURI is redirect_uri as sent; "" when missing.
	redirectURI string
	// origin is the Origin header (XHR flow only).
	origin string
}

// grant is a token granted to a customer.
type grant struct {
	token      string
	identity   string // identity token, answered by the XHR flows
	customerID string
	license    chat.License
	clientID   string
	expiresIn  time.Duration
}

// successBody and errorBody are what both flows send: the iframe flow as the
// postMessage object, the XHR flow as the response body.
type successBody struct {
	AccessToken string `json:"access_token"`
	EntityID    string `json:"entity_id"`
	ExpiresIn   int64  `json:"expires_in"`
	TokenType   string `json:"token_type"`
	ClientID    string `json:"client_id,omitempty"`
	// IdentityToken is set in answers of the XHR flows: the grant of a
	// returning customer (grant_type "identity").
	IdentityToken string `json:"identity_token,omitempty"`
	// OrganizationID is set in answers of the v2 paths.
	OrganizationID string `json:"organization_id,omitempty"`
	State          string `json:"state,omitempty"`
}

type errorBody struct {
	IdentityException string `json:"identity_exception,omitempty"`
	OAuthException    string `json:"oauth_exception,omitempty"`
	State             string `json:"state,omitempty"`
}

func (e *authError) body(state string) errorBody {
	b := errorBody{State: state}
	if e.kind == identityException {
		b.IdentityException = e.code
	} else {
		b.OAuthException = e.code
	}
	return b
}

// grant validates req and issues a customer token, reading and renewing the
// identity cookie.
func (a *Accounts) grant(w http.ResponseWriter, r *http.Request, req tokenRequest, lim *tokenLimiter) (grant, *authError) {
	ctx := r.Context()
	if wait, ok := lim.allow(r, a.now()); !ok {
		limit.SetRetryAfter(w.Header(), wait)
		return grant{}, errTooManyRequests
	}
	switch req.responseType {
	case "token":
	case "":
		return grant{}, errInvalidRequest
	default:
		return grant{}, errUnsupportedResponseType
	}
	if !req.page {
		switch req.grantType {
		case "cookie":
		case GrantIdentity:
			if req.identity == "" {
				return grant{}, errInvalidRequest
			}
		case "":
			return grant{}, errInvalidRequest
		default:
			return grant{}, errUnsupportedGrantType
		}
	}
	if req.clientID == "" {
		return grant{}, errInvalidClient
	}
	ref, aerr := req.licenseRef()
	if aerr != nil {
		return grant{}, aerr
	}
	origins := make([]string, 0, len(req.uris))
	for _, u := range req.uris {
		o, ok := originOf(u)
		if !ok {
			return grant{}, errInvalidRequest
		}
		origins = append(origins, o)
	}
	if req.page && len(origins) == 0 {
		// Without a target the page cannot post the token anywhere.
		return grant{}, errInvalidRequest
	}

	var client chat.Client
	err := chat.ErrNotFound // an id with U+0000 names no client (and PostgreSQL refuses it)
	if !strings.ContainsRune(req.clientID, 0) {
		client, err = a.Store.Client(ctx, req.clientID)
	}
	if errors.Is(err, chat.ErrNotFound) {
		return grant{}, errInvalidClient
	}
	if err != nil {
		a.logger().ErrorContext(ctx, "auth: client lookup failed", "client_id", req.clientID, "err", err)
		return grant{}, errServer
	}
	allowed := a.allowedOrigins(r, client)
	if o, ok := originOf(req.origin); ok && allowed[o] {
		// The answer, whatever it is, is for this page to read.
		setCORS(w, req.origin)
	}
	if ref.id != 0 && client.LicenseID != ref.id {
		return grant{}, errLicenseNotFound
	}
	license, aerr := a.license(ctx, ref)
	if aerr != nil {
		return grant{}, aerr
	}
	if client.LicenseID != license.ID {
		return grant{}, errLicenseNotFound
	}
	licenseID := license.ID

	if len(origins) == 0 && req.origin == "" {
		return grant{}, errRedirectURIMismatch
	}
	for _, o := range origins {
		if !allowed[o] {
			return grant{}, errRedirectURIMismatch
		}
	}
	if req.redirectURI != "" && !redirectURIAllowed(client.RedirectURIs, req.redirectURI) {
		return grant{}, errRedirectURIMismatch
	}
	if req.origin != "" {
		o, ok := originOf(req.origin)
		if !ok || !allowed[o] {
			return grant{}, errUnauthorizedClient
		}
	}

	var customerID string
	if req.grantType == GrantIdentity {
		if customerID, aerr = a.identityCustomer(req.identity, licenseID, client.ID); aerr != nil {
			return grant{}, aerr
		}
	} else {
		customerID = a.cookieCustomer(r, licenseID)
	}
	if customerID == "" {
		customerID = a.newCustomerID()
		if customerID == "" || len(customerID) > maxCustomerIDLen {
			a.logger().ErrorContext(ctx, "auth: NewCustomerID returned an unusable id", "len", len(customerID))
			return grant{}, errServer
		}
	}
	now := a.now()
	ttl := a.ttl()
	tok, err := a.Signer.Issue(Claims{
		Kind:      KindCustomer,
		LicenseID: licenseID,
		Subject:   customerID,
		IssuedAt:  now,
		ExpiresAt: now.Add(ttl),
	})
	if err != nil {
		a.logger().ErrorContext(ctx, "auth: issuing customer token failed", "err", err)
		return grant{}, errServer
	}
	ident, err := a.Signer.IssueIdentity(Identity{LicenseID: licenseID, ClientID: client.ID, CustomerID: customerID, ExpiresAt: now.Add(IdentityTTL)})
	if err != nil {
		a.logger().ErrorContext(ctx, "auth: issuing identity token failed", "err", err)
		return grant{}, errServer
	}
	a.setCookie(w, r, licenseID, customerID)
	return grant{token: tok, identity: ident, customerID: customerID, license: license, clientID: client.ID, expiresIn: ttl}, nil
}

// licenseRef names the license of a token request: by number (id) on the
// v3.0 paths, by organization id (canonical) on the v2 paths.
type licenseRef struct {
	id           int
	organization string
}

// licenseRef checks the form of the request's license_id or
// organization_id and of the path segments that repeat it.
func (req tokenRequest) licenseRef() (licenseRef, *authError) {
	if req.byOrganization {
		org, err := chat.ParseOrganizationID(req.organization)
		if err != nil {
			return licenseRef{}, errInvalidRequest
		}
		if req.pathOrg != "" {
			p, err := chat.ParseOrganizationID(req.pathOrg)
			if _, ok := parseGroup(req.pathGroup); err != nil || p != org || !ok {
				return licenseRef{}, errInvalidRequest
			}
		}
		return licenseRef{organization: org}, nil
	}
	id, ok := parseID(req.license)
	if !ok {
		return licenseRef{}, errInvalidRequest
	}
	if req.pathLG != "" {
		l, _, ok := parseLicenceGroup(req.pathLG)
		if !ok || l != id {
			return licenseRef{}, errInvalidRequest
		}
	}
	return licenseRef{id: id}, nil
}

// license reads the license ref names.
func (a *Accounts) license(ctx context.Context, ref licenseRef) (chat.License, *authError) {
	var (
		l   chat.License
		err error
	)
	if ref.organization != "" {
		l, err = a.Store.LicenseByOrganization(ctx, ref.organization)
	} else {
		l, err = a.Store.License(ctx, ref.id)
	}
	if errors.Is(err, chat.ErrNotFound) {
		return chat.License{}, errLicenseNotFound
	}
	if err != nil {
		a.logger().ErrorContext(ctx, "auth: license lookup failed", "license_id", ref.id, "organization_id", ref.organization, "err", err)
		return chat.License{}, errServer
	}
	return l, nil
}

// servePage answers the iframe flow with a page that posts the outcome to
// its parent window.
func (a *Accounts) servePage(w http.ResponseWriter, r *http.Request, lim *tokenLimiter) {
	q := r.URL.Query()
	req := tokenRequest{
		page:         true,
		responseType: q.Get("response_type"),
		clientID:     q.Get("client_id"),
		license:      q.Get("license_id"),
		pathLG:       r.PathValue("lg"),
		redirectURI:  q.Get("redirect_uri"),
	}
	// The page posts to post_message_uri, or to redirect_uri without it.
	target := q.Get("post_message_uri")
	if target == "" {
		target = q.Get("redirect_uri")
	}
	for _, u := range []string{q.Get("redirect_uri"), q.Get("post_message_uri")} {
		if u != "" {
			req.uris = append(req.uris, u)
		}
	}
	state := q.Get("state")

	g, aerr := a.grant(w, r, req, lim)
	if aerr != nil {
		// An error carries nothing secret, so it may go to any window when
		// the target is unusable: the client then fails fast instead of
		// waiting for its timeout.
		targetOrigin, ok := originOf(target)
		if !ok {
			targetOrigin = "*"
		}
		writePage(w, aerr.status, aerr.body(state), targetOrigin)
		return
	}
	targetOrigin, _ := originOf(target) // validated by grant
	writePage(w, http.StatusOK, successBody{
		AccessToken: g.token,
		EntityID:    g.customerID,
		ExpiresIn:   int64(g.expiresIn / time.Second),
		TokenType:   "Bearer",
		State:       state,
	}, targetOrigin)
}

// writePage writes an HTML page whose only script posts msg to the parent
// window for targetOrigin. Both values are JSON-encoded, which escapes <, >,
// &, U+2028 and U+2029, so no query value can leave the script's string
// literals. The CSP allows exactly that script, by hash.
func writePage(w http.ResponseWriter, status int, msg any, targetOrigin string) {
	obj, err := json.Marshal(msg)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	to, _ := json.Marshal(targetOrigin)
	script := "parent.postMessage(" + string(obj) + ", " + string(to) + ");"
	sum := sha256.Sum256([]byte(script))
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'sha256-"+
		base64.StdEncoding.EncodeToString(sum[:])+"'; base-uri 'none'; form-action 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, `<!doctype html><html><head><meta charset="utf-8"><title>customer</title></head><body><script>`+
		script+"</script></body></html>\n")
}

// tokenBodyIn is the body of POST …/customer/token: license_id on the
// v3.0 paths, organization_id on the v2 paths.
type tokenBodyIn struct {
	ResponseType   string          `json:"response_type"`
	GrantType      string          `json:"grant_type"`
	IdentityToken  string          `json:"identity_token"`
	ClientID       string          `json:"client_id"`
	LicenseID      json.RawMessage `json:"license_id"`
	OrganizationID json.RawMessage `json:"organization_id"`
	RedirectURI    string          `json:"redirect_uri"`
}

// serveToken answers the XHR flow, of the v2 paths when byOrganization
// is set. The body is JSON whatever its Content-Type (the client sends
// text/plain to avoid a preflight).
func (a *Accounts) serveToken(w http.ResponseWriter, r *http.Request, lim *tokenLimiter, byOrganization bool) {
	w.Header().Add("Vary", "Origin")
	var in tokenBodyIn
	if readJSON(w, r, &in) != nil {
		writeJSON(w, errInvalidRequest.status, errInvalidRequest.body(""))
		return
	}
	req := tokenRequest{
		responseType:   in.ResponseType,
		grantType:      in.GrantType,
		identity:       in.IdentityToken,
		clientID:       in.ClientID,
		byOrganization: byOrganization,
		license:        rawLicense(in.LicenseID),
		organization:   rawString(in.OrganizationID),
		pathLG:         r.PathValue("lg"),
		pathOrg:        r.PathValue("org"),
		pathGroup:      r.PathValue("group"),
		origin:         r.Header.Get("Origin"),
		redirectURI:    in.RedirectURI,
	}
	if in.RedirectURI != "" {
		req.uris = []string{in.RedirectURI}
	}
	g, aerr := a.grant(w, r, req, lim)
	if aerr != nil {
		writeJSON(w, aerr.status, aerr.body(""))
		return
	}
	body := successBody{
		AccessToken:   g.token,
		EntityID:      g.customerID,
		ExpiresIn:     int64(g.expiresIn / time.Second),
		TokenType:     "Bearer",
		ClientID:      g.clientID,
		IdentityToken: g.identity,
	}
	if byOrganization {
		body.OrganizationID = g.license.OrganizationID
	}
	writeJSON(w, http.StatusOK, body)
}

// servePreflight answers CORS preflight requests of the token paths. A
// preflight names no client, so it cannot tell an allowed origin from
// another: it lets any http(s) origin send the request, and the request's
// own answer is readable only by the client's allowed origins (see grant).
// The token request of customer-auth (text/plain) needs no preflight.
func (a *Accounts) servePreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	if o := r.Header.Get("Origin"); o != "" {
		if _, ok := originOf(o); ok {
			setCORS(w, o)
		}
	}
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
}

// setCORS lets the page of origin read the answer with credentials. The
// caller has checked origin.
func setCORS(w http.ResponseWriter, origin string) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(data, '\n'))
}

// rawLicense turns the license_id of a JSON body into text for parseID: a
// JSON integer as is, a JSON string by its contents, anything else as an
// unparsable value.
func rawLicense(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil || s == "" {
			return "-"
		}
		return s
	}
	return string(raw)
}

// rawString returns the contents of a JSON string, "" for anything else
// (missing, null, a number): organization_id is a string or unusable.
func rawString(raw json.RawMessage) string {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// parseID parses a positive decimal id.
func parseID(s string) (int, bool) {
	if s == "" || len(s) > 10 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// parseLicenceGroup parses the path segment g<license>_<group>.
func parseLicenceGroup(s string) (license, group int, ok bool) {
	rest, found := strings.CutPrefix(s, "g")
	if !found {
		return 0, 0, false
	}
	ls, gs, found := strings.Cut(rest, "_")
	if !found {
		return 0, 0, false
	}
	license, ok = parseID(ls)
	if !ok {
		return 0, 0, false
	}
	group, ok = parseGroup(gs)
	if !ok {
		return 0, 0, false
	}
	return license, group, true
}

// parseGroup parses a group id of a path: 0 or a positive decimal id.
func parseGroup(s string) (int, bool) {
	if s == "0" {
		return 0, true
	}
	return parseID(s)
}

// originOf returns the serialized origin ("https://host[:port]") of an
// absolute http(s) URL, lower-cased and without the default port.
func originOf(raw string) (string, bool) {
	if raw == "" || len(raw) > 4096 {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	var defPort string
	switch scheme {
	case "http":
		defPort = "80"
	case "https":
		defPort = "443"
	default:
		return "", false
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", false
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Is6() {
		if ip.Zone() != "" {
			return "", false
		}
		host = "[" + ip.String() + "]"
	} else {
		for i := 0; i < len(host); i++ {
			c := host[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
				return "", false
			}
		}
	}
	o := scheme + "://" + host
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return "", false
		}
		if p = strconv.Itoa(n); p != defPort {
			o += ":" + p
		}
	}
	return o, true
}

// redirectURIAllowed reports whether a client with the redirect URIs list
// may name uri as its redirect_uri: any URI when the list is empty, else
// one equal to an entry or, for an entry ending with "/", under it.
func redirectURIAllowed(list []string, uri string) bool {
	if len(list) == 0 {
		return true
	}
	for _, e := range list {
		if uri == e || strings.HasSuffix(e, "/") && strings.HasPrefix(uri, e) {
			return true
		}
	}
	return false
}

// allowedOrigins returns the origins that may get tokens of client: the
// origin the request was sent to (its scheme and Host: a browser sends the
// Host of the server it talks to, whatever page asks), the origin of
// PublicURL and the client's RedirectOrigins. Unusable entries are
// dropped.
func (a *Accounts) allowedOrigins(r *http.Request, client chat.Client) map[string]bool {
	m := make(map[string]bool, len(client.RedirectOrigins)+2)
	scheme := "http"
	if overTLS(r) {
		scheme = "https"
	}
	own := []string{a.PublicURL}
	if !strings.ContainsAny(r.Host, "/\\?#@") {
		own = append(own, scheme+"://"+r.Host)
	}
	for _, s := range append(own, client.RedirectOrigins...) {
		if o, ok := originOf(s); ok {
			m[o] = true
		}
	}
	return m
}

// maxCustomerIDLen bounds customer ids read from cookies or made by
// NewCustomerID.
const maxCustomerIDLen = 128

// cookieCustomer returns the customer id of the identity cookie when it is
// authentic and belongs to licenseID, "" otherwise.
func (a *Accounts) cookieCustomer(r *http.Request, licenseID int) string {
	for _, c := range r.CookiesNamed(CookieName) {
		data, ok := Open(a.Signer.cookieKey, c.Value)
		if !ok {
			continue
		}
		ls, id, ok := strings.Cut(string(data), ":")
		if !ok || id == "" || len(id) > maxCustomerIDLen {
			continue
		}
		if l, ok := parseID(ls); ok && l == licenseID {
			return id
		}
	}
	return ""
}

// setCookie sets (or renews) the identity cookie.
func (a *Accounts) setCookie(w http.ResponseWriter, r *http.Request, licenseID int, customerID string) {
	c := &http.Cookie{
		Name:     CookieName,
		Value:    Seal(a.Signer.cookieKey, []byte(strconv.Itoa(licenseID)+":"+customerID)),
		Path:     "/",
		MaxAge:   cookieMaxAge,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
	if overTLS(r) {
		c.Secure = true
		c.SameSite = http.SameSiteNoneMode
	}
	http.SetCookie(w, c)
}

// overTLS tells whether the client reached the server over TLS, directly or
// through a proxy that says so in X-Forwarded-Proto. The header is believed
// as it is: the server removes it from requests that do not come from a
// trusted proxy.
func overTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(p), "https")
}
