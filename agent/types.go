package agent

import (
	"encoding/json"
	"io"
	"slices"
	"time"
)

// Properties are namespaced values: namespace → name → value. Values
// decoded from the server are JSON values (string, float64, bool, nil,
// []any, map[string]any).
type Properties map[string]map[string]any

// UserType tells customers from agents.
type UserType string

const (
	CustomerUser UserType = "customer"
	AgentUser    UserType = "agent"
)

// User is a chat member: the customer or an agent.
type User struct {
	ID     string
	Type   UserType
	Name   string
	Email  string // customers only
	Avatar string
	// JobTitle: agents only.
	JobTitle string
	// Fields: customers only.
	Fields map[string]string
	// Present is false for an agent who has left the chat.
	Present bool
	// LastSeen is when the user last saw the chat; zero if never.
	LastSeen time.Time
}

// Access says which groups may see a chat.
type Access struct {
	Groups []int
}

// Event types.
const (
	EventMessage       = "message"
	EventFile          = "file"
	EventRichMessage   = "rich_message"
	EventSystemMessage = "system_message"
	EventFilledForm    = "filled_form"
	EventAnnotation    = "annotation"
	EventCustom        = "custom"
)

// VisibilityAgents is the Visibility of a private note.
const VisibilityAgents = "agents"

// Event is one thing said or done in a chat. It is one struct for every
// event type: Type says which of the type-specific fields are set, so
// agent.Event{Type: agent.EventMessage, Text: "Hi!"} is a message.
//
// Fields the server sets (ID, Author, Thread, Timestamp) are ignored when
// sending.
type Event struct {
	ID         string
	CustomID   string
	Type       string
	Author     string // a user id; empty for system messages
	Thread     string
	Timestamp  time.Time
	Properties Properties
	// Visibility is VisibilityAgents on a private note, which customers
	// never get; empty (visible to all) otherwise. Send a note by setting it.
	Visibility string

	// message, system_message, annotation
	Text string
	// message answering a rich message button
	Postback *MessagePostback

	// file
	Name        string
	URL         string
	ContentType string
	Size        int64
	Width       int
	Height      int

	// rich_message
	Template string
	Elements []RichElement

	// system_message
	SystemMessageType string
	TextVars          map[string]string

	// filled_form: Fields holds the form's fields as sent.
	FormID string
	Fields json.RawMessage

	// annotation
	AnnotationType string
	// custom
	Content json.RawMessage

	order int // position in its thread, from the server
}

// MessagePostback is carried by a message that answers a rich message
// button.
type MessagePostback struct {
	ID       string
	ThreadID string
	EventID  string
	Type     string
	Value    string
}

// RichElement is one card of a rich message.
type RichElement struct {
	Title    string
	Subtitle string
	Image    *RichImage
	Buttons  []RichButton
}

// RichImage is the image of a card.
type RichImage struct {
	URL string
}

// RichButton is a button of a card. A click arrives as
// IncomingRichMessagePostback with the button's Postback id. Users limits
// who sees the button (empty: everyone).
type RichButton struct {
	Text     string
	Postback string
	Users    []string
	Type     string
	Value    string
}

// Thread is one stretch of a chat with its events, oldest first.
type Thread struct {
	ID         string
	Chat       string
	Active     bool
	Order      int
	Users      []string
	Events     []Event
	Properties Properties
	// Created is when the thread was opened.
	Created time.Time
}

// Chat is a chat with one of its threads: the one GetChat asked for, or
// the new thread of IncomingChat.
type Chat struct {
	ID         string
	Users      []User
	Access     Access
	Properties Properties
	// Thread is the chat's thread; zero for a chat without threads.
	Thread Thread
}

// Customer returns the chat's customer (zero if the chat has none).
func (c Chat) Customer() User {
	for _, u := range c.Users {
		if u.Type == CustomerUser {
			return u
		}
	}
	return User{}
}

// ThreadSummary describes a thread without its events.
type ThreadSummary struct {
	ID          string
	Chat        string
	Active      bool
	Order       int
	TotalEvents int
}

// ThreadsSummary is a page of a chat's threads, oldest first, and the
// chat's total number of threads.
type ThreadsSummary struct {
	Threads      []ThreadSummary
	TotalThreads int
}

// ChatSummary is one chat of ListChats.
type ChatSummary struct {
	ID     string
	Active bool
	Access Access
	// LastActivity is the time of the chat's last event (or its creation).
	LastActivity time.Time
	Properties   Properties
	Users        []User
	LastThread   string
	// LastEventsPerType has the newest event of each type.
	LastEventsPerType map[string]Event
	// LastEvent is the newest event of the chat (nil for a chat without one).
	LastEvent *Event
	// Queue is set while the chat waits in its group's queue.
	Queue *Queue
	// Tags are the last thread's tags (see Client.TagThread).
	Tags []string
	// ThreadTags are the tags of every tagged thread of the chat, the
	// last one's included, by thread id (nil: none).
	ThreadTags map[string][]string
}

// AllTags returns the tags of every thread of the chat, each once, in
// lexical order: ListChatsOptions.Tag finds the chat by any of them.
func (s ChatSummary) AllTags() []string {
	var all []string
	for _, tags := range s.ThreadTags {
		all = append(all, tags...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// Queue is a queued chat's place in its group's queue.
type Queue struct {
	// Position is 1 for the chat that is next.
	Position int
	QueuedAt time.Time
}

// ChatsSummary is a page of chats, most recently active first, and the
// number of chats that match.
type ChatsSummary struct {
	ChatsSummary []ChatSummary
	TotalChats   int
}

// Pagination selects a page. Zero Limit means the method's default.
type Pagination struct {
	Offset int
	Limit  int
}

// ListChatsOptions selects the chats ListChats returns. The zero value
// lists every chat of the license the agent may see, 10 at a time.
type ListChatsOptions struct {
	Offset int
	// Limit is the page size, at most 100. Zero: 10.
	Limit int
	// Queued keeps only chats waiting in a queue.
	Queued bool
	// Mine keeps only the chats the agent is in.
	Mine bool
	// Tag keeps only the chats with a thread tagged Tag, the last or an
	// earlier one (ChatSummary.AllTags).
	Tag string
}

// RoutingStatus says whether an agent takes new chats.
type RoutingStatus string

const (
	// AcceptingChats: new and queued chats are routed to the agent.
	AcceptingChats RoutingStatus = "accepting_chats"
	// NotAcceptingChats: the agent keeps their chats but gets no new ones.
	NotAcceptingChats RoutingStatus = "not_accepting_chats"
	// Offline: the agent is away; their chats go back to routing.
	Offline RoutingStatus = "offline"
)

// Agent describes an agent: the client's own profile (MyProfile) or an
// agent of ListAgents.
type Agent struct {
	ID            string
	Name          string
	Avatar        string
	JobTitle      string
	RoutingStatus RoutingStatus
	Groups        []int
	// ActiveChats is how many chats the agent serves now (ListAgents only).
	ActiveChats int
	// MaxChats is the agent's limit of concurrent chats.
	MaxChats int
}

// GroupStatus is a group's availability.
type GroupStatus string

const (
	// GroupOnline: an agent of the group can take a chat now.
	GroupOnline GroupStatus = "online"
	// GroupOnlineForQueue: agents are online but full or not accepting;
	// new chats wait in the queue.
	GroupOnlineForQueue GroupStatus = "online_for_queue"
	// GroupOffline: no agent of the group is online.
	GroupOffline GroupStatus = "offline"
)

// Group is a group of agents that chats are routed to.
type Group struct {
	ID     int
	Name   string
	Status GroupStatus
}

// Customer is a customer as GetCustomer returns them.
type Customer struct {
	ID     string
	Name   string
	Email  string
	Avatar string
	Fields map[string]string
	// Page is the page the customer is on (nil if unknown).
	Page *Page
	// Referrer is the page that sent the customer to the site.
	Referrer  string
	Visits    int
	LastVisit time.Time
	Banned    bool
}

// Page is a page a customer is on.
type Page struct {
	URL       string
	Title     string
	Timestamp time.Time
}

// Target is where TransferChat sends a chat: to an agent or to a group
// (set one of the two; a Parley server takes one id).
type Target struct {
	Agents []string
	Groups []int
}

// Postback is a click on a rich message button.
type Postback struct {
	ID      string
	Toggled bool
}

// File is a file to upload with SendFile. Reader is read once.
type File struct {
	Name        string
	ContentType string
	Reader      io.Reader
	// Size is Reader's length in bytes: a Reader shorter or longer is an
	// error, and nothing is stored. Zero means unknown: an io.Seeker (an
	// *os.File, a bytes.Reader) tells its length from its offset; any
	// other Reader is streamed to its end, and one over MaxFileSize fails
	// with ErrFileTooLarge.
	Size     int64
	CustomID string
}

// UploadedFile is the result of SendFile.
type UploadedFile struct {
	URL string
}
