package chat

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"
)

// Limits of thread tags.
const (
	// MaxTagLength is the longest tag, in characters.
	MaxTagLength = 50
	// MaxThreadTags is how many tags one thread may have.
	MaxThreadTags = 20
)

// checkTag validates a tag: 1 to MaxTagLength characters, lower case, no
// control characters, no space at either end.
func checkTag(tag string) error {
	n := utf8.RuneCountInString(tag)
	switch {
	case !utf8.ValidString(tag):
		return invalid("tag is not valid UTF-8")
	case n == 0:
		return invalid("tag is required")
	case n > MaxTagLength:
		return invalid("tag is longer than %d characters", MaxTagLength)
	case tag != strings.ToLower(tag):
		return invalid("tag must be lower case")
	case tag != strings.TrimSpace(tag):
		return invalid("tag must not start or end with a space")
	case strings.IndexFunc(tag, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return invalid("tag must not contain control characters")
	}
	return nil
}

// TagThread adds a tag to a thread of a chat (agents only) and tells the
// chat's agents (ThreadTagged); tagging a thread with a tag it has changes
// and tells nothing. A thread has at most MaxThreadTags tags.
func (s *Service) TagThread(ctx context.Context, a Actor, chatID, threadID, tag string) error {
	return s.setThreadTag(ctx, a, chatID, threadID, tag, true)
}

// UntagThread removes a tag from a thread and tells the chat's agents
// (ThreadUntagged); removing a tag the thread lacks changes nothing.
func (s *Service) UntagThread(ctx context.Context, a Actor, chatID, threadID, tag string) error {
	return s.setThreadTag(ctx, a, chatID, threadID, tag, false)
}

func (s *Service) setThreadTag(ctx context.Context, a Actor, chatID, threadID, tag string, add bool) error {
	if a.Type != UserAgent {
		return invalid("only agents tag threads")
	}
	if err := checkTag(tag); err != nil {
		return err
	}
	if threadID == "" {
		return invalid("thread_id is required")
	}
	c, err := s.chatFor(ctx, a, chatID)
	if err != nil {
		return err
	}
	unlock, err := s.lock(ctx, c.ID)
	if err != nil {
		return err
	}
	defer unlock()
	if add {
		tags, err := s.store.ThreadTags(ctx, c.ID, threadID)
		if err != nil {
			return err
		}
		if len(tags) >= MaxThreadTags && !slices.Contains(tags, tag) {
			return invalid("a thread has at most %d tags", MaxThreadTags)
		}
	}
	changed, err := s.store.SetThreadTag(ctx, c.ID, threadID, tag, add)
	if err != nil || !changed {
		return err
	}
	var push Push = ThreadTagged{ChatID: c.ID, ThreadID: threadID, Tag: tag}
	if !add {
		push = ThreadUntagged{ChatID: c.ID, ThreadID: threadID, Tag: tag}
	}
	to, _ := splitAgents(s.audience(ctx, c))
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: to, Origin: a.Origin, Push: push})
	return nil
}
