package agent

import (
	"context"
	"time"

	"github.com/parleychat/parley/protocol"
)

// ReportQuery selects the chats of a report (GetReport).
type ReportQuery struct {
	// From and To are the first and the last day of the report, both
	// included; only their UTC dates count. The server refuses a range
	// of more than 366 days.
	From, To time.Time
	// GroupID, when not nil, keeps the chats of that group.
	GroupID *int
	// AgentID, when not empty, keeps the threads that agent answered
	// first.
	AgentID string
}

// Report is what GetReport returns: see docs/agent-api.md, "Reports",
// for how each number is counted.
type Report struct {
	// From and To are the days of the report, UTC midnights.
	From, To time.Time
	// Days has the number of chats (threads) started each day, every
	// day of the range, oldest first.
	Days []ReportDay
	// Total is over the whole report; Agents has a row per agent that
	// answered a thread first, Groups a row per group.
	Total  ReportStats
	Agents []AgentReport
	Groups []GroupReport
	// Comments are the latest rating comments, newest first.
	Comments []ReportComment
}

// ReportDay is the number of chats started on one day.
type ReportDay struct {
	Day   time.Time
	Chats int
}

// ReportStats are the numbers of a set of threads.
type ReportStats struct {
	Chats, Answered, Closed int
	// FirstResponse is over the answered threads, Resolution over the
	// closed ones.
	FirstResponse, Resolution Percentiles
	Good, Bad                 int
}

// Percentiles are the median and the 90th percentile (by nearest rank)
// of Count durations.
type Percentiles struct {
	Count       int
	Median, P90 time.Duration
}

// AgentReport is the row of one agent.
type AgentReport struct {
	AgentID string
	ReportStats
}

// GroupReport is the row of one group.
type GroupReport struct {
	GroupID int
	ReportStats
}

// ReportComment is a rating with a comment.
type ReportComment struct {
	ChatID, ThreadID string
	// AgentID answered the thread first ("" if nobody did).
	AgentID string
	Good    bool
	Comment string
	// ThreadStart is when the rated thread started.
	ThreadStart time.Time
}

// GetReport returns the report of the chats started from q.From to q.To:
// all of the license's for an owner or an administrator, those of the
// agent's groups for a normal agent.
func (c *Client) GetReport(ctx context.Context, q ReportQuery) (Report, error) {
	req := protocol.GetReportRequest{From: q.From.UTC().Format(protocol.ReportDateLayout),
		To: q.To.UTC().Format(protocol.ReportDateLayout), GroupID: q.GroupID, AgentID: q.AgentID}
	var r protocol.GetReportResponse
	if err := c.callInto(ctx, protocol.ActionGetReport, req, &r); err != nil {
		return Report{}, err
	}
	out := Report{From: reportDay(r.From), To: reportDay(r.To), Days: make([]ReportDay, len(r.Days)),
		Total: fromReportStats(r.Total)}
	for i, d := range r.Days {
		out.Days[i] = ReportDay{Day: reportDay(d.Date), Chats: d.Chats}
	}
	for _, a := range r.Agents {
		out.Agents = append(out.Agents, AgentReport{AgentID: a.AgentID, ReportStats: fromReportStats(a.ReportStats)})
	}
	for _, g := range r.Groups {
		out.Groups = append(out.Groups, GroupReport{GroupID: g.GroupID, ReportStats: fromReportStats(g.ReportStats)})
	}
	for _, cm := range r.Comments {
		out.Comments = append(out.Comments, ReportComment{ChatID: cm.ChatID, ThreadID: cm.ThreadID, AgentID: cm.AgentID,
			Good: cm.Rating == "good", Comment: cm.Comment, ThreadStart: time.Unix(cm.CreatedAt, 0).UTC()})
	}
	return out, nil
}

// reportDay parses a day of the report; the server sends valid ones.
func reportDay(s string) time.Time {
	t, _ := time.Parse(protocol.ReportDateLayout, s)
	return t
}

func fromReportStats(s protocol.ReportStats) ReportStats {
	return ReportStats{Chats: s.Chats, Answered: s.Answered, Closed: s.Closed,
		FirstResponse: fromReportDuration(s.FirstResponse), Resolution: fromReportDuration(s.Resolution),
		Good: s.Ratings.Good, Bad: s.Ratings.Bad}
}

func fromReportDuration(d protocol.ReportDuration) Percentiles {
	secs := func(s float64) time.Duration { return time.Duration(s * float64(time.Second)).Round(time.Millisecond) }
	return Percentiles{Count: d.Count, Median: secs(d.Median), P90: secs(d.P90)}
}
