// Package postgres is a chat.Store kept in a PostgreSQL database, on the
// pgx driver (github.com/jackc/pgx/v5) with a pool of connections
// (pgxpool). Any number of server processes (nodes) may share one
// database: PostgreSQL holds the truth, and every promise below holds
// across nodes, not only within one.
//
// # Durability
//
// Every write method returns once its transaction has committed. Open
// refuses a database whose synchronous_commit is off, so a commit waits for
// the write-ahead log to reach disk: an acknowledged write survives a crash
// of the server process, of PostgreSQL and of the machine (with
// synchronous_commit=remote_apply and a standby, the loss of the machine
// too). The COMMIT ignores the end of the caller's context: a write is
// never reported as failed and then found committed. A connection lost
// during COMMIT leaves the outcome unknown, as with any client of a
// database server.
//
// # Concurrency across nodes
//
// Writes run at PostgreSQL's default isolation, READ COMMITTED, and order
// themselves with row locks instead of a process-wide writer:
//
//   - A chat's row is its lock. Every write that changes a chat's threads,
//     events or members (CreateChat aside, which makes the row) first takes
//     it with SELECT … FOR NO KEY UPDATE, then reads what it needs, so
//     writes to one chat run one after the other on every node, and writes
//     to different chats run at once. The lock does not block rows that only
//     refer to the chat (a postback, a new member of another transaction).
//   - An append reads the thread's total after taking the lock, so it sees
//     every append committed before it: orders in a thread are 1, 2, … with
//     no gap and no duplicate, whichever nodes appended.
//   - A CustomID is looked up under the same lock, so one retried append
//     stores one event however many nodes retry it; the partial unique index
//     events_custom_id guards the same rule in the schema.
//   - A batch of appends (below) takes the locks of all its chats with one
//     statement, in the order of the chats' ids, so two batches that share
//     chats, of one node or of two, wait for one another and never
//     deadlock. Every other write locks one chat's row at most, and none
//     waits for a chat's row while it holds another row's lock (writes of
//     one row, such as SetLastSeen, RemoveChatUser, SetChatGroups, the
//     property methods and LoginCustomer, lock that row only), so writes
//     never deadlock one another.
//
// Reads of several rows run in a read-only REPEATABLE READ transaction, which
// sees one snapshot, as in the SQLite driver.
//
// # Appends in batches
//
// AppendEvent, the hot path, gathers concurrent calls into batches, as the
// SQLite driver's writer does, and stores each batch with one transaction
// in two round trips: BEGIN, the chats' locks and what the appends need to
// know (the chats' last threads, the events stored under their custom ids);
// then the threads some appends open, one INSERT of every new event, and
// COMMIT. A lone append goes at once. While two batches are in flight (one
// can commit while the next waits for its locks), further appends queue,
// and the next batch takes all of them, up to 256: there is no timer, so
// batches grow only with the load. Every append of a batch returns once the
// batch's COMMIT is durable, with its own result.
//
// Between the round trips each append is decided in Go, in queue order, as
// if it ran alone after the ones before it: one that fails its checks (a
// missing chat, no active thread) gets its error and writes nothing; a
// CustomID stored before or earlier in the batch gets the stored event as
// a duplicate; a thread opened by one append takes the next ones of its
// chat.
//
// A statement PostgreSQL refuses (an event or thread id already taken, a
// value it cannot store) aborts the transaction, with every append of the
// batch. The batch then runs again one append per transaction, so that the
// failure is that append's alone. Savepoints would spare the others a second
// run, but they cost two more statements per append in every batch, and
// within one round trip they cannot help: after an error PostgreSQL skips
// the rest of the round trip, ROLLBACK TO SAVEPOINT included. Such failures
// are rare (the chat layer checks what it stores, ids are random,
// duplicates are found by the first round trip's reads), so batches do not
// pay for them.
//
// A batch waits for locks and for the server as long as one of its callers
// waits: it stops, before COMMIT is sent, once every caller's context has
// ended. A caller whose context ends while the batch still runs for others
// gets the batch's outcome. A transaction that holds a chat's lock for long
// (a node stopped in the middle of one) thus delays the appends batched
// with that chat's, not only that chat's.
//
// # Schema
//
// The schema lives in the embedded migrations/*.sql files, applied in name
// order by Open (or Migrate) inside one transaction each and recorded in the
// schema_migrations table. Each of those transactions first takes an
// advisory lock (pg_advisory_xact_lock), so nodes that start at once
// migrate one after the other and each migration is applied once. A
// trigger on events keeps each thread's total and each chat's last event
// time and newest event of each type (chats.last_events; over the events
// visible to all, not private notes, chats.last_customer_events: migration
// 0008), so storing an event is one INSERT; a customer's reads leave notes
// out in their query; thread tags are rows of thread_tags; a thread's events are read through the events key
// (chat_id, thread_ord, ord). Times are stored as Unix nanoseconds (NULL for
// the zero time), so they round-trip exactly (in UTC). Lists of ids are
// arrays; properties, customer fields and the type-specific event fields
// (one body per event) are json columns. SearchChats reads the
// events_search GIN index (migration 0010) over the words of messages and
// file names, and the customers_search one (0011) over customers' names
// and e-mail addresses, with the 'simple' configuration: case is folded,
// diacritics are not, no language's stemming applies.
//
// # Shared secrets
//
// Secret keeps the secrets every node must share, such as the key that
// signs access tokens, in the secrets table: the first node that asks makes
// it (INSERT … ON CONFLICT DO NOTHING) and every node reads the same bytes.
//
// # Reading of the chat.Store contract
//
// Where the contract leaves room, this driver does what the SQLite driver
// does (see its package comment); the storetest suite checks the same:
// group 0 made by PutLicense; a chat without threads from CreateChat with an
// empty Thread.ID; given users become present members; "member" means
// present user; a CustomID duplicate is answered before the Mode is looked
// at; Chat.LastEventAt only moves forward and orders Chats; a limit <= 0
// means no limit; property values come back as encoding/json decodes them,
// without empty namespaces; AddPostback answers ErrNotFound for a missing
// chat or event and replaces a postback recorded again.
//
// # Routing
//
// [Router] is a chat.Router shared by the nodes: the routing statuses, the
// agents' connections per node, the grace periods and the queue are rows
// (migrations/0002_routing.sql). A node records its agents' connections
// under a lease ([RouterConfig].Lease, default [DefaultLease]) that it
// renews at each ExpireGrace; the connections of a node that dies expire
// with their lease, and its agents enter their grace period. Assignments
// of one license run one at a time across the nodes, under an advisory
// lock held by the transaction that counts the loads, adds the agent to
// the chat and takes the chat out of the queue, so the next one sees the
// new load: no agent is given more chats than its limit, no chat two
// agents, and the queue is served first in, first out (by the time a chat
// was queued, then its id in byte order). Changes of an agent's status and
// connections take its row's lock. The nodes' clocks should agree to well
// within the lease. A chat that has an agent already is not assigned
// another: Assign answers chat.ErrHasAgent.
//
// # Chat locks
//
// [ChatLocks] is a chat.ChatLocker: a lock per chat that the nodes share,
// a session advisory lock held on a connection of a pool of its own, so
// that the Service of one node at a time changes a chat (deciding on what
// the node before stored) and notifies the change before the next node
// does.
//
// PostgreSQL stores no NUL character in text: a write of an id, a name or a
// custom id holding one fails with the server's error (in the json columns,
// such as an event's text, it is stored as the escape \u0000). The chat
// service refuses U+0000 in everything users send before it reaches a
// store (docs/security.md), so such failures come only from other callers;
// in a batch of appends the failing one fails alone.
package postgres
