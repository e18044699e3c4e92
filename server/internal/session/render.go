package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
)

// This file turns domain values into wire values. Timestamps on the wire
// are Unix seconds; properties are wrapped in {"value": …}.

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func wireUser(m chat.Member) protocol.User {
	u := protocol.User{ID: m.ID, Type: string(m.Type), Name: m.Name, Avatar: m.Avatar, Present: m.Present}
	if !m.LastSeen.IsZero() {
		ts := m.LastSeen.Unix()
		u.LastSeenTimestamp = &ts
	}
	switch m.Type {
	case chat.UserCustomer:
		u.Email = m.Email
		u.Fields = m.Fields
		if u.Fields == nil {
			u.Fields = map[string]string{}
		}
	case chat.UserAgent:
		u.JobTitle = m.JobTitle
	}
	return u
}

func wireUsers(ms []chat.Member) []protocol.User {
	out := make([]protocol.User, len(ms))
	for i, m := range ms {
		out[i] = wireUser(m)
	}
	return out
}

func wireCustomer(c chat.Customer) protocol.User {
	return wireUser(chat.Member{User: chat.User{ID: c.ID, Type: chat.UserCustomer, Present: true},
		Name: c.Name, Email: c.Email, Avatar: c.Avatar, Fields: c.Fields})
}

func wireProps(p chat.Properties) protocol.WrappedProperties {
	return protocol.Wrap(p)
}

func wireEvent(e chat.Event) protocol.Event {
	w := protocol.Event{
		ID: e.ID, CustomID: e.CustomID, Order: e.Order, Type: e.Type, AuthorID: e.AuthorID,
		Timestamp: unix(e.CreatedAt), Text: e.Text, SystemMessageType: e.SystemMessageType,
		TextVars: e.TextVars, TemplateID: e.TemplateID, Elements: e.Elements, FormID: e.FormID,
		Fields: e.Fields, AnnotationType: e.AnnotationType, Content: e.Content, Visibility: e.Visibility,
		Postback: wireMessagePostback(e.Postback),
	}
	if len(e.Properties) > 0 {
		w.Properties = wireProps(e.Properties)
	}
	if f := e.File; f != nil {
		w.Name, w.URL, w.ContentType, w.Size, w.Width, w.Height = f.Name, f.URL, f.ContentType, f.Size, f.Width, f.Height
	}
	if e.Type == chat.EventRichMessage && len(w.Elements) == 0 {
		w.Elements = json.RawMessage("[]")
	}
	return w
}

// wireMessagePostback is a message's postback, the same in both dialects;
// nil for none.
func wireMessagePostback(p *chat.MessagePostback) *protocol.MessagePostback {
	if p == nil {
		return nil
	}
	return &protocol.MessagePostback{ID: p.ID, ThreadID: p.ThreadID, EventID: p.EventID, Type: p.Type, Value: p.Value}
}

func wireEvents(es []chat.Event) []protocol.Event {
	out := make([]protocol.Event, len(es))
	for i, e := range es {
		out[i] = wireEvent(e)
	}
	return out
}

func wireAccess(groups []int) *protocol.Access {
	if groups == nil {
		groups = []int{}
	}
	return &protocol.Access{GroupIDs: groups}
}

func wireThread(t chat.Thread, c chat.Chat) protocol.Thread {
	ids := t.UserIDs
	if ids == nil {
		ids = []string{}
	}
	return protocol.Thread{
		ID: t.ID, Active: t.Active, Order: t.Order, UserIDs: ids, Events: wireEvents(t.Events),
		Properties: wireProps(t.Properties), Access: wireAccess(c.GroupIDs), Timestamp: unix(t.CreatedAt),
	}
}

func wireThreadSummary(t chat.Thread) protocol.ThreadSummary {
	return protocol.ThreadSummary{ID: t.ID, Active: t.Active, Order: t.Order, TotalEvents: t.TotalEvents}
}

// chatOrder is a chat's "order" on the wire: the time of its last activity
// in Unix seconds (the JS SDK sorts chats by it when they have no event).
func chatOrder(c chat.Chat) int64 {
	if !c.LastEventAt.IsZero() {
		return c.LastEventAt.Unix()
	}
	return c.CreatedAt.Unix()
}

func wireChatThread(c chat.Chat, ms []chat.Member, t chat.Thread) protocol.ChatThread {
	return protocol.ChatThread{ID: c.ID, Users: wireUsers(ms), Thread: wireThread(t, c),
		Access: wireAccess(c.GroupIDs), Properties: wireProps(c.Properties), Order: chatOrder(c)}
}

func wireChatThreads(c chat.Chat, ms []chat.Member, ts []chat.Thread) protocol.ChatThreads {
	out := protocol.ChatThreads{ID: c.ID, Users: wireUsers(ms), Threads: make([]protocol.Thread, len(ts)),
		Access: wireAccess(c.GroupIDs), Properties: wireProps(c.Properties), Order: chatOrder(c)}
	for i, t := range ts {
		out.Threads[i] = wireThread(t, c)
	}
	return out
}

func wireChatSummary(s chat.ChatSummary) protocol.ChatSummary {
	c := s.Chat
	out := protocol.ChatSummary{ID: c.ID, Active: c.Active, Access: wireAccess(c.GroupIDs), Order: chatOrder(c),
		LastThreadID: c.LastThreadID, Properties: wireProps(c.Properties), Users: wireUsers(s.Members)}
	if len(s.LastEvents) > 0 {
		out.LastEventPerType = make(map[string]protocol.LastEvent, len(s.LastEvents))
		for typ, le := range s.LastEvents {
			out.LastEventPerType[typ] = protocol.LastEvent{ThreadID: le.Event.ThreadID, ThreadOrder: le.ThreadOrder, Event: wireEvent(le.Event)}
		}
	}
	if s.LastThread != nil {
		ts := wireThreadSummary(*s.LastThread)
		out.LastThreadSummary = &ts
	}
	return out
}

// Errors of wirePush.
var (
	// errNotForAudience: the push is not sent to that kind of user (a
	// sneak peek to a customer).
	errNotForAudience = errors.New("session: push not for this audience")
	// errUnknownPush: a push type with no rendering here. chat.Push is a
	// closed set and TestWirePushCoversEveryType checks that every member
	// has a case, so this is a bug.
	errUnknownPush = errors.New("session: push type without rendering")
)

// forAgents returns errNotForAudience unless agent.
func forAgents(agent bool) error {
	if agent {
		return nil
	}
	return errNotForAudience
}

// wirePush renders a domain notification as a push action and payload for
// one audience.
func wirePush(push chat.Push, audience chat.UserType) (action string, payload any, err error) {
	agent := audience == chat.UserAgent
	switch p := push.(type) {
	case chat.IncomingChatThread:
		return protocol.PushIncomingChatThread, protocol.IncomingChatThread{Chat: wireChatThread(p.Chat, p.Members, p.Thread)}, nil
	case chat.IncomingEvent:
		// The chat service sends a private note to agents only; refusing
		// it here too keeps a mistake there from reaching a customer.
		return protocol.PushIncomingEvent, protocol.IncomingEvent{ChatID: p.Event.ChatID, ThreadID: p.Event.ThreadID, Event: wireEvent(p.Event)},
			forAgents(agent || !p.Event.AgentsOnly())
	case chat.TypingIndicator:
		return protocol.PushIncomingTypingIndicator, wireTyping(p), nil
	case chat.SneakPeek:
		return protocol.PushIncomingSneakPeek, protocol.IncomingSneakPeek{ChatID: p.ChatID, ThreadID: p.ThreadID,
			SneakPeek: protocol.SneakPeek{AuthorID: p.AuthorID, Timestamp: unix(p.At), Text: p.Text}}, forAgents(agent)
	case chat.ThreadClosed:
		return protocol.PushThreadClosed, protocol.ThreadClosed{ChatID: p.ChatID, ThreadID: p.ThreadID, UserID: p.UserID}, nil
	case chat.UserAdded:
		return protocol.PushChatUserAdded, protocol.ChatUserAdded{ChatID: p.ChatID, ThreadID: p.ThreadID,
			User: wireUser(p.Member), UserType: string(p.Member.Type)}, nil
	case chat.UserRemoved:
		return protocol.PushChatUserRemoved, protocol.ChatUserRemoved{ChatID: p.ChatID, ThreadID: p.ThreadID,
			UserID: p.UserID, UserType: string(p.UserType)}, nil
	case chat.PropertiesUpdated:
		action := propertiesAction(p.ThreadID, p.EventID, protocol.PushChatPropertiesUpdated,
			protocol.PushChatThreadPropertiesUpdated, protocol.PushEventPropertiesUpdated)
		return action, protocol.PropertiesUpdated{ChatID: p.ChatID, ThreadID: p.ThreadID, EventID: p.EventID, Properties: wireProps(p.Properties)}, nil
	case chat.PropertiesDeleted:
		action := propertiesAction(p.ThreadID, p.EventID, protocol.PushChatPropertiesDeleted,
			protocol.PushChatThreadPropertiesDeleted, protocol.PushEventPropertiesDeleted)
		return action, protocol.PropertiesDeleted{ChatID: p.ChatID, ThreadID: p.ThreadID, EventID: p.EventID, Properties: protocol.PropertyNames(p.Names)}, nil
	case chat.LastSeenUpdated:
		return protocol.PushLastSeenTimestampUpdated, protocol.LastSeenTimestampUpdated{UserID: p.UserID, ChatID: p.ChatID,
			ThreadID: p.ThreadID, Timestamp: unix(p.At)}, nil
	case chat.CustomerUpdated:
		return protocol.PushCustomerUpdated, protocol.CustomerUpdated{Customer: wireCustomer(p.Customer)}, nil
	case chat.CustomerPageUpdated:
		out := protocol.CustomerPageUpdated{URL: p.Page.URL, Title: p.Page.Title, Timestamp: unix(p.Page.Timestamp)}
		if agent {
			out.CustomerID = p.CustomerID
		}
		return protocol.PushCustomerPageUpdated, out, nil
	case chat.PostbackReceived:
		return protocol.PushIncomingRichMessagePostback, wirePostback(p.Postback), nil
	case chat.ChatTransferred:
		out := protocol.ChatTransferred{ChatID: p.ChatID, ThreadID: p.ThreadID, RequesterID: p.RequesterID, Type: p.TargetType, IDs: []any{}}
		for _, id := range p.AgentIDs {
			out.IDs = append(out.IDs, id)
		}
		for _, id := range p.GroupIDs {
			out.IDs = append(out.IDs, id)
		}
		return protocol.PushChatTransferred, out, forAgents(agent)
	case chat.RoutingStatusSet:
		return protocol.PushRoutingStatusSet, protocol.RoutingStatusSet{AgentID: p.AgentID, Status: string(p.Status)}, forAgents(agent)
	case chat.ThreadTagged:
		return protocol.PushThreadTagged, protocol.ThreadTagged{ChatID: p.ChatID, ThreadID: p.ThreadID, Tag: p.Tag}, forAgents(agent)
	case chat.ThreadUntagged:
		return protocol.PushThreadUntagged, protocol.ThreadTagged{ChatID: p.ChatID, ThreadID: p.ThreadID, Tag: p.Tag}, forAgents(agent)
	case chat.QueuePositionUpdated:
		return protocol.PushQueuePositionUpdated, wireQueuePosition(p), forAgents(!agent)
	case chat.Disconnect:
		if agent {
			return protocol.PushAgentDisconnected, protocol.CustomerDisconnected{Reason: p.Reason}, nil
		}
		return protocol.PushCustomerDisconnected, protocol.CustomerDisconnected{Reason: p.Reason}, nil
	}
	return "", nil, fmt.Errorf("%w: %T", errUnknownPush, push)
}

// wireTyping is incoming_typing_indicator's payload, the same in every
// dialect.
func wireTyping(p chat.TypingIndicator) protocol.IncomingTypingIndicator {
	return protocol.IncomingTypingIndicator{ChatID: p.ChatID, ThreadID: p.ThreadID,
		TypingIndicator: protocol.TypingIndicator{AuthorID: p.AuthorID, Timestamp: unix(p.At), IsTyping: p.IsTyping}}
}

// wireQueuePosition is queue_position_updated's payload, the same in
// every dialect.
func wireQueuePosition(p chat.QueuePositionUpdated) protocol.QueuePositionUpdated {
	return protocol.QueuePositionUpdated{ChatID: p.ChatID, ThreadID: p.ThreadID,
		Queue: protocol.QueuePosition{Position: p.Position, WaitTime: int(p.Wait.Round(time.Second) / time.Second)}}
}

// wirePostback is incoming_rich_message_postback's payload, the same in
// every dialect.
func wirePostback(pb chat.Postback) protocol.IncomingRichMessagePostback {
	return protocol.IncomingRichMessagePostback{UserID: pb.UserID, ChatID: pb.ChatID,
		ThreadID: pb.ThreadID, EventID: pb.EventID, Postback: protocol.PostbackValue{ID: pb.ID, Toggled: pb.Toggled}}
}

// propertiesAction names the push of a property change for its target:
// chat, thread or event, one of the three names given.
func propertiesAction(threadID, eventID, chatAction, threadAction, eventAction string) string {
	switch {
	case eventID != "":
		return eventAction
	case threadID != "":
		return threadAction
	}
	return chatAction
}

// clientEvent turns a wire event a client sent into a domain event.
func clientEvent(e protocol.ClientEvent) chat.Event {
	out := chat.Event{
		Type: e.Type, CustomID: e.CustomID, Properties: chat.Properties(e.Properties), Text: e.Text,
		SystemMessageType: e.SystemMessageType, TextVars: e.TextVars, TemplateID: e.TemplateID,
		Elements: e.Elements, FormID: e.FormID, Fields: e.Fields, AnnotationType: e.AnnotationType, Content: e.Content,
		Visibility: e.Visibility,
	}
	if out.Visibility == "all" {
		out.Visibility = chat.VisibilityAll
	}
	if p := e.Postback; p != nil {
		out.Postback = &chat.MessagePostback{ID: p.ID, ThreadID: p.ThreadID, EventID: p.EventID, Type: p.Type, Value: p.Value}
	}
	return out
}

func wireCannedResponse(r chat.CannedResponse) protocol.CannedResponse {
	return protocol.CannedResponse{ID: r.ID, Shortcut: r.Shortcut, Text: r.Text, CreatedBy: r.CreatedBy, UpdatedAt: unix(r.UpdatedAt)}
}
