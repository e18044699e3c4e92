package auth

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func testSigner(t testing.TB) *Signer {
	t.Helper()
	s, err := NewSigner(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var t0 = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func testClaims() Claims {
	return Claims{
		Kind:      KindCustomer,
		LicenseID: 123,
		Subject:   "8238bb86-a22e-41c6-93c3-fa2ccc6d1302",
		IssuedAt:  t0,
		ExpiresAt: t0.Add(8 * time.Hour),
	}
}

// A derived key is the HMAC-SHA256 of its purpose under the server's key:
// changing that would void every token, cookie and page id in use.
func TestDeriveKey(t *testing.T) {
	const want = "dbbb7da7470ad32e15723abce01c5025449037c19f9bbdf846ac8b039eb691a3"
	if got := hex.EncodeToString(DeriveKey(testKey, "parley/session/page-id/v1")); got != want {
		t.Errorf("DeriveKey = %s, want %s", got, want)
	}
	if bytes.Equal(DeriveKey(testKey, "a"), DeriveKey(testKey, "b")) {
		t.Error("two purposes, one key")
	}
}

func TestNewSignerKeySize(t *testing.T) {
	if _, err := NewSigner(testKey[:31]); err == nil {
		t.Fatal("31-byte key accepted")
	}
	if _, err := NewSigner(nil); err == nil {
		t.Fatal("nil key accepted")
	}
}

func TestIssueVerify(t *testing.T) {
	s := testSigner(t)
	c := testClaims()
	c.IssuedAt = c.IssuedAt.Add(500 * time.Millisecond) // truncated to the second
	tok, err := s.Issue(c)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Verify(tok, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != KindCustomer || got.LicenseID != 123 || got.Subject != c.Subject {
		t.Fatalf("claims = %+v", got)
	}
	if !got.IssuedAt.Equal(t0) || !got.ExpiresAt.Equal(c.ExpiresAt) {
		t.Fatalf("times = %v, %v", got.IssuedAt, got.ExpiresAt)
	}
	if got.ID == "" {
		t.Fatal("no token id filled in")
	}

	c.ID = "fixed"
	tok2, err := s.Issue(c)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Verify(tok2, t0); err != nil || got.ID != "fixed" {
		t.Fatalf("Verify = %+v, %v", got, err)
	}

	// Two tokens of the same claims differ by their random ids.
	c.ID = ""
	a, _ := s.Issue(c)
	b, _ := s.Issue(c)
	if a == b {
		t.Fatal("identical tokens for separate issues")
	}
}

func TestVerifyExpired(t *testing.T) {
	s := testSigner(t)
	tok, err := s.Issue(testClaims())
	if err != nil {
		t.Fatal(err)
	}
	exp := t0.Add(8 * time.Hour)
	if _, err := s.Verify(tok, exp.Add(-time.Second)); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	for _, now := range []time.Time{exp, exp.Add(time.Hour)} {
		c, err := s.Verify(tok, now)
		if !errors.Is(err, ErrTokenExpired) {
			t.Fatalf("at %v: err = %v", now, err)
		}
		if c != (Claims{}) {
			t.Fatalf("claims returned with an error: %+v", c)
		}
	}
}

func TestVerifyOtherKey(t *testing.T) {
	tok, err := testSigner(t).Issue(testClaims())
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewSigner(bytes.Repeat([]byte{'k'}, 32))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Verify(tok, t0); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("err = %v", err)
	}
}

func TestVerifyGarbage(t *testing.T) {
	s := testSigner(t)
	tok, _ := s.Issue(testClaims())
	p, mac, _ := strings.Cut(tok, ".")
	for _, bad := range []string{
		"", ".", "a.b", p, p + ".", "." + mac, tok + ".", tok + ".x", "x" + tok,
		p + "." + mac + "=", p + "=." + mac, " " + tok, tok + "\n", p + "\n." + mac,
		strings.Repeat("a", MaxSealedLen+1),
		// A cookie value is not a token.
		Seal(s.cookieKey, []byte("123:abc")),
	} {
		if _, err := s.Verify(bad, t0); !errors.Is(err, ErrTokenInvalid) {
			t.Errorf("Verify(%q) err = %v", bad, err)
		}
	}
	var nilSigner *Signer
	if _, err := nilSigner.Verify(tok, t0); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("nil signer: %v", err)
	}
}

// A validly signed payload that breaks the claim rules is still refused.
func TestVerifySignedBadPayload(t *testing.T) {
	s := testSigner(t)
	for _, payload := range []string{
		`{"k":"admin","l":1,"s":"x","iat":1,"exp":2,"jti":"i"}`,
		`{"k":"agent","l":0,"s":"x","iat":1,"exp":2,"jti":"i"}`,
		`{"k":"agent","l":1,"s":"","iat":1,"exp":2,"jti":"i"}`,
		`{"k":"agent","l":1,"s":"x","iat":2,"exp":2,"jti":"i"}`,
		`{"k":"agent","l":1,"s":"x","iat":1,"exp":2,"jti":""}`,
		`{"k":"agent","l":1,"s":"x","iat":1,"exp":2,"jti":"i","admin":true}`,
		`[]`, `null`, `{`,
	} {
		if _, err := s.Verify(Seal(s.tokenKey, []byte(payload)), time.Unix(1, 0)); !errors.Is(err, ErrTokenInvalid) {
			t.Errorf("payload %s: err = %v", payload, err)
		}
	}
}

func TestIssueRejectsBadClaims(t *testing.T) {
	s := testSigner(t)
	for name, mod := range map[string]func(*Claims){
		"kind":      func(c *Claims) { c.Kind = "root" },
		"license":   func(c *Claims) { c.LicenseID = 0 },
		"subject":   func(c *Claims) { c.Subject = "" },
		"issued":    func(c *Claims) { c.IssuedAt = time.Time{} },
		"expires":   func(c *Claims) { c.ExpiresAt = time.Time{} },
		"backwards": func(c *Claims) { c.ExpiresAt = c.IssuedAt.Add(-time.Hour) },
		"subsecond": func(c *Claims) { c.ExpiresAt = c.IssuedAt.Add(time.Millisecond) },
	} {
		c := testClaims()
		mod(&c)
		if tok, err := s.Issue(c); err == nil {
			t.Errorf("%s: issued %q", name, tok)
		}
	}
}

func TestVerifyRejectsEveryByteMutation(t *testing.T) {
	s := testSigner(t)
	tok, err := s.Issue(testClaims())
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \n"
	for i := 0; i < len(tok); i++ {
		for j := 0; j < len(alphabet); j++ {
			if alphabet[j] == tok[i] {
				continue
			}
			m := tok[:i] + string(alphabet[j]) + tok[i+1:]
			if _, err := s.Verify(m, t0); err == nil {
				t.Fatalf("mutated token accepted: byte %d → %q", i, alphabet[j])
			}
		}
		if _, err := s.Verify(tok[:i]+tok[i+1:], t0); err == nil {
			t.Fatalf("token with byte %d removed accepted", i)
		}
	}
}

func TestParseBearer(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer abc":     "abc",
		"bearer abc":     "abc",
		"BEARER  abc ":   "abc",
		" Bearer\tabc.d": "abc.d",
	} {
		if got, ok := ParseBearer(in); !ok || got != want {
			t.Errorf("ParseBearer(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "Bearer", "Bearer ", "Bearerabc", "Basic abc", "abc", "Bearer a b", "Bear abc"} {
		if got, ok := ParseBearer(in); ok {
			t.Errorf("ParseBearer(%q) = %q, true", in, got)
		}
	}
}

// FuzzVerify checks that Verify never panics and never accepts anything but
// a token the Signer issued.
func FuzzVerify(f *testing.F) {
	s := testSigner(f)
	issued := map[string]bool{}
	for _, k := range []Kind{KindCustomer, KindAgent} {
		c := testClaims()
		c.Kind = k
		c.ID = "fuzz-" + string(k) // the same tokens in every fuzz worker
		tok, err := s.Issue(c)
		if err != nil {
			f.Fatal(err)
		}
		issued[tok] = true
		f.Add(tok, uint16(0), byte('A'))
		f.Add(tok, uint16(len(tok)-1), byte('B'))
		f.Add(tok, uint16(len(tok)/2), byte('.'))
	}
	f.Add("", uint16(0), byte(0))
	f.Add("a.b", uint16(1), byte('.'))
	f.Fuzz(func(t *testing.T, tok string, pos uint16, b byte) {
		check := func(tok string) {
			c, err := s.Verify(tok, t0)
			if err == nil && !issued[tok] {
				t.Fatalf("accepted a token that was never issued: %q → %+v", tok, c)
			}
			if err != nil && !errors.Is(err, ErrTokenInvalid) && !errors.Is(err, ErrTokenExpired) {
				t.Fatalf("unexpected error %v", err)
			}
		}
		check(tok)
		// The same input mutated in one byte.
		if len(tok) > 0 {
			i := int(pos) % len(tok)
			m := tok[:i] + string([]byte{b}) + tok[i+1:]
			check(m)
			check(tok[:i])
		}
	})
}
