package protocol

// ReportDateLayout is the layout of the days of get_report: "2006-01-02",
// UTC.
const ReportDateLayout = "2006-01-02"

// GetReportRequest is the payload of get_report: the days From to To (UTC,
// both included, ReportDateLayout), and optional filters.
type GetReportRequest struct {
	From    string `json:"from"`
	To      string `json:"to"`
	GroupID *int   `json:"group_id,omitempty"`
	AgentID string `json:"agent_id,omitempty"`
}

// GetReportResponse answers get_report. Durations are in seconds (to the
// millisecond).
type GetReportResponse struct {
	From     string          `json:"from"`
	To       string          `json:"to"`
	Days     []ReportDay     `json:"days"`
	Total    ReportStats     `json:"total"`
	Agents   []AgentReport   `json:"agents"`
	Groups   []GroupReport   `json:"groups"`
	Comments []ReportComment `json:"comments"`
}

// ReportDay is the number of chats (threads) started on a day.
type ReportDay struct {
	Date  string `json:"date"`
	Chats int    `json:"chats"`
}

// ReportStats are the numbers of a set of threads.
type ReportStats struct {
	Chats         int            `json:"chats"`
	Answered      int            `json:"answered"`
	Closed        int            `json:"closed"`
	FirstResponse ReportDuration `json:"first_response"`
	Resolution    ReportDuration `json:"resolution"`
	Ratings       ReportRatings  `json:"ratings"`
}

// ReportDuration is the median and the 90th percentile of Count
// durations, in seconds.
type ReportDuration struct {
	Count  int     `json:"count"`
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
}

// ReportRatings counts good and bad ratings.
type ReportRatings struct {
	Good int `json:"good"`
	Bad  int `json:"bad"`
}

// AgentReport is the row of one agent.
type AgentReport struct {
	AgentID string `json:"agent_id"`
	ReportStats
}

// GroupReport is the row of one group.
type GroupReport struct {
	GroupID int `json:"group_id"`
	ReportStats
}

// ReportComment is a rating with a comment. Rating is "good" or "bad";
// CreatedAt is the thread's start (Unix seconds).
type ReportComment struct {
	ChatID    string `json:"chat_id"`
	ThreadID  string `json:"thread_id"`
	AgentID   string `json:"agent_id,omitempty"`
	Rating    string `json:"rating"`
	Comment   string `json:"comment"`
	CreatedAt int64  `json:"created_at"`
}
