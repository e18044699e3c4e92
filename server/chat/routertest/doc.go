// Package routertest is the contract suite of chat.Router: every Router
// (the chat package's LocalRouter, a router shared by several processes)
// runs Run against itself, and a Router that passes keeps the promises of
// the chat.Router doc comments that one process can observe.
//
// The suite stores a license (id 1), agents and chats in the Store the
// Router decides on, moves a fake clock by hand and calls Start once
// before the scenarios.
package routertest
