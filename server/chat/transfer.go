package chat

import (
	"context"
	"errors"
	"fmt"
)

// Transfer targets.
const (
	TransferToAgent = "agent"
	TransferToGroup = "group"
)

// TransferTarget is where transfer_chat sends a chat: an agent or a group.
type TransferTarget struct {
	Type    string // TransferToAgent or TransferToGroup
	AgentID string
	GroupID int
}

// TransferChat moves an active chat. To an agent (who must be allowed to
// see the chat, Agent.MaySee): the agent joins and the requester, if in
// the chat, leaves. To a group: the chat's groups become
// that group, its agents leave, and it is routed in the group. The chat's
// agents, before and after, get chat_transferred.
func (s *Service) TransferChat(ctx context.Context, a Actor, chatID string, to TransferTarget) error {
	if a.Type != UserAgent {
		return invalid("only agents transfer chats")
	}
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return err
	}
	var target Agent
	switch to.Type {
	case TransferToAgent:
		if err := checkNoNUL("agent id", to.AgentID); err != nil {
			return err
		}
		if to.AgentID == a.UserID {
			return invalid("a chat cannot be transferred to its requester")
		}
		target, err = s.store.Agent(ctx, a.LicenseID, to.AgentID)
		if errors.Is(err, ErrNotFound) {
			return invalid("agent %q not found", to.AgentID)
		} else if err != nil {
			return err
		}
		if !target.MaySee(c) {
			return invalid("agent %q may not see the chat: it is in none of the chat's groups", target.ID)
		}
		if !s.agentOnline(a.LicenseID, target.ID) {
			return invalid("agent %q is offline", target.ID)
		}
	case TransferToGroup:
		if _, err := s.checkGroups(ctx, a.LicenseID, []int{to.GroupID}); err != nil {
			return err
		}
	default:
		return invalid("target type must be agent or group")
	}
	err = func() error {
		unlock, err := s.lock(ctx, c.ID)
		if err != nil {
			return err
		}
		defer unlock()
		before, err := s.store.Chat(ctx, c.ID)
		if err != nil {
			return err
		}
		if !before.Active {
			return fmt.Errorf("chat %s: %w", c.ID, ErrNoActiveThread)
		}
		push := ChatTransferred{ChatID: c.ID, ThreadID: before.LastThreadID, RequesterID: a.UserID, TargetType: to.Type}
		if to.Type == TransferToAgent {
			push.AgentIDs = []string{target.ID}
			err = s.transferToAgentLocked(ctx, a, before, target)
		} else {
			push.GroupIDs = []int{to.GroupID}
			err = s.transferToGroupLocked(ctx, a, before, to.GroupID)
		}
		if err != nil {
			return err
		}
		after, err := s.store.Chat(ctx, c.ID)
		if err != nil {
			return err
		}
		s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: merge(s.audience(ctx, before), s.audience(ctx, after)),
			Origin: a.Origin, Push: push})
		return nil
	}()
	if err != nil {
		return err
	}
	// The requester, or the agents who left, may take another chat now.
	s.drain(ctx)
	return nil
}

func (s *Service) transferToAgentLocked(ctx context.Context, a Actor, c Chat, target Agent) error {
	if !isPresent(c, target.ID) {
		after, err := s.addAgentLocked(ctx, a.Origin, c, target.ID)
		if err != nil {
			return err
		}
		c = after
	}
	if isPresent(c, a.UserID) {
		if _, err := s.removeAgentLocked(ctx, a.Origin, c, a.UserID); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) transferToGroupLocked(ctx context.Context, a Actor, before Chat, group int) error {
	if err := s.store.SetChatGroups(ctx, before.ID, []int{group}); err != nil {
		return err
	}
	c, err := s.store.Chat(ctx, before.ID)
	if err != nil {
		return err
	}
	left := []string{a.UserID}
	for _, u := range before.Users {
		if !u.Present || u.Type != UserAgent {
			continue
		}
		left = append(left, u.ID)
		if err := s.store.RemoveChatUser(ctx, c.ID, u.ID); err != nil {
			return err
		}
		after, err := s.store.Chat(ctx, c.ID)
		if err != nil {
			return err
		}
		s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: merge(s.audience(ctx, before), s.audience(ctx, after)),
			Origin: a.Origin, Push: UserRemoved{ChatID: c.ID, ThreadID: c.LastThreadID, UserID: u.ID, UserType: UserAgent}})
		c = after
	}
	// The agents who handed the chat over are not given it straight back.
	waiting := before.Active && !hasPresentAgent(before)
	if ag, ok, _ := s.route(ctx, c, waiting, left...); ok {
		s.notifyAssigned(ctx, c.ID, ag, true, c)
	}
	return nil
}
