package console_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/e2e/internal/browsertest"
	"github.com/parleychat/parley/parleytest"
)

// TestConsoleHistoryScrollsAcrossThreads opens a chat of many threads in a
// small window: the console shows the last thread, and scrolling up loads
// the older ones, one by one, until the first message, keeping the order.
func TestConsoleHistoryScrollsAcrossThreads(t *testing.T) {
	chromium := browsertest.Chromium(t, "The agent console")
	srv := parleytest.NewServer(t)

	const threads, perThread = 7, 5
	ada := newShopper(t, srv, customer.CustomerData{Name: "Ada Lovelace"}, nil)
	var want []string
	for th := range threads {
		for i := range perThread {
			text := fmt.Sprintf("thread %d, message %d", th+1, i+1)
			want = append(want, text)
			if th == 0 && i == 0 {
				ada.start(text)
			} else {
				ada.say(text)
			}
		}
		if th < threads-1 {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			if err := ada.sdk.CloseThread(ctx, ada.chat.ID); err != nil {
				t.Fatalf("CloseThread: %v", err)
			}
			cancel()
		}
	}

	p := startBrowser(t, chromium)
	p.do("open the console", chromedp.EmulateViewport(1100, 520), chromedp.Navigate(srv.URL+"/agent/"))
	p.waitFor("the sign-in form", `!document.getElementById("signin").hidden && document.getElementById("license").value !== ""`)
	p.do("sign in",
		typeKeys("#email", srv.AgentEmail),
		typeKeys("#password", srv.AgentPassword),
		chromedp.Click(chromedp.CSS("#signin-button")))
	p.do("open the chat", chromedp.Click(chromedp.CSS(`#chat-list li[data-chat-id="`+ada.chat.ID+`"]`)))
	p.waitFor("the last message", messageShown(want[len(want)-1]))
	if n := eval[int](p, `document.querySelectorAll("#message-list li.thread").length`); n >= threads {
		t.Fatalf("%d threads shown before scrolling, want fewer than %d", n, threads)
	}
	// Scroll to the top until the history ends.
	for range 3 * threads {
		done := eval[bool](p, `(() => { const m = document.getElementById("messages"); m.scrollTop = 0;
			return document.getElementById("history-top").textContent === "Beginning of the conversation"; })()`)
		if done {
			break
		}
		p.do("wait for a page", chromedp.Sleep(150*time.Millisecond))
	}
	p.waitFor("every thread", `document.querySelectorAll("#message-list li.thread").length === `+fmt.Sprint(threads))
	got := eval[[]string](p, `[...document.querySelectorAll("#message-list .event.by-customer .text")].map(e => e.textContent)`)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("messages shown:\n%q\nwant:\n%q", got, want)
	}
}
