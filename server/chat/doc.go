// Package chat is the chat domain of the server: licenses and their
// agents, groups and customers; chats, their threads and events;
// properties; who is a member of which chat; and routing, which gives
// chats to agents. It decides who may do what, stores it and says who must
// hear of it. It knows no wire format, SQL, HTTP or transport: the session
// layer turns requests into Service calls and Notifications into pushes.
//
// # Types
//
// [Service] holds the use cases (start a chat, send an event, join a chat,
// ban a customer, …); each takes the [Actor] making the request and
// returns a domain error ([ErrNotFound], [ErrInvalid], …) that callers map
// to their own. Its files are split by concern: authorize.go (who may do
// what: agents' roles and groups), chats.go (chats and threads),
// events.go, properties.go, customers.go, membership.go, transfer.go,
// routing*.go, queue_push.go (queued customers' places), offline.go (the
// offline form and its tickets), tags.go (tags on threads), report.go
// (get_report's numbers, computed over the threads Store.ReportThreads
// reads) and search.go (search_chats: a query split into words,
// Store.SearchChats, snippets).
//
// [Store] is what the Service needs stored; its drivers (store/sqlite,
// store/postgres) import this package, never the reverse, and pass the
// contract suite in store/storetest.
//
// [Router] decides which agent takes a chat and keeps the routing
// statuses, connections, grace periods and the queue. [LocalRouter] keeps
// them in one process's memory and is the default; a router shared by
// several processes fills the same interface (store/postgres.Router keeps
// them in the database). The contract suite of a Router is
// chat/routertest.
//
// [Notifier] delivers [Notification]s to the users' connections.
//
// [Uploads] finds uploaded files (server/httpapi stores them): a file
// event names its file by URL, and the Service takes the file's name,
// type and size from the upload, refusing a URL of no upload of the
// sender's license. [Service.WebCustomer] is the customer of a Web API
// call, created on its first call.
//
// # Routing
//
// Agents belong to groups (none: group 0) and have a routing status and a
// limit of concurrent chats ([Agent.ChatLimit]). A chat that needs an agent
// (a new chat, a new thread of a chat no online agent is in, a chat whose
// agents left or went offline, a chat transferred to a group) goes to an
// agent of one of its groups who is accepting chats, connected and below
// the limit: the least loaded first, then the one whose last assignment is
// the oldest. That agent joins the chat: the chat's members get
// chat_user_added, the agent incoming_chat_thread. When nobody is available
// the chat is queued; queued chats are given out oldest first as soon as an
// agent of their groups frees up, and on a periodic retry. While a chat is
// queued, the pushes about it go to every agent of its groups.
//
// A queued chat's customer is told its place in the queue and an
// estimated wait (QueuePositionUpdated) when the chat is queued and each
// time its place changes; queue_push.go says how, in one process and in a
// cluster.
//
// # Offline messages
//
// A chat started with the answers of the offline form (a filled_form
// event of form OfflineFormID) is an offline message: StartChat marks it
// with chat properties that only the server sets, and, with a [Mailer],
// agents' messages in it are mailed to the form's address while the
// customer is not connected ([Presence]; offline.go). The mails go out
// after the chat's lock is released, on goroutines StopRouting waits for.
//
// An agent becomes accepting_chats when it logs in (or the status it last
// chose); when its last connection has been gone for the grace period
// ([Config.GracePeriod]) it becomes offline and leaves its active chats,
// which are routed again. An agent who reconnects within the grace period
// keeps its status and its chats.
//
// # Private notes
//
// An agent's event with Visibility VisibilityAgents (Event.AgentsOnly) is
// a private note: customers never get it. Reads are filtered by the Store
// (ThreadEvents and LastEvents take the reader's UserType), pushes by
// notifySeq, which sends a note to agents only and names the customers in
// Notification.Skip so that their push sequence moves past it. A note
// never opens a thread, customers cannot send one, and a customer's
// postback or property change naming one finds no event.
//
// # Ordering and concurrency
//
// A Service is safe for concurrent use. Changes to one chat are
// serialized by the chat's lock: a change is stored and notified under
// that lock, so a chat's notifications are made in store order, and a
// Notifier must deliver them in call order without blocking on slow
// connections. Changes to different chats run in parallel. The lock is
// the process's own; when several processes change the chats of one
// Store, a [ChatLocker] makes it theirs too, so that they take turns on a
// chat and its notifications are made in store order across them.
//
// Locks are taken in one order: a chat's lock, then the Router's own
// locking, which never calls back into the Service. No chat lock is held
// while the queue is drained: the drain takes chat locks one at a time.
package chat
