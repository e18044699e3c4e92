package console_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/e2e/internal/browsertest"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server/chat"
)

// reportAgent is an agent of the demo license on the Go agent client,
// not accepting chats: it answers the chats the test gives it.
func reportAgent(t *testing.T, srv *parleytest.Server, id string) *agent.Client {
	t.Helper()
	c, err := agent.New(agent.Config{Server: srv.URL, License: srv.License, Token: srv.AgentToken(t, id)})
	if err != nil {
		t.Fatalf("agent.New: %v", err)
	}
	t.Cleanup(c.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := c.SetRoutingStatus(ctx, agent.NotAcceptingChats); err != nil {
		t.Fatalf("SetRoutingStatus: %v", err)
	}
	return c
}

// seedChat has a new customer start a chat in group; by, when not nil,
// joins, answers and closes it, and the customer rates it when rating is
// not nil.
func seedChat(t *testing.T, srv *parleytest.Server, name string, group int, by *agent.Client, rating *customer.Rating) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sdk, err := customer.Init(customer.Config{License: srv.License, ClientID: srv.ClientID, Server: srv.URL,
		Identity: customer.MemoryStore(), Customer: customer.CustomerData{Name: name}})
	if err != nil {
		t.Fatalf("customer.Init: %v", err)
	}
	t.Cleanup(sdk.Destroy)
	ch, err := sdk.StartChat(ctx, customer.StartChatRequest{Groups: []int{group},
		Events: []customer.Event{{Type: customer.EventMessage, Text: "Hello, this is " + name}}})
	if err != nil {
		t.Fatalf("StartChat of %s: %v", name, err)
	}
	if by == nil {
		return ch.ID
	}
	if err := by.JoinChat(ctx, ch.ID); err != nil {
		t.Fatalf("JoinChat of %s's chat: %v", name, err)
	}
	if _, err := by.SendEvent(ctx, ch.ID, agent.Event{Type: agent.EventMessage, Text: "Hi " + name + ", how can I help?"}); err != nil {
		t.Fatalf("SendEvent to %s: %v", name, err)
	}
	if err := by.DeactivateChat(ctx, ch.ID); err != nil {
		t.Fatalf("DeactivateChat of %s's chat: %v", name, err)
	}
	if rating != nil {
		if err := sdk.RateChat(ctx, ch.ID, *rating); err != nil {
			t.Fatalf("RateChat of %s: %v", name, err)
		}
	}
	return ch.ID
}

// historyPerDay is how many chats seedHistory stores on each of the six
// days before today, the day before today first.
var historyPerDay = []int{2, 3, 1, 4, 2, 3}

// seedHistory stores chats of the six days before today through the
// store, with times set: the SDKs can only make today's. The numbers
// themselves are checked against hand-computed fixtures in server/chat;
// here they give the chart its bars and the tables their times.
func seedHistory(t *testing.T, srv *parleytest.Server, today time.Time, agents ...string) {
	t.Helper()
	ctx := context.Background()
	st := srv.Store()
	n := 0
	for d, count := range historyPerDay {
		for j := range count {
			n++
			by := agents[n%len(agents)]
			start := today.AddDate(0, 0, -d-1).Add(time.Duration(9+2*j) * time.Hour)
			chatID, threadID, cu := fmt.Sprintf("history-%d", n), fmt.Sprintf("history-thread-%d", n), fmt.Sprintf("history-customer-%d", n)
			answered := start.Add(time.Duration(20+17*n) * time.Second)
			_, _, err := st.CreateChat(ctx, chat.NewChat{
				Chat: chat.Chat{ID: chatID, LicenseID: srv.License, CustomerID: cu, CreatedAt: start,
					Users: []chat.User{{ID: cu, Type: chat.UserCustomer}, {ID: by, Type: chat.UserAgent}}},
				Thread: chat.Thread{ID: threadID, CreatedAt: start},
				Events: []chat.Event{
					{ID: chatID + "-1", ChatID: chatID, Type: chat.EventMessage, AuthorID: cu, CreatedAt: start, Text: "Hello"},
					{ID: chatID + "-2", ChatID: chatID, Type: chat.EventMessage, AuthorID: by, CreatedAt: answered, Text: "Hi!"},
				},
			})
			if err != nil {
				t.Fatalf("CreateChat %s: %v", chatID, err)
			}
			if _, _, err := st.CloseThread(ctx, chatID, answered.Add(time.Duration(3+2*n)*time.Minute), nil); err != nil {
				t.Fatalf("CloseThread %s: %v", chatID, err)
			}
			if n%3 == 0 {
				continue // not rated
			}
			rating := chat.Properties{"rating": {"score": 1}}
			if n%4 == 0 {
				rating = chat.Properties{"rating": {"score": 0, "comment": "I had to ask twice"}}
			} else if n%5 == 0 {
				rating["rating"]["comment"] = "Solved in minutes, thanks"
			}
			if err := st.UpdateThreadProperties(ctx, chatID, threadID, rating); err != nil {
				t.Fatalf("rate %s: %v", chatID, err)
			}
		}
	}
}

// TestConsoleReports seeds rated chats through the Go SDKs, then opens the
// Reports page: the totals, one bar per day of the range, the rows of the
// agents and groups with the times get_report gives, the ratings and the
// comments; then the 30-day range, and the page at 375×667.
func TestConsoleReports(t *testing.T) {
	chromium := browsertest.Chromium(t, "The console's reports")
	srv := parleytest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st := srv.Store()
	if err := st.PutGroup(ctx, chat.Group{LicenseID: srv.License, ID: 1, Name: "Sales"}); err != nil {
		t.Fatal(err)
	}
	const bea = "bea@parley.test"
	if err := st.PutAgent(ctx, chat.Agent{ID: bea, LicenseID: srv.License, Name: "Bea Brandt", Groups: []int{0, 1}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	demo := reportAgent(t, srv, srv.AgentEmail)
	beaC := reportAgent(t, srv, bea)

	// Ada and Cy are answered by the demo agent, Ben (of Sales) by Bea;
	// nobody answers Dee.
	seedChat(t, srv, "Ada", 0, demo, &customer.Rating{Score: customer.RatingGood, Comment: "Quick and helpful"})
	seedChat(t, srv, "Ben", 1, beaC, &customer.Rating{Score: customer.RatingBad, Comment: "Took too long"})
	seedChat(t, srv, "Cy", 0, demo, &customer.Rating{Score: customer.RatingGood})
	seedChat(t, srv, "Dee", 0, nil, nil)

	today := time.Now().UTC().Truncate(24 * time.Hour)
	seedHistory(t, srv, today, srv.AgentEmail, bea)
	history := 0
	for _, n := range historyPerDay {
		history += n
	}
	want, err := demo.GetReport(ctx, agent.ReportQuery{From: today.AddDate(0, 0, -6), To: today})
	if err != nil {
		t.Fatal(err)
	}
	if want.Total.Chats != 4+history || want.Total.Answered != 3+history || want.Total.Closed != 3+history || want.Days[6].Chats != 4 {
		t.Fatalf("get_report total = %+v, days %+v, want %d chats, all but one answered and closed, 4 today", want.Total, want.Days, 4+history)
	}

	p := startBrowser(t, chromium)
	p.do("open the console", chromedp.EmulateViewport(1360, 1120), chromedp.Navigate(srv.URL+"/agent"))
	p.waitFor("the sign-in form", `!document.getElementById("signin").hidden && document.getElementById("license").value === "`+strconv.Itoa(srv.License)+`"`)
	p.do("sign in",
		typeKeys("#email", srv.AgentEmail),
		typeKeys("#password", srv.AgentPassword),
		chromedp.Click(chromedp.CSS("#signin-button")))
	p.waitFor("the connection", `document.getElementById("conn").dataset.state === "connected"`)

	p.do("open Reports", chromedp.Click(chromedp.CSS("#view-reports")))
	p.waitFor("the reports alone", `!document.getElementById("reports").hidden && `+panesJS+` === "topbar" && `+
		`document.getElementById("view-reports").getAttribute("aria-current") === "page"`)
	p.waitFor("the totals", `document.querySelector('#report-totals [data-stat="chats"] dd')`)
	stat := func(name string) string {
		return eval[string](p, `document.querySelector('#report-totals [data-stat="`+name+`"] :is(dd:not(:has(span)), .rating-text)').textContent`)
	}
	for name, v := range map[string]string{"chats": strconv.Itoa(4 + history), "answered": strconv.Itoa(3 + history),
		"closed": strconv.Itoa(3 + history), "ratings": fmt.Sprintf("%d good · %d bad", want.Total.Good, want.Total.Bad)} {
		if got := stat(name); got != v {
			t.Errorf("total %s shows %q, want %q", name, got, v)
		}
	}
	secs := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }
	for name, d := range map[string]time.Duration{
		"first-response-median": want.Total.FirstResponse.Median, "first-response-p90": want.Total.FirstResponse.P90,
		"resolution-median": want.Total.Resolution.Median, "resolution-p90": want.Total.Resolution.P90,
	} {
		got := eval[string](p, `document.querySelector('#report-totals [data-stat="`+name+`"] dd').dataset.seconds`)
		if got != secs(d) {
			t.Errorf("total %s is %s s, want %s s", name, got, secs(d))
		}
	}

	// One bar per day: the history's, then today's 4.
	bars := eval[[]string](p, `[...document.querySelectorAll("#chats-chart rect.bar")].map(r => r.dataset.date + "=" + r.dataset.chats)`)
	wantBars := []string{today.Format("2006-01-02") + "=4"}
	for d, n := range historyPerDay {
		wantBars = append([]string{today.AddDate(0, 0, -d-1).Format("2006-01-02") + "=" + strconv.Itoa(n)}, wantBars...)
	}
	if fmt.Sprint(bars) != fmt.Sprint(wantBars) {
		t.Errorf("bars = %q, want %q", bars, wantBars)
	}
	// Heights in proportion: the bar of one chat (3 days ago) is the unit.
	heights := eval[[]float64](p, `[...document.querySelectorAll("#chats-chart rect.bar")].map(r => r.height.baseVal.value)`)
	for i, b := range wantBars {
		n, _ := strconv.Atoi(b[strings.Index(b, "=")+1:])
		if len(heights) != 7 || math.Abs(heights[i]-float64(n)*heights[3]) > 0.2 {
			t.Errorf("bar heights = %v: not in proportion to %q", heights, wantBars)
			break
		}
	}
	if ok := eval[bool](p, `(() => { const s = document.getElementById("chats-chart");
		return s.getAttribute("role") === "img" && s.querySelector("title").textContent.startsWith("Chats per day") &&
			s.querySelector("desc").textContent.includes("`+strconv.Itoa(4+history)+` chats in all") &&
			document.querySelectorAll(".chart-table tbody tr").length === 7; })()`); !ok {
		t.Error("the chart has no title, description or table of its numbers")
	}

	// The rows of agents and groups.
	row := func(table, key string) []string {
		return eval[[]string](p, `[...document.querySelector('#`+table+` tr[data-key="`+key+`"]').children].map(c => c.dataset.seconds || c.dataset.good && c.dataset.good + "/" + c.dataset.bad || c.textContent)`)
	}
	wantRow := func(name string, s agent.ReportStats) []string {
		return []string{name, strconv.Itoa(s.Chats), secs(s.FirstResponse.Median), secs(s.FirstResponse.P90),
			secs(s.Resolution.Median), secs(s.Resolution.P90), fmt.Sprintf("%d/%d", s.Good, s.Bad)}
	}
	stats := map[string]agent.ReportStats{}
	for _, a := range want.Agents {
		stats[a.AgentID] = a.ReportStats
	}
	for _, g := range want.Groups {
		stats[strconv.Itoa(g.GroupID)] = g.ReportStats
	}
	for _, c := range []struct{ table, key, name string }{
		{"report-agents", srv.AgentEmail, "Demo Agent"}, {"report-agents", bea, "Bea Brandt"},
		{"report-groups", "0", "General"}, {"report-groups", "1", "Sales"},
	} {
		w := wantRow(c.name, stats[c.key])
		if c.key == "0" {
			w[0] = eval[string](p, `document.querySelector('#report-groups tr[data-key="0"] th').textContent`) // the demo's name of group 0
		}
		if got := row(c.table, c.key); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s row %s = %q, want %q", c.table, c.key, got, w)
		}
	}
	if s := stats["1"]; s.Chats != 1 || s.Bad != 1 || s.Good != 0 {
		t.Errorf("the row of Sales = %+v, want Ben's chat rated bad", s)
	}
	comments := eval[[]string](p, `[...document.querySelectorAll("#report-comments li")].map(li => li.dataset.rating + ": " + li.querySelector(".comment-text").textContent)`)
	if len(comments) != len(want.Comments) || len(comments) < 3 || comments[0] != "bad: Took too long" || comments[1] != "good: Quick and helpful" {
		t.Errorf("comments = %q, want today's two first, then the history's", comments)
	}
	writeScreenshot(t, p, "console-reports.png")

	// The group filter: Sales holds Ben's chat only.
	chooseGroup := func(v string) string {
		return `(s => { s.value = ` + js(v) + `; s.dispatchEvent(new Event("change")); })(document.getElementById("reports-group"))`
	}
	if opts := eval[[]string](p, `[...document.querySelectorAll("#reports-group option")].map(o => o.value + "=" + o.textContent)`); len(opts) != 3 || opts[2] != "1=Sales" {
		t.Errorf("group choice = %q, want all groups and the license's two", opts)
	}
	p.do("choose Sales", chromedp.Evaluate[chromedp.Void](chooseGroup("1")))
	p.waitFor("the report of Sales", `document.querySelector('#report-totals [data-stat="chats"] dd').textContent === "1" && `+
		`document.querySelectorAll("#report-agents tbody tr").length === 1 && document.querySelector("#report-agents tbody tr").dataset.key === `+js(bea)+` && `+
		`[...document.querySelectorAll("#chats-chart rect.bar")].map(r => r.dataset.chats).join() === "0,0,0,0,0,0,1"`)
	p.do("all groups again", chromedp.Evaluate[chromedp.Void](chooseGroup("")))
	p.waitFor("the report of all groups", `document.querySelector('#report-totals [data-stat="chats"] dd').textContent === `+js(strconv.Itoa(4+history)))

	// The last 30 days: 30 bars.
	p.do("choose the last 30 days", chromedp.Click(chromedp.CSS(`#reports .range button[data-days="30"]`)))
	p.waitFor("30 bars", `document.querySelectorAll("#chats-chart rect.bar").length === 30 && `+
		`document.querySelector('#reports .range button[data-days="30"]').getAttribute("aria-pressed") === "true"`)

	// Back to the chats, then the page on a phone.
	p.do("back to the chats", chromedp.Click(chromedp.CSS("#view-chats")))
	p.waitFor("the chats again", `document.getElementById("reports").hidden && `+panesJS+` === "topbar chats conversation customer"`)
	p.do("a phone", chromedp.Emulate(device.IPhoneSE3rdgen))
	p.tap("open Reports on a phone", "#view-reports")
	p.waitFor("30 bars on a phone", `!document.getElementById("reports").hidden && document.querySelectorAll("#chats-chart rect.bar").length === 30`)
	p.waitFor("the chart within the screen", `document.getElementById("chats-chart").getBoundingClientRect().right <= innerWidth`)
	p.checkLayout("the reports")
	writeScreenshot(t, p, "console-phone-reports.png")
}
