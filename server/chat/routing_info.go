package chat

import (
	"context"
	"slices"
	"time"
)

// This file holds what the Service tells about routing: the agent a chat
// would go to, the groups' and agents' statuses, a queued chat's place.

// queueInfo returns the place of c, a queued chat, in the queue.
func (s *Service) queueInfo(ctx context.Context, c Chat) (QueueInfo, error) {
	return s.router.QueuePosition(ctx, c)
}

// PredictedAgent returns the agent a new chat of the group would go to
// now. ErrGroupsOffline when nobody can take it.
func (s *Service) PredictedAgent(ctx context.Context, a Actor, groupID int) (Agent, error) {
	ag, ok, err := s.router.Predict(ctx, a.LicenseID, []int{groupID})
	if err != nil {
		return Agent{}, err
	}
	if !ok {
		return Agent{}, ErrGroupsOffline
	}
	return ag, nil
}

// GroupsStatus tells for each group whether it can take a chat. Nil ids
// mean every group of the license; unknown ids are left out.
func (s *Service) GroupsStatus(ctx context.Context, a Actor, ids []int) (map[int]GroupStatus, error) {
	groups, err := s.licenseGroups(ctx, a.LicenseID, s.now())
	if err != nil {
		return nil, err
	}
	known := make([]int, 0, len(groups))
	for _, g := range groups {
		if ids == nil || slices.Contains(ids, g.ID) {
			known = append(known, g.ID)
		}
	}
	return s.router.GroupsStatus(ctx, a.LicenseID, known)
}

// ListAgents returns the license's agents with their routing status and
// load, ordered by id.
func (s *Service) ListAgents(ctx context.Context, a Actor) ([]AgentInfo, error) {
	return s.router.Agents(ctx, a.LicenseID)
}

// GroupInfo is a group as list_groups shows it.
type GroupInfo struct {
	Group
	Status GroupStatus
}

// ListGroups returns the license's groups with their status, ordered by
// id.
func (s *Service) ListGroups(ctx context.Context, a Actor) ([]GroupInfo, error) {
	groups, err := s.store.Groups(ctx, a.LicenseID)
	if err != nil {
		return nil, err
	}
	st, err := s.GroupsStatus(ctx, a, nil)
	if err != nil {
		return nil, err
	}
	out := make([]GroupInfo, len(groups))
	for i, g := range groups {
		out[i] = GroupInfo{Group: g, Status: st[g.ID]}
	}
	return out, nil
}

// license returns the license, as read less than StatusTTL ago.
func (s *Service) license(ctx context.Context, licenseID int, now time.Time) (License, error) {
	if l, ok := s.licenses.get(licenseID, now); ok {
		return l, nil
	}
	l, err := s.store.License(ctx, licenseID)
	if err == nil {
		s.licenses.put(licenseID, now, l)
	}
	return l, err
}

// licenseGroups returns the license's groups, as read less than StatusTTL
// ago: for the status of groups, a hint.
func (s *Service) licenseGroups(ctx context.Context, licenseID int, now time.Time) ([]Group, error) {
	if gs, ok := s.groups.get(licenseID, now); ok {
		return gs, nil
	}
	gs, err := s.store.Groups(ctx, licenseID)
	if err == nil {
		s.groups.put(licenseID, now, gs)
	}
	return gs, err
}
