package agent

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/client"
)

// Token is an agent access token.
type Token struct {
	AccessToken string
	// TokenType is "Bearer".
	TokenType string
	// EntityID is the agent's id.
	EntityID  string
	LicenseID int
	// ExpiresIn is the token's lifetime from CreationDate; zero if unknown.
	ExpiresIn time.Duration
	// CreationDate is when the token was received (client clock).
	CreationDate time.Time
}

// Expired reports whether the token has expired at t, with a minute of
// margin so that a token is not used right before it runs out. A token of
// unknown lifetime never expires by the clock.
func (t Token) Expired(at time.Time) bool {
	if t.ExpiresIn <= 0 {
		return false
	}
	return !at.Before(t.CreationDate.Add(t.ExpiresIn - time.Minute))
}

// Login signs an agent in with e-mail and password (POST
// /v3.0/agent/login) and returns an access token for Config.Token. Wrong
// credentials fail with an *Error of type "authentication". A nil
// httpClient means http.DefaultClient.
func Login(ctx context.Context, server string, license int, email, password string, httpClient *http.Client) (Token, error) {
	base, err := client.BaseURL(server)
	if err != nil {
		return Token{}, fmt.Errorf("agent: login: server %w", err)
	}
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	var r struct {
		LicenseID int    `json:"license_id"`
		Error     *Error `json:"error"`
	}
	ta, err := client.PostToken(ctx, httpClient, base+"/v3.0/agent/login", "application/json",
		map[string]any{"license_id": license, "email": email, "password": password}, nil, "agent: login", &r)
	if err != nil {
		return Token{}, err
	}
	switch {
	case r.Error != nil && r.Error.Type != "":
		return Token{}, fmt.Errorf("login: %w", r.Error)
	case ta.Resp.StatusCode/100 != 2 || ta.AccessToken == "":
		return Token{}, fmt.Errorf("agent: login: HTTP %d without a token", ta.Resp.StatusCode)
	}
	tok := Token{AccessToken: ta.AccessToken, TokenType: ta.Type(), EntityID: ta.EntityID, LicenseID: r.LicenseID,
		ExpiresIn: ta.Lifetime(), CreationDate: time.Now()}
	if tok.LicenseID == 0 {
		tok.LicenseID = license
	}
	return tok, nil
}

// auth holds the client's token: Config.Token, or one from Login with the
// configured credentials, renewed when it expires or is refused.
type auth struct {
	cfg  *Config
	turn chan struct{} // holds a token while a login runs

	mu  sync.Mutex
	tok *Token // nil: log in at the next use
}

func newAuth(cfg *Config) *auth {
	a := &auth{cfg: cfg, turn: make(chan struct{}, 1)}
	if cfg.Token != "" {
		a.tok = &Token{AccessToken: cfg.Token, TokenType: "Bearer", LicenseID: cfg.License, CreationDate: time.Now()}
	}
	return a
}

func (a *auth) canLogin() bool { return a.cfg.Email != "" && a.cfg.Password != "" }

// token returns the current token, logging in first when there is none
// or it has expired. Concurrent calls share one login.
func (a *auth) token(ctx context.Context) (Token, error) {
	select {
	case a.turn <- struct{}{}:
	case <-ctx.Done():
		return Token{}, ctx.Err()
	}
	defer func() { <-a.turn }()
	a.mu.Lock()
	tok := a.tok
	a.mu.Unlock()
	if tok != nil && !tok.Expired(time.Now()) {
		return *tok, nil
	}
	if !a.canLogin() {
		return Token{}, ErrNoCredentials
	}
	t, err := Login(ctx, a.cfg.Server, a.cfg.License, a.cfg.Email, a.cfg.Password, a.cfg.HTTPClient)
	if err != nil {
		return Token{}, err
	}
	a.mu.Lock()
	a.tok = &t
	a.mu.Unlock()
	return t, nil
}

// refuse drops a token the server refused (expired by the server's clock,
// or revoked), unless it has been replaced meanwhile. The next token call
// logs in again, or fails with ErrNoCredentials.
func (a *auth) refuse(accessToken string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok != nil && a.tok.AccessToken == accessToken {
		a.tok = nil
	}
}

// current returns the token in use, if any.
func (a *auth) current() (Token, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tok == nil {
		return Token{}, false
	}
	return *a.tok, true
}
