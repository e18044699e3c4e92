package customer

import (
	"encoding/json"
	"io"
	"time"
)

// Properties are namespaced values: namespace → name → value, as the JS
// SDK's {property_namespace: {sample: "property"}}. Values decoded from the
// server are JSON values (string, float64, bool, nil, []any, map[string]any).
type Properties map[string]map[string]any

// UserType tells customers from agents.
type UserType string

// The user types.
const (
	// Customer is the customer of a chat (the user of this SDK).
	Customer UserType = "customer"
	// AgentUser is a support agent (or a bot acting as one).
	AgentUser UserType = "agent"
)

// User is a chat member: the customer or an agent.
type User struct {
	ID       string
	Type     UserType
	Name     string
	Email    string // customers only
	Avatar   string
	JobTitle string            // agents only
	Fields   map[string]string // customers only
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

// Event is one thing said or done in a chat. It is one struct for every
// event type: Type says which of the type-specific fields are set, so
// customer.Event{Type: "message", Text: "Hi!"} is a message.
//
// Fields the server sets (ID, Author, Thread, Timestamp) are ignored when
// sending.
type Event struct {
	ID         string
	CustomID   string
	Type       string
	Author     string // a user id, or "system" for system messages
	Thread     string
	Timestamp  time.Time
	Properties Properties

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
	Thumbnails  *Thumbnails

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

// Thumbnails of an image file, as the JS SDK computes them: the image
// scaled so that its longer side is at most 300 (Default) or 600 (High)
// pixels.
type Thumbnails struct {
	Default Thumbnail
	High    Thumbnail
}

// Thumbnail is one thumbnail size.
type Thumbnail struct {
	URL           string
	Width, Height int
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

// RichButton is a button of a card. Send its Postback id with SendPostback.
type RichButton struct {
	Text     string
	Postback string
	Users    []string
	Type     string
	Value    string
}

// Thread is one stretch of a chat with its events.
type Thread struct {
	ID                 string
	Chat               string
	Active             bool
	Order              int
	Users              []string
	LastSeenTimestamps map[string]time.Time
	Events             []Event
	Properties         Properties
}

// ThreadSummary describes a thread without its events. It is also the
// thread_summary notification, emitted for every thread the SDK loads.
type ThreadSummary struct {
	ID          string
	Chat        string
	Active      bool
	Order       int
	Properties  Properties
	TotalEvents int
}

// ThreadsSummary is a page of a chat's threads, oldest first, and the
// chat's total number of threads.
type ThreadsSummary struct {
	Threads      []ThreadSummary
	TotalThreads int
}

// Chat is the chat StartChat and ActivateChat return: the chat and its new
// thread's events.
type Chat struct {
	ID         string
	Access     Access
	Users      []string
	Thread     string
	Events     []Event
	Properties Properties
}

// ChatSummary is one chat of a chats summary.
type ChatSummary struct {
	ID                 string
	Active             bool
	Access             Access
	Order              time.Time
	Properties         Properties
	Users              []string
	LastThread         string
	LastSeenTimestamps map[string]time.Time
	// LastEventsPerType has the newest event of each type.
	LastEventsPerType map[string]Event
	// LastEvent is the newest event of the chat (nil for a chat without one).
	LastEvent *Event
}

// ChatsSummary is a page of the customer's chats, most recently active
// first, and the customer's total number of chats.
type ChatsSummary struct {
	Chats      []ChatSummary
	TotalChats int
}

// Pagination selects a page. Zero Limit means the method's default.
type Pagination struct {
	Offset int
	Limit  int
}

// Agent is an agent as GetPredictedAgent reports it.
type Agent struct {
	ID       string
	Name     string
	Avatar   string
	JobTitle string
	IsBot    bool
	Type     string
}

// Rating rates a chat: Score RatingGood (1) or RatingBad (0), and a
// comment. Other scores are refused with ErrInvalidRating.
type Rating struct {
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
}

// The scores of a Rating.
const (
	RatingBad  = 0
	RatingGood = 1
)

// Postback is a click on a rich message button. Its zero Toggled means
// toggled, as the JS SDK's default; set Toggled to a false to untoggle.
type Postback struct {
	ID string
	// Toggled: nil is true.
	Toggled *bool
}

// IsToggled reports whether the button is toggled: Toggled, or true when
// Toggled is nil.
func (p Postback) IsToggled() bool { return p.Toggled == nil || *p.Toggled }

// Page is the page the customer is on.
type Page struct {
	URL   string
	Title string
}

// CustomerData is the customer's initial name, e-mail and fields.
type CustomerData struct {
	Name   string
	Email  string
	Fields map[string]string
}

// CustomerUpdate changes the customer's data. Empty fields are left as
// they are; Fields are merged into the existing fields.
type CustomerUpdate struct {
	Name   string
	Email  string
	Avatar string
	Fields map[string]string
}

// StartChatRequest is the input of StartChat and ActivateChat.
type StartChatRequest struct {
	// Events start the new thread (for example the first message).
	Events []Event
	// Groups routes the chat to these groups. Empty: the SDK's Config.Group.
	Groups []int
	// Properties of the chat and of its new thread.
	Properties       Properties
	ThreadProperties Properties
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
	// with ErrFileTooLarge (OnProgress then hears only 0 and 1).
	Size     int64
	CustomID string
}

// UploadedFile is the result of SendFile.
type UploadedFile struct {
	URL string
}

// Form is a pre-chat or post-chat form.
type Form struct {
	Enabled bool
	ID      string
	Fields  []FormField
}

// FormField is one field of a form.
type FormField struct {
	ID           string           `json:"id"`
	Type         string           `json:"type"`
	Label        string           `json:"label"`
	Required     bool             `json:"required,omitempty"`
	Options      []map[string]any `json:"options,omitempty"`
	CommentLabel string           `json:"comment_label,omitempty"`
}

// GroupStatus is a group's availability.
type GroupStatus string

// The group statuses of GetGroupsStatus.
const (
	// GroupOnline: an agent of the group can take a chat now.
	GroupOnline GroupStatus = "online"
	// GroupOffline: nobody of the group is available.
	GroupOffline GroupStatus = "offline"
	// GroupOnlineForQueue: agents are online but busy; a new chat waits
	// in the queue.
	GroupOnlineForQueue GroupStatus = "online_for_queue"
)

// URLDetails describes a web page for a link preview.
type URLDetails struct {
	Title       string
	Description string
	URL         string
	ImageURL    string
	ImageWidth  int
	ImageHeight int
}
