// Package chatui tests the terminal chat of `parley chat`
// (internal/chatui) end to end: the bubbletea program in teatest's
// terminal, on the Go SDK, against a parleytest server and an agent; and
// the built binary in a real terminal (a private tmux server) against
// `parley serve` run as a process, stopped and started again under it, or
// against a parleytest server whose only agent is full (a chat waiting in
// the queue). It holds no code of its own; everything lives in its tests.
package chatui
