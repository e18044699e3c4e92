package chat

import (
	"context"
	"fmt"
)

// Group returns the group id of the actor's license, or an error wrapping
// ErrGroupNotFound.
func (s *Service) Group(ctx context.Context, a Actor, id int) (Group, error) {
	groups, err := s.store.Groups(ctx, a.LicenseID)
	if err != nil {
		return Group{}, err
	}
	for _, g := range groups {
		if g.ID == id {
			return g, nil
		}
	}
	return Group{}, fmt.Errorf("group %d: %w", id, ErrGroupNotFound)
}
