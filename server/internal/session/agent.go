package session

import (
	"context"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
)

// agentHandlers maps the Agent Chat API actions this server has to their
// handlers. Names and shapes follow LiveChat's Agent Chat API v3.0.
var agentHandlers map[string]handlerFunc

func init() {
	agentHandlers = map[string]handlerFunc{
		protocol.ActionLogin:                      (*session).agentLogin,
		protocol.ActionListChats:                  (*session).getChatsSummary,
		protocol.ActionGetChatsSummary:            (*session).getChatsSummary,
		protocol.ActionGetChat:                    (*session).getChat,
		protocol.ActionGetChatThreadsSummary:      (*session).getChatThreadsSummary,
		protocol.ActionGetChatThreads:             (*session).getChatThreads,
		protocol.ActionJoinChat:                   (*session).joinChat,
		protocol.ActionRemoveUserFromChat:         (*session).removeUserFromChat,
		protocol.ActionSendEvent:                  (*session).sendEvent,
		protocol.ActionSendTypingIndicator:        (*session).sendTypingIndicator,
		protocol.ActionDeactivateChat:             (*session).closeThread,
		protocol.ActionCloseThread:                (*session).closeThread,
		protocol.ActionActivateChat:               (*session).activateChat,
		protocol.ActionUpdateChatProperties:       (*session).updateProperties,
		protocol.ActionUpdateChatThreadProperties: (*session).updateProperties,
		protocol.ActionUpdateEventProperties:      (*session).updateProperties,
		protocol.ActionDeleteChatProperties:       (*session).deleteProperties,
		protocol.ActionDeleteChatThreadProperties: (*session).deleteProperties,
		protocol.ActionDeleteEventProperties:      (*session).deleteProperties,
		protocol.ActionUpdateLastSeenTimestamp:    (*session).updateLastSeen,
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
	cl, err := s.verifyToken(p.Token, auth.KindAgent)
	if err != nil {
		return nil, err
	}
	ag, err := s.srv.cfg.Service.Store().Agent(ctx, cl.LicenseID, cl.Subject)
	if err != nil {
		return nil, protocol.Errorf(protocol.ErrAuthentication, "agent not found")
	}
	s.actor = chat.Actor{LicenseID: cl.LicenseID, UserID: ag.ID, Type: chat.UserAgent}
	if err := s.subscribe(ctx, userTopic(cl.LicenseID, ag.ID)); err != nil {
		return nil, err
	}
	if err := s.subscribe(ctx, agentsTopic(cl.LicenseID)); err != nil {
		return nil, err
	}
	s.expires.Store(cl.ExpiresAt.UnixNano())
	s.loggedIn.Store(true)
	s.srv.cfg.Hub.agentLoggedIn(cl.LicenseID, ag.ID, 1)
	s.setLog(s.log().With("license", cl.LicenseID, "agent", ag.ID))
	me := wireUser(chat.Member{User: chat.User{ID: ag.ID, Type: chat.UserAgent, Present: true}, Name: ag.Name, Avatar: ag.Avatar, JobTitle: ag.JobTitle})
	return protocol.AgentLoginResponse{License: protocol.LicenseRef{ID: cl.LicenseID}, MyProfile: me}, nil
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
	c, ms, ts, err := s.srv.cfg.Service.ChatThreads(ctx, s.actorFor(req), p.ChatID, ids)
	if err != nil {
		return nil, err
	}
	return protocol.ChatThreadsResponse{Chat: wireChatThreads(c, ms, ts)}, nil
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
