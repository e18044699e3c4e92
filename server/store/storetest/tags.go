package storetest

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

// testTags checks thread tags: set and removed once, read in lexical
// order, one thread's or many threads' at once, and the Chats filter by
// tag.
func testTags(t *testing.T, mk func(*testing.T) *env) {
	e := mk(t)
	c, th := e.newChat()
	other, otherTh := e.newChat()
	bare, _ := e.newChat()
	for _, tag := range []string{"vip", "billing", "vip"} {
		_, err := e.s.SetThreadTag(e.ctx, c.ID, th.ID, tag, true)
		e.must(err, "SetThreadTag "+tag)
	}
	changed, err := e.s.SetThreadTag(e.ctx, c.ID, th.ID, "vip", true)
	e.must(err, "SetThreadTag again")
	if changed {
		t.Error("SetThreadTag of a tag the thread has: changed")
	}
	tags, err := e.s.ThreadTags(e.ctx, c.ID, th.ID)
	e.must(err, "ThreadTags")
	if !slices.Equal(tags, []string{"billing", "vip"}) {
		t.Errorf("ThreadTags = %v, want [billing vip]", tags)
	}
	_, err = e.s.SetThreadTag(e.ctx, other.ID, otherTh.ID, "refund", true)
	e.must(err, "SetThreadTag of another chat")
	got, total, err := e.s.Chats(e.ctx, chat.ChatFilter{LicenseID: license, Tag: "vip"}, 0, 0)
	e.must(err, "Chats by tag")
	if total != 1 || len(got) != 1 || got[0].ID != c.ID {
		t.Errorf("Chats by tag vip: %d %v, want %s only (not %s)", total, got, c.ID, other.ID)
	}
	changed, err = e.s.SetThreadTag(e.ctx, c.ID, th.ID, "vip", false)
	e.must(err, "SetThreadTag remove")
	if !changed {
		t.Error("removing a tag: not changed")
	}
	if changed, err = e.s.SetThreadTag(e.ctx, c.ID, th.ID, "vip", false); err != nil || changed {
		t.Errorf("removing a missing tag: %v %v", changed, err)
	}
	if _, total, _ = e.s.Chats(e.ctx, chat.ChatFilter{LicenseID: license, Tag: "vip"}, 0, 0); total != 0 {
		t.Errorf("Chats by a removed tag: %d", total)
	}
	if _, err := e.s.SetThreadTag(e.ctx, c.ID, "no-such-thread", "vip", true); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("SetThreadTag of a missing thread: %v", err)
	}
	if _, err := e.s.ThreadTags(e.ctx, other.ID, th.ID); !errors.Is(err, chat.ErrNotFound) {
		t.Errorf("ThreadTags of another chat's thread: %v", err)
	}

	// ChatsTags: every tagged thread's tags, by chat and thread; the filter finds a
	// chat by a tag of any of its threads, the last or an earlier one.
	e.close(c.ID)
	_, th2 := e.activate(c.ID, nil)
	for _, tag := range []string{"vip", "refund", "billing"} {
		_, err := e.s.SetThreadTag(e.ctx, c.ID, th2.ID, tag, true)
		e.must(err, "SetThreadTag "+tag+" of the second thread")
	}
	_, err = e.s.SetThreadTag(e.ctx, other.ID, otherTh.ID, "other", true)
	e.must(err, "SetThreadTag of the other chat")
	all, err := e.s.ChatsTags(e.ctx, []string{c.ID, other.ID, bare.ID, "no-such-chat"})
	e.must(err, "ChatsTags")
	want := map[string]map[string][]string{
		c.ID:     {th.ID: {"billing"}, th2.ID: {"billing", "refund", "vip"}},
		other.ID: {otherTh.ID: {"other", "refund"}},
	}
	if !maps.EqualFunc(all, want, func(a, b map[string][]string) bool { return maps.EqualFunc(a, b, slices.Equal) }) {
		t.Errorf("ChatsTags = %v, want %v (none for %s, nor a missing chat)", all, want, bare.ID)
	}
	if none, err := e.s.ChatsTags(e.ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("ChatsTags of no chat = %v, %v", none, err)
	}
	_, err = e.s.SetThreadTag(e.ctx, c.ID, th2.ID, "billing", false)
	e.must(err, "SetThreadTag remove from the second thread")
	if got, _, err := e.s.Chats(e.ctx, chat.ChatFilter{LicenseID: license, Tag: "billing"}, 0, 0); err != nil || len(got) != 1 || got[0].ID != c.ID {
		t.Errorf("Chats by a tag of an earlier thread only: %v, %v", got, err)
	}
}
