// Package storetest is the contract suite of chat.Store: every driver runs
// Run against itself, and a driver that passes keeps every promise of the
// chat.Store doc comments.
//
// Where the contract leaves room the suite settles it; drivers must do the
// same:
//
//   - PutLicense makes sure the license has a group 0 (Groups lists it).
//     Groups and Agents of an unknown license are empty, not errors.
//   - PutLicense refuses an organization id that is not canonical with
//     ErrInvalid; LicenseByOrganization compares ids byte for byte, so an
//     upper-case id finds nothing (chat.Service canonicalizes first).
//   - CreateChat with an empty Thread.ID (and no Events) stores a chat
//     without threads: LastThreadID "", Active false. AppendLast answers
//     ErrNoThread for it, and ActivateChat or AppendOrOpen give it thread 1.
//   - Users given to CreateChat, ActivateChat and AddChatUser become present
//     members whatever their Present field says. A thread's UserIDs are the
//     present users when it opens; AddChatUser adds to the active thread's,
//     RemoveChatUser leaves thread UserIDs alone.
//   - "Member" means present user: RemoveChatUser and SetLastSeen answer
//     ErrNotFound for a user not in the chat or no longer present.
//   - A CustomID duplicate is answered before the Mode is looked at: a retry
//     gets Duplicate even when the original's thread has been closed.
//   - Chat.LastEventAt is the latest CreatedAt of the chat's events. Chats
//     orders by last event time (the creation time for a chat without
//     events), newest first, then by creation time, newest first.
//   - A limit <= 0 means no limit (Chats, Threads, EventsAfter); offset
//     counts whole items.
//   - Property values come back as encoding/json decodes them into any:
//     numbers as float64, objects as map[string]any. Namespaces left empty
//     are not kept.
//   - AddPostback answers ErrNotFound for a missing chat or a missing event
//     in the named thread.
//   - Times round-trip at least to the millisecond (the suite only uses
//     millisecond times); the location need not survive, only the instant.
//   - ChatFilter.Queued keeps active chats without a present agent (a
//     present customer does not count); AgentLoads counts only present
//     agents of active chats, by license.
//   - Agent.MaxChats and Customer.BannedUntil round-trip as given (zero
//     included); the meaning of zero is the chat package's.
//   - ReportThreads takes "after the customer's first message" by the
//     events' order in the thread, not their times, and counts as agents
//     the chat's users of type agent; GroupIDs of a chat of no group may
//     come back nil or empty. Score is the stored rating.score as text:
//     "1" and "0" for the scores the Service stores (chat parses it as a
//     number).
//   - SearchChats searches the text of messages and the name of files only
//     (not system messages), and customers' names and e-mail addresses
//     (all terms in one of them: an event, or a customer's name and address
//     together); every term but the last is a whole word, the last a
//     word's prefix; case never matters. Diacritics are the driver's: the
//     suite only searches a word with its own.
//   - TokenRevoked compares an agent's revocation time with the token's
//     issue time: a token issued at that very instant is not revoked.
//   - Chat.Users, Thread.UserIDs and Properties may come back in any order
//     and nil or empty alike; the suite compares them as sets and by value.
package storetest
