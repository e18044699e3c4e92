package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// This file holds the actions only agents have: listing a license's chats,
// looking a customer up, transferring chats and banning customers.

// MaxAgentChatsLimit is the largest page of list_chats.
const MaxAgentChatsLimit = 100

// ListChats selects the chats of list_chats.
type ListChats struct {
	Offset, Limit int
	// Queued keeps the chats waiting for an agent.
	Queued bool
	// Mine keeps the chats the agent is a present member of.
	Mine bool
}

// ListChats lists the license's chats, the most recently active first. A
// queued chat's summary carries its place in the queue.
func (s *Service) ListChats(ctx context.Context, a Actor, in ListChats) ([]ChatSummary, int, error) {
	if a.Type != UserAgent {
		return nil, 0, invalid("only agents list the license's chats")
	}
	if in.Offset < 0 || in.Limit < 0 {
		return nil, 0, invalid("offset and limit must not be negative")
	}
	if in.Limit == 0 {
		in.Limit = DefaultChatsLimit
	}
	if in.Limit > MaxAgentChatsLimit {
		return nil, 0, invalid("limit must be at most %d", MaxAgentChatsLimit)
	}
	f := ChatFilter{LicenseID: a.LicenseID, Queued: in.Queued}
	if in.Mine {
		f.MemberID = a.UserID
	}
	chats, total, err := s.store.Chats(ctx, f, in.Offset, in.Limit)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ChatSummary, 0, len(chats))
	for _, c := range chats {
		sum, err := s.summary(ctx, c)
		if err != nil {
			return nil, 0, err
		}
		if c.Active && !hasPresentAgent(c) {
			q := s.queueInfo(c)
			sum.Queue = &q
		}
		out = append(out, sum)
	}
	return out, total, nil
}

// Customer returns a customer of the actor's license.
func (s *Service) Customer(ctx context.Context, a Actor, customerID string) (Customer, error) {
	if a.Type != UserAgent {
		return Customer{}, invalid("only agents look customers up")
	}
	if customerID == "" {
		return Customer{}, invalid("customer_id is required")
	}
	return s.store.Customer(ctx, a.LicenseID, customerID)
}

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

// TransferChat moves an active chat. To an agent: the agent joins and the
// requester, if in the chat, leaves. To a group: the chat's groups become
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
		if to.AgentID == a.UserID {
			return invalid("a chat cannot be transferred to its requester")
		}
		target, err = s.store.Agent(ctx, a.LicenseID, to.AgentID)
		if errors.Is(err, ErrNotFound) {
			return invalid("agent %q not found", to.AgentID)
		} else if err != nil {
			return err
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
		unlock := s.lock(c.ID)
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

func (s *Service) transferToAgentLocked(ctx context.Context, a Actor, before Chat, target Agent) error {
	c := before
	if !isPresent(c, target.ID) {
		u := User{ID: target.ID, Type: UserAgent, Present: true}
		if err := s.store.AddChatUser(ctx, c.ID, u); err != nil {
			return err
		}
		s.routing.dequeue(c.ID)
		after, err := s.store.Chat(ctx, c.ID)
		if err != nil {
			return err
		}
		m, err := s.member(ctx, c.LicenseID, u)
		if err != nil {
			return err
		}
		s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: merge(s.audience(ctx, c), recipients(after)),
			Origin: a.Origin, Push: UserAdded{ChatID: c.ID, ThreadID: c.LastThreadID, Member: m}})
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
	if ag, ok := s.route(ctx, c, left...); ok {
		s.notifyAssigned(ctx, c.ID, ag, true, c)
	}
	return nil
}

// MaxBanDays is the longest ban with an end; 0 days bans for good.
const MaxBanDays = 36500

// BanCustomer bans a customer of the actor's license for days (0: for
// good): its connections are closed with customer_banned, its later logins
// are refused, and its active chats are closed.
func (s *Service) BanCustomer(ctx context.Context, a Actor, customerID string, days int) error {
	if a.Type != UserAgent {
		return invalid("only agents ban customers")
	}
	if days < 0 || days > MaxBanDays {
		return invalid("ban days must be 0 (for good) to %d", MaxBanDays)
	}
	if customerID == "" {
		return invalid("customer_id is required")
	}
	if _, err := s.store.Customer(ctx, a.LicenseID, customerID); err != nil {
		return err
	}
	banned := true
	var until time.Time
	if days > 0 {
		until = s.now().Add(time.Duration(days) * 24 * time.Hour)
	}
	if _, err := s.store.UpdateCustomer(ctx, a.LicenseID, customerID, CustomerUpdate{Banned: &banned, BannedUntil: &until}); err != nil {
		return err
	}
	s.notifier.Notify(ctx, Notification{LicenseID: a.LicenseID, Recipients: []Recipient{{ID: customerID, Type: UserCustomer}},
		Push: Disconnect{Reason: ReasonCustomerBanned}})
	chats, _, err := s.store.Chats(ctx, ChatFilter{LicenseID: a.LicenseID, CustomerID: customerID, Active: true}, 0, 0)
	if err != nil {
		return err
	}
	for _, c := range chats {
		now := s.now()
		sys := &Event{ID: newEventID(), ChatID: c.ID, Type: EventSystemMessage, CreatedAt: now,
			Text: "Chat closed: the customer was banned", SystemMessageType: "customer_banned"}
		if _, err := s.closeThread(ctx, a, c.ID, now, sys); err != nil && !errors.Is(err, ErrNoActiveThread) {
			return err
		}
	}
	s.drain(ctx)
	return nil
}
