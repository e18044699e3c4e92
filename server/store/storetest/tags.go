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
	bare, bareTh := e.newChat()
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
	many, err := e.s.ThreadsTags(e.ctx, []string{th.ID, otherTh.ID, bareTh.ID, "no-such-thread"})
	e.must(err, "ThreadsTags")
	want := map[string][]string{th.ID: {"billing", "vip"}, otherTh.ID: {"refund"}}
	if !maps.EqualFunc(many, want, slices.Equal) {
		t.Errorf("ThreadsTags = %v, want %v (none for %s of chat %s, nor a missing thread)", many, want, bareTh.ID, bare.ID)
	}
	if none, err := e.s.ThreadsTags(e.ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("ThreadsTags of no thread = %v, %v", none, err)
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
}
