// Package protocol holds the wire-exact types of Parley's RTM APIs: the
// Customer Chat API v3.0 and the agent API. It defines the envelope
// (Request, Frame and their encoding), the actions and pushes by name,
// their payloads, the entities they carry (chats, threads, events, rich
// message elements, properties) and the protocol's error types and
// disconnect reasons.
//
// Types here are shaped as the wire is: snake_case JSON keys, timestamps
// in Unix seconds, properties wrapped in {"value": …} where the server
// wraps them, keys in the order the JS SDK's server sent them. The server
// and both Go clients import this package; the clients convert to their
// own Go-shaped types in one file each.
//
// Package protocol/v35 holds what the Customer Chat API v3.5 changed,
// reusing this package's envelope, errors and unchanged payloads.
//
// The package does no I/O.
package protocol
