package console_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/e2e/internal/browsertest"
	"github.com/parleychat/parley/parleytest"
)

// shopper is a customer of the demo license using the Go SDK, with its
// notifications on channels.
type shopper struct {
	t      *testing.T
	sdk    *customer.SDK
	events chan customer.NewEvent
	typing chan customer.UserIsTyping
	closed chan customer.ThreadClosed
	chat   customer.Chat
}

func newShopper(t *testing.T, srv *parleytest.Server, data customer.CustomerData, page *customer.Page) *shopper {
	t.Helper()
	sdk, err := customer.Init(customer.Config{
		License: srv.License, ClientID: srv.ClientID, Server: srv.URL, Identity: customer.MemoryStore(),
		Customer: data, Page: page,
	})
	if err != nil {
		t.Fatalf("customer.Init: %v", err)
	}
	t.Cleanup(sdk.Destroy)
	s := &shopper{t: t, sdk: sdk, events: make(chan customer.NewEvent, 256),
		typing: make(chan customer.UserIsTyping, 256), closed: make(chan customer.ThreadClosed, 16)}
	customer.On(sdk, func(e customer.NewEvent) { offer(s.events, e) })
	customer.On(sdk, func(e customer.UserIsTyping) { offer(s.typing, e) })
	customer.On(sdk, func(e customer.ThreadClosed) { offer(s.closed, e) })
	return s
}

func offer[T any](c chan T, v T) {
	select {
	case c <- v:
	default:
	}
}

func (s *shopper) start(text string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := s.sdk.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: text}}})
	if err != nil {
		s.t.Fatalf("StartChat: %v", err)
	}
	s.chat = c
}

func (s *shopper) say(text string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if _, err := s.sdk.SendEvent(ctx, s.chat.ID, customer.Event{Type: customer.EventMessage, Text: text}); err != nil {
		s.t.Fatalf("SendEvent %q: %v", text, err)
	}
}

func (s *shopper) upload(name, ctype string, b []byte) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	f := customer.File{Name: name, ContentType: ctype, Reader: bytes.NewReader(b), Size: int64(len(b))}
	if _, err := s.sdk.SendFile(ctx, s.chat.ID, f); err != nil {
		s.t.Fatalf("SendFile %q: %v", name, err)
	}
}

// waitEvent waits for a NewEvent the match accepts.
func (s *shopper) waitEvent(what string, match func(customer.Event) bool) customer.Event {
	s.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case e := <-s.events:
			if e.Chat == s.chat.ID && match(e.Event) {
				return e.Event
			}
		case <-deadline:
			s.t.Fatalf("the customer never got %s", what)
		}
	}
}

func waitOn[T any](t *testing.T, c chan T, what string, match func(T) bool) T {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case v := <-c:
			if match(v) {
				return v
			}
		case <-deadline:
			t.Fatalf("the customer never got %s", what)
		}
	}
}

// testPNG is a small picture for the file tests.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 96, 64))
	for y := range 64 {
		for x := range 96 {
			img.Set(x, y, color.RGBA{R: uint8(60 + x), G: uint8(90 + y), B: 214, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// messageShown is a JavaScript test that an event of the open chat shows
// exactly text.
func messageShown(text string) string {
	return `[...document.querySelectorAll("#message-list .event .text")].some(e => e.textContent === ` + js(text) + `)`
}

// TestConsole signs in to the console in headless Chromium as the demo
// agent and serves customers who use the Go SDK: chat list, history,
// replies, typing, sneak peek, customer details, files, buttons, HTML in
// customer data shown as text, reconnection and closing.
func TestConsole(t *testing.T) {
	chromium := browsertest.Chromium(t, "The agent console")
	srv := parleytest.NewServer(t)
	p := startBrowser(t, chromium)

	// Sign in. The license comes from /agent/config.json.
	p.do("open the console", chromedp.EmulateViewport(1360, 860), chromedp.Navigate(srv.URL+"/agent"))
	p.waitFor("the sign-in form with the demo license",
		`!document.getElementById("signin").hidden && document.getElementById("license").value === "`+strconv.Itoa(srv.License)+`"`)
	p.do("sign in",
		typeKeys("#email", srv.AgentEmail),
		typeKeys("#password", srv.AgentPassword),
		chromedp.Click(chromedp.CSS("#signin-button")))
	p.waitFor("the connection", `document.getElementById("conn").dataset.state === "connected"`)
	p.waitFor("the agent's name", `document.getElementById("me").textContent === "Demo Agent"`)
	if tok := eval[string](p, `JSON.parse(sessionStorage.getItem("parley.agent.session")).token`); tok == "" {
		t.Fatal("no token in sessionStorage after signing in")
	}

	// The console's connection keeps at most 10 requests in flight (the
	// server refuses more): 30 at once are all answered.
	answered := eval[float64](p, `(async () => {
		const { RTM } = await import("/agent/rtm.js");
		const token = JSON.parse(sessionStorage.getItem("parley.agent.session")).token;
		const scheme = location.protocol === "https:" ? "wss:" : "ws:";
		let r;
		await new Promise((resolve) => {
			r = new RTM(scheme + "//" + location.host + "/v3.0/agent/rtm/ws", token, { onLogin: resolve });
			r.start();
		});
		const all = await Promise.allSettled(Array.from({ length: 30 }, () => r.request("list_chats", {})));
		r.stop();
		return all.filter((x) => x.status === "fulfilled").length;
	})()`)
	if answered != 30 {
		t.Fatalf("%v of 30 requests sent at once answered, want all", answered)
	}

	// A customer starts a chat: it appears live, unread.
	ada := newShopper(t, srv, customer.CustomerData{Name: "Ada Lovelace", Email: "ada@example.com",
		Fields: map[string]string{"plan": "Pro", "order": "#10243"}},
		&customer.Page{URL: "https://shop.example/checkout", Title: "Checkout"})
	first := "Hi! My order #10243 has not arrived yet."
	ada.start(first)
	item := `document.querySelector('#chat-list li[data-chat-id=` + js(ada.chat.ID) + `]')`
	p.waitFor("the new chat in the list", item+` && `+item+`.querySelector(".name").textContent === "Ada Lovelace"`)
	p.waitFor("the unread count", item+`.dataset.unread === "1"`)

	// Open it: the history, the customer's details.
	p.do("open the chat", chromedp.Click(chromedp.CSS(`#chat-list li[data-chat-id="`+ada.chat.ID+`"]`)))
	p.waitFor("the first message", messageShown(first))
	p.waitFor("the chat read", item+`.dataset.unread === "0"`)
	// Wider than a phone: the three panes side by side, no back buttons.
	p.waitFor("the three panes side by side", panesJS+` === "topbar chats conversation customer" && `+
		`[...document.querySelectorAll(".pane-nav")].every(b => !b.checkVisibility())`)
	p.waitFor("the customer panel", `(() => { const t = document.getElementById("customer-panel").textContent;
		return t.includes("Ada Lovelace") && t.includes("ada@example.com") && t.includes("plan") && t.includes("Pro"); })()`)

	// The customer moves to another page: the panel follows.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	if err := ada.sdk.UpdateCustomerPage(ctx, customer.Page{URL: "https://shop.example/orders/10243", Title: "Order #10243"}); err != nil {
		t.Fatalf("UpdateCustomerPage: %v", err)
	}
	cancel()
	p.waitFor("the customer's current page", `(() => { const a = document.querySelector("#customer-panel a.page-link");
		return a && a.textContent === "Order #10243" && a.href === "https://shop.example/orders/10243"; })()`)

	// The sneak peek shows what the customer is typing.
	peek := "Actually, could you also change the delivery address"
	ada.sdk.SetSneakPeek(ada.chat.ID, peek)
	p.waitFor("the sneak peek", `!document.getElementById("sneak").hidden && document.getElementById("sneak-text").textContent === `+js(peek))

	// The agent types (the customer sees it) and replies.
	reply := "Sorry about that! Let me check where your parcel is."
	p.do("type a reply", typeKeys("#reply", reply))
	waitOn(t, ada.typing, "the agent's typing indicator", func(e customer.UserIsTyping) bool {
		return e.Chat == ada.chat.ID && e.User == srv.AgentEmail
	})
	p.do("send the reply", chromedp.Click(chromedp.CSS("#send")))
	got := ada.waitEvent("the agent's reply", func(e customer.Event) bool { return e.Type == customer.EventMessage && e.Text == reply })
	if got.Author != srv.AgentEmail {
		t.Errorf("reply author = %q, want %q", got.Author, srv.AgentEmail)
	}
	p.waitFor("the reply in the conversation", messageShown(reply)+` && document.getElementById("reply").value === ""`)
	p.waitFor("the chat joined", `document.getElementById("join").hidden && document.getElementById("chat-state").textContent === "Active"`)

	// A reply the server refuses (9,000 two-byte letters: over the 16 KiB
	// of a message) goes back into the box, and the error says why.
	long := strings.Repeat("ł", 9000)
	p.do("send a reply that is too long", chromedp.Evaluate[chromedp.Void](`document.getElementById("reply").value = `+js(long)),
		chromedp.Click(chromedp.CSS("#send")))
	p.waitFor("the refusal, the reply back", `document.getElementById("chat-error").textContent.startsWith("Not sent: text is longer than") && `+
		`document.getElementById("reply").value === `+js(long))
	p.do("empty the box", chromedp.Evaluate[chromedp.Void](`document.getElementById("reply").value = ""`))

	// The customer's message arrives; the sneak peek gives way to it.
	ada.say(peek + " to 12 Baker Street?")
	p.waitFor("the customer's second message", messageShown(peek+" to 12 Baker Street?")+` && document.getElementById("sneak").hidden`)

	// A picture from the customer shows inline (the CSP lets the origin's
	// files in).
	ada.upload("parcel.png", "image/png", testPNG(t))
	p.waitFor("the picture inline", `[...document.querySelectorAll("#message-list img.file-image")].some(i =>
		i.complete && i.naturalWidth === 96 && i.src.startsWith(`+js(srv.URL+"/files/")+`))`)

	// A message with buttons, and the customer's choice.
	p.do("compose a message with buttons",
		chromedp.Click(chromedp.CSS("#rich-toggle")),
		typeKeys("#rich-title", "Would you like us to resend it?"),
		typeKeys("#rich-buttons", "Yes, resend it\nNo, refund me"),
		chromedp.Click(chromedp.CSS(`#rich-composer button[type="submit"]`)))
	rich := ada.waitEvent("the message with buttons", func(e customer.Event) bool { return e.Type == "rich_message" })
	if len(rich.Elements) != 1 || rich.Elements[0].Title != "Would you like us to resend it?" || len(rich.Elements[0].Buttons) != 2 ||
		rich.Elements[0].Buttons[0].Text != "Yes, resend it" || rich.Elements[0].Buttons[1].Text != "No, refund me" {
		t.Fatalf("rich message = %+v", rich.Elements)
	}
	yes := rich.Elements[0].Buttons[0]
	if yes.Postback == "" || yes.Type != "message" {
		t.Errorf("button = %+v, want a postback id and type message", yes)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 15*time.Second)
	if err := ada.sdk.SendPostback(ctx, ada.chat.ID, rich.Thread, rich.ID, customer.Postback{ID: yes.Postback}); err != nil {
		t.Fatalf("SendPostback: %v", err)
	}
	cancel()
	p.waitFor("the customer's choice", `(() => { const b = document.querySelector("#message-list .rich-button.chosen");
		return b && b.textContent === "Yes, resend it" && b.closest(".rich-card").querySelector(".postback-note").textContent.includes("Ada Lovelace chose"); })()`)

	// Another customer writes meanwhile: unread in the list.
	grace := newShopper(t, srv, customer.CustomerData{Name: "Grace Hopper", Email: "grace@example.com"}, nil)
	grace.start("Do you ship to Canada?")
	other := `document.querySelector('#chat-list li[data-chat-id=` + js(grace.chat.ID) + `]')`
	p.waitFor("the other chat, unread", other+` && `+other+`.dataset.unread === "1" && document.title.startsWith("(1) ")`)
	// The list is drawn again, and the open chat's item, unchanged, is
	// kept: a click on it is not lost to the redraw.
	p.do("keep the open chat's item", chromedp.Evaluate[chromedp.Void](`window.openItem = `+item))
	grace.say("Or to Mexico?")
	p.waitFor("two unread, the item kept", other+`.dataset.unread === "2" && `+item+` === window.openItem && window.openItem.isConnected`)

	// The connection breaks: the console says so, comes back and shows what
	// it missed.
	srv.DropConnections(parleytest.AgentConns)
	p.waitFor("the reconnecting state", `document.getElementById("conn").dataset.state === "reconnecting"`)
	missed := "Are you still there?"
	ada.say(missed)
	p.waitFor("the connection back", `document.getElementById("conn").dataset.state === "connected"`)
	p.waitFor("the message sent while disconnected", messageShown(missed))

	// The screenshot of the console in a conversation.
	ada.sdk.SetSneakPeek(ada.chat.ID, "Yes! Also, can I pick it up")
	p.waitFor("the second sneak peek", `document.getElementById("sneak-text").textContent === "Yes! Also, can I pick it up"`)
	p.waitFor("the newest message in view", `(() => { const m = document.getElementById("messages");
		return m.scrollHeight - m.scrollTop - m.clientHeight < 2; })()`)
	writeScreenshot(t, p, "console.png")

	// Markup from the customer is text, wherever it shows.
	evil := `<img src=x onerror=alert(1)>`
	ada.say(evil)
	p.waitFor("the markup shown as text", messageShown(evil))
	evilFile := `<b>invoice<img src=x onerror=alert(2)>.txt`
	ada.upload(evilFile, "text/plain", []byte("not an image"))
	p.waitFor("the file name shown as text", `[...document.querySelectorAll("#message-list .file-link")].some(a => a.textContent === `+js(evilFile)+`)`)
	p.waitFor("the chat list preview as text", item+`.querySelector(".preview").textContent === `+js("File: "+evilFile))
	// (The one picture is the customer's parcel.png, shown on purpose.)
	if n := eval[int](p, `document.querySelectorAll("#message-list img:not(.file-image), #chat-list img, #customer-panel img").length`); n != 0 {
		t.Fatalf("%d img elements in the console after markup from the customer, want 0", n)
	}
	if n := eval[int](p, `document.querySelectorAll("#message-list b").length`); n != 0 {
		t.Fatalf("%d b elements in the message list, want 0", n)
	}
	if d := p.dialogsSeen(); len(d) > 0 {
		t.Fatalf("the page opened dialogs: %q", d)
	}
	for _, u := range []string{"javascript:alert(1)", "data:text/html,x", " javascript:alert(1)", "vbscript:x"} {
		if got := eval[string](p, `import("/agent/dom.js").then(m => m.safeURL(`+js(u)+`))`); got != "" {
			t.Errorf("safeURL(%q) = %q, want \"\"", u, got)
		}
	}

	// Close the chat.
	p.do("close the chat", chromedp.Click(chromedp.CSS("#close")))
	waitOn(t, ada.closed, "thread_closed", func(e customer.ThreadClosed) bool { return e.Chat == ada.chat.ID })
	p.waitFor("the chat closed", `document.getElementById("chat-state").textContent === "Closed" && `+item+`.classList.contains("inactive")`)

	// The customer comes back: a new thread. After a reload (the session
	// survives it) the history loads across both threads.
	again := "One more thing: can I change the size?"
	ada.say(again)
	p.waitFor("the new thread", `document.querySelectorAll("#message-list li.thread").length === 2 && `+messageShown(again))
	p.do("reload the page", chromedp.Reload())
	p.waitFor("signed in again", `document.getElementById("conn").dataset.state === "connected" && `+item)
	p.do("open the chat again", chromedp.Click(chromedp.CSS(`#chat-list li[data-chat-id="`+ada.chat.ID+`"]`)))
	p.waitFor("both threads", `document.querySelectorAll("#message-list li.thread").length === 2 && `+messageShown(first)+` && `+messageShown(again))
	p.waitFor("the start of the history", `document.getElementById("history-top").textContent === "Beginning of the conversation"`)

	// Sign out: back to the form, the session gone.
	p.do("sign out", chromedp.Click(chromedp.CSS("#signout")))
	p.waitFor("the sign-in form", `!document.getElementById("signin").hidden && sessionStorage.getItem("parley.agent.session") === null`)
	if d := p.dialogsSeen(); len(d) > 0 {
		t.Fatalf("the page opened dialogs: %q", d)
	}
}

// writeScreenshot saves what the page shows as name: into docs/images with
// PARLEY_UPDATE_SCREENSHOTS=1, else among the test's artifacts.
func writeScreenshot(t *testing.T, p *browserPage, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	// Two frames, so that the last layout is painted.
	_ = eval[bool](p, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
	img, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(artifactDir(t), name)
	if os.Getenv("PARLEY_UPDATE_SCREENSHOTS") == "1" {
		path = filepath.Join("..", "..", "docs", "images", name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatalf("write screenshot: %v", err)
	}
	abs, _ := filepath.Abs(path)
	t.Logf("screenshot: %s", abs)
}
