package auth

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"
)

// GrantIdentity is the grant_type of the XHR flows that names the customer
// by an identity token instead of the cookie (see the package
// documentation).
const GrantIdentity = "identity"

// CodeInvalidGrant answers an identity grant whose identity token is
// forged, expired, or of another license or client.
const CodeInvalidGrant = "invalid_grant"

var errInvalidGrant = oauthErr(CodeInvalidGrant, http.StatusBadRequest)

// IdentityTTL is the lifetime of an identity token, as that of the identity
// cookie: two years, renewed by every grant.
const IdentityTTL = cookieMaxAge * time.Second

// Identity is what an identity token says: which customer of which
// license, for which client.
type Identity struct {
	LicenseID  int
	ClientID   string
	CustomerID string
	ExpiresAt  time.Time
}

// wireIdentity is the signed payload of an identity token.
type wireIdentity struct {
	LicenseID  int    `json:"l"`
	ClientID   string `json:"c"`
	CustomerID string `json:"s"`
	ExpiresAt  int64  `json:"exp"`
}

// IssueIdentity signs id with the Signer's identity key, derived from its
// key apart from the token and cookie keys: an identity token is never an
// access token or a cookie, and a new signing key revokes every identity
// token made with the old one.
func (s *Signer) IssueIdentity(id Identity) (string, error) {
	data, err := json.Marshal(wireIdentity{LicenseID: id.LicenseID, ClientID: id.ClientID, CustomerID: id.CustomerID, ExpiresAt: id.ExpiresAt.Unix()})
	if err != nil {
		return "", err
	}
	return Seal(s.identityKey, data), nil
}

// VerifyIdentity returns the identity of v when it was made by
// IssueIdentity with this Signer's key, byte for byte, and now is before
// its expiry; ok is false otherwise.
func (s *Signer) VerifyIdentity(v string, now time.Time) (id Identity, ok bool) {
	data, ok := Open(s.identityKey, v)
	if !ok {
		return Identity{}, false
	}
	var w wireIdentity
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if d.Decode(&w) != nil || d.More() || w.LicenseID <= 0 || w.ClientID == "" ||
		w.CustomerID == "" || len(w.CustomerID) > maxCustomerIDLen || now.Unix() >= w.ExpiresAt {
		return Identity{}, false
	}
	return Identity{LicenseID: w.LicenseID, ClientID: w.ClientID, CustomerID: w.CustomerID, ExpiresAt: time.Unix(w.ExpiresAt, 0)}, true
}

// identityCustomer returns the customer an identity grant names, checked
// against the license and client of the request.
func (a *Accounts) identityCustomer(v string, licenseID int, clientID string) (string, *authError) {
	id, ok := a.Signer.VerifyIdentity(v, a.now())
	if !ok || id.LicenseID != licenseID || id.ClientID != clientID {
		return "", errInvalidGrant
	}
	return id.CustomerID, nil
}
