package customer

import (
	"encoding/json"
	"math"
	"sort"
	"time"

	"github.com/parleychat/parley/protocol"
)

// This file converts wire values (package protocol: snake_case, Unix
// seconds, {"value": …}-wrapped properties) to the package's Go values and
// back. Wire quirks stay here.

func fromUnix(s int64) time.Time { return protocol.Time(s) }

func unwrap(p protocol.WrappedProperties) Properties { return p.Unwrap() }

func fromUser(u protocol.User) User {
	out := User{ID: u.ID, Type: UserType(u.Type), Name: u.Name, Avatar: u.Avatar}
	if out.Type == Customer {
		out.Email = u.Email
		out.Fields = u.Fields
		if out.Fields == nil {
			out.Fields = map[string]string{}
		}
	} else {
		out.Type = AgentUser
		out.JobTitle = u.JobTitle
	}
	return out
}

func lastSeen(users []protocol.User) map[string]time.Time {
	out := make(map[string]time.Time, len(users))
	for _, u := range users {
		var t time.Time
		if u.LastSeenTimestamp != nil {
			t = fromUnix(*u.LastSeenTimestamp)
		}
		out[u.ID] = t
	}
	return out
}

func userIDs(users []protocol.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}

func fromAccess(a *protocol.Access) Access {
	if a == nil || len(a.GroupIDs) == 0 {
		return Access{}
	}
	return Access{Groups: a.GroupIDs}
}

func fromEvent(e protocol.Event, thread string) Event {
	out := Event{
		ID: e.ID, CustomID: e.CustomID, Type: e.Type, Author: e.AuthorID, Thread: thread,
		Timestamp: fromUnix(e.Timestamp), Properties: unwrap(e.Properties), Text: e.Text,
		SystemMessageType: e.SystemMessageType, TextVars: e.TextVars,
		Name: e.Name, URL: e.URL, ContentType: e.ContentType, Size: e.Size, Width: e.Width, Height: e.Height,
		Template: e.TemplateID, FormID: e.FormID, Fields: e.Fields, AnnotationType: e.AnnotationType,
		Content: e.Content, order: e.Order,
	}
	if e.Type == EventSystemMessage && out.Author == "" {
		out.Author = "system"
	}
	if p := e.Postback; p != nil {
		out.Postback = &MessagePostback{ID: p.ID, ThreadID: p.ThreadID, EventID: p.EventID, Type: p.Type, Value: p.Value}
	}
	if e.Type == EventFile && e.Width > 0 && e.Height > 0 && e.URL != "" {
		out.Thumbnails = &Thumbnails{Default: thumb(e.URL, e.Width, e.Height, 300), High: thumb(e.URL, e.Width, e.Height, 600)}
	}
	if len(e.Elements) > 0 {
		out.Elements = fromElements(e.Elements)
	}
	return out
}

// thumb scales an image so that its longer side is at most max, rounding
// up, as the JS SDK does.
func thumb(url string, w, h, limit int) Thumbnail {
	scale := math.Min(1, float64(limit)/float64(max(w, h)))
	return Thumbnail{URL: url, Width: int(math.Ceil(float64(w) * scale)), Height: int(math.Ceil(float64(h) * scale))}
}

func fromElements(raw json.RawMessage) []RichElement {
	var els []protocol.RichElement
	if json.Unmarshal(raw, &els) != nil {
		return nil
	}
	out := make([]RichElement, len(els))
	for i, el := range els {
		out[i] = RichElement{Title: el.Title, Subtitle: el.Subtitle}
		if el.Image != nil {
			out[i].Image = &RichImage{URL: el.Image.URL}
		}
		for _, b := range el.Buttons {
			out[i].Buttons = append(out[i].Buttons, RichButton{Text: b.Text, Postback: b.PostbackID, Users: b.UserIDs, Type: b.Type, Value: b.Value})
		}
	}
	return out
}

// toClientEvent is the wire form of an event the customer sends.
func toClientEvent(e Event) protocol.ClientEvent {
	out := protocol.ClientEvent{
		Type: e.Type, CustomID: e.CustomID, Properties: protocol.Properties(e.Properties), Text: e.Text,
		FormID: e.FormID, Fields: e.Fields, Content: e.Content,
	}
	if p := e.Postback; p != nil {
		out.Postback = &protocol.MessagePostback{ID: p.ID, ThreadID: p.ThreadID, EventID: p.EventID, Type: p.Type, Value: p.Value}
	}
	return out
}

func fromThread(t protocol.Thread, chat string, users []protocol.User) Thread {
	out := Thread{ID: t.ID, Chat: chat, Active: t.Active, Order: t.Order, Users: t.UserIDs,
		LastSeenTimestamps: lastSeen(users), Properties: unwrap(t.Properties)}
	if out.Users == nil {
		out.Users = []string{}
	}
	evs := append([]protocol.Event(nil), t.Events...)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Order < evs[j].Order })
	out.Events = make([]Event, len(evs))
	for i, e := range evs {
		out.Events[i] = fromEvent(e, t.ID)
	}
	return out
}

func threadSummaryOf(t protocol.Thread, chat string) ThreadSummary {
	return ThreadSummary{ID: t.ID, Chat: chat, Active: t.Active, Order: t.Order, Properties: unwrap(t.Properties), TotalEvents: len(t.Events)}
}

func fromChatSummary(s protocol.ChatSummary) ChatSummary {
	out := ChatSummary{ID: s.ID, Active: s.Active, Access: fromAccess(s.Access), Order: fromUnix(s.Order),
		Properties: unwrap(s.Properties), Users: userIDs(s.Users), LastThread: s.LastThreadID,
		LastSeenTimestamps: lastSeen(s.Users)}
	if len(s.LastEventPerType) > 0 {
		out.LastEventsPerType = make(map[string]Event, len(s.LastEventPerType))
		var best *protocol.LastEvent
		for typ, le := range s.LastEventPerType {
			out.LastEventsPerType[typ] = fromEvent(le.Event, le.ThreadID)
			if best == nil || le.ThreadOrder > best.ThreadOrder || (le.ThreadOrder == best.ThreadOrder && le.Event.Order > best.Event.Order) {
				le := le
				best = &le
			}
		}
		e := fromEvent(best.Event, best.ThreadID)
		out.LastEvent = &e
	}
	return out
}

// fromChatsSummary converts and sorts as the JS SDK does: most recent last
// event (or chat order) first.
func fromChatsSummary(p protocol.ChatsSummaryResponse) ChatsSummary {
	out := ChatsSummary{Chats: make([]ChatSummary, len(p.ChatsSummary)), TotalChats: p.TotalChats}
	for i, s := range p.ChatsSummary {
		out.Chats[i] = fromChatSummary(s)
	}
	key := func(c ChatSummary) time.Time {
		if c.LastEvent != nil {
			return c.LastEvent.Timestamp
		}
		return c.Order
	}
	sort.SliceStable(out.Chats, func(i, j int) bool { return key(out.Chats[i]).After(key(out.Chats[j])) })
	return out
}
