package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// Run runs the contract suite. newStore returns a new, empty store for one
// test and arranges (with t.Cleanup) for it to be closed; the suite calls it
// once per subtest.
func Run(t *testing.T, newStore func(t *testing.T) chat.Store) {
	mk := func(t *testing.T) *env {
		t.Helper()
		s := newStore(t)
		if s == nil {
			t.Fatal("newStore returned nil")
		}
		return &env{t: t, s: s, ctx: context.Background(), clock: base}
	}
	groups := []struct {
		name string
		run  func(*testing.T, func(*testing.T) *env)
	}{
		{"Licenses", testLicenses},
		{"Organizations", testOrganizations},
		{"Clients", testClients},
		{"Groups", testGroups},
		{"CannedResponses", testCannedResponses},
		{"Customers", testCustomers},
		{"Agents", testAgents},
		{"CreateChat", testCreateChat},
		{"ActivateChat", testActivateChat},
		{"AppendEvent", testAppendEvent},
		{"CustomID", testCustomID},
		{"CloseThread", testCloseThread},
		{"Threads", testThreads},
		{"ThreadsByID", testThreadsByID},
		{"ThreadEvents", testThreadEvents},
		{"TotalEvents", testTotalEvents},
		{"LastEvents", testLastEvents},
		{"Notes", testNotes},
		{"Tags", testTags},
		{"EventsAfter", testEventsAfter},
		{"EventFields", testEventFields},
		{"Times", testTimes},
		{"Properties", testProperties},
		{"ChatUsers", testChatUsers},
		{"SetLastSeen", testSetLastSeen},
		{"AddPostback", testAddPostback},
		{"Chats", testChats},
		{"MissingChat", testMissingChat},
		{"Concurrency", testConcurrency},
		{"Routing", testRouting},
		{"Tokens", testTokens},
		{"ReportThreads", testReportThreads},
		{"SearchChats", testSearchChats},
		{"SearchCustomers", testSearchCustomers},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.run(t, mk) })
	}
}

// base is the suite's clock origin; it has milliseconds on purpose.
var base = time.Date(2024, 3, 10, 9, 30, 0, 123_000_000, time.UTC)

const (
	license  = 1
	customer = "customer-1"
	agent    = "agent@example.com"
	agent2   = "second@example.com"
)

// env is one test's store and helpers.
type env struct {
	t     *testing.T
	s     chat.Store
	ctx   context.Context
	clock time.Time
}

var idSeq atomic.Int64

// id returns a new unique id with the given prefix.
func id(prefix string) string {
	return fmt.Sprintf("%s-%04d", prefix, idSeq.Add(1))
}

// now returns the suite clock, one second and one millisecond later than
// the last call.
func (e *env) now() time.Time {
	e.clock = e.clock.Add(time.Second + time.Millisecond)
	return e.clock
}

func (e *env) fatalf(format string, args ...any) {
	e.t.Helper()
	e.t.Fatalf(format, args...)
}

// must fails the test on a non-nil error.
func (e *env) must(err error, what string) {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("%s: %v", what, err)
	}
}

// wantErr fails the test unless errors.Is(err, want).
func wantErr(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

// message returns a message event by author at the next clock tick.
func (e *env) message(chatID, author, text string) chat.Event {
	return chat.Event{ID: id("event"), ChatID: chatID, Type: chat.EventMessage, AuthorID: author, CreatedAt: e.now(), Text: text}
}

func (e *env) system(chatID, kind string) chat.Event {
	return chat.Event{ID: id("event"), ChatID: chatID, Type: chat.EventSystemMessage, CreatedAt: e.now(),
		SystemMessageType: kind, Text: kind}
}

// newChatInput is the default NewChat: license 1, the customer and the agent
// as users, a first thread and one customer message.
func (e *env) newChatInput() chat.NewChat {
	chatID := id("chat")
	created := e.now()
	return chat.NewChat{
		Chat: chat.Chat{
			ID: chatID, LicenseID: license, CustomerID: customer, GroupIDs: []int{0},
			Users: []chat.User{
				{ID: customer, Type: chat.UserCustomer, Present: true},
				{ID: agent, Type: chat.UserAgent, Present: true},
			},
			CreatedAt: created,
		},
		Thread: chat.Thread{ID: id("thread"), CreatedAt: created},
		Events: []chat.Event{e.message(chatID, customer, "hello")},
	}
}

// newChat creates a chat from the default input changed by opts.
func (e *env) newChat(opts ...func(*chat.NewChat)) (chat.Chat, chat.Thread) {
	e.t.Helper()
	nc := e.newChatInput()
	for _, o := range opts {
		o(&nc)
	}
	c, th, err := e.s.CreateChat(e.ctx, nc)
	e.must(err, "CreateChat")
	return c, th
}

// withoutThread makes newChat store a chat without threads.
func withoutThread(nc *chat.NewChat) {
	nc.Thread = chat.Thread{}
	nc.Events = nil
}

func (e *env) chat(id string) chat.Chat {
	e.t.Helper()
	c, err := e.s.Chat(e.ctx, id)
	e.must(err, "Chat "+id)
	return c
}

// thread reads one thread with its events.
func (e *env) thread(chatID, threadID string) chat.Thread {
	e.t.Helper()
	ts, err := e.s.ThreadsByID(e.ctx, chatID, []string{threadID})
	e.must(err, "ThreadsByID "+threadID)
	if len(ts) != 1 {
		e.fatalf("ThreadsByID %s: got %d threads, want 1", threadID, len(ts))
	}
	return ts[0]
}

func (e *env) append(mode chat.AppendMode, ev chat.Event) chat.AppendResult {
	e.t.Helper()
	res, err := e.s.AppendEvent(e.ctx, chat.AppendEvent{Event: ev, Mode: mode, NewThreadID: id("thread")})
	e.must(err, "AppendEvent "+ev.ID)
	return res
}

func (e *env) close(chatID string) chat.Thread {
	e.t.Helper()
	th, _, err := e.s.CloseThread(e.ctx, chatID, e.now(), nil)
	e.must(err, "CloseThread "+chatID)
	return th
}

// activate closes nothing; it opens a new thread in an inactive chat.
func (e *env) activate(chatID string, users []chat.User, events ...chat.Event) (chat.Chat, chat.Thread) {
	e.t.Helper()
	c, th, err := e.s.ActivateChat(e.ctx, chatID, chat.Thread{ID: id("thread"), CreatedAt: e.now()}, users, events)
	e.must(err, "ActivateChat "+chatID)
	return c, th
}

// allEvents returns every event of a chat in store order.
func (e *env) allEvents(chatID string) []chat.Event {
	e.t.Helper()
	evs, err := e.s.EventsAfter(e.ctx, chatID, 0, 0, 0)
	e.must(err, "EventsAfter "+chatID)
	return evs
}

// --- comparisons ---

func sameTime(a, b time.Time) bool {
	if a.IsZero() || b.IsZero() {
		return a.IsZero() && b.IsZero()
	}
	return a.Equal(b)
}

func checkTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !sameTime(got, want) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// normJSON decodes v's JSON form into plain values, so that values equal
// in JSON compare equal. Nil and empty maps and slices are the same.
func normJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("unmarshalable %T: %v", v, err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Sprintf("bad JSON %s", b)
	}
	return dropEmpty(out)
}

func dropEmpty(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if d := dropEmpty(e); d == nil && e != nil {
				delete(x, k)
			} else {
				x[k] = d
			}
		}
		if len(x) == 0 {
			return nil
		}
	case []any:
		if len(x) == 0 {
			return nil
		}
		for i := range x {
			x[i] = dropEmpty(x[i])
		}
	}
	return v
}

func sameJSON(a, b any) bool { return reflect.DeepEqual(normJSON(a), normJSON(b)) }

// sameRaw compares raw JSON by value; empty and absent are the same.
func sameRaw(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == 0 && len(b) == 0
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func checkProps(t *testing.T, what string, got, want chat.Properties) {
	t.Helper()
	if !sameJSON(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s properties: got %s, want %s", what, g, w)
	}
}

// checkEvent compares every field of an event.
func checkEvent(t *testing.T, what string, got, want chat.Event) {
	t.Helper()
	str := func(field, g, w string) {
		t.Helper()
		if g != w {
			t.Errorf("%s %s: got %q, want %q", what, field, g, w)
		}
	}
	str("ID", got.ID, want.ID)
	str("ChatID", got.ChatID, want.ChatID)
	str("ThreadID", got.ThreadID, want.ThreadID)
	if got.Order != want.Order {
		t.Errorf("%s Order: got %d, want %d", what, got.Order, want.Order)
	}
	str("Type", got.Type, want.Type)
	str("AuthorID", got.AuthorID, want.AuthorID)
	checkTime(t, what+" CreatedAt", got.CreatedAt, want.CreatedAt)
	str("CustomID", got.CustomID, want.CustomID)
	str("Visibility", got.Visibility, want.Visibility)
	checkProps(t, what, got.Properties, want.Properties)
	str("Text", got.Text, want.Text)
	if !reflect.DeepEqual(got.Postback, want.Postback) {
		t.Errorf("%s Postback: got %+v, want %+v", what, got.Postback, want.Postback)
	}
	str("SystemMessageType", got.SystemMessageType, want.SystemMessageType)
	if len(got.TextVars) != 0 || len(want.TextVars) != 0 {
		if !reflect.DeepEqual(got.TextVars, want.TextVars) {
			t.Errorf("%s TextVars: got %v, want %v", what, got.TextVars, want.TextVars)
		}
	}
	if !reflect.DeepEqual(got.File, want.File) {
		t.Errorf("%s File: got %+v, want %+v", what, got.File, want.File)
	}
	str("TemplateID", got.TemplateID, want.TemplateID)
	raw := func(field string, g, w json.RawMessage) {
		t.Helper()
		if !sameRaw(g, w) {
			t.Errorf("%s %s: got %s, want %s", what, field, g, w)
		}
	}
	raw("Elements", got.Elements, want.Elements)
	str("FormID", got.FormID, want.FormID)
	raw("Fields", got.Fields, want.Fields)
	str("AnnotationType", got.AnnotationType, want.AnnotationType)
	raw("Content", got.Content, want.Content)
}

// stored returns ev as the store should keep it in a thread at order.
func stored(ev chat.Event, threadID string, order int) chat.Event {
	ev.ThreadID = threadID
	ev.Order = order
	return ev
}

func checkEvents(t *testing.T, what string, got, want []chat.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d events %v, want %d %v", what, len(got), eventIDs(got), len(want), eventIDs(want))
	}
	for i := range got {
		checkEvent(t, fmt.Sprintf("%s[%d]", what, i), got[i], want[i])
	}
}

func eventIDs(evs []chat.Event) []string {
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	return ids
}

func sortedStrings(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

func checkIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(sortedStrings(got), sortedStrings(want)) {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// checkUsers compares chat users as a set by id.
func checkUsers(t *testing.T, what string, got, want []chat.User) {
	t.Helper()
	key := func(us []chat.User) []chat.User {
		out := slices.Clone(us)
		slices.SortFunc(out, func(a, b chat.User) int {
			switch {
			case a.ID < b.ID:
				return -1
			case a.ID > b.ID:
				return 1
			}
			return 0
		})
		return out
	}
	g, w := key(got), key(want)
	if len(g) != len(w) {
		t.Errorf("%s: got users %+v, want %+v", what, got, want)
		return
	}
	for i := range g {
		if g[i].ID != w[i].ID || g[i].Type != w[i].Type || g[i].Present != w[i].Present || !sameTime(g[i].LastSeen, w[i].LastSeen) {
			t.Errorf("%s: got user %+v, want %+v", what, g[i], w[i])
		}
	}
}

func findUser(c chat.Chat, userID string) (chat.User, bool) {
	for _, u := range c.Users {
		if u.ID == userID {
			return u, true
		}
	}
	return chat.User{}, false
}

// checkChat compares the stored fields of two chats.
func checkChat(t *testing.T, what string, got, want chat.Chat) {
	t.Helper()
	if got.ID != want.ID || got.LicenseID != want.LicenseID || got.CustomerID != want.CustomerID {
		t.Errorf("%s: got chat %s/%d/%s, want %s/%d/%s", what, got.ID, got.LicenseID, got.CustomerID, want.ID, want.LicenseID, want.CustomerID)
	}
	if !sameJSON(got.GroupIDs, want.GroupIDs) {
		t.Errorf("%s GroupIDs: got %v, want %v", what, got.GroupIDs, want.GroupIDs)
	}
	checkProps(t, what, got.Properties, want.Properties)
	checkUsers(t, what, got.Users, want.Users)
	checkTime(t, what+" CreatedAt", got.CreatedAt, want.CreatedAt)
	if got.LastThreadID != want.LastThreadID {
		t.Errorf("%s LastThreadID: got %q, want %q", what, got.LastThreadID, want.LastThreadID)
	}
	if got.Active != want.Active {
		t.Errorf("%s Active: got %v, want %v", what, got.Active, want.Active)
	}
	checkTime(t, what+" LastEventAt", got.LastEventAt, want.LastEventAt)
}

// checkThread compares the fields of two threads except Events.
func checkThread(t *testing.T, what string, got, want chat.Thread) {
	t.Helper()
	if got.ID != want.ID || got.ChatID != want.ChatID {
		t.Errorf("%s: got thread %s of chat %s, want %s of %s", what, got.ID, got.ChatID, want.ID, want.ChatID)
	}
	if got.Order != want.Order {
		t.Errorf("%s Order: got %d, want %d", what, got.Order, want.Order)
	}
	if got.Active != want.Active {
		t.Errorf("%s Active: got %v, want %v", what, got.Active, want.Active)
	}
	checkIDs(t, what+" UserIDs", got.UserIDs, want.UserIDs)
	checkProps(t, what, got.Properties, want.Properties)
	checkTime(t, what+" CreatedAt", got.CreatedAt, want.CreatedAt)
	checkTime(t, what+" ClosedAt", got.ClosedAt, want.ClosedAt)
	if got.TotalEvents != want.TotalEvents {
		t.Errorf("%s TotalEvents: got %d, want %d", what, got.TotalEvents, want.TotalEvents)
	}
}
