package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// This file holds the customers: login, their own updates, and what agents
// do to them (look up, ban).

// LoginInfo is what a customer login carries.
type LoginInfo struct {
	Name, Email, Avatar *string
	Fields              map[string]string
	Page                *Page
	Referrer            *string
	GroupID             *int
}

// LoginCustomer records a customer's visit, creating the customer on its
// first login. What the login says about the customer is checked as
// UpdateCustomer and UpdateCustomerPage check it. A banned customer gets
// ErrBanned.
func (s *Service) LoginCustomer(ctx context.Context, licenseID int, id string, in LoginInfo) (Customer, error) {
	now := s.now()
	if _, err := s.license(ctx, licenseID, now); err != nil {
		return Customer{}, err
	}
	if in.Page != nil && in.Page.Timestamp.IsZero() {
		in.Page.Timestamp = now
	}
	u := CustomerUpdate{Name: in.Name, Email: in.Email, Avatar: in.Avatar, Fields: in.Fields, Page: in.Page, Referrer: in.Referrer, GroupID: in.GroupID, Visit: true}
	if err := checkCustomerUpdate(u); err != nil {
		return Customer{}, err
	}
	if err := s.checkFieldsRoom(ctx, licenseID, id, u.Fields); err != nil {
		return Customer{}, err
	}
	c, err := s.store.LoginCustomer(ctx, licenseID, id, now, u)
	if err != nil {
		return Customer{}, err
	}
	if c.BannedAt(now) {
		return c, ErrBanned
	}
	return c, nil
}

// CustomerChats returns the chats of the actor (a customer), the most
// recently active first, at most MaxChatsSummary, without the summaries
// ChatsSummary reads: what a login tells the customer.
func (s *Service) CustomerChats(ctx context.Context, a Actor) ([]Chat, error) {
	if a.Type != UserCustomer {
		return nil, invalid("only customers have chats of their own")
	}
	chats, _, err := s.store.Chats(ctx, ChatFilter{LicenseID: a.LicenseID, CustomerID: a.UserID}, 0, MaxChatsSummary)
	return chats, err
}

// UpdateCustomer changes the customer's own data and tells its connections
// and the agents of its chats.
func (s *Service) UpdateCustomer(ctx context.Context, a Actor, u CustomerUpdate) (Customer, error) {
	if err := checkCustomerUpdate(u); err != nil {
		return Customer{}, err
	}
	if err := s.checkFieldsRoom(ctx, a.LicenseID, a.UserID, u.Fields); err != nil {
		return Customer{}, err
	}
	cu, err := s.store.UpdateCustomer(ctx, a.LicenseID, a.UserID, u)
	if err != nil {
		return Customer{}, err
	}
	to, err := s.customerAudience(ctx, a)
	if err != nil {
		return cu, err
	}
	s.notifier.Notify(ctx, Notification{LicenseID: a.LicenseID, Recipients: to, Origin: a.Origin, Push: CustomerUpdated{Customer: cu}})
	return cu, nil
}

// UpdateCustomerPage records the page the customer is on.
func (s *Service) UpdateCustomerPage(ctx context.Context, a Actor, p Page) (Page, error) {
	if err := checkCustomerUpdate(CustomerUpdate{Page: &p}); err != nil {
		return Page{}, err
	}
	p.Timestamp = s.now()
	if _, err := s.store.UpdateCustomer(ctx, a.LicenseID, a.UserID, CustomerUpdate{Page: &p}); err != nil {
		return Page{}, err
	}
	to, err := s.customerAudience(ctx, a)
	if err != nil {
		return p, err
	}
	s.notifier.Notify(ctx, Notification{LicenseID: a.LicenseID, Recipients: to, Origin: a.Origin, Push: CustomerPageUpdated{CustomerID: a.UserID, Page: p}})
	return p, nil
}

// customerAudience is the customer itself and the agents of its active
// chats; for a chat waiting in the queue, the agents of its groups.
func (s *Service) customerAudience(ctx context.Context, a Actor) (to []Recipient, err error) {
	to = []Recipient{a.recipient()}
	chats, _, err := s.store.Chats(ctx, ChatFilter{LicenseID: a.LicenseID, CustomerID: a.UserID, Active: true}, 0, MaxChatsSummary)
	if err != nil {
		return to, err
	}
	for _, c := range chats {
		if hasPresentAgent(c) {
			to = merge(to, agentsOf(c))
		} else {
			to = merge(to, s.groupAgents(ctx, c))
		}
	}
	return to, nil
}

// SetCustomerSideStorage stores the customer's side storage (sent back at
// every login).
func (s *Service) SetCustomerSideStorage(ctx context.Context, a Actor, st map[string]string) error {
	if err := checkNoNUL("side storage", st); err != nil {
		return err
	}
	return s.store.SetCustomerSideStorage(ctx, a.LicenseID, a.UserID, st)
}

// Customer returns a customer of the actor's license: for a normal agent,
// one who has a chat the agent may see.
func (s *Service) Customer(ctx context.Context, a Actor, customerID string) (Customer, error) {
	if a.Type != UserAgent {
		return Customer{}, invalid("only agents look customers up")
	}
	if customerID == "" {
		return Customer{}, invalid("customer_id is required")
	}
	if err := checkNoNUL("customer_id", customerID); err != nil {
		return Customer{}, err
	}
	// A normal agent looks up the customers of the chats it may see;
	// any other is not found, as a missing one.
	access, err := s.chatAccess(ctx, a)
	if err != nil {
		return Customer{}, err
	}
	if access != nil {
		_, n, err := s.store.Chats(ctx, ChatFilter{LicenseID: a.LicenseID, CustomerID: customerID, Access: access}, 0, 1)
		if err != nil {
			return Customer{}, err
		}
		if n == 0 {
			return Customer{}, fmt.Errorf("customer %s: %w", customerID, ErrNotFound)
		}
	}
	return s.store.Customer(ctx, a.LicenseID, customerID)
}

// MaxBanDays is the longest ban with an end; 0 days bans for good.
const MaxBanDays = 36500

// BanCustomer bans a customer of the actor's license for days (0: for
// good); it needs a manager (Agent.Manager): its connections are closed with customer_banned, its later logins
// are refused, and its active chats are closed.
func (s *Service) BanCustomer(ctx context.Context, a Actor, customerID string, days int) error {
	if a.Type != UserAgent {
		return invalid("only agents ban customers")
	}
	if err := s.requireManager(ctx, a, "banning a customer"); err != nil {
		return err
	}
	if days < 0 || days > MaxBanDays {
		return invalid("ban days must be 0 (for good) to %d", MaxBanDays)
	}
	if customerID == "" {
		return invalid("customer_id is required")
	}
	if err := checkNoNUL("customer_id", customerID); err != nil {
		return err
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

// MaxStatisticsChats is how many of a customer's chats, the newest,
// CustomerStatistics counts the threads of: each costs the store a read.
const MaxStatisticsChats = 100

// CustomerStats counts what a customer did.
type CustomerStats struct {
	// Chats is how many chats the customer has.
	Chats int
	// Threads is how many threads its newest MaxStatisticsChats chats
	// have.
	Threads int
}

// Self returns the actor, a customer, with the counts of its chats and
// threads.
func (s *Service) Self(ctx context.Context, a Actor) (Customer, CustomerStats, error) {
	if a.Type != UserCustomer {
		return Customer{}, CustomerStats{}, invalid("only customers look themselves up")
	}
	c, err := s.store.Customer(ctx, a.LicenseID, a.UserID)
	if err != nil {
		return Customer{}, CustomerStats{}, err
	}
	_, st, err := s.customerStats(ctx, a)
	if err != nil {
		return Customer{}, CustomerStats{}, err
	}
	return c, st, nil
}

// CustomerOverview returns the chats of the actor (a customer), as
// CustomerChats does, and the counts Self gives, from one read of its
// chats: what a v3.5 login tells the customer besides the customer, which
// the login has in hand.
func (s *Service) CustomerOverview(ctx context.Context, a Actor) ([]Chat, CustomerStats, error) {
	if a.Type != UserCustomer {
		return nil, CustomerStats{}, invalid("only customers have chats of their own")
	}
	chats, st, err := s.customerStats(ctx, a)
	if err != nil {
		return nil, CustomerStats{}, err
	}
	return chats[:min(len(chats), MaxChatsSummary)], st, nil
}

// customerStats counts the actor's (a customer's) chats and the threads
// of its newest MaxStatisticsChats chats, which it returns, the most
// recently active first.
func (s *Service) customerStats(ctx context.Context, a Actor) ([]Chat, CustomerStats, error) {
	chats, total, err := s.store.Chats(ctx, ChatFilter{LicenseID: a.LicenseID, CustomerID: a.UserID}, 0, MaxStatisticsChats)
	if err != nil {
		return nil, CustomerStats{}, err
	}
	st := CustomerStats{Chats: total}
	for _, ch := range chats {
		if ch.LastThreadID == "" {
			continue
		}
		_, n, err := s.store.Threads(ctx, ch.ID, 0, 1)
		if err != nil {
			return nil, CustomerStats{}, err
		}
		st.Threads += n
	}
	return chats, st, nil
}
