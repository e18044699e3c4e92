package v35

import (
	"encoding/json"

	"github.com/parleychat/parley/protocol"
)

// Properties are namespaced values, never wrapped in v3.5:
// {"namespace": {"name": value}}.
type Properties = protocol.Properties

// SessionFields are a customer's fields as v3.5 sends them: a list of
// one-key objects, [{"key": "value"}, …], in key order.
type SessionFields []map[string]string

// User is a chat member. A customer carries SessionFields, an agent
// JobTitle; EventsSeenUpTo is empty while the user has seen nothing.
type User struct {
	ID             string        `json:"id"`
	Type           string        `json:"type"`
	Name           string        `json:"name,omitempty"`
	Email          string        `json:"email,omitempty"`
	Avatar         string        `json:"avatar,omitempty"`
	JobTitle       string        `json:"job_title,omitempty"`
	SessionFields  SessionFields `json:"session_fields,omitempty"`
	Present        bool          `json:"present"`
	EventsSeenUpTo string        `json:"events_seen_up_to,omitempty"`
}

// Customer is the customer itself: login's customer, get_customer's
// answer (with Statistics) and customer_updated's payload (without Type
// and Statistics).
type Customer struct {
	ID            string        `json:"id"`
	Type          string        `json:"type,omitempty"`
	Name          string        `json:"name,omitempty"`
	Email         string        `json:"email,omitempty"`
	Avatar        string        `json:"avatar,omitempty"`
	SessionFields SessionFields `json:"session_fields"`
	Statistics    *Statistics   `json:"statistics,omitempty"`
}

// Statistics count a customer's activity. Parley shows no greetings, so
// their counts are 0.
type Statistics struct {
	ChatsCount             int `json:"chats_count"`
	ThreadsCount           int `json:"threads_count"`
	VisitsCount            int `json:"visits_count"`
	PageViewsCount         int `json:"page_views_count"`
	GreetingsShownCount    int `json:"greetings_shown_count"`
	GreetingsAcceptedCount int `json:"greetings_accepted_count"`
}

// Event is an event as the server sends it: created_at, no order, no
// timestamp. Only the fields of its Type are set.
type Event struct {
	ID         string     `json:"id"`
	CustomID   string     `json:"custom_id,omitempty"`
	Type       string     `json:"type"`
	AuthorID   string     `json:"author_id,omitempty"`
	CreatedAt  string     `json:"created_at"`
	Properties Properties `json:"properties,omitempty"`

	Text              string                    `json:"text,omitempty"`
	Postback          *protocol.MessagePostback `json:"postback,omitempty"`
	SystemMessageType string                    `json:"system_message_type,omitempty"`
	TextVars          map[string]string         `json:"text_vars,omitempty"`

	Name           string `json:"name,omitempty"`
	URL            string `json:"url,omitempty"`
	ThumbnailURL   string `json:"thumbnail_url,omitempty"`
	Thumbnail2xURL string `json:"thumbnail2x_url,omitempty"`
	ContentType    string `json:"content_type,omitempty"`
	Size           int64  `json:"size,omitempty"`
	Width          int    `json:"width,omitempty"`
	Height         int    `json:"height,omitempty"`

	TemplateID     string          `json:"template_id,omitempty"`
	Elements       json.RawMessage `json:"elements,omitempty"`
	FormID         string          `json:"form_id,omitempty"`
	Fields         json.RawMessage `json:"fields,omitempty"`
	AnnotationType string          `json:"annotation_type,omitempty"`
	Content        json.RawMessage `json:"content,omitempty"`
}

// ClientEvent is an event as a v3.5 client sends it (send_event,
// start_chat, resume_chat). A file event names an uploaded file by URL
// (upload_file's answer); AlternativeText describes an image.
type ClientEvent struct {
	Type              string                    `json:"type"`
	CustomID          string                    `json:"custom_id,omitempty"`
	Properties        Properties                `json:"properties,omitempty"`
	Visibility        string                    `json:"visibility,omitempty"` // customers may not send "agents"
	Text              string                    `json:"text,omitempty"`
	Postback          *protocol.MessagePostback `json:"postback,omitempty"`
	SystemMessageType string                    `json:"system_message_type,omitempty"`
	TextVars          map[string]string         `json:"text_vars,omitempty"`
	URL               string                    `json:"url,omitempty"`
	AlternativeText   string                    `json:"alternative_text,omitempty"`
	TemplateID        string                    `json:"template_id,omitempty"`
	Elements          json.RawMessage           `json:"elements,omitempty"`
	FormID            string                    `json:"form_id,omitempty"`
	Fields            json.RawMessage           `json:"fields,omitempty"`
	Content           json.RawMessage           `json:"content,omitempty"`
}

// Thread is a thread with its events.
type Thread struct {
	ID               string           `json:"id"`
	Active           bool             `json:"active"`
	Access           *protocol.Access `json:"access,omitempty"`
	CreatedAt        string           `json:"created_at"`
	UserIDs          []string         `json:"user_ids"`
	Events           []Event          `json:"events"`
	Properties       Properties       `json:"properties"`
	PreviousThreadID string           `json:"previous_thread_id,omitempty"`
	NextThreadID     string           `json:"next_thread_id,omitempty"`
}

// Chat is a chat with at most one thread: incoming_chat's chat and
// get_chat's answer (Thread nil for a chat without threads).
type Chat struct {
	ID         string           `json:"id"`
	Users      []User           `json:"users"`
	Access     *protocol.Access `json:"access,omitempty"`
	Properties Properties       `json:"properties"`
	Thread     *Thread          `json:"thread,omitempty"`
}

// ChatSummary is an entry of list_chats.
type ChatSummary struct {
	ID                  string               `json:"id"`
	Active              bool                 `json:"active"`
	Access              *protocol.Access     `json:"access,omitempty"`
	LastThreadID        string               `json:"last_thread_id,omitempty"`
	LastThreadCreatedAt string               `json:"last_thread_created_at,omitempty"`
	LastEventPerType    map[string]LastEvent `json:"last_event_per_type,omitempty"`
	Properties          Properties           `json:"properties"`
	Users               []User               `json:"users"`
}

// LastEvent is a value of ChatSummary.LastEventPerType.
type LastEvent struct {
	ThreadID        string `json:"thread_id"`
	ThreadCreatedAt string `json:"thread_created_at"`
	Event           Event  `json:"event"`
}

// Agent is get_predicted_agent's agent.
type Agent struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Avatar   string `json:"avatar"`
	JobTitle string `json:"job_title"`
	Type     string `json:"type"`
	IsBot    bool   `json:"is_bot"`
}
