package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/parleychat/parley/internal/client"
	"github.com/parleychat/parley/protocol"
)

// Limits the client checks before sending.
const (
	// MaxListChatsLimit is the largest page of ListChats.
	MaxListChatsLimit = 100
	// MaxThreadsSummaryLimit is the largest page of GetChatThreadsSummary.
	MaxThreadsSummaryLimit = 100
	// MaxFileSize is the largest file SendFile uploads: 10 MiB.
	MaxFileSize = 10 << 20
)

// ListChats returns a page of the license's chats the agent may see (a
// normal agent: those of its groups and those it is in), most recently
// active first (list_chats). Queued chats carry their place in the queue.
func (c *Client) ListChats(ctx context.Context, o ListChatsOptions) (ChatsSummary, error) {
	if o.Limit > MaxListChatsLimit {
		return ChatsSummary{}, fmt.Errorf("%w: %d (max %d)", ErrLimitTooHigh, o.Limit, MaxListChatsLimit)
	}
	if o.Limit <= 0 {
		o.Limit = 10
	}
	var filters *protocol.ListChatsFilters
	if o.Queued || o.Mine || o.Tag != "" {
		filters = &protocol.ListChatsFilters{Queued: o.Queued, Mine: o.Mine, Tag: o.Tag}
	}
	var r protocol.ListChatsResponse
	if err := c.callInto(ctx, protocol.ActionListChats, listChatsRequest(o.Offset, o.Limit, filters), &r); err != nil {
		return ChatsSummary{}, err
	}
	return fromChatsSummary(r), nil
}

// GetChat returns a chat with one of its threads: threadID, or the last
// thread when threadID is empty (get_chat). A thread longer than a
// server's page (about 1 MiB of events) is read in as many requests as it
// takes.
func (c *Client) GetChat(ctx context.Context, chatID, threadID string) (Chat, error) {
	r, err := client.AllPages(func(pageID string) (protocol.ChatThreadsResponse, error) {
		var r protocol.ChatThreadsResponse
		err := c.callInto(ctx, protocol.ActionGetChat, protocol.ChatRequest{ChatID: chatID, ThreadID: threadID, PageID: pageID}, &r)
		return r, err
	})
	if err != nil {
		return Chat{}, err
	}
	return fromChatThreads(r.Chat), nil
}

// GetChatThreadsSummary returns a page of a chat's threads: offset counts
// from the newest thread; the page is sorted oldest first. Defaults:
// offset 0, limit 25; a limit over 100 is ErrLimitTooHigh.
func (c *Client) GetChatThreadsSummary(ctx context.Context, chatID string, p Pagination) (ThreadsSummary, error) {
	if p.Limit > MaxThreadsSummaryLimit {
		return ThreadsSummary{}, fmt.Errorf("%w: %d (max %d)", ErrLimitTooHigh, p.Limit, MaxThreadsSummaryLimit)
	}
	if p.Limit <= 0 {
		p.Limit = 25
	}
	var r protocol.ThreadsSummaryResponse
	req := map[string]any{"chat_id": chatID, "offset": p.Offset, "limit": p.Limit}
	if err := c.callInto(ctx, protocol.ActionGetChatThreadsSummary, req, &r); err != nil {
		return ThreadsSummary{}, err
	}
	out := ThreadsSummary{Threads: make([]ThreadSummary, len(r.ThreadsSummary)), TotalThreads: r.TotalThreads}
	for i, t := range r.ThreadsSummary {
		out.Threads[i] = ThreadSummary{ID: t.ID, Chat: chatID, Active: t.Active, Order: t.Order, TotalEvents: t.TotalEvents}
	}
	slices.SortFunc(out.Threads, func(a, b ThreadSummary) int { return a.Order - b.Order })
	return out, nil
}

// GetChatThreads returns the named threads of a chat with their events,
// oldest thread first. Threads longer than a server's page (about 1 MiB
// of events) are read in as many requests as they take.
func (c *Client) GetChatThreads(ctx context.Context, chatID string, threadIDs []string) ([]Thread, error) {
	r, err := client.AllPages(func(pageID string) (protocol.ChatThreadsResponse, error) {
		var r protocol.ChatThreadsResponse
		err := c.callInto(ctx, protocol.ActionGetChatThreads, protocol.ChatThreadsRequest{ChatID: chatID, ThreadIDs: threadIDs, PageID: pageID}, &r)
		return r, err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Thread, len(r.Chat.Threads))
	for i, t := range r.Chat.Threads {
		out[i] = fromThread(t, chatID)
	}
	return out, nil
}

// GetCustomer returns a customer of the license.
func (c *Client) GetCustomer(ctx context.Context, customerID string) (Customer, error) {
	var r protocol.CustomerResponse
	if err := c.callInto(ctx, protocol.ActionGetCustomer, protocol.CustomerRequest{CustomerID: customerID}, &r); err != nil {
		return Customer{}, err
	}
	return fromCustomer(r.Customer), nil
}

// JoinChat adds the agent to a chat; its members get ChatUserAdded.
// Joining a chat the agent is in changes nothing.
func (c *Client) JoinChat(ctx context.Context, chatID string) error {
	return c.callInto(ctx, protocol.ActionJoinChat, protocol.ChatRequest{ChatID: chatID}, nil)
}

// TagThread tags a chat's thread (tag_thread): lower case, 1 to 50
// characters, at most 20 a thread. The chat's agents get a thread_tagged
// push (ThreadTagged); customers never see tags.
func (c *Client) TagThread(ctx context.Context, chatID, threadID, tag string) error {
	return c.callInto(ctx, protocol.ActionTagThread, protocol.TagThreadRequest{ChatID: chatID, ThreadID: threadID, Tag: tag}, nil)
}

// UntagThread removes a tag from a chat's thread (untag_thread); the
// chat's agents get a thread_untagged push (ThreadUntagged).
func (c *Client) UntagThread(ctx context.Context, chatID, threadID, tag string) error {
	return c.callInto(ctx, protocol.ActionUntagThread, protocol.TagThreadRequest{ChatID: chatID, ThreadID: threadID, Tag: tag}, nil)
}

// RemoveUserFromChat removes an agent from a chat (the agent itself when
// userID is empty); its members get ChatUserRemoved. The chat's customer
// cannot be removed.
func (c *Client) RemoveUserFromChat(ctx context.Context, chatID, userID string) error {
	req := map[string]string{"chat_id": chatID}
	if userID != "" {
		req["user_id"] = userID
	}
	return c.callInto(ctx, protocol.ActionRemoveUserFromChat, req, nil)
}

// SendOption changes how SendEvent sends.
type SendOption func(*sendOptions)

type sendOptions struct {
	attachToLastThread bool
}

// AttachToLastThread puts the event into the chat's last thread even when
// it is closed, instead of opening a new thread.
func AttachToLastThread() SendOption {
	return func(o *sendOptions) { o.attachToLastThread = true }
}

// SendEvent sends an event to a chat the agent is in and returns it as
// stored: a message, system_message, rich_message, annotation or custom
// event. Sent to a chat without an active thread, it opens a new thread
// (unless AttachToLastThread). Set CustomID to make retries safe: the
// server returns the stored event for a CustomID it has seen from this
// agent in this chat.
func (c *Client) SendEvent(ctx context.Context, chatID string, e Event, opts ...SendOption) (Event, error) {
	var o sendOptions
	for _, opt := range opts {
		opt(&o)
	}
	req := protocol.SendEventRequest{ChatID: chatID, Event: toClientEvent(e), AttachToLastThread: o.attachToLastThread}
	// The server pushes the stored event (or the thread it opened) to the
	// sender too, tagged with the request's id: it carries all of the
	// event, where the response has only its id.
	f, err := c.call(ctx, protocol.ActionSendEvent, req, protocol.PushIncomingEvent, protocol.PushIncomingChatThread)
	if err != nil {
		return Event{}, err
	}
	if f.Action == protocol.PushIncomingChatThread {
		var p protocol.IncomingChatThread
		if err := json.Unmarshal(f.Payload, &p); err != nil {
			return Event{}, fmt.Errorf("send_event: decode answer: %w", err)
		}
		evs := fromChatThread(p.Chat).Thread.Events
		me := c.MyProfile().ID
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].Author == me {
				return evs[i], nil
			}
		}
		return Event{}, errors.New("send_event: the new thread has none of the agent's events")
	}
	var p protocol.IncomingEvent
	if err := json.Unmarshal(f.Payload, &p); err != nil {
		return Event{}, fmt.Errorf("send_event: decode answer: %w", err)
	}
	return fromEvent(p.Event, p.ThreadID), nil
}

// SendTypingIndicator tells the chat's other members (the customer) that
// the agent is typing, or stopped.
func (c *Client) SendTypingIndicator(ctx context.Context, chatID string, isTyping bool) error {
	return c.callInto(ctx, protocol.ActionSendTypingIndicator, protocol.TypingIndicatorRequest{ChatID: chatID, IsTyping: isTyping}, nil)
}

// DeactivateChat closes the chat's active thread; its members get a
// system message and ThreadClosed.
func (c *Client) DeactivateChat(ctx context.Context, chatID string) error {
	return c.callInto(ctx, protocol.ActionDeactivateChat, protocol.ChatRequest{ChatID: chatID}, nil)
}

// TransferChat hands an active chat to another agent, who joins it (the
// requester leaves), or to a group: its agents leave and routing gives it
// to an agent of the group other than them. The chat's agents, before and
// after, get ChatTransferred.
func (c *Client) TransferChat(ctx context.Context, chatID string, to Target) error {
	if (len(to.Agents) == 0) == (len(to.Groups) == 0) {
		return errors.New("agent: TransferChat needs a Target with Agents or Groups (one of the two)")
	}
	return c.callInto(ctx, protocol.ActionTransferChat, protocol.TransferChatRequest{ChatID: chatID, Target: toTarget(to)}, nil)
}

// UpdateChatProperties sets properties of a chat.
func (c *Client) UpdateChatProperties(ctx context.Context, chatID string, p Properties) error {
	return c.callInto(ctx, protocol.ActionUpdateChatProperties, map[string]any{"chat_id": chatID, "properties": p}, nil)
}

// UpdateChatThreadProperties sets properties of a thread.
func (c *Client) UpdateChatThreadProperties(ctx context.Context, chatID, threadID string, p Properties) error {
	return c.callInto(ctx, protocol.ActionUpdateChatThreadProperties,
		map[string]any{"chat_id": chatID, "thread_id": threadID, "properties": p}, nil)
}

// UpdateEventProperties sets properties of an event.
func (c *Client) UpdateEventProperties(ctx context.Context, chatID, threadID, eventID string, p Properties) error {
	return c.callInto(ctx, protocol.ActionUpdateEventProperties,
		map[string]any{"chat_id": chatID, "thread_id": threadID, "event_id": eventID, "properties": p}, nil)
}

// DeleteChatProperties deletes properties of a chat: namespace → names.
func (c *Client) DeleteChatProperties(ctx context.Context, chatID string, p map[string][]string) error {
	return c.callInto(ctx, protocol.ActionDeleteChatProperties, map[string]any{"chat_id": chatID, "properties": p}, nil)
}

// DeleteChatThreadProperties deletes properties of a thread.
func (c *Client) DeleteChatThreadProperties(ctx context.Context, chatID, threadID string, p map[string][]string) error {
	return c.callInto(ctx, protocol.ActionDeleteChatThreadProperties,
		map[string]any{"chat_id": chatID, "thread_id": threadID, "properties": p}, nil)
}

// DeleteEventProperties deletes properties of an event.
func (c *Client) DeleteEventProperties(ctx context.Context, chatID, threadID, eventID string, p map[string][]string) error {
	return c.callInto(ctx, protocol.ActionDeleteEventProperties,
		map[string]any{"chat_id": chatID, "thread_id": threadID, "event_id": eventID, "properties": p}, nil)
}

// UpdateLastSeenTimestamp marks the chat seen by the agent up to t (zero:
// now) and returns the time the server stored (it never moves back).
func (c *Client) UpdateLastSeenTimestamp(ctx context.Context, chatID string, t time.Time) (time.Time, error) {
	req := protocol.LastSeenRequest{ChatID: chatID}
	if !t.IsZero() {
		ts := t.Unix()
		req.Timestamp = &ts
	}
	var r protocol.LastSeenTimestampUpdated
	if err := c.callInto(ctx, protocol.ActionUpdateLastSeenTimestamp, req, &r); err != nil {
		return time.Time{}, err
	}
	return fromUnix(r.Timestamp), nil
}

// BanCustomer bans a customer for the given number of days (zero: for
// good): the customer's connections are closed with customer_banned, its
// logins refused, and its active chats closed.
func (c *Client) BanCustomer(ctx context.Context, customerID string, days int) error {
	req := protocol.BanCustomerRequest{CustomerID: customerID}
	if days != 0 {
		req.Ban = &protocol.Ban{Days: days}
	}
	return c.callInto(ctx, protocol.ActionBanCustomer, req, nil)
}

// SetRoutingStatus sets whether the agent takes new chats; every agent
// of the license gets RoutingStatusSet.
func (c *Client) SetRoutingStatus(ctx context.Context, s RoutingStatus) error {
	if err := c.callInto(ctx, protocol.ActionSetRoutingStatus, protocol.SetRoutingStatusRequest{Status: string(s)}, nil); err != nil {
		return err
	}
	c.mu.Lock()
	c.profile.RoutingStatus = s
	c.mu.Unlock()
	return nil
}

// ListAgents returns the license's agents with their routing status and
// load.
func (c *Client) ListAgents(ctx context.Context) ([]Agent, error) {
	var r protocol.ListAgentsResponse
	if err := c.callInto(ctx, protocol.ActionListAgents, struct{}{}, &r); err != nil {
		return nil, err
	}
	out := make([]Agent, len(r.Agents))
	for i, a := range r.Agents {
		out[i] = fromAgentInfo(a)
	}
	return out, nil
}

// ListGroups returns the license's groups with their availability.
func (c *Client) ListGroups(ctx context.Context) ([]Group, error) {
	var r protocol.ListGroupsResponse
	if err := c.callInto(ctx, protocol.ActionListGroups, struct{}{}, &r); err != nil {
		return nil, err
	}
	out := make([]Group, len(r.Groups))
	for i, g := range r.Groups {
		out[i] = Group{ID: g.ID, Name: g.Name, Status: GroupStatus(g.Status)}
	}
	return out, nil
}

// RevokeToken revokes the token the client is logged in with: the server
// accepts it no more. A client with Email and Password logs in again with
// a new token when the server drops the connection; one with a Token only
// then ends for good. To log out, call RevokeToken, then Close.
func (c *Client) RevokeToken(ctx context.Context) error {
	tok, ok := c.auth.current()
	if err := c.callInto(ctx, protocol.ActionRevokeToken, struct{}{}, nil); err != nil {
		return err
	}
	if ok {
		c.auth.refuse(tok.AccessToken)
	}
	return nil
}
