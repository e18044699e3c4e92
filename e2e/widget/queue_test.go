package widget_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server/chat"
)

// TestWidgetQueue: with the only agent full, the widget's chat waits in
// the queue and the widget shows its place and the estimated wait,
// updated as the chat ahead of it is given out, and gone once an agent
// takes the chat.
func TestWidgetQueue(t *testing.T) {
	srv := parleytest.NewServer(t)
	const agentID = "queue@parley.test"
	err := srv.Store().PutAgent(context.Background(), chat.Agent{ID: agentID, LicenseID: srv.License, Name: "Quinn",
		MaxChats: 1, Groups: []int{0}, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	wsBase := "ws" + strings.TrimPrefix(srv.URL, "http")
	agent := dialRTM(t, "agent", wsBase+"/v3.0/agent/rtm/ws", obj{"token": "Bearer " + srv.AgentToken(t, agentID)})
	customer := func(name string) string {
		c := dialRTM(t, name, wsBase+"/v3.0/customer/rtm/ws?license_id="+strconv.Itoa(srv.License),
			obj{"token": "Bearer " + srv.CustomerToken(t, "customer-"+chat.NewID(8))})
		var r obj
		_ = json.Unmarshal(c.do("start_chat", obj{"chat": obj{"thread": obj{"events": []obj{{"type": "message", "text": name}}}}}), &r)
		return str(r, "chat.id")
	}
	first := customer("first")
	agent.wait("incoming_chat_thread", func(p obj) bool { return str(p, "chat.id") == first })
	second := customer("second")

	b := newBrowser(t)
	b.do(chromedp.Navigate(srv.URL + "/"))
	b.waitFor("the widget connects", `__conn() === 'online'`)
	b.do(chromedp.Click(w(".launcher")))
	b.waitFor("the pre-chat form shows", `!__w('.prechat').hidden`)
	b.do(chromedp.Click(w(".prechat .primary")))
	b.waitFor("the widget shows its place", `!__w('.queue').hidden && __w('.queue').textContent === 'You are number 2 in the queue — about 2 min'`)

	agent.do("deactivate_chat", obj{"chat_id": first})
	agent.wait("incoming_chat_thread", func(p obj) bool { return str(p, "chat.id") == second })
	b.waitFor("the place moves up", `!__w('.queue').hidden && __w('.queue').textContent.startsWith('You are number 1 in the queue — about ')`)
	b.screenshotAs(t, "widget-queue.png")
	// A reload: the server tells the place again after the login.
	b.do(chromedp.Reload())
	b.waitFor("the place after a reload", `__conn() === 'online' && !__w('.queue').hidden && __w('.queue').textContent.startsWith('You are number 1 in the queue — about ')`)

	agent.do("deactivate_chat", obj{"chat_id": second})
	b.waitFor("an agent takes the chat: no place any more", `__w('.queue').hidden && __w('header strong').textContent === 'Quinn'`)
	b.checkClean()
}

// screenshotAs saves a screenshot of the page in the test's artifacts,
// or in docs/images with PARLEY_UPDATE_SCREENSHOTS=1.
func (b *browser) screenshotAs(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(artifactsDir(t), name)
	if os.Getenv("PARLEY_UPDATE_SCREENSHOTS") == "1" {
		p = filepath.Join("..", "..", "docs", "images", name)
	}
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// TestWidgetOffline: with every group offline the widget shows the
// offline form instead of the pre-chat one; sending it leaves the message
// as a chat an agent finds marked as an offline message, and the widget
// thanks the customer.
func TestWidgetOffline(t *testing.T) {
	srv := parleytest.NewServer(t)
	b := newBrowser(t)
	b.do(chromedp.Navigate(srv.URL + "/"))
	b.waitFor("the widget connects", `__conn() === 'online'`)
	b.do(chromedp.Click(w(".launcher")))
	b.waitFor("the offline form shows", `!__w('.offline').hidden && __w('.prechat:not(.offline)').hidden &&
		__ws('.offline label').map(l => l.firstChild.textContent).join('|') === 'Name|E-mail|Message' &&
		__w('.offline .hello').textContent.startsWith('Our agents are not available')`)
	b.do(chromedp.SendKeys(w(".offline [name=name]"), "Ann"),
		chromedp.SendKeys(w(".offline [name=email]"), "ann@shop.test"),
		chromedp.SendKeys(w(".offline [name=message]"), "Do you ship to Oslo?"))
	b.screenshotAs(t, "widget-offline.png")
	b.do(chromedp.Click(w(".offline .primary")))
	b.waitFor("the widget thanks the customer", `__w('.offline').hidden && !__w('.left').hidden &&
		__w('.left').textContent === 'Thank you! We will answer by e-mail.' && __texts('.msg.me .bubble').includes('Do you ship to Oslo?') && __w('.queue').hidden`)

	agent := dialAgent(t, srv)
	var list struct {
		ChatsSummary []struct {
			Users      []struct{ Name, Email string } `json:"users"`
			Properties map[string]map[string]struct {
				Value any `json:"value"`
			} `json:"properties"`
		} `json:"chats_summary"`
	}
	if err := json.Unmarshal(agent.do("list_chats", obj{"limit": 5}), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.ChatsSummary) != 1 {
		t.Fatalf("list_chats: %+v", list)
	}
	s := list.ChatsSummary[0]
	if s.Properties["parley"]["offline_message"].Value != true || s.Properties["parley"]["offline_email"].Value != "ann@shop.test" {
		t.Errorf("the chat's properties: %+v", s.Properties)
	}
	b.checkClean()
}

// TestWidgetOfflineAfterChat: a chat closed while its agent was the only
// one online keeps its rating once nobody is online; the offline form
// takes the place of "Start a new chat".
func TestWidgetOfflineAfterChat(t *testing.T) {
	srv := parleytest.NewServer(t)
	agent := dialAgent(t, srv)
	b := newBrowser(t)
	b.do(chromedp.Navigate(srv.URL + "/"))
	b.waitFor("the widget connects", `__conn() === 'online'`)
	b.do(chromedp.Click(w(".launcher")))
	b.waitFor("the pre-chat form", `!__w('.prechat').hidden && __w('.offline').hidden`)
	b.do(chromedp.Click(w(".prechat .primary")))
	b.waitFor("the chat starts", `!__w('.composer').hidden`)
	ct := agent.wait("incoming_chat_thread", func(p obj) bool { return true })
	agent.do("deactivate_chat", obj{"chat_id": str(ct, "chat.id")})
	agent.do("set_routing_status", obj{"status": "offline"})
	b.do(chromedp.Reload())
	b.waitFor("the rating and the offline form, no Start a new chat", `__conn() === 'online' && !__w('.closed').hidden &&
		!__w('.rating').hidden && __w('.closed .new').hidden && !__w('.offline').hidden`)
	b.checkClean()
}
