package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/parleychat/parley/internal/notify"
	"github.com/parleychat/parley/internal/rtm"
	"github.com/parleychat/parley/protocol"
)

// State is the client's connection state.
type State int

const (
	// StateConnecting: connecting or logging in for the first time.
	StateConnecting State = iota
	// StateConnected: logged in; requests go out at once.
	StateConnected
	// StateReconnecting: the connection was lost; the client is connecting
	// again. Requests wait for it, up to their ctx.
	StateReconnecting
	// StateNotConnected: Config.ManualConnect and Connect not called yet.
	// Requests fail with ErrNotConnected.
	StateNotConnected
	// StateClosed: Close was called or the server ended the session for
	// good. Requests fail with ErrClosed.
	StateClosed
)

func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	case StateReconnecting:
		return "reconnecting"
	case StateNotConnected:
		return "not connected"
	case StateClosed:
		return "closed"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Client is an agent's connection to a chat server. It is safe for use by
// many goroutines. Create it with New; release it with Close.
type Client struct {
	cfg  Config
	auth *auth
	eng  *rtm.Engine
	d    *notify.Dispatcher[Notification]

	// pushMu serializes turning pushes into notifications: the reader's
	// pushes and the login's replay. Handlers never take it.
	pushMu    sync.Mutex
	loggingIn bool
	queued    []rtm.Frame

	mu            sync.Mutex // guards what follows; never held while emitting
	closed        bool
	ended         chan struct{} // closed when a final disconnect has stopped the client
	everConnected bool
	profile       Agent
	track         tracker
}

// New validates cfg and returns a client that connects in the background
// (unless cfg.ManualConnect): it logs in (first with Email and Password
// when there is no Token) and emits Connected. Methods called before the
// connection is up wait for it, up to their ctx.
func New(cfg Config) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg, d: newDispatcher(cfg.NotificationBuffer)}
	c.auth = newAuth(&c.cfg)
	c.track.init()
	c.eng = rtm.New(rtm.Config{
		URL: cfg.rtmURL(), HTTPClient: cfg.HTTPClient, Login: c.login, OnPush: c.onPush, OnState: c.onState,
		ReconnectDelay: cfg.ReconnectDelay, Logger: cfg.Logger,
	})
	if !cfg.ManualConnect {
		if err := c.eng.Start(); err != nil {
			c.d.Stop(false)
			return nil, wrapErr(err)
		}
	}
	return c, nil
}

// Connect starts the connection of a client made with
// Config.ManualConnect. It returns at once; the client connects in the
// background. Calling it again is harmless.
func (c *Client) Connect() error {
	if c.isClosed() {
		return ErrClosed
	}
	return wrapErr(c.eng.Start())
}

// State returns the connection state.
func (c *Client) State() State {
	if c.isClosed() {
		return StateClosed
	}
	switch c.eng.State() {
	case rtm.Connected:
		return StateConnected
	case rtm.Reconnecting:
		return StateReconnecting
	case rtm.Disconnected:
		return StateNotConnected
	case rtm.Closed:
		return StateClosed
	}
	return StateConnecting
}

// MyProfile returns the logged-in agent as the last login reported it
// (zero before the first login).
func (c *Client) MyProfile() Agent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.profile
}

// Close closes the connection, stops every goroutine of the client and
// removes all handlers; requests in flight fail with ErrConnectionLost and
// every later call with ErrClosed. It is idempotent. Do not call it from a
// handler (use a goroutine): it waits for the running handler to return.
func (c *Client) Close() {
	c.mu.Lock()
	if c.closed {
		ended := c.ended
		c.mu.Unlock()
		if ended != nil {
			// Ended by the server: wait for that to finish, handlers
			// included.
			<-ended
			c.d.Stop(false)
		}
		return
	}
	c.closed = true
	c.mu.Unlock()
	c.eng.Stop(true)
	c.d.Stop(false)
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// call sends a request and waits for its answer: the response, or the
// first push of one of the actions resolveOn that carries the request's id.
func (c *Client) call(ctx context.Context, action string, payload any, resolveOn ...string) (rtm.Frame, error) {
	if c.isClosed() {
		return rtm.Frame{}, fmt.Errorf("%s: %w", action, ErrClosed)
	}
	var opts rtm.CallOptions
	if len(resolveOn) > 0 {
		opts.ResolveOn = func(a string) bool { return slices.Contains(resolveOn, a) }
	}
	f, err := c.eng.Call(ctx, action, payload, opts)
	if err != nil {
		return f, fmt.Errorf("%s: %w", action, wrapErr(err))
	}
	return f, nil
}

// callInto is call plus decoding the answer's payload into v (unless nil).
func (c *Client) callInto(ctx context.Context, action string, payload, v any) error {
	f, err := c.call(ctx, action, payload)
	if err != nil || v == nil {
		return err
	}
	if err := json.Unmarshal(f.Payload, v); err != nil {
		return fmt.Errorf("%s: decode answer: %w", action, err)
	}
	return nil
}

func (c *Client) onState(st rtm.State, err error) {
	if st != rtm.Reconnecting {
		return
	}
	c.mu.Lock()
	was := c.everConnected && !c.closed
	c.mu.Unlock()
	if was && !errors.Is(err, errLoginFailed) {
		c.d.Emit(ConnectionLost{Err: err})
	}
}

var errLoginFailed = errors.New("login failed")

// login runs on every new connection: token, login, the first page of
// chats, then Connected or ConnectionRestored, what was missed while away,
// and the pushes that arrived meanwhile.
func (c *Client) login(ctx context.Context, sess *rtm.Session) (err error) {
	c.pushMu.Lock()
	c.loggingIn, c.queued = true, nil
	c.pushMu.Unlock()
	defer func() {
		if err != nil {
			c.pushMu.Lock()
			c.loggingIn, c.queued = false, nil
			c.pushMu.Unlock()
			err = fmt.Errorf("%w: %w", errLoginFailed, err)
		}
	}()

	lr, err := c.logIn(ctx, sess)
	if err != nil {
		return err
	}
	profile := fromProfile(lr.MyProfile)
	c.mu.Lock()
	c.profile = profile
	restored := c.everConnected
	c.mu.Unlock()

	sum, err := c.firstPage(ctx, sess)
	if err != nil {
		return err
	}
	var missed []Notification
	if restored {
		if missed, err = c.recover(ctx, sess, sum); err != nil {
			return err
		}
	} else {
		c.track.known(sum.ChatsSummary)
	}

	c.pushMu.Lock()
	defer c.pushMu.Unlock()
	c.mu.Lock()
	c.everConnected = true
	c.mu.Unlock()
	if restored {
		c.d.Emit(ConnectionRestored{MyProfile: profile, License: lr.License.ID, ChatsSummary: fromChatsSummary(sum)})
	} else {
		c.d.Emit(Connected{MyProfile: profile, License: lr.License.ID, ChatsSummary: fromChatsSummary(sum)})
	}
	// The pushes held meanwhile may repeat a thread recovery delivered.
	recovered := map[string]bool{}
	for _, n := range missed {
		if ic, ok := n.(IncomingChat); ok {
			recovered[c.track.thread(ic.Chat)] = true
		}
		c.d.Emit(n)
	}
	for _, f := range c.queued {
		c.handlePush(f, recovered)
	}
	c.loggingIn, c.queued = false, nil
	return nil
}

// logIn sends the login request with the current token. A token the
// server refuses is dropped and, with credentials, replaced at once; a
// refusal that no new attempt can fix ends the client.
func (c *Client) logIn(ctx context.Context, sess *rtm.Session) (protocol.AgentLoginResponse, error) {
	var lr protocol.AgentLoginResponse
	for attempt := 0; ; attempt++ {
		tok, err := c.auth.token(ctx)
		if err != nil {
			if errors.Is(err, ErrNoCredentials) || IsType(err, protocol.ErrAuthentication) || IsType(err, protocol.ErrValidation) {
				c.endFor(protocol.ErrAuthentication)
				return lr, &rtm.FinalError{Err: err}
			}
			return lr, err
		}
		f, err := sess.Call(ctx, protocol.ActionLogin, protocol.LoginRequest{Token: tok.TokenType + " " + tok.AccessToken}, rtm.CallOptions{})
		var pe *protocol.Error
		if errors.As(err, &pe) {
			switch pe.Type {
			case protocol.ErrAuthentication:
				c.auth.refuse(tok.AccessToken)
				if attempt == 0 && c.auth.canLogin() {
					continue
				}
				if !c.auth.canLogin() {
					c.endFor(pe.Type)
					return lr, &rtm.FinalError{Err: wrapErr(err)}
				}
			case protocol.ErrLicenseNotFound, protocol.ErrLicenseExpired, protocol.ErrUnsupportedVersion, protocol.ErrWrongProductVersion:
				c.endFor(pe.Type)
				return lr, &rtm.FinalError{Err: wrapErr(err)}
			}
		}
		if err != nil {
			return lr, wrapErr(err)
		}
		if err := json.Unmarshal(f.Payload, &lr); err != nil {
			return lr, fmt.Errorf("login: decode answer: %w", err)
		}
		return lr, nil
	}
}

// firstPage is the first page of list_chats, also what recovery starts
// from.
func (c *Client) firstPage(ctx context.Context, sess *rtm.Session) (protocol.ListChatsResponse, error) {
	var sum protocol.ListChatsResponse
	f, err := sess.Call(ctx, protocol.ActionListChats, listChatsRequest(0, recoverPage, nil), rtm.CallOptions{})
	if err != nil {
		return sum, wrapErr(err)
	}
	if err := json.Unmarshal(f.Payload, &sum); err != nil {
		return sum, fmt.Errorf("list_chats: decode answer: %w", err)
	}
	return sum, nil
}

// endFor ends the client for a final reason: AgentDisconnected{Final:
// true} is delivered to the handlers, then the client stops as by Close.
func (c *Client) endFor(reason string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	ended := make(chan struct{})
	c.ended = ended
	c.mu.Unlock()
	c.d.Emit(AgentDisconnected{Reason: reason, Final: true})
	c.d.EmitStop()
	// This may run on the engine's goroutines, which Stop waits for: stop
	// from apart. Close waits for it.
	go func() {
		defer close(ended)
		c.eng.Stop(true)
	}()
}

// onPush receives every push from the engine, in order.
func (c *Client) onPush(f rtm.Frame) {
	c.pushMu.Lock()
	defer c.pushMu.Unlock()
	if c.loggingIn {
		c.queued = append(c.queued, f)
		return
	}
	c.handlePush(f, nil)
}

// handlePush turns one push into notifications. A push that answered this
// client's own request (f.Resolved: the event SendEvent returns) updates
// the client's state but is not reported; nor is a thread whose signature
// is in skip (delivered by recovery just before).
func (c *Client) handlePush(f rtm.Frame, skip map[string]bool) {
	emit := func(n Notification) {
		if !f.Resolved {
			c.d.Emit(n)
		}
	}
	decode := func(v any) bool {
		if err := json.Unmarshal(f.Payload, v); err != nil {
			c.cfg.Logger.Warn("agent: undecodable push", "action", f.Action, "err", err)
			return false
		}
		return true
	}
	switch f.Action {
	case protocol.PushIncomingChatThread:
		var p protocol.IncomingChatThread
		if decode(&p) {
			ch := fromChatThread(p.Chat)
			if !skip[c.track.thread(ch)] {
				emit(IncomingChat{Chat: ch})
			}
		}
	case protocol.PushIncomingEvent:
		var p protocol.IncomingEvent
		if decode(&p) {
			e := fromEvent(p.Event, p.ThreadID)
			if c.track.advance(p.ChatID, e) {
				emit(IncomingEvent{Chat: p.ChatID, Event: e})
			}
		}
	case protocol.PushEventUpdated:
		var p protocol.IncomingEvent
		if decode(&p) {
			emit(EventUpdated{Chat: p.ChatID, Event: fromEvent(p.Event, p.ThreadID)})
		}
	case protocol.PushIncomingSneakPeek:
		var p protocol.IncomingSneakPeek
		if decode(&p) {
			emit(IncomingSneakPeek{Chat: p.ChatID, Thread: p.ThreadID, Author: p.SneakPeek.AuthorID, Text: p.SneakPeek.Text,
				Timestamp: fromUnix(p.SneakPeek.Timestamp)})
		}
	case protocol.PushIncomingTypingIndicator:
		var p protocol.IncomingTypingIndicator
		if decode(&p) {
			ti := p.TypingIndicator
			emit(IncomingTypingIndicator{Chat: p.ChatID, Thread: p.ThreadID, Author: ti.AuthorID, IsTyping: ti.IsTyping,
				Timestamp: fromUnix(ti.Timestamp)})
		}
	case protocol.PushThreadClosed:
		var p protocol.ThreadClosed
		if decode(&p) {
			emit(ThreadClosed{Chat: p.ChatID, Thread: p.ThreadID, User: p.UserID})
		}
	case protocol.PushChatUserAdded:
		var p protocol.ChatUserAdded
		if decode(&p) {
			emit(ChatUserAdded{Chat: p.ChatID, Thread: p.ThreadID, User: fromUser(p.User)})
		}
	case protocol.PushChatUserRemoved:
		var p protocol.ChatUserRemoved
		if decode(&p) {
			typ := UserType(p.UserType)
			if typ == "" {
				typ = AgentUser
			}
			emit(ChatUserRemoved{Chat: p.ChatID, Thread: p.ThreadID, User: p.UserID, UserType: typ})
		}
	case protocol.PushChatTransferred:
		var p protocol.ChatTransferred
		if decode(&p) {
			emit(fromTransferred(p))
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
	case protocol.PushLastSeenTimestampUpdated:
		var p protocol.LastSeenTimestampUpdated
		if decode(&p) {
			emit(LastSeenTimestampUpdated{Chat: p.ChatID, Thread: p.ThreadID, User: p.UserID, Timestamp: fromUnix(p.Timestamp)})
		}
	case protocol.PushCustomerUpdated:
		var p protocol.CustomerUpdated
		if decode(&p) {
			emit(CustomerUpdated{Customer: fromUser(p.Customer)})
		}
	case protocol.PushCustomerPageUpdated:
		var p protocol.CustomerPageUpdated
		if decode(&p) {
			emit(CustomerPageUpdated{Customer: p.CustomerID, Page: Page{URL: p.URL, Title: p.Title, Timestamp: fromUnix(p.Timestamp)}})
		}
	case protocol.PushIncomingRichMessagePostback:
		var p protocol.IncomingRichMessagePostback
		if decode(&p) {
			emit(IncomingRichMessagePostback{User: p.UserID, Chat: p.ChatID, Thread: p.ThreadID, Event: p.EventID,
				Postback: Postback{ID: p.Postback.ID, Toggled: p.Postback.Toggled}})
		}
	case protocol.PushRoutingStatusSet:
		var p protocol.RoutingStatusSet
		if decode(&p) {
			if p.AgentID == c.MyProfile().ID {
				c.mu.Lock()
				c.profile.RoutingStatus = RoutingStatus(p.Status)
				c.mu.Unlock()
			}
			emit(RoutingStatusSet{Agent: p.AgentID, Status: RoutingStatus(p.Status)})
		}
	case protocol.PushAgentDisconnected:
		var p protocol.CustomerDisconnected
		if decode(&p) {
			c.disconnected(p.Reason)
		}
	default:
		emit(UnknownPush{Action: f.Action, Payload: f.Payload})
	}
}

// disconnected handles agent_disconnected. The server closes the
// connection after it; the engine reconnects unless the reason is final.
func (c *Client) disconnected(reason string) {
	tokenGone := reason == protocol.ReasonAccessTokenExpired || isRevokedReason(reason)
	if tokenGone {
		if tok, ok := c.auth.current(); ok {
			c.auth.refuse(tok.AccessToken)
		}
	}
	if protocol.ReasonIsFinal(reason) || (tokenGone && !c.auth.canLogin()) {
		c.endFor(reason)
		return
	}
	c.d.Emit(AgentDisconnected{Reason: reason})
}

// isRevokedReason reports a reason saying the connection's token was
// revoked.
func isRevokedReason(reason string) bool {
	return reason == protocol.ReasonAccessTokenRevoked
}
