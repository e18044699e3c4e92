package widget_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/e2e/internal/parleybin"
)

// TestWidgetWithoutDemo is the README's "Without the demo tenant" in a
// browser: the built binary makes license 7, group 1, a client whose only
// origin is http://shop.example and the agent Ann (the README's commands,
// the password on standard input), then runs `parley serve --no-demo` on
// the same data directory. The widget on a page of http://shop.example,
// tagged with license 7 and the new client id, chats with Ann (package
// agent, logged in with the password the CLI took). The same page on
// http://other.example gets no token: the token request is refused with
// 400 redirect_uri_mismatch and no CORS header, so the widget never opens
// a WebSocket and keeps saying "Connecting…".
func TestWidgetWithoutDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds and runs the server binary")
	}
	bin := parleybin.Build(t)
	dir := t.TempDir()
	cli := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "PARLEY_DATA_DIR="+dir)
		cmd.Stdin = strings.NewReader(stdin)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("parley %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		return string(out)
	}
	const shop, other = "http://shop.example", "http://other.example"
	cli("", "license", "add", "--id", "7", "--name", "Shop")
	cli("", "group", "add", "--license", "7", "--id", "1", "--name", "Sales")
	clientID := strings.TrimSpace(cli("", "client", "add", "--license", "7", "--origins", shop))
	if strings.ContainsAny(clientID, " \n") || clientID == "" {
		t.Fatalf("parley client add printed %q, want the client id alone", clientID)
	}
	cli("s3cret-pw\n", "agent", "add", "--license", "7", "--email", "ann@shop.example", "--name", "Ann",
		"--groups", "0,1", "--role", "owner", "--password-stdin")
	if list := cli("", "client", "list", "--license", "7"); !strings.Contains(list, clientID) || !strings.Contains(list, shop) {
		t.Fatalf("parley client list:\n%s\nwant %s with %s", list, clientID, shop)
	}
	base := parleybin.Serve(t, bin, dir, "--no-demo").URL

	// Both sites are one server here; the browser reaches it by either name.
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><title>Shop</title></head><body><h1>A shop</h1>
<script src="%s/widget.js" data-license="7" data-client-id="%s" async></script></body></html>`, base, clientID)
	}))
	t.Cleanup(site.Close)
	_, port, _ := net.SplitHostPort(site.Listener.Addr().String())
	b := newBrowser(t, chromedp.Flag("host-resolver-rules", fmt.Sprintf(
		"MAP shop.example 127.0.0.1:%s, MAP other.example 127.0.0.1:%s, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", port, port)))
	tokens := watchTokenRequests(t, b)

	ag, err := agent.New(agent.Config{Server: base, License: 7, Email: "ann@shop.example", Password: "s3cret-pw", ManualConnect: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ag.Close() })
	incoming := make(chan agent.IncomingChat, 8)
	agent.On(ag, func(n agent.IncomingChat) { incoming <- n })
	events := make(chan agent.IncomingEvent, 32)
	agent.On(ag, func(n agent.IncomingEvent) { events <- n })
	connected := make(chan agent.Connected, 1)
	agent.On(ag, func(c agent.Connected) { connected <- c })
	if err := ag.Connect(); err != nil {
		t.Fatal(err)
	}
	recv(t, connected, "Ann connected")

	// The listed site: the widget chats with Ann.
	b.do(chromedp.Navigate(shop + "/"))
	b.waitFor("the widget is connected", `__conn() === 'online'`)
	b.do(chromedp.Click(w(".launcher")))
	b.waitFor("the pre-chat form shows", `!__w('.prechat').hidden`)
	b.do(chromedp.Click(w(".prechat .primary")))
	chat := recv(t, incoming, "the chat routed to Ann").Chat.ID
	b.waitFor("the composer shows", `!__w('.composer').hidden`)
	b.do(chromedp.SendKeys(w("textarea[aria-label=Message]"), "Do you ship to Norway?\r"))
	for {
		ev := recv(t, events, "the customer's message at Ann")
		if ev.Event.Text == "Do you ship to Norway?" {
			if ev.Chat != chat {
				t.Fatalf("the message came in chat %s, want %s", ev.Chat, chat)
			}
			break
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := ag.SendEvent(ctx, chat, agent.Event{Type: agent.EventMessage, Text: "We do, in 3 days."}); err != nil {
		t.Fatal(err)
	}
	b.waitFor("Ann's answer shows", `__texts('.msg.them .bubble').includes('We do, in 3 days.')`)
	b.waitFor("the header names Ann", `__w('header strong').textContent === 'Ann'`)
	if got := eval[string](b, `__ws('.msg.them .name')[0].textContent`); got != "Ann" {
		t.Errorf("the answer's author shown = %q, want Ann", got)
	}
	ok := tokens.of(shop)
	if len(ok) != 1 || ok[0].status != http.StatusOK || ok[0].allowOrigin != shop || ok[0].corsError != "" {
		t.Errorf("token requests of %s: %+v, want one 200 readable by the page", shop, ok)
	}
	if n := tokens.sockets(shop); n != 1 {
		t.Errorf("the widget on %s opened %d WebSockets, want 1", shop, n)
	}
	b.checkClean()

	// Another site: no token, and nothing else happens.
	b.do(chromedp.Navigate(other + "/"))
	deadline := time.Now().Add(10 * time.Second)
	for len(tokens.finished(other)) < 2 {
		if eval[string](b, `__conn()`) == "online" {
			b.fail("the widget on %s is online", other)
		}
		if time.Now().After(deadline) {
			b.fail("the widget on %s made %d token requests, want at least 2 (one retry)", other, len(tokens.finished(other)))
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, r := range tokens.finished(other) {
		if r.status != http.StatusBadRequest || r.allowOrigin != "" || r.corsError != string(network.CorsErrorMissingAllowOriginHeader) {
			t.Errorf("a token request of %s: %+v, want 400 without Access-Control-Allow-Origin, blocked by CORS", other, r)
		}
	}
	// What the page could not read: the widget's request, sent from here.
	body := fmt.Sprintf(`{"response_type":"token","grant_type":"cookie","client_id":%q,"license_id":7,"redirect_uri":%q}`, clientID, other+"/")
	req, _ := http.NewRequest(http.MethodPost, base+"/customer/token", strings.NewReader(body))
	req.Header.Set("Origin", other)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(answer), `"oauth_exception":"redirect_uri_mismatch"`) {
		t.Errorf("the token request of %s: %s %s, want 400 redirect_uri_mismatch", other, resp.Status, answer)
	}
	if c := eval[string](b, `__conn()`); c != "connecting" {
		t.Errorf("the widget on %s is %q, want connecting", other, c)
	}
	if s := eval[string](b, `__w('.conn').textContent`); s != "Connecting…" {
		t.Errorf("the widget on %s says %q", other, s)
	}
	if !eval[bool](b, `__w('.launcher').classList.contains('offline')`) {
		t.Errorf("the widget's button on %s does not show it is offline", other)
	}
	if n := tokens.sockets(other); n != 0 {
		t.Errorf("the widget on %s opened %d WebSockets", other, n)
	}
	select {
	case n := <-incoming:
		t.Errorf("Ann got another chat: %+v", n)
	default:
	}
	b.checkClean()
}

// tokenRequest is one POST /customer/token the browser made.
type tokenRequest struct {
	page        string // the origin of the page that made it
	status      int64
	allowOrigin string // the answer's Access-Control-Allow-Origin
	corsError   string // why the page could not read the answer
	done        bool
}

// tokenWatch records the browser's token requests and WebSockets.
type tokenWatch struct {
	mu    sync.Mutex
	reqs  map[network.RequestID]*tokenRequest
	extra map[network.RequestID]*network.EventResponseReceivedExtraInfo
	ws    map[string]int // origin of the page -> WebSockets opened
	page  string         // origin of the current page
}

func watchTokenRequests(t *testing.T, b *browser) *tokenWatch {
	tw := &tokenWatch{reqs: map[network.RequestID]*tokenRequest{}, ws: map[string]int{},
		extra: map[network.RequestID]*network.EventResponseReceivedExtraInfo{}}
	err := chromedp.Listen(b.ctx, func(ev any) {
		tw.mu.Lock()
		defer tw.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if ev.Type == network.ResourceTypeDocument {
				tw.page = strings.TrimSuffix(ev.Request.URL, "/")
			}
			if strings.HasSuffix(ev.Request.URL, "/customer/token") && ev.Request.Method == http.MethodPost {
				tw.reqs[ev.RequestID] = &tokenRequest{page: tw.page}
			}
		case *network.EventResponseReceivedExtraInfo:
			// What came over the wire, whether or not the page may read
			// it; it may come before or after the other events.
			tw.extra[ev.RequestID] = ev
		case *network.EventLoadingFinished:
			if r := tw.reqs[ev.RequestID]; r != nil {
				r.done = true
			}
		case *network.EventLoadingFailed:
			if r := tw.reqs[ev.RequestID]; r != nil {
				r.done = true
				r.corsError = ev.ErrorText
				if ev.CorsErrorStatus != nil {
					r.corsError = ev.CorsErrorStatus.CorsError.String()
				}
			}
		case *network.EventWebSocketCreated:
			tw.ws[tw.page]++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return tw
}

func (tw *tokenWatch) of(origin string) []tokenRequest {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	var rs []tokenRequest
	for id, r := range tw.reqs {
		if r.page != origin {
			continue
		}
		c := *r
		if x := tw.extra[id]; x != nil {
			c.status = x.StatusCode
			for k, v := range x.Headers {
				if strings.EqualFold(k, "Access-Control-Allow-Origin") {
					c.allowOrigin, _ = v.(string)
				}
			}
		}
		rs = append(rs, c)
	}
	return rs
}

func (tw *tokenWatch) finished(origin string) []tokenRequest {
	var rs []tokenRequest
	for _, r := range tw.of(origin) {
		if r.done {
			rs = append(rs, r)
		}
	}
	return rs
}

func (tw *tokenWatch) sockets(origin string) int {
	tw.mu.Lock()
	defer tw.mu.Unlock()
	return tw.ws[origin]
}

func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(15 * time.Second):
		t.Fatalf("timed out waiting until %s", what)
		panic("unreachable")
	}
}
