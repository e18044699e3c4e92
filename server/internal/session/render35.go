package session

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/protocol/v35"
	"github.com/parleychat/parley/server/chat"
)

// This file turns domain values into the Customer Chat API v3.5's wire
// values (package v35): times in RFC 3339 with microseconds, no event
// order, properties unwrapped, customer fields as session_fields.

func time35(e chat.Event) string { return v35.FormatTime(e.CreatedAt) }

// sessionFields writes a customer's fields as v3.5 does, in key order.
func sessionFields(f map[string]string) v35.SessionFields {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make(v35.SessionFields, len(keys))
	for i, k := range keys {
		out[i] = map[string]string{k: f[k]}
	}
	return out
}

// fieldsOf reads session_fields into a customer's fields; a later key
// wins.
func fieldsOf(sf v35.SessionFields) map[string]string {
	if sf == nil {
		return nil
	}
	out := make(map[string]string, len(sf))
	for _, m := range sf {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func wireUser35(m chat.Member) v35.User {
	u := v35.User{ID: m.ID, Type: string(m.Type), Name: m.Name, Avatar: m.Avatar, Present: m.Present,
		EventsSeenUpTo: v35.FormatTime(m.LastSeen)}
	switch m.Type {
	case chat.UserCustomer:
		u.Email = m.Email
		u.SessionFields = sessionFields(m.Fields)
	case chat.UserAgent:
		u.JobTitle = m.JobTitle
	}
	return u
}

func wireUsers35(ms []chat.Member) []v35.User {
	out := make([]v35.User, len(ms))
	for i, m := range ms {
		out[i] = wireUser35(m)
	}
	return out
}

// wireCustomer35 is the customer itself; st nil leaves statistics out
// (customer_updated).
func wireCustomer35(c chat.Customer, st *chat.CustomerStats) v35.Customer {
	out := v35.Customer{ID: c.ID, Name: c.Name, Email: c.Email, Avatar: c.Avatar, SessionFields: sessionFields(c.Fields)}
	if st != nil {
		out.Type = string(chat.UserCustomer)
		// A visit is a login, which comes with the page it was on: Parley
		// counts no other page views.
		out.Statistics = &v35.Statistics{ChatsCount: st.Chats, ThreadsCount: st.Threads,
			VisitsCount: c.Visits, PageViewsCount: c.Visits}
	}
	return out
}

// props35 keeps nil properties out of the wire: they encode as {}.
func props35(p chat.Properties) v35.Properties {
	if p == nil {
		return v35.Properties{}
	}
	return v35.Properties(p)
}

func wireEvent35(e chat.Event) v35.Event {
	w := v35.Event{
		ID: e.ID, CustomID: e.CustomID, Type: e.Type, AuthorID: e.AuthorID, CreatedAt: time35(e),
		Text: e.Text, SystemMessageType: e.SystemMessageType, TextVars: e.TextVars, TemplateID: e.TemplateID,
		Elements: e.Elements, FormID: e.FormID, Fields: e.Fields, AnnotationType: e.AnnotationType, Content: e.Content,
		Postback: wireMessagePostback(e.Postback),
	}
	if len(e.Properties) > 0 {
		w.Properties = v35.Properties(e.Properties)
	}
	if f := e.File; f != nil {
		w.Name, w.URL, w.ContentType, w.Size, w.Width, w.Height = f.Name, f.URL, f.ContentType, f.Size, f.Width, f.Height
		if f.Width > 0 && f.Height > 0 {
			// The JS SDK shows an image with known dimensions by its
			// thumbnails; Parley makes none, so the image is its own.
			w.ThumbnailURL, w.Thumbnail2xURL = f.URL, f.URL
		}
	}
	if e.Type == chat.EventRichMessage && len(w.Elements) == 0 {
		w.Elements = json.RawMessage("[]")
	}
	return w
}

func wireEvents35(es []chat.Event) []v35.Event {
	out := make([]v35.Event, len(es))
	for i, e := range es {
		out[i] = wireEvent35(e)
	}
	return out
}

func wireThread35(t chat.Thread, c chat.Chat) v35.Thread {
	ids := t.UserIDs
	if ids == nil {
		ids = []string{}
	}
	return v35.Thread{ID: t.ID, Active: t.Active, Access: wireAccess(c.GroupIDs), CreatedAt: v35.FormatTime(t.CreatedAt),
		UserIDs: ids, Events: wireEvents35(t.Events), Properties: props35(t.Properties)}
}

// wireChat35 is a chat with one thread (none when t is nil).
func wireChat35(c chat.Chat, ms []chat.Member, t *chat.Thread) v35.Chat {
	out := v35.Chat{ID: c.ID, Users: wireUsers35(ms), Access: wireAccess(c.GroupIDs), Properties: props35(c.Properties)}
	if t != nil {
		wt := wireThread35(*t, c)
		out.Thread = &wt
	}
	return out
}

// wirePush35 renders a domain notification as a v3.5 push action and
// payload for customers (the only audience of v3.5). Like wirePush it
// has a case for every push type (TestWirePushCoversEveryType).
func wirePush35(push chat.Push) (action string, payload any, err error) {
	switch p := push.(type) {
	case chat.IncomingChatThread:
		return v35.PushIncomingChat, v35.IncomingChat{Chat: wireChat35(p.Chat, p.Members, &p.Thread)}, nil
	case chat.IncomingEvent:
		return protocol.PushIncomingEvent, v35.IncomingEvent{ChatID: p.Event.ChatID, ThreadID: p.Event.ThreadID, Event: wireEvent35(p.Event)},
			forAgents(!p.Event.AgentsOnly()) // never a private note
	case chat.TypingIndicator:
		return protocol.PushIncomingTypingIndicator, wireTyping(p), nil
	case chat.SneakPeek:
		return "", nil, errNotForAudience
	case chat.ThreadClosed:
		return v35.PushChatDeactivated, v35.ChatDeactivated{ChatID: p.ChatID, ThreadID: p.ThreadID, UserID: p.UserID}, nil
	case chat.UserAdded:
		return v35.PushUserAddedToChat, v35.UserAddedToChat{ChatID: p.ChatID, ThreadID: p.ThreadID, User: wireUser35(p.Member)}, nil
	case chat.UserRemoved:
		return v35.PushUserRemovedFromChat, v35.UserRemovedFromChat{ChatID: p.ChatID, ThreadID: p.ThreadID, UserID: p.UserID}, nil
	case chat.PropertiesUpdated:
		action := propertiesAction(p.ThreadID, p.EventID, protocol.PushChatPropertiesUpdated,
			v35.PushThreadPropertiesUpdate, protocol.PushEventPropertiesUpdated)
		return action, v35.PropertiesUpdated{ChatID: p.ChatID, ThreadID: p.ThreadID, EventID: p.EventID, Properties: props35(p.Properties)}, nil
	case chat.PropertiesDeleted:
		action := propertiesAction(p.ThreadID, p.EventID, protocol.PushChatPropertiesDeleted,
			v35.PushThreadPropertiesDelete, protocol.PushEventPropertiesDeleted)
		return action, protocol.PropertiesDeleted{ChatID: p.ChatID, ThreadID: p.ThreadID, EventID: p.EventID, Properties: protocol.PropertyNames(p.Names)}, nil
	case chat.LastSeenUpdated:
		return v35.PushEventsMarkedAsSeen, v35.EventsMarkedAsSeen{UserID: p.UserID, ChatID: p.ChatID, SeenUpTo: v35.FormatTime(p.At)}, nil
	case chat.CustomerUpdated:
		return protocol.PushCustomerUpdated, wireCustomer35(p.Customer, nil), nil
	case chat.CustomerPageUpdated:
		return protocol.PushCustomerPageUpdated, v35.CustomerPageUpdated{URL: p.Page.URL, Title: p.Page.Title, OpenedAt: v35.FormatTime(p.Page.Timestamp)}, nil
	case chat.PostbackReceived:
		return protocol.PushIncomingRichMessagePostback, wirePostback(p.Postback), nil
	case chat.ChatTransferred:
		out := v35.ChatTransferred{ChatID: p.ChatID, ThreadID: p.ThreadID, Reason: v35.TransferManual, RequesterID: p.RequesterID,
			TransferredTo: v35.TransferredTo{AgentIDs: p.AgentIDs, GroupIDs: p.GroupIDs}}
		if p.RequesterID == "" {
			out.Reason = v35.TransferRoutingAssigned
		}
		return protocol.PushChatTransferred, out, nil
	case chat.RoutingStatusSet, chat.ThreadTagged, chat.ThreadUntagged:
		return "", nil, errNotForAudience
	case chat.QueuePositionUpdated:
		return v35.PushQueuePositionUpdated, wireQueuePosition(p), nil
	case chat.Disconnect:
		return protocol.PushCustomerDisconnected, protocol.CustomerDisconnected{Reason: p.Reason}, nil
	}
	return "", nil, fmt.Errorf("%w: %T", errUnknownPush, push)
}
