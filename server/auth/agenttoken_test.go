package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// fakeTokens is an AgentTokenStore over fakeAgents.
type fakeTokens struct {
	fakeAgents
	revoked   map[string]bool // token ids
	revokeErr error
}

func (f *fakeTokens) TokenRevoked(_ context.Context, _ int, _, tokenID string, _ time.Time) (bool, error) {
	if f.revokeErr != nil {
		return false, f.revokeErr
	}
	return f.revoked[tokenID], nil
}

func (f *fakeTokens) RevokeToken(_ context.Context, tokenID string, _ time.Time) error {
	if f.revokeErr != nil {
		return f.revokeErr
	}
	f.revoked[tokenID] = true
	return nil
}

var _ AgentTokenStore = chat.Store(nil)

func TestAgentTokensVerify(t *testing.T) {
	ctx := context.Background()
	signer := testSigner(t)
	store := &fakeTokens{
		fakeAgents: fakeAgents{agents: map[string]chat.Agent{"123/jane": {ID: "jane", LicenseID: 123, Name: "Jane"},
			"123/off": {ID: "off", LicenseID: 123, Disabled: true}}},
		revoked: map[string]bool{},
	}
	tokens := &AgentTokens{Signer: signer, Store: store, Now: func() time.Time { return t0 }}
	issue := func(kind Kind, subject, id string, ttl time.Duration) string {
		t.Helper()
		tok, err := signer.Issue(Claims{Kind: kind, LicenseID: 123, Subject: subject, ID: id, IssuedAt: t0.Add(-time.Minute), ExpiresAt: t0.Add(ttl)})
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}

	cl, ag, err := tokens.Verify(ctx, issue(KindAgent, "jane", "tok1", time.Hour))
	if err != nil || cl.Subject != "jane" || cl.ID != "tok1" || ag.Name != "Jane" {
		t.Fatalf("Verify = %+v, %+v, %v; want jane's claims and agent", cl, ag, err)
	}

	for _, tc := range []struct {
		name   string
		bearer string
		want   error
	}{
		{"no scheme", "tok", ErrNotBearer},
		{"empty", "", ErrNotBearer},
		{"forged", "Bearer abc.def", ErrTokenInvalid},
		{"expired", issue(KindAgent, "jane", "tok2", -time.Second), ErrTokenExpired},
		{"customer token", issue(KindCustomer, "jane", "tok3", time.Hour), ErrWrongKind},
		{"unknown agent", issue(KindAgent, "gone", "tok4", time.Hour), ErrUnknownAgent},
		{"disabled agent", issue(KindAgent, "off", "tok4b", time.Hour), ErrTokenRevoked},
	} {
		_, _, err := tokens.Verify(ctx, tc.bearer)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Verify error = %v, want %v", tc.name, err, tc.want)
		}
		if !IsTokenError(err) {
			t.Errorf("%s: IsTokenError(%v) = false", tc.name, err)
		}
	}

	// Revoke refuses the token from then on, and only that token.
	tok5 := issue(KindAgent, "jane", "tok5", time.Hour)
	cl, _, err = tokens.Verify(ctx, tok5)
	if err != nil {
		t.Fatal(err)
	}
	if err := tokens.Revoke(ctx, cl); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tokens.Verify(ctx, tok5); !errors.Is(err, ErrTokenRevoked) {
		t.Errorf("revoked token: Verify error = %v, want ErrTokenRevoked", err)
	}
	if revoked, err := tokens.Revoked(ctx, cl); err != nil || !revoked {
		t.Errorf("Revoked = %v, %v; want true", revoked, err)
	}
	if _, _, err := tokens.Verify(ctx, issue(KindAgent, "jane", "tok6", time.Hour)); err != nil {
		t.Errorf("another token of the agent: %v", err)
	}

	// A store failure is neither a bad token nor an unknown agent.
	boom := errors.New("disk on fire")
	store.revokeErr = boom
	if _, _, err := tokens.Verify(ctx, issue(KindAgent, "jane", "tok7", time.Hour)); !errors.Is(err, boom) || IsTokenError(err) {
		t.Errorf("revocation store failure: Verify error = %v, want it wrapped", err)
	}
	store.revokeErr = nil
	store.err = boom
	if _, _, err := tokens.Verify(ctx, issue(KindAgent, "jane", "tok8", time.Hour)); !errors.Is(err, boom) || IsTokenError(err) {
		t.Errorf("agent store failure: Verify error = %v, want it wrapped", err)
	}
}
