package protocol

// Customer request actions.
const (
	ActionLogin                      = "login"
	ActionPing                       = "ping"
	ActionGetChatsSummary            = "get_chats_summary"
	ActionGetChatThreadsSummary      = "get_chat_threads_summary"
	ActionGetChatThreads             = "get_chat_threads"
	ActionStartChat                  = "start_chat"
	ActionActivateChat               = "activate_chat"
	ActionSendEvent                  = "send_event"
	ActionSendRichMessagePostback    = "send_rich_message_postback"
	ActionSendSneakPeek              = "send_sneak_peek"
	ActionCloseThread                = "close_thread"
	ActionUpdateChatProperties       = "update_chat_properties"
	ActionUpdateChatThreadProperties = "update_chat_thread_properties"
	ActionUpdateEventProperties      = "update_event_properties"
	ActionDeleteChatProperties       = "delete_chat_properties"
	ActionDeleteChatThreadProperties = "delete_chat_thread_properties"
	ActionDeleteEventProperties      = "delete_event_properties"
	ActionUpdateCustomer             = "update_customer"
	ActionUpdateCustomerPage         = "update_customer_page"
	ActionSetCustomerFields          = "set_customer_fields"
	ActionUpdateLastSeenTimestamp    = "update_last_seen_timestamp"
	ActionGetPredictedAgent          = "get_predicted_agent"
	ActionGetForm                    = "get_form"
	ActionGetGroupsStatus            = "get_groups_status"
	ActionGetURLDetails              = "get_url_details"
	ActionCheckGoals                 = "check_goals"
)

// Agent request actions (Agent Chat API v3.0 names).
const (
	ActionListChats           = "list_chats"
	ActionGetChat             = "get_chat"
	ActionJoinChat            = "join_chat"
	ActionRemoveUserFromChat  = "remove_user_from_chat"
	ActionSendTypingIndicator = "send_typing_indicator"
	ActionDeactivateChat      = "deactivate_chat"
	ActionGetCustomer         = "get_customer"
	ActionTransferChat        = "transfer_chat"
	ActionBanCustomer         = "ban_customer"
	ActionSetRoutingStatus    = "set_routing_status"
	ActionListAgents          = "list_agents"
	ActionListGroups          = "list_groups"
	ActionRevokeToken         = "revoke_token"
	ActionGetReport           = "get_report"
	ActionSearchChats         = "search_chats"
	ActionTagThread           = "tag_thread"
	ActionUntagThread         = "untag_thread"
)

// Pushes.
const (
	PushIncomingChatThread          = "incoming_chat_thread"
	PushIncomingEvent               = "incoming_event"
	PushIncomingTypingIndicator     = "incoming_typing_indicator"
	PushIncomingSneakPeek           = "incoming_sneak_peek"
	PushThreadClosed                = "thread_closed"
	PushChatUserAdded               = "chat_user_added"
	PushChatUserRemoved             = "chat_user_removed"
	PushChatPropertiesUpdated       = "chat_properties_updated"
	PushChatThreadPropertiesUpdated = "chat_thread_properties_updated"
	PushEventPropertiesUpdated      = "event_properties_updated"
	PushChatPropertiesDeleted       = "chat_properties_deleted"
	PushChatThreadPropertiesDeleted = "chat_thread_properties_deleted"
	PushEventPropertiesDeleted      = "event_properties_deleted"
	PushEventUpdated                = "event_updated"
	PushLastSeenTimestampUpdated    = "last_seen_timestamp_updated"
	PushCustomerUpdated             = "customer_updated"
	PushCustomerPageUpdated         = "customer_page_updated"
	PushCustomerSideStorageUpdated  = "customer_side_storage_updated"
	PushCustomerDisconnected        = "customer_disconnected"
	PushIncomingRichMessagePostback = "incoming_rich_message_postback"
	PushIncomingMulticast           = "incoming_multicast"
	PushAccessSet                   = "access_set"
	PushChatTransferred             = "chat_transferred"
	// PushAgentDisconnected is the agent counterpart of customer_disconnected.
	PushAgentDisconnected = "agent_disconnected"
	// PushRoutingStatusSet tells agents that an agent's routing status changed.
	PushRoutingStatusSet = "routing_status_set"
	// PushThreadTagged and PushThreadUntagged tell agents that a thread got
	// or lost a tag.
	PushThreadTagged   = "thread_tagged"
	PushThreadUntagged = "thread_untagged"
	// PushQueuePositionUpdated tells a queued chat's customer its place in
	// the queue: a v3.5 push that Parley sends in v3.0 too (the JS SDK 2
	// emits an unknown push as an event of its name, nothing more).
	PushQueuePositionUpdated = "queue_position_updated"
)

// PushResolved reports whether the JS SDK resolves a successful request of
// this customer action by a push carrying its request_id (rather than by the
// response frame). A server must send that push to the requester.
func PushResolved(action string) bool {
	switch action {
	case ActionStartChat, ActionActivateChat, ActionSendEvent, ActionCloseThread,
		ActionUpdateChatProperties, ActionUpdateChatThreadProperties, ActionUpdateEventProperties,
		ActionDeleteChatProperties, ActionDeleteChatThreadProperties, ActionDeleteEventProperties,
		ActionUpdateCustomer, ActionUpdateCustomerPage, ActionSetCustomerFields,
		ActionUpdateLastSeenTimestamp:
		return true
	}
	return false
}
