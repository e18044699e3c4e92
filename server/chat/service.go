package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
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
	MaxTextBytes       = 16 << 10
	MaxRichElements    = 10
	MaxRichButtons     = 11
	MaxChatsSummary    = 25
	MaxChatsOffset     = 100
	MaxThreadsSummary  = 100
	MaxThreadIDs       = 100
	MaxSneakPeekBytes  = 16 << 10
	MaxPropertiesBytes = 32 << 10
	// MaxThreadEvents is the most events one start_chat or activate_chat
	// may carry into the thread it opens: one request must not cost the
	// single writer an unbounded transaction.
	MaxThreadEvents     = 100
	DefaultChatsLimit   = 10
	DefaultThreadsLimit = 25
)

// invalid returns an error matching ErrInvalid with a message for the user.
func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Config configures a Service.
type Config struct {
	// Store keeps everything the Service stores. Required.
	Store Store
	// Notifier delivers the Service's pushes. Nil: pushes are dropped
	// (Service.SetNotifier may set it later).
	Notifier Notifier
	// Router gives chats to agents. Nil: a LocalRouter on Store with
	// GracePeriod and Now.
	Router Router
	// GracePeriod is how long an agent whose connections are all gone
	// stays online, and so how often the Service retries routing (a
	// quarter of it, at most a second). Zero: DefaultGracePeriod.
	GracePeriod time.Duration
	// Now returns the current time. Nil: time.Now.
	Now func() time.Time
	// Logger for errors that no caller sees. Nil: slog.Default().
	Logger *slog.Logger
	// ChatLocker makes the lock of a chat (see Service) hold across the
	// processes that share the Store: the Service takes it after its own
	// lock of the chat and releases it once the change is stored and its
	// Notify calls have returned. So processes change a chat one at a
	// time, each deciding on what the one before stored, and notify its
	// changes in store order. Nil: the lock is this process's alone, which
	// is right while no other process changes the chats.
	ChatLocker ChatLocker
	// Uploads finds uploaded files by their URLs: a file event names its
	// file by URL, and the Service takes the rest from Uploads. Nil: file
	// events are refused.
	Uploads Uploads
	// Mailer mails agents' answers to offline messages (offline.go). Nil:
	// they are not mailed.
	Mailer Mailer
	// Presence tells whether a customer is connected: an answer to an
	// offline message is mailed only to a customer who is not. Nil: every
	// answer is mailed.
	Presence Presence
}

// ChatLocker is a lock per chat shared by the processes that share a
// Store (store/postgres.ChatLocks).
type ChatLocker interface {
	// LockChat waits until no other process holds the chat's lock, takes
	// it and returns its release. It fails when ctx ends first or the lock
	// cannot be had.
	LockChat(ctx context.Context, chatID string) (unlock func(), err error)
}

// Service is the chat domain: it checks who may do what, stores it and
// notifies everyone concerned. It is safe for concurrent use.
//
// Changes to one chat are serialized: the Store write and the Notify call of
// one change happen under the chat's lock, so every connection sees a chat's
// events in the order they were stored. The lock is the process's own,
// unless Config.ChatLocker makes it hold across processes.
type Service struct {
	store    Store
	notifier Notifier
	router   Router
	grace    time.Duration
	now      func() time.Time
	log      *slog.Logger
	uploads  Uploads
	mailer   Mailer
	presence Presence
	mailings *mailings
	locks    chatLocks
	// chatLocker extends locks to the other processes; nil: none.
	chatLocker ChatLocker

	// What logins read of a license, reused for StatusTTL.
	licenses      hintCache[int, License]
	groups        hintCache[int, []Group]
	organizations hintCache[string, License]

	// The routing loop (StartRouting, StopRouting).
	stopOnce sync.Once
	loopStop chan struct{}
	loopMu   sync.Mutex
	loopDone chan struct{}

	// queue tells queued customers their places (queue_push.go).
	queue *queueWatch
}

// NewService returns a Service.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("chat: Config.Store is required")
	}
	s := &Service{store: cfg.Store, notifier: cfg.Notifier, router: cfg.Router, grace: cfg.GracePeriod,
		now: cfg.Now, log: cfg.Logger, uploads: cfg.Uploads, mailer: cfg.Mailer, presence: cfg.Presence, mailings: newMailings(),
		chatLocker: cfg.ChatLocker, loopStop: make(chan struct{}), queue: newQueueWatch()}
	if s.grace <= 0 {
		s.grace = DefaultGracePeriod
	}
	if s.notifier == nil {
		s.notifier = nopNotifier{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.router == nil {
		r, err := NewLocalRouter(LocalRouterConfig{Store: cfg.Store, GracePeriod: s.grace, Now: s.now})
		if err != nil {
			return nil, err
		}
		s.router = r
	}
	return s, nil
}

type nopNotifier struct{}

func (nopNotifier) Notify(context.Context, Notification) {}

// SetNotifier sets the notifier; call it before serving.
func (s *Service) SetNotifier(n Notifier) { s.notifier = n }

// lock takes the chat's lock, this process's and then, if set, the
// ChatLocker's, and returns its release.
func (s *Service) lock(ctx context.Context, chatID string) (func(), error) {
	unlock := s.locks.lock(chatID)
	if s.chatLocker == nil {
		return unlock, nil
	}
	release, err := s.chatLocker.LockChat(ctx, chatID)
	if err != nil {
		unlock()
		return nil, err
	}
	return func() { release(); unlock() }, nil
}

// NewID returns a random upper-case hex id of n bytes.
func NewID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

func newChatID() string   { return NewID(5) }
func newThreadID() string { return NewID(5) }

// Event ids sort by creation: 16 hex digits of the milliseconds since the
// epoch and a counter (strictly increasing within this process), then 4
// random hex digits that keep processes apart. Stores index events by id;
// ordered ids land at the end of that index instead of on a random page of
// it, which keeps the pages each commit writes few.
var (
	lastEventSeq atomic.Uint64
	eventIDNode  = NewID(2)
)

func newEventID() string {
	for {
		last := lastEventSeq.Load()
		next := max(uint64(time.Now().UnixMilli())<<16, last+1)
		if lastEventSeq.CompareAndSwap(last, next) {
			return fmt.Sprintf("%016X%s", next, eventIDNode)
		}
	}
}

// Actor is who makes a request.
type Actor struct {
	LicenseID int
	UserID    string
	Type      UserType
	Origin    Origin
}

func (a Actor) recipient() Recipient { return Recipient{ID: a.UserID, Type: a.Type} }

// chatFor loads a chat the actor may see (mayAccess). Another customer's
// chat, a chat of another license and, for a normal agent, a chat outside
// its groups are ErrNotFound, exactly like a missing chat.
func (s *Service) chatFor(ctx context.Context, a Actor, chatID string) (Chat, error) {
	if chatID == "" {
		return Chat{}, invalid("chat_id is required")
	}
	if err := checkNoNUL("chat_id", chatID); err != nil {
		return Chat{}, err
	}
	c, err := s.store.Chat(ctx, chatID)
	if err != nil {
		return Chat{}, err
	}
	if err := s.mayAccess(ctx, a, c); err != nil {
		return Chat{}, err
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

// notifySeq is notify for a push placed in the chat's sequence at thread
// and event (see Seq).
//
// A private note (an IncomingEvent of an Event.AgentsOnly) is for agents
// only: this is where its audience is chosen. Its customers are named in
// Notification.Skip, so that their place in the chat's sequence moves past
// the note without anything of it reaching them.
func (s *Service) notifySeq(ctx context.Context, a Actor, c Chat, push Push, kind SeqKind, thread, event int) {
	members := recipients(c)
	n := Notification{LicenseID: c.LicenseID, Recipients: s.audienceOf(ctx, c, members), Origin: a.Origin, Push: push,
		Seq: Seq{Kind: kind, ChatID: c.ID, Thread: thread, Event: event, Members: members}}
	if ie, ok := push.(IncomingEvent); ok && ie.Event.AgentsOnly() {
		n.Recipients, n.Skip = splitAgents(n.Recipients)
	}
	s.notifier.Notify(ctx, n)
}

// splitAgents splits recipients into agents and customers.
func splitAgents(rs []Recipient) (agents, customers []Recipient) {
	for _, r := range rs {
		if r.Type == UserAgent {
			agents = append(agents, r)
		} else {
			customers = append(customers, r)
		}
	}
	return agents, customers
}

// lastOrder is the order of the last of a thread's events, 0 if none.
func lastOrder(t Thread) int {
	if len(t.Events) == 0 {
		return 0
	}
	return t.Events[len(t.Events)-1].Order
}

func isPresent(c Chat, userID string) bool {
	for _, u := range c.Users {
		if u.ID == userID {
			return u.Present
		}
	}
	return false
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

// groupAgents are the agents of the chat's groups.
func (s *Service) groupAgents(ctx context.Context, c Chat) []Recipient {
	agents, err := s.store.Agents(ctx, c.LicenseID)
	if err != nil {
		level := slog.LevelError
		if errors.Is(err, context.Canceled) {
			level = slog.LevelDebug // the request's connection ended
		}
		s.log.Log(ctx, level, "load agents", "license", c.LicenseID, "err", err)
		return nil
	}
	groups := chatGroups(c)
	var out []Recipient
	for _, ag := range agents {
		if ag.InAnyGroup(groups...) {
			out = append(out, Recipient{ID: ag.ID, Type: UserAgent})
		}
	}
	return out
}

// audience is who hears of a change of chat c: its present members and,
// while no agent is in it, every agent of its groups.
func (s *Service) audience(ctx context.Context, c Chat) []Recipient {
	return s.audienceOf(ctx, c, recipients(c))
}

// audienceOf is audience for a chat whose present members are members.
func (s *Service) audienceOf(ctx context.Context, c Chat, members []Recipient) []Recipient {
	if hasPresentAgent(c) {
		return members
	}
	return merge(members, s.groupAgents(ctx, c))
}

// merge returns the recipients of a and b, each once.
func merge(a, b []Recipient) []Recipient {
	out := slices.Clone(a)
	for _, r := range b {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
