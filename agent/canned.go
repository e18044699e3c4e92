package agent

import (
	"context"
	"time"

	"github.com/parleychat/parley/protocol"
)

// CannedResponse is a saved reply of the license: Text, inserted in the
// console by typing "#" and Shortcut.
type CannedResponse struct {
	ID        int
	Shortcut  string
	Text      string
	CreatedBy string
	UpdatedAt time.Time
}

// ListCannedResponses returns the license's canned responses ordered by
// shortcut (list_canned_responses). They are changed with the
// Configuration API.
func (c *Client) ListCannedResponses(ctx context.Context) ([]CannedResponse, error) {
	var r protocol.ListCannedResponsesResponse
	if err := c.callInto(ctx, protocol.ActionListCannedResponses, struct{}{}, &r); err != nil {
		return nil, err
	}
	out := make([]CannedResponse, len(r.CannedResponses))
	for i, x := range r.CannedResponses {
		out[i] = CannedResponse{ID: x.ID, Shortcut: x.Shortcut, Text: x.Text, CreatedBy: x.CreatedBy}
		if x.UpdatedAt != 0 {
			out[i].UpdatedAt = time.Unix(x.UpdatedAt, 0).UTC()
		}
	}
	return out, nil
}
