package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Domain errors of the Service, beyond the Store's. The session layer maps
// each to a protocol error type.
var (
	ErrInvalid        = errors.New("chat: invalid request")
	ErrBanned         = errors.New("chat: customer banned")
	ErrGroupsOffline  = errors.New("chat: no agent available in the group")
	ErrGroupNotFound  = errors.New("chat: group not found")
	ErrNotChatMember  = errors.New("chat: not a member of the chat")
	ErrNotAllowedType = errors.New("chat: event type not allowed")
)

// Limits of the Customer Chat API v3.0.
const (
	MaxTextBytes        = 16 << 10
	MaxRichElements     = 10
	MaxRichButtons      = 11
	MaxChatsSummary     = 25
	MaxChatsOffset      = 100
	MaxThreadsSummary   = 100
	MaxThreadIDs        = 100
	MaxSneakPeekBytes   = 16 << 10
	MaxPropertiesBytes  = 32 << 10
	DefaultChatsLimit   = 10
	DefaultThreadsLimit = 25
)

// invalid returns an error matching ErrInvalid with a message for the user.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Config configures a Service.
type Config struct {
	Store    Store
	Notifier Notifier
	// GracePeriod is how long an agent whose connections are all gone
	// stays online (see routing.go). Zero: DefaultGracePeriod.
	GracePeriod time.Duration
	// Now returns the current time. Nil: time.Now.
	Now func() time.Time
	// Logger for errors that no caller sees. Nil: slog.Default().
	Logger *slog.Logger
}

// Service is the chat domain: it checks who may do what, stores it and
// notifies everyone concerned. It is safe for concurrent use.
//
// Changes to one chat are serialized: the Store write and the Notify call of
// one change happen under the chat's lock, so every connection sees a chat's
// events in the order they were stored.
type Service struct {
	store    Store
	notifier Notifier
	now      func() time.Time
	log      *slog.Logger
	locks    [128]sync.Mutex
	routing  router
}

// NewService returns a Service.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("chat: Config.Store is required")
	}
	s := &Service{store: cfg.Store, notifier: cfg.Notifier, now: cfg.Now, log: cfg.Logger}
	s.routing.init(cfg.GracePeriod)
	if s.notifier == nil {
		s.notifier = nopNotifier{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s, nil
}

type nopNotifier struct{}

func (nopNotifier) Notify(context.Context, Notification) {}

// Store returns the service's store.
func (s *Service) Store() Store { return s.store }

// SetNotifier sets the notifier; call it before serving.
func (s *Service) SetNotifier(n Notifier) { s.notifier = n }

func (s *Service) lock(chatID string) func() {
	h := fnv.New32a()
	h.Write([]byte(chatID))
	m := &s.locks[h.Sum32()%uint32(len(s.locks))]
	m.Lock()
	return m.Unlock
}

// NewID returns a random upper-case hex id of n bytes.
func NewID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

func newChatID() string   { return NewID(5) }
func newThreadID() string { return NewID(5) }
func newEventID() string  { return NewID(6) }

// Actor is who makes a request.
type Actor struct {
	LicenseID int
	UserID    string
	Type      UserType
	Origin    Origin
}

func (a Actor) recipient() Recipient { return Recipient{ID: a.UserID, Type: a.Type} }

// chatFor loads a chat the actor may see. Another customer's chat and a
// chat of another license are ErrNotFound, exactly like a missing chat.
func (s *Service) chatFor(ctx context.Context, a Actor, chatID string) (Chat, error) {
	if chatID == "" {
		return Chat{}, invalid("chat_id is required")
	}
	c, err := s.store.Chat(ctx, chatID)
	if err != nil {
		return Chat{}, err
	}
	if c.LicenseID != a.LicenseID || (a.Type == UserCustomer && c.CustomerID != a.UserID) {
		return Chat{}, fmt.Errorf("chat %s: %w", chatID, ErrNotFound)
	}
	return c, nil
}

// recipients are the present members of a chat.
func recipients(c Chat) []Recipient {
	r := make([]Recipient, 0, len(c.Users))
	for _, u := range c.Users {
		if u.Present {
			r = append(r, Recipient{ID: u.ID, Type: u.Type})
		}
	}
	return r
}

func hasPresentAgent(c Chat) bool {
	for _, u := range c.Users {
		if u.Present && u.Type == UserAgent {
			return true
		}
	}
	return false
}

// notify tells a chat's members about a change. A chat that no agent is in
// is waiting for one: every agent of its groups is told, so agents
// watching the queue see all of it.
func (s *Service) notify(ctx context.Context, a Actor, c Chat, push Push) {
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: s.audience(ctx, c), Origin: a.Origin, Push: push})
}

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

// LoginInfo is what a customer login carries.
type LoginInfo struct {
	Name, Email, Avatar *string
	Fields              map[string]string
	Page                *Page
	Referrer            *string
	GroupID             *int
}

// LoginCustomer records a customer's visit, creating the customer on its
// first login. A banned customer gets ErrBanned.
func (s *Service) LoginCustomer(ctx context.Context, licenseID int, id string, in LoginInfo) (Customer, error) {
	if _, err := s.store.License(ctx, licenseID); err != nil {
		return Customer{}, err
	}
	now := s.now()
	if in.Page != nil && in.Page.Timestamp.IsZero() {
		in.Page.Timestamp = now
	}
	err := s.store.CreateCustomer(ctx, Customer{ID: id, LicenseID: licenseID, CreatedAt: now})
	if err != nil && !errors.Is(err, ErrExists) {
		return Customer{}, err
	}
	c, err := s.store.Customer(ctx, licenseID, id)
	if err != nil {
		return Customer{}, err
	}
	if c.BannedAt(now) {
		return c, ErrBanned
	}
	u := CustomerUpdate{Name: in.Name, Email: in.Email, Avatar: in.Avatar, Fields: in.Fields, Page: in.Page, Referrer: in.Referrer, GroupID: in.GroupID, Visit: true}
	return s.store.UpdateCustomer(ctx, licenseID, id, u)
}

// ChatSummary is a chat with what a chat list shows.
type ChatSummary struct {
	Chat       Chat
	Members    []Member
	LastEvents map[string]LastEvent
	LastThread *Thread // nil before the first thread
	// Queue is the place in the queue of a queued chat (ListChats only).
	Queue *QueueInfo
}

// ChatsSummary lists the actor's chats, the most recently active first.
// Customers see their own chats, agents the chats they are members of (or
// every chat of the license with all set).
func (s *Service) ChatsSummary(ctx context.Context, a Actor, offset, limit int, all bool) ([]ChatSummary, int, error) {
	if offset < 0 || limit < 0 {
		return nil, 0, invalid("offset and limit must not be negative")
	}
	if limit == 0 {
		limit = DefaultChatsLimit
	}
	if limit > MaxChatsSummary {
		return nil, 0, invalid("limit must be at most %d", MaxChatsSummary)
	}
	if a.Type == UserCustomer && offset > MaxChatsOffset {
		return nil, 0, invalid("offset must be at most %d", MaxChatsOffset)
	}
	f := ChatFilter{LicenseID: a.LicenseID}
	switch {
	case a.Type == UserCustomer:
		f.CustomerID = a.UserID
	case !all:
		f.MemberID = a.UserID
	}
	chats, total, err := s.store.Chats(ctx, f, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ChatSummary, 0, len(chats))
	for _, c := range chats {
		sum, err := s.summary(ctx, c)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, sum)
	}
	return out, total, nil
}

func (s *Service) summary(ctx context.Context, c Chat) (ChatSummary, error) {
	sum := ChatSummary{Chat: c}
	var err error
	if sum.Members, err = s.Members(ctx, c); err != nil {
		return sum, err
	}
	if sum.LastEvents, err = s.store.LastEvents(ctx, c.ID); err != nil {
		return sum, err
	}
	if c.LastThreadID != "" {
		ts, _, err := s.store.Threads(ctx, c.ID, 0, 1)
		if err != nil {
			return sum, err
		}
		if len(ts) > 0 {
			sum.LastThread = &ts[0]
		}
	}
	return sum, nil
}

// ThreadsSummary lists a chat's threads newest first.
func (s *Service) ThreadsSummary(ctx context.Context, a Actor, chatID string, offset, limit int) ([]Thread, int, error) {
	if offset < 0 || limit < 0 {
		return nil, 0, invalid("offset and limit must not be negative")
	}
	if limit == 0 {
		limit = DefaultThreadsLimit
	}
	if limit > MaxThreadsSummary {
		return nil, 0, invalid("limit must be at most %d", MaxThreadsSummary)
	}
	if _, err := s.chatFor(ctx, a, chatID); err != nil {
		return nil, 0, err
	}
	return s.store.Threads(ctx, chatID, offset, limit)
}

// ChatThreads returns a chat with the named threads and their events.
func (s *Service) ChatThreads(ctx context.Context, a Actor, chatID string, threadIDs []string) (Chat, []Member, []Thread, error) {
	if len(threadIDs) > MaxThreadIDs {
		return Chat{}, nil, nil, invalid("at most %d thread_ids", MaxThreadIDs)
	}
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return Chat{}, nil, nil, err
	}
	if len(threadIDs) == 0 && c.LastThreadID != "" {
		threadIDs = []string{c.LastThreadID}
	}
	threads, err := s.store.ThreadsByID(ctx, chatID, threadIDs)
	if err != nil {
		return Chat{}, nil, nil, err
	}
	members, err := s.Members(ctx, c)
	return c, members, threads, err
}

// StartChat is the input of StartChat and ActivateChat.
type StartChat struct {
	GroupIDs         []int
	Properties       Properties
	ThreadProperties Properties
	Events           []Event
}

// StartChat creates a chat for a customer with an active thread holding
// the given events, and notifies the customer and the license's agents.
func (s *Service) StartChat(ctx context.Context, a Actor, in StartChat) (Chat, Thread, error) {
	if a.Type != UserCustomer {
		return Chat{}, Thread{}, invalid("only customers start chats")
	}
	now := s.now()
	groups, err := s.checkGroups(ctx, a.LicenseID, in.GroupIDs)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	events, err := s.prepareEvents(a, "", in.Events, now)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	nc := NewChat{
		Chat: Chat{
			ID: newChatID(), LicenseID: a.LicenseID, CustomerID: a.UserID, GroupIDs: groups,
			Properties: in.Properties, CreatedAt: now,
			Users: []User{{ID: a.UserID, Type: UserCustomer, Present: true}},
		},
		Thread: Thread{ID: newThreadID(), Properties: in.ThreadProperties, CreatedAt: now},
		Events: events,
	}
	for i := range nc.Events {
		nc.Events[i].ChatID = nc.Chat.ID
	}
	unlock := s.lock(nc.Chat.ID)
	defer unlock()
	c, t, err := s.store.CreateChat(ctx, nc)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	s.openedThread(ctx, a, c, t)
	return c, t, nil
}

// ActivateChat opens a new thread in a customer's chat that has none active.
func (s *Service) ActivateChat(ctx context.Context, a Actor, chatID string, in StartChat) (Chat, Thread, error) {
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	now := s.now()
	events, err := s.prepareEvents(a, chatID, in.Events, now)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	unlock := s.lock(c.ID)
	defer unlock()
	// Refuse an active chat before anything is written: the properties
	// below are stored apart from the new thread.
	if c, err = s.store.Chat(ctx, chatID); err != nil {
		return Chat{}, Thread{}, err
	}
	if c.Active {
		return Chat{}, Thread{}, ErrChatActive
	}
	c = s.dropOfflineAgents(ctx, c)
	if len(in.Properties) > 0 {
		if err := s.store.UpdateChatProperties(ctx, chatID, in.Properties); err != nil {
			return Chat{}, Thread{}, err
		}
	}
	users := []User{{ID: c.CustomerID, Type: UserCustomer, Present: true}}
	if a.Type == UserAgent {
		users = append(users, User{ID: a.UserID, Type: UserAgent, Present: true})
	}
	c, t, err := s.store.ActivateChat(ctx, chatID, Thread{ID: newThreadID(), Properties: in.ThreadProperties, CreatedAt: now}, users, events)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	s.openedThread(ctx, a, c, t)
	return c, t, nil
}

// openedThread routes a chat whose thread t has just opened, unless an
// agent is in it, and tells about the thread: its members get
// incoming_chat_thread (so do the agents of its groups when it is
// queued), then the assignment is told (notifyAssigned). The caller holds
// the chat's lock.
func (s *Service) openedThread(ctx context.Context, a Actor, c Chat, t Thread) {
	var (
		ag       Agent
		assigned bool
	)
	if !hasPresentAgent(c) {
		ag, assigned = s.route(ctx, c)
	}
	members, err := s.Members(ctx, c)
	if err != nil {
		s.log.Error("load chat members", "chat_id", c.ID, "err", err)
	}
	to := recipients(c)
	if !assigned {
		to = s.audience(ctx, c)
	}
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: to, Origin: a.Origin,
		Push: IncomingChatThread{Chat: c, Members: members, Thread: t}})
	if assigned {
		s.notifyAssigned(ctx, c.ID, ag, false, c)
	}
}

func (s *Service) checkGroups(ctx context.Context, licenseID int, ids []int) ([]int, error) {
	if len(ids) == 0 {
		return []int{0}, nil
	}
	groups, err := s.store.Groups(ctx, licenseID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(groups, func(g Group) bool { return g.ID == id }) {
			return nil, fmt.Errorf("group %d: %w", id, ErrGroupNotFound)
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(ids))), nil
}

func (s *Service) prepareEvents(a Actor, chatID string, in []Event, now time.Time) ([]Event, error) {
	out := make([]Event, len(in))
	for i, e := range in {
		if err := s.checkEvent(a, e); err != nil {
			return nil, fmt.Errorf("events[%d]: %w", i, err)
		}
		e.ID, e.ChatID, e.AuthorID, e.CreatedAt = newEventID(), chatID, a.UserID, now
		out[i] = e
	}
	return out, nil
}

// checkEvent validates an event a user sends.
func (s *Service) checkEvent(a Actor, e Event) error {
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
			return invalid("file events are created by uploading a file")
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
	return nil
}

// SendEvent stores an event from a user and notifies the chat. When the
// chat has no active thread the event opens a new one (the members get
// incoming_chat_thread), unless attachToLast puts it in the last thread.
// A retry with the same CustomID returns the stored event and stores and
// notifies nothing.
func (s *Service) SendEvent(ctx context.Context, a Actor, chatID string, e Event, attachToLast bool) (AppendResult, error) {
	if err := s.checkEvent(a, e); err != nil {
		return AppendResult{}, err
	}
	// The chat is loaded under its lock, so the members notified are the
	// members at the time the event is stored.
	unlock := s.lock(chatID)
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
	if attachToLast {
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
	s.notify(ctx, a, c, IncomingEvent{Event: r.Event})
	return r, nil
}

func isPresent(c Chat, userID string) bool {
	for _, u := range c.Users {
		if u.ID == userID {
			return u.Present
		}
	}
	return false
}

// SendPostback records a rich message postback and tells the chat's agents.
func (s *Service) SendPostback(ctx context.Context, a Actor, p Postback) error {
	c, err := s.chatFor(ctx, a, p.ChatID)
	if err != nil {
		return err
	}
	if p.ID == "" || p.EventID == "" || p.ThreadID == "" {
		return invalid("event_id, thread_id and postback.id are required")
	}
	ts, err := s.store.ThreadsByID(ctx, c.ID, []string{p.ThreadID})
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ts[0].Events, func(e Event) bool { return e.ID == p.EventID }) {
		return fmt.Errorf("event %s: %w", p.EventID, ErrNotFound)
	}
	p.UserID, p.CreatedAt = a.UserID, s.now()
	unlock := s.lock(c.ID)
	defer unlock()
	if err := s.store.AddPostback(ctx, p); err != nil {
		return err
	}
	if ts[0].Active {
		s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: agentsOf(c), Origin: a.Origin, Push: PostbackReceived{Postback: p}})
	}
	return nil
}

func agentsOf(c Chat) []Recipient {
	var r []Recipient
	for _, u := range c.Users {
		if u.Present && u.Type == UserAgent {
			r = append(r, Recipient{ID: u.ID, Type: UserAgent})
		}
	}
	return r
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

// CloseThread closes the chat's active thread with a system message saying
// who closed it, and notifies the chat.
func (s *Service) CloseThread(ctx context.Context, a Actor, chatID string) (Thread, error) {
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return Thread{}, err
	}
	now := s.now()
	text, typ := "Chat closed by the customer", "manual_archived_customer"
	if a.Type == UserAgent {
		text, typ = "Chat closed by an agent", "manual_archived_agent"
		if m, err := s.member(ctx, c.LicenseID, User{ID: a.UserID, Type: UserAgent}); err == nil && m.Name != "" {
			text = "Chat closed by " + m.Name
		}
	}
	sys := &Event{ID: newEventID(), ChatID: chatID, Type: EventSystemMessage, CreatedAt: now, Text: text, SystemMessageType: typ}
	t, err := s.closeThread(ctx, a, chatID, now, sys)
	if err != nil {
		return Thread{}, err
	}
	// The chat's agents may take another chat now.
	s.drain(ctx)
	return t, nil
}

func (s *Service) closeThread(ctx context.Context, a Actor, chatID string, now time.Time, sys *Event) (Thread, error) {
	unlock := s.lock(chatID)
	defer unlock()
	c, err := s.store.Chat(ctx, chatID)
	if err != nil {
		return Thread{}, err
	}
	t, stored, err := s.store.CloseThread(ctx, chatID, now, sys)
	if err != nil {
		return Thread{}, err
	}
	s.routing.dequeue(chatID)
	if stored != nil {
		s.notify(ctx, a, c, IncomingEvent{Event: *stored})
	}
	s.notify(ctx, a, c, ThreadClosed{ChatID: chatID, ThreadID: t.ID, UserID: a.UserID})
	return t, nil
}

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
	unlock := s.lock(c.ID)
	defer unlock()
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
	s.notify(ctx, a, c, PropertiesUpdated{ChatID: c.ID, ThreadID: t.ThreadID, EventID: t.EventID, Properties: p})
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
	unlock := s.lock(c.ID)
	defer unlock()
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
	s.notify(ctx, a, c, PropertiesDeleted{ChatID: c.ID, ThreadID: t.ThreadID, EventID: t.EventID, Names: names})
	return nil
}

// UpdateCustomer changes the customer's own data and tells its connections
// and the agents of its chats.
func (s *Service) UpdateCustomer(ctx context.Context, a Actor, u CustomerUpdate) (Customer, error) {
	if u.Name != nil && len(*u.Name) > 512 || u.Email != nil && len(*u.Email) > 512 {
		return Customer{}, invalid("name and email must be at most 512 bytes")
	}
	if len(u.Fields) > 100 {
		return Customer{}, invalid("at most 100 fields")
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
	if len(p.URL) > 4096 || len(p.Title) > 1024 {
		return Page{}, invalid("url or title too long")
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
	return s.store.SetCustomerSideStorage(ctx, a.LicenseID, a.UserID, st)
}

// UpdateLastSeen moves the actor's last seen time in a chat (zero: now)
// and tells the chat. The time never moves back; the stored one is returned.
func (s *Service) UpdateLastSeen(ctx context.Context, a Actor, chatID string, at time.Time) (time.Time, error) {
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return time.Time{}, err
	}
	if at.IsZero() {
		at = s.now()
	}
	unlock := s.lock(c.ID)
	defer unlock()
	stored, err := s.store.SetLastSeen(ctx, c.ID, a.UserID, at)
	if err != nil {
		return time.Time{}, err
	}
	s.notify(ctx, a, c, LastSeenUpdated{ChatID: c.ID, ThreadID: c.LastThreadID, UserID: a.UserID, At: stored})
	return stored, nil
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
	unlock := s.lock(c.ID)
	defer unlock()
	// Look under the lock: of two joins at once, only the first adds the
	// agent and tells the chat.
	if c, err = s.store.Chat(ctx, c.ID); err != nil {
		return err
	}
	if isPresent(c, a.UserID) {
		return nil
	}
	u := User{ID: a.UserID, Type: UserAgent, Present: true}
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
	// The agents who watched the chat in the queue learn it is taken.
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: merge(s.audience(ctx, c), recipients(after)),
		Origin: a.Origin, Push: UserAdded{ChatID: c.ID, ThreadID: after.LastThreadID, Member: m}})
	return nil
}

// LeaveChat removes an agent from a chat; the chat's members are told.
func (s *Service) LeaveChat(ctx context.Context, a Actor, chatID, userID string) error {
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return err
	}
	if a.Type != UserAgent {
		return invalid("only agents remove users")
	}
	// Only agents leave: a customer out of its own chat would no longer
	// get the pushes that answer its requests.
	if userID == c.CustomerID {
		return invalid("the chat's customer cannot be removed")
	}
	err = func() error {
		unlock := s.lock(c.ID)
		defer unlock()
		if c, err = s.store.Chat(ctx, c.ID); err != nil {
			return err
		}
		if !isPresent(c, userID) {
			return fmt.Errorf("member: %w", ErrNotFound)
		}
		_, err := s.removeAgentLocked(ctx, a.Origin, c, userID)
		return err
	}()
	if err != nil {
		return err
	}
	// The agent may take another chat now.
	s.drain(ctx)
	return nil
}

// Chat returns a chat the actor may see, with its members.
func (s *Service) Chat(ctx context.Context, a Actor, chatID string) (Chat, []Member, error) {
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return Chat{}, nil, err
	}
	m, err := s.Members(ctx, c)
	return c, m, err
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
