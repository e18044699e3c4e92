package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"strings"
)

// This file holds the signing that every signed value of the server
// shares: access tokens, the identity cookie and identity tokens here, the
// v3.5 page ids of package session. Each signs with a key of its own
// purpose (DeriveKey), so that none is valid as another.

// MaxSealedLen is the longest value Open accepts: it bounds the work done
// on hostile input.
const MaxSealedLen = 4096

// b64 is the alphabet of sealed values: base64url without padding,
// rejecting non-canonical trailing bits.
var b64 = base64.RawURLEncoding.Strict()

// DeriveKey derives the key of one purpose from a secret key: the
// HMAC-SHA256 of purpose under key. Keys of different purposes are
// independent, so that nothing signed for one purpose is valid for
// another; name a purpose "parley/<package>/<what>/v<n>".
func DeriveKey(key []byte, purpose string) []byte {
	m := hmac.New(sha256.New, key)
	io.WriteString(m, purpose)
	return m.Sum(nil)
}

// sign returns the encoded MAC of msg under key.
func sign(key []byte, msg string) string {
	m := hmac.New(sha256.New, key)
	io.WriteString(m, msg)
	return b64.EncodeToString(m.Sum(nil))
}

// Seal signs data under key. The value is
//
//	base64url(data) "." base64url(HMAC-SHA256 of the first part)
//
// It is not encrypted: whoever holds it can read data.
func Seal(key, data []byte) string {
	p := b64.EncodeToString(data)
	return p + "." + sign(key, p)
}

// Open checks a value made by Seal under key and returns its data. It
// accepts only the exact bytes Seal produces, at most MaxSealedLen of
// them, and compares MACs in constant time.
func Open(key []byte, v string) ([]byte, bool) {
	if len(v) == 0 || len(v) > MaxSealedLen {
		return nil, false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return nil, false
		}
	}
	p, mac, ok := strings.Cut(v, ".")
	if !ok || p == "" || strings.Contains(mac, ".") {
		return nil, false
	}
	// Comparing the encoded MACs leaves no room for alternative encodings.
	if !hmac.Equal([]byte(mac), []byte(sign(key, p))) {
		return nil, false
	}
	data, err := b64.DecodeString(p)
	if err != nil {
		return nil, false
	}
	return data, true
}
