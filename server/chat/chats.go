package chat

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// This file holds the chats and threads: listing them, starting a chat or
// a new thread, closing a thread.

// ChatSummary is a chat with what a chat list shows.
type ChatSummary struct {
	Chat       Chat
	Members    []Member
	LastEvents map[string]LastEvent
	LastThread *Thread // nil before the first thread
	// Queue is the place in the queue of a queued chat (ListChats only).
	Queue *QueueInfo
	// Tags are the tags of the chat's last thread (ListChats only).
	Tags []string
	// ThreadTags are the tags of every tagged thread of the chat, by
	// thread id (ListChats only): ListChats.Tag finds a chat by any of
	// them.
	ThreadTags map[string][]string
}

// ChatsSummary lists the actor's chats, the most recently active first.
// Customers see their own chats, agents the chats they are members of (or
// with all set every chat of the license they may see).
func (s *Service) ChatsSummary(ctx context.Context, a Actor, offset, limit int, all bool) ([]ChatSummary, int, error) {
	limit, err := pageLimit(offset, limit, DefaultChatsLimit, MaxChatsSummary)
	if err != nil {
		return nil, 0, err
	}
	if a.Type == UserCustomer && offset > MaxChatsOffset {
		return nil, 0, invalid("offset must be at most %d", MaxChatsOffset)
	}
	f := ChatFilter{LicenseID: a.LicenseID}
	switch {
	case a.Type == UserCustomer:
		f.CustomerID = a.UserID
	case !all:
		f.MemberID = a.UserID
	default:
		if f.Access, err = s.chatAccess(ctx, a); err != nil {
			return nil, 0, err
		}
	}
	chats, total, err := s.store.Chats(ctx, f, offset, limit)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ChatSummary, 0, len(chats))
	for _, c := range chats {
		sum, err := s.summary(ctx, a.Type, c)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, sum)
	}
	return out, total, nil
}

// summary is a chat's summary as reader sees it: a customer's last events
// are the newest it may see (no private note).
func (s *Service) summary(ctx context.Context, reader UserType, c Chat) (ChatSummary, error) {
	sum := ChatSummary{Chat: c}
	var err error
	if sum.Members, err = s.Members(ctx, c); err != nil {
		return sum, err
	}
	if sum.LastEvents, err = s.store.LastEvents(ctx, c.ID, reader); err != nil {
		return sum, err
	}
	if c.LastThreadID != "" {
		ts, _, err := s.store.Threads(ctx, c.ID, 0, 1)
		if err != nil {
			return sum, err
		}
		if len(ts) > 0 {
			sum.LastThread = &ts[0]
		}
	}
	return sum, nil
}

// pageLimit checks a page request and returns its limit, def when zero.
func pageLimit(offset, limit, def, max int) (int, error) {
	if offset < 0 || limit < 0 {
		return 0, invalid("offset and limit must not be negative")
	}
	if limit == 0 {
		limit = def
	}
	if limit > max {
		return 0, invalid("limit must be at most %d", max)
	}
	return limit, nil
}

// ThreadsSummary lists a chat's threads newest first.
func (s *Service) ThreadsSummary(ctx context.Context, a Actor, chatID string, offset, limit int) ([]Thread, int, error) {
	limit, err := pageLimit(offset, limit, DefaultThreadsLimit, MaxThreadsSummary)
	if err != nil {
		return nil, 0, err
	}
	if _, err := s.chatFor(ctx, a, chatID); err != nil {
		return nil, 0, err
	}
	return s.store.Threads(ctx, chatID, offset, limit)
}

// ThreadsPage is one page of a chat's threads and their events: the
// answer of ChatThreads.
type ThreadsPage struct {
	Chat    Chat
	Members []Member
	// Threads are in Order, each with this page's part of its Events (in
	// Order). The page holds the newest events of the range it covers: the
	// first thread may be cut, keeping its newest events.
	Threads []Thread
	// Next is where the next (older) page starts; nil when this page
	// reaches the first event of the first thread asked for.
	Next *PageCursor
}

// PageCursor is a place in a chat's threads: the events of thread ThreadID
// below order Before (0: all of them) and the whole of the threads asked
// for before it.
type PageCursor struct {
	ThreadID string
	Before   int
}

// pageChunk is how many events ChatThreads reads from the store at a time.
const pageChunk = 100

// ChatThreads returns a chat with the named threads (none: its last
// thread) and their events, one page at a time, newest events first:
// starting from the newest event of the newest thread, or from from when
// not nil, it hands events to take, newest first, and stops at the first
// one take refuses; the page then names where the next one starts. take
// decides a page's size (the session counts bytes); it should accept the
// first event of a page, or the page holds no event and makes no
// progress. However long a thread, the page costs the store one read of
// pageChunk events beyond what it holds.
func (s *Service) ChatThreads(ctx context.Context, a Actor, chatID string, threadIDs []string, from *PageCursor, take func(Event) bool) (ThreadsPage, error) {
	if len(threadIDs) > MaxThreadIDs {
		return ThreadsPage{}, invalid("at most %d thread_ids", MaxThreadIDs)
	}
	if err := checkNoNUL("thread_ids", threadIDs); err != nil {
		return ThreadsPage{}, err
	}
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return ThreadsPage{}, err
	}
	if len(threadIDs) == 0 && c.LastThreadID != "" {
		threadIDs = []string{c.LastThreadID}
	}
	threads := make([]Thread, 0, len(threadIDs))
	for _, id := range threadIDs {
		if slices.ContainsFunc(threads, func(t Thread) bool { return t.ID == id }) {
			continue
		}
		t, err := s.store.Thread(ctx, chatID, id)
		if err != nil {
			return ThreadsPage{}, err
		}
		threads = append(threads, t)
	}
	slices.SortFunc(threads, func(a, b Thread) int { return a.Order - b.Order })

	last, before := len(threads)-1, 0
	if from != nil {
		last = slices.IndexFunc(threads, func(t Thread) bool { return t.ID == from.ThreadID })
		if last < 0 {
			return ThreadsPage{}, invalid("the page does not belong to these thread_ids")
		}
		before = from.Before
	}
	page := ThreadsPage{Chat: c}
	first := last + 1 // threads[first:last+1] are in the page
	for i := last; i >= 0 && page.Next == nil; i-- {
		t := &threads[i]
		b := 0
		if i == last {
			b = before
		}
		var evs []Event // newest first
		for done := false; !done; {
			chunk, err := s.store.ThreadEvents(ctx, chatID, t.ID, b, pageChunk, a.Type)
			if err != nil {
				return ThreadsPage{}, err
			}
			evs = slices.Grow(evs, len(chunk))
			for _, e := range chunk {
				if !take(e) {
					page.Next = &PageCursor{ThreadID: t.ID, Before: b}
					break
				}
				evs = append(evs, e)
				b = e.Order
			}
			// A thread's orders run 1, 2, …: after the first there is
			// nothing left to read. (A customer's chunk skips notes, so
			// its orders may have holes; a short chunk is still the end.)
			done = page.Next != nil || len(chunk) < pageChunk || b == 1
		}
		if page.Next != nil && len(evs) == 0 {
			break // nothing of this thread fits: it starts the next page
		}
		slices.Reverse(evs)
		t.Events = evs
		if t.Events == nil {
			t.Events = []Event{}
		}
		first = i
	}
	page.Threads = threads[first : last+1]
	page.Members, err = s.Members(ctx, c)
	return page, err
}

// MaxAgentChatsLimit is the largest page of list_chats.
const MaxAgentChatsLimit = 100

// ListChats selects the chats of list_chats.
type ListChats struct {
	Offset, Limit int
	// Queued keeps the chats waiting for an agent.
	Queued bool
	// Mine keeps the chats the agent is a present member of.
	Mine bool
	// Tag keeps the chats with a thread tagged Tag.
	Tag string
}

// ListChats lists the license's chats the agent may see, the most
// recently active first. A queued chat's summary carries its place in the
// queue.
func (s *Service) ListChats(ctx context.Context, a Actor, in ListChats) ([]ChatSummary, int, error) {
	if a.Type != UserAgent {
		return nil, 0, invalid("only agents list the license's chats")
	}
	limit, err := pageLimit(in.Offset, in.Limit, DefaultChatsLimit, MaxAgentChatsLimit)
	if err != nil {
		return nil, 0, err
	}
	access, err := s.chatAccess(ctx, a)
	if err != nil {
		return nil, 0, err
	}
	if in.Tag != "" {
		if err := checkTag(in.Tag); err != nil {
			return nil, 0, err
		}
	}
	f := ChatFilter{LicenseID: a.LicenseID, Queued: in.Queued, Access: access, Tag: in.Tag}
	if in.Mine {
		f.MemberID = a.UserID
	}
	chats, total, err := s.store.Chats(ctx, f, in.Offset, limit)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]string, len(chats))
	for i, c := range chats {
		ids[i] = c.ID
	}
	tags, err := s.store.ChatsTags(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ChatSummary, 0, len(chats))
	for _, c := range chats {
		sum, err := s.summary(ctx, a.Type, c)
		if err != nil {
			return nil, 0, err
		}
		sum.ThreadTags = tags[c.ID]
		if sum.ThreadTags == nil {
			sum.ThreadTags = map[string][]string{}
		}
		sum.Tags = sum.ThreadTags[c.LastThreadID]
		if sum.Tags == nil && c.LastThreadID != "" {
			sum.Tags = []string{}
		}
		if c.Active && !hasPresentAgent(c) {
			q, err := s.queueInfo(ctx, c)
			if err != nil {
				return nil, 0, err
			}
			sum.Queue = &q
		}
		out = append(out, sum)
	}
	return out, total, nil
}

// Chat returns a chat the actor may see, with its members.
func (s *Service) Chat(ctx context.Context, a Actor, chatID string) (Chat, []Member, error) {
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return Chat{}, nil, err
	}
	m, err := s.Members(ctx, c)
	return c, m, err
}

// StartChat is the input of StartChat and ActivateChat.
type StartChat struct {
	GroupIDs         []int
	Properties       Properties
	ThreadProperties Properties
	Events           []Event
}

// StartChat creates a chat for a customer with an active thread holding
// the given events, and notifies the customer and the license's agents.
func (s *Service) StartChat(ctx context.Context, a Actor, in StartChat) (Chat, Thread, error) {
	if a.Type != UserCustomer {
		return Chat{}, Thread{}, invalid("only customers start chats")
	}
	if err := checkNoNUL("properties", []Properties{in.Properties, in.ThreadProperties}); err != nil {
		return Chat{}, Thread{}, err
	}
	now := s.now()
	groups, err := s.checkGroups(ctx, a.LicenseID, in.GroupIDs)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	events, err := s.prepareEvents(ctx, a, "", in.Events, now)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	email, offline, err := offlineForm(events)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	in.Properties = markOffline(in.Properties, email, offline)
	nc := NewChat{
		Chat: Chat{
			ID: newChatID(), LicenseID: a.LicenseID, CustomerID: a.UserID, GroupIDs: groups,
			Properties: in.Properties, CreatedAt: now,
			Users: []User{{ID: a.UserID, Type: UserCustomer, Present: true}},
		},
		Thread: Thread{ID: newThreadID(), Properties: in.ThreadProperties, CreatedAt: now},
		Events: events,
	}
	for i := range nc.Events {
		nc.Events[i].ChatID = nc.Chat.ID
	}
	unlock, err := s.lock(ctx, nc.Chat.ID)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	defer unlock()
	c, t, err := s.store.CreateChat(ctx, nc)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	s.openedThread(ctx, a, c, t)
	return c, t, nil
}

// ActivateChat opens a new thread in a customer's chat that has none active.
func (s *Service) ActivateChat(ctx context.Context, a Actor, chatID string, in StartChat) (Chat, Thread, error) {
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	if err := checkNoNUL("properties", []Properties{in.Properties, in.ThreadProperties}); err != nil {
		return Chat{}, Thread{}, err
	}
	now := s.now()
	events, err := s.prepareEvents(ctx, a, chatID, in.Events, now)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	unlock, err := s.lock(ctx, c.ID)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	defer unlock()
	// Refuse an active chat before anything is written: the properties
	// below are stored apart from the new thread.
	if c, err = s.store.Chat(ctx, chatID); err != nil {
		return Chat{}, Thread{}, err
	}
	if c.Active {
		return Chat{}, Thread{}, ErrChatActive
	}
	c = s.dropOfflineAgents(ctx, c)
	if len(in.Properties) > 0 {
		if err := s.store.UpdateChatProperties(ctx, chatID, in.Properties); err != nil {
			return Chat{}, Thread{}, err
		}
	}
	users := []User{{ID: c.CustomerID, Type: UserCustomer, Present: true}}
	if a.Type == UserAgent {
		users = append(users, User{ID: a.UserID, Type: UserAgent, Present: true})
	}
	c, t, err := s.store.ActivateChat(ctx, chatID, Thread{ID: newThreadID(), Properties: in.ThreadProperties, CreatedAt: now}, users, events)
	if err != nil {
		return Chat{}, Thread{}, err
	}
	s.openedThread(ctx, a, c, t)
	return c, t, nil
}

// openedThread routes a chat whose thread t has just opened, unless an
// agent is in it, and tells about the thread: its members get
// incoming_chat_thread (so do the agents of its groups when it is
// queued), then the assignment is told (notifyAssigned). The caller holds
// the chat's lock.
func (s *Service) openedThread(ctx context.Context, a Actor, c Chat, t Thread) {
	var (
		ag       Agent
		assigned bool
	)
	if !hasPresentAgent(c) {
		ag, assigned, _ = s.route(ctx, c, false)
	}
	members, err := s.Members(ctx, c)
	if err != nil {
		s.log.Error("load chat members", "chat_id", c.ID, "err", err)
	}
	to := recipients(c)
	if !assigned {
		to = s.audience(ctx, c)
	}
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: to, Origin: a.Origin,
		Push: IncomingChatThread{Chat: c, Members: members, Thread: t},
		Seq:  Seq{Kind: SeqThread, ChatID: c.ID, Thread: t.Order, Event: lastOrder(t), Members: recipients(c)}})
	if assigned {
		s.notifyAssigned(ctx, c.ID, ag, false, c)
	}
}

func (s *Service) checkGroups(ctx context.Context, licenseID int, ids []int) ([]int, error) {
	if len(ids) == 0 {
		return []int{0}, nil
	}
	groups, err := s.store.Groups(ctx, licenseID)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		if !slices.ContainsFunc(groups, func(g Group) bool { return g.ID == id }) {
			return nil, fmt.Errorf("group %d: %w", id, ErrGroupNotFound)
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(ids))), nil
}

// CloseThread closes the chat's active thread with a system message saying
// who closed it, and notifies the chat.
func (s *Service) CloseThread(ctx context.Context, a Actor, chatID string) (Thread, error) {
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return Thread{}, err
	}
	now := s.now()
	text, typ := "Chat closed by the customer", "manual_archived_customer"
	if a.Type == UserAgent {
		text, typ = "Chat closed by an agent", "manual_archived_agent"
		if m, err := s.member(ctx, c.LicenseID, User{ID: a.UserID, Type: UserAgent}); err == nil && m.Name != "" {
			text = "Chat closed by " + m.Name
		}
	}
	sys := &Event{ID: newEventID(), ChatID: chatID, Type: EventSystemMessage, CreatedAt: now, Text: text, SystemMessageType: typ}
	t, err := s.closeThread(ctx, a, chatID, now, sys)
	if err != nil {
		return Thread{}, err
	}
	// The chat's agents may take another chat now.
	s.drain(ctx)
	return t, nil
}

func (s *Service) closeThread(ctx context.Context, a Actor, chatID string, now time.Time, sys *Event) (Thread, error) {
	unlock, err := s.lock(ctx, chatID)
	if err != nil {
		return Thread{}, err
	}
	defer unlock()
	c, err := s.store.Chat(ctx, chatID)
	if err != nil {
		return Thread{}, err
	}
	t, stored, err := s.store.CloseThread(ctx, chatID, now, sys)
	if err != nil {
		return Thread{}, err
	}
	s.dequeue(ctx, c)
	if stored != nil {
		s.notifySeq(ctx, a, c, IncomingEvent{Event: *stored}, SeqEvent, t.Order, stored.Order)
	}
	s.notifySeq(ctx, a, c, ThreadClosed{ChatID: chatID, ThreadID: t.ID, UserID: a.UserID}, SeqClosed, t.Order, t.TotalEvents)
	return t, nil
}
