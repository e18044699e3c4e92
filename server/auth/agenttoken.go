package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// Errors of VerifyBearer and AgentTokens.Verify, besides ErrTokenInvalid and
// ErrTokenExpired. Every failure of the token itself wraps exactly one of
// them.
var (
	// ErrNotBearer means the value is not "Bearer <token>".
	ErrNotBearer = errors.New("auth: not a \"Bearer <token>\" value")
	// ErrWrongKind means the token is authentic but issued to another kind
	// of user (a customer token where an agent token is needed).
	ErrWrongKind = errors.New("auth: token of another kind")
	// ErrTokenRevoked means the agent token was revoked, or its agent is
	// disabled.
	ErrTokenRevoked = errors.New("auth: token revoked")
	// ErrUnknownAgent means the token's agent no longer exists.
	ErrUnknownAgent = errors.New("auth: agent not found")
)

// IsTokenError reports whether err is a failure of the token itself (it
// wraps ErrNotBearer, ErrTokenInvalid, ErrTokenExpired, ErrWrongKind,
// ErrTokenRevoked or ErrUnknownAgent), which a caller answers as an
// authentication failure, rather than of the server (a store error).
func IsTokenError(err error) bool {
	for _, e := range []error{ErrNotBearer, ErrTokenInvalid, ErrTokenExpired, ErrWrongKind, ErrTokenRevoked, ErrUnknownAgent} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// VerifyBearer checks an Authorization value "Bearer <token>" whose token
// must be of kind: it parses the value (ErrNotBearer), verifies the token
// (ErrTokenInvalid, ErrTokenExpired) and its kind (ErrWrongKind).
func (s *Signer) VerifyBearer(value string, kind Kind, now time.Time) (Claims, error) {
	raw, ok := ParseBearer(value)
	if !ok {
		return Claims{}, ErrNotBearer
	}
	cl, err := s.Verify(raw, now)
	if err != nil {
		return Claims{}, err
	}
	if cl.Kind != kind {
		return Claims{}, fmt.Errorf("%w: %s, want %s", ErrWrongKind, cl.Kind, kind)
	}
	return cl, nil
}

// AgentTokenStore is what AgentTokens reads and writes. chat.Store
// satisfies it.
type AgentTokenStore interface {
	AgentStore
	TokenRevoked(ctx context.Context, licenseID int, agentID, tokenID string, issuedAt time.Time) (bool, error)
	RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time) error
}

// AgentTokens verifies and revokes agent access tokens: the one check that
// the agent RTM login and the agent Web API both make.
type AgentTokens struct {
	Signer *Signer
	Store  AgentTokenStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verify checks an agent's Authorization value "Bearer <token>": signature
// and expiry (see VerifyBearer), that the token is an agent token, that it
// is not revoked (ErrTokenRevoked), that its agent still exists
// (ErrUnknownAgent) and is not disabled (ErrTokenRevoked). It returns the token's claims and the agent. Other
// errors come from the store.
func (t *AgentTokens) Verify(ctx context.Context, bearer string) (Claims, chat.Agent, error) {
	now := time.Now()
	if t.Now != nil {
		now = t.Now()
	}
	cl, err := t.Signer.VerifyBearer(bearer, KindAgent, now)
	if err != nil {
		return Claims{}, chat.Agent{}, err
	}
	if revoked, err := t.Revoked(ctx, cl); err != nil {
		return Claims{}, chat.Agent{}, err
	} else if revoked {
		return Claims{}, chat.Agent{}, ErrTokenRevoked
	}
	ag, err := t.Store.Agent(ctx, cl.LicenseID, cl.Subject)
	if errors.Is(err, chat.ErrNotFound) {
		return Claims{}, chat.Agent{}, fmt.Errorf("%w: %s", ErrUnknownAgent, cl.Subject)
	} else if err != nil {
		return Claims{}, chat.Agent{}, fmt.Errorf("auth: agent lookup: %w", err)
	}
	if ag.Disabled {
		return Claims{}, chat.Agent{}, fmt.Errorf("%w: agent %s is disabled", ErrTokenRevoked, cl.Subject)
	}
	return cl, ag, nil
}

// Revoked reports whether the agent token with claims cl has been revoked,
// by its id or with all of its agent's tokens. A connection that verified
// the token at login asks again from time to time.
func (t *AgentTokens) Revoked(ctx context.Context, cl Claims) (bool, error) {
	revoked, err := t.Store.TokenRevoked(ctx, cl.LicenseID, cl.Subject, cl.ID, cl.IssuedAt)
	if err != nil {
		return false, fmt.Errorf("auth: token revocation: %w", err)
	}
	return revoked, nil
}

// Revoke revokes the token with claims cl until it expires.
func (t *AgentTokens) Revoke(ctx context.Context, cl Claims) error {
	if err := t.Store.RevokeToken(ctx, cl.ID, cl.ExpiresAt); err != nil {
		return fmt.Errorf("auth: revoke token: %w", err)
	}
	return nil
}
