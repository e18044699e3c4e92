package agent

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/parleychat/parley/protocol"
)

// This file converts wire values (package protocol: snake_case, Unix
// seconds, {"value": …}-wrapped properties) to the package's Go values and
// back. Wire quirks stay here.

func fromUnix(s int64) time.Time { return protocol.Time(s) }

func unwrap(p protocol.WrappedProperties) Properties { return p.Unwrap() }

func fromUser(u protocol.User) User {
	out := User{ID: u.ID, Type: UserType(u.Type), Name: u.Name, Avatar: u.Avatar, Present: u.Present}
	if u.LastSeenTimestamp != nil {
		out.LastSeen = fromUnix(*u.LastSeenTimestamp)
	}
	if out.Type == CustomerUser {
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

func fromUsers(us []protocol.User) []User {
	out := make([]User, len(us))
	for i, u := range us {
		out[i] = fromUser(u)
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
		Content: e.Content, Visibility: e.Visibility, order: e.Order,
	}
	if p := e.Postback; p != nil {
		out.Postback = &MessagePostback{ID: p.ID, ThreadID: p.ThreadID, EventID: p.EventID, Type: p.Type, Value: p.Value}
	}
	if len(e.Elements) > 0 {
		out.Elements = fromElements(e.Elements)
	}
	return out
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

func toElements(els []RichElement) json.RawMessage {
	if els == nil {
		return nil
	}
	out := make([]protocol.RichElement, len(els))
	for i, el := range els {
		out[i] = protocol.RichElement{Title: el.Title, Subtitle: el.Subtitle}
		if el.Image != nil {
			out[i].Image = &protocol.RichImage{URL: el.Image.URL}
		}
		for _, b := range el.Buttons {
			users := b.Users
			if users == nil {
				users = []string{}
			}
			out[i].Buttons = append(out[i].Buttons, protocol.RichButton{Text: b.Text, PostbackID: b.Postback, UserIDs: users, Type: b.Type, Value: b.Value})
		}
	}
	b, _ := json.Marshal(out)
	return b
}

// toClientEvent is the wire form of an event the agent sends.
func toClientEvent(e Event) protocol.ClientEvent {
	out := protocol.ClientEvent{
		Type: e.Type, CustomID: e.CustomID, Properties: protocol.Properties(e.Properties), Text: e.Text,
		SystemMessageType: e.SystemMessageType, TextVars: e.TextVars, TemplateID: e.Template,
		Elements: toElements(e.Elements), FormID: e.FormID, Fields: e.Fields,
		AnnotationType: e.AnnotationType, Content: e.Content, Visibility: e.Visibility,
	}
	if p := e.Postback; p != nil {
		out.Postback = &protocol.MessagePostback{ID: p.ID, ThreadID: p.ThreadID, EventID: p.EventID, Type: p.Type, Value: p.Value}
	}
	return out
}

func fromThread(t protocol.Thread, chat string) Thread {
	out := Thread{ID: t.ID, Chat: chat, Active: t.Active, Order: t.Order, Users: t.UserIDs,
		Properties: unwrap(t.Properties), Created: fromUnix(t.Timestamp)}
	if out.Users == nil {
		out.Users = []string{}
	}
	evs := slices.Clone(t.Events)
	slices.SortStableFunc(evs, func(a, b protocol.Event) int { return a.Order - b.Order })
	out.Events = make([]Event, len(evs))
	for i, e := range evs {
		out.Events[i] = fromEvent(e, t.ID)
	}
	return out
}

func fromChatThread(c protocol.ChatThread) Chat {
	return Chat{ID: c.ID, Users: fromUsers(c.Users), Access: fromAccess(c.Access), Properties: unwrap(c.Properties),
		Thread: fromThread(c.Thread, c.ID)}
}

// fromChatThreads is the chat of get_chat: its (one) thread, the newest
// if there are more.
func fromChatThreads(c protocol.ChatThreads) Chat {
	out := Chat{ID: c.ID, Users: fromUsers(c.Users), Access: fromAccess(c.Access), Properties: unwrap(c.Properties)}
	if len(c.Threads) > 0 {
		t := slices.MaxFunc(c.Threads, func(a, b protocol.Thread) int { return a.Order - b.Order })
		out.Thread = fromThread(t, c.ID)
	}
	return out
}

func fromChatSummary(s protocol.AgentChatSummary) ChatSummary {
	out := ChatSummary{ID: s.ID, Active: s.Active, Access: fromAccess(s.Access), LastActivity: fromUnix(s.Order),
		Properties: unwrap(s.Properties), Users: fromUsers(s.Users), LastThread: s.LastThreadID}
	if lt := s.LastThreadSummary; lt != nil {
		out.Tags = lt.Tags
	}
	if len(s.LastEventPerType) > 0 {
		out.LastEventsPerType = make(map[string]Event, len(s.LastEventPerType))
		var best *protocol.LastEvent
		for typ, le := range s.LastEventPerType {
			out.LastEventsPerType[typ] = fromEvent(le.Event, le.ThreadID)
			if best == nil || le.ThreadOrder > best.ThreadOrder || (le.ThreadOrder == best.ThreadOrder && le.Event.Order > best.Event.Order) {
				best = &le
			}
		}
		e := fromEvent(best.Event, best.ThreadID)
		out.LastEvent = &e
	}
	if len(s.ThreadTags) > 0 {
		out.ThreadTags = s.ThreadTags
	}
	if q := s.Queue; q != nil {
		out.Queue = &Queue{Position: q.Position, QueuedAt: fromUnix(q.QueuedAt)}
	}
	return out
}

func fromChatsSummary(p protocol.ListChatsResponse) ChatsSummary {
	out := ChatsSummary{ChatsSummary: make([]ChatSummary, len(p.ChatsSummary)), TotalChats: p.TotalChats}
	for i, s := range p.ChatsSummary {
		out.ChatsSummary[i] = fromChatSummary(s)
	}
	return out
}

func fromProfile(a protocol.AgentProfile) Agent {
	return Agent{ID: a.ID, Name: a.Name, Avatar: a.Avatar, JobTitle: a.JobTitle, RoutingStatus: RoutingStatus(a.RoutingStatus),
		Groups: a.Groups, MaxChats: a.MaxChats}
}

func fromAgentInfo(a protocol.AgentInfo) Agent {
	return Agent{ID: a.ID, Name: a.Name, Avatar: a.Avatar, JobTitle: a.JobTitle, RoutingStatus: RoutingStatus(a.RoutingStatus),
		Groups: a.Groups, ActiveChats: a.ActiveChats, MaxChats: a.MaxChats}
}

func fromCustomer(c protocol.CustomerProfile) Customer {
	out := Customer{ID: c.ID, Name: c.Name, Email: c.Email, Avatar: c.Avatar, Fields: c.Fields, Referrer: c.Referrer,
		Visits: c.Visits, LastVisit: fromUnix(c.LastVisit), Banned: c.Banned}
	if out.Fields == nil {
		out.Fields = map[string]string{}
	}
	if p := c.Page; p != nil {
		out.Page = &Page{URL: p.URL, Title: p.Title, Timestamp: fromUnix(p.Timestamp)}
	}
	return out
}

// Transfer target types.
const (
	targetAgent = "agent"
	targetGroup = "group"
)

func toTarget(t Target) protocol.TransferTarget {
	raw := func(v any) json.RawMessage {
		b, _ := json.Marshal(v)
		return b
	}
	if len(t.Groups) > 0 {
		out := protocol.TransferTarget{Type: targetGroup}
		for _, g := range t.Groups {
			out.IDs = append(out.IDs, raw(g))
		}
		return out
	}
	out := protocol.TransferTarget{Type: targetAgent}
	for _, a := range t.Agents {
		out.IDs = append(out.IDs, raw(a))
	}
	return out
}

func fromTransferred(p protocol.ChatTransferred) ChatTransferred {
	out := ChatTransferred{Chat: p.ChatID, Thread: p.ThreadID, Requester: p.RequesterID}
	for _, id := range p.IDs {
		switch v := id.(type) {
		case string:
			if p.Type == targetGroup {
				if n, err := strconv.Atoi(v); err == nil {
					out.Target.Groups = append(out.Target.Groups, n)
				}
			} else {
				out.Target.Agents = append(out.Target.Agents, v)
			}
		case float64:
			if p.Type == targetAgent {
				out.Target.Agents = append(out.Target.Agents, strconv.FormatFloat(v, 'f', -1, 64))
			} else {
				out.Target.Groups = append(out.Target.Groups, int(v))
			}
		}
	}
	return out
}

func listChatsRequest(offset, limit int, f *protocol.ListChatsFilters) protocol.ListChatsRequest {
	r := protocol.ListChatsRequest{Filters: f}
	if offset > 0 {
		r.Offset = &offset
	}
	if limit > 0 {
		r.Limit = &limit
	}
	return r
}
