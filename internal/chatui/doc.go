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
// The bottom line says whether the SDK is connecting, connected or
// reconnecting. Everything that comes from the network is cleaned of
// escape sequences and control characters before it is printed.
//
// SDK notifications reach the program through Subscribe, which feeds them
// to a tea.Program with Send; Run does all of it.
package chatui
