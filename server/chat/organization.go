package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
)

// Organization ids are UUIDs, made and checked here by hand rather than
// with a UUID library: the domain imports no networking or SQL code
// (internal/layout), and the common library pulls in both.

// NewOrganizationID returns a random organization id: a version 4 UUID in
// canonical form.
func NewOrganizationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])  // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// ParseOrganizationID returns the canonical form of an organization id
// (the 36-character hyphenated UUID, in lower case), or ErrInvalid when s
// is not one. Upper-case hex digits are accepted; braces, "urn:uuid:" and
// the form without hyphens are not.
func ParseOrganizationID(s string) (string, error) {
	bad := fmt.Errorf("%w: organization id %q is not a UUID", ErrInvalid, s)
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return "", bad
	}
	var b [16]byte
	if _, err := hex.Decode(b[:], []byte(strings.ReplaceAll(s, "-", ""))); err != nil {
		return "", bad
	}
	return formatUUID(b), nil
}

// LicenseByOrganization returns the license whose organization id is
// organizationID, as read less than StatusTTL ago. An id that is not a
// UUID is ErrNotFound without a store read; one in upper case finds the
// same license as in lower case.
func (s *Service) LicenseByOrganization(ctx context.Context, organizationID string) (License, error) {
	id, err := ParseOrganizationID(organizationID)
	if err != nil {
		return License{}, fmt.Errorf("%w: organization %q", ErrNotFound, organizationID)
	}
	now := s.now()
	if l, ok := s.organizations.get(id, now); ok {
		return l, nil
	}
	l, err := s.store.LicenseByOrganization(ctx, id)
	if err == nil {
		s.organizations.put(id, now, l)
	}
	return l, err
}
