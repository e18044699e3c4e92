package console_test

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/e2e/internal/browsertest"
	"github.com/parleychat/parley/parleytest"
)

// TestConsoleTagsOfEveryThread: the tag filter finds a chat by a tag of
// any of its threads, and the chat's chips show the tags of every thread,
// each once, those only an earlier thread has marked so. A chip's remove
// button takes the tag off every thread that has it: the chip goes, and
// the filter no longer finds the chat. A tag put on an earlier thread by
// another client appears at once.
func TestConsoleTagsOfEveryThread(t *testing.T) {
	chromium := browsertest.Chromium(t, "The agent console")
	srv := parleytest.NewServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ag := reportAgent(t, srv, srv.AgentEmail)

	// Cleo's chat: a first thread tagged refund and vip, closed; a second
	// thread, tagged vip.
	cleo := newShopper(t, srv, customer.CustomerData{Name: "Cleo Threads"}, nil)
	cleo.start("My parcel came broken")
	first := cleo.chat.Thread
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must(ag.JoinChat(ctx, cleo.chat.ID), "JoinChat")
	must(ag.TagThread(ctx, cleo.chat.ID, first, "refund"), "TagThread refund")
	must(ag.TagThread(ctx, cleo.chat.ID, first, "vip"), "TagThread vip")
	must(ag.DeactivateChat(ctx, cleo.chat.ID), "DeactivateChat")
	waitOn(t, cleo.closed, "the close", func(c customer.ThreadClosed) bool { return c.Chat == cleo.chat.ID })
	cleo.say("And the new one is late")
	sum, err := ag.ListChats(ctx, agent.ListChatsOptions{Tag: "refund"})
	must(err, "ListChats")
	if len(sum.ChatsSummary) != 1 || sum.ChatsSummary[0].LastThread == first {
		t.Fatalf("ListChats by refund: %+v", sum)
	}
	second := sum.ChatsSummary[0].LastThread
	must(ag.JoinChat(ctx, cleo.chat.ID), "JoinChat of the second thread")
	must(ag.TagThread(ctx, cleo.chat.ID, second, "vip"), "TagThread vip of the second thread")
	dan := newShopper(t, srv, customer.CustomerData{Name: "Dan Untagged"}, nil)
	dan.start("Hello")

	p := startBrowser(t, chromium)
	signIn(p, srv)
	cleoItem, danItem := chatItem(cleo.chat.ID), chatItem(dan.chat.ID)
	p.waitFor("both chats", cleoItem+` && `+danItem)

	p.do("filter the list by the first thread's tag", typeKeys("#tag-filter", "refund\r"))
	p.waitFor("Cleo's chat only", cleoItem+` && !`+danItem+` && document.getElementById("tag-filter-note").textContent === "1 tagged"`)
	p.do("open Cleo's chat", chromedp.Click(chromedp.CSS(`#chat-list li[data-chat-id="`+cleo.chat.ID+`"]`)))
	p.waitFor("her last message", messageShown("And the new one is late"))
	chips := `[...document.querySelectorAll("#chat-tags .tag-chip")]`
	p.waitFor("the chips of both threads, each once, refund marked earlier",
		chips+`.map(c => c.dataset.tag + (c.classList.contains("tag-earlier") ? ":earlier" : "")).join(",") === "refund:earlier,vip" && `+
			`document.querySelector('#chat-tags .tag-chip[data-tag="refund"]').title === "Tagged on an earlier thread of this chat"`)

	// Another client tags the first thread while the agent types a tag:
	// the chip comes, marked earlier; the field keeps the text and the
	// focus, and the chips drawn the same are kept.
	p.do("start typing a tag", typeKeys("#chat-tags .tag-add", "sta"),
		chromedp.Evaluate[chromedp.Void](`window.refundChip = document.querySelector('#chat-tags .tag-chip[data-tag="refund"]')`))
	must(ag.TagThread(ctx, cleo.chat.ID, first, "gift"), "TagThread gift")
	p.waitFor("the pushed tag of the earlier thread", chips+`.map(c => c.dataset.tag).join(",") === "gift,refund,vip" && `+
		`document.querySelector('#chat-tags .tag-chip[data-tag="gift"]').classList.contains("tag-earlier")`)
	p.waitFor("the typing kept", `document.activeElement === document.querySelector("#chat-tags .tag-add") && `+
		`document.activeElement.value === "sta" && document.querySelector('#chat-tags .tag-chip[data-tag="refund"]') === window.refundChip`)
	p.do("give the tag up", typeKeys("#chat-tags .tag-add", "\b\b\b"))

	p.do("remove vip, which both threads have", chromedp.Click(chromedp.CSS(`#chat-tags .tag-chip[data-tag="vip"] .tag-remove`)))
	p.waitFor("vip gone", chips+`.map(c => c.dataset.tag).join(",") === "gift,refund"`)
	p.do("remove refund", chromedp.Click(chromedp.CSS(`#chat-tags .tag-chip[data-tag="refund"] .tag-remove`)))
	p.waitFor("refund gone, and the filter no longer lists the chat", chips+`.map(c => c.dataset.tag).join(",") === "gift" && !`+cleoItem)

	for _, tag := range []string{"refund", "vip"} {
		sum, err := ag.ListChats(ctx, agent.ListChatsOptions{Tag: tag})
		must(err, "ListChats by "+tag)
		if sum.TotalChats != 0 {
			t.Errorf("ListChats by %s after its chip was removed: %+v", tag, sum)
		}
	}
	sum, err = ag.ListChats(ctx, agent.ListChatsOptions{Tag: "gift"})
	must(err, "ListChats by gift")
	if len(sum.ChatsSummary) != 1 || len(sum.ChatsSummary[0].ThreadTags) != 1 || len(sum.ChatsSummary[0].ThreadTags[first]) != 1 {
		t.Errorf("tags left: %+v", sum)
	}
	p.do("clear the filter", typeKeys("#tag-filter", "\b\b\b\b\b\b\r"))
	p.waitFor("both chats again", cleoItem+` && `+danItem)
}
