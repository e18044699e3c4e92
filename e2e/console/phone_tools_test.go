package console_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/device"
	"github.com/chromedp/chromedp/kb"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/e2e/internal/browsertest"
	"github.com/parleychat/parley/parleytest"
)

// TestConsolePhoneTools uses the agent's tools on a phone (375×667,
// touch): the list's filters with the offline messages, search, a saved
// reply from the composer and a new one added, a private note, a tag and
// the tag filter, and the alert settings. Every step checks that the controls are in view,
// large enough for a finger, and that nothing scrolls sideways.
func TestConsolePhoneTools(t *testing.T) {
	chromium := browsertest.Chromium(t, "The agent console on a phone")
	srv := parleytest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	shipping := "We ship within two working days, tracking included."
	srv.Configure(t, "create_canned_response", map[string]string{"shortcut": "shipping", "text": shipping})

	// Nobody online yet: Ann leaves an offline message.
	ann := leaveOfflineMessage(t, srv, "Ann Oslo", "ann@shop.test", "Do you ship to Oslo?")
	// An archived chat to search, and Bo's chat, live.
	demo := reportAgent(t, srv, srv.AgentEmail)
	ada, _ := searchedChat(t, srv, demo, "Ada Lovelace", "My parcel to Kraków never arrived", "Sorry! I have asked the courier.")
	bo := newShopper(t, srv, customer.CustomerData{Name: "Bo Blue"}, nil)
	bo.start("Do you have this jacket in blue?")
	if err := demo.JoinChat(ctx, bo.chat.ID); err != nil {
		t.Fatal(err)
	}

	p := startBrowser(t, chromium)
	phone := chromedp.Emulate(device.IPhoneSE3rdgen)
	p.do("open the console on a phone", phone, chromedp.Navigate(srv.URL+"/agent/"))
	p.waitFor("the sign-in form", `!document.getElementById("signin").hidden && document.getElementById("license").value !== ""`)
	p.do("fill in the sign-in form",
		typeKeys("#email", srv.AgentEmail),
		typeKeys("#password", srv.AgentPassword))
	p.tap("sign in", "#signin-button")
	p.waitFor("the connection", `document.getElementById("conn").dataset.state === "connected"`)
	annItem, boItem := `#chat-list li[data-chat-id="`+ann.chat.ID+`"]`, `#chat-list li[data-chat-id="`+bo.chat.ID+`"]`
	p.waitFor("the chats", `document.querySelector(`+js(annItem)+`) && document.querySelector(`+js(boItem)+`)`)

	// The filters: the offline messages alone, then all chats again.
	p.waitFor("the filters in view", rectInView(`.list-tab[data-tab="offline"]`)+` && `+rectInView(`.list-tab[data-tab="all"]`))
	p.checkLayout("the list's filters")
	p.tap("show the offline messages", `.list-tab[data-tab="offline"]`)
	p.waitFor("Ann's offline message alone", `document.querySelector(`+js(annItem)+`) && !document.querySelector(`+js(boItem)+`)`)
	p.tap("show every chat", `.list-tab[data-tab="all"]`)
	p.waitFor("both chats again", `document.querySelector(`+js(annItem)+`) && document.querySelector(`+js(boItem)+`)`)

	// Search: an archived chat found by a word, opened at the match.
	p.waitFor("the search box in view", rectInView("#search"))
	p.tap("tap the search box", "#search")
	p.do("search parcel", typeKeys("#search", "parcel"))
	hit := `#search-results li[data-chat-id="` + ada + `"] button`
	p.waitFor("Ada's chat found", `document.querySelector(`+js(hit)+`) !== null && `+rectInView(hit))
	p.checkLayout("the search results")
	p.tap("open the result", hit)
	p.waitFor("Ada's chat alone, at the match", panesJS+` === "conversation" && document.querySelector("li.event.search-match") !== null`)
	p.tap("back to the results", "#back-to-list")
	p.waitFor("the list pane again", panesJS+` === "topbar chats"`)
	setSearch(p, "")
	p.waitFor("the chat list again", `!document.getElementById("chat-list").hidden && document.querySelector(`+js(boItem)+`)`)

	// A saved reply: "#ship" offers it, a tap inserts it, Send sends it.
	p.tap("open Bo's chat", boItem)
	p.waitFor("Bo's chat alone", panesJS+` === "conversation" && `+messageShown("Do you have this jacket in blue?"))
	p.tap("tap the reply box", "#reply")
	p.do("type #ship", typeKeys("#reply", "Yes! #ship"))
	option := `#reply-suggestions .reply-option[data-shortcut="shipping"]`
	p.waitFor("the saved reply offered, in view", `!document.getElementById("reply-suggestions").hidden && document.querySelector(`+js(option)+`) && `+rectInView(option))
	p.checkLayout("the saved replies")
	writeScreenshot(t, p, "console-phone-replies.png")
	p.tap("pick it", option)
	p.waitFor("the text in the reply box", `document.getElementById("reply").value === `+js("Yes! "+shipping))
	p.tap("send it", "#send")
	bo.waitEvent("the saved reply", func(e customer.Event) bool { return e.Type == customer.EventMessage && e.Text == "Yes! "+shipping })

	// The saved replies managed from the list's button: one added, then
	// offered.
	p.do("type #", typeKeys("#reply", "#"))
	p.waitFor("the list's Saved replies button in view", rectInView(".reply-popup .reply-manage"))
	p.tap("open the saved replies", ".reply-popup .reply-manage")
	// (A tap's click comes after the touch: the dialog may not be made yet.)
	p.waitFor("the dialog, its form in view", `document.getElementById("replies-dialog")?.open && `+
		`document.querySelector('#replies-dialog li[data-shortcut="shipping"]') !== null && `+rectInView("#reply-save"))
	p.checkLayout("the saved replies dialog")
	p.tap("tap the shortcut field", "#reply-new-shortcut")
	p.do("type the shortcut", typeKeys("#reply-new-shortcut", "sizes"))
	p.tap("tap the text field", "#reply-new-text")
	p.do("type the text", typeKeys("#reply-new-text", "Our jackets run small: take one size up."))
	p.tap("add it", "#reply-save")
	p.waitFor("the new reply listed", `document.querySelector('#replies-dialog li[data-shortcut="sizes"]') !== null`)
	p.checkLayout("the saved replies dialog with two replies")
	p.tap("close the dialog", "#replies-dialog .pane-head button")
	p.tap("tap the reply box", "#reply")
	p.do("type #siz", typeKeys("#reply", "siz"))
	p.waitFor("the new reply offered", `document.getElementById("reply").value === "#siz" && `+
		`document.querySelector('#reply-suggestions .reply-option[data-shortcut="sizes"]') !== null`)
	p.do("empty the reply box", typeKeys("#reply", kb.Escape+"\b\b\b\b"))
	p.waitFor("the reply box empty", `document.getElementById("reply").value === ""`)

	// A private note.
	p.waitFor("the note toggle in view", rectInView("#note-toggle"))
	p.tap("write a note", "#note-toggle")
	p.waitFor("the note toggle on", `document.getElementById("note-toggle").getAttribute("aria-pressed") === "true"`)
	note := "Asked twice about blue: restock on Friday"
	p.do("type the note", typeKeys("#reply", note))
	p.tap("send the note", "#send")
	noteItem := `[...document.querySelectorAll("#message-list .event.is-note .text")].find(e => e.textContent === ` + js(note) + `)`
	p.waitFor("the note, marked", noteItem)
	p.tap("back to replies", "#note-toggle")
	p.checkLayout("the chat with a note")

	// A tag, then the list filtered by it.
	p.waitFor("the tag box in view", rectInView("#chat-tags .tag-add"))
	p.tap("tap the tag box", "#chat-tags .tag-add")
	p.do("tag the chat", typeKeys("#chat-tags .tag-add", "restock\r"))
	p.waitFor("the tag chip", `document.querySelector('#chat-tags .tag-chip[data-tag="restock"]') !== null`)
	p.checkLayout("the chat's tags")
	p.tap("back to the list", "#back-to-list")
	p.waitFor("the list", panesJS+` === "topbar chats"`)
	p.waitFor("the tag filter in view", rectInView("#tag-filter"))
	p.tap("tap the tag filter", "#tag-filter")
	p.do("filter by the tag", typeKeys("#tag-filter", "restock\r"))
	p.waitFor("Bo's chat alone", `document.querySelector(`+js(boItem)+`) && !document.querySelector(`+js(annItem)+`)`)
	p.checkLayout("the list filtered by a tag")

	// The alert settings, from the top bar.
	p.waitFor("the alerts button in view", rectInView("#alerts"))
	p.tap("open the alert settings", "#alerts")
	p.waitFor("the settings in view", rectInView("#alert-sound")+` && `+rectInView("#alert-desktop"))
	p.checkLayout("the alert settings")
	p.tap("switch the sound on", "#alert-sound")
	p.waitFor("the sound on and kept", `document.getElementById("alert-sound").checked && JSON.parse(localStorage.getItem("parley.agent.alerts")).sound === true`)
}
