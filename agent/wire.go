package agent

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/parleychat/parley/protocol"
)

// This file converts wire values (package protocol and the agent-only
// payloads below: snake_case, Unix seconds, {"value": …}-wrapped
// properties) to the package's Go values and back. Wire quirks stay here.

// Agent Chat API actions and pushes that package protocol does not name.
const (
	actionGetCustomer      = "get_customer"
	actionTransferChat     = "transfer_chat"
	actionBanCustomer      = "ban_customer"
	actionSetRoutingStatus = "set_routing_status"
	actionListAgents       = "list_agents"
	actionListGroups       = "list_groups"
	actionRevokeToken      = "revoke_token"

	pushRoutingStatusSet = "routing_status_set"
)

type wireLoginResponse struct {
	License   protocol.LicenseRef `json:"license"`
	MyProfile wireAgent           `json:"my_profile"`
}

type wireAgent struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Avatar        string `json:"avatar"`
	JobTitle      string `json:"job_title"`
	RoutingStatus string `json:"routing_status"`
	Groups        []int  `json:"groups"`
	ActiveChats   int    `json:"active_chats"`
	MaxChats      int    `json:"max_chats"`
}

type wireGroup struct {
	ID     int    `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

type wireCustomer struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Email     string            `json:"email"`
	Avatar    string            `json:"avatar"`
	Fields    map[string]string `json:"fields"`
	Page      *wirePage         `json:"page"`
	Referrer  string            `json:"referrer"`
	Visits    int               `json:"visits"`
	LastVisit int64             `json:"last_visit"`
	Banned    bool              `json:"banned"`
}

type wirePage struct {
	URL       string `json:"url"`
	Title     string `json:"title"`
	Timestamp int64  `json:"timestamp"`
}

// wireChatSummary is a list_chats entry: a chat summary and, for a queued
// chat, its place in the queue.
type wireChatSummary struct {
	protocol.ChatSummary
	Queue *struct {
		Position int   `json:"position"`
		QueuedAt int64 `json:"queued_at"`
	} `json:"queue,omitempty"`
}

type wireChatsSummary struct {
	ChatsSummary []wireChatSummary `json:"chats_summary"`
	TotalChats   int               `json:"total_chats"`
}

type listChatsRequest struct {
	Offset  int `json:"offset,omitempty"`
	Limit   int `json:"limit,omitempty"`
	Filters *struct {
		Queued bool `json:"queued,omitempty"`
		Mine   bool `json:"mine,omitempty"`
	} `json:"filters,omitempty"`
}

type wireTarget struct {
	Type string `json:"type"`
	IDs  []any  `json:"ids"`
}

type wireChatTransferred struct {
	ChatID      string            `json:"chat_id"`
	ThreadID    string            `json:"thread_id"`
	RequesterID string            `json:"requester_id"`
	Type        string            `json:"type"`
	IDs         []json.RawMessage `json:"ids"`
}

type wireRoutingStatusSet struct {
	AgentID string `json:"agent_id"`
	Status  string `json:"status"`
}

func fromUnix(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

func unwrap(p protocol.WrappedProperties) Properties {
	out := make(Properties, len(p))
	for ns, m := range p {
		om := make(map[string]any, len(m))
		for k, v := range m {
			om[k] = v.Value
		}
		out[ns] = om
	}
	return out
}

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
		Content: e.Content, order: e.Order,
	}
	if p := e.Postback; p != nil {
		out.Postback = &MessagePostback{ID: p.ID, ThreadID: p.ThreadID, EventID: p.EventID, Type: p.Type, Value: p.Value}
	}
	if len(e.Elements) > 0 {
		out.Elements = fromElements(e.Elements)
	}
	return out
}

type wireElement struct {
	Title    string       `json:"title,omitempty"`
	Subtitle string       `json:"subtitle,omitempty"`
	Image    *wireImage   `json:"image,omitempty"`
	Buttons  []wireButton `json:"buttons,omitempty"`
}

type wireImage struct {
	URL string `json:"url"`
}

type wireButton struct {
	Text       string   `json:"text"`
	PostbackID string   `json:"postback_id"`
	UserIDs    []string `json:"user_ids"`
	Type       string   `json:"type,omitempty"`
	Value      string   `json:"value,omitempty"`
}

func fromElements(raw json.RawMessage) []RichElement {
	var els []wireElement
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
	out := make([]wireElement, len(els))
	for i, el := range els {
		out[i] = wireElement{Title: el.Title, Subtitle: el.Subtitle}
		if el.Image != nil {
			out[i].Image = &wireImage{URL: el.Image.URL}
		}
		for _, b := range el.Buttons {
			users := b.Users
			if users == nil {
				users = []string{}
			}
			out[i].Buttons = append(out[i].Buttons, wireButton{Text: b.Text, PostbackID: b.Postback, UserIDs: users, Type: b.Type, Value: b.Value})
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
		AnnotationType: e.AnnotationType, Content: e.Content,
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

func fromChatSummary(s wireChatSummary) ChatSummary {
	out := ChatSummary{ID: s.ID, Active: s.Active, Access: fromAccess(s.Access), LastActivity: fromUnix(s.Order),
		Properties: unwrap(s.Properties), Users: fromUsers(s.Users), LastThread: s.LastThreadID}
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
	if q := s.Queue; q != nil {
		out.Queue = &Queue{Position: q.Position, QueuedAt: fromUnix(q.QueuedAt)}
	}
	return out
}

func fromChatsSummary(p wireChatsSummary) ChatsSummary {
	out := ChatsSummary{ChatsSummary: make([]ChatSummary, len(p.ChatsSummary)), TotalChats: p.TotalChats}
	for i, s := range p.ChatsSummary {
		out.ChatsSummary[i] = fromChatSummary(s)
	}
	return out
}

func fromAgent(a wireAgent) Agent {
	return Agent{ID: a.ID, Name: a.Name, Avatar: a.Avatar, JobTitle: a.JobTitle, RoutingStatus: RoutingStatus(a.RoutingStatus),
		Groups: a.Groups, ActiveChats: a.ActiveChats, MaxChats: a.MaxChats}
}

func fromCustomer(c wireCustomer) Customer {
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

func toTarget(t Target) wireTarget {
	if len(t.Groups) > 0 {
		ids := make([]any, len(t.Groups))
		for i, g := range t.Groups {
			ids[i] = g
		}
		return wireTarget{Type: "group", IDs: ids}
	}
	ids := make([]any, len(t.Agents))
	for i, a := range t.Agents {
		ids[i] = a
	}
	return wireTarget{Type: "agent", IDs: ids}
}

func fromTransferred(p wireChatTransferred) ChatTransferred {
	out := ChatTransferred{Chat: p.ChatID, Thread: p.ThreadID, Requester: p.RequesterID}
	for _, raw := range p.IDs {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if p.Type == "group" {
				if n, err := strconv.Atoi(s); err == nil {
					out.Target.Groups = append(out.Target.Groups, n)
				}
				continue
			}
			out.Target.Agents = append(out.Target.Agents, s)
			continue
		}
		var n int
		if json.Unmarshal(raw, &n) == nil {
			if p.Type == "agent" {
				out.Target.Agents = append(out.Target.Agents, strconv.Itoa(n))
			} else {
				out.Target.Groups = append(out.Target.Groups, n)
			}
		}
	}
	return out
}
