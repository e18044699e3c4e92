package chat

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// NewOrganizationID returns a random organization id: a version 4 UUID in
// canonical form.
func NewOrganizationID() string { return uuid.NewString() }

// ParseOrganizationID returns the canonical form of an organization id
// (the 36-character hyphenated UUID, in lower case), or ErrInvalid when s
// is not one. Upper-case hex digits are accepted; braces, "urn:uuid:" and
// the form without hyphens are not.
func ParseOrganizationID(s string) (string, error) {
	if len(s) != 36 {
		return "", fmt.Errorf("%w: organization id %q is not a UUID", ErrInvalid, s)
	}
	u, err := uuid.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%w: organization id %q is not a UUID", ErrInvalid, s)
	}
	return u.String(), nil
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
