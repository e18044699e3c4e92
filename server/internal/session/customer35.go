package session

import (
	"context"
	"slices"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/protocol/v35"
	"github.com/parleychat/parley/server/chat"
)

// customer35Handlers maps every Customer Chat API v3.5 action to its
// handler. The handlers call the chat.Service as the v3.0 ones do,
// through the helpers they share (customer.go); only the wire shapes
// differ. Except a duplicate send_event, which sends its push again to
// the connection, a handler needs of its session only the server, the
// actor and the connection id (actorFor).
var customer35Handlers map[string]handlerFunc

func init() {
	customer35Handlers = map[string]handlerFunc{
		protocol.ActionLogin:                   (*session).customer35Login,
		v35.ActionListChats:                    (*session).listChats35,
		v35.ActionListThreads:                  (*session).listThreads35,
		v35.ActionGetChat:                      (*session).getChat35,
		protocol.ActionStartChat:               (*session).startChat35,
		v35.ActionResumeChat:                   (*session).resumeChat35,
		v35.ActionDeactivateChat:               (*session).deactivateChat35,
		protocol.ActionSendEvent:               (*session).sendEvent35,
		protocol.ActionSendRichMessagePostback: (*session).sendPostback,
		protocol.ActionSendSneakPeek:           (*session).sendSneakPeek,
		protocol.ActionUpdateChatProperties:    (*session).updateChatProperties35,
		protocol.ActionDeleteChatProperties:    (*session).deleteChatProperties35,
		v35.ActionUpdateThreadProperties:       (*session).updateProperties,
		v35.ActionDeleteThreadProperties:       (*session).deleteProperties,
		protocol.ActionUpdateEventProperties:   (*session).updateProperties,
		protocol.ActionDeleteEventProperties:   (*session).deleteProperties,
		protocol.ActionUpdateCustomer:          (*session).updateCustomer35,
		v35.ActionSetCustomerSessionFields:     (*session).setSessionFields35,
		protocol.ActionUpdateCustomerPage:      (*session).updateCustomerPage35,
		v35.ActionMarkEventsAsSeen:             (*session).markEventsAsSeen35,
		protocol.ActionGetPredictedAgent:       (*session).getPredictedAgent35,
		protocol.ActionGetForm:                 (*session).getForm,
		v35.ActionListGroupStatuses:            (*session).listGroupStatuses35,
		v35.ActionGetURLInfo:                   (*session).getURLInfo35,
		v35.ActionGetCustomer:                  (*session).getCustomer35,
		v35.ActionAcceptGreeting:               (*session).greeting35,
		v35.ActionCancelGreeting:               (*session).greeting35,
	}
}

// Limits of v3.5 requests (LiveChat's).
const (
	defaultThreadsLimit35 = 3
	maxThreadsLimit35     = 100
	maxMinEventsCount35   = 100
)

// pushBits35 gives each v3.5 push its bit in session.pushes35.
var pushBits35 = func() map[string]uint64 {
	m := make(map[string]uint64, len(v35.Pushes))
	for i, name := range v35.Pushes {
		m[name] = 1 << i
	}
	return m
}()

// allPushes35 subscribes to every push: what a login without pushes gets.
var allPushes35 = uint64(1)<<len(v35.Pushes) - 1

// pushSet35 reads login's pushes: {"3.5": [push name, …]}. Absent, the
// connection gets every push of v3.5 (the API's default). A list for
// another version, or a name v3.5 does not have, is refused.
func pushSet35(p map[string][]string) (uint64, error) {
	if p == nil {
		return allPushes35, nil
	}
	var set uint64
	for version, names := range p {
		if version != v35.Version && len(names) > 0 {
			return 0, protocol.Errorf(protocol.ErrValidation, "pushes: this server serves version "+v35.Version+" only, not "+quote(version))
		}
		for _, name := range names {
			bit, ok := pushBits35[name]
			if !ok {
				return 0, protocol.Errorf(protocol.ErrValidation, "pushes: unknown push "+quote(name))
			}
			set |= bit
		}
	}
	return set, nil
}

// subscribed35 reports whether the login subscribed to a push, given by
// its bit in pushBits35.
func (s *session) subscribed35(push uint64) bool {
	return s.pushes35&push != 0
}

func (s *session) customer35Login(ctx context.Context, req protocol.Request) (any, error) {
	if err := s.loginAgain(); err != nil {
		return nil, err
	}
	var p v35.LoginRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	pushes, err := pushSet35(p.Pushes)
	if err != nil {
		return nil, err
	}
	// Read by deliveries only once the login has subscribed.
	s.pushes35 = pushes
	in := chat.LoginInfo{GroupID: p.GroupID}
	if c := p.Customer; c != nil {
		in.Name, in.Email, in.Avatar, in.Fields = c.Name, c.Email, c.Avatar, fieldsOf(c.SessionFields)
	}
	cu, err := s.loginCustomer(ctx, p.Token, in, p.CustomerPage, p.Referrer)
	if err != nil || cu == nil {
		return noResponse, err
	}
	// The customer is the one the login stored: only its chats and their
	// counts are read.
	chats, stats, err := s.srv.cfg.Service.CustomerOverview(ctx, s.actor)
	if err != nil {
		return nil, err
	}
	resp := v35.LoginResponse{CustomerID: cu.ID, Customer: wireCustomer35(*cu, &stats), Chats: []v35.LoginChat{},
		PrivDynamicConfig: v35.DynamicConfig{
			CustomerGroups:   v35.CustomerGroups{Monitoring: v35.GroupRef{ID: cu.GroupID}},
			OnlineGroupIDs:   s.onlineGroups(ctx),
			GlobalProperties: map[string]any{},
		}}
	for _, c := range chats {
		resp.Chats = append(resp.Chats, v35.LoginChat{ChatID: c.ID, HasActiveThread: c.Active, HasUnreadEvents: unread(c, cu.ID)})
		resp.HasActiveThread = resp.HasActiveThread || c.Active
	}
	if resp.HasActiveThread {
		return s.answerTellingPlaces(ctx, req, resp, chats)
	}
	return resp, nil
}

// unread reports whether the chat has events newer than what user has
// seen.
func unread(c chat.Chat, user string) bool {
	i := slices.IndexFunc(c.Users, func(u chat.User) bool { return u.ID == user })
	return i >= 0 && c.LastEventAt.After(c.Users[i].LastSeen)
}

func (s *session) listChats35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.ListChatsRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	t := pageToken{Kind: pageChats, Limit: chat.DefaultChatsLimit}
	if p.PageID != "" {
		var err error
		if t, err = s.openPage(p.PageID, pageChats, ""); err != nil {
			return nil, err
		}
	} else if p.Limit != nil {
		if *p.Limit < 1 || *p.Limit > chat.MaxChatsSummary {
			return nil, protocol.Errorf(protocol.ErrValidation, "limit must be 1 to 25")
		}
		t.Limit = *p.Limit
	}
	a := s.actorFor(req)
	sums, total, err := s.srv.cfg.Service.ChatsSummary(ctx, a, t.Offset, t.Limit, false)
	if err != nil {
		return nil, err
	}
	out := v35.ListChatsResponse{ChatsSummary: make([]v35.ChatSummary, len(sums)), TotalChats: total}
	for i, sum := range sums {
		if out.ChatsSummary[i], err = s.wireChatSummary35(ctx, a, sum); err != nil {
			return nil, err
		}
	}
	if t.Offset > 0 {
		prev := t
		prev.Offset = max(0, t.Offset-t.Limit)
		out.PreviousPageID = s.sealPage(prev)
	}
	// A customer's pages reach as far as v3.0's offsets do.
	if next := t.Offset + len(sums); next < total && next <= chat.MaxChatsOffset {
		n := t
		n.Offset = next
		out.NextPageID = s.sealPage(n)
	}
	return out, nil
}

// wireChatSummary35 is a list_chats entry. Its last events name the
// creation time of their threads, which it reads for the threads before
// the last, all at once.
func (s *session) wireChatSummary35(ctx context.Context, a chat.Actor, sum chat.ChatSummary) (v35.ChatSummary, error) {
	c := sum.Chat
	out := v35.ChatSummary{ID: c.ID, Active: c.Active, Access: wireAccess(c.GroupIDs), LastThreadID: c.LastThreadID,
		Properties: props35(c.Properties), Users: wireUsers35(sum.Members)}
	lt := sum.LastThread
	if lt != nil {
		out.LastThreadCreatedAt = v35.FormatTime(lt.CreatedAt)
	}
	if len(sum.LastEvents) == 0 {
		return out, nil
	}
	var earlier []int // the orders of the other threads of the last events
	for _, le := range sum.LastEvents {
		if lt != nil && le.Event.ThreadID != lt.ID {
			earlier = append(earlier, le.ThreadOrder)
		}
	}
	var byOrder map[int]chat.Thread
	if len(earlier) > 0 {
		var err error
		if byOrder, err = s.threadsAt(ctx, a, c.ID, lt.Order, earlier); err != nil {
			return out, err
		}
	}
	out.LastEventPerType = make(map[string]v35.LastEvent, len(sum.LastEvents))
	for typ, le := range sum.LastEvents {
		created := ""
		switch th, ok := byOrder[le.ThreadOrder]; {
		case lt != nil && le.Event.ThreadID == lt.ID:
			created = out.LastThreadCreatedAt
		case ok && th.ID == le.Event.ThreadID:
			created = v35.FormatTime(th.CreatedAt)
		}
		out.LastEventPerType[typ] = v35.LastEvent{ThreadID: le.Event.ThreadID, ThreadCreatedAt: created, Event: wireEvent35(le.Event)}
	}
	return out, nil
}

func (s *session) listThreads35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.ListThreadsRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	if p.ChatID == "" {
		return nil, protocol.Errorf(protocol.ErrValidation, "chat_id is required")
	}
	t := pageToken{Kind: pageThreads, Chat: p.ChatID, Limit: defaultThreadsLimit35}
	first := p.PageID == ""
	if !first {
		var err error
		if t, err = s.openPage(p.PageID, pageThreads, p.ChatID); err != nil {
			return nil, err
		}
	} else {
		switch p.SortOrder {
		case "", v35.SortDesc:
		case v35.SortAsc:
			t.Asc = true
		default:
			return nil, protocol.Errorf(protocol.ErrValidation, "sort_order must be asc or desc")
		}
		if p.Limit != nil {
			if *p.Limit < 1 || *p.Limit > maxThreadsLimit35 {
				return nil, protocol.Errorf(protocol.ErrValidation, "limit must be 1 to 100")
			}
			t.Limit = *p.Limit
		}
		if p.MinEventsCount != nil {
			if *p.MinEventsCount < 1 || *p.MinEventsCount > maxMinEventsCount35 {
				return nil, protocol.Errorf(protocol.ErrValidation, "min_events_count must be 1 to 100")
			}
			// The threads that hold that many events, whatever the limit.
			t.MinEvents, t.Limit = *p.MinEventsCount, maxThreadsLimit35
		}
	}
	a := s.actorFor(req)
	// The count of threads comes with the newest of them: a first page
	// from the newest reads its threads (and the one before) with it.
	head := 1
	if first && !t.Asc && t.Limit < chat.MaxThreadsSummary {
		head = t.Limit + 1
	}
	newest, total, err := s.srv.cfg.Service.ThreadsSummary(ctx, a, p.ChatID, 0, head)
	if err != nil {
		return nil, err
	}
	out := v35.ListThreadsResponse{Threads: []v35.Thread{}, FoundThreads: total}
	if first {
		t.From = total
		if t.Asc {
			t.From = 1
		}
	}
	// The page's threads, by order, and their neighbours.
	lo, hi := t.From-t.Limit+1, t.From
	if t.Asc {
		lo, hi = t.From, t.From+t.Limit-1
	}
	if t.To > 0 {
		// A previous page ends where the page it was given with starts.
		if t.Asc {
			hi = min(hi, t.To)
		} else {
			lo = max(lo, t.To)
		}
	}
	lo, hi = max(lo, 1), min(hi, total)
	if total == 0 || lo > hi {
		return out, nil
	}
	var byOrder map[int]chat.Thread
	if len(newest) > 0 && max(lo-1, 1) > total-len(newest) {
		byOrder = make(map[int]chat.Thread, len(newest))
		for _, th := range newest {
			byOrder[th.Order] = th
		}
	} else if byOrder, err = s.threadsByOrder(ctx, a, p.ChatID, total, lo-1, hi+1); err != nil {
		return nil, err
	}
	orders := make([]int, 0, hi-lo+1)
	for k := hi; k >= lo; k-- {
		orders = append(orders, k)
	}
	if t.Asc {
		slices.Reverse(orders)
	}
	take := eventBudget(s.srv.cfg.PageBytes, func(e chat.Event) any { return wireEvent35(e) })
	events := 0
	var next *pageToken
	for i, k := range orders {
		th, ok := byOrder[k]
		if !ok {
			return nil, protocol.Errorf(protocol.ErrInternal, "the chat's threads changed meanwhile: ask again")
		}
		var from *chat.PageCursor
		if i == 0 && t.Before > 0 {
			from = &chat.PageCursor{ThreadID: th.ID, Before: t.Before}
		}
		pg, err := s.srv.cfg.Service.ChatThreads(ctx, a, p.ChatID, []string{th.ID}, from, take)
		if err != nil {
			return nil, err
		}
		if len(pg.Threads) == 1 {
			w := wireThread35(pg.Threads[0], pg.Chat)
			w.PreviousThreadID, w.NextThreadID = byOrder[k-1].ID, byOrder[k+1].ID
			out.Threads = append(out.Threads, w)
			events += len(w.Events)
		}
		if pg.Next != nil {
			// The rest of this thread starts the next page.
			n := t
			n.From, n.Before, n.To = k, pg.Next.Before, 0
			next = &n
			break
		}
		// The page goes on after this thread.
		n := t
		n.From, n.Before, n.To = k-1, 0, 0
		if t.Asc {
			n.From = k + 1
		}
		next = &n
		if t.MinEvents > 0 && events >= t.MinEvents {
			break
		}
	}
	if next != nil && next.From >= 1 && next.From <= total {
		out.NextPageID = s.sealPage(*next)
	}
	if prev := previousThreads(t, len(out.Threads), total); prev != nil {
		out.PreviousPageID = s.sealPage(*prev)
	}
	return out, nil
}

// threadsAt returns the chat's threads of the given orders (those that
// exist), of total: each run of orders that one page of the store holds
// is one read.
func (s *session) threadsAt(ctx context.Context, a chat.Actor, chatID string, total int, orders []int) (map[int]chat.Thread, error) {
	slices.Sort(orders)
	orders = slices.Compact(orders)
	out := make(map[int]chat.Thread, len(orders))
	for i := 0; i < len(orders); {
		j := i
		for j+1 < len(orders) && orders[j+1]-orders[i] < chat.MaxThreadsSummary {
			j++
		}
		run, err := s.threadsByOrder(ctx, a, chatID, total, orders[i], orders[j])
		if err != nil {
			return nil, err
		}
		for _, k := range orders[i : j+1] {
			if th, ok := run[k]; ok {
				out[k] = th
			}
		}
		i = j + 1
	}
	return out, nil
}

// threadsByOrder returns the chat's threads of orders lo to hi (those
// that exist), of total, read newest first in pages of the store's
// largest. Threads are listed newest first and their orders have no
// holes: the thread of order k is at offset total-k.
func (s *session) threadsByOrder(ctx context.Context, a chat.Actor, chatID string, total, lo, hi int) (map[int]chat.Thread, error) {
	lo, hi = max(lo, 1), min(hi, total)
	out := make(map[int]chat.Thread, hi-lo+1)
	for off := total - hi; off <= total-lo; off += chat.MaxThreadsSummary {
		n := min(chat.MaxThreadsSummary, total-lo-off+1)
		ts, _, err := s.srv.cfg.Service.ThreadsSummary(ctx, a, chatID, off, n)
		if err != nil {
			return nil, err
		}
		for _, th := range ts {
			out[th.Order] = th
		}
		if len(ts) < n {
			break
		}
	}
	return out, nil
}

func (s *session) getChat35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.GetChatRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	var ids []string
	if p.ThreadID != "" {
		ids = []string{p.ThreadID}
	}
	a := s.actorFor(req)
	// One thread, its newest events within the page size: list_threads
	// pages through a longer one.
	take := eventBudget(s.srv.cfg.PageBytes, func(e chat.Event) any { return wireEvent35(e) })
	pg, err := s.srv.cfg.Service.ChatThreads(ctx, a, p.ChatID, ids, nil, take)
	if err != nil {
		return nil, err
	}
	if len(pg.Threads) == 0 {
		return wireChat35(pg.Chat, pg.Members, nil), nil
	}
	th := pg.Threads[0]
	out := wireChat35(pg.Chat, pg.Members, &th)
	// The chat's last thread is the one of the highest order: the count
	// of its threads is read only for another one.
	total := th.Order
	if th.ID != pg.Chat.LastThreadID {
		var err error
		if _, total, err = s.srv.cfg.Service.ThreadsSummary(ctx, a, p.ChatID, 0, 1); err != nil {
			return nil, err
		}
	}
	near, err := s.threadsByOrder(ctx, a, p.ChatID, total, th.Order-1, th.Order+1)
	if err != nil {
		return nil, err
	}
	out.Thread.PreviousThreadID, out.Thread.NextThreadID = near[th.Order-1].ID, near[th.Order+1].ID
	return out, nil
}

// startInput35 reads the chat of start_chat and resume_chat. Parley's
// chats are all continuous (they start, and wait in the queue, with no
// agent online), so continuous needs nothing; a chat without an active
// thread (active: false) is not something Parley starts.
func startInput35(p v35.StartChatRequest) (chat.StartChat, error) {
	if p.Active != nil && !*p.Active {
		return chat.StartChat{}, protocol.Errorf(protocol.ErrValidation, "active: false is not supported: chats start active")
	}
	in := chat.StartChat{Properties: chat.Properties(p.Chat.Properties)}
	if p.Chat.Access != nil {
		in.GroupIDs = p.Chat.Access.GroupIDs
	}
	if t := p.Chat.Thread; t != nil {
		in.ThreadProperties = chat.Properties(t.Properties)
		for _, e := range t.Events {
			in.Events = append(in.Events, clientEvent35(e))
		}
	}
	return in, nil
}

// clientEvent35 turns an event a v3.5 client sent into a domain event. A
// file event names its upload by URL only: the chat service finds the
// file, fills in its name, type and size, and refuses a URL that is not an
// upload of the sender's license.
func clientEvent35(e v35.ClientEvent) chat.Event {
	out := clientEvent(protocol.ClientEvent{Type: e.Type, CustomID: e.CustomID, Properties: e.Properties, Visibility: e.Visibility, Text: e.Text,
		Postback: e.Postback, SystemMessageType: e.SystemMessageType, TextVars: e.TextVars, TemplateID: e.TemplateID,
		Elements: e.Elements, FormID: e.FormID, Fields: e.Fields, Content: e.Content})
	if e.Type == chat.EventFile {
		out.File = &chat.File{URL: e.URL}
	}
	return out
}

func (s *session) startChat35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.StartChatRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	in, err := startInput35(p)
	if err != nil {
		return nil, err
	}
	c, t, err := s.srv.cfg.Service.StartChat(ctx, s.actorFor(req), in)
	if err != nil {
		return nil, err
	}
	return v35.StartChatResponse{ChatID: c.ID, ThreadID: t.ID}, nil
}

func (s *session) resumeChat35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.StartChatRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	in, err := startInput35(p)
	if err != nil {
		return nil, err
	}
	_, t, err := s.srv.cfg.Service.ActivateChat(ctx, s.actorFor(req), p.Chat.ID, in)
	if err != nil {
		return nil, err
	}
	return v35.ResumeChatResponse{ThreadID: t.ID}, nil
}

func (s *session) deactivateChat35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.ChatIDRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	_, err := s.srv.cfg.Service.CloseThread(ctx, s.actorFor(req), p.ID)
	return struct{}{}, err
}

func (s *session) sendEvent35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.SendEventRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	return s.storeEvent(ctx, req, p.ChatID, clientEvent35(p.Event), p.AttachToLastThread, DialectV35)
}

func (s *session) updateChatProperties35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.ChatPropertiesRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	return s.setProperties(ctx, req, chat.PropertyTarget{ChatID: p.ID}, p.Properties)
}

func (s *session) deleteChatProperties35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.ChatPropertiesRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	return s.removeProperties(ctx, req, chat.PropertyTarget{ChatID: p.ID}, p.Properties)
}

func (s *session) updateCustomer35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.UpdateCustomerRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	_, err := s.srv.cfg.Service.UpdateCustomer(ctx, s.actorFor(req), chat.CustomerUpdate{Name: p.Name, Email: p.Email, Avatar: p.Avatar,
		Fields: fieldsOf(p.SessionFields)})
	return struct{}{}, err
}

func (s *session) setSessionFields35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.SessionFieldsRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	if p.SessionFields == nil {
		return nil, protocol.Errorf(protocol.ErrValidation, "session_fields are required")
	}
	_, err := s.srv.cfg.Service.UpdateCustomer(ctx, s.actorFor(req), chat.CustomerUpdate{Fields: fieldsOf(p.SessionFields)})
	return struct{}{}, err
}

func (s *session) updateCustomerPage35(ctx context.Context, req protocol.Request) (any, error) {
	_, err := s.setCustomerPage(ctx, req)
	return struct{}{}, err
}

func (s *session) markEventsAsSeen35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.MarkEventsAsSeenRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	at, err := v35.ParseTime(p.SeenUpTo)
	if err != nil {
		return nil, protocol.Errorf(protocol.ErrValidation, "seen_up_to: "+err.Error()[len("v35: "):])
	}
	_, err = s.markSeen(ctx, req, p.ChatID, at)
	return struct{}{}, err
}

func (s *session) getPredictedAgent35(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.PredictedAgentRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	ag, err := s.predictedAgent(ctx, req, p.GroupID)
	if err != nil {
		return nil, err
	}
	// An agent who can take the chat now: it would not wait in a queue.
	return v35.PredictedAgentResponse{Agent: v35.Agent{ID: ag.ID, Name: ag.Name, Avatar: ag.Avatar, JobTitle: ag.JobTitle,
		Type: string(chat.UserAgent)}, Queue: false}, nil
}

func (s *session) listGroupStatuses35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.GroupStatusesRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	var ids []int
	if !p.All {
		if len(p.GroupIDs) == 0 {
			return nil, protocol.Errorf(protocol.ErrValidation, "give group_ids or all: true")
		}
		ids = p.GroupIDs
	}
	st, err := s.groupsStatus(ctx, req, ids)
	if err != nil {
		return nil, err
	}
	return v35.GroupStatusesResponse{GroupsStatus: st}, nil
}

// getURLInfo35 answers from the URL alone, as get_url_details does.
func (s *session) getURLInfo35(ctx context.Context, req protocol.Request) (any, error) {
	u, err := urlOf(req)
	if err != nil {
		return nil, err
	}
	return v35.URLInfoResponse{Title: u.Host, URL: u.String()}, nil
}

func (s *session) getCustomer35(ctx context.Context, req protocol.Request) (any, error) {
	cu, st, err := s.srv.cfg.Service.Self(ctx, s.actorFor(req))
	if err != nil {
		return nil, err
	}
	return wireCustomer35(cu, &st), nil
}

// greeting35 answers accept_greeting and cancel_greeting. Parley shows no
// greetings, so no greeting exists to accept or cancel: the answer is
// LiveChat's for an unknown one, greeting_not_found.
func (s *session) greeting35(ctx context.Context, req protocol.Request) (any, error) {
	var p v35.GreetingRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	if p.UniqueID == "" {
		return nil, protocol.Errorf(protocol.ErrValidation, "unique_id is required")
	}
	return nil, protocol.Errorf(v35.ErrGreetingNotFound, "Greeting not found")
}
