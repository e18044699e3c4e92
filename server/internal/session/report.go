package session

import (
	"context"
	"math"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
)

// getReport answers get_report (docs/agent-api.md, "Reports").
func (s *session) getReport(ctx context.Context, req protocol.Request) (any, error) {
	var p protocol.GetReportRequest
	if err := protocol.DecodePayload(req.Payload, &p); err != nil {
		return nil, err
	}
	from, err := time.Parse(protocol.ReportDateLayout, p.From)
	if err != nil {
		return nil, protocol.Errorf(protocol.ErrValidation, "from must be a day as 2006-01-02")
	}
	to, err := time.Parse(protocol.ReportDateLayout, p.To)
	if err != nil {
		return nil, protocol.Errorf(protocol.ErrValidation, "to must be a day as 2006-01-02")
	}
	r, err := s.srv.cfg.Service.Report(ctx, s.actorFor(req), chat.ReportQuery{From: from, To: to, GroupID: p.GroupID, AgentID: p.AgentID})
	if err != nil {
		return nil, err
	}
	out := protocol.GetReportResponse{
		From: r.From.Format(protocol.ReportDateLayout), To: r.To.Format(protocol.ReportDateLayout),
		Days: make([]protocol.ReportDay, len(r.Days)), Total: wireReportStats(r.Total),
		Agents: make([]protocol.AgentReport, len(r.Agents)), Groups: make([]protocol.GroupReport, len(r.Groups)),
		Comments: make([]protocol.ReportComment, len(r.Comments)),
	}
	for i, d := range r.Days {
		out.Days[i] = protocol.ReportDay{Date: d.Day.Format(protocol.ReportDateLayout), Chats: d.Chats}
	}
	for i, a := range r.Agents {
		out.Agents[i] = protocol.AgentReport{AgentID: a.AgentID, ReportStats: wireReportStats(a.ReportStats)}
	}
	for i, g := range r.Groups {
		out.Groups[i] = protocol.GroupReport{GroupID: g.GroupID, ReportStats: wireReportStats(g.ReportStats)}
	}
	for i, c := range r.Comments {
		rating := "bad"
		if c.Good {
			rating = "good"
		}
		out.Comments[i] = protocol.ReportComment{ChatID: c.ChatID, ThreadID: c.ThreadID, AgentID: c.AgentID,
			Rating: rating, Comment: c.Comment, CreatedAt: unix(c.At)}
	}
	return out, nil
}

func wireReportStats(st chat.ReportStats) protocol.ReportStats {
	return protocol.ReportStats{Chats: st.Chats, Answered: st.Answered, Closed: st.Closed,
		FirstResponse: wireDuration(st.FirstResponse), Resolution: wireDuration(st.Resolution),
		Ratings: protocol.ReportRatings{Good: st.Good, Bad: st.Bad}}
}

func wireDuration(p chat.Percentiles) protocol.ReportDuration {
	secs := func(d time.Duration) float64 { return math.Round(d.Seconds()*1000) / 1000 }
	return protocol.ReportDuration{Count: p.Count, Median: secs(p.Median), P90: secs(p.P90)}
}
