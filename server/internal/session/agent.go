package session

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/internal/transport"
)

// agentHandlers maps the Agent Chat API actions this server has to their
// handlers (docs/agent-api.md). Names and shapes follow LiveChat's Agent
// Chat API v3.0.
var agentHandlers map[string]handlerFunc

func init() {
	agentHandlers = map[string]handlerFunc{
		protocol.ActionLogin:                      (*session).agentLogin,
		protocol.ActionListChats:                  (*session).listChats,
		protocol.ActionGetChatsSummary:            (*session).listChats,
		protocol.ActionGetChat:                    (*session).getChat,
		protocol.ActionGetChatThreadsSummary:      (*session).getChatThreadsSummary,
		protocol.ActionGetChatThreads:             (*session).getChatThreads,
		protocol.ActionGetCustomer:                (*session).getCustomer,
		protocol.ActionJoinChat:                   (*session).joinChat,
		protocol.ActionRemoveUserFromChat:         (*session).removeUserFromChat,
		protocol.ActionSendEvent:                  (*session).sendEvent,
		protocol.ActionSendTypingIndicator:        (*session).sendTypingIndicator,
		protocol.ActionDeactivateChat:             (*session).closeThread,
		protocol.ActionCloseThread:                (*session).closeThread,
		protocol.ActionActivateChat:               (*session).activateChat,
		protocol.ActionTransferChat:               (*session).transferChat,
		protocol.ActionUpdateChatProperties:       (*session).updateProperties,
		protocol.ActionUpdateChatThreadProperties: (*session).updateProperties,
		protocol.ActionUpdateEventProperties:      (*session).updateProperties,
		protocol.ActionDeleteChatProperties:       (*session).deleteProperties,
		protocol.ActionDeleteChatThreadProperties: (*session).deleteProperties,
		protocol.ActionDeleteEventProperties:      (*session).deleteProperties,
		protocol.ActionUpdateLastSeenTimestamp:    (*session).updateLastSeen,
		protocol.ActionBanCustomer:                (*session).banCustomer,
		protocol.ActionSetRoutingStatus:           (*session).setRoutingStatus,
		protocol.ActionListAgents:                 (*session).listAgents,
		protocol.ActionListGroups:                 (*session).listGroups,
		protocol.ActionRevokeToken:                (*session).revokeToken,
		protocol.ActionGetReport:                  (*session).getReport,
		protocol.ActionListCannedResponses:        (*session).listCannedResponses,
		protocol.ActionSearchChats:                (*session).searchChats,
		protocol.ActionTagThread:                  (*session).tagThread,
		protocol.ActionUntagThread:                (*session).tagThread,
	}
}

func (s *session) agentLogin(ctx context.Context, req protocol.Request) (any, error) {
	if s.loggedIn.Load() {
		return nil, protocol.Errorf(protocol.ErrValidation, "already logged in")
	}
	var p protocol.LoginRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	cl, ag, err := s.srv.cfg.AgentTokens.Verify(ctx, p.Token)
	if err != nil {
		return nil, s.authError(err)
	}
	s.actor = chat.Actor{LicenseID: cl.LicenseID, UserID: ag.ID, Type: chat.UserAgent}
	s.token = cl
	if err := s.subscribe(ctx, userTopic(cl.LicenseID, ag.ID)); err != nil {
		return nil, err
	}
	if err := s.subscribe(ctx, agentsTopic(cl.LicenseID)); err != nil {
		return nil, err
	}
	status, after := s.srv.cfg.Service.AgentConnected(cl.LicenseID, ag.ID)
	s.expires.Store(cl.ExpiresAt.UnixNano())
	s.loggedInAs(cl.LicenseID, "agent", ag.ID)
	resp := protocol.AgentLoginResponse{License: protocol.LicenseRef{ID: cl.LicenseID}, MyProfile: protocol.AgentProfile{
		ID: ag.ID, Type: string(chat.UserAgent), Name: ag.Name, Avatar: ag.Avatar, JobTitle: ag.JobTitle,
		RoutingStatus: string(status), Groups: ag.GroupIDs(), MaxChats: ag.ChatLimit(),
	}}
	b, err := protocol.Response(req.RequestID, req.Action, resp)
	if err != nil {
		return nil, err
	}
	// The login is answered before the agent hears of its status and of
	// the chats routing gives it now.
	s.answer(b)
	after(ctx)
	return noResponse, nil
}

func (s *session) listChats(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.ListChatsRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	in := chat.ListChats{}
	in.Offset, in.Limit = pagination(p.Pagination)
	if f := p.Filters; f != nil {
		in.Queued, in.Mine, in.Tag = f.Queued, f.Mine, f.Tag
	}
	sums, total, err := s.srv.cfg.Service.ListChats(ctx, s.actorFor(req), in)
	if err != nil {
		return nil, err
	}
	out := protocol.ListChatsResponse{ChatsSummary: make([]protocol.AgentChatSummary, len(sums)), TotalChats: total}
	for i, sum := range sums {
		out.ChatsSummary[i] = protocol.AgentChatSummary{ChatSummary: wireChatSummary(sum), ThreadTags: sum.ThreadTags}
		if lt := out.ChatsSummary[i].LastThreadSummary; lt != nil {
			lt.Tags = sum.Tags
		}
		if q := sum.Queue; q != nil {
			out.ChatsSummary[i].Queue = &protocol.QueueInfo{Position: q.Position, QueuedAt: unix(q.QueuedAt)}
		}
	}
	return out, nil
}

func (s *session) getChat(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.ChatRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	var ids []string
	if p.ThreadID != "" {
		ids = []string{p.ThreadID}
	}
	return s.chatThreadsPage(ctx, req, p.ChatID, ids, p.PageID)
}

func (s *session) getCustomer(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.CustomerRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	cu, err := s.srv.cfg.Service.Customer(ctx, s.actorFor(req), p.CustomerID)
	if errors.Is(err, chat.ErrNotFound) {
		return nil, protocol.Errorf(protocol.ErrNotFound, "Customer not found")
	} else if err != nil {
		return nil, err
	}
	out := protocol.CustomerProfile{ID: cu.ID, Type: string(chat.UserCustomer), Name: cu.Name, Email: cu.Email, Avatar: cu.Avatar,
		Fields: cu.Fields, Referrer: cu.Referrer, Visits: cu.Visits, LastVisit: unix(cu.LastVisit), Banned: cu.BannedAt(s.srv.cfg.Now())}
	if out.Fields == nil {
		out.Fields = map[string]string{}
	}
	if pg := cu.Page; pg != nil {
		out.Page = &protocol.VisitedPage{URL: pg.URL, Title: pg.Title, Timestamp: unix(pg.Timestamp)}
	}
	return protocol.CustomerResponse{Customer: out}, nil
}

// tagThread is tag_thread and untag_thread.
func (s *session) tagThread(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.TagThreadRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	set := s.srv.cfg.Service.TagThread
	if req.Action == protocol.ActionUntagThread {
		set = s.srv.cfg.Service.UntagThread
	}
	return struct{}{}, set(ctx, s.actorFor(req), p.ChatID, p.ThreadID, p.Tag)
}

func (s *session) joinChat(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.ChatRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	return struct{}{}, s.srv.cfg.Service.JoinChat(ctx, s.actorFor(req), p.ChatID)
}

func (s *session) removeUserFromChat(ctx context.Context, req protocol.Request) (any, error) {
	var p struct {
		ChatID string `json:"chat_id"`
		UserID string `json:"user_id"`
	}
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	if p.UserID == "" {
		p.UserID = s.actor.UserID
	}
	return struct{}{}, s.srv.cfg.Service.LeaveChat(ctx, s.actorFor(req), p.ChatID, p.UserID)
}

func (s *session) sendTypingIndicator(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.TypingIndicatorRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	return struct{}{}, s.srv.cfg.Service.SendTyping(ctx, s.actorFor(req), p.ChatID, p.IsTyping)
}

func (s *session) transferChat(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.TransferChatRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	if len(p.Target.IDs) != 1 {
		return nil, protocol.Errorf(protocol.ErrValidation, "target.ids must name exactly one agent or group")
	}
	to := chat.TransferTarget{Type: p.Target.Type}
	switch p.Target.Type {
	case chat.TransferToAgent:
		if json.Unmarshal(p.Target.IDs[0], &to.AgentID) != nil || to.AgentID == "" {
			return nil, protocol.Errorf(protocol.ErrValidation, "target.ids must hold an agent id (a string)")
		}
	case chat.TransferToGroup:
		if json.Unmarshal(p.Target.IDs[0], &to.GroupID) != nil {
			return nil, protocol.Errorf(protocol.ErrValidation, "target.ids must hold a group id (a number)")
		}
	default:
		return nil, protocol.Errorf(protocol.ErrValidation, "target.type must be agent or group")
	}
	return struct{}{}, s.srv.cfg.Service.TransferChat(ctx, s.actorFor(req), p.ChatID, to)
}

func (s *session) banCustomer(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.BanCustomerRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	days := 0
	if p.Ban != nil {
		days = p.Ban.Days
	}
	err := s.srv.cfg.Service.BanCustomer(ctx, s.actorFor(req), p.CustomerID, days)
	if errors.Is(err, chat.ErrNotFound) {
		return nil, protocol.Errorf(protocol.ErrNotFound, "Customer not found")
	}
	return struct{}{}, err
}

func (s *session) setRoutingStatus(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.SetRoutingStatusRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	return struct{}{}, s.srv.cfg.Service.SetRoutingStatus(ctx, s.actorFor(req), chat.RoutingStatus(p.Status))
}

func (s *session) listAgents(ctx context.Context, req protocol.Request) (any, error) {
	if err := protocol.DecodePayload(req.Payload, &struct{}{}); err != nil {
		return nil, err
	}
	agents, err := s.srv.cfg.Service.ListAgents(ctx, s.actorFor(req))
	if err != nil {
		return nil, err
	}
	out := protocol.ListAgentsResponse{Agents: make([]protocol.AgentInfo, len(agents))}
	for i, ag := range agents {
		out.Agents[i] = protocol.AgentInfo{ID: ag.ID, Name: ag.Name, Avatar: ag.Avatar, JobTitle: ag.JobTitle,
			RoutingStatus: string(ag.Status), Groups: ag.GroupIDs(), ActiveChats: ag.ActiveChats, MaxChats: ag.ChatLimit()}
	}
	return out, nil
}

func (s *session) listGroups(ctx context.Context, req protocol.Request) (any, error) {
	if err := protocol.DecodePayload(req.Payload, &struct{}{}); err != nil {
		return nil, err
	}
	groups, err := s.srv.cfg.Service.ListGroups(ctx, s.actorFor(req))
	if err != nil {
		return nil, err
	}
	out := protocol.ListGroupsResponse{Groups: make([]protocol.GroupInfo, len(groups))}
	for i, g := range groups {
		out.Groups[i] = protocol.GroupInfo{ID: g.ID, Name: g.Name, Status: string(g.Status)}
	}
	return out, nil
}

// listCannedResponses answers the license's saved replies; every agent
// of the license may list them (the Configuration API changes them).
func (s *session) listCannedResponses(ctx context.Context, req protocol.Request) (any, error) {
	if err := protocol.DecodePayload(req.Payload, &struct{}{}); err != nil {
		return nil, err
	}
	rs, err := s.srv.cfg.Service.CannedResponses(ctx, s.actorFor(req))
	if err != nil {
		return nil, err
	}
	out := protocol.ListCannedResponsesResponse{CannedResponses: make([]protocol.CannedResponse, len(rs))}
	for i, r := range rs {
		out.CannedResponses[i] = wireCannedResponse(r)
	}
	return out, nil
}

// revokeToken revokes the connection's token: it is answered, then every
// connection logged in with the token, on any node, gets
// agent_disconnected (access_token_revoked) and is closed.
func (s *session) revokeToken(ctx context.Context, req protocol.Request) (any, error) {
	if err := protocol.DecodePayload(req.Payload, &struct{}{}); err != nil {
		return nil, err
	}
	if err := s.srv.cfg.AgentTokens.Revoke(ctx, s.token); err != nil {
		return nil, err
	}
	b, err := protocol.Response(req.RequestID, req.Action, struct{}{})
	if err != nil {
		return nil, err
	}
	s.answer(b)
	s.srv.cfg.Hub.revokeToken(ctx, s.actor.LicenseID, s.actor.UserID, s.token.ID)
	return noResponse, nil
}

// checkRevoked closes an agent connection whose token has been revoked
// meanwhile by another process (parley agent revoke). It reports whether it
// did.
func (s *session) checkRevoked() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	revoked, err := s.srv.cfg.AgentTokens.Revoked(ctx, s.token)
	if err != nil {
		s.log().Warn("check token revocation", "err", err)
		return false
	}
	if revoked {
		s.log().Info("closing: access token revoked")
		s.disconnect(protocol.ReasonAccessTokenRevoked, transport.ClosePolicy)
	}
	return revoked
}
