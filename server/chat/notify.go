package chat

import (
	"context"
	"time"
)

// Origin names the connection and request that caused a change, so that
// the push reporting it can be tagged for that connection only.
type Origin struct {
	ConnID    string
	RequestID string
}

// Recipient is a user a notification is for. Every connection of the user
// gets it.
type Recipient struct {
	ID   string
	Type UserType
}

// Notification is one push for a set of users.
type Notification struct {
	LicenseID  int
	Recipients []Recipient
	// AllAgents sends the notification to every connected agent of the
	// license. Agents among Recipients get it once.
	AllAgents bool
	Origin    Origin
	Push      Push
	// Seq places a push that adds to the chat's events in the chat's
	// sequence; zero for the others.
	Seq Seq
	// Skip are members (of Seq.Members) that get nothing of the push, but
	// whose place in the chat's sequence moves past it: the customers of a
	// chat that got a private note, so that the next event they get does
	// not look like one after a lost push.
	Skip []Recipient
}

// Seq is where a push stands in its chat's sequence of stored events. A
// chat's threads have orders 1, 2, 3… and a thread's events too, without
// holes (the store gives them out under the chat's lock), so a receiver
// that knows the last position it got can tell the next push of the chat
// from one that comes after a lost one.
type Seq struct {
	Kind   SeqKind
	ChatID string
	// Thread is the thread's order; Event an event's order within it (see
	// SeqKind).
	Thread, Event int
	// Members are the recipients that get every push of the chat while
	// they are in it (its present users): a hole in what they get is a lost
	// push. The other recipients (the agents of a queued chat's groups)
	// get pushes of the chat only for a while, so holes are expected.
	Members []Recipient
}

// SeqKind says how a push moves its chat's sequence.
type SeqKind uint8

// The kinds of Seq.
const (
	SeqNone SeqKind = iota
	// SeqEvent adds the event Event to the thread Thread.
	SeqEvent
	// SeqThread opens the thread Thread with its events 1…Event (none
	// when Event is 0).
	SeqThread
	// SeqSnapshot hands the thread Thread over with its newest events, up
	// to Event: it follows whatever came before.
	SeqSnapshot
	// SeqClosed tells that the thread Thread ended with Event events.
	SeqClosed
)

// Push is what a notification tells: one of the types of this file
// (IncomingChatThread, IncomingEvent, …, Disconnect). The set is closed, so
// that whoever renders pushes can handle every one of them; a new push type
// gets a push method here and a rendering in the session package.
type Push interface {
	push()
}

// Notifier delivers notifications to connections.
//
// The Service calls Notify while it holds the chat's lock, right after the
// change is stored, so notifications of one chat are made in store order. An
// implementation must deliver them in call order and must not block on slow
// connections.
type Notifier interface {
	Notify(ctx context.Context, n Notification)
}

// Member is a chat member with the profile a client shows.
type Member struct {
	User
	Name     string
	Email    string
	Avatar   string
	JobTitle string
	Fields   map[string]string
}

// IncomingChatThread reports a new thread with its first events, or hands
// a chat's thread to an agent it was routed to, with its newest events (at
// most MaxThreadEvents: the agent pages older ones in with get_chat).
type IncomingChatThread struct {
	Chat    Chat
	Members []Member
	Thread  Thread // with Events
}

// IncomingEvent reports a new event in an existing thread.
type IncomingEvent struct {
	Event Event
}

// TypingIndicator reports that a user started or stopped typing.
type TypingIndicator struct {
	ChatID, ThreadID, AuthorID string
	At                         time.Time
	IsTyping                   bool
}

// SneakPeek reports what a customer is typing. Agents only; not stored.
type SneakPeek struct {
	ChatID, ThreadID, AuthorID string
	At                         time.Time
	Text                       string
}

// ThreadClosed reports that a thread was closed, by UserID if set.
type ThreadClosed struct {
	ChatID, ThreadID, UserID string
}

// UserAdded reports a new chat member.
type UserAdded struct {
	ChatID, ThreadID string
	Member           Member
}

// UserRemoved reports that a member left.
type UserRemoved struct {
	ChatID, ThreadID, UserID string
	UserType                 UserType
}

// PropertiesUpdated reports changed properties of a chat (ThreadID and
// EventID empty), a thread (EventID empty) or an event.
type PropertiesUpdated struct {
	ChatID, ThreadID, EventID string
	Properties                Properties
}

// PropertiesDeleted reports deleted properties, addressed as PropertiesUpdated.
type PropertiesDeleted struct {
	ChatID, ThreadID, EventID string
	Names                     PropertyNames
}

// LastSeenUpdated reports a member's new last seen time.
type LastSeenUpdated struct {
	ChatID, ThreadID, UserID string
	At                       time.Time
}

// CustomerUpdated reports changed customer data.
type CustomerUpdated struct {
	Customer Customer
}

// CustomerPageUpdated reports the page a customer moved to.
type CustomerPageUpdated struct {
	CustomerID string
	Page       Page
}

// PostbackReceived reports a click on a rich message button.
type PostbackReceived struct {
	Postback Postback
}

// Disconnect asks the recipients' connections to close with a reason
// (protocol.Reason*): they get a customer_disconnected (agents:
// agent_disconnected) push, then the connection closes.
type Disconnect struct {
	Reason string
}

// ReasonCustomerBanned is the Disconnect reason of a banned customer.
const ReasonCustomerBanned = "customer_banned"

// ChatTransferred reports that a chat was transferred by RequesterID to
// agents or to a group. Agents only.
type ChatTransferred struct {
	ChatID, ThreadID, RequesterID string
	// TargetType is "agent" (AgentIDs) or "group" (GroupIDs).
	TargetType string
	AgentIDs   []string
	GroupIDs   []int
}

// ThreadTagged reports that an agent tagged a thread. Agents only.
type ThreadTagged struct {
	ChatID, ThreadID, Tag string
}

// ThreadUntagged reports that an agent removed a tag from a thread. Agents
// only.
type ThreadUntagged struct {
	ChatID, ThreadID, Tag string
}

// RoutingStatusSet reports an agent's new routing status. Agents only.
type RoutingStatusSet struct {
	AgentID string
	Status  RoutingStatus
}

// QueuePositionUpdated tells a queued chat's customer its place in the
// queue of its groups (1: served next) and the estimated wait (see
// queue_push.go). Customers only.
type QueuePositionUpdated struct {
	ChatID, ThreadID string
	Position         int
	Wait             time.Duration
}

func (IncomingChatThread) push()   {}
func (IncomingEvent) push()        {}
func (ThreadTagged) push()         {}
func (ThreadUntagged) push()       {}
func (TypingIndicator) push()      {}
func (SneakPeek) push()            {}
func (ThreadClosed) push()         {}
func (UserAdded) push()            {}
func (UserRemoved) push()          {}
func (PropertiesUpdated) push()    {}
func (PropertiesDeleted) push()    {}
func (LastSeenUpdated) push()      {}
func (CustomerUpdated) push()      {}
func (CustomerPageUpdated) push()  {}
func (PostbackReceived) push()     {}
func (Disconnect) push()           {}
func (ChatTransferred) push()      {}
func (RoutingStatusSet) push()     {}
func (QueuePositionUpdated) push() {}
