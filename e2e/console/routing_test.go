package console_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/e2e/internal/browsertest"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server/chat"
)

// colleague is a second agent of the demo license, online through the Go
// agent client, with its notifications on channels.
type colleague struct {
	id       string
	c        *agent.Client
	statuses chan agent.RoutingStatusSet
	moved    chan agent.ChatTransferred
}

func newColleague(t *testing.T, srv *parleytest.Server, id, name string) *colleague {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Store().PutAgent(ctx, chat.Agent{ID: id, LicenseID: srv.License, Name: name, Groups: []int{0}, CreatedAt: time.Now()}); err != nil {
		t.Fatalf("PutAgent: %v", err)
	}
	c, err := agent.New(agent.Config{Server: srv.URL, License: srv.License, Token: srv.AgentToken(t, id)})
	if err != nil {
		t.Fatalf("agent.New: %v", err)
	}
	t.Cleanup(c.Close)
	k := &colleague{id: id, c: c, statuses: make(chan agent.RoutingStatusSet, 64), moved: make(chan agent.ChatTransferred, 16)}
	agent.On(c, func(n agent.RoutingStatusSet) { offer(k.statuses, n) })
	agent.On(c, func(n agent.ChatTransferred) { offer(k.moved, n) })
	// Online, but routing gives it nothing: the chats stay with the console.
	if err := c.SetRoutingStatus(ctx, agent.NotAcceptingChats); err != nil {
		t.Fatalf("SetRoutingStatus: %v", err)
	}
	return k
}

// TestConsoleRoutingTransferAndFiles covers what needs routing and the
// newer agent actions: the routing status toggle, a queued chat marked and
// then routed to the agent, the customer's details from get_customer, the
// agent's uploads with progress, and a transfer to another agent.
func TestConsoleRoutingTransferAndFiles(t *testing.T) {
	chromium := browsertest.Chromium(t, "The agent console")
	srv := parleytest.NewServer(t)
	bob := newColleague(t, srv, "bob@parley.test", "Bob Stone")
	p := startBrowser(t, chromium)

	p.do("open the console", chromedp.EmulateViewport(1360, 860), chromedp.Navigate(srv.URL+"/agent/"))
	p.waitFor("the sign-in form", `!document.getElementById("signin").hidden && document.getElementById("license").value !== ""`)
	p.do("sign in",
		typeKeys("#email", srv.AgentEmail),
		typeKeys("#password", srv.AgentPassword),
		chromedp.Click(chromedp.CSS("#signin-button")))
	p.waitFor("the connection", `document.getElementById("conn").dataset.state === "connected"`)
	p.waitFor("the routing status from login", `document.getElementById("routing").value === "accepting_chats"`)

	// Stop accepting chats: every agent is told.
	setRouting := func(status string) {
		t.Helper()
		p.do("set the routing status to "+status, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("routing");
			s.value = `+js(status)+`; s.dispatchEvent(new Event("change")); })()`))
		waitOn(t, bob.statuses, "routing_status_set "+status, func(n agent.RoutingStatusSet) bool {
			return n.Agent == srv.AgentEmail && string(n.Status) == status
		})
		p.waitFor("the status shown", `(() => { const s = document.getElementById("routing");
			return s.value === `+js(status)+` && s.dataset.state === `+js(status)+` && !s.disabled; })()`)
	}
	setRouting("not_accepting_chats")

	// Nobody accepts: a new chat is queued, and marked so.
	ada := newShopper(t, srv, customer.CustomerData{Name: "Ada Lovelace", Email: "ada@example.com"}, nil)
	ada.start("Hello, is anyone there?")
	item := `document.querySelector('#chat-list li[data-chat-id=` + js(ada.chat.ID) + `]')`
	p.waitFor("the queued chat", item+` && `+item+`.dataset.queued === "true" && `+item+`.querySelector(".badge.queued").textContent === "Queued #1"`)

	// Accepting again: routing gives the chat to the console's agent.
	setRouting("accepting_chats")
	p.waitFor("the chat routed here", item+`.dataset.queued === "false" && `+item+`.classList.contains("mine")`)

	// The customer's details come from get_customer: the page and referrer
	// given at login, the visits.
	p.do("open the chat", chromedp.Click(chromedp.CSS(`#chat-list li[data-chat-id="`+ada.chat.ID+`"]`)))
	p.waitFor("the chat", messageShown("Hello, is anyone there?")+` && document.getElementById("chat-state").textContent === "Active"`)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	if err := ada.sdk.UpdateCustomer(ctx, customer.CustomerUpdate{Fields: map[string]string{"tier": "gold"}}); err != nil {
		t.Fatalf("UpdateCustomer: %v", err)
	}
	cancel()
	p.waitFor("the details", `(() => { const t = document.getElementById("customer-panel").textContent;
		return t.includes("Visits") && t.includes("Last visit") && t.includes("tier") && t.includes("gold"); })()`)

	// The agent sends files: progress, then the customer gets them; the
	// picture shows inline.
	dir := t.TempDir()
	receipt := filepath.Join(dir, "receipt <1>.txt")
	if err := os.WriteFile(receipt, []byte("Order #10243: resent on Monday.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.do("attach a file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{receipt}))
	p.waitFor("the upload done", `document.getElementById("upload-status").textContent === "Sent" && document.getElementById("upload-progress").value === 1`)
	f := ada.waitEvent("the agent's file", func(e customer.Event) bool { return e.Type == customer.EventFile && e.Name == "receipt <1>.txt" })
	if f.Author != srv.AgentEmail || f.URL == "" {
		t.Errorf("file event = %+v", f)
	}
	p.waitFor("the file in the conversation", `[...document.querySelectorAll("#message-list .file-link")].some(a => a.textContent === "receipt <1>.txt" && a.href === `+js(f.URL)+`)`)
	pic := filepath.Join(dir, "label.png")
	if err := os.WriteFile(pic, testPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	p.do("attach a picture", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{pic}))
	ada.waitEvent("the agent's picture", func(e customer.Event) bool { return e.Type == customer.EventFile && e.Name == "label.png" })
	p.waitFor("the picture inline", `[...document.querySelectorAll("#message-list .by-mine img.file-image")].some(i => i.complete && i.naturalWidth === 96)`)

	// Transfer to the colleague: the chat leaves the agent.
	p.do("open the transfer panel", chromedp.Click(chromedp.CSS("#transfer")))
	p.waitFor("the agents and groups", `(() => { const s = document.getElementById("transfer-target");
		const v = [...s.options].map(o => o.value);
		return v.includes(`+js("agent:"+bob.id)+`) && v.includes("group:0") && !v.includes(`+js("agent:"+srv.AgentEmail)+`); })()`)
	p.do("transfer to Bob", chromedp.Evaluate[chromedp.Void](`document.getElementById("transfer-target").value = `+js("agent:"+bob.id)),
		chromedp.Click(chromedp.CSS(`#transfer-panel button[type="submit"]`)))
	moved := waitOn(t, bob.moved, "chat_transferred", func(n agent.ChatTransferred) bool { return n.Chat == ada.chat.ID })
	if len(moved.Target.Agents) != 1 || moved.Target.Agents[0] != bob.id || moved.Requester != srv.AgentEmail {
		t.Errorf("chat_transferred = %+v", moved)
	}
	p.waitFor("the chat with Bob", `document.getElementById("chat-state").textContent === "With Bob Stone" && !document.getElementById("join").hidden && document.getElementById("transfer-panel").hidden`)
	if d := p.dialogsSeen(); len(d) > 0 {
		t.Fatalf("the page opened dialogs: %q", d)
	}
}
