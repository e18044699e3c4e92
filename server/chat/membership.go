package chat

import (
	"context"
	"errors"
	"fmt"
)

// This file holds the membership of chats: profiles of members, agents
// joining and leaving, and the one way an agent is added by hand.

// Members returns the chat's users with their profiles.
func (s *Service) Members(ctx context.Context, c Chat) ([]Member, error) {
	out := make([]Member, 0, len(c.Users))
	for _, u := range c.Users {
		m, err := s.member(ctx, c.LicenseID, u)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func (s *Service) member(ctx context.Context, licenseID int, u User) (Member, error) {
	m := Member{User: u}
	switch u.Type {
	case UserCustomer:
		cu, err := s.store.Customer(ctx, licenseID, u.ID)
		if errors.Is(err, ErrNotFound) {
			return m, nil
		} else if err != nil {
			return m, err
		}
		m.Name, m.Email, m.Avatar, m.Fields = cu.Name, cu.Email, cu.Avatar, cu.Fields
	case UserAgent:
		ag, err := s.store.Agent(ctx, licenseID, u.ID)
		if errors.Is(err, ErrNotFound) {
			return m, nil
		} else if err != nil {
			return m, err
		}
		m.Name, m.Avatar, m.JobTitle = ag.Name, ag.Avatar, ag.JobTitle
	}
	return m, nil
}

// JoinChat makes an agent a member of a chat; the chat's members are told.
func (s *Service) JoinChat(ctx context.Context, a Actor, chatID string) error {
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return err
	}
	if a.Type != UserAgent {
		return invalid("only agents join chats")
	}
	unlock, err := s.lock(ctx, c.ID)
	if err != nil {
		return err
	}
	defer unlock()
	// Look under the lock: of two joins at once, only the first adds the
	// agent and tells the chat.
	if c, err = s.store.Chat(ctx, c.ID); err != nil {
		return err
	}
	if isPresent(c, a.UserID) {
		return nil
	}
	_, err = s.addAgentLocked(ctx, a.Origin, c, a.UserID)
	return err
}

// addAgentLocked makes an agent a present member of chat c (loaded under
// the chat's lock, which the caller holds) by hand, not by routing: the
// chat leaves the queue, and its members, the agent and, when the chat was
// queued, the agents who watched it there get chat_user_added. It returns
// the chat after the change.
func (s *Service) addAgentLocked(ctx context.Context, o Origin, c Chat, agentID string) (Chat, error) {
	u := User{ID: agentID, Type: UserAgent, Present: true}
	if err := s.store.AddChatUser(ctx, c.ID, u); err != nil {
		return c, err
	}
	s.dequeue(ctx, c)
	after, err := s.store.Chat(ctx, c.ID)
	if err != nil {
		return c, err
	}
	m, err := s.member(ctx, c.LicenseID, u)
	if err != nil {
		return after, err
	}
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: merge(s.audience(ctx, c), recipients(after)),
		Origin: o, Push: UserAdded{ChatID: c.ID, ThreadID: after.LastThreadID, Member: m}})
	return after, nil
}

// LeaveChat removes an agent from a chat; the chat's members are told.
// An agent leaves by itself; removing another agent needs a manager.
func (s *Service) LeaveChat(ctx context.Context, a Actor, chatID, userID string) error {
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return err
	}
	if a.Type != UserAgent {
		return invalid("only agents remove users")
	}
	if err := checkNoNUL("user_id", userID); err != nil {
		return err
	}
	// Only agents leave: a customer out of its own chat would no longer
	// get the pushes that answer its requests.
	if userID == c.CustomerID {
		return invalid("the chat's customer cannot be removed")
	}
	if userID != a.UserID {
		if err := s.requireManager(ctx, a, "removing another agent"); err != nil {
			return err
		}
	}
	err = func() error {
		unlock, err := s.lock(ctx, c.ID)
		if err != nil {
			return err
		}
		defer unlock()
		if c, err = s.store.Chat(ctx, c.ID); err != nil {
			return err
		}
		if !isPresent(c, userID) {
			return fmt.Errorf("member: %w", ErrNotFound)
		}
		_, err = s.removeAgentLocked(ctx, a.Origin, c, userID)
		return err
	}()
	if err != nil {
		return err
	}
	// The agent may take another chat now.
	s.drain(ctx)
	return nil
}

// removeAgentLocked takes an agent out of chat c (loaded under the chat's
// lock, which the caller holds), tells who heard of the chat before and
// after, and routes the chat again when no agent is left in it.
func (s *Service) removeAgentLocked(ctx context.Context, o Origin, c Chat, agentID string) (Chat, error) {
	if err := s.store.RemoveChatUser(ctx, c.ID, agentID); err != nil {
		return c, err
	}
	after, err := s.store.Chat(ctx, c.ID)
	if err != nil {
		return c, err
	}
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: merge(s.audience(ctx, c), s.audience(ctx, after)),
		Origin: o, Push: UserRemoved{ChatID: c.ID, ThreadID: c.LastThreadID, UserID: agentID, UserType: UserAgent}})
	if after.Active && !hasPresentAgent(after) {
		s.routeAndNotify(ctx, after, agentID)
	}
	return after, nil
}

// dropOfflineAgents takes the offline agents out of chat c, which has no
// active thread, before a new thread opens: the chat is then routed again
// unless an online agent stays. The caller holds the chat's lock.
func (s *Service) dropOfflineAgents(ctx context.Context, c Chat) Chat {
	for _, u := range c.Users {
		if !u.Present || u.Type != UserAgent || s.agentOnline(c.LicenseID, u.ID) {
			continue
		}
		if err := s.store.RemoveChatUser(ctx, c.ID, u.ID); err != nil {
			s.log.Error("remove an offline agent", "chat_id", c.ID, "agent", u.ID, "err", err)
			continue
		}
		s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: recipients(c),
			Push: UserRemoved{ChatID: c.ID, ThreadID: c.LastThreadID, UserID: u.ID, UserType: UserAgent}})
		for i := range c.Users {
			if c.Users[i].ID == u.ID {
				c.Users[i].Present = false
			}
		}
	}
	return c
}
