package chat

import (
	"context"
	"errors"
	"time"
)

// Errors a Store returns. Drivers wrap them with %w; callers test with errors.Is.
var (
	ErrNotFound       = errors.New("chat: not found")
	ErrExists         = errors.New("chat: already exists")
	ErrChatActive     = errors.New("chat: chat already has an active thread")
	ErrNoActiveThread = errors.New("chat: chat has no active thread")
	ErrNoThread       = errors.New("chat: chat has no thread")
)

// AppendMode says where AppendEvent puts an event.
type AppendMode int

const (
	// AppendOrOpen appends to the active thread or, when the chat has none,
	// opens a new thread (with NewThreadID) that starts with the event.
	AppendOrOpen AppendMode = iota
	// AppendActive appends only to the active thread; ErrNoActiveThread otherwise.
	AppendActive
	// AppendLast appends to the newest thread, active or closed, and never
	// opens one; ErrNoThread when the chat has none.
	AppendLast
)

// AppendEvent is the input of Store.AppendEvent.
type AppendEvent struct {
	// Event carries ChatID, ID, Type, AuthorID, CreatedAt and the
	// type-specific fields. The store assigns ThreadID and Order.
	Event Event
	Mode  AppendMode
	// NewThreadID and NewThreadUserIDs are used when AppendOrOpen opens a
	// thread. The new thread's user ids are the chat's present users.
	NewThreadID string
}

// AppendResult is the output of Store.AppendEvent.
type AppendResult struct {
	// Thread is the thread the event is in, without Events.
	Thread Thread
	Event  Event
	// Opened is true when the event opened a new thread.
	Opened bool
	// Duplicate is true when an event with the same CustomID by the same
	// author already existed in the chat; Event is then that stored event and
	// nothing was written.
	Duplicate bool
}

// NewChat is the input of Store.CreateChat.
type NewChat struct {
	Chat Chat // ID, LicenseID, CustomerID, GroupIDs, Properties, Users, CreatedAt
	// Thread gives ID, Properties and CreatedAt of the first thread; its
	// UserIDs are the chat's users.
	Thread Thread
	// Events start the thread, in this order. IDs and CreatedAt are set;
	// the store assigns ThreadID and Order.
	Events []Event
}

// ChatFilter selects chats for Store.Chats. Zero fields do not filter.
type ChatFilter struct {
	LicenseID  int
	CustomerID string
	// MemberID keeps chats the user is a present member of.
	MemberID string
	// Active keeps chats whose newest thread is active.
	Active bool
	// Queued keeps active chats no agent is a present member of: the chats
	// waiting for routing.
	Queued bool
	// Access keeps the chats a normal agent may see (Agent.MaySee). Nil
	// does not filter.
	Access *ChatAccess
	// Tag keeps the chats with a thread tagged Tag.
	Tag string
}

// ChatAccess selects the chats whose groups (group 0 when a chat has
// none) share one with GroupIDs, and the chats MemberID is a present
// member of.
type ChatAccess struct {
	GroupIDs []int
	MemberID string
}

// LastEvent is the newest event of one type in a chat.
type LastEvent struct {
	ThreadOrder int
	Event       Event
}

// Store keeps licenses, accounts, chats, threads and events. Every method is
// safe for concurrent use. Methods that change several rows do so in one
// transaction: either all of it is stored or none of it.
//
// A method that takes a chat id returns ErrNotFound (wrapped) when the chat
// does not exist; so do getters for missing rows.
type Store interface {
	// PutLicense creates or replaces a license. An empty OrganizationID
	// keeps the organization id of the license it replaces, or gives a new
	// license a random one (NewOrganizationID); a set one must be canonical
	// (ParseOrganizationID), and ErrExists when another license has it.
	PutLicense(ctx context.Context, l License) error
	License(ctx context.Context, id int) (License, error)
	// LicenseByOrganization returns the license whose OrganizationID is
	// organizationID (compared as given); ErrNotFound if none.
	LicenseByOrganization(ctx context.Context, organizationID string) (License, error)
	// Licenses returns every license ordered by id.
	Licenses(ctx context.Context) ([]License, error)
	// PutClient creates or replaces a client.
	PutClient(ctx context.Context, c Client) error
	Client(ctx context.Context, id string) (Client, error)
	// Clients returns a license's clients ordered by id.
	Clients(ctx context.Context, licenseID int) ([]Client, error)
	// DeleteClient removes a client; ErrNotFound if it does not exist.
	DeleteClient(ctx context.Context, id string) error
	// PutGroup creates or replaces a group.
	PutGroup(ctx context.Context, g Group) error
	// Groups returns a license's groups ordered by id.
	Groups(ctx context.Context, licenseID int) ([]Group, error)
	// DeleteGroup removes a group; ErrNotFound if it does not exist.
	// Agents and chats that name it keep the number.
	DeleteGroup(ctx context.Context, licenseID, id int) error

	// PutCannedResponse stores a canned response and returns it as
	// stored: with ID 0 it creates one (the store gives the id), otherwise
	// it replaces that one of the license (ErrNotFound if missing).
	// ErrExists when another response of the license has the shortcut.
	PutCannedResponse(ctx context.Context, r CannedResponse) (CannedResponse, error)
	// CannedResponses returns a license's canned responses ordered by
	// shortcut.
	CannedResponses(ctx context.Context, licenseID int) ([]CannedResponse, error)
	// DeleteCannedResponse removes one; ErrNotFound if it does not exist.
	DeleteCannedResponse(ctx context.Context, licenseID, id int) error

	// CreateCustomer stores a new customer; ErrExists if the id is taken.
	CreateCustomer(ctx context.Context, c Customer) error
	Customer(ctx context.Context, licenseID int, id string) (Customer, error)
	// UpdateCustomer applies u and returns the customer as stored after it.
	UpdateCustomer(ctx context.Context, licenseID int, id string, u CustomerUpdate) (Customer, error)
	// LoginCustomer records a customer's login in one write: it creates
	// the customer (CreatedAt at) when it does not exist, then applies u
	// unless the customer is banned at at (Customer.BannedAt), and returns
	// the customer as stored after it. A banned customer is returned as it
	// is, unchanged.
	LoginCustomer(ctx context.Context, licenseID int, id string, at time.Time, u CustomerUpdate) (Customer, error)
	// SetCustomerSideStorage replaces the customer's side storage.
	SetCustomerSideStorage(ctx context.Context, licenseID int, id string, s map[string]string) error

	// PutAgent creates or replaces an agent.
	PutAgent(ctx context.Context, a Agent) error
	Agent(ctx context.Context, licenseID int, id string) (Agent, error)
	// Agents returns a license's agents ordered by id.
	Agents(ctx context.Context, licenseID int) ([]Agent, error)
	// DeleteAgent removes an agent; ErrNotFound if it does not exist.
	// The chats it took part in keep it as a user.
	DeleteAgent(ctx context.Context, licenseID int, id string) error

	// CreateChat stores a chat with its first, active thread and the
	// thread's first events. It returns the chat and the thread with Events.
	CreateChat(ctx context.Context, nc NewChat) (Chat, Thread, error)
	// ActivateChat opens a new active thread in a chat that has none and
	// appends events to it; ErrChatActive if a thread is active. Users not yet
	// present in the chat are added. It returns the chat and the thread with
	// Events.
	ActivateChat(ctx context.Context, chatID string, t Thread, users []User, events []Event) (Chat, Thread, error)
	Chat(ctx context.Context, id string) (Chat, error)
	// Chats returns the chats matching f, the most recently active first
	// (by last event time, then creation), and how many match in all.
	Chats(ctx context.Context, f ChatFilter, offset, limit int) ([]Chat, int, error)
	// AppendEvent stores one event as a.Mode says. A non-empty CustomID
	// makes it idempotent per chat and author: see AppendResult.Duplicate.
	AppendEvent(ctx context.Context, a AppendEvent) (AppendResult, error)
	// CloseThread deactivates the chat's active thread, appending sys (if
	// not nil) to it first; ErrNoActiveThread when none is active. It returns
	// the closed thread (without Events) and the stored sys event.
	CloseThread(ctx context.Context, chatID string, at time.Time, sys *Event) (Thread, *Event, error)
	// Threads returns a chat's threads newest first (offset counts from the
	// newest), without Events, and the chat's total number of threads.
	Threads(ctx context.Context, chatID string, offset, limit int) ([]Thread, int, error)
	// ThreadsByID returns the named threads of a chat with their Events
	// (ascending order), ordered by Order. ErrNotFound if one is missing.
	// It reads for agents: the events include private notes.
	ThreadsByID(ctx context.Context, chatID string, ids []string) ([]Thread, error)
	// Thread returns a thread of a chat without Events; ErrNotFound when
	// the chat has no such thread.
	Thread(ctx context.Context, chatID, id string) (Thread, error)
	// ThreadEvents returns up to limit events of a chat's thread whose
	// Order is below before (before <= 0: from the newest), newest first;
	// ErrNotFound when the chat has no such thread. Read page by page, a
	// thread of any length costs the reader no more than a page. A
	// customer reader gets no private note (Event.AgentsOnly): the limit
	// counts the events returned, and their orders skip the notes'.
	ThreadEvents(ctx context.Context, chatID, threadID string, before, limit int, reader UserType) ([]Event, error)
	// LastEvents returns the newest event of each type in a chat that
	// reader may see: for a customer, the newest that is not a private
	// note.
	LastEvents(ctx context.Context, chatID string, reader UserType) (map[string]LastEvent, error)
	// EventsAfter returns up to limit events of a chat stored after the
	// event at (threadOrder, eventOrder), in store order. (0, 0) means from
	// the start. It reads for agents: the events include private notes.
	EventsAfter(ctx context.Context, chatID string, threadOrder, eventOrder, limit int) ([]Event, error)

	// Property updates merge into what is stored; deletes remove names
	// (and a namespace left empty). Unknown names are ignored by deletes.
	UpdateChatProperties(ctx context.Context, chatID string, p Properties) error
	DeleteChatProperties(ctx context.Context, chatID string, p PropertyNames) error
	UpdateThreadProperties(ctx context.Context, chatID, threadID string, p Properties) error
	DeleteThreadProperties(ctx context.Context, chatID, threadID string, p PropertyNames) error
	UpdateEventProperties(ctx context.Context, chatID, threadID, eventID string, p Properties) error
	DeleteEventProperties(ctx context.Context, chatID, threadID, eventID string, p PropertyNames) error

	// AddChatUser makes u a present member of the chat (and of its active
	// thread's user ids); adding a present member again changes nothing.
	AddChatUser(ctx context.Context, chatID string, u User) error
	// RemoveChatUser marks the user not present (it stays in the chat's
	// history); ErrNotFound if it is not a member.
	RemoveChatUser(ctx context.Context, chatID, userID string) error
	// SetLastSeen sets a member's last seen time; it never moves back.
	SetLastSeen(ctx context.Context, chatID, userID string, at time.Time) (time.Time, error)

	// SetThreadTag adds tag to a chat's thread (add) or removes it, and
	// reports whether that changed anything; ErrNotFound when the chat has
	// no such thread.
	SetThreadTag(ctx context.Context, chatID, threadID, tag string, add bool) (changed bool, err error)
	// ThreadTags returns the tags of a chat's thread in lexical order;
	// ErrNotFound when the chat has no such thread.
	ThreadTags(ctx context.Context, chatID, threadID string) ([]string, error)
	// ChatsTags returns the tags of every tagged thread of the named chats,
	// by chat id and thread id, each thread's in lexical order, in one read:
	// the tags ChatFilter.Tag looks among, for a page of chats. A chat
	// without tags, or that does not exist, has no entry.
	ChatsTags(ctx context.Context, chatIDs []string) (map[string]map[string][]string, error)

	// AddPostback records a rich message postback.
	AddPostback(ctx context.Context, p Postback) error

	// SetChatGroups replaces a chat's groups (who may be routed the chat).
	SetChatGroups(ctx context.Context, chatID string, groups []int) error
	// AgentLoads counts, for each agent of the license, the active chats
	// the agent is a present member of. Agents without any are left out.
	AgentLoads(ctx context.Context, licenseID int) (map[string]int, error)

	// ReportThreads returns what a report needs of each thread of the
	// license started in [from, to) (ReportThread), ordered by start then
	// thread id, at most limit of them. Its cost is one pass over those
	// threads and their events.
	ReportThreads(ctx context.Context, licenseID int, from, to time.Time, limit int) ([]ReportThread, error)

	// SearchChats returns the chats of q.LicenseID (narrowed by q.Access)
	// with an event that holds every one of q.Terms, the last one as a
	// word prefix if q.Prefix: message texts and file names are searched;
	// and the chats whose customer's name and e-mail address together hold
	// them (ByCustomer). The chat whose newest match is the newest comes
	// first (a chat matched by its customer only counts its last
	// activity; then by chat id descending); a page is q.Offset, q.Limit.
	// Snippet is left empty. Case never matters; how diacritics do is the
	// driver's (see its doc). Changes of a customer's name or e-mail are
	// found from the moment they are stored.
	SearchChats(ctx context.Context, q SearchQuery) ([]SearchHit, error)

	// RevokeToken records that the access token with this id must be
	// refused until it expires at expiresAt. Revoking it again changes
	// nothing. Revocations of tokens that have expired may be forgotten.
	RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time) error
	// RevokeAgentTokens revokes every token of an agent issued before
	// before. A later call with an earlier time changes nothing.
	RevokeAgentTokens(ctx context.Context, licenseID int, agentID string, before time.Time) error
	// TokenRevoked reports whether a token is revoked: by its id, or, when
	// agentID is not empty, as a token of that agent issued before the
	// agent's tokens were revoked.
	TokenRevoked(ctx context.Context, licenseID int, agentID, tokenID string, issuedAt time.Time) (bool, error)

	Close() error
}
