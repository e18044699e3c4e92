// Package cached keeps the chats a chat.Store reads most in memory: every
// request of a chat's members loads the chat (its members, active thread
// and groups) before it acts, and this answers those loads without a
// database read.
//
// The cache is correct only while every write to the underlying store goes
// through it, as with the embedded SQLite store, which one process owns. A
// store shared by several processes must not be wrapped: their writes would
// not reach this cache.
//
// Every write method of chat.Store that changes what Chat returns either
// updates the cached chat (an appended event moves LastEventAt; a last seen
// time moves a member's LastSeen) or drops it, so the next read loads it
// afresh. A read racing a write never caches what it read before the write.
// Chats returned are copies: callers may change them. Property values
// (decoded JSON) are shared and must be treated as read-only.
package cached
