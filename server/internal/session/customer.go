package session

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/protocol/v35"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
)

// customerHandlers maps every Customer Chat API v3.0 action to its handler.
var customerHandlers map[string]handlerFunc

func init() {
	customerHandlers = map[string]handlerFunc{
		protocol.ActionLogin:                      (*session).customerLogin,
		protocol.ActionGetChatsSummary:            (*session).getChatsSummary,
		protocol.ActionGetChatThreadsSummary:      (*session).getChatThreadsSummary,
		protocol.ActionGetChatThreads:             (*session).getChatThreads,
		protocol.ActionStartChat:                  (*session).startChat,
		protocol.ActionActivateChat:               (*session).activateChat,
		protocol.ActionSendEvent:                  (*session).sendEvent,
		protocol.ActionSendRichMessagePostback:    (*session).sendPostback,
		protocol.ActionSendSneakPeek:              (*session).sendSneakPeek,
		protocol.ActionCloseThread:                (*session).closeThread,
		protocol.ActionUpdateChatProperties:       (*session).updateProperties,
		protocol.ActionUpdateChatThreadProperties: (*session).updateProperties,
		protocol.ActionUpdateEventProperties:      (*session).updateProperties,
		protocol.ActionDeleteChatProperties:       (*session).deleteProperties,
		protocol.ActionDeleteChatThreadProperties: (*session).deleteProperties,
		protocol.ActionDeleteEventProperties:      (*session).deleteProperties,
		protocol.ActionUpdateCustomer:             (*session).updateCustomer,
		protocol.ActionUpdateCustomerPage:         (*session).updateCustomerPage,
		protocol.ActionSetCustomerFields:          (*session).setCustomerFields,
		protocol.ActionUpdateLastSeenTimestamp:    (*session).updateLastSeen,
		protocol.ActionGetPredictedAgent:          (*session).getPredictedAgent,
		protocol.ActionGetForm:                    (*session).getForm,
		protocol.ActionGetGroupsStatus:            (*session).getGroupsStatus,
		protocol.ActionGetURLDetails:              (*session).getURLDetails,
	}
}

// authError turns a failed token check into the error the client gets.
// Store failures pass through (the client gets an internal error).
func (s *session) authError(err error) error {
	switch {
	case errors.Is(err, auth.ErrNotBearer):
		return protocol.Errorf(protocol.ErrAuthentication, "token must be \"Bearer <access token>\"")
	case errors.Is(err, auth.ErrTokenExpired):
		return protocol.Errorf(protocol.ErrAuthentication, "access token expired")
	case errors.Is(err, auth.ErrTokenInvalid):
		return protocol.Errorf(protocol.ErrAuthentication, "invalid access token")
	case errors.Is(err, auth.ErrWrongKind):
		return protocol.Errorf(protocol.ErrAuthentication, "not a "+string(s.role)+" token")
	case errors.Is(err, auth.ErrTokenRevoked):
		return protocol.Errorf(protocol.ErrAuthentication, "access token revoked")
	case errors.Is(err, auth.ErrUnknownAgent):
		return protocol.Errorf(protocol.ErrAuthentication, "agent not found")
	}
	return err
}

func (s *session) customerLogin(ctx context.Context, req protocol.Request) (any, error) {
	if err := s.loginAgain(); err != nil {
		return nil, err
	}
	var p protocol.LoginRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	in := chat.LoginInfo{GroupID: p.GroupID}
	if c := p.Customer; c != nil {
		in.Name, in.Email, in.Avatar, in.Fields = c.Name, c.Email, c.Avatar, c.Fields
	}
	cu, err := s.loginCustomer(ctx, p.Token, in, p.CustomerPage, p.Referrer)
	if err != nil || cu == nil {
		return noResponse, err
	}

	resp := protocol.LoginResponse{CustomerID: cu.ID, Chats: []protocol.LoginChat{}}
	chats, err := s.srv.cfg.Service.CustomerChats(ctx, s.actor)
	if err == nil {
		for _, c := range chats {
			resp.Chats = append(resp.Chats, protocol.LoginChat{ChatID: c.ID})
			resp.HasActiveThread = resp.HasActiveThread || c.Active
		}
	}
	dc := &protocol.DynamicConfig{
		CustomerData: protocol.DynamicCustomerData{Name: cu.Name, LastVisitTimestamp: unix(cu.LastVisit),
			VisitsCount: cu.Visits, PageViewsCount: cu.Visits, ChatsCount: len(chats), Fields: cu.Fields, GroupID: cu.GroupID},
		OnlineGroupIDs:   s.onlineGroups(ctx),
		GlobalProperties: map[string]any{},
	}
	if dc.CustomerData.Fields == nil {
		dc.CustomerData.Fields = map[string]string{}
	}
	resp.PrivDynamicConfig = dc
	if !resp.HasActiveThread {
		return resp, nil
	}
	return s.answerTellingPlaces(ctx, req, resp, chats)
}

// answerTellingPlaces answers a customer's login (every dialect's) with
// resp, then tells the connection the places of the customer's queued
// chats among chats: pushes come after the login's answer.
func (s *session) answerTellingPlaces(ctx context.Context, req protocol.Request, resp any, chats []chat.Chat) (any, error) {
	b, err := protocol.Response(req.RequestID, req.Action, resp)
	if err != nil {
		return nil, err
	}
	s.answer(b)
	s.srv.cfg.Service.TellQueuePlaces(ctx, chats)
	return noResponse, nil
}

// loginCustomer is the login of a customer in every dialect: it checks
// the token (and that it is of the connection's license), counts the
// connection under the customer's limit, records the visit and subscribes
// the session to the customer's topic. A nil customer without error: the
// connection was refused (too many of the customer's) and is closing; the
// login gets no answer.
func (s *session) loginCustomer(ctx context.Context, token string, in chat.LoginInfo, page *protocol.Page, referrer string) (*chat.Customer, error) {
	cl, err := s.srv.cfg.Signer.VerifyBearer(token, auth.KindCustomer, s.srv.cfg.Now())
	if err != nil {
		return nil, s.authError(err)
	}
	if q := s.info.LicenseID; q != "" && q != strconv.Itoa(cl.LicenseID) {
		return nil, protocol.Errorf(protocol.ErrAuthentication, "token is not valid for license "+q)
	}
	if !s.acquireCustomer(strconv.Itoa(cl.LicenseID) + "/" + cl.Subject) {
		s.log().Info("too many connections of this customer", "license", cl.LicenseID, "customer", cl.Subject,
			"max", s.srv.cfg.Limits.ConnsPerCustomer)
		s.tooManyConns()
		return nil, nil
	}
	if page != nil {
		in.Page = &chat.Page{URL: page.URL, Title: page.Title}
	}
	if referrer != "" {
		in.Referrer = &referrer
	}
	cu, err := s.srv.cfg.Service.LoginCustomer(ctx, cl.LicenseID, cl.Subject, in)
	switch {
	case errors.Is(err, chat.ErrNotFound):
		return nil, protocol.Errorf(protocol.ErrLicenseNotFound, "license not found")
	case err != nil:
		return nil, err
	}
	s.actor = chat.Actor{LicenseID: cl.LicenseID, UserID: cl.Subject, Type: chat.UserCustomer}
	if err := s.subscribe(ctx, userTopic(cl.LicenseID, cl.Subject)); err != nil {
		return nil, err
	}
	s.expires.Store(cl.ExpiresAt.UnixNano())
	s.loggedInAs(cl.LicenseID, "customer", cl.Subject)
	return &cu, nil
}

// loginAgain refuses a second login on a connection.
func (s *session) loginAgain() error {
	if s.loggedIn.Load() {
		return protocol.Errorf(protocol.ErrValidation, "already logged in")
	}
	return nil
}

// onlineGroups lists the license's groups that take chats now, in order.
// A group whose agents are all busy still takes chats: they wait in its
// queue.
func (s *session) onlineGroups(ctx context.Context) []int {
	ids := []int{}
	if st, err := s.srv.cfg.Service.GroupsStatus(ctx, s.actor, nil); err == nil {
		for id, status := range st {
			if status != chat.GroupOffline {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
	}
	return ids
}

// actorFor is the session's actor for one request.
//
// The pushes the request causes are tagged with its request id for this
// connection. In v3.5 only those that answer the request are (the
// incoming_chat of start_chat and resume_chat, the incoming_event or
// incoming_chat of send_event): the JS SDK 4 takes any incoming_chat or
// incoming_event carrying a request id as that request's answer, so the
// system message that deactivate_chat adds, tagged, would resolve
// deactivate_chat and make its real response throw. The requester gets
// the other pushes as everyone else does.
func (s *session) actorFor(req protocol.Request) chat.Actor {
	a := s.actor
	a.Origin = chat.Origin{ConnID: s.id, RequestID: req.RequestID}
	if s.info.Dialect == DialectV35 && !v35.PushResolved(req.Action) {
		a.Origin.RequestID = ""
	}
	return a
}

func pagination(p protocol.Pagination) (offset, limit int) {
	if p.Offset != nil {
		offset = *p.Offset
	}
	if p.Limit != nil {
		limit = *p.Limit
	}
	return offset, limit
}

func (s *session) getChatsSummary(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.ChatsSummaryRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	offset, limit := pagination(p.Pagination)
	sums, total, err := s.srv.cfg.Service.ChatsSummary(ctx, s.actorFor(req), offset, limit, s.role == chat.UserAgent)
	if err != nil {
		return nil, err
	}
	out := protocol.ChatsSummaryResponse{ChatsSummary: make([]protocol.ChatSummary, len(sums)), TotalChats: total}
	for i, sum := range sums {
		out.ChatsSummary[i] = wireChatSummary(sum)
	}
	return out, nil
}

func (s *session) getChatThreadsSummary(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.ThreadsSummaryRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	offset, limit := pagination(p.Pagination)
	ts, total, err := s.srv.cfg.Service.ThreadsSummary(ctx, s.actorFor(req), p.ChatID, offset, limit)
	if err != nil {
		return nil, err
	}
	out := protocol.ThreadsSummaryResponse{ThreadsSummary: make([]protocol.ThreadSummary, len(ts)), TotalThreads: total}
	for i, t := range ts {
		out.ThreadsSummary[i] = wireThreadSummary(t)
	}
	return out, nil
}

func (s *session) getChatThreads(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.ChatThreadsRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	if p.ChatID != "" && len(p.ThreadIDs) == 0 && req.Action == protocol.ActionGetChatThreads {
		return nil, protocol.Errorf(protocol.ErrValidation, "thread_ids are required")
	}
	return s.chatThreadsPage(ctx, req, p.ChatID, p.ThreadIDs, p.PageID)
}

func startChatInput(p protocol.StartChatRequest) chat.StartChat {
	in := chat.StartChat{Properties: chat.Properties(p.Chat.Properties)}
	if p.Chat.Access != nil {
		in.GroupIDs = p.Chat.Access.GroupIDs
	}
	if t := p.Chat.Thread; t != nil {
		in.ThreadProperties = chat.Properties(t.Properties)
		for _, e := range t.Events {
			in.Events = append(in.Events, clientEvent(e))
		}
	}
	return in
}

func (s *session) startChat(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.StartChatRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	c, t, err := s.srv.cfg.Service.StartChat(ctx, s.actorFor(req), startChatInput(p))
	if err != nil {
		return nil, err
	}
	return protocol.StartChatResponse{Chat: protocol.StartChatRef{ID: c.ID, Thread: protocol.ThreadRef{ID: t.ID}}}, nil
}

func (s *session) activateChat(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.StartChatRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	c, t, err := s.srv.cfg.Service.ActivateChat(ctx, s.actorFor(req), p.Chat.ID, startChatInput(p))
	if err != nil {
		return nil, err
	}
	return protocol.StartChatResponse{Chat: protocol.StartChatRef{ID: c.ID, Thread: protocol.ThreadRef{ID: t.ID}}}, nil
}

func (s *session) sendEvent(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.SendEventRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	return s.storeEvent(ctx, req, p.ChatID, clientEvent(p.Event), p.AttachToLastThread, DialectV30)
}

// storeEvent stores an event a client sent and answers with its id; its
// push goes to the chat like any other. A retry (the same custom_id)
// stores and pushes nothing new, but the client waits for the push that
// carries its request id: it is sent again, in the client's dialect, to
// this connection.
func (s *session) storeEvent(ctx context.Context, req protocol.Request, chatID string, e chat.Event, attach bool, d Dialect) (any, error) {
	r, err := s.srv.cfg.Service.SendEvent(ctx, s.actorFor(req), chatID, e, attach)
	if err != nil {
		return nil, err
	}
	if r.Duplicate {
		push := chat.IncomingEvent{Event: r.Event}
		action, payload, err := wirePush(push, chat.UserCustomer)
		version := ""
		if d == DialectV35 {
			action, payload, err = wirePush35(push)
			version = v35.Version
		}
		if err != nil {
			return nil, err
		}
		frame, err := protocol.VersionedPush(action, version, payload)
		if err != nil {
			return nil, err
		}
		s.send(protocol.WithRequestID(frame, req.RequestID))
	}
	return protocol.SendEventResponse{EventID: r.Event.ID}, nil
}

func (s *session) sendPostback(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.PostbackRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	err := s.srv.cfg.Service.SendPostback(ctx, s.actorFor(req), chat.Postback{ChatID: p.ChatID, ThreadID: p.ThreadID,
		EventID: p.EventID, ID: p.Postback.ID, Toggled: p.Postback.Toggled})
	return struct{}{}, err
}

func (s *session) sendSneakPeek(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.SneakPeekRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	return struct{}{}, s.srv.cfg.Service.SneakPeek(ctx, s.actorFor(req), p.ChatID, p.SneakPeekText)
}

func (s *session) closeThread(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.ChatRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	_, err := s.srv.cfg.Service.CloseThread(ctx, s.actorFor(req), p.ChatID)
	return struct{}{}, err
}

// propertyKinds tells, for each action that changes properties in any
// dialect, what they belong to.
var propertyKinds = map[string]string{
	protocol.ActionUpdateChatProperties:       "chat",
	protocol.ActionDeleteChatProperties:       "chat",
	protocol.ActionUpdateChatThreadProperties: "thread",
	protocol.ActionDeleteChatThreadProperties: "thread",
	v35.ActionUpdateThreadProperties:          "thread",
	v35.ActionDeleteThreadProperties:          "thread",
	protocol.ActionUpdateEventProperties:      "event",
	protocol.ActionDeleteEventProperties:      "event",
}

func propertyTarget(p protocol.PropertiesRequest, action string) chat.PropertyTarget {
	t := chat.PropertyTarget{ChatID: p.ChatID}
	switch propertyKinds[action] {
	case "thread":
		t.ThreadID = p.ThreadID
		if action == protocol.ActionUpdateChatThreadProperties || action == protocol.ActionDeleteChatThreadProperties {
			// The JS SDK 2's deleteEventProperties sends this action with
			// an event_id: treat it as delete_event_properties. (v3.5's
			// thread actions name threads only.)
			t.EventID = p.EventID
		}
	case "event":
		t.ThreadID, t.EventID = p.ThreadID, p.EventID
	}
	return t
}

func (s *session) updateProperties(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.PropertiesRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	return s.setProperties(ctx, req, propertyTarget(p, req.Action), p.Properties)
}

// setProperties is every dialect's update_*_properties once the target is
// read: raw is {namespace: {name: value}}.
func (s *session) setProperties(ctx context.Context, req protocol.Request, t chat.PropertyTarget, raw json.RawMessage) (any, error) {
	if len(raw) > chat.MaxPropertiesBytes {
		return nil, protocol.Errorf(protocol.ErrValidation, "properties are too large")
	}
	var props chat.Properties
	if err := protocol.DecodePayload(raw, &props); err != nil {
		return nil, protocol.Errorf(protocol.ErrValidation, "properties must be {namespace: {name: value}}")
	}
	if err := requireTarget(t, req.Action); err != nil {
		return nil, err
	}
	if err := checkRating(t, props); err != nil {
		return nil, err
	}
	return struct{}{}, s.srv.cfg.Service.UpdateProperties(ctx, s.actorFor(req), t, props)
}

func (s *session) deleteProperties(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.PropertiesRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	return s.removeProperties(ctx, req, propertyTarget(p, req.Action), p.Properties)
}

// removeProperties is every dialect's delete_*_properties once the target
// is read: raw is {namespace: [name, …]}.
func (s *session) removeProperties(ctx context.Context, req protocol.Request, t chat.PropertyTarget, raw json.RawMessage) (any, error) {
	var names chat.PropertyNames
	if err := protocol.DecodePayload(raw, &names); err != nil {
		return nil, protocol.Errorf(protocol.ErrValidation, "properties must be {namespace: [name, …]}")
	}
	if err := requireTarget(t, req.Action); err != nil {
		return nil, err
	}
	return struct{}{}, s.srv.cfg.Service.DeleteProperties(ctx, s.actorFor(req), t, names)
}

// checkRating refuses a thread's rating.score other than 0 (bad) or 1
// (good), the only scores the protocol knows (the JS SDK's rateChat).
func checkRating(t chat.PropertyTarget, props chat.Properties) error {
	if t.ThreadID == "" || t.EventID != "" {
		return nil
	}
	score, ok := props["rating"]["score"]
	if !ok {
		return nil
	}
	if n, isNum := score.(float64); !isNum || (n != 0 && n != 1) {
		return protocol.Errorf(protocol.ErrValidation, "rating.score must be 0 (bad) or 1 (good)")
	}
	return nil
}

func requireTarget(t chat.PropertyTarget, action string) error {
	switch propertyKinds[action] {
	case "thread":
		if t.ThreadID == "" {
			return protocol.Errorf(protocol.ErrValidation, "thread_id is required")
		}
	case "event":
		if t.ThreadID == "" || t.EventID == "" {
			return protocol.Errorf(protocol.ErrValidation, "thread_id and event_id are required")
		}
	}
	return nil
}

func (s *session) updateCustomer(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.UpdateCustomerRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	cu, err := s.srv.cfg.Service.UpdateCustomer(ctx, s.actorFor(req), chat.CustomerUpdate{Name: p.Name, Email: p.Email, Avatar: p.Avatar, Fields: p.Fields})
	if err != nil {
		return nil, err
	}
	return protocol.CustomerUpdated{Customer: wireCustomer(cu)}, nil
}

func (s *session) setCustomerFields(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.SetCustomerFieldsRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	if p.Fields == nil {
		return nil, protocol.Errorf(protocol.ErrValidation, "fields are required")
	}
	_, err := s.srv.cfg.Service.UpdateCustomer(ctx, s.actorFor(req), chat.CustomerUpdate{Fields: p.Fields})
	return struct{}{}, err
}

func (s *session) updateCustomerPage(ctx context.Context, req protocol.Request) (any, error) {
	pg, err := s.setCustomerPage(ctx, req)
	if err != nil {
		return nil, err
	}
	return protocol.CustomerPageUpdated{URL: pg.URL, Title: pg.Title, Timestamp: unix(pg.Timestamp)}, nil
}

// setCustomerPage is every dialect's update_customer_page: {url, title}.
func (s *session) setCustomerPage(ctx context.Context, req protocol.Request) (chat.Page, error) {
	var p protocol.Page
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return chat.Page{}, err
	}
	return s.srv.cfg.Service.UpdateCustomerPage(ctx, s.actorFor(req), chat.Page{URL: p.URL, Title: p.Title})
}

func (s *session) updateLastSeen(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.LastSeenRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	var at time.Time
	if p.Timestamp != nil {
		if *p.Timestamp < 0 {
			return nil, protocol.Errorf(protocol.ErrValidation, "timestamp must not be negative")
		}
		at = time.Unix(*p.Timestamp, 0)
	}
	u, err := s.markSeen(ctx, req, p.ChatID, at)
	if err != nil {
		return nil, err
	}
	return protocol.LastSeenTimestampUpdated{UserID: u.UserID, ChatID: u.ChatID, ThreadID: u.ThreadID, Timestamp: unix(u.At)}, nil
}

// markSeen is every dialect's "seen up to at" (zero: now); a time in the
// future is now.
func (s *session) markSeen(ctx context.Context, req protocol.Request, chatID string, at time.Time) (chat.LastSeenUpdated, error) {
	if now := s.srv.cfg.Now(); at.After(now) {
		at = now
	}
	return s.srv.cfg.Service.UpdateLastSeen(ctx, s.actorFor(req), chatID, at)
}

func (s *session) getPredictedAgent(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.PredictedAgentRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	ag, err := s.predictedAgent(ctx, req, p.GroupID)
	if err != nil {
		return nil, err
	}
	return protocol.PredictedAgentResponse{Agent: protocol.Agent{ID: ag.ID, Name: ag.Name, Avatar: ag.Avatar, JobTitle: ag.JobTitle, Type: "agent"}}, nil
}

// predictedAgent is every dialect's get_predicted_agent: the agent a chat
// of the group (nil: group 0) would go to.
func (s *session) predictedAgent(ctx context.Context, req protocol.Request, groupID *int) (chat.Agent, error) {
	group := 0
	if groupID != nil {
		group = *groupID
	}
	return s.srv.cfg.Service.PredictedAgent(ctx, s.actorFor(req), group)
}

// getForm answers the offline form (forms.go) for type "offline", and
// that no form is configured for the other types: Parley has no form
// editor yet, and "enabled": false is what the protocol says for a group
// without forms.
func (s *session) getForm(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.FormRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	switch p.Type {
	case "prechat", "postchat", "ticket", "offline":
	default:
		return nil, protocol.Errorf(protocol.ErrValidation, "type must be prechat, postchat, ticket or offline")
	}
	if _, err := s.srv.cfg.Service.Group(ctx, s.actorFor(req), p.GroupID); err != nil {
		return nil, err
	}
	if p.Type == "offline" {
		return protocol.FormResponse{Enabled: true, Form: offlineForm}, nil
	}
	return protocol.FormResponse{Enabled: false}, nil
}

func (s *session) getGroupsStatus(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.GroupsStatusRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	var ids []int
	if !p.All {
		ids = append(append([]int{}, p.Groups...), p.GroupIDs...)
		if len(ids) == 0 {
			return nil, protocol.Errorf(protocol.ErrValidation, "give groups or all: true")
		}
	}
	st, err := s.groupsStatus(ctx, req, ids)
	if err != nil {
		return nil, err
	}
	return protocol.GroupsStatusResponse{GroupsStatus: st}, nil
}

// groupsStatus is every dialect's group status request: the status of the
// groups named, of every group when ids is nil.
func (s *session) groupsStatus(ctx context.Context, req protocol.Request, ids []int) (map[string]string, error) {
	st, err := s.srv.cfg.Service.GroupsStatus(ctx, s.actorFor(req), ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(st))
	for id, status := range st {
		out[strconv.Itoa(id)] = string(status)
	}
	return out, nil
}

// getURLDetails answers from the URL alone: the server does not fetch
// customer-supplied URLs (that would let any customer make the server
// request arbitrary addresses).
func (s *session) getURLDetails(ctx context.Context, req protocol.Request) (any, error) {
	u, err := urlOf(req)
	if err != nil {
		return nil, err
	}
	return protocol.URLDetailsResponse{Title: u.Host, URL: u.String()}, nil
}

// urlOf reads the url of get_url_details or get_url_info: an absolute
// http or https URL.
func urlOf(req protocol.Request) (*url.URL, error) {
	var p protocol.URLDetailsRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, protocol.Errorf(protocol.ErrValidation, "url must be an absolute http or https URL")
	}
	return u, nil
}
