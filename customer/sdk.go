package customer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/client"
	"github.com/parleychat/parley/internal/rtm"
	"github.com/parleychat/parley/protocol"
)

// State is the SDK's connection state. Its String is one of "connecting",
// "connected", "reconnecting", "disconnected" and "closed", the same for
// every Parley client.
type State = rtm.State

// The states, in the order an SDK goes through them.
const (
	// StateConnecting: connecting or logging in for the first time.
	StateConnecting = rtm.Connecting
	// StateConnected: logged in; requests go out at once.
	StateConnected = rtm.Connected
	// StateReconnecting: the connection was lost; the SDK is connecting
	// again. Requests wait for it, up to their ctx.
	StateReconnecting = rtm.Reconnecting
	// StateDisconnected: stopped by Disconnect (or ManualConnect); Connect
	// starts again. Requests fail with ErrNotConnected.
	StateDisconnected = rtm.Disconnected
	// StateDestroyed: Destroy was called or the server ended the session
	// for good. Requests fail with ErrDestroyed.
	StateDestroyed = rtm.Closed
)

// SDK is a customer's connection to a chat server: the Go counterpart of
// the object the JS SDK's init returns. It is safe for use by many
// goroutines. Create it with Init; release it with Destroy.
type SDK struct {
	cfg   Config
	auth  *Auth
	core  *client.Core[Notification]
	track client.Tracker

	mu         sync.Mutex // guards what follows; never held while emitting
	customerID string
	// live is true from the end of a login until the connection is lost:
	// customer changes then go to the server, else to offline.
	live    bool
	offline offlineCustomer
	page    *Page
	// active tells the chats the SDK knows of, whether each has an active
	// thread.
	active map[string]bool
	sneak  sneakPeeks
}

// offlineCustomer holds customer changes made while not connected; the
// next login carries them.
type offlineCustomer struct {
	name, email, avatar string
	fields              map[string]string
}

func (o offlineCustomer) empty() bool {
	return o.name == "" && o.email == "" && o.avatar == "" && o.fields == nil
}

func (o offlineCustomer) clone() offlineCustomer {
	o.fields = maps.Clone(o.fields)
	return o
}

// forget drops the changes that sent carried to the server; changes made
// since stay.
func (o *offlineCustomer) forget(sent offlineCustomer) {
	if o.name == sent.name {
		o.name = ""
	}
	if o.email == sent.email {
		o.email = ""
	}
	if o.avatar == sent.avatar {
		o.avatar = ""
	}
	if maps.Equal(o.fields, sent.fields) {
		o.fields = nil
	}
}

// Init validates cfg and returns an SDK that connects in the background
// (unless cfg.ManualConnect). Methods called before the connection is up
// wait for it, up to their ctx. Watch the connection with
// On(sdk, func(customer.Connected){…}); to be sure a handler sees the
// first notifications (CustomerID, Connected), set cfg.ManualConnect,
// subscribe, then call Connect.
func Init(cfg Config) (*SDK, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Page != nil {
		p := *cfg.Page
		cfg.Page = &p
	}
	s := &SDK{cfg: cfg, active: map[string]bool{}, page: cfg.Page}
	s.auth = &Auth{cfg: &s.cfg}
	s.sneak.init(s)
	s.core = client.New(client.Config[Notification]{
		Engine:  rtm.Config{URL: cfg.rtmURL(), HTTPClient: cfg.HTTPClient, ReconnectDelay: cfg.ReconnectDelay, Logger: cfg.Logger},
		Login:   s.login,
		Push:    s.handlePush,
		OnState: s.onState,
		Lost:    func(err error) Notification { return ConnectionLost{Err: err} },
		Retry: func(attempt int, delay time.Duration, err error) Notification {
			return Reconnecting{Attempt: attempt, Delay: delay, Err: err}
		},
		Errors: &errs, Buffer: cfg.NotificationBuffer,
		Unknown: func(n Notification) bool { _, ok := n.(UnknownPush); return ok },
	})
	if !cfg.ManualConnect {
		if err := s.core.Start(); err != nil {
			s.core.Close(false, nil)
			return nil, err
		}
	}
	return s, nil
}

// Auth returns the SDK's token source.
func (s *SDK) Auth() *Auth { return s.auth }

// State returns the connection state.
func (s *SDK) State() State {
	s.mu.Lock()
	live := s.live
	s.mu.Unlock()
	st := s.core.State()
	if live && (st == rtm.Connecting || st == rtm.Reconnecting) {
		// Logged in, and Connected or ConnectionRestored may be in the
		// handlers already; the engine is about to say so too.
		return StateConnected
	}
	return st
}

// CustomerID returns the customer's id ("" before the first token).
func (s *SDK) CustomerID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.customerID
}

// Connect opens the connection after Disconnect or with ManualConnect.
// The next login emits ConnectionRestored (Connected the first time).
func (s *SDK) Connect() error { return s.core.Start() }

// Disconnect closes the connection and stops reconnecting; requests fail
// with ErrNotConnected until Connect. It emits nothing.
func (s *SDK) Disconnect() {
	s.core.Engine.Stop(false)
}

// Destroy closes the connection, stops every goroutine of the SDK and
// removes all handlers. Every later call fails with ErrDestroyed. It is
// idempotent; do not call it from a handler (use a goroutine).
func (s *SDK) Destroy() { s.core.Close(false, s.sneak.stop) }

// call sends a request and waits for its answer.
func (s *SDK) call(ctx context.Context, action string, payload any, resolveOn ...string) (protocol.Frame, error) {
	return s.core.Call(ctx, action, payload, resolveOn...)
}

// callInto is call plus decoding the payload into v.
func (s *SDK) callInto(ctx context.Context, action string, payload, v any, resolveOn ...string) error {
	return s.core.CallInto(ctx, action, payload, v, resolveOn...)
}

func (s *SDK) onState(st rtm.State) {
	if st != rtm.Connected {
		s.mu.Lock()
		s.live = false
		s.mu.Unlock()
	}
}

// login runs on every new connection: token, login, chats summary, then
// Connected or ConnectionRestored, the events missed while away, and the
// pushes that arrived meanwhile.
func (s *SDK) login(ctx context.Context, sess *rtm.Session) (func([]protocol.Frame), error) {
	tok, err := s.auth.GetToken(ctx)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Type != "server_error" && e.Type != "temporarily_unavailable" {
			s.endFor(e.Type, nil, err)
			return nil, &rtm.FinalError{Err: err}
		}
		return nil, err
	}
	s.mu.Lock()
	first := s.customerID == ""
	if first {
		s.customerID = tok.EntityID
	}
	payload := s.loginPayloadLocked(ctx, tok)
	sent, sentPage := s.offline.clone(), s.page
	s.mu.Unlock()
	if first {
		s.core.Emit(CustomerID{ID: tok.EntityID})
	}

	lf, err := sess.Call(ctx, protocol.ActionLogin, payload, rtm.CallOptions{})
	if err != nil {
		var pe *protocol.Error
		if errors.As(err, &pe) {
			switch pe.Type {
			case protocol.ErrAuthentication:
				_, _ = s.auth.GetFreshToken(ctx)
			case protocol.ErrUsersLimitReached, protocol.ErrWrongProductVersion, protocol.ErrCustomerBanned, protocol.ErrLicenseNotFound,
				// The customer data sent at login (Config.Customer, Page,
				// Referrer and what was set while offline) is refused: the
				// same login would be refused again.
				protocol.ErrValidation:
				s.endFor(pe.Type, nil, errs.Wrap(err))
				return nil, &rtm.FinalError{Err: errs.Wrap(err)}
			}
		}
		return nil, errs.Wrap(err)
	}
	s.mu.Lock()
	s.offline.forget(sent)
	s.mu.Unlock()
	var lr struct {
		DynamicConfig json.RawMessage `json:"__priv_dynamic_config"`
	}
	_ = json.Unmarshal(lf.Payload, &lr)

	sf, err := sess.Call(ctx, protocol.ActionGetChatsSummary, nil, rtm.CallOptions{})
	if err != nil {
		return nil, errs.Wrap(err)
	}
	var sum protocol.ChatsSummaryResponse
	if err := json.Unmarshal(sf.Payload, &sum); err != nil {
		return nil, fmt.Errorf("chats summary: %w", err)
	}
	recovered, err := s.recover(ctx, sess, sum)
	if err != nil {
		return nil, err
	}
	if err := s.sendChanges(ctx, sess, sentPage); err != nil {
		return nil, err
	}
	restored := s.core.EverConnected()
	return func(held []protocol.Frame) {
		s.emitUsers(sum)
		if restored {
			s.core.Emit(ConnectionRestored{ChatsSummary: fromChatsSummary(sum), DynamicConfig: lr.DynamicConfig})
		} else {
			s.core.Emit(Connected{ChatsSummary: fromChatsSummary(sum), DynamicConfig: lr.DynamicConfig})
		}
		for _, n := range recovered {
			s.core.Emit(n)
		}
		for _, f := range held {
			s.handlePush(f)
		}
	}, nil
}

// sendChanges sends the customer changes made while the login was under
// way (it carried the earlier ones), then lets later changes go straight
// to the server. page is the page the login carried.
func (s *SDK) sendChanges(ctx context.Context, sess *rtm.Session, page *Page) error {
	for {
		s.mu.Lock()
		o, p := s.offline.clone(), s.page
		if o.empty() && p == page {
			s.live = true
			s.mu.Unlock()
			return nil
		}
		s.mu.Unlock()
		var err error
		if !o.empty() {
			req := protocol.UpdateCustomerRequest{Name: nonEmpty(o.name), Email: nonEmpty(o.email), Avatar: nonEmpty(o.avatar), Fields: o.fields}
			_, err = sess.Call(ctx, protocol.ActionUpdateCustomer, req, rtm.CallOptions{ResolveOn: isAction(protocol.PushCustomerUpdated)})
		} else {
			_, err = sess.Call(ctx, protocol.ActionUpdateCustomerPage, protocol.Page{URL: p.URL, Title: p.Title},
				rtm.CallOptions{ResolveOn: isAction(protocol.PushCustomerPageUpdated)})
		}
		var pe *protocol.Error
		switch {
		case errors.As(err, &pe):
			// Refused: sending it again at every login would not help.
			s.cfg.Logger.Warn("customer: a change made while connecting was refused", "err", err)
		case err != nil:
			return errs.Wrap(err) // the next login carries it
		}
		if !o.empty() {
			s.mu.Lock()
			s.offline.forget(o)
			s.mu.Unlock()
		} else {
			page = p
		}
	}
}

func isAction(action string) func(string) bool {
	return func(a string) bool { return a == action }
}

// endFor ends the SDK for a final reason: Disconnected{Final: true} is
// delivered to the handlers, then the SDK destroys itself. Later calls
// fail with ErrDestroyed wrapping cause.
func (s *SDK) endFor(reason string, data map[string]any, cause error) {
	s.core.End(Disconnected{Reason: reason, Data: data, Final: true, Err: cause}, cause, s.sneak.stop)
}

func (s *SDK) loginPayloadLocked(ctx context.Context, tok Token) protocol.LoginRequest {
	p := protocol.LoginRequest{Token: tok.TokenType + " " + tok.AccessToken, Customer: &protocol.LoginCustomer{}, Referrer: s.cfg.Referrer}
	ever := s.core.EverConnected()
	c := s.cfg.Customer
	name, email := c.Name, c.Email
	fields := c.Fields
	if !ever || s.offline.name != "" || s.offline.email != "" || s.offline.fields != nil {
		if s.offline.name != "" {
			name = s.offline.name
		}
		if s.offline.email != "" {
			email = s.offline.email
		}
		if s.offline.fields != nil {
			fields = s.offline.fields
		}
		if !ever || s.offline.name != "" {
			p.Customer.Name = nonEmpty(name)
		}
		if !ever || s.offline.email != "" {
			p.Customer.Email = nonEmpty(email)
		}
		if !ever || s.offline.fields != nil {
			p.Customer.Fields = fields
		}
		p.Customer.Avatar = nonEmpty(s.offline.avatar)
	}
	if s.cfg.Group != 0 {
		g := s.cfg.Group
		p.GroupID = &g
	}
	if s.page != nil {
		p.CustomerPage = &protocol.Page{URL: s.page.URL, Title: s.page.Title}
	}
	if id, err := s.cfg.Identity.Load(ctx); err == nil {
		p.CustomerSideStorage = id.SideStorage
	}
	return p
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *SDK) emitUsers(sum protocol.ChatsSummaryResponse) {
	seen := map[string]bool{}
	for _, c := range sum.ChatsSummary {
		for _, u := range c.Users {
			if !seen[u.ID] {
				seen[u.ID] = true
				s.core.Emit(UserData{User: fromUser(u)})
			}
		}
	}
}

// recover finds the events of known chats stored while the SDK was away
// and returns them as notifications, in store order. It also records what
// the summary says about every chat, so that nothing older is delivered
// later.
func (s *SDK) recover(ctx context.Context, sess *rtm.Session, sum protocol.ChatsSummaryResponse) ([]Notification, error) {
	var out []Notification
	for _, c := range sum.ChatsSummary {
		latest := s.track.Latest(c.LastEventPerType)
		s.mu.Lock()
		_, known := s.active[c.ID]
		s.active[c.ID] = c.Active
		s.mu.Unlock()
		from, _ := s.track.Last(c.ID)
		if known && from.Before(latest) {
			ns, last, err := s.missed(ctx, sess, c.ID, from)
			if err != nil {
				return nil, err
			}
			out = append(out, ns...)
			// The threads may hold events stored after the summary;
			// their pushes, queued meanwhile, must not deliver them again.
			if latest.Before(last) {
				latest = last
			}
		}
		s.track.Raise(c.ID, latest)
	}
	return out, nil
}

// missed loads a chat's events after from; last is the position of the
// newest of them.
func (s *SDK) missed(ctx context.Context, sess *rtm.Session, chatID string, from client.Mark) (_ []Notification, last client.Mark, _ error) {
	chat, err := s.track.Missed(ctx, sess, &errs, chatID, from)
	if err != nil {
		return nil, last, err
	}
	var out []Notification
	for _, t := range chat.Threads {
		if t.Order > from.Thread {
			out = append(out, threadSummaryOf(t, chatID))
		}
		for _, e := range fromThread(t, chatID, chat.Users).Events {
			if m := (client.Mark{Thread: t.Order, Event: e.order}); from.Before(m) {
				out = append(out, NewEvent{Chat: chatID, Event: e})
				last = m
			}
		}
	}
	return out, last, nil
}

// advance records that the chat's event e was delivered or is known; it
// reports false when e is not newer than what was (a duplicate).
func (s *SDK) advance(chatID string, e Event) bool {
	s.mu.Lock()
	if _, ok := s.active[chatID]; !ok {
		s.active[chatID] = false
	}
	s.mu.Unlock()
	return s.track.Advance(chatID, e.Thread, e.order, e.Timestamp.Unix())
}

func (s *SDK) setActive(chatID string, active bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active[chatID] = active
}

func (s *SDK) isActive(chatID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active[chatID]
}

// handlePush turns one push into notifications. A push that answered this
// SDK's own request (f.Resolved) updates the SDK's state but is not
// reported, as in the JS SDK; the method returned it instead.
func (s *SDK) handlePush(f protocol.Frame) {
	emit := func(n Notification) {
		if !f.Resolved {
			s.core.Emit(n)
		}
	}
	decode := client.Decoder(f, s.cfg.Logger, "customer")
	switch f.Action {
	case protocol.PushIncomingChatThread:
		var p protocol.IncomingChatThread
		if decode(&p) {
			s.chatThread(p.Chat, f.Resolved)
		}
	case protocol.PushIncomingEvent:
		var p protocol.IncomingEvent
		if decode(&p) {
			e := fromEvent(p.Event, p.ThreadID)
			if s.advance(p.ChatID, e) {
				emit(NewEvent{Chat: p.ChatID, Event: e})
			}
		}
	case protocol.PushIncomingTypingIndicator:
		var p protocol.IncomingTypingIndicator
		if decode(&p) {
			if p.TypingIndicator.IsTyping {
				emit(UserIsTyping{Chat: p.ChatID, User: p.TypingIndicator.AuthorID})
			} else {
				emit(UserStoppedTyping{Chat: p.ChatID, User: p.TypingIndicator.AuthorID})
			}
		}
	case protocol.PushThreadClosed:
		var p protocol.ThreadClosed
		if decode(&p) {
			s.setActive(p.ChatID, false)
			emit(ThreadClosed{Chat: p.ChatID})
		}
	case protocol.PushChatUserAdded:
		var p protocol.ChatUserAdded
		if decode(&p) {
			emit(UserData{User: fromUser(p.User)})
			emit(UserJoinedChat{Chat: p.ChatID, User: p.User.ID})
		}
	case protocol.PushChatUserRemoved:
		var p protocol.ChatUserRemoved
		if decode(&p) {
			emit(UserLeftChat{Chat: p.ChatID, User: p.UserID})
		}
	case protocol.PushChatPropertiesUpdated, protocol.PushChatThreadPropertiesUpdated, protocol.PushEventPropertiesUpdated:
		var p protocol.PropertiesUpdated
		if decode(&p) {
			props := unwrap(p.Properties)
			switch f.Action {
			case protocol.PushChatPropertiesUpdated:
				emit(ChatPropertiesUpdated{Chat: p.ChatID, Properties: props})
			case protocol.PushChatThreadPropertiesUpdated:
				emit(ChatThreadPropertiesUpdated{Chat: p.ChatID, Thread: p.ThreadID, Properties: props})
			default:
				emit(EventPropertiesUpdated{Chat: p.ChatID, Thread: p.ThreadID, Event: p.EventID, Properties: props})
			}
		}
	case protocol.PushChatPropertiesDeleted, protocol.PushChatThreadPropertiesDeleted, protocol.PushEventPropertiesDeleted:
		var p protocol.PropertiesDeleted
		if decode(&p) {
			names := map[string][]string(p.Properties)
			switch f.Action {
			case protocol.PushChatPropertiesDeleted:
				emit(ChatPropertiesDeleted{Chat: p.ChatID, Properties: names})
			case protocol.PushChatThreadPropertiesDeleted:
				emit(ChatThreadPropertiesDeleted{Chat: p.ChatID, Thread: p.ThreadID, Properties: names})
			default:
				emit(EventPropertiesDeleted{Chat: p.ChatID, Thread: p.ThreadID, Event: p.EventID, Properties: names})
			}
		}
	case protocol.PushEventUpdated:
		var p protocol.IncomingEvent
		if decode(&p) {
			emit(EventUpdated{Chat: p.ChatID, Thread: p.ThreadID, Event: fromEvent(p.Event, p.ThreadID)})
		}
	case protocol.PushLastSeenTimestampUpdated:
		var p protocol.LastSeenTimestampUpdated
		if decode(&p) {
			emit(LastSeenTimestampUpdated{Chat: p.ChatID, User: p.UserID, Timestamp: fromUnix(p.Timestamp)})
		}
	case protocol.PushCustomerUpdated:
		var p protocol.CustomerUpdated
		if decode(&p) {
			emit(CustomerUpdated{Customer: fromUser(p.Customer)})
		}
	case protocol.PushCustomerPageUpdated:
		var p protocol.CustomerPageUpdated
		if decode(&p) {
			emit(CustomerPageUpdated{URL: p.URL, Title: p.Title, Timestamp: fromUnix(p.Timestamp)})
		}
	case protocol.PushCustomerSideStorageUpdated:
		var p protocol.CustomerSideStorageUpdated
		if decode(&p) {
			s.auth.update(context.Background(), func(id *Identity) { id.SideStorage = p.CustomerSideStorage })
		}
	case protocol.PushCustomerDisconnected:
		var p protocol.CustomerDisconnected
		if decode(&p) {
			if p.Reason == protocol.ReasonAccessTokenExpired {
				// Reconnect with a fresh token rather than have the
				// expired one refused first.
				s.auth.forget()
			}
			if protocol.ReasonIsFinal(p.Reason) {
				s.endFor(p.Reason, p.Data, &Error{Type: p.Reason, Message: "disconnected by the server", Data: p.Data})
			} else {
				s.core.Emit(Disconnected{Reason: p.Reason, Data: p.Data})
			}
		}
	case protocol.PushIncomingRichMessagePostback:
		var p protocol.IncomingRichMessagePostback
		if decode(&p) {
			emit(IncomingRichMessagePostback{User: p.UserID, Chat: p.ChatID, Thread: p.ThreadID, Event: p.EventID,
				Postback: Postback{ID: p.Postback.ID, Toggled: &p.Postback.Toggled}})
		}
	case protocol.PushQueuePositionUpdated:
		var p protocol.QueuePositionUpdated
		if decode(&p) {
			emit(QueuePositionUpdated{Chat: p.ChatID, Thread: p.ThreadID, Position: p.Queue.Position,
				WaitTime: time.Duration(p.Queue.WaitTime) * time.Second})
		}
	default:
		emit(UnknownPush{Action: f.Action, Payload: f.Payload})
	}
}

// chatThread handles a new thread: the chat is active; the users, the
// thread's summary, who joined, and each event not yet delivered are
// reported. For the SDK's own start, activation or send (resolved), the
// customer's own events are not reported as NewEvent.
func (s *SDK) chatThread(c protocol.ChatThread, resolved bool) {
	s.setActive(c.ID, true)
	s.track.NoteThread(c.Thread.ID, c.Thread.Order)
	for _, u := range c.Users {
		s.core.Emit(UserData{User: fromUser(u)})
	}
	s.core.Emit(threadSummaryOf(c.Thread, c.ID))
	for _, id := range c.Thread.UserIDs {
		s.core.Emit(UserJoinedChat{Chat: c.ID, User: id})
	}
	me := s.CustomerID()
	for _, e := range fromThread(c.Thread, c.ID, c.Users).Events {
		if !s.advance(c.ID, e) || (resolved && e.Author == me) {
			continue
		}
		s.core.Emit(NewEvent{Chat: c.ID, Event: e})
	}
}
