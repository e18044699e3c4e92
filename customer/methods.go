package customer

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/parleychat/parley/internal/client"
	"github.com/parleychat/parley/protocol"
)

// Limits the SDK checks before sending, as the JS SDK does.
const (
	MaxChatsSummaryLimit   = 25
	MaxThreadsSummaryLimit = 1000
	// MaxFileSize is the largest file SendFile uploads: 10 MiB.
	MaxFileSize = 10 << 20
)

func (s *SDK) startPayload(chatID string, r StartChatRequest) protocol.StartChatRequest {
	p := protocol.StartChatRequest{Chat: protocol.StartChat{ID: chatID, Properties: protocol.Properties(r.Properties)}}
	groups := r.Groups
	if len(groups) == 0 && s.cfg.Group != 0 {
		groups = []int{s.cfg.Group}
	}
	if len(groups) > 0 {
		p.Chat.Access = &protocol.Access{GroupIDs: groups}
	}
	if len(r.Events) > 0 || len(r.ThreadProperties) > 0 {
		t := &protocol.StartThread{Properties: protocol.Properties(r.ThreadProperties)}
		for _, e := range r.Events {
			t.Events = append(t.Events, toClientEvent(e))
		}
		p.Chat.Thread = t
	}
	return p
}

func chatOf(p protocol.IncomingChatThread) Chat {
	c := p.Chat
	t := fromThread(c.Thread, c.ID, c.Users)
	return Chat{ID: c.ID, Access: fromAccess(c.Access), Users: userIDs(c.Users), Thread: c.Thread.ID,
		Events: t.Events, Properties: unwrap(c.Properties)}
}

// StartChat starts a new chat with a first thread holding req.Events.
func (s *SDK) StartChat(ctx context.Context, req StartChatRequest) (Chat, error) {
	var p protocol.IncomingChatThread
	if err := s.callInto(ctx, protocol.ActionStartChat, s.startPayload("", req), &p, protocol.PushIncomingChatThread); err != nil {
		return Chat{}, err
	}
	// Active from the answer on, not only once its push is dispatched:
	// a sneak peek set right after must go out.
	s.setActive(p.Chat.ID, true)
	return chatOf(p), nil
}

// ActivateChat opens a new thread in an existing chat that has no active
// thread.
func (s *SDK) ActivateChat(ctx context.Context, chatID string, req StartChatRequest) (Chat, error) {
	var p protocol.IncomingChatThread
	if err := s.callInto(ctx, protocol.ActionActivateChat, s.startPayload(chatID, req), &p, protocol.PushIncomingChatThread); err != nil {
		return Chat{}, err
	}
	s.setActive(p.Chat.ID, true) // as in StartChat
	return chatOf(p), nil
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

// SendEvent sends an event to a chat and returns it as stored. Sent to a
// chat without an active thread, it opens a new thread (unless
// AttachToLastThread). Set CustomID to make retries safe: the server
// returns the stored event for a CustomID it has seen from this customer
// in this chat. Sending a message drops a sneak peek of the chat that
// SetSneakPeek still holds back.
func (s *SDK) SendEvent(ctx context.Context, chatID string, e Event, opts ...SendOption) (Event, error) {
	var o sendOptions
	for _, opt := range opts {
		opt(&o)
	}
	if e.Type == EventMessage {
		s.sneak.drop(chatID)
	}
	req := protocol.SendEventRequest{ChatID: chatID, Event: toClientEvent(e), AttachToLastThread: o.attachToLastThread}
	f, err := s.call(ctx, protocol.ActionSendEvent, req, protocol.PushIncomingEvent, protocol.PushIncomingChatThread)
	if err != nil {
		return Event{}, err
	}
	if f.Action == protocol.PushIncomingChatThread {
		var p protocol.IncomingChatThread
		if err := json.Unmarshal(f.Payload, &p); err != nil {
			return Event{}, fmt.Errorf("send_event: decode answer: %w", err)
		}
		evs := chatOf(p).Events
		me := s.CustomerID()
		for i := len(evs) - 1; i >= 0; i-- {
			if evs[i].Author == me {
				return evs[i], nil
			}
		}
		if len(evs) > 0 {
			return evs[len(evs)-1], nil
		}
		return Event{}, fmt.Errorf("send_event: the new thread has no events")
	}
	var p protocol.IncomingEvent
	if err := json.Unmarshal(f.Payload, &p); err != nil {
		return Event{}, fmt.Errorf("send_event: decode answer: %w", err)
	}
	return fromEvent(p.Event, p.ThreadID), nil
}

// SendPostback sends a click on a rich message button; the zero
// Postback.Toggled sends toggled, as the JS SDK does.
func (s *SDK) SendPostback(ctx context.Context, chatID, threadID, eventID string, p Postback) error {
	_, err := s.call(ctx, protocol.ActionSendRichMessagePostback, protocol.PostbackRequest{ChatID: chatID, ThreadID: threadID,
		EventID: eventID, Postback: protocol.PostbackValue{ID: p.ID, Toggled: p.IsToggled()}})
	return err
}

// CloseThread closes the chat's active thread.
func (s *SDK) CloseThread(ctx context.Context, chatID string) error {
	_, err := s.call(ctx, protocol.ActionCloseThread, protocol.ChatRequest{ChatID: chatID}, protocol.PushThreadClosed)
	return err
}

// GetChatsSummary returns a page of the customer's chats, most recently
// active first. Defaults: offset 0, limit 10; a limit over 25 is
// ErrLimitTooHigh. Every user of the page is also emitted as UserData.
func (s *SDK) GetChatsSummary(ctx context.Context, p Pagination) (ChatsSummary, error) {
	if p.Limit > MaxChatsSummaryLimit {
		return ChatsSummary{}, fmt.Errorf("%w: %d (max %d)", ErrLimitTooHigh, p.Limit, MaxChatsSummaryLimit)
	}
	if p.Limit <= 0 {
		p.Limit = 10
	}
	var r protocol.ChatsSummaryResponse
	if err := s.callInto(ctx, protocol.ActionGetChatsSummary, map[string]int{"offset": p.Offset, "limit": p.Limit}, &r); err != nil {
		return ChatsSummary{}, err
	}
	s.emitUsers(r)
	for _, c := range r.ChatsSummary {
		s.setActive(c.ID, c.Active)
	}
	return fromChatsSummary(r), nil
}

// GetChatThreadsSummary returns a page of a chat's threads: offset counts
// from the newest thread; the page is sorted oldest first. Defaults:
// offset 0, limit 25; a limit over 1000 is ErrLimitTooHigh.
func (s *SDK) GetChatThreadsSummary(ctx context.Context, chatID string, p Pagination) (ThreadsSummary, error) {
	if p.Limit > MaxThreadsSummaryLimit {
		return ThreadsSummary{}, fmt.Errorf("%w: %d (max %d)", ErrLimitTooHigh, p.Limit, MaxThreadsSummaryLimit)
	}
	if p.Limit <= 0 {
		p.Limit = 25
	}
	var r protocol.ThreadsSummaryResponse
	if err := s.callInto(ctx, protocol.ActionGetChatThreadsSummary, map[string]any{"chat_id": chatID, "offset": p.Offset, "limit": p.Limit}, &r); err != nil {
		return ThreadsSummary{}, err
	}
	out := ThreadsSummary{Threads: make([]ThreadSummary, len(r.ThreadsSummary)), TotalThreads: r.TotalThreads}
	for i, t := range r.ThreadsSummary {
		s.track.NoteThread(t.ID, t.Order)
		out.Threads[i] = ThreadSummary{ID: t.ID, Chat: chatID, Active: t.Active, Order: t.Order, TotalEvents: t.TotalEvents, Properties: Properties{}}
	}
	slices.SortFunc(out.Threads, func(a, b ThreadSummary) int { return a.Order - b.Order })
	return out, nil
}

// GetChatThreads returns the named threads of a chat with their events,
// oldest thread first. The chat's users are emitted as UserData. Threads
// longer than a server's page (about 1 MiB of events) are read in as many
// requests as they take; read long histories page by page with
// GetChatHistory instead.
func (s *SDK) GetChatThreads(ctx context.Context, chatID string, threadIDs []string) ([]Thread, error) {
	r, err := client.AllPages(func(pageID string) (protocol.ChatThreadsResponse, error) {
		return s.chatThreadsPage(ctx, chatID, threadIDs, pageID)
	})
	if err != nil {
		return nil, err
	}
	return s.fromChatThreads(chatID, r), nil
}

// chatThreadsPage reads one page of get_chat_threads and emits the chat's
// users as UserData.
func (s *SDK) chatThreadsPage(ctx context.Context, chatID string, threadIDs []string, pageID string) (protocol.ChatThreadsResponse, error) {
	var r protocol.ChatThreadsResponse
	if err := s.callInto(ctx, protocol.ActionGetChatThreads, protocol.ChatThreadsRequest{ChatID: chatID, ThreadIDs: threadIDs, PageID: pageID}, &r); err != nil {
		return r, err
	}
	for _, u := range r.Chat.Users {
		s.core.Emit(UserData{User: fromUser(u)})
	}
	return r, nil
}

// fromChatThreads returns the threads of an answer, oldest first.
func (s *SDK) fromChatThreads(chatID string, r protocol.ChatThreadsResponse) []Thread {
	out := make([]Thread, len(r.Chat.Threads))
	for i, t := range r.Chat.Threads {
		s.track.NoteThread(t.ID, t.Order)
		out[i] = fromThread(t, chatID, r.Chat.Users)
	}
	slices.SortFunc(out, func(a, b Thread) int { return a.Order - b.Order })
	return out
}

// GetPredictedAgent returns the agent who would get a new chat now. With
// nobody available it fails with an *Error of type groups_offline.
func (s *SDK) GetPredictedAgent(ctx context.Context) (Agent, error) {
	var r protocol.PredictedAgentResponse
	if err := s.callInto(ctx, protocol.ActionGetPredictedAgent, nil, &r); err != nil {
		return Agent{}, err
	}
	a := r.Agent
	return Agent{ID: a.ID, Name: a.Name, Avatar: a.Avatar, JobTitle: a.JobTitle, IsBot: a.IsBot, Type: a.Type}, nil
}

// lastThread is the chat's newest thread.
func (s *SDK) lastThread(ctx context.Context, chatID string) (string, error) {
	ts, err := s.GetChatThreadsSummary(ctx, chatID, Pagination{Limit: 25})
	if err != nil {
		return "", err
	}
	if len(ts.Threads) == 0 {
		return "", ErrNoThread
	}
	return ts.Threads[len(ts.Threads)-1].ID, nil
}

// RateChat rates the chat's last thread: it sets the thread property
// rating.score (and rating.comment). A score other than RatingBad and
// RatingGood is ErrInvalidRating, and nothing is sent.
func (s *SDK) RateChat(ctx context.Context, chatID string, r Rating) error {
	if r.Score != RatingBad && r.Score != RatingGood {
		return fmt.Errorf("%w: %d", ErrInvalidRating, r.Score)
	}
	thread, err := s.lastThread(ctx, chatID)
	if err != nil {
		return err
	}
	props := Properties{"rating": {"score": r.Score}}
	if r.Comment != "" {
		props["rating"]["comment"] = r.Comment
	}
	return s.UpdateChatThreadProperties(ctx, chatID, thread, props)
}

// CancelRate removes the rating of the chat's last thread: the named
// rating properties, or "score" when none are named.
func (s *SDK) CancelRate(ctx context.Context, chatID string, properties ...string) error {
	if len(properties) == 0 {
		properties = []string{"score"}
	}
	thread, err := s.lastThread(ctx, chatID)
	if err != nil {
		return err
	}
	return s.DeleteChatThreadProperties(ctx, chatID, thread, map[string][]string{"rating": properties})
}

// UpdateChatProperties sets properties of a chat.
func (s *SDK) UpdateChatProperties(ctx context.Context, chatID string, p Properties) error {
	_, err := s.call(ctx, protocol.ActionUpdateChatProperties, map[string]any{"chat_id": chatID, "properties": p}, protocol.PushChatPropertiesUpdated)
	return err
}

// UpdateChatThreadProperties sets properties of a thread.
func (s *SDK) UpdateChatThreadProperties(ctx context.Context, chatID, threadID string, p Properties) error {
	_, err := s.call(ctx, protocol.ActionUpdateChatThreadProperties, map[string]any{"chat_id": chatID, "thread_id": threadID, "properties": p},
		protocol.PushChatThreadPropertiesUpdated)
	return err
}

// UpdateEventProperties sets properties of an event.
func (s *SDK) UpdateEventProperties(ctx context.Context, chatID, threadID, eventID string, p Properties) error {
	_, err := s.call(ctx, protocol.ActionUpdateEventProperties,
		map[string]any{"chat_id": chatID, "thread_id": threadID, "event_id": eventID, "properties": p}, protocol.PushEventPropertiesUpdated)
	return err
}

// DeleteChatProperties deletes properties of a chat: namespace → names.
func (s *SDK) DeleteChatProperties(ctx context.Context, chatID string, p map[string][]string) error {
	_, err := s.call(ctx, protocol.ActionDeleteChatProperties, map[string]any{"chat_id": chatID, "properties": p}, protocol.PushChatPropertiesDeleted)
	return err
}

// DeleteChatThreadProperties deletes properties of a thread.
func (s *SDK) DeleteChatThreadProperties(ctx context.Context, chatID, threadID string, p map[string][]string) error {
	_, err := s.call(ctx, protocol.ActionDeleteChatThreadProperties, map[string]any{"chat_id": chatID, "thread_id": threadID, "properties": p},
		protocol.PushChatThreadPropertiesDeleted)
	return err
}

// DeleteEventProperties deletes properties of an event. (Unlike the JS
// SDK, it sends delete_event_properties.)
func (s *SDK) DeleteEventProperties(ctx context.Context, chatID, threadID, eventID string, p map[string][]string) error {
	_, err := s.call(ctx, protocol.ActionDeleteEventProperties,
		map[string]any{"chat_id": chatID, "thread_id": threadID, "event_id": eventID, "properties": p}, protocol.PushEventPropertiesDeleted)
	return err
}

// UpdateCustomer changes the customer's name, e-mail, avatar and fields.
// Made before the connection is up (or while it is down), the change is
// kept and sent with the next login; then UpdateCustomer returns nil at
// once.
func (s *SDK) UpdateCustomer(ctx context.Context, u CustomerUpdate) error {
	if err := s.core.ClosedErr(); err != nil {
		return err
	}
	s.mu.Lock()
	if !s.live {
		if u.Name != "" {
			s.offline.name = u.Name
		}
		if u.Email != "" {
			s.offline.email = u.Email
		}
		if u.Avatar != "" {
			s.offline.avatar = u.Avatar
		}
		s.mergeOfflineFieldsLocked(u.Fields)
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	req := protocol.UpdateCustomerRequest{Name: nonEmpty(u.Name), Email: nonEmpty(u.Email), Avatar: nonEmpty(u.Avatar), Fields: u.Fields}
	_, err := s.call(ctx, protocol.ActionUpdateCustomer, req, protocol.PushCustomerUpdated)
	return err
}

func (s *SDK) mergeOfflineFieldsLocked(f map[string]string) {
	if len(f) == 0 {
		return
	}
	if s.offline.fields == nil {
		s.offline.fields = map[string]string{}
		for k, v := range s.cfg.Customer.Fields {
			s.offline.fields[k] = v
		}
	}
	for k, v := range f {
		s.offline.fields[k] = v
	}
}

// SetCustomerFields sets customer fields (merged into the existing ones).
// While not connected they are kept and sent with the next login.
func (s *SDK) SetCustomerFields(ctx context.Context, fields map[string]string) error {
	if err := s.core.ClosedErr(); err != nil {
		return err
	}
	s.mu.Lock()
	if !s.live {
		s.mergeOfflineFieldsLocked(fields)
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()
	_, err := s.call(ctx, protocol.ActionSetCustomerFields, protocol.SetCustomerFieldsRequest{Fields: fields}, protocol.PushCustomerUpdated)
	return err
}

// UpdateCustomerPage records the page the customer is on. The page is
// also sent with every later login.
func (s *SDK) UpdateCustomerPage(ctx context.Context, p Page) error {
	if err := s.core.ClosedErr(); err != nil {
		return err
	}
	s.mu.Lock()
	s.page = &p
	live := s.live
	s.mu.Unlock()
	if !live {
		return nil
	}
	_, err := s.call(ctx, protocol.ActionUpdateCustomerPage, protocol.Page{URL: p.URL, Title: p.Title}, protocol.PushCustomerPageUpdated)
	return err
}

// UpdateLastSeenTimestamp marks the chat seen up to t (zero: now) and
// returns the time the server stored (it never moves back).
func (s *SDK) UpdateLastSeenTimestamp(ctx context.Context, chatID string, t time.Time) (time.Time, error) {
	req := protocol.LastSeenRequest{ChatID: chatID}
	if !t.IsZero() {
		ts := t.Unix()
		req.Timestamp = &ts
	}
	var r protocol.LastSeenTimestampUpdated
	if err := s.callInto(ctx, protocol.ActionUpdateLastSeenTimestamp, req, &r, protocol.PushLastSeenTimestampUpdated); err != nil {
		return time.Time{}, err
	}
	return fromUnix(r.Timestamp), nil
}

// GetForm returns a group's form of the given type ("prechat",
// "postchat").
func (s *SDK) GetForm(ctx context.Context, group int, typ string) (Form, error) {
	var r struct {
		Enabled bool `json:"enabled"`
		Form    *struct {
			ID     string      `json:"id"`
			Fields []FormField `json:"fields"`
		} `json:"form"`
	}
	if err := s.callInto(ctx, protocol.ActionGetForm, protocol.FormRequest{GroupID: group, Type: typ}, &r); err != nil {
		return Form{}, err
	}
	f := Form{Enabled: r.Enabled}
	if r.Form != nil {
		f.ID, f.Fields = r.Form.ID, r.Form.Fields
	}
	return f, nil
}

// GetGroupsStatus tells whether the groups have an agent available: the
// named groups, or every group when none are named. Unknown groups are
// left out.
func (s *SDK) GetGroupsStatus(ctx context.Context, groups ...int) (map[int]GroupStatus, error) {
	req := protocol.GroupsStatusRequest{All: len(groups) == 0, Groups: groups, GroupIDs: groups}
	var r protocol.GroupsStatusResponse
	if err := s.callInto(ctx, protocol.ActionGetGroupsStatus, req, &r); err != nil {
		return nil, err
	}
	out := make(map[int]GroupStatus, len(r.GroupsStatus))
	for k, v := range r.GroupsStatus {
		id, err := strconv.Atoi(k)
		if err != nil {
			continue
		}
		out[id] = GroupStatus(v)
	}
	return out, nil
}

// GetURLDetails describes a web page for a link preview.
func (s *SDK) GetURLDetails(ctx context.Context, url string) (URLDetails, error) {
	var r protocol.URLDetailsResponse
	if err := s.callInto(ctx, protocol.ActionGetURLDetails, protocol.URLDetailsRequest{URL: url}, &r); err != nil {
		return URLDetails{}, err
	}
	out := URLDetails{Title: r.Title, Description: r.Description, URL: r.URL, ImageWidth: r.ImageWidth, ImageHeight: r.ImageHeight}
	if r.ImageURL != "" {
		out.ImageURL = "https://" + r.ImageURL
	}
	return out, nil
}
