package console_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/e2e/internal/browsertest"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server/chat"
)

// signIn opens the console at 1360×860 and signs in as the demo agent.
func signIn(p *browserPage, srv *parleytest.Server) {
	p.t.Helper()
	p.do("open the console", chromedp.EmulateViewport(1360, 860), chromedp.Navigate(srv.URL+"/agent/"))
	p.waitFor("the sign-in form", `!document.getElementById("signin").hidden && document.getElementById("license").value !== ""`)
	p.do("sign in",
		typeKeys("#email", srv.AgentEmail),
		typeKeys("#password", srv.AgentPassword),
		chromedp.Click(chromedp.CSS("#signin-button")))
	p.waitFor("the connection", `document.getElementById("conn").dataset.state === "connected"`)
}

// press presses a key in the focused element as a keyboard does: one
// keyDown with its text (a page that cancels it gets no text) and a keyUp.
func press(p *browserPage, key string, vk int64, text string) {
	p.t.Helper()
	for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
		params := input.DispatchKeyEventParams{Type: typ, Key: key, Code: key, WindowsVirtualKeyCode: vk, NativeVirtualKeyCode: vk}
		if typ == input.DispatchKeyEventTypeKeyDown {
			params.Text, params.UnmodifiedText = text, text
		}
		if _, err := chromedp.Call(p.ctx, input.DispatchKeyEvent, params); err != nil {
			p.fail("press "+key, err)
		}
	}
}

// typeKeys focuses the element sel and types keys into it as a keyboard
// does. chromedp.SendKeys reads the element's attributes without their
// lock, a data race with the page changing them (the reply box's
// attributes follow its suggestions).
func typeKeys(sel, keys string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Focus(chromedp.CSS(sel)), chromedp.KeyEvent(keys))
}

// chatItem is a JavaScript expression of a chat's list item (or null).
func chatItem(id string) string {
	return `document.querySelector('#chat-list li[data-chat-id=` + js(id) + `]')`
}

// TestConsoleSavedReplies: typing "#sh" in the reply box lists the saved
// replies starting with "sh"; the arrows move, Enter inserts the chosen
// one in place of "#sh", and Enter again sends it to the customer. A
// click inserts too, Escape closes the list, and a reply added in the
// Saved replies dialog is offered at once.
func TestConsoleSavedReplies(t *testing.T) {
	chromium := browsertest.Chromium(t, "The agent console")
	srv := parleytest.NewServer(t)
	shipping := "We ship within two working days, tracking included."
	srv.Configure(t, "create_canned_response", map[string]string{"shortcut": "shipping", "text": shipping})
	srv.Configure(t, "create_canned_response", map[string]string{"shortcut": "shop-hours", "text": "We are open 9–17, Monday to Friday."})
	srv.Configure(t, "create_canned_response", map[string]string{"shortcut": "hello", "text": "Hello! How can I help?"})

	ann := newShopper(t, srv, customer.CustomerData{Name: "Ann Parcel"}, nil)
	ann.start("When will my parcel arrive?")

	p := startBrowser(t, chromium)
	signIn(p, srv)
	p.waitFor("the chat", chatItem(ann.chat.ID))
	p.do("open it", chromedp.Click(chromedp.CSS(`#chat-list li[data-chat-id="`+ann.chat.ID+`"]`)))
	p.waitFor("the message", messageShown("When will my parcel arrive?"))
	p.waitFor("the composer", `!document.getElementById("reply").disabled && document.activeElement === document.getElementById("reply")`)

	options := `[...document.querySelectorAll("#reply-suggestions .reply-option")]`
	p.do("type #sh", typeKeys("#reply", "Thanks for asking! #sh"))
	p.waitFor("two suggestions, shipping first", `!document.getElementById("reply-suggestions").hidden && `+
		options+`.map(o => o.dataset.shortcut).join() === "shipping,shop-hours" && `+options+`[0].getAttribute("aria-selected") === "true"`)
	writeScreenshot(t, p, "console-replies.png")
	p.do("move down and up", typeKeys("#reply", kb.ArrowDown))
	p.waitFor("the second chosen", options+`[1].getAttribute("aria-selected") === "true"`)
	p.do("up", typeKeys("#reply", kb.ArrowUp))
	p.waitFor("the first chosen", options+`[0].getAttribute("aria-selected") === "true"`)
	press(p, "Enter", 13, "\r") // inserts
	p.waitFor("the text in the composer", `document.getElementById("reply").value === `+js("Thanks for asking! "+shipping)+
		` && document.getElementById("reply-suggestions").hidden`)
	press(p, "Enter", 13, "\r") // sends
	ann.waitEvent("the saved reply", func(e customer.Event) bool {
		return e.Type == customer.EventMessage && e.Text == "Thanks for asking! "+shipping
	})
	p.waitFor("an empty composer", `document.getElementById("reply").value === ""`)

	// Escape closes the list and keeps the text; a click inserts.
	p.do("type #hel", typeKeys("#reply", "#hel"))
	p.waitFor("hello offered", options+`.map(o => o.dataset.shortcut).join() === "hello"`)
	p.do("escape", typeKeys("#reply", kb.Escape))
	p.waitFor("the list closed", `document.getElementById("reply-suggestions").hidden && document.getElementById("reply").value === "#hel"`)
	p.do("type on", typeKeys("#reply", "l"))
	p.waitFor("hello offered again", `!document.getElementById("reply-suggestions").hidden && `+options+`.length === 1`)
	// The same match keeps its option: a click is not lost to the list
	// being drawn again (as it is when the replies are refreshed).
	p.do("keep the option", chromedp.Evaluate[chromedp.Void](`window.helloOption = `+options+`[0]`), typeKeys("#reply", "o"))
	p.waitFor("the same option", `document.getElementById("reply").value === "#hello" && `+options+`[0] === window.helloOption`)
	p.do("click it", chromedp.Click(chromedp.CSS(`#reply-suggestions .reply-option[data-shortcut="hello"]`)))
	p.waitFor("hello inserted", `document.getElementById("reply").value === "Hello! How can I help?"`)

	// The owner adds a reply in the dialog; it is offered at once.
	p.do("open the dialog", chromedp.Click(chromedp.CSS("#replies-manage")))
	p.waitFor("the dialog with three replies", `document.getElementById("replies-dialog").open && `+
		`document.querySelectorAll("#replies-dialog .reply-manage-list li[data-shortcut]").length === 3 && !document.querySelector("#replies-dialog .reply-form").hidden`)
	p.do("add a reply",
		typeKeys("#reply-new-shortcut", "returns"),
		typeKeys("#reply-new-text", "Returns are free for 30 days."),
		chromedp.Click(chromedp.CSS("#reply-save")))
	p.waitFor("the new reply listed", `document.querySelector('#replies-dialog li[data-shortcut="returns"]') !== null`)
	p.do("close the dialog", chromedp.Click(chromedp.CSS("#replies-dialog .pane-head button")))
	p.do("type #ret", chromedp.Evaluate[chromedp.Void](`document.getElementById("reply").value = ""`),
		typeKeys("#reply", "#ret"))
	p.waitFor("returns offered", options+`.map(o => o.dataset.shortcut).join() === "returns"`)
	press(p, "Tab", 9, "")
	p.waitFor("returns inserted", `document.getElementById("reply").value === "Returns are free for 30 days."`)
}

// TestConsoleFilters: the filter bar keeps the chats the agent is in
// (Mine), those without an agent (Unassigned) and the closed ones
// (Closed), with their counts; All shows them all again.
func TestConsoleFilters(t *testing.T) {
	chromium := browsertest.Chromium(t, "The agent console")
	srv := parleytest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Group 4 has no agent: routing gives its chats to nobody.
	if err := srv.Store().PutGroup(ctx, chat.Group{LicenseID: srv.License, ID: 4, Name: "Night shift"}); err != nil {
		t.Fatal(err)
	}
	me := reportAgent(t, srv, srv.AgentEmail) // the console's agent, on the Go client
	closed := seedChat(t, srv, "Carl Closed", 4, me, nil)
	mine := seedChat(t, srv, "Mia Mine", 4, nil, nil)
	if err := me.JoinChat(ctx, mine); err != nil {
		t.Fatal(err)
	}
	waiting := seedChat(t, srv, "Una Waiting", 4, nil, nil)

	p := startBrowser(t, chromium)
	signIn(p, srv)
	all := chatItem(closed) + ` && ` + chatItem(mine) + ` && ` + chatItem(waiting)
	p.waitFor("the three chats", all)
	count := func(tab string) string {
		return `document.querySelector('.list-tab[data-tab="` + tab + `"] .tab-count').textContent`
	}
	p.waitFor("the counts", count("all")+` === "3" && `+count("mine")+` === "1" && `+count("unassigned")+` === "1" && `+count("closed")+` === "1" && `+count("offline")+` === ""`)
	only := func(tab, id string) {
		t.Helper()
		p.do("filter "+tab, chromedp.Click(chromedp.CSS(`.list-tab[data-tab="`+tab+`"]`)))
		p.waitFor("only "+id+" under "+tab, `document.querySelectorAll("#chat-list li").length === 1 && `+chatItem(id)+
			` && document.querySelector('.list-tab[data-tab="`+tab+`"]').getAttribute("aria-selected") === "true"`)
	}
	only("mine", mine)
	only("unassigned", waiting)
	only("closed", closed)
	p.do("offline messages", chromedp.Click(chromedp.CSS(`.list-tab[data-tab="offline"]`)))
	p.waitFor("none, said so", `document.querySelectorAll("#chat-list li").length === 0 && !document.getElementById("no-chats").hidden`)

	// The agent joins the waiting chat: it moves from Unassigned to Mine.
	if err := me.JoinChat(ctx, waiting); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the counts after the join", count("mine")+` === "2" && `+count("unassigned")+` === ""`)
	p.do("all", chromedp.Click(chromedp.CSS(`.list-tab[data-tab="all"]`)))
	p.waitFor("the three chats again", all+` && document.querySelectorAll("#chat-list li").length === 3`)
}

// alertsPrelude records, before the console loads, the notifications the
// page shows and the tones it starts: it wraps the browser's Notification
// and AudioContext, which still do their work.
const alertsPrelude = `
window.__notes = [];
window.__tones = 0;
(() => {
  const N = window.Notification;
  class Recorded extends N {
    constructor(title, options) {
      super(title, options);
      window.__notes.push({ title, body: (options && options.body) || "", tag: (options && options.tag) || "" });
    }
    static get permission() { return N.permission; }
    static requestPermission(...a) { return N.requestPermission(...a); }
  }
  window.Notification = Recorded;
  const A = window.AudioContext;
  window.AudioContext = class extends A {
    createOscillator() {
      const o = super.createOscillator();
      const start = o.start.bind(o);
      o.start = (...a) => { window.__tones++; return start(...a); };
      return o;
    }
  };
})();
`

// TestConsoleAlerts: with sound and desktop notifications switched on,
// a customer's message in a chat that is not open gives a tone and a
// notification; one in the open chat and the agent's own messages give
// none; switched off, nothing comes. The setting is kept in localStorage.
func TestConsoleAlerts(t *testing.T) {
	chromium := browsertest.Chromium(t, "The agent console")
	srv := parleytest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	me := reportAgent(t, srv, srv.AgentEmail) // the console's agent, on the Go client
	ann := newShopper(t, srv, customer.CustomerData{Name: "Ann Background"}, nil)
	ann.start("First question")
	bo := newShopper(t, srv, customer.CustomerData{Name: "Bo Open"}, nil)
	bo.start("Hello there")
	for _, id := range []string{ann.chat.ID, bo.chat.ID} {
		if err := me.JoinChat(ctx, id); err != nil {
			t.Fatal(err)
		}
	}

	p := startBrowser(t, chromium)
	if _, err := chromedp.Call(p.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "notifications"}, Setting: browser.PermissionSettingGranted, Origin: srv.URL}); err != nil {
		t.Fatalf("grant notifications: %v", err)
	}
	if _, err := chromedp.Call(p.ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: alertsPrelude}); err != nil {
		t.Fatalf("prelude: %v", err)
	}
	signIn(p, srv)
	p.waitFor("both chats", chatItem(ann.chat.ID)+` && `+chatItem(bo.chat.ID))
	p.do("switch alerts on", chromedp.Click(chromedp.CSS("#alerts")), chromedp.Click(chromedp.CSS("#alert-sound")), chromedp.Click(chromedp.CSS("#alert-desktop")))
	p.waitFor("both on and kept", `document.getElementById("alert-sound").checked && document.getElementById("alert-desktop").checked && `+
		`JSON.parse(localStorage.getItem("parley.agent.alerts")).desktop === true && window.__tones === 1`)
	p.do("close the menu and open Bo's chat", chromedp.Click(chromedp.CSS("#alerts")),
		chromedp.Click(chromedp.CSS(`#chat-list li[data-chat-id="`+bo.chat.ID+`"]`)))
	p.waitFor("Bo's chat", messageShown("Hello there"))

	// The open chat: no alert.
	bo.say("A question in the open chat")
	p.waitFor("it shows", messageShown("A question in the open chat"))
	// A chat in the background: one.
	ann.say("Where is my order?")
	p.waitFor("a notification for Ann", `window.__notes.length === 1 && window.__notes[0].body === "Where is my order?" && `+
		`window.__notes[0].title === "Ann Background" && window.__tones === 2`)
	// The agent's own messages, in the open chat and in the background: none.
	p.do("reply in the open chat", typeKeys("#reply", "Answering Bo"))
	press(p, "Enter", 13, "\r")
	bo.waitEvent("the answer", func(e customer.Event) bool { return e.Text == "Answering Bo" })
	if _, err := me.SendEvent(ctx, ann.chat.ID, agent.Event{Type: agent.EventMessage, Text: "Looking into it"}); err != nil {
		t.Fatal(err)
	}
	p.waitFor("Ann's preview shows the agent's message", chatItem(ann.chat.ID)+`.querySelector(".preview").textContent === "You: Looking into it"`)
	if n := eval[int](p, `window.__notes.length * 100 + window.__tones`); n != 102 {
		t.Errorf("after the agent's own messages: %d notifications, %d tones; want 1, 2", n/100, n%100)
	}

	// Switched off: nothing.
	p.do("switch alerts off", chromedp.Click(chromedp.CSS("#alerts")), chromedp.Click(chromedp.CSS("#alert-sound")), chromedp.Click(chromedp.CSS("#alert-desktop")))
	p.waitFor("both off and kept", `!document.getElementById("alert-sound").checked && !document.getElementById("alert-desktop").checked && `+
		`JSON.parse(localStorage.getItem("parley.agent.alerts")).sound === false`)
	ann.say("Hello again?")
	p.waitFor("Ann's preview", chatItem(ann.chat.ID)+`.querySelector(".preview").textContent === "Hello again?"`)
	if n := eval[int](p, `window.__notes.length * 100 + window.__tones`); n != 102 {
		t.Errorf("switched off: %d notifications, %d tones; want still 1, 2", n/100, n%100)
	}
}
