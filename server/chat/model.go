package chat

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// UserType tells customers from agents.
type UserType string

const (
	UserCustomer UserType = "customer"
	UserAgent    UserType = "agent"
	// UserSystem authors system messages; it is never a chat member.
	UserSystem UserType = "system"
)

// Properties are namespaced values: namespace → name → value.
type Properties map[string]map[string]any

// PropertyNames names properties to delete: namespace → names.
type PropertyNames map[string][]string

// License is one tenant. Everything else belongs to exactly one license.
type License struct {
	ID   int
	Name string
	// OrganizationID is the license's id in the Customer Chat API v3.5
	// and the v2 customer token endpoint: a UUID in canonical form (lower
	// case, hyphenated; see ParseOrganizationID), unique among licenses.
	// Store.PutLicense gives a new license a random one when it is empty.
	OrganizationID string
	CreatedAt      time.Time
}

// Client is an application allowed to ask for customer tokens of a license
// (the client_id of the customer auth flow).
type Client struct {
	ID        string
	LicenseID int
	// RedirectOrigins lists the origins ("https://shop.example") a token may be
	// issued for besides the server's own (see package auth). Empty means
	// the server's own only.
	RedirectOrigins []string
	// RedirectURIs, when not empty, are the only redirect_uri values a
	// token request may name: each is matched exactly or, when it ends
	// with "/", as a prefix (see package auth).
	RedirectURIs []string
}

// Group is a set of agents a chat can be routed to. Group 0 exists in every
// license.
type Group struct {
	LicenseID int
	ID        int
	Name      string
	// Greeting is what the widget shows a visitor of the group before a
	// chat starts, at most MaxGreetingBytes; empty means the widget's own.
	Greeting string
}

// MaxGreetingBytes bounds Group.Greeting.
const MaxGreetingBytes = 1000

// CheckGreeting returns an error when s cannot be a group's greeting: not
// UTF-8, over MaxGreetingBytes, or holding U+0000.
func CheckGreeting(s string) error {
	if !utf8.ValidString(s) || len(s) > MaxGreetingBytes || strings.ContainsRune(s, 0) {
		return fmt.Errorf("a greeting must be UTF-8 text of at most %d bytes without U+0000", MaxGreetingBytes)
	}
	return nil
}

// Page is the page a customer is looking at.
type Page struct {
	URL       string
	Title     string
	Timestamp time.Time
}

// Customer is a customer of a license. Its ID is the entity id of its token.
type Customer struct {
	ID          string
	LicenseID   int
	Name        string
	Email       string
	Avatar      string
	Fields      map[string]string
	Page        *Page
	Referrer    string
	SideStorage map[string]string
	GroupID     int
	Banned      bool
	// BannedUntil ends a ban; zero while Banned means banned for good.
	BannedUntil time.Time
	CreatedAt   time.Time
	LastVisit   time.Time
	Visits      int
}

// CustomerUpdate changes the fields that are non-nil.
type CustomerUpdate struct {
	Name     *string
	Email    *string
	Avatar   *string
	Fields   map[string]string // merged into the existing fields
	Page     *Page
	Referrer *string
	GroupID  *int
	Banned   *bool
	// BannedUntil sets Customer.BannedUntil (a zero time clears it).
	BannedUntil *time.Time
	// Visit counts a new visit (a login) and sets LastVisit to now.
	Visit bool
}

// Apply applies u to c as Store.UpdateCustomer documents: each non-nil
// field replaces c's, Fields are merged in, and Visit counts a visit now.
func (u CustomerUpdate) Apply(c *Customer) {
	if u.Name != nil {
		c.Name = *u.Name
	}
	if u.Email != nil {
		c.Email = *u.Email
	}
	if u.Avatar != nil {
		c.Avatar = *u.Avatar
	}
	if len(u.Fields) > 0 {
		if c.Fields == nil {
			c.Fields = make(map[string]string, len(u.Fields))
		}
		for k, v := range u.Fields {
			c.Fields[k] = v
		}
	}
	if u.Page != nil {
		p := *u.Page
		c.Page = &p
	}
	if u.Referrer != nil {
		c.Referrer = *u.Referrer
	}
	if u.GroupID != nil {
		c.GroupID = *u.GroupID
	}
	if u.Banned != nil {
		c.Banned = *u.Banned
	}
	if u.BannedUntil != nil {
		c.BannedUntil = *u.BannedUntil
	}
	if u.Visit {
		c.Visits++
		c.LastVisit = time.Now().UTC()
	}
}

// BannedAt reports whether the customer is banned at t.
func (c Customer) BannedAt(t time.Time) bool {
	return c.Banned && (c.BannedUntil.IsZero() || t.Before(c.BannedUntil))
}

// DefaultMaxChats is the limit of concurrent chats routing gives an agent
// whose MaxChats is zero.
const DefaultMaxChats = 6

// Agent is a person (or bot) who answers chats. Its ID is its e-mail address.
type Agent struct {
	ID        string
	LicenseID int
	Name      string
	Avatar    string
	JobTitle  string
	Role      string
	// Groups the agent belongs to; none means group 0.
	Groups       []int
	PasswordHash []byte
	// MaxChats is how many active chats routing gives the agent at most;
	// zero means DefaultMaxChats. An agent may join more by hand.
	MaxChats int
	// Disabled agents cannot log in, their tokens are refused and routing
	// gives them no chats.
	Disabled  bool
	CreatedAt time.Time
}

// ChatLimit is the agent's limit of concurrent routed chats.
func (a Agent) ChatLimit() int {
	if a.MaxChats <= 0 {
		return DefaultMaxChats
	}
	return a.MaxChats
}

// GroupIDs returns the agent's groups: group 0 when it has none.
func (a Agent) GroupIDs() []int {
	if len(a.Groups) == 0 {
		return []int{0}
	}
	return a.Groups
}

// InAnyGroup reports whether the agent is in one of the groups.
func (a Agent) InAnyGroup(groups ...int) bool {
	return slices.ContainsFunc(a.GroupIDs(), func(g int) bool { return slices.Contains(groups, g) })
}

// AgentsInGroup returns the ids of the agents in group g, in their order.
func AgentsInGroup(agents []Agent, g int) []string {
	var in []string
	for _, a := range agents {
		if a.InAnyGroup(g) {
			in = append(in, a.ID)
		}
	}
	return in
}

// User is a member of a chat as the chat sees it.
type User struct {
	ID       string
	Type     UserType
	LastSeen time.Time // zero: never
	// Present is true while the user is a member of the chat.
	Present bool
}

// Chat is a conversation of one customer. It consists of threads.
type Chat struct {
	ID         string
	LicenseID  int
	CustomerID string
	GroupIDs   []int
	Properties Properties
	Users      []User
	CreatedAt  time.Time
	// LastThreadID is the newest thread ("" before the first).
	LastThreadID string
	// Active is true while the newest thread is active.
	Active bool
	// LastEventAt is the time of the newest event (zero before any).
	LastEventAt time.Time
}

// Thread is one stretch of a chat. At most one thread of a chat is active.
type Thread struct {
	ID         string
	ChatID     string
	Order      int // 1, 2, ... within the chat
	Active     bool
	UserIDs    []string
	Properties Properties
	CreatedAt  time.Time
	ClosedAt   time.Time // zero while active
	// TotalEvents is the number of events stored in the thread.
	TotalEvents int
	// Events are filled by the Store methods that say so.
	Events []Event
}

// Event is one thing said or done in a thread. Which of the type-specific
// fields are set depends on Type.
type Event struct {
	ID         string
	ChatID     string
	ThreadID   string
	Order      int // 1, 2, ... within the thread
	Type       string
	AuthorID   string // "" for system messages
	CreatedAt  time.Time
	CustomID   string
	Properties Properties
	// Visibility is who sees the event: "" (VisibilityAll) everyone in
	// the chat, VisibilityAgents agents only (a private note).
	Visibility string

	// message, system_message, annotation
	Text string
	// message
	Postback *MessagePostback
	// system_message
	SystemMessageType string
	TextVars          map[string]string
	// file
	File *File
	// rich_message
	TemplateID string
	Elements   json.RawMessage
	// filled_form
	FormID string
	Fields json.RawMessage
	// annotation
	AnnotationType string
	// custom
	Content json.RawMessage
}

// MessagePostback is the postback a message carries when it answers a rich
// message button.
type MessagePostback struct {
	ID       string `json:"id"`
	ThreadID string `json:"thread_id"`
	EventID  string `json:"event_id"`
	Type     string `json:"type,omitempty"`
	Value    string `json:"value,omitempty"`
}

// File describes an uploaded file carried by a file event.
type File struct {
	Name        string `json:"name"`
	URL         string `json:"url"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
}

// Postback records a click on a rich message button.
type Postback struct {
	ChatID    string
	ThreadID  string
	EventID   string
	UserID    string
	ID        string
	Toggled   bool
	CreatedAt time.Time
}

// Event types the server knows.
const (
	EventMessage       = "message"
	EventSystemMessage = "system_message"
	EventFile          = "file"
	EventRichMessage   = "rich_message"
	EventFilledForm    = "filled_form"
	EventAnnotation    = "annotation"
	EventCustom        = "custom"
)

// Event visibilities (Event.Visibility). LiveChat's wire names them "all"
// and "agents"; an event visible to all is stored with "".
const (
	VisibilityAll    = ""
	VisibilityAgents = "agents"
)

// AgentsOnly reports whether e is a private note: an event customers never
// get, in a push or in any read (see Service.SendEvent).
func (e Event) AgentsOnly() bool { return e.Visibility == VisibilityAgents }
