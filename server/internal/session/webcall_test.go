package session

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/auth"
)

// TestRunWebCallRefusals: what RunWebCall refuses before it runs anything.
func TestRunWebCallRefusals(t *testing.T) {
	signer, err := auth.NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{Signer: signer, Limits: Limits{MaxInFlight: 2}})
	now := time.Now()
	tok, err := signer.Issue(auth.Claims{Kind: auth.KindCustomer, LicenseID: 7, Subject: "c1", IssuedAt: now, ExpiresAt: now.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	bearer := "Bearer " + tok
	call := func(action, authz string, license int) string {
		t.Helper()
		_, err := srv.RunWebCall(context.Background(), WebCall{Authorization: authz, LicenseID: license, Action: action, Payload: []byte(`{}`)})
		var pe *protocol.Error
		if !errors.As(err, &pe) {
			t.Fatalf("%s: error %v, want a *protocol.Error", action, err)
		}
		return pe.Type
	}
	for _, tc := range []struct {
		name, action, authz string
		license             int
		want                string
	}{
		{"login belongs to a connection", protocol.ActionLogin, bearer, 7, protocol.ErrValidation},
		{"ping belongs to a connection", protocol.ActionPing, bearer, 7, protocol.ErrValidation},
		{"unknown action", "get_chats_summary", bearer, 7, protocol.ErrNotFound},
		{"no token", "list_chats", "", 7, protocol.ErrAuthentication},
		{"not bearer", "list_chats", tok, 7, protocol.ErrAuthentication},
		{"another license", "list_chats", bearer, 8, protocol.ErrAuthentication},
	} {
		if got := call(tc.action, tc.authz, tc.license); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	// Past MaxInFlight calls of the customer running at once.
	for range 2 {
		if !srv.limits.webCalls.Acquire("7/c1") {
			t.Fatal("the limit is lower than MaxInFlight")
		}
	}
	if got := call("list_chats", bearer, 7); got != protocol.ErrTooManyRequests {
		t.Errorf("a third call at once: %s, want too_many_requests", got)
	}
}
