// Package chatui is the full-screen terminal chat of `parley chat`: a
// bubbletea program built only on the public customer SDK.
//
// It opens on the customer's chats (GetChatsSummary); enter opens one, n
// starts a new one. A conversation shows the chat's history, loaded a page
// at a time (History.Next) as it is scrolled to the top, across threads;
// the agents' messages as they come, who is typing, and the customer's own
// messages with their delivery state. What the customer types is sent as
// a sneak peek (the SDK throttles it). Lines starting with a slash are
// commands:
//
//	/file PATH               upload a file (esc cancels)
//	/rate good|bad [comment] rate the chat
//	/close                   close the chat
//	/new                     start a new chat
//	/retry                   send the messages that failed again
//	/quit                    leave
//
// Tab selects the buttons of the newest rich message (tab, shift+tab, ←/→
// move; enter presses one: SendPostback; esc or typing goes back to the
// input). When an agent closes the chat (ThreadClosed) a prompt asks for
// a rating: g good, b bad, s skip, then an optional comment (RateChat).
//
// While a chat waits in the queue for an agent (QueuePositionUpdated),
// the line under its conversation tells its place and the estimated wait,
// as the web widget does, and the chat list marks it queued; an agent
// joining or writing, the chat's close, or a new login (after which the
// server tells the places again) takes the place away.
//
// The bottom line says whether the SDK is connecting, connected or
// reconnecting, and then why (the SDK's error in words), the attempt and
// the seconds to the next (Reconnecting). When the server ends the session
// for good (Disconnected{Final: true}), the reason is said in words
// (EndError): before the first login the program quits at once, and Run
// returns the EndError then or when the customer quits. Everything that
// comes from the network is cleaned of escape sequences and control
// characters before it is printed.
//
// Files by concern: model.go (the list, a conversation, notifications),
// conv.go (a conversation's items), cmds.go (SDK calls and slash
// commands), rich.go (buttons), rating.go (the rating prompt), conn.go
// (the connection's status), end.go (a final end), view.go, sanitize.go.
//
// SDK notifications reach the program through Subscribe, which feeds them
// to a tea.Program with Send; Run does all of it, and connects the SDK
// once subscribed.
package chatui
