package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

// testTags checks thread tags: set and removed once, read in lexical
// order, and the Chats filter by tag.
func testTags(t *testing.T, mk func(*testing.T) *env) {
	e := mk(t)
	c, th := e.newChat()
	other, otherTh := e.newChat()
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

	// ChatTags: every tagged thread's tags, by thread; the filter finds a
	// chat by a tag of any of its threads, the last or an earlier one.
	e.close(c.ID)
	_, th2 := e.activate(c.ID, nil)
	for _, tag := range []string{"vip", "refund", "billing"} {
		_, err := e.s.SetThreadTag(e.ctx, c.ID, th2.ID, tag, true)
		e.must(err, "SetThreadTag "+tag+" of the second thread")
	}
	_, err = e.s.SetThreadTag(e.ctx, other.ID, otherTh.ID, "other", true)
	e.must(err, "SetThreadTag of the other chat")
	all, err := e.s.ChatTags(e.ctx, c.ID)
	e.must(err, "ChatTags")
	want := map[string][]string{th.ID: {"billing"}, th2.ID: {"billing", "refund", "vip"}}
	if len(all) != len(want) || !slices.Equal(all[th.ID], want[th.ID]) || !slices.Equal(all[th2.ID], want[th2.ID]) {
		t.Errorf("ChatTags = %v, want %v", all, want)
	}
	_, err = e.s.SetThreadTag(e.ctx, c.ID, th2.ID, "billing", false)
	e.must(err, "SetThreadTag remove from the second thread")
	if got, _, err := e.s.Chats(e.ctx, chat.ChatFilter{LicenseID: license, Tag: "billing"}, 0, 0); err != nil || len(got) != 1 || got[0].ID != c.ID {
		t.Errorf("Chats by a tag of an earlier thread only: %v, %v", got, err)
	}
	none, err := e.s.ChatTags(e.ctx, "no-such-chat")
	if err != nil || len(none) != 0 {
		t.Errorf("ChatTags of no chat = %v, %v", none, err)
	}
}
