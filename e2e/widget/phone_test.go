package widget_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/server/chat"
)

// phone is what the phone tests emulate: 375×667 CSS pixels, touch and an
// iPhone's user agent.
var phone = chromedp.Emulate(device.IPhoneSE3rdgen)

// widgetLayoutJS lists what is wrong with the widget on a phone: a page or
// a part of the widget that scrolls sideways, controls a finger cannot hit
// (smaller than 44×44 CSS pixels, or off the screen), text fields whose
// text is smaller than 16 px (iOS zooms the page into those on focus) and
// text smaller than 11 px.
const widgetLayoutJS = `(() => {
	const out = [];
	const se = document.scrollingElement;
	if (se.scrollWidth > innerWidth) out.push('the page scrolls sideways: ' + se.scrollWidth + ' px wide on a ' + innerWidth + ' px screen');
	const seen = el => el.checkVisibility({visibilityProperty: true}) && el.getBoundingClientRect().width > 0;
	const name = el => el.tagName.toLowerCase() + '.' + (el.getAttribute('class') || '').split(' ')[0] + ' ' +
		JSON.stringify((el.getAttribute('aria-label') || el.getAttribute('name') || el.textContent || '').trim().slice(0, 24));
	for (const el of __ws('.win, .log, .prechat, .closed, .composer')) {
		if (seen(el) && el.scrollWidth > el.clientWidth + 1) out.push(name(el) + ' scrolls sideways: ' + el.scrollWidth + ' px in ' + el.clientWidth);
	}
	for (const el of __ws('button, input:not([type=file]), textarea')) {
		if (!seen(el)) continue;
		const r = el.getBoundingClientRect();
		if (r.width < 44 || r.height < 44) out.push(name(el) + ' is ' + Math.round(r.width) + '×' + Math.round(r.height) + ' px');
		if (r.left < -0.5 || r.right > innerWidth + 0.5 || r.top < -0.5 || r.bottom > innerHeight + 0.5) out.push(name(el) + ' is off the screen (' + [r.left, r.top, r.right, r.bottom].map(Math.round) + ')');
		if (el.localName !== 'button' && parseFloat(getComputedStyle(el).fontSize) < 16) out.push(name(el) + ' has ' + getComputedStyle(el).fontSize + ' text: iOS zooms in on focus');
	}
	for (const el of __ws('.win *')) {
		if (seen(el) && el.childNodes.length && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) && parseFloat(getComputedStyle(el).fontSize) < 11) {
			out.push(name(el) + ' has ' + getComputedStyle(el).fontSize + ' text');
		}
	}
	return out;
})()`

// checkLayout fails the test with every layout problem the widget shows.
func (b *browser) checkLayout(where string) {
	b.t.Helper()
	if problems := eval[[]string](b, widgetLayoutJS); len(problems) > 0 {
		b.t.Errorf("%s on a phone:\n\t%s", where, strings.Join(problems, "\n\t"))
	}
}

// tap touches the middle of the widget's element sel where it is on the
// screen now, as a finger would.
func (b *browser) tap(sel string) {
	b.t.Helper()
	xy := eval[[]float64](b, `(r => [r.left + r.width / 2, r.top + r.height / 2])(__w(`+js(sel)+`).getBoundingClientRect())`)
	b.do(chromedp.TapXY(xy[0], xy[1]))
}

// inView is a JavaScript test that the widget's element sel is entirely
// on the screen.
func inView(sel string) string {
	return `(r => r.width > 0 && r.top >= -0.5 && r.left >= -0.5 && r.bottom <= innerHeight + 0.5 && r.right <= innerWidth + 0.5)(__w(` + js(sel) + `).getBoundingClientRect())`
}

// fullScreen is a JavaScript test that the widget's window covers the
// screen and its launcher is out of the way.
const fullScreen = `(r => !__w('.win').hidden && r.left === 0 && r.top === 0 && r.width === innerWidth && r.height === innerHeight &&
	!__w('.launcher').checkVisibility())(__w('.win').getBoundingClientRect())`

// TestWidgetPhone uses the widget as a visitor on a phone does (375×667,
// touch), on a shop of another site in a Chromium that blocks third-party
// cookies: the window takes the whole screen without raising the
// keyboard; the group's greeting, the pre-chat form, the place in the
// queue, the agent's name and picture, emoji and Seen; the on-screen
// keyboard; a reload keeping customer, chat and history through the
// identity kept in the shop's storage; minimising; the rating; and the
// offline form in German, the language with the longest strings. Every
// step checks that nothing scrolls sideways, that a finger can hit every
// control and that no text field makes iOS zoom.
func TestWidgetPhone(t *testing.T) {
	site := newShop(t)
	shopURL := "http://shop.test:" + site.port(t)
	site.srv = parleytest.NewServer(t, func(c *server.Config) { c.Demo.Origins = []string{shopURL} })
	srv := site.srv
	srv.Configure(t, "update_group", obj{"id": 0, "greeting": "Hi! 👋 Questions about an order?\nWe usually answer within minutes."})
	const agentID = "quinn@parley.test"
	err := srv.Store().PutAgent(context.Background(), chat.Agent{ID: agentID, LicenseID: srv.License, Name: "Quinn Harper",
		JobTitle: "Customer care", Avatar: shopURL + "/face.png", MaxChats: 1, Groups: []int{0}, CreatedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	wsBase := "ws" + strings.TrimPrefix(srv.URL, "http")
	agent := dialRTM(t, "agent", wsBase+"/v3.0/agent/rtm/ws", obj{"token": "Bearer " + srv.AgentToken(t, agentID)})
	// Another customer's chat keeps the agent busy: the phone's chat waits.
	other := dialRTM(t, "other", wsBase+"/v3.0/customer/rtm/ws?license_id="+strconv.Itoa(srv.License),
		obj{"token": "Bearer " + srv.CustomerToken(t, "customer-"+chat.NewID(8))})
	var started obj
	_ = json.Unmarshal(other.do("start_chat", obj{"chat": obj{"thread": obj{"events": []obj{{"type": "message", "text": "first"}}}}}), &started)
	busy := str(started, "chat.id")
	agent.wait("incoming_chat_thread", func(p obj) bool { return str(p, "chat.id") == busy })

	b := newBrowser(t, chromedp.Flag("host-resolver-rules", "MAP shop.test 127.0.0.1"),
		chromedp.Flag("test-third-party-cookie-phaseout", true))
	if _, err := chromedp.Call(b.ctx, network.SetCookieControls, network.SetCookieControlsParams{EnableThirdPartyCookieRestriction: true}); err != nil {
		t.Fatalf("Network.setCookieControls: %v", err)
	}
	b.do(phone, chromedp.Navigate(shopURL+"/"))
	if w := eval[int](b, `innerWidth`); w != 375 {
		t.Fatalf("innerWidth = %d, want 375", w)
	}
	b.waitFor("the widget connects", `__conn() === 'online'`)
	b.waitFor("the launcher in the corner", inView(".launcher")+` && __w('.launcher').getBoundingClientRect().width === 56`)
	b.checkLayout("the launcher")

	// The window covers the screen; the keyboard stays down until the
	// visitor taps a field.
	b.tap(".launcher")
	b.waitFor("the window covers the screen", fullScreen+` && !__w('.prechat').hidden`)
	b.waitFor("the greeting", `__w('.hello').textContent.startsWith('Hi! 👋 Questions about an order?')`)
	if focused := eval[string](b, `(document.querySelector('parley-chat').shadowRoot.activeElement || {}).localName || ''`); focused == "input" || focused == "textarea" {
		t.Errorf("opening the window focused a %s: a phone raises its keyboard over half the window", focused)
	}
	b.waitFor("minimise in view", inView("header .icon"))
	b.checkLayout("the pre-chat form")

	b.tap("input[name=name]")
	b.do(chromedp.SendKeys(w("input[name=name]"), "Mia"))
	b.tap(".prechat .primary")
	b.waitFor("the place in the queue", `!__w('.queue').hidden && __w('.queue').textContent.startsWith('You are number 1 in the queue — about ')`)
	b.do(chromedp.SendKeys(w(".composer textarea"), "Hi, where is my parcel?"))
	b.tap(".composer .send")
	b.waitFor("the message is sent", `__ws('.msg.me').at(-1).dataset.state === 'sent'`)
	b.do(chromedp.Blur(w(".composer textarea")))
	b.checkLayout("the queue")
	b.screenshotAs(t, "widget-phone-queue.png")

	// The agent is free: the chat is the agent's, its name and picture head
	// the window.
	agent.do("deactivate_chat", obj{"chat_id": busy})
	ct := agent.wait("incoming_chat_thread", func(p obj) bool { return str(p, "chat.id") != busy })
	chatID := str(ct, "chat.id")
	b.waitFor("the agent heads the window", `__w('.queue').hidden && __w('header strong').textContent === 'Quinn Harper' && __w('.sub').textContent === 'Customer care' &&
		!__w('.face').hidden && __w('.face').complete && __w('.face').naturalWidth === 48`)
	agent.do("send_event", obj{"chat_id": chatID, "event": obj{"type": "message", "text": "Hello Mia! 😊 How can I help?"}})
	b.waitFor("the agent's message", `__texts('.msg.them .bubble').includes('Hello Mia! 😊 How can I help?')`)

	// Enter is a new line on a phone (its keyboard has no Shift+Enter):
	// the send button sends.
	mine := "My parcel 📦 has not come.\nOrder #10243 🙏🏽"
	b.tap(".composer textarea")
	b.insertText(t, "My parcel 📦 has not come.")
	b.do(chromedp.KeyEvent("\r"))
	b.insertText(t, "Order #10243 🙏🏽")
	if v := eval[string](b, `__w('.composer textarea').value`); v != mine {
		t.Fatalf("the message box holds %q, want %q (Enter is a new line)", v, mine)
	}
	b.tap(".composer .send")
	ev := agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == mine })
	customerID := str(ev, "event.author_id")
	agent.do("update_last_seen_timestamp", obj{"chat_id": chatID})
	b.waitFor("the message is seen", `__ws('.msg.me').at(-1).dataset.state === 'seen' && __ws('.msg.me .bubble').at(-1).textContent === `+js(mine))
	agent.do("send_event", obj{"chat_id": chatID, "event": obj{"type": "message", "text": "Sorry about that! It left our depot this morning; you will have it tomorrow."}})
	b.waitFor("the answer, at the end of the log", `__texts('.msg.them .bubble').some(t => t.startsWith('Sorry about that!')) &&
		(l => l.scrollHeight - l.scrollTop - l.clientHeight < 2)(__w('.log'))`)
	if wide := eval[float64](b, `Math.max(...__ws('.msg .bubble').map(e => e.getBoundingClientRect().width)) / innerWidth`); wide < 0.6 {
		t.Errorf("the widest message takes %.0f %% of the screen, want at least 60 %%", 100*wide)
	}
	if wide := eval[float64](b, `__w('.composer textarea').getBoundingClientRect().width / innerWidth`); wide < 0.6 {
		t.Errorf("the message box takes %.0f %% of the screen, want at least 60 %%", 100*wide)
	}
	b.do(chromedp.Blur(w(".composer textarea")))
	b.checkLayout("the chat")
	b.screenshotAs(t, "widget-phone-chat.png")

	// The on-screen keyboard takes 300 px: the window shrinks above it, the
	// message box, the send button and the newest message stay in view.
	b.do(chromedp.EmulateViewport(375, 367, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait, chromedp.EmulateScale(2)))
	b.waitFor("the window above the keyboard", `innerHeight === 367 && `+fullScreen+` && `+inView(".composer textarea")+` && `+inView(".composer .send")+` && `+inView("header .icon"))
	b.waitFor("the newest message above the message box", `(l => l.clientHeight >= 100 && __ws('.msg').at(-1).getBoundingClientRect().bottom <= l.getBoundingClientRect().bottom + 1)(__w('.log'))`)
	b.checkLayout("the chat with the keyboard up")
	b.do(phone)
	b.waitFor("the full screen again", `innerHeight === 667 && `+fullScreen)

	// A reload: the identity kept in the shop's own storage brings back the
	// customer, the chat and its history, with the window still open.
	b.do(chromedp.Reload())
	b.waitFor("the chat is back", `__conn() === 'online' && `+fullScreen+` && __texts('.msg.me .bubble').includes(`+js(mine)+`) && __w('header strong').textContent === 'Quinn Harper'`)
	b.tap(".composer textarea")
	b.do(chromedp.SendKeys(w(".composer textarea"), "Thank you!"))
	b.tap(".composer .send")
	ev = agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == "Thank you!" })
	if str(ev, "chat_id") != chatID || str(ev, "event.author_id") != customerID {
		t.Fatalf("after the reload: chat %s from %s, want chat %s from %s", str(ev, "chat_id"), str(ev, "event.author_id"), chatID, customerID)
	}

	// Minimise, and open again.
	b.tap("header .icon")
	b.waitFor("the window is minimised", `__w('.win').hidden && `+inView(".launcher"))
	b.tap(".launcher")
	b.waitFor("the window again", fullScreen)

	// The agent closes the chat: the rating fits the screen.
	agent.do("deactivate_chat", obj{"chat_id": chatID})
	b.waitFor("the rating", `!__w('.closed').hidden && !__w('.rating').hidden && `+inView(".rating .primary"))
	b.checkLayout("the rating")
	b.tap(".rate.good")
	b.tap(".rating .primary")
	agent.wait("chat_thread_properties_updated", func(p obj) bool {
		return str(p, "chat_id") == chatID && get(p, "properties.rating.score.value") == 1.0
	})
	b.waitFor("thanks for the rating", `!__w('.thanks').hidden`)

	// Nobody online, a new visitor, in German: the offline form fits.
	agent.do("set_routing_status", obj{"status": "offline"})
	b.do(chromedp.Evaluate[chromedp.Void](`localStorage.clear(), sessionStorage.clear()`))
	b.do(chromedp.Navigate(shopURL + "/?lang=de"))
	b.waitFor("the widget connects", `__conn() === 'online' && __w('.win').lang === 'de'`)
	b.tap(".launcher")
	b.waitFor("the German offline form covers the screen", fullScreen+` && !__w('.offline').hidden && __w('.offline .primary').textContent !== ''`)
	b.checkLayout("the offline form")
	b.do(chromedp.SendKeys(w(".offline [name=name]"), "Jonas"),
		chromedp.SendKeys(w(".offline [name=email]"), "jonas@shop.test"),
		chromedp.SendKeys(w(".offline [name=message]"), "Liefern Sie auch nach Österreich?"))
	b.do(chromedp.Blur(w(".offline [name=message]")))
	b.screenshotAs(t, "widget-phone-offline.png")
	b.waitFor("send in view", inView(".offline .primary"))
	b.tap(".offline .primary")
	b.waitFor("the message is left", `__w('.offline').hidden && !__w('.left').hidden && __texts('.msg.me .bubble').includes('Liefern Sie auch nach Österreich?')`)
	b.checkLayout("the left message")
	b.checkClean()
}
