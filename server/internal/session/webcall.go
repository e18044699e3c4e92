package session

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
)

// WebCall is one call of the Customer Web API v3.5: an action of the
// Customer Chat API v3.5 made over HTTP, without a connection.
type WebCall struct {
	// Authorization is the "Bearer <customer token>" the caller sent.
	Authorization string
	// LicenseID is the license of the call's organization: the token must
	// be of it.
	LicenseID int
	// Action and Payload are the request's.
	Action  string
	Payload json.RawMessage
}

// RunWebCall runs one Customer Chat API v3.5 action for an HTTP caller and
// returns its response payload, encoded as on the RTM, or a
// *protocol.Error. The token is checked as at login (signature, expiry,
// license) and the customer is created on its first call
// (chat.Service.WebCustomer); a banned customer is refused. login and ping
// belong to a connection and are refused. The action runs as it does for
// a connection, by the same handler, but as no connection: the pushes it
// causes reach every RTM connection of the chat's members, the caller's
// own customer's included, none tagged with a request id.
//
// One customer may have Limits.MaxInFlight calls running on this node at
// once; past them a call is refused with too_many_requests. A call takes
// at most Config.RequestTimeout (request_timeout).
func (srv *Server) RunWebCall(ctx context.Context, call WebCall) (json.RawMessage, error) {
	h, ok := customer35Handlers[call.Action]
	switch {
	case call.Action == protocol.ActionLogin || call.Action == protocol.ActionPing:
		return nil, protocol.Errorf(protocol.ErrValidation, call.Action+" is not available over HTTP: it belongs to an RTM connection")
	case !ok:
		return nil, protocol.Errorf(protocol.ErrNotFound, "unknown action "+quote(call.Action))
	}
	s := &session{srv: srv, role: chat.UserCustomer, info: ConnInfo{LicenseID: strconv.Itoa(call.LicenseID), Dialect: DialectV35}}
	s.setLog(srv.cfg.Logger.With("conn", "http", "role", string(chat.UserCustomer)))
	cl, err := srv.cfg.Signer.VerifyBearer(call.Authorization, auth.KindCustomer, srv.cfg.Now())
	if err != nil {
		return nil, s.protocolError(protocol.Request{Action: call.Action}, s.authError(err))
	}
	if cl.LicenseID != call.LicenseID {
		return nil, protocol.Errorf(protocol.ErrAuthentication, "token is not valid for this organization")
	}
	key := strconv.Itoa(cl.LicenseID) + "/" + cl.Subject
	if !srv.limits.webCalls.Acquire(key) {
		return nil, protocol.Errorf(protocol.ErrTooManyRequests, "too many calls of this customer at once")
	}
	defer srv.limits.webCalls.Release(key)

	rctx, cancel := context.WithTimeout(ctx, srv.cfg.RequestTimeout)
	defer cancel()
	req := protocol.Request{Action: call.Action, Payload: call.Payload}
	if _, err := srv.cfg.Service.WebCustomer(rctx, cl.LicenseID, cl.Subject); err != nil {
		if errors.Is(err, chat.ErrNotFound) {
			err = protocol.Errorf(protocol.ErrLicenseNotFound, "license not found")
		}
		return nil, s.protocolError(req, err)
	}
	// The session stands for no connection: its id is empty, which no
	// connection's is, so no push is tagged for it, and its queue is
	// closed, so what a handler queues for its own connection (a
	// duplicate send_event's push) is dropped.
	s.actor = chat.Actor{LicenseID: cl.LicenseID, UserID: cl.Subject, Type: chat.UserCustomer}
	s.loggedIn.Store(true)
	s.q = newOutQueue(srv.cfg.QueueBytes, func() {})
	s.q.close()
	s.setLog(s.log().With("license", cl.LicenseID, "customer", cl.Subject))
	payload, pe := s.run(rctx, h, req)
	if pe != nil {
		return nil, pe
	}
	if payload == nil || payload == noResponse {
		return json.RawMessage("{}"), nil
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, s.protocolError(req, err)
	}
	return b, nil
}
