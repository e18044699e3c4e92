package console_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/e2e/internal/browsertest"
	"github.com/parleychat/parley/parleytest"
)

// TestConsoleOfflineMessages: a message left in the offline form while
// no agent was online is listed under "Offline messages" (an ordinary
// chat is not); the agent opens it and answers, and the customer gets the
// answer.
func TestConsoleOfflineMessages(t *testing.T) {
	chromium := browsertest.Chromium(t, "The agent console")
	srv := parleytest.NewServer(t)

	// Nobody online: one customer leaves an offline message, another
	// starts a chat that waits.
	ann := leaveOfflineMessage(t, srv, "Ann Oslo", "ann@shop.test", "Do you ship to Oslo?")
	bo := newShopper(t, srv, customer.CustomerData{Name: "Bo Waiting"}, nil)
	bo.start("Anyone there?")

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
	p.waitFor("both chats under All chats", annItem+` && `+boItem+` && `+annItem+`.querySelector(".badge.offline-msg").textContent === "Offline message"`)

	p.do("open the Offline messages tab", chromedp.Click(chromedp.CSS(`.list-tab[data-tab="offline"]`)))
	p.waitFor("only the offline message", annItem+` && !`+boItem+` && document.querySelector('.list-tab[data-tab="offline"]').getAttribute("aria-selected") === "true"`)
	writeScreenshot(t, p, "console-offline.png")

	p.do("open it", chromedp.Click(chromedp.CSS(`#chat-list li[data-chat-id="`+ann.chat.ID+`"]`)))
	p.waitFor("the message", messageShown("Do you ship to Oslo?"))
	reply := "Yes, we do: two days to Oslo."
	p.waitFor("the composer", `!document.getElementById("reply").disabled && document.getElementById("reply").checkVisibility()`)
	p.do("answer", typeKeys("#reply", reply), chromedp.Click(chromedp.CSS("#send")))
	ann.waitEvent("the answer", func(e customer.Event) bool { return e.Type == customer.EventMessage && e.Text == reply })

	p.do("back to All chats", chromedp.Click(chromedp.CSS(`.list-tab[data-tab="all"]`)))
	p.waitFor("both chats again", annItem+` && `+boItem)
}

// leaveOfflineMessage has a new customer leave an offline message, as the
// widget's offline form does: a chat with the filled form and the
// message.
func leaveOfflineMessage(t *testing.T, srv *parleytest.Server, name, email, text string) *shopper {
	t.Helper()
	s := newShopper(t, srv, customer.CustomerData{Name: name, Email: email}, nil)
	fields, _ := json.Marshal([]map[string]any{
		{"type": "name", "id": "name", "label": "Name", "answer": name},
		{"type": "email", "id": "email", "label": "E-mail", "answer": email},
		{"type": "textarea", "id": "message", "label": "Message", "answer": text},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := s.sdk.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{
		{Type: customer.EventFilledForm, FormID: "offline", Fields: fields},
		{Type: customer.EventMessage, Text: text},
	}})
	if err != nil {
		t.Fatalf("StartChat: %v", err)
	}
	s.chat = c
	return s
}
