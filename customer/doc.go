// Package customer is the Customer SDK for Go: the Go counterpart, method
// for method and event for event, of the LiveChat Customer JS SDK
// v2.0.0-alpha.3. A program uses it to chat, as a customer, with a
// company's support agents over the Customer Chat API v3.0 — against a
// Parley server or any server speaking that protocol.
//
// # Quick start
//
// Init an SDK with the license, the client id and the server's URL,
// subscribe to the notifications you need with [On], and call its
// methods: the package example (Example) starts a chat and prints the
// agent's answer; every method has its own example. The examples run
// against a real server started in-process (see Testing).
//
// Init returns at once and connects in the background; methods called
// before the connection is up wait for it, up to their ctx. Init makes no
// request, so it cannot tell a wrong License or ClientID, or customer data
// the server refuses (an avatar that is not https, a page URL that is not
// http(s), a name over its limit): the first login does, and the SDK then
// ends for good (Disconnected{Final: true}), so that every call, the first
// one included, fails with an error that is [ErrDestroyed] and carries, as
// an [*Error], what the server said (invalid_client, license_not_found,
// validation, …). To check the configuration at
// start, call sdk.Auth().GetToken(ctx).
//
// # Identity
//
// The customer is identified by the accounts cookie the server sets with
// its token. Config.Identity keeps it, so a program run twice is the same
// customer. By default it is a file (mode 0600, in a directory of mode
// 0700) under the user's config directory, os.UserConfigDir()/parley,
// such as ~/.config/parley/customer-<license>-<hash>.json on Linux:
// [DefaultIdentityFile] names it. It holds the customer's token and
// cookie: treat it like a password. MemoryStore makes a new customer per
// SDK.
//
// # Notifications
//
// Everything the server pushes becomes a typed notification ([NewEvent],
// [UserIsTyping], [ThreadClosed], …). Subscribe by type with [On] and
// [Once], by the JS SDK's event name with [SDK.On], or range over
// [SDK.Notifications]. One notification is a Parley extension of the
// protocol, which the JS SDK 2 has no event for: [QueuePositionUpdated],
// the chat's place in the queue and the estimated wait while no agent
// has it yet. A push the package has no type for arrives as
// [UnknownPush].
// Handlers run one at a time, in arrival order, on one goroutine per SDK;
// a slow handler delays later notifications and never loses one (see
// Config.NotificationBuffer for what happens when they pile up).
//
// A handler may call the SDK's methods. Give those calls a ctx with a
// deadline: while a handler waits, notifications queue up, and once
// Config.NotificationBuffer of them are waiting the SDK stops reading the
// connection, answers included, until the handler returns.
//
// # Connection
//
// The SDK pings, and when the connection drops (or goes silent: a ping
// unanswered for 30 s) it emits ConnectionLost, reconnects with capped
// exponential backoff and jitter (announcing each attempt, its number and
// its wait with Reconnecting), logs in again (refreshing an expired
// token), emits ConnectionRestored, and then delivers as NewEvent every
// event of the customer's chats stored while it was away, in order and
// none twice. A request in flight when the connection drops fails with
// ErrConnectionLost; a request made while reconnecting, or written to a
// connection that was already gone, waits for the connection up to its
// ctx. A customer_disconnected push with a final reason (customer_banned,
// …) emits Disconnected{Final: true} and destroys the SDK; its Err is the
// server's [*Error] that ended it.
//
// # Errors
//
// Errors answered by the server are [*Error] values carrying the
// protocol's error type; the client's own states are sentinels
// ([ErrDestroyed], [ErrNotConnected], [ErrConnectionLost],
// [ErrFileTooLarge], [ErrLimitTooHigh], [ErrInvalidRating]). All work
// with errors.Is and errors.As; after a final end, a call's error is both
// ErrDestroyed and the *Error that ended the SDK.
//
// # Concurrency
//
// An SDK is safe for use by many goroutines. Destroy stops every goroutine
// it started.
//
// # Testing
//
// Package github.com/parleychat/parley/parleytest runs a real Parley
// server in-process, as net/http/httptest does for HTTP: point
// Config.Server at its URL to test a program that uses this package. The
// examples of this package run that way, one server each.
//
// # Changes
//
// ChatsSummary.Chats was ChatsSummary.ChatsSummary, and
// ThreadsSummary.Threads was ThreadsSummary.ThreadsSummary.
// Postback.Toggled is a *bool whose nil means toggled, as in the JS SDK.
// Token marshals expires_in in seconds (identity files written before
// still load). SendFile takes a File.Size of 0 as unknown (see File).
// SDK.On and SDK.Once panic on an unknown event name. Reconnecting and
// Disconnected.Err are new. QueuePositionUpdated is new: the
// queue_position_updated push was an UnknownPush before.
package customer
