package console_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/e2e/internal/browsertest"
	"github.com/parleychat/parley/parleytest"
)

// TestConsoleNotesAndTags: the agent writes a private note with the
// composer's Note toggle (shown yellow, "visible to agents only") and a
// reply, and tags the chat. The customer, on the Go SDK in the same chat,
// gets the reply and nothing of the note or the tag; the tag filter of
// the list shows the tagged chat and not another one.
func TestConsoleNotesAndTags(t *testing.T) {
	chromium := browsertest.Chromium(t, "The agent console")
	srv := parleytest.NewServer(t)

	ann := newShopper(t, srv, customer.CustomerData{Name: "Ann Notes"}, nil)
	var (
		mu   sync.Mutex
		seen []string // everything Ann's SDK tells, as text
	)
	ann.sdk.On("*", func(n customer.Notification) {
		b, _ := json.Marshal(n)
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%s %s %+v", n.Name(), b, n))
		mu.Unlock()
	})
	ann.start("Where is my order?")
	bo := newShopper(t, srv, customer.CustomerData{Name: "Bo Untagged"}, nil)
	bo.start("Hello")

	p := startBrowser(t, chromium)
	p.do("open the console", chromedp.EmulateViewport(1360, 860), chromedp.Navigate(srv.URL+"/agent/"))
	p.waitFor("the sign-in form", `!document.getElementById("signin").hidden && document.getElementById("license").value !== ""`)
	p.do("sign in",
		typeKeys("#email", srv.AgentEmail),
		typeKeys("#password", srv.AgentPassword),
		chromedp.Click(chromedp.CSS("#signin-button")))
	p.waitFor("the connection", `document.getElementById("conn").dataset.state === "connected"`)
	annItem := `document.querySelector('#chat-list li[data-chat-id=` + js(ann.chat.ID) + `]')`
	boItem := `document.querySelector('#chat-list li[data-chat-id=` + js(bo.chat.ID) + `]')`
	p.waitFor("both chats", annItem+` && `+boItem)

	p.do("open Ann's chat", chromedp.Click(chromedp.CSS(`#chat-list li[data-chat-id="`+ann.chat.ID+`"]`)))
	p.waitFor("her message", messageShown("Where is my order?"))
	p.waitFor("the composer", `!document.getElementById("reply").disabled && document.getElementById("reply").checkVisibility()`)

	note := "Gold customer: offer free shipping"
	p.do("write a note", chromedp.Click(chromedp.CSS("#note-toggle")))
	p.waitFor("the note toggle on", `document.getElementById("note-toggle").getAttribute("aria-pressed") === "true" && document.getElementById("reply").classList.contains("writing-note")`)
	p.do("send the note", typeKeys("#reply", note), chromedp.Click(chromedp.CSS("#send")))
	noteItem := `[...document.querySelectorAll("#message-list .event")].find(li => li.querySelector(".text") && li.querySelector(".text").textContent === ` + js(note) + `)`
	p.waitFor("the note, marked", noteItem+` && `+noteItem+`.classList.contains("is-note") && `+noteItem+`.dataset.visibility === "agents" && `+
		noteItem+`.querySelector(".note-label").textContent === "Note — visible to agents only" && `+
		`getComputedStyle(`+noteItem+`.querySelector(".bubble")).backgroundColor === "rgb(255, 246, 199)"`)

	// A file while the toggle is on is a note too.
	receipt := filepath.Join(t.TempDir(), "supplier-invoice.txt")
	if err := os.WriteFile(receipt, []byte("net 30"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.do("attach a file as a note", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{receipt}))
	fileNote := `[...document.querySelectorAll("#message-list .event")].find(li => li.textContent.includes("supplier-invoice.txt"))`
	p.waitFor("the file, marked as a note", fileNote+` && `+fileNote+`.classList.contains("is-note") && `+fileNote+`.dataset.visibility === "agents"`)

	reply := "Your order ships today."
	p.do("back to replies", chromedp.Click(chromedp.CSS("#note-toggle")))
	p.waitFor("the note toggle off", `document.getElementById("note-toggle").getAttribute("aria-pressed") === "false"`)
	p.do("reply", typeKeys("#reply", reply), chromedp.Click(chromedp.CSS("#send")))
	p.waitFor("the reply, not a note", `[...document.querySelectorAll("#message-list .event:not(.is-note) .text")].some(e => e.textContent === `+js(reply)+`)`)
	ann.waitEvent("the reply", func(e customer.Event) bool { return e.Type == customer.EventMessage && e.Text == reply })

	p.do("tag the chat", typeKeys("#chat-tags .tag-add", "vip\r"))
	p.waitFor("the tag chip", `document.querySelector('#chat-tags .tag-chip[data-tag="vip"]') !== null`)
	p.do("filter the list by tag", typeKeys("#tag-filter", "vip\r"))
	p.waitFor("only the tagged chat", annItem+` && !`+boItem+` && document.getElementById("tag-filter-note").textContent === "1 tagged"`)
	writeScreenshot(t, p, "console-notes.png")

	// A last reply: once Ann has it, she has had every push before it.
	p.do("one more reply", typeKeys("#reply", "Anything else?"), chromedp.Click(chromedp.CSS("#send")))
	ann.waitEvent("the last reply", func(e customer.Event) bool { return e.Text == "Anything else?" })
	mu.Lock()
	all := strings.Join(seen, "\n")
	mu.Unlock()
	for _, secret := range []string{note, "vip", "agents", "supplier-invoice"} {
		if strings.Contains(all, secret) {
			t.Errorf("the customer's SDK got %q:\n%s", secret, all)
		}
	}
	if !strings.Contains(all, reply) {
		t.Errorf("the customer's SDK never told the reply:\n%s", all)
	}

	p.do("clear the filter", typeKeys("#tag-filter", "\b\b\b\r"))
	p.waitFor("both chats again", annItem+` && `+boItem)
}
