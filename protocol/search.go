package protocol

// SearchChatsRequest is the payload of search_chats: the words to look
// for (at most 200 characters) and a page (limit at most 100, 20 when
// not given).
type SearchChatsRequest struct {
	Query string `json:"query"`
	Pagination
}

// SearchChatsResponse answers search_chats: the matching chats, the one
// with the newest match first; More says whether another page follows.
type SearchChatsResponse struct {
	Chats []SearchHit `json:"chats"`
	More  bool        `json:"more"`
}

// SearchHit is one chat found by search_chats. ThreadID, EventID,
// Snippet and CreatedAt (Unix seconds) are of its newest matching event;
// EventIDs lists its matching events, newest first (at most 20).
// ByCustomer says the customer's name and e-mail address hold the query;
// a chat found that way only has empty ThreadID, EventID and EventIDs,
// a Snippet of the customer's name and address, and CreatedAt its last
// activity.
type SearchHit struct {
	ChatID       string   `json:"chat_id"`
	CustomerID   string   `json:"customer_id"`
	CustomerName string   `json:"customer_name,omitempty"`
	ByCustomer   bool     `json:"by_customer,omitempty"`
	ThreadID     string   `json:"thread_id"`
	EventID      string   `json:"event_id"`
	EventIDs     []string `json:"event_ids"`
	Snippet      string   `json:"snippet"`
	CreatedAt    int64    `json:"created_at"`
}
