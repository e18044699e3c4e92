package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/parleychat/parley/server/chat"
)

func TestMain(m *testing.M) {
	bcryptCost = bcrypt.MinCost // keep the race-enabled run fast
	os.Exit(m.Run())
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

type fakeAgents struct {
	agents map[string]chat.Agent // key: "<license>/<id>"
	err    error
}

func (f *fakeAgents) Agent(_ context.Context, licenseID int, id string) (chat.Agent, error) {
	if f.err != nil {
		return chat.Agent{}, f.err
	}
	a, ok := f.agents[fmt.Sprintf("%d/%s", licenseID, id)]
	if !ok {
		return chat.Agent{}, fmt.Errorf("agent %s: %w", id, chat.ErrNotFound)
	}
	return a, nil
}

var _ AgentStore = chat.Store(nil)

func newTestAgentLogin(t *testing.T) (*AgentLogin, *fakeAgents) {
	t.Helper()
	hash, err := HashPassword("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	store := &fakeAgents{agents: map[string]chat.Agent{
		"123/jane@example.com": {ID: "jane@example.com", LicenseID: 123, PasswordHash: hash},
		"123/bot@example.com":  {ID: "bot@example.com", LicenseID: 123},
		"123/gone@example.com": {ID: "gone@example.com", LicenseID: 123, PasswordHash: hash, Disabled: true},
		"456/joe@example.com":  {ID: "joe@example.com", LicenseID: 456, PasswordHash: hash},
	}}
	return &AgentLogin{
		Store:  store,
		Signer: testSigner(t),
		Now:    func() time.Time { return t0 },
		Logger: discardLogger(),
	}, store
}

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword(h, []byte("pw")) != nil {
		t.Fatal("hash does not match")
	}
	if _, err := HashPassword(strings.Repeat("x", 73)); err == nil {
		t.Fatal("73-byte password hashed")
	}
}

func TestAgentLogin(t *testing.T) {
	l, _ := newTestAgentLogin(t)
	ctx := context.Background()
	tok, err := l.Login(ctx, 123, "jane@example.com", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if tok.TokenType != "Bearer" || tok.EntityID != "jane@example.com" || tok.LicenseID != 123 || tok.ExpiresIn != 24*time.Hour {
		t.Fatalf("token = %+v", tok)
	}
	c, err := l.Signer.Verify(tok.AccessToken, t0.Add(23*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind != KindAgent || c.Subject != "jane@example.com" || c.LicenseID != 123 {
		t.Fatalf("claims = %+v", c)
	}
	if _, err := l.Signer.Verify(tok.AccessToken, t0.Add(24*time.Hour)); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("agent token valid after 24h: %v", err)
	}

	l.TokenTTL = time.Hour
	if tok, err := l.Login(ctx, 123, "jane@example.com", "s3cret"); err != nil || tok.ExpiresIn != time.Hour {
		t.Fatalf("TokenTTL: %+v, %v", tok, err)
	}

	for _, tc := range []struct {
		license         int
		email, password string
	}{
		{123, "jane@example.com", "wrong"},
		{123, "jane@example.com", ""},
		{123, "nobody@example.com", "s3cret"},
		{456, "jane@example.com", "s3cret"}, // other license
		{0, "jane@example.com", "s3cret"},
		{123, "", "s3cret"},
		{123, "bot@example.com", ""}, // no password set
		{123, "bot@example.com", "anything"},
		{123, "gone@example.com", "s3cret"}, // disabled, right password
	} {
		if tok, err := l.Login(ctx, tc.license, tc.email, tc.password); !errors.Is(err, ErrBadCredentials) {
			t.Errorf("%+v: %+v, %v", tc, tok, err)
		}
	}
}

func TestAgentLoginStoreFailure(t *testing.T) {
	l, store := newTestAgentLogin(t)
	store.err = errors.New("disk on fire")
	_, err := l.Login(context.Background(), 123, "jane@example.com", "s3cret")
	if err == nil || errors.Is(err, ErrBadCredentials) {
		t.Fatalf("err = %v", err)
	}
}

// TestAgentLoginNUL: an e-mail holding U+0000 is bad credentials, without
// asking the store (PostgreSQL refuses such text with an error).
func TestAgentLoginNUL(t *testing.T) {
	l, store := newTestAgentLogin(t)
	store.err = errors.New("the store was asked")
	if _, err := l.Login(context.Background(), 123, "jane@example.com\x00", "s3cret"); !errors.Is(err, ErrBadCredentials) {
		t.Fatalf("err = %v, want ErrBadCredentials", err)
	}
}

func postLogin(h http.Handler, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/v3.0/agent/login", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestAgentLoginHandler(t *testing.T) {
	l, store := newTestAgentLogin(t)
	h := l.Handler()

	w := postLogin(h, `{"license_id":123,"email":"jane@example.com","password":"s3cret"}`)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var ok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		EntityID    string `json:"entity_id"`
		LicenseID   int    `json:"license_id"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &ok); err != nil {
		t.Fatal(err)
	}
	if ok.TokenType != "Bearer" || ok.ExpiresIn != 86400 || ok.EntityID != "jane@example.com" || ok.LicenseID != 123 {
		t.Fatalf("body = %s", w.Body)
	}
	if c, err := l.Signer.Verify(ok.AccessToken, t0); err != nil || c.Kind != KindAgent {
		t.Fatalf("token: %+v, %v", c, err)
	}

	type apiErr struct {
		Error struct{ Type, Message string } `json:"error"`
	}
	check := func(body string, status int, typ string) {
		t.Helper()
		w := postLogin(h, body)
		var e apiErr
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
			t.Fatalf("%s: %v: %s", body, err, w.Body)
		}
		if w.Code != status || e.Error.Type != typ || e.Error.Message == "" {
			t.Errorf("%s: status %d, body %s; want %d %s", body, w.Code, w.Body, status, typ)
		}
	}
	check(`{"license_id":123,"email":"jane@example.com","password":"nope"}`, 401, "authentication")
	check(`{"license_id":123,"email":"ghost@example.com","password":"s3cret"}`, 401, "authentication")
	check(`{"license_id":456,"email":"jane@example.com","password":"s3cret"}`, 401, "authentication")
	check(`not json`, 400, "validation")
	check(`{"email":"jane@example.com","password":"s3cret"}`, 400, "validation")
	check(`{"license_id":"x","email":"jane@example.com","password":"s3cret"}`, 400, "validation")
	check(`{"license_id":123,"password":"s3cret"}`, 400, "validation")
	check(`{"license_id":123,"email":"jane@example.com"}`, 400, "validation")

	// The same messages for unknown agents and wrong passwords.
	a := postLogin(h, `{"license_id":123,"email":"jane@example.com","password":"nope"}`).Body.String()
	b := postLogin(h, `{"license_id":123,"email":"ghost@example.com","password":"nope"}`).Body.String()
	if a != b {
		t.Errorf("answers differ: %s vs %s", a, b)
	}

	store.err = errors.New("disk on fire")
	check(`{"license_id":123,"email":"jane@example.com","password":"s3cret"}`, 500, "internal")

	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/v3.0/agent/login", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d", w.Code)
	}
}
