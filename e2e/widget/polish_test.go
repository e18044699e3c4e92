package widget_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server"
)

// shop is a site of its own that embeds the widget: GET /?lang=xx&group=N
// is a page with the script tag (data-lang and data-group when given),
// GET /face.png a picture.
type shop struct {
	*httptest.Server
	srv *parleytest.Server
}

func newShop(t *testing.T) *shop {
	s := &shop{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/face.png" {
			w.Header().Set("Content-Type", "image/png")
			w.Write(testPNG(t, 48, 48))
			return
		}
		attrs := ""
		for _, k := range []string{"lang", "group"} {
			if v := r.URL.Query().Get(k); v != "" {
				attrs += fmt.Sprintf(` data-%s="%s"`, k, v)
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>Shop</title><meta name="viewport" content="width=device-width, initial-scale=1"></head><body><h1>A shop</h1>
<script src="%s/widget.js" data-license="%d" data-client-id="%s"%s async></script></body></html>`,
			s.srv.URL, s.srv.License, s.srv.ClientID, attrs)
	}))
	t.Cleanup(s.Close)
	return s
}

// port is the shop's port.
func (s *shop) port(t *testing.T) string {
	_, p, err := net.SplitHostPort(strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// await evaluates a JavaScript expression whose value is a promise.
func await[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("evaluate %s: %v", expr, err)
	}
	return v
}

// insertText types text into the composer as an input method does, in
// one piece: key events cannot carry a ZWJ sequence.
func (b *browser) insertText(t *testing.T, text string) {
	t.Helper()
	b.do(chromedp.Focus(w(".composer textarea")))
	if _, err := chromedp.Call(b.ctx, input.InsertText, input.InsertTextParams{Text: text}); err != nil {
		t.Fatalf("insert %q: %v", text, err)
	}
}

// TestWidgetCrossSiteIdentity runs the widget on a site of another site
// than the server (http://shop.test:<port>, the server on 127.0.0.1) in a
// Chromium that blocks third-party cookies. The cookie grant alone loses
// the visitor there: two token requests from the shop's page give two
// customers. The widget keeps the identity token in the shop's
// localStorage, so a reload is the same customer in the same chat, with
// its history.
func TestWidgetCrossSiteIdentity(t *testing.T) {
	site := newShop(t)
	shopURL := "http://shop.test:" + site.port(t)
	site.srv = parleytest.NewServer(t, func(c *server.Config) { c.Demo.Origins = []string{shopURL} })
	srv := site.srv
	agent := dialAgent(t, srv)
	b := newBrowser(t, chromedp.Flag("host-resolver-rules", "MAP shop.test 127.0.0.1"),
		chromedp.Flag("test-third-party-cookie-phaseout", true))
	if _, err := chromedp.Call(b.ctx, network.SetCookieControls, network.SetCookieControlsParams{EnableThirdPartyCookieRestriction: true}); err != nil {
		t.Fatalf("Network.setCookieControls: %v", err)
	}

	b.do(chromedp.Navigate(shopURL + "/"))
	b.waitFor("the widget connects from the shop", `__conn() === 'online'`)
	if o := eval[string](b, `location.origin`); o != shopURL {
		t.Fatalf("the page is on %s, want %s", o, shopURL)
	}

	// The cookie grant, as the widget used it alone: the browser does not
	// keep the server's cookie for the shop, so every request is a new
	// customer.
	cookieOnly := `fetch(` + js(srv.URL+"/customer/token") + `, {method: 'POST', credentials: 'include', body: JSON.stringify({
		response_type: 'token', grant_type: 'cookie', client_id: ` + js(srv.ClientID) + `, license_id: ` + fmt.Sprint(srv.License) + `,
		redirect_uri: location.origin + '/'})}).then(r => r.json()).then(b => b.entity_id)`
	first := await[string](b, cookieOnly)
	second := await[string](b, cookieOnly)
	if first == "" || first == second {
		t.Fatalf("the cookie grant gave customers %q and %q from the shop: want two different ones (third-party cookies blocked)", first, second)
	}
	// The same in the server's own pages keeps the customer: the cookie
	// itself works where it is first-party.
	b.do(chromedp.Navigate(srv.URL + "/widget/config.json"))
	sameSite := strings.Replace(cookieOnly, "location.origin + '/'", js(srv.URL+"/"), 1)
	if a, z := await[string](b, sameSite), await[string](b, sameSite); a == "" || a != z {
		t.Fatalf("the cookie grant on the server's own origin gave %q and %q: want the same customer", a, z)
	}

	// The widget on the shop: a chat, a reload, the same customer and chat.
	b.do(chromedp.Navigate(shopURL + "/"))
	b.waitFor("the widget connects", `__conn() === 'online'`)
	b.do(chromedp.Click(w(".launcher")))
	b.waitFor("the pre-chat form shows", `!__w('.prechat').hidden`)
	b.do(chromedp.Click(w(".prechat .primary")))
	b.waitFor("the chat starts", `!__w('.composer').hidden`)
	b.do(chromedp.SendKeys(w("textarea[aria-label=Message]"), "Before the reload\r"))
	ev := agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == "Before the reload" })
	chatID, customerID := str(ev, "chat_id"), str(ev, "event.author_id")
	agent.do("join_chat", obj{"chat_id": chatID})
	agent.do("send_event", obj{"chat_id": chatID, "event": obj{"type": "message", "text": "Answer before the reload"}})
	b.waitFor("the answer shows", `__texts('.msg.them .bubble').includes('Answer before the reload')`)
	key := fmt.Sprintf("parley:identity:%d:%s", srv.License, srv.ClientID)
	if v := eval[string](b, `localStorage.getItem(`+js(key)+`) || ''`); v == "" || strings.Contains(v, customerID) {
		t.Fatalf("the shop's localStorage holds %q under %s: want a signed identity token, not the customer id", v, key)
	}

	for i := range 2 {
		b.do(chromedp.Reload())
		b.waitFor("the widget is back after the reload", `__conn() === 'online'`)
		b.waitFor("the history shows", `__texts('.msg.me .bubble').includes('Before the reload') && __texts('.msg.them .bubble').includes('Answer before the reload')`)
		text := fmt.Sprintf("After reload %d", i+1)
		b.do(chromedp.SendKeys(w("textarea[aria-label=Message]"), text+"\r"))
		ev = agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == text })
		if str(ev, "chat_id") != chatID || str(ev, "event.author_id") != customerID {
			t.Fatalf("after reload %d: chat %s from %s, want chat %s from %s", i+1, str(ev, "chat_id"), str(ev, "event.author_id"), chatID, customerID)
		}
	}

	// A forged identity token: the server refuses it and the widget starts
	// over as a new customer rather than failing.
	b.do(chromedp.Evaluate[chromedp.Void](`localStorage.setItem(` + js(key) + `, 'forged.token')`))
	b.do(chromedp.Reload())
	b.waitFor("the widget connects as a new customer", `__conn() === 'online' && !__w('.prechat').hidden`)
	if v := eval[string](b, `localStorage.getItem(`+js(key)+`)`); v == "forged.token" || v == "" {
		t.Errorf("after a refused identity token the storage holds %q", v)
	}
	b.checkClean()
}

// TestWidgetLanguages: data-lang picks the language, else the browser's
// languages; only a language other than English loads its strings, from
// /widget/i18n/<lang>.json.
func TestWidgetLanguages(t *testing.T) {
	site := newShop(t)
	site.srv = parleytest.NewServer(t, func(c *server.Config) { c.Demo.Origins = []string{site.URL} })
	loaded := `performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/widget/i18n/'))`

	dialAgent(t, site.srv) // an agent online: the pre-chat form, not the offline one
	b := newBrowser(t)     // Chromium in English
	for lang, want := range map[string][2]string{
		"de": {"Chat öffnen", "Schreiben Sie uns"},
		"pl": {"Otwórz czat", "Porozmawiaj z nami"},
		"es": {"Abrir chat", "Chatea con nosotros"},
		"en": {"Open chat", "Chat with us"},
		"fr": {"Open chat", "Chat with us"}, // not ours: the browser's, English
	} {
		b.do(chromedp.Navigate(site.URL + "/?lang=" + lang))
		b.waitFor("the widget connects ("+lang+")", `__conn() === 'online'`)
		if got := eval[[]string](b, `[__w('.launcher').getAttribute('aria-label'), __w('header strong').textContent]`); got[0] != want[0] || got[1] != want[1] {
			t.Errorf("data-lang=%s: %q, want %q", lang, got, want)
		}
		files := eval[[]string](b, loaded)
		if wantFile := lang != "en" && lang != "fr"; wantFile != (len(files) == 1 && strings.HasSuffix(files[0], "/widget/i18n/"+lang+".json")) {
			t.Errorf("data-lang=%s: strings loaded from %v", lang, files)
		}
	}
	b.do(chromedp.Navigate(site.URL + "/?lang=de"))
	b.waitFor("the widget connects", `__conn() === 'online'`)
	b.do(chromedp.Click(w(".launcher")))
	b.waitFor("the German pre-chat form shows", `!__w('.prechat').hidden && __w('.prechat .primary').textContent === 'Chat starten' && __w('.win').lang === 'de'`)
	b.checkClean()

	// A Polish browser: Polish without data-lang, Spanish with data-lang=es.
	pl := newBrowser(t, chromedp.Flag("lang", "pl"), chromedp.Flag("accept-lang", "pl-PL,pl"))
	pl.do(chromedp.Navigate(site.URL + "/"))
	pl.waitFor("the widget connects", `__conn() === 'online'`)
	if got := eval[string](pl, `navigator.languages.join(',')`); !strings.HasPrefix(got, "pl") {
		t.Fatalf("the browser's languages are %q, want Polish first", got)
	}
	pl.waitFor("the widget speaks Polish", `__w('.launcher').getAttribute('aria-label') === 'Otwórz czat' && __w('.win').lang === 'pl'`)
	pl.do(chromedp.Click(w(".launcher")), chromedp.Click(w(".prechat .primary")))
	pl.waitFor("the chat starts", `!__w('.composer').hidden && __w('.composer textarea').placeholder === 'Napisz wiadomość…'`)
	pl.do(chromedp.Navigate(site.URL + "/?lang=es"))
	pl.waitFor("data-lang wins over the browser", `__conn() === 'online' && __w('.win').lang === 'es' && __w('.launcher').getAttribute('aria-label') === 'Cerrar chat' && __w('.composer textarea').placeholder === 'Escribe un mensaje…'`)
	pl.checkClean()
}

// TestWidgetPolish: the group's greeting before the chat starts, the
// agent's name and picture, Seen once the agent has read the customer's
// messages, and emoji (ZWJ sequences, skin tones, flags) kept as text
// both ways.
func TestWidgetPolish(t *testing.T) {
	site := newShop(t)
	site.srv = parleytest.NewServer(t, func(c *server.Config) { c.Demo.Origins = []string{site.URL} })
	srv := site.srv
	greeting := "Hi from the Sales team 👋\nAsk us anything."
	srv.Configure(t, "create_group", obj{"name": "Sales", "greeting": greeting, "agent_priorities": obj{srv.AgentEmail: "normal"}})
	srv.Configure(t, "update_group", obj{"id": 0, "greeting": "Welcome to the General queue"})
	srv.Configure(t, "update_agent", obj{"id": srv.AgentEmail, "name": "Ada Agent", "job_title": "Billing", "avatar_path": site.URL + "/face.png"})
	srv.Restart(t) // the demo license is seeded again at start: its greetings stay
	agent := dialAgent(t, srv)
	b := newBrowser(t)

	// Group 0's greeting without data-group, group 1's with it.
	b.do(chromedp.Navigate(site.URL + "/"))
	b.waitFor("group 0's greeting shows", `__conn() === 'online' && __w('.hello').textContent === 'Welcome to the General queue'`)
	b.do(chromedp.Navigate(site.URL + "/?group=1"))
	b.waitFor("the widget connects", `__conn() === 'online'`)
	b.do(chromedp.Click(w(".launcher")))
	b.waitFor("the Sales greeting shows before the chat", `!__w('.prechat').hidden && __w('.hello').textContent === `+js(greeting)+` && __w('.hello').getBoundingClientRect().height > 30`)

	b.do(chromedp.Click(w(".prechat .primary")))
	b.waitFor("the chat starts", `!__w('.composer').hidden && __w('.prechat').hidden`)
	emoji := []string{"Thanks 👍🏽", "👩‍💻 writes code", "Family 👨‍👩‍👧‍👦 and 🏳️‍🌈", "🇵🇱🇩🇪🇪🇸 ❤️ 1️⃣"}
	for _, e := range emoji {
		b.insertText(t, e)
		b.do(chromedp.Click(w(".composer .send")))
	}
	var chatID string
	for _, e := range emoji {
		ev := agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == e })
		chatID = str(ev, "chat_id")
	}
	b.waitFor("the messages are sent", `__ws('.msg.me[data-state=sent]').length === 4`)
	if n := eval[int](b, `__ws('.msg.me .st').filter(s => s.textContent === 'Seen').length`); n != 0 {
		t.Errorf("%d messages say Seen before the agent read them", n)
	}

	// The agent joins: its name and picture head the window.
	agent.do("join_chat", obj{"chat_id": chatID})
	b.waitFor("the agent's name and picture show", `__w('header strong').textContent === 'Ada Agent' && __w('.sub').textContent === 'Billing' && !__w('.face').hidden && __w('.face').complete && __w('.face').naturalWidth === 48 && __w('.face').src === `+js(site.URL+"/face.png"))
	back := "Got it 🧑🏿‍🚀 — here is 👩‍👩‍👧 and 🏴󠁧󠁢󠁳󠁣󠁴󠁿"
	agent.do("send_event", obj{"chat_id": chatID, "event": obj{"type": "message", "text": back}})
	b.waitFor("the agent's emoji show as sent", `__texts('.msg.them .bubble').includes(`+js(back)+`)`)
	if got := eval[[]string](b, `__ws('.msg.me .bubble').map(e => e.textContent)`); strings.Join(got, "|") != strings.Join(emoji, "|") {
		t.Errorf("the customer's messages show as %q, want %q", got, emoji)
	}
	if n := eval[int](b, `__ws('.log img').length`); n != 0 {
		t.Errorf("%d images in the log: emoji must stay text", n)
	}
	if got := eval[string](b, `__ws('.msg.them .name')[0].textContent`); got != "Ada Agent" {
		t.Errorf("the agent's messages are signed %q", got)
	}

	// The agent reads the chat: every message says Seen.
	agent.do("update_last_seen_timestamp", obj{"chat_id": chatID})
	b.waitFor("the messages say Seen", `__ws('.msg.me').length === 4 && __ws('.msg.me').every(m => m.dataset.state === 'seen' && m.querySelector('.st').textContent === 'Seen')`)
	// A message after that is Sent, not Seen, until the agent reads again;
	// after a reload, Seen comes from the chat's users. Timestamps are whole
	// seconds, and a message of the second the agent read in counts as
	// seen: the next one is sent a second later.
	time.Sleep(1100 * time.Millisecond)
	b.do(chromedp.SendKeys(w("textarea[aria-label=Message]"), "One more 🙂\r"))
	agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == "One more 🙂" })
	b.waitFor("the new message is sent", `__ws('.msg.me').at(-1).dataset.state === 'sent'`)
	b.do(chromedp.Reload())
	b.waitFor("the history is back", `__conn() === 'online' && __ws('.msg.me').length === 5`)
	b.waitFor("Seen after the reload", `__ws('.msg.me').slice(0, 4).every(m => m.dataset.state === 'seen') && __ws('.msg.me').at(-1).dataset.state !== 'seen'`)

	// A picture that is not an http(s) URL is not shown.
	srv.Configure(t, "update_agent", obj{"id": srv.AgentEmail, "avatar_path": "javascript:alert(1)"})
	agent.do("remove_user_from_chat", obj{"chat_id": chatID, "user_id": srv.AgentEmail, "user_type": "agent"})
	agent.do("join_chat", obj{"chat_id": chatID})
	b.do(chromedp.Reload())
	b.waitFor("no picture", `__conn() === 'online' && __w('header strong').textContent === 'Ada Agent' && __w('.face').hidden && !__w('.face').getAttribute('src')`)
	b.checkClean()
}
