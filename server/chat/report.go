package chat

import (
	"context"
	"math"
	"slices"
	"strconv"
	"time"
)

// This file holds reports: how many chats a license had and how fast and
// how well they were answered (get_report, docs/agent-api.md "Reports").
// The store returns one ReportThread per thread started in the range (one
// SQL query); the numbers are computed here, in memory, over that bounded
// scan.

// Limits of a report.
const (
	// ReportMaxDays is the longest range a report covers.
	ReportMaxDays = 366
	// ReportMaxThreads is the most threads a report reads; a range that
	// started more is refused (narrow it, or filter by group).
	ReportMaxThreads = 100_000
	// ReportMaxComments is how many of the latest rating comments a
	// report lists.
	ReportMaxComments = 10
)

// Ratings are the thread property rating.score a customer sets (1 good,
// 0 bad) with an optional rating.comment.
const (
	RatingNamespace   = "rating"
	RatingScoreName   = "score"
	RatingCommentName = "comment"
)

// ReportThread is what Store.ReportThreads gives of one thread.
type ReportThread struct {
	ChatID   string
	ThreadID string
	// GroupIDs are the chat's groups (none: group 0).
	GroupIDs  []int
	CreatedAt time.Time
	ClosedAt  time.Time // zero while active
	// AskedAt is the time of the thread's first message or file by the
	// chat's customer; zero when the customer sent none.
	AskedAt time.Time
	// AnsweredAt is the time of the first message, file or rich message
	// by an agent of the chat after AskedAt's event (after the thread's
	// start when AskedAt is zero), in thread order, that is not a private
	// note (the customer never got one); AnsweredBy is its
	// author. Both are zero when no agent answered.
	AnsweredAt time.Time
	AnsweredBy string
	// Score is the thread property rating.score as stored ("" when
	// missing); Comment is rating.comment.
	Score   string
	Comment string
}

// ReportQuery is the input of Service.Report.
type ReportQuery struct {
	// From and To are the first and the last day of the range (UTC
	// midnights, To included, at most ReportMaxDays days).
	From, To time.Time
	// GroupID, when not nil, keeps the chats of that group.
	GroupID *int
	// AgentID, when not empty, keeps the threads that agent answered
	// first (ReportThread.AnsweredBy).
	AgentID string
}

// Report is the output of Service.Report.
type Report struct {
	From, To time.Time
	// Days counts the threads started on each day of the range, every
	// day listed, oldest first.
	Days []DayCount
	// Total is over every thread of the report.
	Total ReportStats
	// Agents has a row per agent that answered a thread first, by id;
	// Groups a row per group of the threads' chats, by id.
	Agents []AgentReport
	Groups []GroupReport
	// Comments are the latest ReportMaxComments rating comments, the
	// newest thread first.
	Comments []RatingComment
}

// DayCount is the number of threads started on a UTC day.
type DayCount struct {
	Day   time.Time
	Chats int
}

// ReportStats are the numbers of a set of threads.
type ReportStats struct {
	// Chats is the number of threads; Answered those an agent answered;
	// Closed those closed.
	Chats, Answered, Closed int
	// FirstResponse is over the answered threads: AnsweredAt minus
	// AskedAt (the thread's start when the customer sent nothing).
	FirstResponse Percentiles
	// Resolution is over the closed threads: ClosedAt minus CreatedAt.
	Resolution Percentiles
	// Good and Bad count the ratings (rating.score 1 and 0).
	Good, Bad int
}

// Percentiles of a set of durations, by nearest rank: the p-th percentile
// of n sorted values is the value at rank ceil(p/100 × n) (from 1), so
// the median of an even count is the lower middle value. Zero when
// Count is 0.
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

// RatingComment is one rated thread's comment.
type RatingComment struct {
	ChatID, ThreadID string
	AgentID          string // who answered the thread first; "" if nobody
	Good             bool
	Comment          string
	At               time.Time // the thread's start
}

// Report returns the report of the license's threads started from q.From
// to q.To, those the agent may see: every thread for a manager, the
// threads of chats sharing a group with the agent for a normal agent (not,
// unlike the chats it may act on, the chats it is in from other groups: a
// report is about groups).
func (s *Service) Report(ctx context.Context, a Actor, q ReportQuery) (Report, error) {
	days, err := q.days()
	if err != nil {
		return Report{}, err
	}
	ag, err := s.agentOf(ctx, a)
	if err != nil {
		return Report{}, err
	}
	ths, err := s.store.ReportThreads(ctx, a.LicenseID, q.From, q.To.AddDate(0, 0, 1), ReportMaxThreads+1)
	if err != nil {
		return Report{}, err
	}
	if len(ths) > ReportMaxThreads {
		return Report{}, invalid("the range holds more than %d threads: choose a shorter one or a group", ReportMaxThreads)
	}
	kept := ths[:0]
	for _, th := range ths {
		groups := th.groups()
		if !ag.Manager() && !ag.InAnyGroup(groups...) {
			continue
		}
		if q.GroupID != nil && !slices.Contains(groups, *q.GroupID) {
			continue
		}
		if q.AgentID != "" && th.AnsweredBy != q.AgentID {
			continue
		}
		kept = append(kept, th)
	}
	return buildReport(q.From, days, kept), nil
}

// days validates the range and returns its number of days.
func (q ReportQuery) days() (int, error) {
	for _, t := range []time.Time{q.From, q.To} {
		if t.IsZero() || !t.Equal(t.UTC().Truncate(24*time.Hour)) {
			return 0, invalid("from and to must be days (UTC)")
		}
	}
	if q.To.Before(q.From) {
		return 0, invalid("to is before from")
	}
	n := int(q.To.Sub(q.From)/(24*time.Hour)) + 1
	if n > ReportMaxDays {
		return 0, invalid("a report covers at most %d days, not %d", ReportMaxDays, n)
	}
	return n, nil
}

func (th ReportThread) groups() []int {
	if len(th.GroupIDs) == 0 {
		return []int{0}
	}
	return th.GroupIDs
}

// rating returns whether the thread is rated and whether it is good.
func (th ReportThread) rating() (rated, good bool) {
	f, err := strconv.ParseFloat(th.Score, 64)
	switch {
	case err != nil:
		return false, false
	case f == 1:
		return true, true
	case f == 0:
		return true, false
	}
	return false, false
}

// statsBuilder gathers the durations of ReportStats until done.
type statsBuilder struct {
	ReportStats
	firstResponse, resolution []time.Duration
}

func (b *statsBuilder) add(th ReportThread) {
	b.Chats++
	if !th.AnsweredAt.IsZero() {
		b.Answered++
		start := th.AskedAt
		if start.IsZero() {
			start = th.CreatedAt
		}
		b.firstResponse = append(b.firstResponse, max(th.AnsweredAt.Sub(start), 0))
	}
	if !th.ClosedAt.IsZero() {
		b.Closed++
		b.resolution = append(b.resolution, max(th.ClosedAt.Sub(th.CreatedAt), 0))
	}
	if rated, good := th.rating(); rated && good {
		b.Good++
	} else if rated {
		b.Bad++
	}
}

func (b *statsBuilder) done() ReportStats {
	st := b.ReportStats
	st.FirstResponse = percentiles(b.firstResponse)
	st.Resolution = percentiles(b.resolution)
	return st
}

// percentiles sorts ds and returns their median and 90th percentile by
// nearest rank (see Percentiles).
func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	slices.Sort(ds)
	return Percentiles{Count: len(ds), Median: nearestRank(ds, 50), P90: nearestRank(ds, 90)}
}

func nearestRank(sorted []time.Duration, p int) time.Duration {
	rank := int(math.Ceil(float64(p) * float64(len(sorted)) / 100))
	return sorted[max(rank, 1)-1]
}

// buildReport computes the report of ths, threads started in the days
// days from from, ordered by start.
func buildReport(from time.Time, days int, ths []ReportThread) Report {
	r := Report{From: from, To: from.AddDate(0, 0, days-1), Days: make([]DayCount, days)}
	for i := range r.Days {
		r.Days[i].Day = from.AddDate(0, 0, i)
	}
	var total statsBuilder
	agents := map[string]*statsBuilder{}
	groups := map[int]*statsBuilder{}
	for _, th := range ths {
		if d := int(th.CreatedAt.Sub(from) / (24 * time.Hour)); d >= 0 && d < days {
			r.Days[d].Chats++
		}
		total.add(th)
		if th.AnsweredBy != "" {
			builderOf(agents, th.AnsweredBy).add(th)
		}
		for _, g := range th.groups() {
			builderOf(groups, g).add(th)
		}
	}
	r.Total = total.done()
	for _, id := range sortedKeys(agents) {
		r.Agents = append(r.Agents, AgentReport{AgentID: id, ReportStats: agents[id].done()})
	}
	for _, id := range sortedKeys(groups) {
		r.Groups = append(r.Groups, GroupReport{GroupID: id, ReportStats: groups[id].done()})
	}
	for i := len(ths) - 1; i >= 0 && len(r.Comments) < ReportMaxComments; i-- {
		th := ths[i]
		if rated, good := th.rating(); rated && th.Comment != "" {
			r.Comments = append(r.Comments, RatingComment{ChatID: th.ChatID, ThreadID: th.ThreadID,
				AgentID: th.AnsweredBy, Good: good, Comment: th.Comment, At: th.CreatedAt})
		}
	}
	return r
}

func builderOf[K comparable](m map[K]*statsBuilder, k K) *statsBuilder {
	b := m[k]
	if b == nil {
		b = &statsBuilder{}
		m[k] = b
	}
	return b
}

func sortedKeys[K interface{ ~int | ~string }, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
