package storetest

import (
	"reflect"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// reportDay is the day the report fixture happens on.
var reportDay = time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)

// at is a time of the report day.
func at(h, m, s int) time.Time {
	return reportDay.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second)
}

// reportChat stores a chat of groups whose first thread starts at start
// with events and returns its chat and thread ids.
func (e *env) reportChat(licenseID int, groups []int, start time.Time, events ...chat.Event) (string, string) {
	e.t.Helper()
	chatID, threadID := id("chat"), id("thread")
	for i := range events {
		events[i].ID, events[i].ChatID = id("event"), chatID
	}
	_, _, err := e.s.CreateChat(e.ctx, chat.NewChat{
		Chat: chat.Chat{ID: chatID, LicenseID: licenseID, CustomerID: customer, GroupIDs: groups,
			Users:     []chat.User{{ID: customer, Type: chat.UserCustomer}, {ID: agent, Type: chat.UserAgent}, {ID: agent2, Type: chat.UserAgent}},
			CreatedAt: start},
		Thread: chat.Thread{ID: threadID, CreatedAt: start},
		Events: events,
	})
	e.must(err, "CreateChat")
	return chatID, threadID
}

func ev(typ, author string, t time.Time) chat.Event {
	return chat.Event{Type: typ, AuthorID: author, CreatedAt: t, Text: typ}
}

// testReportThreads: ReportThreads finds, per thread started in the
// range, the customer's first message and the first agent answer after
// it, the close and the rating; it leaves out other licenses, threads
// outside the range and keeps to the limit.
func testReportThreads(t *testing.T, mk func(*testing.T) *env) {
	e := mk(t)
	e.must(e.s.PutLicense(e.ctx, chat.License{ID: 2, Name: "other", CreatedAt: base}), "PutLicense 2")
	msg, sys := chat.EventMessage, chat.EventSystemMessage

	// A: asked at 9:00:00, answered at 9:00:30 by agent, closed at 9:10, rated good.
	aChat, aThread := e.reportChat(license, []int{1}, at(9, 0, 0),
		ev(msg, customer, at(9, 0, 0)), ev(sys, "", at(9, 0, 10)), ev(msg, agent, at(9, 0, 30)), ev(msg, agent2, at(9, 0, 40)))
	_, _, err := e.s.CloseThread(e.ctx, aChat, at(9, 10, 0), nil)
	e.must(err, "CloseThread A")
	e.must(e.s.UpdateThreadProperties(e.ctx, aChat, aThread, chat.Properties{"rating": {"score": 1, "comment": "great"}}), "rate A")
	// A's second thread starts the next day: outside the range.
	_, _, err = e.s.ActivateChat(e.ctx, aChat, chat.Thread{ID: id("thread"), CreatedAt: reportDay.AddDate(0, 0, 1)}, nil,
		[]chat.Event{{ID: id("event"), ChatID: aChat, Type: msg, AuthorID: customer, CreatedAt: reportDay.AddDate(0, 0, 1), Text: "again"}})
	e.must(err, "ActivateChat A")

	// B: a form first, asked at 10:00:20, answered by agent2's rich message at 10:00:50; rated bad, no comment; active.
	bChat, bThread := e.reportChat(license, nil, at(10, 0, 0),
		ev(chat.EventFilledForm, customer, at(10, 0, 0)), ev(msg, customer, at(10, 0, 20)), ev(msg, customer, at(10, 0, 25)))
	e.append(chat.AppendActive, chat.Event{ID: id("event"), ChatID: bChat, Type: chat.EventRichMessage, AuthorID: agent2,
		CreatedAt: at(10, 0, 50), TemplateID: "cards"})
	e.must(e.s.UpdateThreadProperties(e.ctx, bChat, bThread, chat.Properties{"rating": {"score": 0}}), "rate B")

	// C: the agent writes first (11:00), the customer asks at 11:00:05, the agent answers at 11:01:05.
	cChat, cThread := e.reportChat(license, []int{1, 2}, at(11, 0, 0),
		ev(msg, agent, at(11, 0, 0)), ev(msg, customer, at(11, 0, 5)), ev(chat.EventAnnotation, agent, at(11, 0, 6)), ev(msg, agent, at(11, 1, 5)))

	// D: the customer is never answered.
	dChat, dThread := e.reportChat(license, []int{2}, at(12, 0, 0), ev(msg, customer, at(12, 0, 0)))

	// E: another license's chat, the same day; F: the day before.
	e.reportChat(2, nil, at(9, 30, 0), ev(msg, customer, at(9, 30, 0)), ev(msg, agent, at(9, 31, 0)))
	e.reportChat(license, nil, reportDay.Add(-time.Second), ev(msg, customer, reportDay.Add(-time.Second)))

	want := []chat.ReportThread{
		{ChatID: aChat, ThreadID: aThread, GroupIDs: []int{1}, CreatedAt: at(9, 0, 0), ClosedAt: at(9, 10, 0),
			AskedAt: at(9, 0, 0), AnsweredAt: at(9, 0, 30), AnsweredBy: agent, Score: "1", Comment: "great"},
		{ChatID: bChat, ThreadID: bThread, GroupIDs: []int{}, CreatedAt: at(10, 0, 0),
			AskedAt: at(10, 0, 20), AnsweredAt: at(10, 0, 50), AnsweredBy: agent2, Score: "0"},
		{ChatID: cChat, ThreadID: cThread, GroupIDs: []int{1, 2}, CreatedAt: at(11, 0, 0),
			AskedAt: at(11, 0, 5), AnsweredAt: at(11, 1, 5), AnsweredBy: agent},
		{ChatID: dChat, ThreadID: dThread, GroupIDs: []int{2}, CreatedAt: at(12, 0, 0), AskedAt: at(12, 0, 0)},
	}
	got, err := e.s.ReportThreads(e.ctx, license, reportDay, reportDay.AddDate(0, 0, 1), 10)
	e.must(err, "ReportThreads")
	for i := range got {
		if len(got[i].GroupIDs) == 0 {
			got[i].GroupIDs = []int{}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ReportThreads:\n got %+v\nwant %+v", got, want)
	}
	got, err = e.s.ReportThreads(e.ctx, license, reportDay, reportDay.AddDate(0, 0, 1), 2)
	e.must(err, "ReportThreads limit 2")
	if len(got) != 2 || got[1].ThreadID != bThread {
		t.Errorf("ReportThreads limit 2: got %+v, want A and B", got)
	}
	got, err = e.s.ReportThreads(e.ctx, 3, reportDay, reportDay.AddDate(0, 0, 1), 10)
	e.must(err, "ReportThreads of a license without chats")
	if len(got) != 0 {
		t.Errorf("ReportThreads of license 3: got %+v, want none", got)
	}
}
