// Package sqlite is a chat.Store kept in one SQLite file, on the pure-Go
// modernc.org/sqlite driver.
//
// # Durability
//
// The file runs in WAL mode with synchronous=FULL: every write method has
// committed its transaction and synced the write-ahead log before it returns,
// so a write that was acknowledged survives a crash of the process (kill -9)
// and of the machine.
//
// # Concurrency
//
// SQLite allows one writer at a time. The Store sends every write through a
// single connection owned by one writer goroutine, which commits writes in
// groups: the writes that queue up while one transaction commits all go
// into the next one, and one COMMIT — one fsync — makes the whole group
// durable before any of its writes returns. A failing write undoes only its
// own changes: one that fails its checks has changed nothing, and a group
// in which a write fails after changing something is rolled back and run
// again with each write in its own savepoint. A lone write commits at once;
// there is no timer gathering a batch, so batches grow only with load, up
// to 512 writes. Writes return in queue order of their group, and a write
// sees every write queued before it. Write transactions start with BEGIN
// IMMEDIATE; reads use a pool of read-only connections and never wait for
// the writer. A busy_timeout covers other processes that open the same file.
// Only one Store should write to a file at a time.
//
// # Schema
//
// The schema lives in the embedded migrations/*.sql files, applied in name
// order by Open inside one transaction each and recorded in the
// schema_migrations table; re-opening a file applies only the ones it lacks.
// A trigger on events keeps each thread's total and each chat's last event
// time and newest event of each type, so storing an event is one INSERT:
// chats.last_events over every event, chats.last_customer_events over the
// events visible to all (not private notes, events.visibility 'agents';
// migration 0008). A customer's reads leave notes out in their query.
// Thread tags are rows of thread_tags. The writer feeds event_search once per group,
// a contentless FTS5 index of the words of messages and file names
// (migration 0010), for SearchChats: it folds case and diacritics and
// names events by rowid, which a backup's copy (VACUUM INTO) keeps.
// customer_search, likewise contentless, holds the words of customers'
// names and e-mail addresses under customer_search_ids' integer keys
// (customers has no rowid); triggers on customers keep it up to date
// (migration 0011); an anonymous customer, one per new visitor, writes
// nothing to it.
// Times are stored as Unix nanoseconds (NULL for the zero time), so they
// round-trip exactly (in UTC). Type-specific event fields are one JSON body
// column; properties, lists and maps are JSON columns.
//
// # Reading of the chat.Store contract
//
// Where the contract leaves room, this driver does the following; the
// storetest suite checks the same:
//
//   - PutLicense also creates group 0 ("General") of the license when it is
//     missing, since group 0 exists in every license. Groups and Agents of an
//     unknown license are empty, not ErrNotFound. Customers and agents are
//     keyed by (license, id).
//   - CreateChat with an empty Thread.ID stores a chat without threads
//     (LastThreadID "", Active false); its Events must then be empty. Such a
//     chat gets its first thread from ActivateChat or AppendEvent with
//     AppendOrOpen, and AppendLast answers ErrNoThread for it.
//   - Users given to CreateChat, ActivateChat and AddChatUser become present
//     members whatever their Present field says; a thread's UserIDs are the
//     present users when it opens, AddChatUser adds to those of the active
//     thread, RemoveChatUser does not take ids out of a thread (they are its
//     history).
//   - "Member" means a present user: RemoveChatUser and SetLastSeen answer
//     ErrNotFound for a user who is not in the chat or is no longer present.
//   - A CustomID duplicate is looked up before the Mode is considered, so a
//     retried append is answered with Duplicate even after its thread closed.
//     Non-unique ids (an event, thread or chat id already used, or a custom id
//     repeated among the events of CreateChat or ActivateChat) give ErrExists.
//   - Chat.LastEventAt only moves forward: an append sets it to the later of
//     the stored value and the event's CreatedAt. Chats sorts by the last
//     event time, or the creation time for a chat without events, newest
//     first, then by creation time and id, both newest first.
//   - A limit <= 0 means no limit (Chats, Threads, EventsAfter).
//   - Property values are stored as JSON and come back as decoded by
//     encoding/json into any: numbers as float64, objects as map[string]any,
//     arrays as []any. Empty namespaces are not kept. Properties, UserIDs and
//     Users read back are never nil.
//   - AddPostback answers ErrNotFound when the chat, or the event in the named
//     thread of that chat, does not exist; recording the same postback (event,
//     user, postback id) again replaces it.
package sqlite
