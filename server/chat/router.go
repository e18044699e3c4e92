package chat

import (
	"context"
	"errors"
	"time"
)

// ErrHasAgent is the error of [Router.Assign] for a chat that has a present
// agent already: another process gave it one, or an agent joined it, since
// the caller read the chat.
var ErrHasAgent = errors.New("chat: the chat has an agent already")

// RoutingStatus is an agent's routing status.
type RoutingStatus string

const (
	// Accepting agents are given chats.
	Accepting RoutingStatus = "accepting_chats"
	// NotAccepting agents keep their chats but get no new ones.
	NotAccepting RoutingStatus = "not_accepting_chats"
	// Offline agents get no chats and keep none active.
	Offline RoutingStatus = "offline"
)

// Valid reports whether r is one of the three statuses.
func (r RoutingStatus) Valid() bool {
	return r == Accepting || r == NotAccepting || r == Offline
}

// GroupStatus says whether a group can take a chat.
type GroupStatus string

const (
	// GroupOnline: an agent of the group can take a chat now.
	GroupOnline GroupStatus = "online"
	// GroupOnlineForQueue: agents of the group are online but full, not
	// accepting or reconnecting; a new chat waits in the queue.
	GroupOnlineForQueue GroupStatus = "online_for_queue"
	// GroupOffline: no agent of the group is online.
	GroupOffline GroupStatus = "offline"
)

// DefaultGracePeriod is how long an agent whose connections are all gone
// stays online when Config.GracePeriod is zero.
const DefaultGracePeriod = 30 * time.Second

// AgentRef names an agent of a license.
type AgentRef struct {
	LicenseID int
	ID        string
}

// QueueInfo is a queued chat's place in the queue.
type QueueInfo struct {
	// Position is 1 for the chat given out next among the queued chats
	// sharing a group with it.
	Position int
	QueuedAt time.Time
}

// AgentInfo is an agent as list_agents shows it.
type AgentInfo struct {
	Agent
	Status      RoutingStatus
	ActiveChats int
}

// Router decides which agent takes a chat and keeps what those decisions
// need: each agent's routing status and presence, and the queue of chats
// waiting for an agent. [LocalRouter] keeps it in the memory of one
// process; a Router shared by several processes keeps it in a database,
// and then every method may do I/O and fail.
//
// An agent is available when its status is [Accepting], it has at least one
// logged-in connection and its load (the active chats it is a present
// member of, [Store.AgentLoads]) is below [Agent.ChatLimit]. A chat goes
// to an available agent of one of its groups (none: group 0): the least
// loaded first, then the one whose last assignment is the oldest, then the
// smallest id.
//
// The Service calls a Router with a chat's lock held (never the other way
// round) and notifies nobody from inside it: a Router must not call back
// into the Service. Every method is safe for concurrent use, and each is
// atomic with respect to the others: two concurrent Assign calls never
// give one agent more chats than its limit.
type Router interface {
	// Start prepares the router before the first other call; the Service
	// calls it once, from [Service.StartRouting]. The local router restores
	// the queue (the active chats without an agent, oldest thread first)
	// and counts the agents present in active chats as just disconnected,
	// so that those who do not come back leave their chats.
	Start(ctx context.Context) error

	// Connect records a logged-in connection of an agent. An offline agent
	// becomes Accepting, or NotAccepting if that is the status it chose
	// last; changed reports that it was offline.
	Connect(ctx context.Context, licenseID int, agentID string) (status RoutingStatus, changed bool, err error)
	// Disconnect records that a logged-in connection of an agent ended.
	// When it was the agent's last one its grace period starts: the agent
	// keeps its status until ExpireGrace reports it, and a Connect within
	// the grace period ends the grace period.
	Disconnect(ctx context.Context, licenseID int, agentID string) error
	// ExpireGrace sets Offline the agents whose last connection has been
	// gone for the grace period and returns them. Each expiry is returned
	// once, to one caller; the caller takes the agents out of their chats.
	ExpireGrace(ctx context.Context) ([]AgentRef, error)

	// Status returns an agent's routing status; Offline for an agent it
	// has not heard of.
	Status(ctx context.Context, licenseID int, agentID string) (RoutingStatus, error)
	// SetStatus sets an agent's routing status and returns the one it
	// replaced. A status other than Offline is also the one the agent's
	// next Connect restores.
	SetStatus(ctx context.Context, licenseID int, agentID string, status RoutingStatus) (old RoutingStatus, err error)

	// Assign gives c, an active chat without a present agent, to an
	// available agent of its groups who is not in exclude: the agent is
	// made a present member of the chat in the Store and the chat leaves
	// the queue, in one step. When nobody can take it the chat is queued,
	// keeping its place if it already waits (with its groups updated), and
	// ok is false. A chat that has a present agent in the Store already
	// is not given another, whatever c says: Assign fails with ErrHasAgent
	// and the chat leaves the queue, so that of two concurrent Assign calls
	// of one chat exactly one gives it an agent. On any other error the chat
	// may be queued; it is not assigned.
	Assign(ctx context.Context, c Chat, exclude []string) (ag Agent, ok bool, err error)
	// Dequeue takes a chat out of the queue (it was taken, closed or
	// deleted). A chat not queued is no error.
	Dequeue(ctx context.Context, chatID string) error
	// NextQueued returns the oldest queued chat that an available agent
	// can take now, if any. It does not assign it: the caller locks the
	// chat and calls Assign, which may still queue it.
	NextQueued(ctx context.Context) (chatID string, ok bool, err error)
	// QueuePosition returns the place of c, a queued chat, among the
	// queued chats sharing a group with it (1: given out next). A chat the
	// router did not queue (another process did) is queued from its last
	// activity.
	QueuePosition(ctx context.Context, c Chat) (QueueInfo, error)

	// Predict returns the agent a new chat of groups would go to now,
	// without assigning anything; ok is false when nobody is available.
	Predict(ctx context.Context, licenseID int, groups []int) (ag Agent, ok bool, err error)
	// Agents returns a license's agents, ordered by id, with their routing
	// status and load.
	Agents(ctx context.Context, licenseID int) ([]AgentInfo, error)
	// GroupsStatus tells for each of the given groups of a license whether
	// it can take a chat now. Customers are told it at every login, so it
	// may answer from agent loads read up to a second earlier; Assign and
	// Predict never do.
	GroupsStatus(ctx context.Context, licenseID int, groupIDs []int) (map[int]GroupStatus, error)
}

// chatGroups returns the groups a chat is routed to: group 0 when it has
// none.
func chatGroups(c Chat) []int {
	if len(c.GroupIDs) == 0 {
		return []int{0}
	}
	return c.GroupIDs
}
