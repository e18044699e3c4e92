package configapi

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
)

// cannedRequest is the body of create_canned_response and
// update_canned_response.
type cannedRequest struct {
	ID       *int    `json:"id"`
	Shortcut *string `json:"shortcut"`
	Text     *string `json:"text"`
}

func wireCanned(r chat.CannedResponse) protocol.CannedResponse {
	out := protocol.CannedResponse{ID: r.ID, Shortcut: r.Shortcut, Text: r.Text, CreatedBy: r.CreatedBy}
	if !r.UpdatedAt.IsZero() {
		out.UpdatedAt = r.UpdatedAt.Unix()
	}
	return out
}

// putCanned checks r and stores it; a taken shortcut is a validation error.
func (a *API) putCanned(ctx context.Context, r chat.CannedResponse) (protocol.CannedResponse, error) {
	r.Shortcut = strings.TrimPrefix(strings.TrimSpace(r.Shortcut), "#")
	if err := chat.CheckCannedResponse(r.Shortcut, r.Text); err != nil {
		return protocol.CannedResponse{}, invalid("%v", err)
	}
	r.UpdatedAt = time.Now()
	stored, err := a.cfg.Store.PutCannedResponse(ctx, r)
	switch {
	case errors.Is(err, chat.ErrExists):
		return protocol.CannedResponse{}, invalid("the shortcut %q is taken", r.Shortcut)
	case errors.Is(err, chat.ErrNotFound):
		return protocol.CannedResponse{}, notFound("there is no canned response %d", r.ID)
	case err != nil:
		return protocol.CannedResponse{}, err
	}
	return wireCanned(stored), nil
}

// createCannedResponse: {shortcut, text} → the canned response.
func (a *API) createCannedResponse(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req cannedRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if req.Shortcut == nil || req.Text == nil {
		return nil, invalid("shortcut and text are required")
	}
	rs, err := a.cfg.Store.CannedResponses(ctx, op.LicenseID)
	if err != nil {
		return nil, err
	}
	if len(rs) >= chat.MaxCannedResponses {
		return nil, invalid("the license has %d canned responses, the most it may have", len(rs))
	}
	return a.putCanned(ctx, chat.CannedResponse{LicenseID: op.LicenseID, Shortcut: *req.Shortcut, Text: *req.Text, CreatedBy: op.ID})
}

// updateCannedResponse: {id, shortcut?, text?} → the canned response.
func (a *API) updateCannedResponse(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req cannedRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if req.ID == nil {
		return nil, invalid("id is required")
	}
	rs, err := a.cfg.Store.CannedResponses(ctx, op.LicenseID)
	if err != nil {
		return nil, err
	}
	var r *chat.CannedResponse
	for i := range rs {
		if rs[i].ID == *req.ID {
			r = &rs[i]
		}
	}
	if r == nil {
		return nil, notFound("there is no canned response %d", *req.ID)
	}
	if req.Shortcut != nil {
		r.Shortcut = *req.Shortcut
	}
	if req.Text != nil {
		r.Text = *req.Text
	}
	return a.putCanned(ctx, *r)
}

// deleteCannedResponse: {id} → {}.
func (a *API) deleteCannedResponse(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	var req cannedRequest
	if err := decode(in, &req); err != nil {
		return nil, err
	}
	if req.ID == nil {
		return nil, invalid("id is required")
	}
	err := a.cfg.Store.DeleteCannedResponse(ctx, op.LicenseID, *req.ID)
	if errors.Is(err, chat.ErrNotFound) {
		return nil, notFound("there is no canned response %d", *req.ID)
	} else if err != nil {
		return nil, err
	}
	return empty{}, nil
}

// listCannedResponses: {} → [canned response], ordered by shortcut.
func (a *API) listCannedResponses(ctx context.Context, op chat.Agent, in []byte) (any, error) {
	if err := decode(in, &struct{}{}); err != nil {
		return nil, err
	}
	rs, err := a.cfg.Store.CannedResponses(ctx, op.LicenseID)
	if err != nil {
		return nil, err
	}
	out := make([]protocol.CannedResponse, len(rs))
	for i, r := range rs {
		out[i] = wireCanned(r)
	}
	return out, nil
}
