package v35

import (
	"encoding/json"

	"github.com/parleychat/parley/protocol"
)

// LoginRequest is the payload of a v3.5 customer login.
type LoginRequest struct {
	Token               string            `json:"token"`
	Customer            *LoginCustomer    `json:"customer,omitempty"`
	CustomerSideStorage map[string]string `json:"customer_side_storage,omitempty"`
	GroupID             *int              `json:"group_id,omitempty"`
	CustomerPage        *protocol.Page    `json:"customer_page,omitempty"`
	Referrer            string            `json:"referrer,omitempty"`
	IsMobile            bool              `json:"is_mobile,omitempty"`
	Application         *Application      `json:"application,omitempty"`
	// Pushes subscribes the connection to pushes by API version:
	// {"3.5": ["incoming_chat", …]}. Nil: every push of the version.
	Pushes map[string][]string `json:"pushes,omitempty"`
}

// LoginCustomer is the customer data a login carries (the JS SDK's
// customerDataProvider).
type LoginCustomer struct {
	Name          *string       `json:"name,omitempty"`
	Email         *string       `json:"email,omitempty"`
	Avatar        *string       `json:"avatar,omitempty"`
	SessionFields SessionFields `json:"session_fields,omitempty"`
}

// Application names the client: {"name":"customer_sdk","version":"4.0.2"}.
type Application struct {
	Name        string `json:"name,omitempty"`
	Version     string `json:"version,omitempty"`
	ChannelType string `json:"channel_type,omitempty"`
}

// LoginResponse answers a v3.5 customer login. It has no greeting: Parley
// shows none.
type LoginResponse struct {
	CustomerID        string        `json:"customer_id"`
	Customer          Customer      `json:"customer"`
	HasActiveThread   bool          `json:"has_active_thread"`
	Chats             []LoginChat   `json:"chats"`
	PrivDynamicConfig DynamicConfig `json:"__priv_dynamic_config"`
}

// LoginChat lists a chat of the customer in the login response.
type LoginChat struct {
	ChatID          string `json:"chat_id"`
	HasUnreadEvents bool   `json:"has_unread_events"`
	HasActiveThread bool   `json:"has_active_thread"`
}

// DynamicConfig is the login response's __priv_dynamic_config. The JS SDK
// reads online_groups_ids and customer_groups.monitoring.id: the customer
// is "online" (connected.availability) when its monitoring group is among
// the online ones.
type DynamicConfig struct {
	CustomerGroups   CustomerGroups `json:"customer_groups"`
	OnlineGroupIDs   []int          `json:"online_groups_ids"`
	GlobalProperties map[string]any `json:"global_properties"`
}

// CustomerGroups names the customer's group.
type CustomerGroups struct {
	Monitoring GroupRef `json:"monitoring"`
}

// GroupRef names a group.
type GroupRef struct {
	ID int `json:"id"`
}

// ListChatsRequest is list_chats' payload: a limit for the first page, or
// the page_id of a page an answer named.
type ListChatsRequest struct {
	Limit  *int   `json:"limit,omitempty"`
	PageID string `json:"page_id,omitempty"`
}

// ListChatsResponse answers list_chats.
type ListChatsResponse struct {
	ChatsSummary   []ChatSummary `json:"chats_summary"`
	TotalChats     int           `json:"total_chats"`
	PreviousPageID string        `json:"previous_page_id,omitempty"`
	NextPageID     string        `json:"next_page_id,omitempty"`
}

// Sort orders of list_threads.
const (
	SortDesc = "desc"
	SortAsc  = "asc"
)

// ListThreadsRequest is list_threads' payload. PageID (with ChatID) asks
// for a page an answer named; the other fields then come from it.
type ListThreadsRequest struct {
	ChatID         string `json:"chat_id"`
	SortOrder      string `json:"sort_order,omitempty"`
	Limit          *int   `json:"limit,omitempty"`
	PageID         string `json:"page_id,omitempty"`
	MinEventsCount *int   `json:"min_events_count,omitempty"`
}

// ListThreadsResponse answers list_threads.
type ListThreadsResponse struct {
	Threads        []Thread `json:"threads"`
	FoundThreads   int      `json:"found_threads"`
	PreviousPageID string   `json:"previous_page_id,omitempty"`
	NextPageID     string   `json:"next_page_id,omitempty"`
}

// GetChatRequest is get_chat's payload: a chat and one of its threads
// (none: the last).
type GetChatRequest struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id,omitempty"`
}

// StartChatRequest is start_chat's and resume_chat's payload.
type StartChatRequest struct {
	Chat StartChat `json:"chat"`
	// Active false asks for a chat without an active thread; nil: true.
	Active *bool `json:"active,omitempty"`
	// Continuous asks that the chat start with no agent online.
	Continuous *bool `json:"continuous,omitempty"`
}

// StartChat is the chat of StartChatRequest; ID names the chat to resume.
type StartChat struct {
	ID         string           `json:"id,omitempty"`
	Access     *protocol.Access `json:"access,omitempty"`
	Properties Properties       `json:"properties,omitempty"`
	Thread     *StartThread     `json:"thread,omitempty"`
}

// StartThread is the thread of StartChat.
type StartThread struct {
	Events     []ClientEvent `json:"events,omitempty"`
	Properties Properties    `json:"properties,omitempty"`
}

// StartChatResponse answers start_chat directly (the JS SDK waits for
// incoming_chat instead).
type StartChatResponse struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id"`
}

// ResumeChatResponse answers resume_chat directly (the JS SDK waits for
// incoming_chat instead).
type ResumeChatResponse struct {
	ThreadID string `json:"thread_id"`
}

// ChatIDRequest is the payload of deactivate_chat: {"id": chat id}.
type ChatIDRequest struct {
	ID string `json:"id"`
}

// ChatPropertiesRequest is the payload of update_chat_properties
// (Properties {ns: {name: value}}) and delete_chat_properties
// (Properties {ns: [name, …]}): the chat is "id" in v3.5.
type ChatPropertiesRequest struct {
	ID         string          `json:"id"`
	Properties json.RawMessage `json:"properties"`
}

// SendEventRequest is send_event's payload.
type SendEventRequest struct {
	ChatID             string      `json:"chat_id"`
	Event              ClientEvent `json:"event"`
	AttachToLastThread bool        `json:"attach_to_last_thread,omitempty"`
}

// UpdateCustomerRequest is update_customer's payload.
type UpdateCustomerRequest struct {
	Name          *string       `json:"name,omitempty"`
	Email         *string       `json:"email,omitempty"`
	Avatar        *string       `json:"avatar,omitempty"`
	SessionFields SessionFields `json:"session_fields,omitempty"`
}

// SessionFieldsRequest is set_customer_session_fields' payload.
type SessionFieldsRequest struct {
	SessionFields SessionFields `json:"session_fields"`
}

// MarkEventsAsSeenRequest is mark_events_as_seen's payload.
type MarkEventsAsSeenRequest struct {
	ChatID   string `json:"chat_id"`
	SeenUpTo string `json:"seen_up_to"`
}

// PredictedAgentResponse answers get_predicted_agent. Queue tells whether
// a chat started now would wait in the queue.
type PredictedAgentResponse struct {
	Agent Agent `json:"agent"`
	Queue bool  `json:"queue"`
}

// GroupStatusesRequest is list_group_statuses' payload.
type GroupStatusesRequest struct {
	All      bool  `json:"all,omitempty"`
	GroupIDs []int `json:"group_ids,omitempty"`
}

// GroupStatusesResponse answers list_group_statuses: group id → status
// (protocol.GroupOnline, …).
type GroupStatusesResponse struct {
	GroupsStatus map[string]string `json:"groups_status"`
}

// URLInfoResponse answers get_url_info.
type URLInfoResponse struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	URL         string `json:"url"`
	ImageURL    string `json:"image_url,omitempty"`
	ImageWidth  int    `json:"image_width,omitempty"`
	ImageHeight int    `json:"image_height,omitempty"`
}

// GreetingRequest is accept_greeting's and cancel_greeting's payload.
type GreetingRequest struct {
	GreetingID *int   `json:"greeting_id,omitempty"`
	UniqueID   string `json:"unique_id"`
}

// Push payloads. The pushes v3.5 kept (incoming_typing_indicator,
// incoming_rich_message_postback, chat_properties_deleted, …,
// customer_disconnected) use protocol's payloads.

// IncomingChat is the payload of incoming_chat.
type IncomingChat struct {
	Chat Chat `json:"chat"`
}

// IncomingEvent is the payload of incoming_event and event_updated.
type IncomingEvent struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id"`
	Event    Event  `json:"event"`
}

// ChatDeactivated is the payload of chat_deactivated.
type ChatDeactivated struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id"`
	UserID   string `json:"user_id,omitempty"`
}

// UserAddedToChat is the payload of user_added_to_chat.
type UserAddedToChat struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id,omitempty"`
	User     User   `json:"user"`
}

// UserRemovedFromChat is the payload of user_removed_from_chat.
type UserRemovedFromChat struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id,omitempty"`
	UserID   string `json:"user_id"`
}

// PropertiesUpdated is the payload of chat_properties_updated,
// thread_properties_updated and event_properties_updated: unwrapped.
type PropertiesUpdated struct {
	ChatID     string     `json:"chat_id"`
	ThreadID   string     `json:"thread_id,omitempty"`
	EventID    string     `json:"event_id,omitempty"`
	Properties Properties `json:"properties"`
}

// EventsMarkedAsSeen is the payload of events_marked_as_seen.
type EventsMarkedAsSeen struct {
	UserID   string `json:"user_id"`
	ChatID   string `json:"chat_id"`
	SeenUpTo string `json:"seen_up_to"`
}

// CustomerPageUpdated is the payload of customer_page_updated.
type CustomerPageUpdated struct {
	URL      string `json:"url"`
	Title    string `json:"title"`
	OpenedAt string `json:"opened_at"`
}

// Reasons of chat_transferred.
const (
	TransferManual          = "manual"
	TransferRoutingAssigned = "routing.assigned"
	TransferRoutingInactive = "routing.inactive"
)

// ChatTransferred is the payload of chat_transferred.
type ChatTransferred struct {
	ChatID        string        `json:"chat_id"`
	ThreadID      string        `json:"thread_id"`
	Reason        string        `json:"reason"`
	RequesterID   string        `json:"requester_id,omitempty"`
	TransferredTo TransferredTo `json:"transferred_to"`
}

// TransferredTo names where a chat went.
type TransferredTo struct {
	GroupIDs []int    `json:"group_ids,omitempty"`
	AgentIDs []string `json:"agent_ids,omitempty"`
}
