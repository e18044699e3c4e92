package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind says whom a token was issued to.
type Kind string

const (
	KindCustomer Kind = "customer"
	KindAgent    Kind = "agent"
)

func (k Kind) valid() bool { return k == KindCustomer || k == KindAgent }

// Errors of Verify. Every failure wraps exactly one of them.
var (
	// ErrTokenInvalid means the token is malformed, was not issued by this
	// Signer's key, or was altered.
	ErrTokenInvalid = errors.New("auth: invalid token")
	// ErrTokenExpired means the token is authentic but its time is up.
	ErrTokenExpired = errors.New("auth: token expired")
)

// MinKeySize is the smallest signing key NewSigner accepts, in bytes.
const MinKeySize = 32

// Claims is what a token says. Times travel as Unix seconds, so Verify
// returns them truncated to the second.
type Claims struct {
	Kind      Kind
	LicenseID int
	// Subject is the customer id (KindCustomer) or the agent id (KindAgent).
	Subject   string
	IssuedAt  time.Time
	ExpiresAt time.Time
	// ID identifies the token. Issue fills a random one when it is empty.
	ID string
}

// wireClaims is the signed payload.
type wireClaims struct {
	Kind      Kind   `json:"k"`
	LicenseID int    `json:"l"`
	Subject   string `json:"s"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
	ID        string `json:"jti"`
}

func (w wireClaims) check() error {
	switch {
	case !w.Kind.valid():
		return fmt.Errorf("unknown kind %q", w.Kind)
	case w.LicenseID <= 0:
		return errors.New("license id must be positive")
	case w.Subject == "":
		return errors.New("empty subject")
	case w.ID == "":
		return errors.New("empty id")
	case w.IssuedAt <= 0:
		return errors.New("issued-at missing")
	case w.ExpiresAt <= w.IssuedAt:
		return errors.New("expires-at not after issued-at")
	}
	return nil
}

// Signer issues and verifies tokens with HMAC-SHA256. A token is
//
//	base64url(JSON payload) "." base64url(HMAC-SHA256(payload text))
//
// It also signs the identity cookie and the identity tokens of the customer
// accounts endpoints, each with a key derived separately so that no cookie,
// identity token or access token is valid as one of the others. A Signer is safe for concurrent use.
type Signer struct {
	tokenKey    []byte
	cookieKey   []byte
	identityKey []byte
}

// NewSigner returns a Signer for key, which must be at least MinKeySize bytes
// of secret random data. Every server that must accept the same tokens needs
// the same key.
func NewSigner(key []byte) (*Signer, error) {
	if len(key) < MinKeySize {
		return nil, fmt.Errorf("auth: signing key must be at least %d bytes, got %d", MinKeySize, len(key))
	}
	return &Signer{
		tokenKey:    DeriveKey(key, "parley/auth/token/v1"),
		cookieKey:   DeriveKey(key, "parley/auth/cookie/v1"),
		identityKey: DeriveKey(key, "parley/auth/identity/v1"),
	}, nil
}

// Issue signs c. Kind, a positive LicenseID, Subject, IssuedAt and an
// ExpiresAt at least a second after IssuedAt are required; an empty ID is
// replaced by a random one.
func (s *Signer) Issue(c Claims) (string, error) {
	if s == nil {
		return "", errors.New("auth: nil Signer")
	}
	if c.ID == "" {
		c.ID = rand.Text()
	}
	w := wireClaims{
		Kind:      c.Kind,
		LicenseID: c.LicenseID,
		Subject:   c.Subject,
		ID:        c.ID,
	}
	if !c.IssuedAt.IsZero() {
		w.IssuedAt = c.IssuedAt.Unix()
	}
	if !c.ExpiresAt.IsZero() {
		w.ExpiresAt = c.ExpiresAt.Unix()
	}
	if err := w.check(); err != nil {
		return "", fmt.Errorf("auth: cannot issue token: %v", err)
	}
	data, err := json.Marshal(w)
	if err != nil {
		return "", fmt.Errorf("auth: cannot issue token: %w", err)
	}
	return Seal(s.tokenKey, data), nil
}

// Verify checks token and returns its claims. It fails with an error wrapping
// ErrTokenInvalid unless the token was issued by a Signer with the same key
// and is byte for byte unaltered, and with ErrTokenExpired when now is not
// before its ExpiresAt. On error the returned Claims are zero.
func (s *Signer) Verify(token string, now time.Time) (Claims, error) {
	if s == nil {
		return Claims{}, ErrTokenInvalid
	}
	data, ok := Open(s.tokenKey, token)
	if !ok {
		return Claims{}, ErrTokenInvalid
	}
	var w wireClaims
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&w); err != nil || d.More() {
		return Claims{}, fmt.Errorf("%w: bad payload", ErrTokenInvalid)
	}
	if err := w.check(); err != nil {
		return Claims{}, fmt.Errorf("%w: %v", ErrTokenInvalid, err)
	}
	c := Claims{
		Kind:      w.Kind,
		LicenseID: w.LicenseID,
		Subject:   w.Subject,
		IssuedAt:  time.Unix(w.IssuedAt, 0),
		ExpiresAt: time.Unix(w.ExpiresAt, 0),
		ID:        w.ID,
	}
	if !now.Before(c.ExpiresAt) {
		return Claims{}, ErrTokenExpired
	}
	return c, nil
}

// ParseBearer returns the token of an Authorization value "Bearer <token>".
// The scheme is case-insensitive; ok is false when the scheme differs or the
// token is empty.
func ParseBearer(s string) (token string, ok bool) {
	const scheme = "bearer"
	s = strings.TrimSpace(s)
	if len(s) <= len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return "", false
	}
	rest := s[len(scheme):]
	if rest[0] != ' ' && rest[0] != '\t' {
		return "", false
	}
	token = strings.TrimSpace(rest)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}
