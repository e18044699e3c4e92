package chat

import (
	"context"
	"errors"
)

// WebCustomer returns the customer making a Web API call, who may never
// have logged in over the RTM: it is created then, as at a first login,
// but a call counts no visit. ErrNotFound when the license does not
// exist; ErrBanned (with the customer) when the customer is banned.
func (s *Service) WebCustomer(ctx context.Context, licenseID int, id string) (Customer, error) {
	now := s.now()
	if _, err := s.license(ctx, licenseID, now); err != nil {
		return Customer{}, err
	}
	c, err := s.store.Customer(ctx, licenseID, id)
	if errors.Is(err, ErrNotFound) {
		c, err = s.store.LoginCustomer(ctx, licenseID, id, now, CustomerUpdate{})
	}
	if err != nil {
		return Customer{}, err
	}
	if c.BannedAt(now) {
		return c, ErrBanned
	}
	return c, nil
}
