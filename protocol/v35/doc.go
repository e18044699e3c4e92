// Package v35 holds the Customer Chat API v3.5 customer wire format: the
// requests, responses, pushes and entities a v3.5 client (the JS
// @livechat/customer-sdk 4.x) exchanges with the server over
// /v3.5/customer/rtm/ws.
//
// Only what differs from v3.0 is here. The envelope (Request, Frame and
// their encoding), the error payload and types, the depth checks and the
// payloads v3.5 kept unchanged (send_rich_message_postback,
// send_sneak_peek, update_event_properties, get_form, …) come from package
// protocol. The differences, in short: events carry created_at (RFC 3339
// with microseconds, see FormatTime) and no order; threads carry
// created_at; properties are never wrapped in {"value": …}; users carry
// events_seen_up_to; customers carry session_fields (a list of one-key
// objects) and statistics; lists are paged with opaque page ids; pushes
// carry "version":"3.5" (protocol.VersionedPush); and several actions and
// pushes were renamed (Action*, Push* below).
//
// The package does no I/O.
package v35
