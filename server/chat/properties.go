package chat

import (
	"context"
)

// PropertyTarget addresses properties: a chat, a thread or an event.
type PropertyTarget struct {
	ChatID, ThreadID, EventID string
}

// UpdateProperties merges properties into a chat, thread or event.
func (s *Service) UpdateProperties(ctx context.Context, a Actor, t PropertyTarget, p Properties) error {
	c, err := s.chatFor(ctx, a, t.ChatID)
	if err != nil {
		return err
	}
	if len(p) == 0 {
		return invalid("properties are required")
	}
	if err := checkNoNUL("properties and their target", []any{t, p}); err != nil {
		return err
	}
	unlock, err := s.lock(ctx, c.ID)
	if err != nil {
		return err
	}
	defer unlock()
	to, err := s.propertiesAudience(ctx, a, c, t)
	if err != nil {
		return err
	}
	switch {
	case t.EventID != "":
		err = s.store.UpdateEventProperties(ctx, c.ID, t.ThreadID, t.EventID, p)
	case t.ThreadID != "":
		err = s.store.UpdateThreadProperties(ctx, c.ID, t.ThreadID, p)
	default:
		err = s.store.UpdateChatProperties(ctx, c.ID, p)
	}
	if err != nil {
		return err
	}
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: to, Origin: a.Origin,
		Push: PropertiesUpdated{ChatID: c.ID, ThreadID: t.ThreadID, EventID: t.EventID, Properties: p}})
	return nil
}

// DeleteProperties removes properties from a chat, thread or event.
func (s *Service) DeleteProperties(ctx context.Context, a Actor, t PropertyTarget, names PropertyNames) error {
	c, err := s.chatFor(ctx, a, t.ChatID)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return invalid("properties are required")
	}
	if err := checkNoNUL("properties and their target", []any{t, names}); err != nil {
		return err
	}
	unlock, err := s.lock(ctx, c.ID)
	if err != nil {
		return err
	}
	defer unlock()
	to, err := s.propertiesAudience(ctx, a, c, t)
	if err != nil {
		return err
	}
	switch {
	case t.EventID != "":
		err = s.store.DeleteEventProperties(ctx, c.ID, t.ThreadID, t.EventID, names)
	case t.ThreadID != "":
		err = s.store.DeleteThreadProperties(ctx, c.ID, t.ThreadID, names)
	default:
		err = s.store.DeleteChatProperties(ctx, c.ID, names)
	}
	if err != nil {
		return err
	}
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: to, Origin: a.Origin,
		Push: PropertiesDeleted{ChatID: c.ID, ThreadID: t.ThreadID, EventID: t.EventID, Names: names}})
	return nil
}

// propertiesAudience returns who is told of a change of t's properties: the
// chat's audience, its agents only when t is a private note. A customer
// cannot address a note: it is not found, as in the customer's reads.
func (s *Service) propertiesAudience(ctx context.Context, a Actor, c Chat, t PropertyTarget) ([]Recipient, error) {
	to := s.audience(ctx, c)
	if t.EventID == "" || t.ThreadID == "" {
		return to, nil
	}
	e, err := s.findEvent(ctx, a.Type, c.ID, t.ThreadID, t.EventID)
	if err != nil {
		return nil, err
	}
	if e.AgentsOnly() {
		to, _ = splitAgents(to)
	}
	return to, nil
}
