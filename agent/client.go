package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/parleychat/parley/internal/client"
	"github.com/parleychat/parley/internal/rtm"
	"github.com/parleychat/parley/protocol"
)

// State is the client's connection state. Its String is one of "connecting",
// "connected", "reconnecting", "disconnected" and "closed", the same for
// every Parley client.
type State = rtm.State

// The states, in the order a client goes through them.
const (
	// StateConnecting: connecting or logging in for the first time.
	StateConnecting = rtm.Connecting
	// StateConnected: logged in; requests go out at once.
	StateConnected = rtm.Connected
	// StateReconnecting: the connection was lost; the client is connecting
	// again. Requests wait for it, up to their ctx.
	StateReconnecting = rtm.Reconnecting
	// StateNotConnected: Config.ManualConnect and Connect not called yet.
	// Requests fail with ErrNotConnected.
	StateNotConnected = rtm.Disconnected
	// StateClosed: Close was called or the server ended the session for
	// good. Requests fail with ErrClosed.
	StateClosed = rtm.Closed
)

// Client is an agent's connection to a chat server. It is safe for use by
// many goroutines. Create it with New; release it with Close.
type Client struct {
	cfg  Config
	auth *auth
	core *client.Core[Notification]

	mu      sync.Mutex // guards what follows; never held while emitting
	profile Agent
	track   client.Tracker
}

// New validates cfg and returns a client that connects in the background
// (unless cfg.ManualConnect): it logs in (first with Email and Password
// when there is no Token) and emits Connected. Methods called before the
// connection is up wait for it, up to their ctx.
func New(cfg Config) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg}
	c.auth = newAuth(&c.cfg)
	c.core = client.New(client.Config[Notification]{
		Engine: rtm.Config{URL: cfg.rtmURL(), HTTPClient: cfg.HTTPClient, ReconnectDelay: cfg.ReconnectDelay, Logger: cfg.Logger},
		Login:  c.login,
		Push:   func(f protocol.Frame) { c.handlePush(f, nil) },
		Lost:   func(err error) Notification { return ConnectionLost{Err: err} },
		Errors: &errs, Buffer: cfg.NotificationBuffer,
		Unknown: func(n Notification) bool { _, ok := n.(UnknownPush); return ok },
	})
	if !cfg.ManualConnect {
		if err := c.core.Start(); err != nil {
			c.core.Close(false, nil)
			return nil, err
		}
	}
	return c, nil
}

// Connect starts the connection of a client made with
// Config.ManualConnect. It returns at once; the client connects in the
// background. Calling it again is harmless.
func (c *Client) Connect() error { return c.core.Start() }

// State returns the connection state.
func (c *Client) State() State { return c.core.State() }

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
func (c *Client) Close() { c.core.Close(false, nil) }

// call sends a request and waits for its answer: the response, or the
// first push of one of the actions resolveOn that carries the request's id.
func (c *Client) call(ctx context.Context, action string, payload any, resolveOn ...string) (protocol.Frame, error) {
	return c.core.Call(ctx, action, payload, resolveOn...)
}

// callInto is call plus decoding the answer's payload into v (unless nil).
func (c *Client) callInto(ctx context.Context, action string, payload, v any) error {
	return c.core.CallInto(ctx, action, payload, v)
}

// login runs on every new connection: token, login, the first page of
// chats, then Connected or ConnectionRestored, what was missed while away,
// and the pushes that arrived meanwhile.
func (c *Client) login(ctx context.Context, sess *rtm.Session) (func([]protocol.Frame), error) {
	lr, err := c.logIn(ctx, sess)
	if err != nil {
		return nil, err
	}
	profile := fromProfile(lr.MyProfile)
	c.mu.Lock()
	c.profile = profile
	c.mu.Unlock()
	restored := c.core.EverConnected()

	sum, err := c.firstPage(ctx, sess)
	if err != nil {
		return nil, err
	}
	var missed []Notification
	if restored {
		if missed, err = c.recover(ctx, sess, sum); err != nil {
			return nil, err
		}
	} else {
		c.known(sum.ChatsSummary...)
	}
	return func(held []protocol.Frame) {
		if restored {
			c.core.Emit(ConnectionRestored{MyProfile: profile, License: lr.License.ID, ChatsSummary: fromChatsSummary(sum)})
		} else {
			c.core.Emit(Connected{MyProfile: profile, License: lr.License.ID, ChatsSummary: fromChatsSummary(sum)})
		}
		// The pushes held meanwhile may repeat a thread recovery delivered.
		recovered := map[string]bool{}
		for _, n := range missed {
			if ic, ok := n.(IncomingChat); ok {
				recovered[c.thread(ic.Chat)] = true
			}
			c.core.Emit(n)
		}
		for _, f := range held {
			c.handlePush(f, recovered)
		}
	}, nil
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
				c.endFor(protocol.ErrAuthentication, err)
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
					c.endFor(pe.Type, errs.Wrap(err))
					return lr, &rtm.FinalError{Err: errs.Wrap(err)}
				}
			case protocol.ErrLicenseNotFound, protocol.ErrLicenseExpired, protocol.ErrUnsupportedVersion, protocol.ErrWrongProductVersion:
				c.endFor(pe.Type, errs.Wrap(err))
				return lr, &rtm.FinalError{Err: errs.Wrap(err)}
			}
		}
		if err != nil {
			return lr, errs.Wrap(err)
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
		return sum, errs.Wrap(err)
	}
	if err := json.Unmarshal(f.Payload, &sum); err != nil {
		return sum, fmt.Errorf("list_chats: decode answer: %w", err)
	}
	return sum, nil
}

// endFor ends the client for a final reason: AgentDisconnected{Final:
// true} is delivered to the handlers, then the client stops as by Close.
// Later calls fail with ErrClosed wrapping cause.
func (c *Client) endFor(reason string, cause error) {
	c.core.End(AgentDisconnected{Reason: reason, Final: true}, cause, nil)
}

// handlePush turns one push into notifications. A push that answered this
// client's own request (f.Resolved: the event SendEvent returns) updates
// the client's state but is not reported; nor is a thread whose signature
// is in skip (delivered by recovery just before).
func (c *Client) handlePush(f protocol.Frame, skip map[string]bool) {
	emit := func(n Notification) {
		if !f.Resolved {
			c.core.Emit(n)
		}
	}
	decode := client.Decoder(f, c.cfg.Logger, "agent")
	switch f.Action {
	case protocol.PushIncomingChatThread:
		var p protocol.IncomingChatThread
		if decode(&p) {
			ch := fromChatThread(p.Chat)
			if !skip[c.thread(ch)] {
				emit(IncomingChat{Chat: ch})
			}
		}
	case protocol.PushIncomingEvent:
		var p protocol.IncomingEvent
		if decode(&p) {
			e := fromEvent(p.Event, p.ThreadID)
			if c.advance(p.ChatID, e) {
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
	case protocol.PushThreadTagged, protocol.PushThreadUntagged:
		var p protocol.ThreadTagged
		if decode(&p) {
			if f.Action == protocol.PushThreadTagged {
				emit(ThreadTagged{Chat: p.ChatID, Thread: p.ThreadID, Tag: p.Tag})
			} else {
				emit(ThreadUntagged{Chat: p.ChatID, Thread: p.ThreadID, Tag: p.Tag})
			}
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
		c.endFor(reason, errs.Server(reason, "disconnected by the server", nil))
		return
	}
	c.core.Emit(AgentDisconnected{Reason: reason})
}

// isRevokedReason reports a reason saying the connection's token was
// revoked.
func isRevokedReason(reason string) bool {
	return reason == protocol.ReasonAccessTokenRevoked
}
