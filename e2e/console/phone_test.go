package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/e2e/internal/browsertest"
	"github.com/parleychat/parley/parleytest"
)

// panesJS names the parts of the console a person sees, in page order:
// "topbar", "chats", "conversation", "customer".
const panesJS = `(() => {
	const seen = (el) => {
		if (!el.checkVisibility({ visibilityProperty: true })) return false;
		const r = el.getBoundingClientRect();
		return r.width > 0 && r.height > 0 && r.right > 0 && r.left < innerWidth && r.bottom > 0 && r.top < innerHeight;
	};
	return ["topbar", "chats", "conversation", "customer"].filter((c) => seen(document.querySelector("#app ." + c))).join(" ");
})()`

// layoutJS lists what is wrong with the page on a phone: a page wider than
// the screen, and controls a finger cannot hit (smaller than 44×44 CSS
// pixels, or reaching off the screen sideways). A check box or radio
// button is hit through its label.
const layoutJS = `(() => {
	const out = [];
	const se = document.scrollingElement;
	if (se.scrollWidth > innerWidth) out.push("the page scrolls sideways: " + se.scrollWidth + " px wide on a " + innerWidth + " px screen");
	for (const el of document.querySelectorAll("button, select, input, textarea, .button, [role=button]")) {
		if (!el.checkVisibility({ visibilityProperty: true })) continue;
		const r = ((el.type === "checkbox" || el.type === "radio") && el.closest("label") || el).getBoundingClientRect();
		const name = (el.id ? "#" + el.id : el.tagName.toLowerCase() + "." + el.className.split(" ")[0]) + " " +
			JSON.stringify((el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 24));
		if (r.width < 44 || r.height < 44) out.push(name + " is " + Math.round(r.width) + "×" + Math.round(r.height) + " px");
		if (r.left < 0 || r.right > innerWidth + 0.5) out.push(name + " reaches off the screen (" + Math.round(r.left) + "…" + Math.round(r.right) + ")");
	}
	return out;
})()`

// widthJS is the share of the screen's width the element sel takes.
func widthJS(sel string) string {
	return `(document.querySelector(` + js(sel) + `).getBoundingClientRect().width / innerWidth)`
}

// rectInView is a JavaScript test that the element sel is there and
// entirely on the screen.
func rectInView(sel string) string {
	return `(() => { const el = document.querySelector(` + js(sel) + `); if (!el) return false; const r = el.getBoundingClientRect();
		return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight + 0.5 && r.right <= innerWidth + 0.5; })()`
}

// focused is a JavaScript test that the focus is on the element sel.
func focused(sel string) string {
	return `document.activeElement === document.querySelector(` + js(sel) + `)`
}

// tap touches the middle of the element sel where it is on the screen
// now, as a finger would: whatever shows there gets the touch.
func (p *browserPage) tap(what, sel string) {
	p.t.Helper()
	xy := eval[[]float64](p, `(() => { const r = document.querySelector(`+js(sel)+`).getBoundingClientRect();
		return [r.left + r.width / 2, r.top + r.height / 2]; })()`)
	p.do(what, chromedp.TapXY(xy[0], xy[1]))
}

// checkLayout fails the test with every layout problem the page shows.
func (p *browserPage) checkLayout(where string) {
	p.t.Helper()
	if problems := eval[[]string](p, layoutJS); len(problems) > 0 {
		p.t.Errorf("%s on a phone:\n\t%s", where, strings.Join(problems, "\n\t"))
	}
}

// TestConsolePhone uses the console as on a phone (375×667, a mobile user
// agent, touch): one pane at a time, from the chat list to a chat and its
// customer and back (with the back buttons and the browser's back), a
// reply from the composer, the on-screen keyboard, readable text, touch
// targets and no sideways scrolling.
func TestConsolePhone(t *testing.T) {
	chromium := browsertest.Chromium(t, "The agent console on a phone")
	srv := parleytest.NewServer(t)
	p := startBrowser(t, chromium)

	phone := chromedp.Emulate(device.IPhoneSE3rdgen) // 375×667, touch, an iPhone's user agent
	p.do("open the console on a phone", phone, chromedp.Navigate(srv.URL+"/agent/"))
	p.waitFor("the sign-in form", `!document.getElementById("signin").hidden && document.getElementById("license").value !== ""`)
	if w := eval[int](p, `innerWidth`); w != 375 {
		t.Fatalf("innerWidth = %d, want 375 (the viewport meta tag)", w)
	}
	p.checkLayout("the sign-in form")
	p.do("fill in the sign-in form",
		typeKeys("#email", srv.AgentEmail),
		typeKeys("#password", srv.AgentPassword))
	p.tap("sign in", "#signin-button")
	p.waitFor("the connection", `document.getElementById("conn").dataset.state === "connected"`)

	// The chat list alone, under a top bar with the status and sign-out.
	p.waitFor("the chat list alone", panesJS+` === "topbar chats"`)
	p.waitFor("the routing status and sign-out in view", rectInView("#routing")+` && `+rectInView("#signout")+` && `+rectInView("#conn"))
	p.checkLayout("the chat list")

	ada := newShopper(t, srv, customer.CustomerData{Name: "Ada Lovelace", Email: "ada@example.com",
		Fields: map[string]string{"plan": "Pro", "order": "#10243"}},
		&customer.Page{URL: "https://shop.example/orders/10243", Title: "Order #10243"})
	first := "Hi! My order #10243 has not arrived yet. It was due on Monday and the tracking page has not changed since."
	ada.start(first)
	grace := newShopper(t, srv, customer.CustomerData{Name: "Grace Hopper", Email: "grace@example.com"}, nil)
	grace.start("Do you ship to Canada?")
	adaItem := `#chat-list li[data-chat-id="` + ada.chat.ID + `"]`
	graceItem := `#chat-list li[data-chat-id="` + grace.chat.ID + `"]`
	p.waitFor("both chats in the list", `document.querySelector(`+js(adaItem)+`) && document.querySelector(`+js(graceItem)+`)`)
	if w := eval[float64](p, widthJS(adaItem+" .chat-main")); w < 0.7 {
		t.Errorf("a chat's name and preview take %.0f %% of the screen's width, want at least 70 %%", 100*w)
	}
	p.checkLayout("the chat list with chats")
	writeScreenshot(t, p, "console-phone-list.png")

	// Open Ada's chat: the chat alone, the focus on its title (not in the
	// reply box, which would raise the keyboard).
	p.tap("open Ada's chat", adaItem)
	p.waitFor("the chat alone", panesJS+` === "conversation" && `+messageShown(first))
	p.waitFor("the focus on the chat's title", focused("#chat-title")+` && document.getElementById("chat-title").textContent === "Ada Lovelace"`)
	if w := eval[float64](p, widthJS("#reply")); w < 0.9 {
		t.Errorf("the reply box takes %.0f %% of the screen's width, want at least 90 %%", 100*w)
	}
	if w := eval[float64](p, `Math.max(...[...document.querySelectorAll("#message-list .bubble")].map(b => b.getBoundingClientRect().width)) / innerWidth`); w < 0.6 {
		t.Errorf("the widest message takes %.0f %% of the screen's width, want at least 60 %%", 100*w)
	}
	p.waitFor("the composer and Send in view", rectInView("#reply")+` && `+rectInView("#send")+` && `+rectInView("#back-to-list"))
	p.checkLayout("the chat")

	// Reply from the composer. Enter is a new line on a phone (its keyboard
	// has no Shift+Enter); Send sends.
	reply := "Sorry about that!\nLet me check where your parcel is."
	p.do("type a reply", typeKeys("#reply", reply))
	if v := eval[string](p, `document.getElementById("reply").value`); v != reply {
		t.Fatalf("the reply box holds %q, want %q (Enter is a new line)", v, reply)
	}
	p.tap("send the reply", "#send")
	got := ada.waitEvent("the agent's reply", func(e customer.Event) bool { return e.Type == customer.EventMessage && e.Text == reply })
	if got.Author != srv.AgentEmail {
		t.Errorf("reply author = %q, want %q", got.Author, srv.AgentEmail)
	}
	p.waitFor("the reply in the chat", messageShown(reply)+` && document.getElementById("reply").value === ""`)
	thanks := "Thank you! The tracking number is 1Z 999 AA1 01 2345 6784."
	ada.say(thanks)
	p.waitFor("the customer's answer, in view", messageShown(thanks)+` && (() => { const m = document.getElementById("messages");
		return m.scrollHeight - m.scrollTop - m.clientHeight < 2; })()`)
	writeScreenshot(t, p, "console-phone-chat.png")

	// The on-screen keyboard takes 300 px (Chromium resizes the page, as
	// interactive-widget=resizes-content asks): the reply box, Send and the
	// newest message stay in view.
	p.do("raise the keyboard", chromedp.EmulateViewport(375, 367, chromedp.EmulateMobile, chromedp.EmulateTouch,
		chromedp.EmulatePortrait, chromedp.EmulateScale(2)))
	p.waitFor("the composer above the keyboard", `innerHeight === 367 && `+rectInView("#reply")+` && `+rectInView("#send")+` && `+rectInView("#back-to-list"))
	p.waitFor("the newest message above the composer", `(() => { const m = document.getElementById("messages");
		const last = [...document.querySelectorAll("#message-list .event")].pop().getBoundingClientRect();
		return m.clientHeight >= 100 && last.bottom <= m.getBoundingClientRect().bottom + 1; })()`)
	p.checkLayout("the chat with the keyboard up")
	p.do("lower the keyboard", phone)
	p.waitFor("the full screen again", `innerHeight === 667`)

	// The chat's actions fold behind a menu button.
	p.waitFor("the actions folded", `!document.getElementById("close").checkVisibility()`)
	p.tap("open the chat's actions", "#chat-menu")
	p.waitFor("the actions", `document.getElementById("chat-menu").getAttribute("aria-expanded") === "true" && `+rectInView("#close")+` && `+rectInView("#transfer"))
	p.checkLayout("the chat's actions")
	p.tap("fold the chat's actions", "#chat-menu")
	p.waitFor("the actions folded again", `!document.getElementById("close").checkVisibility()`)

	// The customer's details alone, and back to the chat.
	p.tap("open the customer's details", "#show-customer")
	p.waitFor("the customer alone", panesJS+` === "customer" && `+focused("#customer-heading"))
	p.waitFor("the customer's details", `(() => { const t = document.getElementById("customer-panel").textContent;
		return t.includes("Ada Lovelace") && t.includes("ada@example.com") && t.includes("Order #10243") && t.includes("Pro"); })()`)
	if w := eval[float64](p, widthJS("#customer-panel .details dd")); w < 0.5 {
		t.Errorf("a customer detail takes %.0f %% of the screen's width, want at least 50 %%", 100*w)
	}
	p.checkLayout("the customer's details")
	p.tap("go back to the chat", "#back-to-chat")
	p.waitFor("the chat alone again, the focus on the details button", panesJS+` === "conversation" && `+focused("#show-customer"))
	p.waitFor("the newest message still in view", `(() => { const m = document.getElementById("messages");
		return m.scrollHeight - m.scrollTop - m.clientHeight < 2; })()`)

	// Back to the list: the chat is no longer open, so what Ada writes now
	// is unread.
	p.tap("go back to the list", "#back-to-list")
	p.waitFor("the list alone again, the focus on Ada's chat", panesJS+` === "topbar chats" && `+focused(adaItem))
	ada.say("Hello? Are you still there?")
	p.waitFor("Ada's chat unread", `document.querySelector(`+js(adaItem)+`).dataset.unread === "1"`)

	// A broken connection shows in full, on a row of its own.
	srv.DropConnections(parleytest.AgentConns)
	p.waitFor("the reconnecting state across the top", `document.getElementById("conn").dataset.state === "reconnecting" && `+
		rectInView("#conn")+` && `+widthJS("#conn")+` > 0.9`)
	p.checkLayout("the chat list while reconnecting")
	p.waitFor("the connection back", `document.getElementById("conn").dataset.state === "connected"`)

	// The browser's back (Android's back gesture) leaves a pane too.
	p.tap("open Ada's chat again", adaItem)
	p.waitFor("the chat alone, read", panesJS+` === "conversation" && document.querySelector(`+js(adaItem)+`).dataset.unread === "0"`)
	p.do("the browser's back", chromedp.Evaluate[chromedp.Void](`history.back()`))
	p.waitFor("the list alone after the browser's back", panesJS+` === "topbar chats" && `+focused(adaItem))

	// A reload in a chat starts on the list, and the back button still
	// leads there from a chat opened after it.
	p.tap("open Ada's chat once more", adaItem)
	p.waitFor("the chat alone once more", panesJS+` === "conversation"`)
	p.do("reload the page", chromedp.Reload())
	p.waitFor("the list alone after the reload", `document.getElementById("conn").dataset.state === "connected" && `+
		`document.querySelector(`+js(adaItem)+`) && `+panesJS+` === "topbar chats"`)
	p.tap("open Ada's chat after the reload", adaItem)
	p.waitFor("the chat alone after the reload", panesJS+` === "conversation"`)
	p.tap("go back to the list after the reload", "#back-to-list")
	p.waitFor("the list alone, back from the chat", panesJS+` === "topbar chats" && `+focused(adaItem))

	// Sign out from the top bar.
	p.tap("sign out", "#signout")
	p.waitFor("the sign-in form", `!document.getElementById("signin").hidden && sessionStorage.getItem("parley.agent.session") === null`)
	if d := p.dialogsSeen(); len(d) > 0 {
		t.Fatalf("the page opened dialogs: %q", d)
	}
}
