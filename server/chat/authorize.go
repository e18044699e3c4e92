package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// This file holds who may do what: the agents' roles and groups. Every
// agent request that names a chat goes through chatFor, which refuses a
// chat the agent may not see as ErrNotFound, exactly like a missing chat;
// the listings keep such chats out (chatAccess), and the actions of
// managers check their role (requireManager). The table of every action
// is in docs/agent-api.md ("Permissions").

// Roles of agents (Agent.Role).
const (
	RoleOwner         = "owner"
	RoleViceOwner     = "viceowner"
	RoleAdministrator = "administrator"
	RoleNormal        = "normal"
)

// Roles lists the roles an agent may have, from the most to the least
// powerful.
var Roles = []string{RoleOwner, RoleViceOwner, RoleAdministrator, RoleNormal}

// ErrForbidden is a request the agent's role does not allow (banning a
// customer, removing another agent from a chat).
var ErrForbidden = errors.New("chat: not allowed for the agent's role")

// Manager reports whether the agent manages the whole license: owners,
// vice owners and administrators see and act on every chat of the
// license, ban customers and remove other agents from chats. Every other
// role, an empty one included, is normal.
func (a Agent) Manager() bool {
	switch a.Role {
	case RoleOwner, RoleViceOwner, RoleAdministrator:
		return true
	}
	return false
}

// MaySee reports whether the agent may see and act on chat c: a manager
// any chat of its license; a normal agent a chat whose groups share one
// with its own, or a chat it is a present member of (routed or transferred
// to it, it stays able to finish a chat after its groups change).
func (a Agent) MaySee(c Chat) bool {
	if c.LicenseID != a.LicenseID {
		return false
	}
	return a.Manager() || a.InAnyGroup(chatGroups(c)...) || isPresent(c, a.ID)
}

// agentOf loads the agent making a request: roles and groups are read at
// each request, so a change (parley agent add) applies at once. An agent
// deleted since its login gets ErrNotFound.
func (s *Service) agentOf(ctx context.Context, a Actor) (Agent, error) {
	if a.Type != UserAgent {
		return Agent{}, invalid("only agents may do this")
	}
	return s.store.Agent(ctx, a.LicenseID, a.UserID)
}

// mayAccess refuses a chat that the actor may not see as ErrNotFound:
// another customer's chat, another license's, or for a normal agent a chat
// outside its groups.
func (s *Service) mayAccess(ctx context.Context, a Actor, c Chat) error {
	notFound := fmt.Errorf("chat %s: %w", c.ID, ErrNotFound)
	if c.LicenseID != a.LicenseID {
		return notFound
	}
	switch a.Type {
	case UserCustomer:
		if c.CustomerID != a.UserID {
			return notFound
		}
	case UserAgent:
		ag, err := s.agentOf(ctx, a)
		if err != nil {
			return err
		}
		if !ag.MaySee(c) {
			return notFound
		}
	default:
		return notFound
	}
	return nil
}

// requireManager refuses an agent whose role is not a manager's.
func (s *Service) requireManager(ctx context.Context, a Actor, what string) error {
	ag, err := s.agentOf(ctx, a)
	if err != nil {
		return err
	}
	if !ag.Manager() {
		return fmt.Errorf("%w: %s needs an owner or an administrator", ErrForbidden, what)
	}
	return nil
}

// chatAccess narrows a listing of chats to those the agent making it may
// see (Agent.MaySee): nil, no narrowing, for a manager.
func (s *Service) chatAccess(ctx context.Context, a Actor) (*ChatAccess, error) {
	ag, err := s.agentOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if ag.Manager() {
		return nil, nil
	}
	return &ChatAccess{GroupIDs: slices.Clone(ag.GroupIDs()), MemberID: ag.ID}, nil
}
