// Package layout holds the tests that guard the module's layout: which
// packages may depend on which (the client apart from the server, the chat
// domain apart from wire, SQL and sockets, drivers beside the interface
// they implement) and that every package says what it is for in one
// package doc. It has no code of its own; everything lives in its tests,
// which read the module through `go list`.
package layout
