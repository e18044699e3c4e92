package widget_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/e2e/internal/browsertest"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/web/widget"
)

// artifactsDir is where screenshots go when they are not the docs' own:
// $PARLEY_ARTIFACTS, or parley-artifacts in the temporary directory.
func artifactsDir(t *testing.T) string {
	dir := os.Getenv("PARLEY_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "parley-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// prelude runs in every page before its own scripts (DevTools runs it, so
// the page's CSP does not apply): helpers to reach into the widget's
// shadow root, and records of CSP violations and connection states.
const prelude = `
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => __csp.push(e.violatedDirective + ' ' + e.blockedURI));
window.__w = s => { const h = document.querySelector('parley-chat'); return h && h.shadowRoot ? h.shadowRoot.querySelector(s) : null; };
window.__ws = s => { const h = document.querySelector('parley-chat'); return h && h.shadowRoot ? [...h.shadowRoot.querySelectorAll(s)] : []; };
window.__conn = () => { const h = document.querySelector('parley-chat'); return h ? h.dataset.conn || '' : ''; };
window.__states = [];
new MutationObserver(ms => { for (const m of ms) if (m.target.localName === 'parley-chat') __states.push(m.target.dataset.conn); })
  .observe(document, {subtree: true, attributes: true, attributeFilter: ['data-conn']});
window.__texts = sel => __ws(sel).map(e => e.textContent);
`

// browser is a headless Chromium with one tab.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string // uncaught exceptions, console errors, dialogs
	console  []string
}

// newBrowser starts the browser, with extra allocator options if given.
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	chromium := browsertest.Chromium(t, "The widget")
	opts := browsertest.Options(chromium, t.TempDir(), extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx}
	dialogs := make(chan struct{}, 8)
	err := chromedp.Listen(ctx, func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			b.problems = append(b.problems, fmt.Sprintf("uncaught exception: %s (%s:%d)", text, d.URL, d.LineNumber))
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range ev.Args {
				if len(a.Value) > 0 {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			line := string(ev.Type) + ": " + strings.Join(parts, " ")
			b.console = append(b.console, line)
			if ev.Type == "error" {
				b.problems = append(b.problems, "console "+line)
			}
		case *page.EventJavascriptDialogOpening:
			b.problems = append(b.problems, fmt.Sprintf("a %s dialog opened: %q", ev.Type, ev.Message))
			select {
			case dialogs <- struct{}{}:
			default:
			}
		}
	})
	if err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-dialogs:
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}
		}
	}()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: prelude}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.EmulateViewport(1100, 760))
	return b
}

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail("%v", err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it is true.
func (b *browser) waitFor(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+cond+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.fail("timed out waiting until %s (%s); last error: %v", what, cond, err)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

// fail reports the widget's state, saves a screenshot and stops the test.
func (b *browser) fail(format string, args ...any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({conn: __conn(), states: __states,
		log: __texts('.log > *'), note: (__w('.note') || {}).textContent, csp: __csp})`))
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		p := filepath.Join(artifactsDir(b.t), "widget-failure.png")
		if os.WriteFile(p, png, 0o644) == nil {
			b.t.Logf("screenshot of the failure: %s", p)
		}
	}
	b.mu.Lock()
	b.t.Logf("browser console:\n  %s", strings.Join(b.console, "\n  "))
	b.mu.Unlock()
	b.t.Fatalf(format+"\nwidget state: %s", append(args, state)...)
}

// checkClean fails the test if the page had an uncaught exception, a
// console error, a dialog or a CSP violation.
func (b *browser) checkClean() {
	b.t.Helper()
	b.mu.Lock()
	problems := append([]string(nil), b.problems...)
	b.mu.Unlock()
	if csp := eval[[]string](b, `__csp`); len(csp) > 0 {
		problems = append(problems, "CSP violations: "+strings.Join(csp, "; "))
	}
	if len(problems) > 0 {
		b.fail("the page was not clean:\n  %s", strings.Join(problems, "\n  "))
	}
}

// w selects an element in the widget's shadow root.
func w(selector string) chromedp.JSPath {
	s, _ := json.Marshal(selector)
	return chromedp.JSPath("__w(" + string(s) + ")")
}

// js quotes a Go string as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// watchProgress records every value the widget's progress bars take in
// __prog.
const watchProgress = `window.__prog = []; new MutationObserver(ms => { for (const m of ms) if (m.target.localName === 'progress') __prog.push(+m.target.value); })
	.observe(__w('.log'), {subtree: true, attributes: true, attributeFilter: ['value']})`

func dialAgent(t *testing.T, srv *parleytest.Server) *rtm {
	return dialRTM(t, "agent", "ws"+strings.TrimPrefix(srv.URL, "http")+"/v3.0/agent/rtm/ws",
		map[string]any{"token": "Bearer " + srv.AgentToken(t, srv.AgentEmail)})
}

// testPNG is a small image with a colour gradient.
func testPNG(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(80 + 120*x/w), uint8(70 + 60*y/h), 229, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestWidget drives the widget on the demo page of a real server through a
// whole customer's life: pre-chat, messages both ways with delivery state,
// typing, sneak peek, HTML injection, rich messages, uploads (progress,
// cancel, the limit, images), a lost network, a server restart, a reload,
// the agent closing the chat, rating, a new chat and history across
// threads.
func TestWidget(t *testing.T) {
	srv := parleytest.NewServer(t)
	// The agent's picture, from its profile.
	pics := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(testPNG(t, 48, 48))
	}))
	t.Cleanup(pics.Close)
	srv.Configure(t, "update_agent", obj{"id": srv.AgentEmail, "avatar_path": pics.URL + "/ada.png"})
	agent := dialAgent(t, srv)
	b := newBrowser(t, chromedp.Flag("ignore-certificate-errors", true)) // the pictures' test certificate
	files := t.TempDir()
	msgs := func(sel string) string { return `__texts(` + js(sel) + `)` }
	lastMine := `__ws('.msg.me').at(-1)`

	// The demo page, its CSP and the widget's button.
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(srv.URL+"/"))
	if err != nil {
		t.Fatal(err)
	}
	if csp, _ := resp.Headers["Content-Security-Policy"].(string); csp != widget.ContentSecurityPolicy {
		t.Errorf("demo page CSP = %q, want %q", csp, widget.ContentSecurityPolicy)
	}
	b.waitFor("the widget is connected", `__conn() === 'online'`)
	b.waitFor("the button shows", `getComputedStyle(document.querySelector('parley-chat')).visibility === 'visible' && __w('.launcher').getBoundingClientRect().width === 56`)
	b.do(chromedp.Click(w(".launcher")))
	b.waitFor("the pre-chat form shows", `!__w('.prechat').hidden && __w('.composer').hidden`)

	// Pre-chat: a name (with markup, which must stay text) and an e-mail.
	name := "Ada <b>Lovelace</b>"
	b.do(chromedp.SendKeys(w("input[name=name]"), name), chromedp.SendKeys(w("input[name=email]"), "ada@example.com"),
		chromedp.Click(w(".prechat .primary")))
	started := agent.wait("incoming_chat_thread", func(p obj) bool {
		users, _ := get(p, "chat.users").([]any)
		for _, u := range users {
			if str(u, "type") == "customer" && str(u, "name") == name && str(u, "email") == "ada@example.com" {
				return true
			}
		}
		return false
	})
	chatID, threadID := str(started, "chat.id"), str(started, "chat.thread.id")
	var customerID string
	for _, u := range get(started, "chat.users").([]any) {
		if str(u, "type") == "customer" {
			customerID = str(u, "id")
		}
	}
	agent.do("join_chat", obj{"chat_id": chatID})
	b.waitFor("the composer shows", `!__w('.composer').hidden && __w('.prechat').hidden`)
	b.waitFor("the header names the agent", `__w('header strong').textContent === 'Demo Agent'`)

	// Sneak peek while typing, then the message with its delivery state.
	hello := "Hello from the widget"
	b.do(chromedp.SendKeys(w("textarea[aria-label=Message]"), hello))
	agent.wait("incoming_sneak_peek", func(p obj) bool { return str(p, "chat_id") == chatID && str(p, "sneak_peek.text") == hello })
	b.do(chromedp.SendKeys(w("textarea[aria-label=Message]"), "\r"))
	ev := agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == hello })
	if str(ev, "event.custom_id") == "" || str(ev, "event.author_id") != customerID {
		t.Errorf("the agent got %v, want a custom_id and the customer as author", ev)
	}
	ts := int64(get(ev, "event.timestamp").(float64))
	b.waitFor("the message is sent, with the server's time", lastMine+`.dataset.state === 'sent' && `+lastMine+`.querySelector('time').getAttribute('datetime') === `+
		js(time.Unix(ts, 0).UTC().Format("2006-01-02T15:04:05.000Z"))+` && `+lastMine+`.dataset.id === `+js(str(ev, "event.id")))

	// "Sending…" until the server has it: hold the customer's connection.
	srv.StallConnections(parleytest.CustomerConns)
	b.do(chromedp.SendKeys(w("textarea[aria-label=Message]"), "Is this thing on?\r"))
	b.waitFor("the message is sending", lastMine+`.dataset.state === 'sending' && `+lastMine+`.textContent.includes('Sending')`)
	time.Sleep(300 * time.Millisecond)
	if s := eval[string](b, lastMine+`.dataset.state`); s != "sending" {
		t.Errorf("state while the connection is held = %q, want sending", s)
	}
	srv.UnstallConnections()
	agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == "Is this thing on?" })
	b.waitFor("the held message is sent", lastMine+`.dataset.state === 'sent' && `+lastMine+`.textContent.includes('Is this thing on?')`)

	// A message the server refuses fails, and retry tries again (same custom_id).
	b.do(chromedp.Evaluate[chromedp.Void](`__w('textarea[aria-label=Message]').value = 'x'.repeat(17000)`),
		chromedp.Click(w(".composer .send")))
	b.waitFor("the message failed", lastMine+`.dataset.state === 'failed' && !`+lastMine+`.querySelector('.link').hidden`)
	cid := eval[string](b, lastMine+`.dataset.cid`)
	b.do(chromedp.Click(chromedp.JSPath(lastMine + `.querySelector('.link')`)))
	b.waitFor("the retry failed too", lastMine+`.dataset.state === 'failed' && `+lastMine+`.dataset.cid === `+js(cid))
	b.do(chromedp.Evaluate[chromedp.Void](lastMine + `.remove()`))

	// The agent types, then answers.
	agent.do("send_typing_indicator", obj{"chat_id": chatID, "is_typing": true})
	b.waitFor("the typing indicator shows", `!__w('.typing').hidden && __w('.typing').textContent.includes('Demo Agent is typing')`)
	agent.do("send_event", obj{"chat_id": chatID, "event": obj{"type": "message", "text": "Hi Ada! How can I help?"}})
	b.waitFor("the answer shows and the indicator hides", `__w('.typing').hidden && `+msgs(".msg.them .bubble")+`.includes('Hi Ada! How can I help?')`)
	if got := eval[string](b, `__ws('.msg.them .name')[0].textContent`); got != "Demo Agent" {
		t.Errorf("agent name shown = %q", got)
	}

	// HTML in a message is text; only http(s) links become links.
	evil := `<img src=x onerror=alert(1)>`
	agent.do("send_event", obj{"chat_id": chatID, "event": obj{"type": "message", "text": evil}})
	agent.do("send_event", obj{"chat_id": chatID, "event": obj{"type": "message", "text": "Docs: https://example.com/help?a=1. Not a link: javascript:alert(2)"}})
	b.waitFor("the markup shows as text", msgs(".msg.them .bubble")+`.includes(`+js(evil)+`)`)
	b.waitFor("the link shows", `__ws('.msg.them .bubble a').some(a => a.href === 'https://example.com/help?a=1')`)
	if n := eval[int](b, `__ws('img').filter(i => i.getAttribute('src') === 'x').length + __ws('a').filter(a => !/^https?:/.test(a.href)).length`); n != 0 {
		t.Errorf("%d unsafe elements in the widget", n)
	}

	// A rich message: its button sends a postback.
	agent.do("send_event", obj{"chat_id": chatID, "event": obj{"type": "rich_message", "template_id": "quick_replies",
		"elements": []obj{{"title": "<b>Pick one</b>", "subtitle": "Did that help?", "buttons": []obj{
			{"text": "Yes", "postback_id": "yes", "user_ids": []string{}},
			{"text": "No", "postback_id": "no", "user_ids": []string{}},
		}}}}})
	b.waitFor("the card shows", `__w('.card strong') && __w('.card strong').textContent === '<b>Pick one</b>' && __ws('.card .btn').length === 2`)
	b.do(chromedp.Click(chromedp.JSPath(`__ws('.card .btn')[0]`)))
	pb := agent.wait("incoming_rich_message_postback", func(p obj) bool { return str(p, "postback.id") == "yes" })
	if get(pb, "postback.toggled") != true || str(pb, "chat_id") != chatID || str(pb, "user_id") != customerID {
		t.Errorf("postback = %v", pb)
	}
	b.waitFor("the button is pressed", `__ws('.card .btn')[0].getAttribute('aria-pressed') === 'true'`)

	// A file upload: its progress bar ends at 100 % and the agent gets the
	// file (TestWidgetUploads watches the progress of slow uploads).
	b.do(chromedp.Evaluate[chromedp.Void](watchProgress))
	notes := writeFile(t, files, "notes.txt", bytes.Repeat([]byte("Parley notes. "), 1<<17)) // 1.75 MiB
	b.do(chromedp.SetUploadFiles(w("input[type=file]"), []string{notes}))
	fileEv := agent.wait("incoming_event", func(p obj) bool { return str(p, "event.type") == "file" && str(p, "event.name") == "notes.txt" })
	b.waitFor("the file is in the chat", `__ws('.msg.me[data-type=file] a.file').some(a => a.href === `+js(str(fileEv, "event.url"))+`)`)
	if prog := eval[[]float64](b, `__prog`); len(prog) == 0 || prog[len(prog)-1] != 100 {
		t.Errorf("progress values %v: want them to end at 100", prog)
	}

	// An image shows inline.
	pic := writeFile(t, files, "diagram.png", testPNG(t, 240, 150))
	b.do(chromedp.SetUploadFiles(w("input[type=file]"), []string{pic}))
	agent.wait("incoming_event", func(p obj) bool {
		return str(p, "event.name") == "diagram.png" && str(p, "event.content_type") == "image/png"
	})
	b.waitFor("the image shows", `__ws('.msg.me .img img').some(i => i.complete && i.naturalWidth === 240)`)
	agent.do("send_event", obj{"chat_id": chatID, "event": obj{"type": "message", "text": "Thanks, that diagram helps. Anything else?"}})
	b.waitFor("the last answer shows", msgs(".msg.them .bubble")+`.includes('Thanks, that diagram helps. Anything else?')`)
	b.waitFor("the log follows the conversation to its end", `(l => l.scrollHeight - l.scrollTop - l.clientHeight < 2)(__w('.log'))`)
	// The agent has read it all: the customer's messages say Seen.
	agent.do("update_last_seen_timestamp", obj{"chat_id": chatID})
	b.waitFor("the messages are seen, the agent's picture shows", `__ws('.msg.me[data-id]').every(m => m.dataset.state === 'seen') && !__w('.face').hidden && __w('.face').naturalWidth === 48`)
	b.checkClean()
	b.screenshot(t)

	// Over 10 MB: refused before uploading, and the widget says why.
	huge := writeFile(t, files, "huge.bin", make([]byte, 10<<20+1))
	b.do(chromedp.SetUploadFiles(w("input[type=file]"), []string{huge}))
	b.waitFor("the limit is explained", `!__w('.note').hidden && __w('.note').textContent.includes('huge.bin') && __w('.note').textContent.includes('too big') && __w('.note').textContent.includes('up to 10 MB') && !__w('.msg.me[data-type=file] progress')`)

	// A lost network: "Reconnecting…", messages queue, and everything
	// catches up once the server is reachable again.
	srv.PauseListener(parleytest.CustomerConns)
	srv.DropConnections(parleytest.CustomerConns)
	b.waitFor("the reconnecting state shows", `__conn() === 'reconnecting' && !__w('.conn').hidden && __w('.conn').textContent.startsWith('Reconnecting')`)
	agent.do("send_event", obj{"chat_id": chatID, "event": obj{"type": "message", "text": "Are you still there?"}})
	b.do(chromedp.SendKeys(w("textarea[aria-label=Message]"), "Back in a second\r"))
	b.waitFor("the queued message waits", lastMine+`.dataset.state === 'sending'`)
	time.Sleep(1500 * time.Millisecond)
	if c := eval[string](b, `__conn()`); c != "reconnecting" {
		t.Errorf("connection state while the server is unreachable = %q", c)
	}
	srv.ResumeListener()
	b.waitFor("the widget reconnects", `__conn() === 'online' && __w('.conn').hidden`)
	b.waitFor("the missed message shows", msgs(".msg.them .bubble")+`.includes('Are you still there?')`)
	agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == "Back in a second" })
	b.waitFor("the queued message is sent", lastMine+`.dataset.state === 'sent' && `+lastMine+`.textContent.includes('Back in a second')`)
	if n := agent.count("incoming_event", func(p obj) bool { return str(p, "event.text") == "Back in a second" }); n != 1 {
		t.Errorf("the queued message reached the agent %d times", n)
	}

	// A server restart: the widget shows it is reconnecting, then recovers.
	b.do(chromedp.Evaluate[chromedp.Void](`__states.length = 0`))
	srv.Restart(t)
	agent = dialAgent(t, srv)
	b.waitFor("the widget noticed the restart", `__states.includes('reconnecting')`)
	b.waitFor("the widget is back", `__conn() === 'online'`)
	b.do(chromedp.SendKeys(w("textarea[aria-label=Message]"), "Still here after the restart\r"))
	agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == "Still here after the restart" })

	// A reload: same customer, same chat, the conversation is back.
	b.do(chromedp.Reload())
	b.waitFor("the widget is connected after the reload", `__conn() === 'online'`)
	b.waitFor("the window is still open with the conversation", `!__w('.win').hidden && `+msgs(".msg.me .bubble")+`.includes(`+js(hello)+`)`)
	b.do(chromedp.SendKeys(w("textarea[aria-label=Message]"), "I reloaded the page\r"))
	ev = agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == "I reloaded the page" })
	if str(ev, "chat_id") != chatID || str(ev, "event.author_id") != customerID {
		t.Errorf("after the reload the message came in chat %s from %s, want chat %s from %s",
			str(ev, "chat_id"), str(ev, "event.author_id"), chatID, customerID)
	}

	// The agent closes the chat: rating, good with a comment.
	agent.do("deactivate_chat", obj{"chat_id": chatID})
	b.waitFor("the rating shows", `!__w('.closed').hidden && __w('.composer').hidden && !__w('.rating').hidden`)
	b.do(chromedp.Click(w(".rate.good")), chromedp.SendKeys(w(".rating textarea"), "Quick and <i>kind</i>"),
		chromedp.Click(w(".rating .primary")))
	b.waitFor("the thanks show", `!__w('.thanks').hidden && __w('.thanks').textContent.includes('good') && __w('.rating').hidden`)
	got := agent.do("get_chat", obj{"chat_id": chatID, "thread_id": threadID})
	var gc obj
	_ = json.Unmarshal(got, &gc)
	if get(gc, "chat.threads.0.properties.rating.score.value") != 1.0 || str(gc, "chat.threads.0.properties.rating.comment.value") != "Quick and <i>kind</i>" {
		t.Errorf("thread properties = %v, want rating score 1 and the comment", get(gc, "chat.threads.0.properties"))
	}

	// Start a new chat: a new thread of the same chat.
	b.do(chromedp.Click(w(".closed .new")))
	second := agent.wait("incoming_chat_thread", func(p obj) bool { return str(p, "chat.id") == chatID && str(p, "chat.thread.id") != threadID })
	thread2 := str(second, "chat.thread.id")
	agent.do("join_chat", obj{"chat_id": chatID})
	b.waitFor("the composer is back", `!__w('.composer').hidden && __w('.closed').hidden`)
	b.do(chromedp.SendKeys(w("textarea[aria-label=Message]"), "One more question\r"))
	agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == "One more question" && str(p, "thread_id") == thread2 })
	b.waitFor("a separator marks the new thread", `__ws('.sep').length === 2`)

	// History across threads: seed three long threads as the same customer
	// from another client, reload, and scroll up to the first message.
	cust := dialRTM(t, "customer", "ws"+strings.TrimPrefix(srv.URL, "http")+"/v3.0/customer/rtm/ws?license_id="+fmt.Sprint(srv.License),
		map[string]any{"token": "Bearer " + srv.CustomerToken(t, customerID), "customer": obj{}})
	cust.do("close_thread", obj{"chat_id": chatID})
	for k := 1; k <= 3; k++ {
		cust.do("activate_chat", obj{"chat": obj{"id": chatID, "thread": obj{"events": []obj{{"type": "message", "text": fmt.Sprintf("history %d.0", k)}}}}})
		for i := 1; i < 25; i++ {
			cust.do("send_event", obj{"chat_id": chatID, "event": obj{"type": "message", "text": fmt.Sprintf("history %d.%d", k, i)}})
		}
		cust.do("close_thread", obj{"chat_id": chatID})
	}
	cust.do("activate_chat", obj{"chat": obj{"id": chatID, "thread": obj{"events": []obj{{"type": "message", "text": "the latest"}}}}})
	b.do(chromedp.Reload())
	b.waitFor("the latest threads load", `__conn() === 'online' && `+msgs(".msg .bubble")+`.includes('the latest') && `+msgs(".msg .bubble")+`.includes('history 3.0')`)
	if eval[bool](b, msgs(".msg .bubble")+`.includes(`+js(hello)+`)`) {
		t.Errorf("the first thread loaded before scrolling up")
	}
	for i := 0; i < 20 && !eval[bool](b, msgs(".msg .bubble")+`.includes(`+js(hello)+`)`); i++ {
		b.do(chromedp.Evaluate[chromedp.Void](`__w('.log').scrollTop = 0`))
		time.Sleep(250 * time.Millisecond)
	}
	b.waitFor("scrolling up reached the first message", `__texts('.msg .bubble')[0] === `+js(hello))
	texts := eval[[]string](b, msgs(".msg .bubble"))
	var hist []string
	for _, s := range texts {
		if strings.HasPrefix(s, "history ") {
			hist = append(hist, s)
		}
	}
	want := []string{}
	for k := 1; k <= 3; k++ {
		for i := 0; i < 25; i++ {
			want = append(want, fmt.Sprintf("history %d.%d", k, i))
		}
	}
	if strings.Join(hist, "|") != strings.Join(want, "|") {
		t.Errorf("history in the widget:\n%v\nwant:\n%v", hist, want)
	}
	if n := eval[int](b, `__ws('.sep').length`); n != 6 {
		t.Errorf("%d thread separators, want 6", n)
	}
	b.checkClean()
}

// screenshot saves the widget in a conversation: docs/images/widget.png
// with PARLEY_UPDATE_SCREENSHOTS=1, else the artifacts directory.
func (b *browser) screenshot(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	p := filepath.Join(artifactsDir(t), "widget.png")
	if os.Getenv("PARLEY_UPDATE_SCREENSHOTS") == "1" {
		p = filepath.Join("..", "..", "docs", "images", "widget.png")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// TestWidgetEmbedded puts the widget on a page of another origin whose CSS
// is hostile, with the one script tag, and with a tag that names only the
// server (the widget then reads /widget/config.json).
func TestWidgetEmbedded(t *testing.T) {
	var srv *parleytest.Server
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tag := fmt.Sprintf(`<script src="%s/widget.js" data-license="%d" data-client-id="%s" data-color="#0f766e" async></script>`,
			srv.URL, srv.License, srv.ClientID)
		if r.URL.Path == "/bare" {
			tag = fmt.Sprintf(`<script src="%s/widget.js" async></script>`, srv.URL)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>Shop</title><style>
* { font-family: serif !important; color: red !important; background: yellow !important; }
div, section, button, form { display: none !important; }
parley-chat { display: none; opacity: 0; }
</style></head><body><h1>A shop</h1>%s</body></html>`, tag)
	}))
	t.Cleanup(site.Close)
	// The shop is a site that embeds the chat: it must be listed to get
	// its visitors' tokens.
	srv = parleytest.NewServer(t, func(c *server.Config) { c.Demo.Origins = []string{site.URL} })
	agent := dialAgent(t, srv)
	b := newBrowser(t)

	b.do(chromedp.Navigate(site.URL + "/bare"))
	b.waitFor("the bare tag connects with the server's config", `__conn() === 'online'`)

	b.do(chromedp.Navigate(site.URL + "/"))
	b.waitFor("the widget connects from another origin", `__conn() === 'online'`)
	b.waitFor("the button shows despite the page's CSS", `__w('.launcher').getBoundingClientRect().width === 56 && getComputedStyle(__w('.launcher')).backgroundColor === 'rgb(15, 118, 110)'`)
	b.do(chromedp.Click(w(".launcher")))
	b.waitFor("the window opens", `__w('.win').getBoundingClientRect().height > 300 && !__w('.prechat').hidden`)
	b.do(chromedp.Click(w(".prechat .primary")))
	b.waitFor("the chat starts", `!__w('.composer').hidden`)
	b.do(chromedp.SendKeys(w("textarea[aria-label=Message]"), "Hello from a shop\r"))
	ev := agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == "Hello from a shop" })
	b.waitFor("the message is sent", `__ws('.msg.me').at(-1).dataset.state === 'sent'`)

	// Uploads work across origins too.
	pic := writeFile(t, t.TempDir(), "photo.png", testPNG(t, 64, 64))
	b.do(chromedp.SetUploadFiles(w("input[type=file]"), []string{pic}))
	agent.wait("incoming_event", func(p obj) bool {
		return str(p, "event.name") == "photo.png" && str(p, "chat_id") == str(ev, "chat_id")
	})
	b.checkClean()
}

// slowBody hands on an upload at rate bytes a second, as a slow network
// would.
type slowBody struct {
	io.ReadCloser
	rate  int
	start time.Time
	n     int
}

func (s *slowBody) Read(p []byte) (int, error) {
	if s.start.IsZero() {
		s.start = time.Now()
	}
	if d := time.Duration(s.n)*time.Second/time.Duration(s.rate) - time.Since(s.start); d > 0 {
		time.Sleep(d)
	}
	if len(p) > 32<<10 {
		p = p[:32<<10]
	}
	n, err := s.ReadCloser.Read(p)
	s.n += n
	return n, err
}

// TestWidgetUploads uploads over a slow path (a proxy in front of the
// server reads uploads at 2 MiB/s): the progress bar moves and ends at
// 100 %, and Cancel stops an upload so that nothing reaches the chat.
func TestWidgetUploads(t *testing.T) {
	srv := parleytest.NewServer(t)
	agent := dialAgent(t, srv)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ErrorLog = log.New(io.Discard, "", 0)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/action/send_file") {
			r.Body = &slowBody{ReadCloser: r.Body, rate: 2 << 20}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { proxy.CloseClientConnections(); proxy.Close() })
	b := newBrowser(t)
	files := t.TempDir()

	b.do(chromedp.Navigate(proxy.URL + "/"))
	b.waitFor("the widget is connected", `__conn() === 'online'`)
	b.do(chromedp.Click(w(".launcher")))
	b.waitFor("the pre-chat form shows", `!__w('.prechat').hidden`)
	b.do(chromedp.Click(w(".prechat .primary")))
	b.waitFor("the chat starts", `!__w('.composer').hidden`)

	b.do(chromedp.Evaluate[chromedp.Void](watchProgress))
	big := writeFile(t, files, "report.bin", bytes.Repeat([]byte("0123456789abcdef"), 8<<16)) // 8 MiB: more than the socket buffers take at once
	b.do(chromedp.SetUploadFiles(w("input[type=file]"), []string{big}))
	start := time.Now()
	b.waitFor("the upload is under way", `__w('.msg.me[data-type=file] .st') && __w('.msg.me[data-type=file] .st').textContent === 'Uploading…' && !__w('.msg.me[data-type=file] .cancel').hidden`)
	agent.wait("incoming_event", func(p obj) bool {
		return str(p, "event.name") == "report.bin" && get(p, "event.size") == float64(8<<20)
	})
	b.waitFor("the file is in the chat", `__ws('.msg.me[data-type=file] a.file').length === 1`)
	t.Logf("upload took %v", time.Since(start))
	prog := eval[[]float64](b, `__prog`)
	partial := false
	for _, v := range prog {
		partial = partial || v > 0 && v < 100
	}
	if !partial || prog[len(prog)-1] != 100 {
		t.Errorf("progress values %v: want some between 0 and 100, ending at 100", prog)
	}

	cancelled := writeFile(t, files, "cancelled.bin", bytes.Repeat([]byte{7}, 9<<20))
	b.do(chromedp.SetUploadFiles(w("input[type=file]"), []string{cancelled}))
	b.waitFor("the upload is under way", `__w('.msg.me[data-type=file] progress') && __w('.msg.me[data-type=file] progress').value > 0`)
	b.do(chromedp.Click(w(".msg.me[data-type=file] .cancel")))
	b.waitFor("the cancelled upload is gone", `!__w('.msg.me[data-type=file] progress')`)
	t.Logf("cancelled after %v", time.Since(start))
	time.Sleep(1500 * time.Millisecond) // time for it to arrive, were it not cancelled
	if n := agent.count("incoming_event", func(p obj) bool { return str(p, "event.name") == "cancelled.bin" }); n != 0 {
		t.Errorf("the cancelled upload reached the chat")
	}
	b.do(chromedp.SendKeys(w("textarea[aria-label=Message]"), "Never mind that file\r"))
	agent.wait("incoming_event", func(p obj) bool { return str(p, "event.text") == "Never mind that file" })
	if n := agent.count("incoming_event", func(p obj) bool { return str(p, "event.name") == "cancelled.bin" }); n != 0 {
		t.Errorf("the cancelled upload reached the chat")
	}
	b.checkClean()
	t.Logf("done after %v", time.Since(start))
	t.Cleanup(func() { t.Logf("cleanup started after %v", time.Since(start)) })
}
