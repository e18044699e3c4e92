package protocol

import "encoding/json"

// LoginRequest is the payload of login (customer and agent).
type LoginRequest struct {
	Token               string            `json:"token"`
	Customer            *LoginCustomer    `json:"customer,omitempty"`
	CustomerSideStorage map[string]string `json:"customer_side_storage,omitempty"`
	GroupID             *int              `json:"group_id,omitempty"`
	CustomerPage        *Page             `json:"customer_page,omitempty"`
	Referrer            string            `json:"referrer,omitempty"`
}

// LoginCustomer is the customer data a customer login carries.
type LoginCustomer struct {
	Name   *string           `json:"name,omitempty"`
	Email  *string           `json:"email,omitempty"`
	Avatar *string           `json:"avatar,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
}

// LoginResponse answers a customer login.
type LoginResponse struct {
	CustomerID        string         `json:"customer_id"`
	HasActiveThread   bool           `json:"has_active_thread"`
	Chats             []LoginChat    `json:"chats"`
	PrivDynamicConfig *DynamicConfig `json:"__priv_dynamic_config,omitempty"`
}

// LoginChat lists a chat of the customer in the login response.
type LoginChat struct {
	ChatID          string `json:"chat_id"`
	HasUnreadEvents bool   `json:"has_unread_events"`
}

// DynamicConfig is the login response's __priv_dynamic_config (the JS SDK
// hands it to the page as connected.__unsafeDynamicConfig).
type DynamicConfig struct {
	CustomerData     DynamicCustomerData `json:"customer_data"`
	OnlineGroupIDs   []int               `json:"online_groups_ids"`
	GlobalProperties map[string]any      `json:"global_properties"`
	PredictedAgent   *Agent              `json:"predicted_agent,omitempty"`
}

// DynamicCustomerData describes the customer in DynamicConfig.
type DynamicCustomerData struct {
	Name               string            `json:"name"`
	LastVisitTimestamp int64             `json:"last_visit_timestamp"`
	PageViewsCount     int               `json:"page_views_count"`
	VisitsCount        int               `json:"visits_count"`
	ChatsCount         int               `json:"chats_count"`
	Fields             map[string]string `json:"fields"`
	GroupID            int               `json:"group_id"`
}

// Pagination is the offset/limit pair of list requests.
type Pagination struct {
	Offset *int `json:"offset,omitempty"`
	Limit  *int `json:"limit,omitempty"`
}

// ChatsSummaryRequest is get_chats_summary's payload.
type ChatsSummaryRequest struct {
	Pagination
}

// ChatsSummaryResponse answers get_chats_summary and list_chats.
type ChatsSummaryResponse struct {
	ChatsSummary []ChatSummary `json:"chats_summary"`
	TotalChats   int           `json:"total_chats"`
}

// ThreadsSummaryRequest is get_chat_threads_summary's payload.
type ThreadsSummaryRequest struct {
	ChatID string `json:"chat_id"`
	Pagination
}

// ThreadsSummaryResponse answers get_chat_threads_summary.
type ThreadsSummaryResponse struct {
	ThreadsSummary []ThreadSummary `json:"threads_summary"`
	TotalThreads   int             `json:"total_threads"`
}

// ChatThreadsRequest is get_chat_threads' payload.
type ChatThreadsRequest struct {
	ChatID    string   `json:"chat_id"`
	ThreadIDs []string `json:"thread_ids"`
	// PageID asks for the page a previous answer named in next_page_id
	// (with the same chat_id and thread_ids). A Parley extension.
	PageID string `json:"page_id,omitempty"`
}

// ChatThreadsResponse answers get_chat_threads and get_chat.
//
// A server keeps the events of one answer to about its page size (see
// DefaultPageBytes), newest first: when the threads asked for hold more,
// the answer holds the newest events (the oldest thread in it may be cut,
// keeping its newest events; older threads are left out) and NextPageID
// names the rest, asked for with page_id. A Parley extension: a v3.0
// client that ignores it sees the newest events.
type ChatThreadsResponse struct {
	Chat       ChatThreads `json:"chat"`
	NextPageID string      `json:"next_page_id,omitempty"`
}

// StartChatRequest is start_chat's (and activate_chat's) payload.
type StartChatRequest struct {
	Chat StartChat `json:"chat"`
}

// StartChat is the chat of StartChatRequest.
type StartChat struct {
	ID         string       `json:"id,omitempty"`
	Access     *Access      `json:"access,omitempty"`
	Properties Properties   `json:"properties,omitempty"`
	Thread     *StartThread `json:"thread,omitempty"`
}

// StartThread is the thread of StartChat.
type StartThread struct {
	Events     []ClientEvent `json:"events,omitempty"`
	Properties Properties    `json:"properties,omitempty"`
}

// StartChatResponse answers start_chat and activate_chat directly (the JS
// SDK waits for incoming_chat_thread instead).
type StartChatResponse struct {
	Chat StartChatRef `json:"chat"`
}

// StartChatRef names the chat and thread start_chat created.
type StartChatRef struct {
	ID     string    `json:"id"`
	Thread ThreadRef `json:"thread"`
}

// ThreadRef names a thread.
type ThreadRef struct {
	ID string `json:"id"`
}

// SendEventRequest is send_event's payload.
type SendEventRequest struct {
	ChatID              string      `json:"chat_id"`
	Event               ClientEvent `json:"event"`
	AttachToLastThread  bool        `json:"attach_to_last_thread,omitempty"`
	RequireActiveThread bool        `json:"require_active_thread,omitempty"`
}

// SendEventResponse answers send_event directly.
type SendEventResponse struct {
	EventID string `json:"event_id"`
}

// PostbackRequest is send_rich_message_postback's payload.
type PostbackRequest struct {
	ChatID   string        `json:"chat_id"`
	EventID  string        `json:"event_id"`
	ThreadID string        `json:"thread_id"`
	Postback PostbackValue `json:"postback"`
}

// PostbackValue is the button clicked and whether it is on.
type PostbackValue struct {
	ID      string `json:"id"`
	Toggled bool   `json:"toggled"`
}

// SneakPeekRequest is send_sneak_peek's payload.
type SneakPeekRequest struct {
	ChatID        string `json:"chat_id"`
	SneakPeekText string `json:"sneak_peek_text"`
}

// ChatRequest is the payload of actions that name only a chat
// (close_thread, join_chat, deactivate_chat, get_chat).
type ChatRequest struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id,omitempty"`
	// PageID (get_chat) asks for the page a previous answer named in
	// next_page_id, as in ChatThreadsRequest.
	PageID string `json:"page_id,omitempty"`
}

// PropertiesRequest is the payload of update_*_properties and, with Names,
// delete_*_properties.
type PropertiesRequest struct {
	ChatID     string          `json:"chat_id"`
	ThreadID   string          `json:"thread_id,omitempty"`
	EventID    string          `json:"event_id,omitempty"`
	Properties json.RawMessage `json:"properties"`
}

// UpdateCustomerRequest is update_customer's payload.
type UpdateCustomerRequest struct {
	Name   *string           `json:"name,omitempty"`
	Email  *string           `json:"email,omitempty"`
	Avatar *string           `json:"avatar,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
}

// SetCustomerFieldsRequest is set_customer_fields' payload.
type SetCustomerFieldsRequest struct {
	Fields map[string]string `json:"fields"`
}

// LastSeenRequest is update_last_seen_timestamp's payload.
type LastSeenRequest struct {
	ChatID    string `json:"chat_id"`
	Timestamp *int64 `json:"timestamp,omitempty"`
}

// PredictedAgentRequest is get_predicted_agent's payload.
type PredictedAgentRequest struct {
	GroupID *int `json:"group_id,omitempty"`
}

// PredictedAgentResponse answers get_predicted_agent.
type PredictedAgentResponse struct {
	Agent Agent `json:"agent"`
}

// FormRequest is get_form's payload.
type FormRequest struct {
	GroupID int    `json:"group_id"`
	Type    string `json:"type"`
}

// FormResponse answers get_form.
type FormResponse struct {
	Enabled bool            `json:"enabled"`
	Form    json.RawMessage `json:"form,omitempty"`
}

// GroupsStatusRequest is get_groups_status' payload.
type GroupsStatusRequest struct {
	All      bool  `json:"all,omitempty"`
	Groups   []int `json:"groups,omitempty"`
	GroupIDs []int `json:"group_ids,omitempty"`
}

// GroupsStatusResponse answers get_groups_status.
type GroupsStatusResponse struct {
	GroupsStatus map[string]string `json:"groups_status"`
}

// Group statuses.
const (
	GroupOnline         = "online"
	GroupOffline        = "offline"
	GroupOnlineForQueue = "online_for_queue"
)

// URLDetailsRequest is get_url_details' payload.
type URLDetailsRequest struct {
	URL string `json:"url"`
}

// URLDetailsResponse answers get_url_details. ImageURL has no scheme.
type URLDetailsResponse struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	URL         string `json:"url"`
	ImageURL    string `json:"image_url"`
	ImageWidth  int    `json:"image_width"`
	ImageHeight int    `json:"image_height"`
}

// TypingIndicatorRequest is the agent's send_typing_indicator payload.
type TypingIndicatorRequest struct {
	ChatID   string `json:"chat_id"`
	IsTyping bool   `json:"is_typing"`
}

// Push payloads.

// IncomingChatThread is the payload of incoming_chat_thread.
type IncomingChatThread struct {
	Chat ChatThread `json:"chat"`
}

// IncomingEvent is the payload of incoming_event and event_updated.
type IncomingEvent struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id"`
	Event    Event  `json:"event"`
}

// IncomingTypingIndicator is the payload of incoming_typing_indicator.
type IncomingTypingIndicator struct {
	ChatID          string          `json:"chat_id"`
	ThreadID        string          `json:"thread_id"`
	TypingIndicator TypingIndicator `json:"typing_indicator"`
}

// IncomingSneakPeek is the payload of incoming_sneak_peek.
type IncomingSneakPeek struct {
	ChatID    string    `json:"chat_id"`
	ThreadID  string    `json:"thread_id"`
	SneakPeek SneakPeek `json:"sneak_peek"`
}

// ThreadClosed is the payload of thread_closed.
type ThreadClosed struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id"`
	UserID   string `json:"user_id,omitempty"`
}

// ChatUserAdded is the payload of chat_user_added.
type ChatUserAdded struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id,omitempty"`
	User     User   `json:"user"`
	UserType string `json:"user_type"`
}

// ChatUserRemoved is the payload of chat_user_removed.
type ChatUserRemoved struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id,omitempty"`
	UserID   string `json:"user_id"`
	UserType string `json:"user_type"`
}

// PropertiesUpdated is the payload of chat_properties_updated,
// chat_thread_properties_updated and event_properties_updated.
type PropertiesUpdated struct {
	ChatID     string            `json:"chat_id"`
	ThreadID   string            `json:"thread_id,omitempty"`
	EventID    string            `json:"event_id,omitempty"`
	Properties WrappedProperties `json:"properties"`
}

// PropertiesDeleted is the payload of the *_properties_deleted pushes.
type PropertiesDeleted struct {
	ChatID     string        `json:"chat_id"`
	ThreadID   string        `json:"thread_id,omitempty"`
	EventID    string        `json:"event_id,omitempty"`
	Properties PropertyNames `json:"properties"`
}

// LastSeenTimestampUpdated is the payload of last_seen_timestamp_updated.
type LastSeenTimestampUpdated struct {
	UserID    string `json:"user_id"`
	ChatID    string `json:"chat_id"`
	ThreadID  string `json:"thread_id"`
	Timestamp int64  `json:"timestamp"`
}

// CustomerUpdated is the payload of customer_updated.
type CustomerUpdated struct {
	Customer User `json:"customer"`
}

// CustomerPageUpdated is the payload of customer_page_updated. Agents also
// get CustomerID.
type CustomerPageUpdated struct {
	CustomerID string `json:"customer_id,omitempty"`
	URL        string `json:"url"`
	Title      string `json:"title"`
	Timestamp  int64  `json:"timestamp"`
}

// CustomerSideStorageUpdated is the payload of customer_side_storage_updated.
type CustomerSideStorageUpdated struct {
	CustomerSideStorage map[string]string `json:"customer_side_storage"`
}

// CustomerDisconnected is the payload of customer_disconnected.
type CustomerDisconnected struct {
	Reason string         `json:"reason"`
	Data   map[string]any `json:"data,omitempty"`
}

// IncomingRichMessagePostback is the payload of incoming_rich_message_postback.
type IncomingRichMessagePostback struct {
	UserID   string        `json:"user_id"`
	ChatID   string        `json:"chat_id"`
	ThreadID string        `json:"thread_id"`
	EventID  string        `json:"event_id"`
	Postback PostbackValue `json:"postback"`
}

// AgentLoginResponse answers an agent login.
type AgentLoginResponse struct {
	License   LicenseRef   `json:"license"`
	MyProfile AgentProfile `json:"my_profile"`
}

// AgentProfile is the logged-in agent (login's my_profile).
type AgentProfile struct {
	ID            string `json:"id"`
	Type          string `json:"type"`
	Name          string `json:"name"`
	Avatar        string `json:"avatar"`
	JobTitle      string `json:"job_title"`
	RoutingStatus string `json:"routing_status"`
	Groups        []int  `json:"groups"`
	MaxChats      int    `json:"max_chats"`
}

// Routing statuses (set_routing_status, routing_status_set).
const (
	RoutingAcceptingChats    = "accepting_chats"
	RoutingNotAcceptingChats = "not_accepting_chats"
	RoutingOffline           = "offline"
)

// LicenseRef names a license.
type LicenseRef struct {
	ID int `json:"id"`
}

// ListChatsRequest is the agent's list_chats payload.
type ListChatsRequest struct {
	Pagination
	Filters *ListChatsFilters `json:"filters,omitempty"`
}

// ListChatsFilters narrows list_chats.
type ListChatsFilters struct {
	// Queued keeps the chats waiting for an agent.
	Queued bool `json:"queued,omitempty"`
	// Mine keeps the chats the agent is in.
	Mine bool `json:"mine,omitempty"`
	// Tag keeps the chats with a thread tagged Tag.
	Tag string `json:"tag,omitempty"`
}

// ListChatsResponse answers list_chats.
type ListChatsResponse struct {
	ChatsSummary []AgentChatSummary `json:"chats_summary"`
	TotalChats   int                `json:"total_chats"`
}

// AgentChatSummary is a list_chats entry: a chat summary, for a chat
// waiting for an agent its place in the queue, and the tags of each of
// its tagged threads by thread id (absent: none), which filters.tag looks
// among (the last thread's are also its last_thread_summary.tags).
type AgentChatSummary struct {
	ChatSummary
	Queue      *QueueInfo          `json:"queue,omitempty"`
	ThreadTags map[string][]string `json:"thread_tags,omitempty"`
}

// TagThreadRequest is the payload of tag_thread and untag_thread.
type TagThreadRequest struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id"`
	Tag      string `json:"tag"`
}

// ThreadTagged is the payload of thread_tagged and thread_untagged.
type ThreadTagged struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id"`
	Tag      string `json:"tag"`
}

// QueueInfo is a queued chat's place: Position 1 is served next among the
// chats of its groups.
type QueueInfo struct {
	Position int   `json:"position"`
	QueuedAt int64 `json:"queued_at"`
}

// CustomerRequest is get_customer's payload.
type CustomerRequest struct {
	CustomerID string `json:"customer_id"`
}

// CustomerResponse answers get_customer.
type CustomerResponse struct {
	Customer CustomerProfile `json:"customer"`
}

// CustomerProfile is a customer as agents see it.
type CustomerProfile struct {
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	Name      string            `json:"name"`
	Email     string            `json:"email"`
	Avatar    string            `json:"avatar"`
	Fields    map[string]string `json:"fields"`
	Page      *VisitedPage      `json:"page,omitempty"`
	Referrer  string            `json:"referrer,omitempty"`
	Visits    int               `json:"visits"`
	LastVisit int64             `json:"last_visit"`
	Banned    bool              `json:"banned"`
}

// VisitedPage is the page a customer is on, since Timestamp.
type VisitedPage struct {
	URL       string `json:"url"`
	Title     string `json:"title"`
	Timestamp int64  `json:"timestamp"`
}

// TransferChatRequest is transfer_chat's payload.
type TransferChatRequest struct {
	ChatID string         `json:"chat_id"`
	Target TransferTarget `json:"target"`
}

// TransferTarget names where a chat goes: {"type": "agent", "ids":
// ["agent id"]} or {"type": "group", "ids": [group id]}.
type TransferTarget struct {
	Type string            `json:"type"`
	IDs  []json.RawMessage `json:"ids"`
}

// BanCustomerRequest is ban_customer's payload. Without Ban (or with 0
// days) the ban is for good.
type BanCustomerRequest struct {
	CustomerID string `json:"customer_id"`
	Ban        *Ban   `json:"ban,omitempty"`
}

// Ban is how long a ban lasts.
type Ban struct {
	Days int `json:"days"`
}

// SetRoutingStatusRequest is set_routing_status' payload.
type SetRoutingStatusRequest struct {
	Status string `json:"status"`
}

// ListAgentsResponse answers list_agents.
type ListAgentsResponse struct {
	Agents []AgentInfo `json:"agents"`
}

// AgentInfo is a list_agents entry.
type AgentInfo struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Avatar        string `json:"avatar"`
	JobTitle      string `json:"job_title"`
	RoutingStatus string `json:"routing_status"`
	Groups        []int  `json:"groups"`
	ActiveChats   int    `json:"active_chats"`
	MaxChats      int    `json:"max_chats"`
}

// ListGroupsResponse answers list_groups.
type ListGroupsResponse struct {
	Groups []GroupInfo `json:"groups"`
}

// GroupInfo is a list_groups entry; Status is a Group* status.
type GroupInfo struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// ChatTransferred is the payload of chat_transferred. IDs are agent ids
// (strings) for Type "agent", group ids (numbers) for "group".
type ChatTransferred struct {
	ChatID      string `json:"chat_id"`
	ThreadID    string `json:"thread_id"`
	RequesterID string `json:"requester_id,omitempty"`
	Type        string `json:"type"`
	IDs         []any  `json:"ids"`
}

// QueuePositionUpdated is the payload of queue_position_updated.
type QueuePositionUpdated struct {
	ChatID   string        `json:"chat_id"`
	ThreadID string        `json:"thread_id"`
	Queue    QueuePosition `json:"queue"`
}

// QueuePosition is a queued chat's place (1: served next) and the
// estimated wait in seconds.
type QueuePosition struct {
	Position int `json:"position"`
	WaitTime int `json:"wait_time"`
}

// RoutingStatusSet is the payload of routing_status_set.
type RoutingStatusSet struct {
	AgentID string `json:"agent_id"`
	Status  string `json:"status"`
}
