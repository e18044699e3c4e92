package customer

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/client"
)

// Token is a customer access token. In JSON (as in an identity file) its
// expires_in is in whole seconds, as the protocol has it.
type Token struct {
	AccessToken string
	// EntityID is the customer's id.
	EntityID string
	// ExpiresIn is the token's lifetime from CreationDate.
	ExpiresIn time.Duration
	TokenType string
	// CreationDate is when the token was received (client clock).
	CreationDate time.Time
	License      int
}

// tokenJSON is a Token's JSON form.
type tokenJSON struct {
	AccessToken  string    `json:"access_token"`
	EntityID     string    `json:"entity_id"`
	ExpiresIn    int64     `json:"expires_in"`
	TokenType    string    `json:"token_type"`
	CreationDate time.Time `json:"creation_date"`
	License      int       `json:"license"`
}

// legacyExpiresIn is the smallest expires_in read as nanoseconds: files
// written before expires_in was in seconds hold a time.Duration, and no
// token lives 1e9 seconds (31 years).
const legacyExpiresIn = 1e9

// MarshalJSON writes expires_in in seconds.
func (t Token) MarshalJSON() ([]byte, error) {
	return json.Marshal(tokenJSON{AccessToken: t.AccessToken, EntityID: t.EntityID, ExpiresIn: int64(t.ExpiresIn / time.Second),
		TokenType: t.TokenType, CreationDate: t.CreationDate, License: t.License})
}

// UnmarshalJSON reads expires_in in seconds, or in nanoseconds as older
// versions of this package wrote it.
func (t *Token) UnmarshalJSON(b []byte) error {
	var j tokenJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	exp := time.Duration(j.ExpiresIn) * time.Second
	if j.ExpiresIn >= legacyExpiresIn {
		exp = time.Duration(j.ExpiresIn)
	}
	*t = Token{AccessToken: j.AccessToken, EntityID: j.EntityID, ExpiresIn: exp, TokenType: j.TokenType,
		CreationDate: j.CreationDate, License: j.License}
	return nil
}

// Expired reports whether the token has expired at t (with a minute of
// margin, so that a token is not used right before it runs out).
func (t Token) Expired(at time.Time) bool {
	return !at.Before(t.CreationDate.Add(t.ExpiresIn - time.Minute))
}

// Auth gets and caches customer tokens, like the JS SDK's auth object.
type Auth struct {
	cfg *Config

	idMu sync.Mutex // serializes read-modify-write of the identity

	mu     sync.Mutex
	token  *Token
	loaded bool
	flight *tokenFlight
}

type tokenFlight struct {
	done chan struct{}
	tok  Token
	err  error
}

// GetToken returns the cached token while it is valid, else a fresh one.
// Concurrent calls share one request.
func (a *Auth) GetToken(ctx context.Context) (Token, error) {
	a.mu.Lock()
	if err := a.loadLocked(ctx); err != nil {
		a.mu.Unlock()
		return Token{}, err
	}
	if a.flight == nil && a.token != nil && !a.token.Expired(time.Now()) {
		t := *a.token
		a.mu.Unlock()
		return t, nil
	}
	a.mu.Unlock()
	return a.GetFreshToken(ctx)
}

// GetFreshToken asks the server for a new token whatever is cached.
// Concurrent calls share one request.
func (a *Auth) GetFreshToken(ctx context.Context) (Token, error) {
	a.mu.Lock()
	f := a.flight
	if f == nil {
		f = &tokenFlight{done: make(chan struct{})}
		a.flight = f
		go a.fetch(f)
	}
	a.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return Token{}, ctx.Err()
	}
}

// Invalidate forgets the cached token.
func (a *Auth) Invalidate(ctx context.Context) error {
	a.mu.Lock()
	a.token = nil
	a.mu.Unlock()
	a.idMu.Lock()
	defer a.idMu.Unlock()
	id, err := a.cfg.Identity.Load(ctx)
	if err != nil {
		return err
	}
	id.Token = nil
	return a.cfg.Identity.Save(ctx, id)
}

// forget drops the cached token, which the server says has expired
// though its clock-based expiry has not come: the next GetToken fetches a
// fresh one.
func (a *Auth) forget() {
	a.mu.Lock()
	a.token = nil
	a.loaded = true
	a.mu.Unlock()
}

func (a *Auth) loadLocked(ctx context.Context) error {
	if a.loaded {
		return nil
	}
	id, err := a.cfg.Identity.Load(ctx)
	if err != nil {
		return err
	}
	if id.Token != nil && id.Token.License == a.cfg.License {
		a.token = id.Token
	}
	a.loaded = true
	return nil
}

// fetch runs one token request; it is not tied to any caller's ctx, so a
// caller giving up does not fail the others.
func (a *Auth) fetch(f *tokenFlight) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f.tok, f.err = a.request(ctx)
	a.mu.Lock()
	if f.err == nil {
		t := f.tok
		a.token, a.loaded = &t, true
	}
	a.flight = nil
	a.mu.Unlock()
	close(f.done)
}

// request is the cookie grant of the customer accounts endpoint:
// POST <server>/customer/token with the identity's cookies.
func (a *Auth) request(ctx context.Context) (Token, error) {
	cfg := a.cfg
	id, err := cfg.Identity.Load(ctx)
	if err != nil {
		return Token{}, err
	}
	var r struct {
		IdentityException string `json:"identity_exception"`
		OAuthException    string `json:"oauth_exception"`
	}
	ta, err := client.PostToken(ctx, cfg.HTTPClient, cfg.Server+"/customer/token", "text/plain;charset=UTF-8", map[string]any{
		"response_type": "token", "grant_type": "cookie", "client_id": cfg.ClientID,
		"license_id": cfg.License, "redirect_uri": cfg.RedirectURI,
	}, id.Cookies, "customer: token request", &r)
	if err != nil {
		return Token{}, err
	}
	switch {
	case r.IdentityException != "":
		return Token{}, &Error{Type: r.IdentityException, Message: "identity exception from the accounts endpoint"}
	case r.OAuthException != "":
		return Token{}, &Error{Type: r.OAuthException, Message: "oauth exception from the accounts endpoint"}
	case ta.AccessToken == "" || ta.EntityID == "":
		return Token{}, fmt.Errorf("customer: token request: HTTP %d without a token", ta.Resp.StatusCode)
	}
	tok := Token{AccessToken: ta.AccessToken, EntityID: ta.EntityID, ExpiresIn: ta.Lifetime(),
		TokenType: ta.Type(), CreationDate: time.Now(), License: cfg.License}
	resp := ta.Resp
	cookies := resp.Cookies()
	a.update(ctx, func(id *Identity) {
		if id.Cookies == nil {
			id.Cookies = map[string]string{}
		}
		for _, c := range cookies {
			if c.MaxAge < 0 {
				delete(id.Cookies, c.Name)
			} else {
				id.Cookies[c.Name] = c.Value
			}
		}
		t := tok
		id.Token = &t
	})
	return tok, nil
}

// update changes the stored identity; a failure is logged (the SDK goes on
// with what it has in memory).
func (a *Auth) update(ctx context.Context, change func(*Identity)) {
	a.idMu.Lock()
	defer a.idMu.Unlock()
	id, err := a.cfg.Identity.Load(ctx)
	if err == nil {
		change(&id)
		err = a.cfg.Identity.Save(ctx, id)
	}
	if err != nil {
		a.cfg.Logger.Warn("customer: updating the stored identity failed", "err", err)
	}
}
