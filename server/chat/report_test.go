package chat_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// The report fixture: six threads from 2025-01-01 to 2025-01-03 (none on
// the 2nd) and two just outside, with times set through the store. The
// numbers the tests expect are worked out by hand in the comments, with
// percentiles by nearest rank (rank ceil(p/100 × n) of the sorted values).
//
//	thread  groups  asked     answered        FR    closed    resolution  rating
//	t1      1       10:00:00  ann 10:00:30    30 s  10:05:00  300 s       good "Quick and kind"
//	t2      1       11:00:00  ann 11:02:00   120 s  11:20:00  1200 s      bad "Too slow"
//	t3      2       12:00:00  bob 12:00:10    10 s  12:01:40  100 s       good
//	t4      1, 2    09:00:00  bob 09:01:00    60 s  09:30:00  1800 s      —
//	t5      2       10:00:00  —                —    —         —           —
//	t6      1       14:00:40  ann 14:01:30    50 s  14:11:00  660 s       good "Thanks!"
//
// t6 starts at 14:00:00 with a pre-chat form; its first message is at
// 14:00:40, which starts the first-response clock.
var (
	repDay1 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	repDay3 = repDay1.AddDate(0, 0, 2)
)

const (
	repAnn  = "ann@x"  // normal, group 1
	repBob  = "bob@x"  // normal, group 2
	repBoss = "boss@x" // owner, group 0
	repOut  = "out@x"  // normal, group 3: no chats
)

func sec(n int) time.Duration { return time.Duration(n) * time.Second }

type repEvent struct {
	typ, author string
	at          time.Time
}

// repThread stores a chat of the groups with one thread of events, closed
// at closed (zero: active) and rated (score < 0: not rated).
func (e *env) repThread(name string, groups []int, events []repEvent, closed time.Time, score int, comment string) {
	e.t.Helper()
	chatID, threadID := "chat-"+name, "thread-"+name
	evs := make([]chat.Event, len(events))
	for i, x := range events {
		evs[i] = chat.Event{ID: fmt.Sprintf("%s-%d", name, i), ChatID: chatID, Type: x.typ, AuthorID: x.author, CreatedAt: x.at, Text: x.typ}
	}
	_, _, err := e.store.CreateChat(e.ctx, chat.NewChat{
		Chat: chat.Chat{ID: chatID, LicenseID: license, CustomerID: "cu-" + name, GroupIDs: groups, CreatedAt: events[0].at,
			Users: []chat.User{{ID: "cu-" + name, Type: chat.UserCustomer}, {ID: repAnn, Type: chat.UserAgent}, {ID: repBob, Type: chat.UserAgent}}},
		Thread: chat.Thread{ID: threadID, CreatedAt: events[0].at},
		Events: evs,
	})
	e.must(err, "CreateChat "+name)
	if !closed.IsZero() {
		_, _, err := e.store.CloseThread(e.ctx, chatID, closed, nil)
		e.must(err, "CloseThread "+name)
	}
	if score >= 0 {
		p := chat.Properties{"rating": {"score": score}}
		if comment != "" {
			p["rating"]["comment"] = comment
		}
		e.must(e.store.UpdateThreadProperties(e.ctx, chatID, threadID, p), "rate "+name)
	}
}

func reportEnv(t *testing.T) *env {
	e := newEnv(t, 0)
	e.agentAs(chat.RoleNormal, repAnn, 5, 1)
	e.agentAs(chat.RoleNormal, repBob, 5, 2)
	e.agentAs(chat.RoleOwner, repBoss, 5)
	e.agentAs(chat.RoleNormal, repOut, 5, 3)
	d1 := func(h, m, s int) time.Time { return repDay1.Add(sec(h*3600 + m*60 + s)) }
	d3 := func(h, m, s int) time.Time { return repDay3.Add(sec(h*3600 + m*60 + s)) }
	msg := chat.EventMessage
	e.repThread("t1", []int{1}, []repEvent{{msg, "cu-t1", d1(10, 0, 0)}, {msg, repAnn, d1(10, 0, 30)}}, d1(10, 5, 0), 1, "Quick and kind")
	e.repThread("t2", []int{1}, []repEvent{{msg, "cu-t2", d1(11, 0, 0)}, {msg, repAnn, d1(11, 2, 0)}, {msg, repBob, d1(11, 3, 0)}}, d1(11, 20, 0), 0, "Too slow")
	e.repThread("t3", []int{2}, []repEvent{{msg, "cu-t3", d1(12, 0, 0)}, {chat.EventFile, repBob, d1(12, 0, 10)}}, d1(12, 1, 40), 1, "")
	e.repThread("t4", []int{1, 2}, []repEvent{{msg, "cu-t4", d3(9, 0, 0)}, {msg, repBob, d3(9, 1, 0)}}, d3(9, 30, 0), -1, "")
	e.repThread("t5", []int{2}, []repEvent{{msg, "cu-t5", d3(10, 0, 0)}}, time.Time{}, -1, "")
	e.repThread("t6", []int{1}, []repEvent{{chat.EventFilledForm, "cu-t6", d3(14, 0, 0)}, {msg, "cu-t6", d3(14, 0, 40)},
		{msg, repAnn, d3(14, 1, 30)}}, d3(14, 11, 0), 1, "Thanks!")
	// Outside the range: the second before it and its end.
	e.repThread("t0", []int{1}, []repEvent{{msg, "cu-t0", repDay1.Add(-time.Second)}, {msg, repAnn, repDay1}}, time.Time{}, 1, "before")
	e.repThread("t7", []int{1}, []repEvent{{msg, "cu-t7", repDay3.AddDate(0, 0, 1)}, {msg, repAnn, repDay3.AddDate(0, 0, 1)}}, time.Time{}, 0, "after")
	return e
}

func pct(n, median, p90 int) chat.Percentiles {
	return chat.Percentiles{Count: n, Median: sec(median), P90: sec(p90)}
}

func days(counts ...int) []chat.DayCount {
	out := make([]chat.DayCount, len(counts))
	for i, n := range counts {
		out[i] = chat.DayCount{Day: repDay1.AddDate(0, 0, i), Chats: n}
	}
	return out
}

// Hand-computed rows.
var (
	// Ann answered t1, t2, t6. FR 30, 120, 50 → sorted 30 50 120: median
	// rank ceil(1.5) = 2 → 50, p90 rank ceil(2.7) = 3 → 120. Resolution
	// 300, 1200, 660 → 300 660 1200: median 660, p90 1200.
	repAnnStats = chat.ReportStats{Chats: 3, Answered: 3, Closed: 3, FirstResponse: pct(3, 50, 120), Resolution: pct(3, 660, 1200), Good: 2, Bad: 1}
	// Bob answered t3 and t4. FR 10, 60: median rank 1 → 10, p90 rank
	// ceil(1.8) = 2 → 60. Resolution 100, 1800.
	repBobStats = chat.ReportStats{Chats: 2, Answered: 2, Closed: 2, FirstResponse: pct(2, 10, 60), Resolution: pct(2, 100, 1800), Good: 1}
	// Group 1: t1, t2, t4, t6. FR 30 50 60 120: median rank 2 → 50, p90
	// rank ceil(3.6) = 4 → 120. Resolution 300 660 1200 1800: 660, 1800.
	repGroup1 = chat.ReportStats{Chats: 4, Answered: 4, Closed: 4, FirstResponse: pct(4, 50, 120), Resolution: pct(4, 660, 1800), Good: 2, Bad: 1}
	// Group 2: t3, t4, t5 (t5 unanswered, open). FR 10 60, resolution 100 1800.
	repGroup2 = chat.ReportStats{Chats: 3, Answered: 2, Closed: 2, FirstResponse: pct(2, 10, 60), Resolution: pct(2, 100, 1800), Good: 1}
	// Group 1 as Bob sees it: t4 only.
	repGroup1OfT4 = chat.ReportStats{Chats: 1, Answered: 1, Closed: 1, FirstResponse: pct(1, 60, 60), Resolution: pct(1, 1800, 1800)}
)

func TestReport(t *testing.T) {
	e := reportEnv(t)
	q := chat.ReportQuery{From: repDay1, To: repDay3}
	got, err := e.svc.Report(e.ctx, e.actor(repBoss), q)
	e.must(err, "Report")
	want := chat.Report{
		From: repDay1, To: repDay3,
		Days: days(3, 0, 3),
		// Every thread. FR 30 120 10 60 50 → 10 30 50 60 120: median rank
		// ceil(2.5) = 3 → 50, p90 rank ceil(4.5) = 5 → 120. Resolution 300
		// 1200 100 1800 660 → 100 300 660 1200 1800: median 660, p90 1800.
		Total:  chat.ReportStats{Chats: 6, Answered: 5, Closed: 5, FirstResponse: pct(5, 50, 120), Resolution: pct(5, 660, 1800), Good: 3, Bad: 1},
		Agents: []chat.AgentReport{{AgentID: repAnn, ReportStats: repAnnStats}, {AgentID: repBob, ReportStats: repBobStats}},
		Groups: []chat.GroupReport{{GroupID: 1, ReportStats: repGroup1}, {GroupID: 2, ReportStats: repGroup2}},
		Comments: []chat.RatingComment{
			{ChatID: "chat-t6", ThreadID: "thread-t6", AgentID: repAnn, Good: true, Comment: "Thanks!", At: repDay3.Add(14 * time.Hour)},
			{ChatID: "chat-t2", ThreadID: "thread-t2", AgentID: repAnn, Good: false, Comment: "Too slow", At: repDay1.Add(11 * time.Hour)},
			{ChatID: "chat-t1", ThreadID: "thread-t1", AgentID: repAnn, Good: true, Comment: "Quick and kind", At: repDay1.Add(10 * time.Hour)},
		},
	}
	wantReport(t, "the owner's report", got, want)

	// Filtered by agent: Ann's threads only.
	q.AgentID = repAnn
	got, err = e.svc.Report(e.ctx, e.actor(repBoss), q)
	e.must(err, "Report of Ann")
	wantReport(t, "the report of Ann", got, chat.Report{From: repDay1, To: repDay3, Days: days(2, 0, 1), Total: repAnnStats,
		Agents: []chat.AgentReport{{AgentID: repAnn, ReportStats: repAnnStats}},
		Groups: []chat.GroupReport{{GroupID: 1, ReportStats: repAnnStats}}, Comments: want.Comments})
}

// TestReportPermissions: a normal agent's report covers the chats of its
// groups only, whatever it asks for; a manager's covers the license.
func TestReportPermissions(t *testing.T) {
	e := reportEnv(t)
	all := chat.ReportQuery{From: repDay1, To: repDay3}
	group := func(g int) chat.ReportQuery { q := all; q.GroupID = &g; return q }
	// Bob (group 2) sees t3, t4 and t5: the rows of group 1 hold t4, which
	// is in both groups.
	bobView := chat.Report{From: repDay1, To: repDay3, Days: days(1, 0, 2), Total: repGroup2,
		Agents: []chat.AgentReport{{AgentID: repBob, ReportStats: repBobStats}},
		Groups: []chat.GroupReport{{GroupID: 1, ReportStats: repGroup1OfT4}, {GroupID: 2, ReportStats: repGroup2}}}
	only := func(s chat.ReportStats, days_ []chat.DayCount) chat.Report {
		return chat.Report{From: repDay1, To: repDay3, Days: days_, Total: s,
			Agents: []chat.AgentReport{{AgentID: repBob, ReportStats: s}},
			Groups: []chat.GroupReport{{GroupID: 1, ReportStats: s}, {GroupID: 2, ReportStats: s}}}
	}
	empty := chat.Report{From: repDay1, To: repDay3, Days: days(0, 0, 0)}
	for _, c := range []struct {
		who  string
		q    chat.ReportQuery
		want chat.Report
	}{
		{repBob, all, bobView},
		{repBob, group(2), bobView},
		{repBob, group(1), only(repGroup1OfT4, days(0, 0, 1))},
		{repBob, group(3), empty},
		{repOut, all, empty},
		{repOut, group(1), empty},
		{repBoss, group(2), bobView},
	} {
		got, err := e.svc.Report(e.ctx, e.actor(c.who), c.q)
		e.must(err, "Report of "+c.who)
		wantReport(t, fmt.Sprintf("%s's report of group %v", c.who, c.q.GroupID), got, c.want)
	}
	// Ann (group 1) sees t1, t2, t4 and t6, and none of t3's and t5's.
	got, err := e.svc.Report(e.ctx, e.actor(repAnn), all)
	e.must(err, "Report of Ann")
	if got.Total.Chats != 4 || got.Days[0].Chats != 2 || len(got.Comments) != 3 {
		t.Errorf("Ann's report: total %+v, days %+v, %d comments; want 4 chats, 2 on the first day, 3 comments", got.Total, got.Days, len(got.Comments))
	}
	for _, g := range got.Groups {
		if g.GroupID == 2 && g.Chats != 1 {
			t.Errorf("Ann's row of group 2: %+v, want t4 only", g)
		}
	}
	_, err = e.svc.Report(e.ctx, chat.Actor{LicenseID: license, UserID: "cu-t1", Type: chat.UserCustomer}, all)
	wantErr(t, err, chat.ErrInvalid, "a customer's report")
}

func TestReportRange(t *testing.T) {
	e := newEnv(t, 0)
	e.agentAs(chat.RoleOwner, repBoss, 5)
	for _, c := range []struct {
		name     string
		from, to time.Time
		ok       bool
	}{
		{"one day", repDay1, repDay1, true},
		{"366 days", repDay1, repDay1.AddDate(0, 0, 365), true},
		{"367 days", repDay1, repDay1.AddDate(0, 0, 366), false},
		{"to before from", repDay3, repDay1, false},
		{"not a midnight", repDay1.Add(time.Hour), repDay3, false},
		{"no from", time.Time{}, repDay3, false},
	} {
		r, err := e.svc.Report(e.ctx, e.actor(repBoss), chat.ReportQuery{From: c.from, To: c.to})
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.ok && len(r.Days) != int(c.to.Sub(c.from)/(24*time.Hour))+1:
			t.Errorf("%s: %d days", c.name, len(r.Days))
		case !c.ok:
			wantErr(t, err, chat.ErrInvalid, c.name)
		}
	}
}

func wantReport(t *testing.T, what string, got, want chat.Report) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}
