package customer

import (
	"encoding/json"
	"time"
)

// Notification is anything the SDK emits. Name returns the JS SDK's event
// name ("new_event", "connected", …).
type Notification interface {
	Name() string
}

// Connected is emitted once, after the first successful login.
type Connected struct {
	ChatsSummary ChatsSummary
	// DynamicConfig is the login response's __priv_dynamic_config as JSON
	// (the JS SDK's __unsafeDynamicConfig); its shape is not guaranteed.
	DynamicConfig json.RawMessage
}

// ConnectionLost is emitted when an established connection drops. The SDK
// reconnects on its own.
type ConnectionLost struct {
	Err error
}

// ConnectionRestored is emitted after every later successful login. Then
// the SDK delivers, as NewEvent, every event of the customer's chats that
// was stored while it was away, in order and none twice.
type ConnectionRestored struct {
	ChatsSummary  ChatsSummary
	DynamicConfig json.RawMessage
}

// Reconnecting is emitted before each attempt to connect again, when the
// connection was lost or an attempt failed (the first connection's
// included): Attempt counts the attempts since the last successful login
// (1, 2, …), Delay is the wait before this one (see
// Config.ReconnectDelay), and Err is why the connection or the attempt
// before ended (a dial error, a login the server refused for a reason
// worth retrying, …). A final end emits Disconnected{Final: true}
// instead.
type Reconnecting struct {
	Attempt int
	Delay   time.Duration
	Err     error
}

// CustomerID is emitted once, with the customer's id, before the first
// login.
type CustomerID struct {
	ID string
}

// Disconnected is emitted when the server ends the session
// (customer_disconnected). Final reasons (customer_banned,
// license_not_found, product_version_changed, unsupported_version) destroy
// the SDK; with any other reason it reconnects.
type Disconnected struct {
	Reason string
	Data   map[string]any
	// Final is true when the SDK was destroyed and will not reconnect.
	Final bool
	// Err, when Final, is the error that ended the SDK: an [*Error] with
	// what the server said (its Type is Reason), the same error later
	// calls wrap. Nil otherwise.
	Err error
}

// ChatPropertiesUpdated reports changed chat properties (only the
// changed ones).
type ChatPropertiesUpdated struct {
	Chat       string
	Properties Properties
}

// ChatThreadPropertiesUpdated reports changed thread properties.
type ChatThreadPropertiesUpdated struct {
	Chat, Thread string
	Properties   Properties
}

// EventPropertiesUpdated reports changed event properties.
type EventPropertiesUpdated struct {
	Chat, Thread, Event string
	Properties          Properties
}

// ChatPropertiesDeleted reports deleted chat properties: namespace → names.
type ChatPropertiesDeleted struct {
	Chat       string
	Properties map[string][]string
}

// ChatThreadPropertiesDeleted reports deleted thread properties.
type ChatThreadPropertiesDeleted struct {
	Chat, Thread string
	Properties   map[string][]string
}

// EventPropertiesDeleted reports deleted event properties.
type EventPropertiesDeleted struct {
	Chat, Thread, Event string
	Properties          map[string][]string
}

// EventUpdated reports an event changed by the server.
type EventUpdated struct {
	Chat, Thread string
	Event        Event
}

// LastSeenTimestampUpdated reports that a user has seen a chat up to
// Timestamp.
type LastSeenTimestampUpdated struct {
	Chat, User string
	Timestamp  time.Time
}

// NewEvent reports a new event in a chat. The customer's own sends are
// not reported (their methods return them), except files, which arrive
// here.
type NewEvent struct {
	Chat  string
	Event Event
}

// UserData carries the details of a user the SDK has seen.
type UserData struct {
	User User
}

// UserJoinedChat reports a user who joined a chat.
type UserJoinedChat struct {
	Chat, User string
}

// UserLeftChat reports a user who left a chat.
type UserLeftChat struct {
	Chat, User string
}

// UserIsTyping reports that a user (an agent) is typing in a chat.
type UserIsTyping struct {
	Chat, User string
}

// UserStoppedTyping reports that a user stopped typing.
type UserStoppedTyping struct {
	Chat, User string
}

// ThreadClosed reports that a chat's active thread was closed.
type ThreadClosed struct {
	Chat string
}

// CustomerUpdated reports a change of the customer's own data (also made
// from another connection of the same customer).
type CustomerUpdated struct {
	Customer User
}

// CustomerPageUpdated reports the customer's current page.
type CustomerPageUpdated struct {
	URL, Title string
	Timestamp  time.Time
}

// IncomingRichMessagePostback reports a postback in a chat.
type IncomingRichMessagePostback struct {
	User, Chat, Thread, Event string
	Postback                  Postback
}

// QueuePositionUpdated reports the place of the customer's chat in the
// queue of its groups while the chat waits for an agent
// (queue_position_updated): Position 1 is given out next, and WaitTime is
// the server's estimate of the wait. It comes when the chat is queued,
// each time its place changes, and after each login while the chat still
// waits; none comes once an agent has the chat (UserJoinedChat of an
// agent).
//
// It is a Parley extension of the Customer Chat API v3.0: LiveChat sends
// this push in v3.5 only, and the JS SDK 2 does not know it (it emits it
// under its name with the raw payload). Another server may never send it.
type QueuePositionUpdated struct {
	Chat, Thread string
	Position     int
	WaitTime     time.Duration
}

// UnknownPush is any push this package has no type for, by its action
// name, with its payload as the server sent it.
type UnknownPush struct {
	Action  string
	Payload json.RawMessage
}

func (Connected) Name() string                   { return "connected" }
func (ConnectionLost) Name() string              { return "connection_lost" }
func (ConnectionRestored) Name() string          { return "connection_restored" }
func (Reconnecting) Name() string                { return "reconnecting" }
func (CustomerID) Name() string                  { return "customer_id" }
func (Disconnected) Name() string                { return "disconnected" }
func (ChatPropertiesUpdated) Name() string       { return "chat_properties_updated" }
func (ChatThreadPropertiesUpdated) Name() string { return "chat_thread_properties_updated" }
func (EventPropertiesUpdated) Name() string      { return "event_properties_updated" }
func (ChatPropertiesDeleted) Name() string       { return "chat_properties_deleted" }
func (ChatThreadPropertiesDeleted) Name() string { return "chat_thread_properties_deleted" }
func (EventPropertiesDeleted) Name() string      { return "event_properties_deleted" }
func (EventUpdated) Name() string                { return "event_updated" }
func (LastSeenTimestampUpdated) Name() string    { return "last_seen_timestamp_updated" }
func (NewEvent) Name() string                    { return "new_event" }
func (UserData) Name() string                    { return "user_data" }
func (UserJoinedChat) Name() string              { return "user_joined_chat" }
func (UserLeftChat) Name() string                { return "user_left_chat" }
func (UserIsTyping) Name() string                { return "user_is_typing" }
func (UserStoppedTyping) Name() string           { return "user_stopped_typing" }
func (ThreadClosed) Name() string                { return "thread_closed" }
func (ThreadSummary) Name() string               { return "thread_summary" }
func (CustomerUpdated) Name() string             { return "customer_updated" }
func (CustomerPageUpdated) Name() string         { return "customer_page_updated" }
func (IncomingRichMessagePostback) Name() string { return "incoming_rich_message_postback" }
func (QueuePositionUpdated) Name() string        { return "queue_position_updated" }

// Name returns the push's action.
func (u UnknownPush) Name() string { return u.Action }
