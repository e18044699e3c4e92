// Package client is the machinery Parley's two Go clients, customer and
// agent, share above the connection engine (internal/rtm): the mapping of
// engine and wire errors to a client's own errors, the session core that
// sends requests, holds pushes back while a login is under way and ends a
// client for good, typed subscription to notifications, the resume
// tracker that keeps a reconnected client from delivering an event twice,
// config defaults, the push decoding helpers, and the joining of a history
// answer's pages (AllPages).
//
// The public packages keep their own exported names; this package has no
// exported API of its own beyond what they build on.
package client
