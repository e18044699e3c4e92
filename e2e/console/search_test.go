package console_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/e2e/internal/browsertest"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
)

// searchedChat has a new customer of name start a chat in group 0 with
// ask; by joins, answers with answer and closes the chat. It returns the
// chat id and the answer's event id.
func searchedChat(t *testing.T, srv *parleytest.Server, by *agent.Client, name, ask, answer string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sdk, err := customer.Init(customer.Config{License: srv.License, ClientID: srv.ClientID, Server: srv.URL,
		Identity: customer.MemoryStore(), Customer: customer.CustomerData{Name: name}})
	if err != nil {
		t.Fatalf("customer.Init: %v", err)
	}
	t.Cleanup(sdk.Destroy)
	ch, err := sdk.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: ask}}})
	if err != nil {
		t.Fatalf("StartChat of %s: %v", name, err)
	}
	if err := by.JoinChat(ctx, ch.ID); err != nil {
		t.Fatalf("JoinChat of %s's chat: %v", name, err)
	}
	ev, err := by.SendEvent(ctx, ch.ID, agent.Event{Type: agent.EventMessage, Text: answer})
	if err != nil {
		t.Fatalf("SendEvent to %s: %v", name, err)
	}
	if err := by.DeactivateChat(ctx, ch.ID); err != nil {
		t.Fatalf("DeactivateChat of %s's chat: %v", name, err)
	}
	return ch.ID, ev.ID
}

// setSearch replaces what the search box holds with q, as typing does.
func setSearch(p *browserPage, q string) {
	p.t.Helper()
	eval[bool](p, `(() => { const s = document.getElementById("search"); s.value = `+js(q)+`;
		s.dispatchEvent(new Event("input")); return true; })()`)
}

// TestConsoleSearch: chats made through the Go SDKs and closed are found
// by a word of their messages, newest match first, with the word marked in
// the snippet (markup in a message stays text); opening a result opens the
// archived chat at the match. A customer's name finds the customer's chat.
// A normal agent of another group finds nothing of them.
func TestConsoleSearch(t *testing.T) {
	chromium := browsertest.Chromium(t, "The console's search")
	srv := parleytest.NewServer(t)
	demo := reportAgent(t, srv, srv.AgentEmail)
	ada, _ := searchedChat(t, srv, demo, "Ada Lovelace", "My parcel to Kraków never arrived",
		"Sorry about that! Your parcel left our warehouse on Monday; I have asked the courier where it is now.")
	searchedChat(t, srv, demo, "Ben Ortiz", "Where is my invoice for March?", "It is in your account, under Orders.")
	cy, _ := searchedChat(t, srv, demo, "Cy Young", `<img src=x onerror="document.title='pwned'"> Parcels: do you ship abroad?`,
		"Yes, to most of Europe.")

	const out, outPassword = "out@parley.test", "secret-out-1"
	hash, err := auth.HashPassword(outPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Store().PutAgent(context.Background(), chat.Agent{ID: out, LicenseID: srv.License, Name: "Out Sider",
		Role: chat.RoleNormal, Groups: []int{4}, PasswordHash: hash, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}

	p := startBrowser(t, chromium)
	p.do("open the console", chromedp.EmulateViewport(1360, 860), chromedp.Navigate(srv.URL+"/agent/"))
	p.waitFor("the sign-in form", `!document.getElementById("signin").hidden && document.getElementById("license").value === "`+strconv.Itoa(srv.License)+`"`)
	p.do("sign in",
		typeKeys("#email", srv.AgentEmail),
		typeKeys("#password", srv.AgentPassword),
		chromedp.Click(chromedp.CSS("#signin-button")))
	p.waitFor("the connection", `document.getElementById("conn").dataset.state === "connected"`)

	hits := `[...document.querySelectorAll("#search-results .search-hit")].map(li => li.dataset.chatId)`
	p.do("search parcel", typeKeys("#search", "parcel"))
	p.waitFor("Cy's and Ada's chats", hits+`.join() === `+js(cy+","+ada))
	if ok := eval[bool](p, `!document.getElementById("search-results").hidden && document.getElementById("chat-list").hidden`); !ok {
		t.Error("the results do not replace the chat list")
	}
	snippets := eval[[]string](p, `[...document.querySelectorAll("#search-results .snippet")].map(s => s.textContent)`)
	if len(snippets) != 2 || !strings.Contains(snippets[0], `'pwned'"> Parcels: do you ship abroad?`) || !strings.Contains(snippets[1], "Your parcel left") {
		t.Errorf("snippets = %q", snippets)
	}
	marks := eval[[]string](p, `[...document.querySelectorAll("#search-results mark")].map(m => m.textContent)`)
	if strings.Join(marks, ",") != "Parcels,parcel" {
		t.Errorf("marked words = %q, want Parcels and parcel", marks)
	}
	if n := eval[int](p, `document.querySelectorAll("#search-results img").length`); n != 0 || eval[string](p, `document.title`) == "pwned" {
		t.Error("markup in a message became elements")
	}
	names := eval[[]string](p, `[...document.querySelectorAll("#search-results .hit-name")].map(s => s.textContent)`)
	if strings.Join(names, ",") != "Cy Young,Ada Lovelace" {
		t.Errorf("result names = %q", names)
	}
	writeScreenshot(t, p, "console-search.png")

	p.do("a narrower search", typeKeys("#search", " kra"))
	p.waitFor("Ada's chat alone", hits+`.join() === `+js(ada))
	p.do("open Ada's result", chromedp.Click(chromedp.CSS(`#search-results li[data-chat-id=`+js(ada)+`] button`)))
	p.waitFor("Ada's archived chat at the match", `(() => { const m = document.querySelector("li.event.search-match");
		return m !== null && m.dataset.eventId === document.querySelector("#search-results .search-hit").dataset.eventId &&
			m.textContent.includes("Kraków"); })()`)

	// A customer's name finds the chat by the customer: the snippet is the
	// name, marked, and opening it opens the chat.
	setSearch(p, "lovelace")
	p.waitFor("Ada's chat by her name", hits+`.join() === `+js(ada)+` && `+
		`document.querySelector("#search-results .snippet").textContent === "Ada Lovelace" && `+
		`document.querySelector("#search-results mark").textContent === "Lovelace" && `+
		`document.querySelector("#search-results .hit-customer").textContent === "the customer's name or e-mail"`)
	p.do("open the result found by the customer", chromedp.Click(chromedp.CSS(`#search-results li[data-chat-id=`+js(ada)+`] button`)))
	p.waitFor("Ada's chat", messageShown("My parcel to Kraków never arrived"))

	setSearch(p, "")
	p.waitFor("the chat list again", `!document.getElementById("chat-list").hidden && document.getElementById("search-results").hidden`)
	setSearch(p, `" * ( ) : -`)
	p.waitFor("nothing found, no error", `document.getElementById("search-note").textContent === "No chats found."`)

	p.do("sign out", chromedp.Click(chromedp.CSS("#signout")))
	p.waitFor("the sign-in form again, the search emptied", `!document.getElementById("signin").hidden && `+
		`document.getElementById("search").value === "" && document.getElementById("search-results").children.length === 0`)
	eval[bool](p, `(() => { document.getElementById("email").value = ""; document.getElementById("password").value = ""; return true; })()`)
	p.do("sign in as an agent of group 4",
		typeKeys("#email", out),
		typeKeys("#password", outPassword),
		chromedp.Click(chromedp.CSS("#signin-button")))
	p.waitFor("the connection", `document.getElementById("conn").dataset.state === "connected" && document.getElementById("me").textContent.includes("Out")`)
	setSearch(p, "parcel")
	p.waitFor("nothing of group 0", `document.getElementById("search-note").textContent === "No chats found." && `+hits+`.length === 0`)
}
