package v35

import "github.com/parleychat/parley/protocol"

// Version is the API version of this package, as it appears in the
// version key of pushes and requests and in login's pushes.
const Version = "3.5"

// Customer request actions new or renamed in v3.5. The unchanged ones keep
// their protocol.Action* names: login, start_chat, send_event,
// send_rich_message_postback, send_sneak_peek, update_chat_properties,
// update_event_properties, delete_chat_properties,
// delete_event_properties, update_customer, update_customer_page,
// get_predicted_agent, get_form, ping.
const (
	ActionListChats                = "list_chats"
	ActionListThreads              = "list_threads"
	ActionGetChat                  = "get_chat"
	ActionResumeChat               = "resume_chat"
	ActionDeactivateChat           = "deactivate_chat"
	ActionUpdateThreadProperties   = "update_thread_properties"
	ActionDeleteThreadProperties   = "delete_thread_properties"
	ActionSetCustomerSessionFields = "set_customer_session_fields"
	ActionMarkEventsAsSeen         = "mark_events_as_seen"
	ActionListGroupStatuses        = "list_group_statuses"
	ActionGetURLInfo               = "get_url_info"
	ActionGetCustomer              = "get_customer"
	ActionAcceptGreeting           = "accept_greeting"
	ActionCancelGreeting           = "cancel_greeting"
	// ActionUploadFile is served over HTTP only.
	ActionUploadFile = "upload_file"
)

// Pushes new or renamed in v3.5. The unchanged ones keep their
// protocol.Push* names.
const (
	PushIncomingChat           = "incoming_chat"
	PushChatDeactivated        = "chat_deactivated"
	PushUserAddedToChat        = "user_added_to_chat"
	PushUserRemovedFromChat    = "user_removed_from_chat"
	PushThreadPropertiesUpdate = "thread_properties_updated"
	PushThreadPropertiesDelete = "thread_properties_deleted"
	PushEventsMarkedAsSeen     = "events_marked_as_seen"
	PushIncomingGreeting       = "incoming_greeting"
	PushGreetingAccepted       = "greeting_accepted"
	PushGreetingCanceled       = "greeting_canceled"
	PushQueuePositionUpdated   = "queue_position_updated"
	PushGroupsStatusUpdated    = "groups_status_updated"
)

// Pushes lists every push of the v3.5 customer API (the JS SDK 4.0.2's
// serverPushActions): the names login's pushes may subscribe to.
var Pushes = []string{
	PushChatDeactivated,
	protocol.PushChatPropertiesDeleted,
	protocol.PushChatPropertiesUpdated,
	protocol.PushChatTransferred,
	protocol.PushCustomerDisconnected,
	protocol.PushCustomerPageUpdated,
	protocol.PushCustomerSideStorageUpdated,
	protocol.PushCustomerUpdated,
	protocol.PushEventPropertiesDeleted,
	protocol.PushEventPropertiesUpdated,
	protocol.PushEventUpdated,
	PushEventsMarkedAsSeen,
	PushGreetingAccepted,
	PushGreetingCanceled,
	PushGroupsStatusUpdated,
	PushIncomingChat,
	protocol.PushIncomingEvent,
	PushIncomingGreeting,
	protocol.PushIncomingMulticast,
	protocol.PushIncomingRichMessagePostback,
	protocol.PushIncomingTypingIndicator,
	PushQueuePositionUpdated,
	PushThreadPropertiesDelete,
	PushThreadPropertiesUpdate,
	PushUserAddedToChat,
	PushUserRemovedFromChat,
}

// PushResolved reports whether the JS SDK 4.0.2 resolves a successful
// request of this action by a push carrying its request_id (start_chat and
// resume_chat by incoming_chat, send_event by incoming_event) rather than
// by the response frame, whose payload it then ignores. A server must send
// that push to the requester. Every other v3.5 request resolves on its
// response.
func PushResolved(action string) bool {
	switch action {
	case protocol.ActionStartChat, ActionResumeChat, protocol.ActionSendEvent:
		return true
	}
	return false
}

// ErrGreetingNotFound answers accept_greeting and cancel_greeting naming a
// greeting the server does not know (the JS SDK reports it as
// GREETING_NOT_FOUND).
const ErrGreetingNotFound = "greeting_not_found"
