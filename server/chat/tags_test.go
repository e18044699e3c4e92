package chat_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

// TestThreadTags: tags are checked (lower case, at most 50 characters, at
// most 20 a thread), tagging is idempotent, only the chat's agents are
// told, and list_chats shows and filters by them.
func TestThreadTags(t *testing.T) {
	e := newEnv(t, 0)
	ag := e.agent("ann@x", 5, 0)
	e.connect(ag)
	chatID := e.startChat("cu")
	other := e.startChat("cu2")
	c, err := e.store.Chat(e.ctx, chatID)
	e.must(err, "Chat")
	th := c.LastThreadID

	for _, bad := range []string{"", "VIP", strings.Repeat("x", chat.MaxTagLength+1), " vip", "a\x00b"} {
		wantErr(t, e.svc.TagThread(e.ctx, ag, chatID, th, bad), chat.ErrInvalid, fmt.Sprintf("tag %q", bad))
	}
	wantErr(t, e.svc.TagThread(e.ctx, ag, chatID, "no-such-thread", "vip"), chat.ErrNotFound, "tag of a missing thread")
	wantErr(t, e.svc.TagThread(e.ctx, e.customer("cu"), chatID, th, "vip"), chat.ErrInvalid, "a customer tags")

	e.rec.reset()
	e.must(e.svc.TagThread(e.ctx, ag, chatID, th, "vip"), "TagThread")
	e.must(e.svc.TagThread(e.ctx, ag, chatID, th, "vip"), "TagThread again")
	e.must(e.svc.TagThread(e.ctx, ag, chatID, th, strings.Repeat("é", chat.MaxTagLength)), "TagThread of 50 characters")
	tagged := pushes[chat.ThreadTagged](e.rec)
	if len(tagged) != 2 || tagged[0] != (chat.ThreadTagged{ChatID: chatID, ThreadID: th, Tag: "vip"}) {
		t.Errorf("thread_tagged pushes %+v, want one per new tag", tagged)
	}
	for _, n := range e.rec.all() {
		for _, r := range n.Recipients {
			if r.Type != chat.UserAgent {
				t.Errorf("%T told to %+v", n.Push, r)
			}
		}
	}

	sums, total, err := e.svc.ListChats(e.ctx, ag, chat.ListChats{Tag: "vip"})
	e.must(err, "ListChats")
	if total != 1 || len(sums) != 1 || sums[0].Chat.ID != chatID || !slices.Contains(sums[0].Tags, "vip") {
		t.Errorf("list_chats by tag vip: %d %+v", total, sums)
	}
	sums, _, err = e.svc.ListChats(e.ctx, ag, chat.ListChats{})
	e.must(err, "ListChats")
	wantTags := []string{"vip", strings.Repeat("é", chat.MaxTagLength)}
	for _, s := range sums {
		if s.Chat.ID == other && (s.Tags == nil || len(s.Tags) != 0) {
			t.Errorf("untagged chat listed with tags %#v, want none", s.Tags)
		}
		if s.Chat.ID == chatID && !slices.Equal(s.Tags, wantTags) {
			t.Errorf("tagged chat listed with tags %v, want %v", s.Tags, wantTags)
		}
	}
	_, _, err = e.svc.ListChats(e.ctx, ag, chat.ListChats{Tag: "VIP"})
	wantErr(t, err, chat.ErrInvalid, "filter by an upper-case tag")

	for i := len(tagged); i < chat.MaxThreadTags; i++ {
		e.must(e.svc.TagThread(e.ctx, ag, chatID, th, fmt.Sprint("t", i)), "TagThread")
	}
	wantErr(t, e.svc.TagThread(e.ctx, ag, chatID, th, "one-too-many"), chat.ErrInvalid, "tag 21")
	e.must(e.svc.TagThread(e.ctx, ag, chatID, th, "vip"), "a tag it has, at the limit")

	e.rec.reset()
	e.must(e.svc.UntagThread(e.ctx, ag, chatID, th, "vip"), "UntagThread")
	e.must(e.svc.UntagThread(e.ctx, ag, chatID, th, "vip"), "UntagThread again")
	if got := pushes[chat.ThreadUntagged](e.rec); len(got) != 1 {
		t.Errorf("thread_untagged pushes %+v, want one", got)
	}
	_, total, err = e.svc.ListChats(e.ctx, ag, chat.ListChats{Tag: "vip"})
	e.must(err, "ListChats")
	if total != 0 {
		t.Errorf("list_chats by a removed tag: %d chats", total)
	}

	// A second thread: list_chats gives the tags of every thread, the last
	// one's also as Tags, and the filter finds the chat by an earlier
	// thread's tag.
	first := e.lastThread(other)
	e.must(e.svc.TagThread(e.ctx, ag, other, first, "refund"), "TagThread of the first thread")
	_, err = e.svc.CloseThread(e.ctx, ag, other)
	e.must(err, "CloseThread")
	_, err = e.svc.SendEvent(e.ctx, e.customer("cu2"), other, chat.Event{Type: chat.EventMessage, Text: "back again"}, false)
	e.must(err, "SendEvent of a new thread")
	second := e.lastThread(other)
	e.must(e.svc.TagThread(e.ctx, ag, other, second, "vip"), "TagThread of the second thread")
	sums, _, err = e.svc.ListChats(e.ctx, ag, chat.ListChats{Tag: "refund"})
	e.must(err, "ListChats by an earlier thread's tag")
	if len(sums) != 1 || sums[0].Chat.ID != other {
		t.Fatalf("list_chats by an earlier thread's tag: %+v", sums)
	}
	if sums[0].Chat.LastThreadID != second || !slices.Equal(sums[0].Tags, []string{"vip"}) || len(sums[0].ThreadTags) != 2 ||
		!slices.Equal(sums[0].ThreadTags[second], []string{"vip"}) || !slices.Equal(sums[0].ThreadTags[first], []string{"refund"}) {
		t.Errorf("tags of a chat of two threads: Tags %v, ThreadTags %v", sums[0].Tags, sums[0].ThreadTags)
	}
}

// lastThread is the id of a chat's last thread.
func (e *env) lastThread(chatID string) string {
	e.t.Helper()
	c, err := e.store.Chat(e.ctx, chatID)
	e.must(err, "Chat")
	return c.LastThreadID
}
