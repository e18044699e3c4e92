package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/internal/limit"
)

// limitedTry is a login attempt counted by one of the login limits.
type limitedTry struct {
	limit.Try
	by string // "address" or "account", for the logs
}

// DefaultAgentTokenTTL is the lifetime of an agent token when
// AgentLogin.TokenTTL is zero.
const DefaultAgentTokenTTL = 24 * time.Hour

// ErrBadCredentials is the one answer to a login with an unknown agent, a
// disabled agent, an agent without a password, or a wrong password.
var ErrBadCredentials = errors.New("auth: bad credentials")

// AgentStore is what AgentLogin reads from the store. chat.Store satisfies it.
type AgentStore interface {
	Agent(ctx context.Context, licenseID int, id string) (chat.Agent, error)
}

// Token is an issued access token.
type Token struct {
	AccessToken string
	TokenType   string // always "Bearer"
	EntityID    string // the agent (or customer) id
	ExpiresIn   time.Duration
	LicenseID   int
}

// AgentLogin checks agent passwords and issues agent tokens.
type AgentLogin struct {
	Store  AgentStore
	Signer *Signer
	// TokenTTL is the lifetime of issued tokens; zero means
	// DefaultAgentTokenTTL.
	TokenTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives server-side failures, failed logins and lockouts;
	// nil means slog.Default().
	Logger *slog.Logger
	// Limits bound failed logins per address and per account (see
	// LoginLimits); the zero value means the defaults. Handler applies
	// them; Login does not.
	Limits LoginLimits
}

// bcryptCost is the cost of new password hashes (tests lower it).
var bcryptCost = bcrypt.DefaultCost

// HashPassword returns the bcrypt hash of pw for chat.Agent.PasswordHash.
// Passwords longer than 72 bytes are refused.
func HashPassword(pw string) ([]byte, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcryptCost)
	if err != nil {
		return nil, fmt.Errorf("auth: hashing password: %w", err)
	}
	return h, nil
}

// dummyHash is compared against when there is no real hash, so that a
// login for an unknown agent costs about as much as one with a wrong
// password.
var dummyHash = sync.OnceValue(func() []byte {
	h, err := bcrypt.GenerateFromPassword([]byte("parley: no such agent"), bcryptCost)
	if err != nil {
		panic(err)
	}
	return h
})

// Login checks the password of agent email in licenseID and issues a token.
// Every kind of mismatch returns ErrBadCredentials; other errors come from
// the store.
func (l *AgentLogin) Login(ctx context.Context, licenseID int, email, password string) (Token, error) {
	var (
		agent chat.Agent
		found bool
	)
	// An e-mail with U+0000 names no agent (and PostgreSQL refuses it).
	if licenseID > 0 && email != "" && !strings.ContainsRune(email, 0) {
		a, err := l.Store.Agent(ctx, licenseID, email)
		switch {
		case err == nil:
			agent, found = a, a.LicenseID == licenseID && len(a.PasswordHash) > 0 && !a.Disabled
		case !errors.Is(err, chat.ErrNotFound):
			return Token{}, fmt.Errorf("auth: agent lookup: %w", err)
		}
	}
	hash := dummyHash()
	if found {
		hash = agent.PasswordHash
	}
	match := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	if !found || !match || password == "" {
		return Token{}, ErrBadCredentials
	}

	now := l.now()
	ttl := l.TokenTTL
	if ttl <= 0 {
		ttl = DefaultAgentTokenTTL
	}
	tok, err := l.Signer.Issue(Claims{
		Kind:      KindAgent,
		LicenseID: licenseID,
		Subject:   agent.ID,
		IssuedAt:  now,
		ExpiresAt: now.Add(ttl),
	})
	if err != nil {
		return Token{}, err
	}
	return Token{
		AccessToken: tok,
		TokenType:   "Bearer",
		EntityID:    agent.ID,
		ExpiresIn:   ttl,
		LicenseID:   licenseID,
	}, nil
}

// agentLoginIn is the body of POST /v3.0/agent/login.
type agentLoginIn struct {
	LicenseID json.RawMessage `json:"license_id"`
	Email     string          `json:"email"`
	Password  string          `json:"password"`
}

type agentLoginOut struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	EntityID    string `json:"entity_id"`
	LicenseID   int    `json:"license_id"`
}

type apiError struct {
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeAPIError(w http.ResponseWriter, status int, typ, msg string) {
	var e apiError
	e.Error.Type, e.Error.Message = typ, msg
	writeJSON(w, status, e)
}

// Handler serves POST /v3.0/agent/login with the JSON body
// {"license_id": N, "email": "...", "password": "..."}. It answers
// {"access_token","token_type":"Bearer","expires_in" (seconds),"entity_id","license_id"},
// or an error {"error":{"type","message"}}: 400 "validation" for a malformed
// body, 401 "authentication" for bad credentials, 500 "internal".
//
// It panics when Store or Signer is nil.
func (l *AgentLogin) Handler() http.Handler {
	if l.Store == nil || l.Signer == nil {
		panic("auth: AgentLogin needs a Store and a Signer")
	}
	lim := newLoginLimiter(l.Limits)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v3.0/agent/login", func(w http.ResponseWriter, r *http.Request) { l.serveLogin(w, r, lim) })
	return mux
}

func (l *AgentLogin) logger() *slog.Logger {
	if l.Logger == nil {
		return slog.Default()
	}
	return l.Logger
}

func (l *AgentLogin) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *AgentLogin) serveLogin(w http.ResponseWriter, r *http.Request, lim *loginLimiter) {
	var in agentLoginIn
	if readJSON(w, r, &in) != nil {
		writeAPIError(w, http.StatusBadRequest, "validation", "Request body is not valid JSON.")
		return
	}
	licenseID, ok := parseID(rawLicense(in.LicenseID))
	switch {
	case !ok:
		writeAPIError(w, http.StatusBadRequest, "validation", "license_id must be a positive number.")
		return
	case in.Email == "":
		writeAPIError(w, http.StatusBadRequest, "validation", "email is required.")
		return
	case in.Password == "":
		writeAPIError(w, http.StatusBadRequest, "validation", "password is required.")
		return
	}
	now, remote := l.now(), limit.ClientIP(r)
	log := l.logger().With("remote", remote.String(), "license_id", licenseID, "email", in.Email)
	var tries []limitedTry
	refuse := func(wait time.Duration) {
		for _, t := range tries {
			t.Succeeded(now) // no password was checked
		}
		limit.SetRetryAfter(w.Header(), wait)
		log.DebugContext(r.Context(), "auth: agent login refused, locked out", "retry_after", wait)
		writeAPIError(w, http.StatusTooManyRequests, protocol.ErrTooManyRequests, "Too many failed logins; try again later.")
	}
	if key, limited := lim.addrs.Key(remote); limited && lim.byIP != nil {
		t, wait, ok := lim.byIP.Attempt(key, now)
		if !ok {
			refuse(wait)
			return
		}
		tries = append(tries, limitedTry{t, "address"})
	}
	account := accountKey(licenseID, in.Email)
	if lim.byAccount != nil {
		t, wait, ok := lim.byAccount.Attempt(account, now)
		if !ok {
			refuse(wait)
			return
		}
		tries = append(tries, limitedTry{t, "account"})
	}
	tok, err := l.Login(r.Context(), licenseID, in.Email, in.Password)
	if errors.Is(err, ErrBadCredentials) {
		log.WarnContext(r.Context(), "auth: agent login failed: bad credentials")
		for _, t := range tries {
			if d := t.Failed(now); d > 0 {
				log.WarnContext(r.Context(), "auth: agent login locked out", "by", t.by, "for", d)
			}
		}
		writeAPIError(w, http.StatusUnauthorized, "authentication", "Invalid email or password.")
		return
	}
	for _, t := range tries {
		t.Succeeded(now)
	}
	if err != nil {
		log.ErrorContext(r.Context(), "auth: agent login failed", "err", err)
		writeAPIError(w, http.StatusInternalServerError, "internal", "Internal error.")
		return
	}
	if lim.byAccount != nil {
		lim.byAccount.Reset(account)
	}
	writeJSON(w, http.StatusOK, agentLoginOut{
		AccessToken: tok.AccessToken,
		TokenType:   tok.TokenType,
		ExpiresIn:   int64(tok.ExpiresIn / time.Second),
		EntityID:    tok.EntityID,
		LicenseID:   tok.LicenseID,
	})
}
