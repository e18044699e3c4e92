package protocol

import (
	"encoding/json"
	"time"
)

// Properties are namespaced values as clients send them:
// {"namespace": {"name": value}}.
type Properties map[string]map[string]any

// WrappedProperties are properties as the server sends them in v3.0: each
// value wrapped in {"value": …}.
type WrappedProperties map[string]map[string]PropertyValue

// PropertyValue wraps one property value.
type PropertyValue struct {
	Value any `json:"value"`
}

// PropertyNames name properties to delete: {"namespace": ["name", …]}.
type PropertyNames map[string][]string

// Wrap turns client-shaped properties into server-shaped ones. It never
// returns nil, so the result always encodes as an object.
func Wrap(p map[string]map[string]any) WrappedProperties {
	w := make(WrappedProperties, len(p))
	for ns, m := range p {
		wm := make(map[string]PropertyValue, len(m))
		for k, v := range m {
			wm[k] = PropertyValue{Value: v}
		}
		w[ns] = wm
	}
	return w
}

// Unwrap turns server-shaped properties into client-shaped ones. It never
// returns nil.
func (p WrappedProperties) Unwrap() map[string]map[string]any {
	out := make(map[string]map[string]any, len(p))
	for ns, m := range p {
		om := make(map[string]any, len(m))
		for k, v := range m {
			om[k] = v.Value
		}
		out[ns] = om
	}
	return out
}

// Time converts a wire timestamp (Unix seconds) to a time.Time; 0, the
// wire's "never", becomes the zero time.
func Time(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0)
}

// Access limits who may see a chat.
type Access struct {
	GroupIDs []int `json:"group_ids"`
}

// User is a chat member on the wire. Timestamps are Unix seconds;
// LastSeenTimestamp is null when the user has not seen the chat.
type User struct {
	ID                string            `json:"id"`
	Type              string            `json:"type"`
	Name              string            `json:"name,omitempty"`
	Email             string            `json:"email,omitempty"`
	Avatar            string            `json:"avatar,omitempty"`
	JobTitle          string            `json:"job_title,omitempty"`
	Fields            map[string]string `json:"fields,omitempty"`
	Present           bool              `json:"present"`
	LastSeenTimestamp *int64            `json:"last_seen_timestamp"`
}

// Event is an event as the server sends it. Only the fields of its Type are
// set.
type Event struct {
	ID         string            `json:"id"`
	CustomID   string            `json:"custom_id,omitempty"`
	Order      int               `json:"order"`
	Type       string            `json:"type"`
	AuthorID   string            `json:"author_id,omitempty"`
	Timestamp  int64             `json:"timestamp"`
	Properties WrappedProperties `json:"properties,omitempty"`
	// Visibility is "agents" on a private note, which only agents ever
	// get; empty (visible to all) otherwise.
	Visibility string `json:"visibility,omitempty"`

	Text              string            `json:"text,omitempty"`
	Postback          *MessagePostback  `json:"postback,omitempty"`
	SystemMessageType string            `json:"system_message_type,omitempty"`
	TextVars          map[string]string `json:"text_vars,omitempty"`

	Name        string `json:"name,omitempty"`
	URL         string `json:"url,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"size,omitempty"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`

	TemplateID     string          `json:"template_id,omitempty"`
	Elements       json.RawMessage `json:"elements,omitempty"`
	FormID         string          `json:"form_id,omitempty"`
	Fields         json.RawMessage `json:"fields,omitempty"`
	AnnotationType string          `json:"annotation_type,omitempty"`
	Content        json.RawMessage `json:"content,omitempty"`
}

// ClientEvent is an event as a client sends it (send_event, start_chat).
// Properties are not wrapped.
type ClientEvent struct {
	Type       string     `json:"type"`
	CustomID   string     `json:"custom_id,omitempty"`
	Properties Properties `json:"properties,omitempty"`
	// Visibility is "all" (the default) or "agents": a private note, which
	// only agents may send and only agents ever get.
	Visibility string           `json:"visibility,omitempty"`
	Text       string           `json:"text,omitempty"`
	Postback   *MessagePostback `json:"postback,omitempty"`
	// Agents may send system messages.
	SystemMessageType string            `json:"system_message_type,omitempty"`
	TextVars          map[string]string `json:"text_vars,omitempty"`

	TemplateID     string          `json:"template_id,omitempty"`
	Elements       json.RawMessage `json:"elements,omitempty"`
	FormID         string          `json:"form_id,omitempty"`
	Fields         json.RawMessage `json:"fields,omitempty"`
	AnnotationType string          `json:"annotation_type,omitempty"`
	Content        json.RawMessage `json:"content,omitempty"`
}

// MessagePostback is carried by a message that answers a rich message.
type MessagePostback struct {
	ID       string `json:"id"`
	ThreadID string `json:"thread_id"`
	EventID  string `json:"event_id"`
	Type     string `json:"type,omitempty"`
	Value    string `json:"value,omitempty"`
}

// Thread is a thread with its events.
type Thread struct {
	ID         string            `json:"id"`
	Active     bool              `json:"active"`
	Order      int               `json:"order"`
	UserIDs    []string          `json:"user_ids"`
	Events     []Event           `json:"events"`
	Properties WrappedProperties `json:"properties"`
	Access     *Access           `json:"access,omitempty"`
	Timestamp  int64             `json:"timestamp,omitempty"`
}

// ThreadSummary is an entry of get_chat_threads_summary.
type ThreadSummary struct {
	ID          string `json:"id"`
	Active      bool   `json:"active"`
	Order       int    `json:"order"`
	TotalEvents int    `json:"total_events"`
	// Tags are the thread's tags: agents' list_chats only (none: absent).
	Tags []string `json:"tags,omitempty"`
}

// ChatThread is the chat of incoming_chat_thread: one thread.
type ChatThread struct {
	ID         string            `json:"id"`
	Users      []User            `json:"users"`
	Thread     Thread            `json:"thread"`
	Access     *Access           `json:"access,omitempty"`
	Properties WrappedProperties `json:"properties"`
	Order      int64             `json:"order,omitempty"`
}

// ChatThreads is the chat of get_chat_threads and get_chat: many threads.
type ChatThreads struct {
	ID         string            `json:"id"`
	Users      []User            `json:"users"`
	Threads    []Thread          `json:"threads"`
	Access     *Access           `json:"access,omitempty"`
	Properties WrappedProperties `json:"properties"`
	Order      int64             `json:"order,omitempty"`
}

// ChatSummary is an entry of get_chats_summary (and list_chats).
type ChatSummary struct {
	ID                string               `json:"id"`
	Active            bool                 `json:"active"`
	Access            *Access              `json:"access,omitempty"`
	Order             int64                `json:"order"`
	LastThreadID      string               `json:"last_thread_id,omitempty"`
	LastEventPerType  map[string]LastEvent `json:"last_event_per_type,omitempty"`
	Properties        WrappedProperties    `json:"properties"`
	Users             []User               `json:"users"`
	LastThreadSummary *ThreadSummary       `json:"last_thread_summary,omitempty"`
}

// LastEvent is a value of ChatSummary.LastEventPerType.
type LastEvent struct {
	ThreadID    string `json:"thread_id"`
	ThreadOrder int    `json:"thread_order"`
	Event       Event  `json:"event"`
}

// TypingIndicator is carried by incoming_typing_indicator.
type TypingIndicator struct {
	AuthorID  string `json:"author_id"`
	Timestamp int64  `json:"timestamp"`
	IsTyping  bool   `json:"is_typing"`
}

// SneakPeek is carried by incoming_sneak_peek (agents only).
type SneakPeek struct {
	AuthorID  string `json:"author_id"`
	Timestamp int64  `json:"timestamp"`
	Text      string `json:"text"`
}

// Page is a customer's current page.
type Page struct {
	URL   string `json:"url"`
	Title string `json:"title"`
}

// Agent is what get_predicted_agent answers.
type Agent struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Avatar   string `json:"avatar"`
	JobTitle string `json:"job_title,omitempty"`
	IsBot    bool   `json:"is_bot"`
	Type     string `json:"type"`
}

// RichElement is one card of a rich_message event's elements.
type RichElement struct {
	Title    string       `json:"title,omitempty"`
	Subtitle string       `json:"subtitle,omitempty"`
	Image    *RichImage   `json:"image,omitempty"`
	Buttons  []RichButton `json:"buttons,omitempty"`
}

// RichImage is the image of a card.
type RichImage struct {
	URL string `json:"url"`
}

// RichButton is a button of a card. UserIDs limits who sees it (empty:
// everyone); clients send it as [] rather than null.
type RichButton struct {
	Text       string   `json:"text"`
	PostbackID string   `json:"postback_id"`
	UserIDs    []string `json:"user_ids"`
	Type       string   `json:"type,omitempty"`
	Value      string   `json:"value,omitempty"`
}
