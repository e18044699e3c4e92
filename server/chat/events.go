package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds the events: checking and storing what users send, the
// postbacks, and what is told but not stored (sneak peeks, typing).

func (s *Service) prepareEvents(ctx context.Context, a Actor, chatID string, in []Event, now time.Time) ([]Event, error) {
	if len(in) > MaxThreadEvents {
		return nil, invalid("at most %d events open a thread, got %d", MaxThreadEvents, len(in))
	}
	out := make([]Event, len(in))
	for i, e := range in {
		e, err := s.checkEvent(ctx, a, e)
		if err != nil {
			return nil, fmt.Errorf("events[%d]: %w", i, err)
		}
		if e.AgentsOnly() {
			return nil, invalid("events[%d]: a note (visibility agents) cannot open a thread", i)
		}
		e.ID, e.ChatID, e.AuthorID, e.CreatedAt = newEventID(), chatID, a.UserID, now
		out[i] = e
	}
	return out, nil
}

// checkEvent validates an event a user sends and returns it as it is to
// be stored: a file event gets its file's details from the upload its URL
// names (see uploadedFile).
func (s *Service) checkEvent(ctx context.Context, a Actor, e Event) (Event, error) {
	if err := s.checkEventFields(a, e); err != nil {
		return Event{}, err
	}
	if e.Type == EventFile {
		f, err := s.uploadedFile(ctx, a, e.File.URL)
		if err != nil {
			return Event{}, err
		}
		e.File = &f
	}
	return e, nil
}

// checkEventFields validates the fields of an event a user sends.
func (s *Service) checkEventFields(a Actor, e Event) error {
	switch e.Visibility {
	case VisibilityAll:
	case VisibilityAgents:
		if a.Type != UserAgent {
			return invalid("only agents send events with visibility agents")
		}
	default:
		return invalid("visibility must be all or agents, got %q", e.Visibility)
	}
	switch e.Type {
	case EventMessage:
		if e.Text == "" {
			return invalid("message text is required")
		}
	case EventFilledForm:
		if len(e.Fields) == 0 {
			return invalid("filled_form fields are required")
		}
	case EventCustom:
	case EventFile:
		if e.File == nil || e.File.URL == "" {
			return invalid("a file event needs the url of an uploaded file")
		}
	case EventRichMessage, EventSystemMessage, EventAnnotation:
		if a.Type != UserAgent {
			return fmt.Errorf("%w: customers cannot send %s events", ErrNotAllowedType, e.Type)
		}
		if e.Type == EventRichMessage {
			if err := checkRichMessage(e.Elements); err != nil {
				return err
			}
		}
		if e.Type == EventSystemMessage && e.Text == "" {
			return invalid("system_message text is required")
		}
	case "":
		return invalid("event type is required")
	default:
		return fmt.Errorf("%w: unknown event type %q", ErrNotAllowedType, e.Type)
	}
	if len(e.Text) > MaxTextBytes {
		return invalid("text is longer than %d bytes", MaxTextBytes)
	}
	if !utf8.ValidString(e.Text) {
		return invalid("text is not valid UTF-8")
	}
	if len(e.CustomID) > 256 {
		return invalid("custom_id is longer than 256 bytes")
	}
	if plainEvent(e) {
		// The usual event, checked field by field: encoding it whole to
		// look for U+0000 costs more than the rest of its checks.
		for _, f := range []string{e.ID, e.ChatID, e.ThreadID, e.Type, e.AuthorID, e.CustomID, e.Text,
			e.SystemMessageType, e.TemplateID, e.FormID, e.AnnotationType} {
			if strings.IndexByte(f, 0) >= 0 {
				return invalid("event must not contain U+0000 (NUL)")
			}
		}
		for _, raw := range [][]byte{e.Elements, e.Fields, e.Content} {
			if jsonHasNUL(raw) {
				return invalid("event must not contain U+0000 (NUL)")
			}
		}
		return nil
	}
	return checkNoNUL("event", e)
}

// plainEvent reports whether e holds nothing but strings and raw JSON,
// which checkEvent looks at directly.
func plainEvent(e Event) bool {
	return len(e.Properties) == 0 && e.Postback == nil && e.TextVars == nil && e.File == nil
}

// SendEvent stores an event from a user and notifies the chat. When the
// chat has no active thread the event opens a new one (the members get
// incoming_chat_thread), unless attachToLast puts it in the last thread.
// A retry with the same CustomID returns the stored event and stores and
// notifies nothing.
func (s *Service) SendEvent(ctx context.Context, a Actor, chatID string, e Event, attachToLast bool) (AppendResult, error) {
	e, err := s.checkEvent(ctx, a, e)
	if err != nil {
		return AppendResult{}, err
	}
	// The chat is loaded under this process's lock of it, so the members
	// notified are the members at the time the event is stored. A cluster's
	// turn on the chat (ChatLocker) is not taken for an event: the store
	// orders a chat's events, and nodes deliver the pushes of events in
	// that order by their places (Notification.Seq), whatever order they
	// are published in. Taking the turn would cost every message two more
	// round trips to PostgreSQL and one to the broker, with a connection
	// held meanwhile.
	unlock := s.locks.lock(chatID)
	defer unlock()
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return AppendResult{}, err
	}
	if a.Type == UserAgent && !isPresent(c, a.UserID) {
		return AppendResult{}, fmt.Errorf("%w: join the chat first", ErrNotChatMember)
	}
	e.ID, e.ChatID, e.AuthorID, e.CreatedAt = newEventID(), chatID, a.UserID, s.now()
	mode := AppendOrOpen
	if attachToLast || e.AgentsOnly() && !c.Active {
		// A note never opens a thread: opening one tells the customer.
		mode = AppendLast
	}
	if mode == AppendOrOpen && !c.Active {
		// The event opens a thread: agents who went offline since the
		// last one leave first, so that the chat is routed again.
		c = s.dropOfflineAgents(ctx, c)
	}
	r, err := s.store.AppendEvent(ctx, AppendEvent{Event: e, Mode: mode, NewThreadID: newThreadID()})
	if err != nil || r.Duplicate {
		return r, err
	}
	c.LastEventAt = r.Event.CreatedAt
	if r.Opened {
		c.Active, c.LastThreadID = true, r.Thread.ID
		t := r.Thread
		t.Events = []Event{r.Event}
		s.openedThread(ctx, a, c, t)
		return r, nil
	}
	s.notifySeq(ctx, a, c, IncomingEvent{Event: r.Event}, SeqEvent, r.Thread.Order, r.Event.Order)
	if a.Type == UserAgent && !r.Event.AgentsOnly() {
		s.mailAnswer(c, r.Event)
	}
	return r, nil
}

// SendPostback records a rich message postback and tells the chat's
// agents. The postback must name a button of a rich message of the chat.
func (s *Service) SendPostback(ctx context.Context, a Actor, p Postback) error {
	c, err := s.chatFor(ctx, a, p.ChatID)
	if err != nil {
		return err
	}
	if p.ID == "" || p.EventID == "" || p.ThreadID == "" {
		return invalid("event_id, thread_id and postback.id are required")
	}
	if err := checkNoNUL("postback", p); err != nil {
		return err
	}
	th, err := s.store.Thread(ctx, c.ID, p.ThreadID)
	if err != nil {
		return err
	}
	// A customer's read skips notes: a postback naming one is not found.
	e, err := s.findEvent(ctx, a.Type, c.ID, p.ThreadID, p.EventID)
	if err != nil {
		return err
	}
	if err := checkPostback(e, p.ID); err != nil {
		return err
	}
	p.UserID, p.CreatedAt = a.UserID, s.now()
	unlock, err := s.lock(ctx, c.ID)
	if err != nil {
		return err
	}
	defer unlock()
	if err := s.store.AddPostback(ctx, p); err != nil {
		return err
	}
	if th.Active {
		s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: agentsOf(c), Origin: a.Origin, Push: PostbackReceived{Postback: p}})
	}
	return nil
}

// findEvent looks an event of a thread up, reading the thread newest first
// a page at a time: a thread of any length costs no more memory than a page.
func (s *Service) findEvent(ctx context.Context, reader UserType, chatID, threadID, eventID string) (Event, error) {
	before := 0
	for {
		evs, err := s.store.ThreadEvents(ctx, chatID, threadID, before, pageChunk, reader)
		if err != nil {
			return Event{}, err
		}
		for _, e := range evs {
			if e.ID == eventID {
				return e, nil
			}
		}
		if len(evs) < pageChunk {
			return Event{}, fmt.Errorf("event %s: %w", eventID, ErrNotFound)
		}
		before = evs[len(evs)-1].Order
	}
}

// recentThread returns a thread of a chat with its newest events, at most
// MaxThreadEvents of them, in Order: what a push that hands a thread over
// carries (the rest is paged in with get_chat), so that a thread of any
// length fits in one frame. Only agents are handed threads over, so it
// holds notes.
func (s *Service) recentThread(ctx context.Context, chatID, threadID string) (Thread, error) {
	th, err := s.store.Thread(ctx, chatID, threadID)
	if err != nil {
		return Thread{}, err
	}
	evs, err := s.store.ThreadEvents(ctx, chatID, threadID, 0, MaxThreadEvents, UserAgent)
	if err != nil {
		return Thread{}, err
	}
	slices.Reverse(evs)
	th.Events = evs
	return th, nil
}

// SneakPeek forwards what a customer is typing to the chat's agents. It is
// not stored. A chat without an active thread ignores it.
func (s *Service) SneakPeek(ctx context.Context, a Actor, chatID, text string) error {
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return err
	}
	if len(text) > MaxSneakPeekBytes {
		return invalid("sneak_peek_text is longer than %d bytes", MaxSneakPeekBytes)
	}
	if err := checkNoNUL("sneak_peek_text", text); err != nil {
		return err
	}
	if !c.Active {
		return nil
	}
	to := agentsOf(c)
	if !hasPresentAgent(c) {
		to = s.groupAgents(ctx, c)
	}
	n := Notification{LicenseID: c.LicenseID, Recipients: to,
		Push: SneakPeek{ChatID: c.ID, ThreadID: c.LastThreadID, AuthorID: a.UserID, At: s.now(), Text: text}}
	s.notifier.Notify(ctx, n)
	return nil
}

// SendTyping tells the chat's other members that an agent is typing.
func (s *Service) SendTyping(ctx context.Context, a Actor, chatID string, typing bool) error {
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return err
	}
	if !c.Active {
		return fmt.Errorf("chat %s: %w", chatID, ErrNoActiveThread)
	}
	var to []Recipient
	for _, r := range recipients(c) {
		if r.ID != a.UserID {
			to = append(to, r)
		}
	}
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: to,
		Push: TypingIndicator{ChatID: c.ID, ThreadID: c.LastThreadID, AuthorID: a.UserID, At: s.now(), IsTyping: typing}})
	return nil
}

// UpdateLastSeen moves the actor's last seen time in a chat (zero: now)
// and tells the chat. The time never moves back; the change told, with the
// stored time, is returned.
func (s *Service) UpdateLastSeen(ctx context.Context, a Actor, chatID string, at time.Time) (LastSeenUpdated, error) {
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return LastSeenUpdated{}, err
	}
	if at.IsZero() {
		at = s.now()
	}
	unlock, err := s.lock(ctx, c.ID)
	if err != nil {
		return LastSeenUpdated{}, err
	}
	defer unlock()
	stored, err := s.store.SetLastSeen(ctx, c.ID, a.UserID, at)
	if err != nil {
		return LastSeenUpdated{}, err
	}
	u := LastSeenUpdated{ChatID: c.ID, ThreadID: c.LastThreadID, UserID: a.UserID, At: stored}
	s.notify(ctx, a, c, u)
	return u, nil
}

// checkRichMessage validates a rich message's elements: 1 to 10 elements,
// at most 11 buttons each, every button with text.
func checkRichMessage(raw json.RawMessage) error {
	var elements []struct {
		Buttons []struct {
			Text       string `json:"text"`
			PostbackID string `json:"postback_id"`
		} `json:"buttons"`
	}
	if err := json.Unmarshal(raw, &elements); err != nil {
		return invalid("rich_message elements must be an array of objects")
	}
	if len(elements) < 1 || len(elements) > MaxRichElements {
		return invalid("rich_message needs 1 to %d elements", MaxRichElements)
	}
	for i, el := range elements {
		if len(el.Buttons) > MaxRichButtons {
			return invalid("elements[%d] has more than %d buttons", i, MaxRichButtons)
		}
		for j, b := range el.Buttons {
			if b.Text == "" {
				return invalid("elements[%d].buttons[%d] has no text", i, j)
			}
		}
	}
	return nil
}
