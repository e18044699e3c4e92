package agent

import (
	"encoding/json"
	"time"
)

// Notification is anything the client emits. Name returns the push's
// action ("incoming_event", "chat_transferred", …) or, for the client's
// own notifications, "connected", "connection_lost" and
// "connection_restored".
type Notification interface {
	Name() string
}

// Connected is emitted once, after the first successful login.
type Connected struct {
	// MyProfile is the logged-in agent.
	MyProfile Agent
	License   int
	// ChatsSummary is the first page (up to 25) of the license's chats the
	// agent may see, most recently active first.
	ChatsSummary ChatsSummary
}

// ConnectionLost is emitted when an established connection drops. The
// client reconnects on its own.
type ConnectionLost struct {
	Err error
}

// ConnectionRestored is emitted after every later successful login. The
// client then delivers what it missed while away (see the package doc).
type ConnectionRestored struct {
	MyProfile    Agent
	License      int
	ChatsSummary ChatsSummary
}

// AgentDisconnected reports that the server ended the session
// (agent_disconnected). With Final the client has stopped for good, as
// after Close: the reason is final (license_not_found, …), or the server
// refused the token and the client had no credentials to log in again (the
// reason is then the error type, e.g. "authentication"). Otherwise the
// client reconnects.
type AgentDisconnected struct {
	Reason string
	Final  bool
}

// IncomingChat reports a new chat or a new thread of a chat
// (incoming_chat_thread): to the agent it was routed to, or to the agents
// of its groups while it waits in the queue. Chat.Thread is the thread
// with its events so far. A thread is reported again when routing gives
// it to the agent later (a queued chat, a chat transferred to a group),
// now with the agent among Chat.Users.
type IncomingChat struct {
	Chat Chat
}

// IncomingEvent reports a new event in a chat. The events the client
// sends itself are not reported (SendEvent returns them), except files,
// which arrive here.
type IncomingEvent struct {
	Chat  string
	Event Event
}

// EventUpdated reports an event changed by the server.
type EventUpdated struct {
	Chat  string
	Event Event
}

// IncomingSneakPeek reports what a customer is typing, before it is sent.
type IncomingSneakPeek struct {
	Chat, Thread, Author string
	Text                 string
	Timestamp            time.Time
}

// IncomingTypingIndicator reports that a user started or stopped typing.
type IncomingTypingIndicator struct {
	Chat, Thread, Author string
	IsTyping             bool
	Timestamp            time.Time
}

// ChatUserAdded reports a user who joined a chat.
type ChatUserAdded struct {
	Chat, Thread string
	User         User
}

// ChatUserRemoved reports a user who left a chat or was removed.
type ChatUserRemoved struct {
	Chat, Thread, User string
	UserType           UserType
}

// ThreadClosed reports that a chat's active thread was closed, by User if
// set.
type ThreadClosed struct {
	Chat, Thread, User string
}

// ThreadTagged reports that a thread of a chat got a tag (thread_tagged;
// see Client.TagThread), by any agent, this client included.
type ThreadTagged struct {
	Chat, Thread, Tag string
}

// ThreadUntagged reports that a tag was removed from a thread of a chat
// (thread_untagged; see Client.UntagThread).
type ThreadUntagged struct {
	Chat, Thread, Tag string
}

// ChatTransferred reports that a chat was transferred to Target, by
// Requester (empty when routing moved it).
type ChatTransferred struct {
	Chat, Thread, Requester string
	Target                  Target
}

// CustomerUpdated reports a change of a customer's data.
type CustomerUpdated struct {
	Customer User
}

// CustomerPageUpdated reports the page a customer moved to.
type CustomerPageUpdated struct {
	Customer string
	Page     Page
}

// LastSeenTimestampUpdated reports that a user has seen a chat up to
// Timestamp.
type LastSeenTimestampUpdated struct {
	Chat, Thread, User string
	Timestamp          time.Time
}

// ChatPropertiesUpdated reports changed chat properties (only the changed
// ones).
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

// IncomingRichMessagePostback reports a click on a rich message button.
type IncomingRichMessagePostback struct {
	User, Chat, Thread, Event string
	Postback                  Postback
}

// RoutingStatusSet reports an agent's new routing status (every agent of
// the license gets it, for every agent).
type RoutingStatusSet struct {
	Agent  string
	Status RoutingStatus
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
func (AgentDisconnected) Name() string           { return "agent_disconnected" }
func (IncomingChat) Name() string                { return "incoming_chat_thread" }
func (IncomingEvent) Name() string               { return "incoming_event" }
func (EventUpdated) Name() string                { return "event_updated" }
func (IncomingSneakPeek) Name() string           { return "incoming_sneak_peek" }
func (IncomingTypingIndicator) Name() string     { return "incoming_typing_indicator" }
func (ChatUserAdded) Name() string               { return "chat_user_added" }
func (ChatUserRemoved) Name() string             { return "chat_user_removed" }
func (ThreadClosed) Name() string                { return "thread_closed" }
func (ChatTransferred) Name() string             { return "chat_transferred" }
func (ThreadTagged) Name() string                { return "thread_tagged" }
func (ThreadUntagged) Name() string              { return "thread_untagged" }
func (CustomerUpdated) Name() string             { return "customer_updated" }
func (CustomerPageUpdated) Name() string         { return "customer_page_updated" }
func (LastSeenTimestampUpdated) Name() string    { return "last_seen_timestamp_updated" }
func (ChatPropertiesUpdated) Name() string       { return "chat_properties_updated" }
func (ChatThreadPropertiesUpdated) Name() string { return "chat_thread_properties_updated" }
func (EventPropertiesUpdated) Name() string      { return "event_properties_updated" }
func (ChatPropertiesDeleted) Name() string       { return "chat_properties_deleted" }
func (ChatThreadPropertiesDeleted) Name() string { return "chat_thread_properties_deleted" }
func (EventPropertiesDeleted) Name() string      { return "event_properties_deleted" }
func (IncomingRichMessagePostback) Name() string { return "incoming_rich_message_postback" }
func (RoutingStatusSet) Name() string            { return "routing_status_set" }

// Name returns the push's action.
func (u UnknownPush) Name() string { return u.Action }
