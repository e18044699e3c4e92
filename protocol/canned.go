package protocol

// ActionListCannedResponses lists the license's canned responses (saved
// replies) to an agent: ListCannedResponsesResponse.
const ActionListCannedResponses = "list_canned_responses"

// CannedResponse is a saved reply: Text, inserted by typing "#" and
// Shortcut. UpdatedAt is in Unix seconds.
type CannedResponse struct {
	ID        int    `json:"id"`
	Shortcut  string `json:"shortcut"`
	Text      string `json:"text"`
	CreatedBy string `json:"created_by"`
	UpdatedAt int64  `json:"updated_at"`
}

// ListCannedResponsesResponse answers list_canned_responses, ordered by
// shortcut.
type ListCannedResponsesResponse struct {
	CannedResponses []CannedResponse `json:"canned_responses"`
}
