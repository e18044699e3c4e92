package cached

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// DefaultMaxChats is the number of chats a Store keeps when New is given 0:
// with a few members each, about 1 KiB a chat.
const DefaultMaxChats = 50_000

// Store is a chat.Store that answers Chat from memory. See the package doc.
type Store struct {
	chat.Store
	max int

	mu    sync.Mutex
	chats map[string]*entry
}

// entry is a cached chat, or a placeholder while a read loads it.
type entry struct {
	chat   chat.Chat
	loaded bool
}

// New returns a Store caching up to maxChats chats of s (0:
// DefaultMaxChats). Past that, arbitrary chats are dropped to make room.
func New(s chat.Store, maxChats int) *Store {
	if maxChats <= 0 {
		maxChats = DefaultMaxChats
	}
	return &Store{Store: s, max: maxChats, chats: make(map[string]*entry)}
}

var _ chat.Store = (*Store)(nil)

// Chat returns the chat from memory, loading it on a miss.
func (s *Store) Chat(ctx context.Context, id string) (chat.Chat, error) {
	s.mu.Lock()
	e, ok := s.chats[id]
	if ok && e.loaded {
		c := clone(e.chat)
		s.mu.Unlock()
		return c, nil
	}
	if !ok {
		// A placeholder: a write before the load ends removes it, and the
		// load then leaves nothing behind.
		e = &entry{}
		s.makeRoom()
		s.chats[id] = e
	}
	s.mu.Unlock()

	c, err := s.Store.Chat(ctx, id)
	if err != nil {
		return c, err
	}
	s.mu.Lock()
	if s.chats[id] == e && !e.loaded {
		e.chat, e.loaded = clone(c), true
	}
	s.mu.Unlock()
	return c, nil
}

// makeRoom drops chats until one more fits. The caller holds mu.
func (s *Store) makeRoom() {
	for id := range s.chats {
		if len(s.chats) < s.max {
			return
		}
		delete(s.chats, id)
	}
}

// forget drops a chat (or its pending load).
func (s *Store) forget(id string) {
	s.mu.Lock()
	delete(s.chats, id)
	s.mu.Unlock()
}

// update changes a cached chat in place; a pending load is dropped, since
// it may have read the chat before the change.
func (s *Store) update(id string, fn func(c *chat.Chat)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.chats[id]
	switch {
	case !ok:
	case e.loaded:
		fn(&e.chat)
	default:
		delete(s.chats, id)
	}
}

func clone(c chat.Chat) chat.Chat {
	c.GroupIDs = slices.Clone(c.GroupIDs)
	c.Users = slices.Clone(c.Users)
	if c.Properties != nil {
		p := make(chat.Properties, len(c.Properties))
		for ns, m := range c.Properties {
			p[ns] = maps.Clone(m)
		}
		c.Properties = p
	}
	return c
}

// AppendEvent stores an event; the cached chat's LastEventAt follows, and
// a thread it opened drops the chat.
func (s *Store) AppendEvent(ctx context.Context, a chat.AppendEvent) (chat.AppendResult, error) {
	r, err := s.Store.AppendEvent(ctx, a)
	switch {
	case err != nil:
		s.forget(a.Event.ChatID)
	case r.Duplicate:
	case r.Opened:
		s.forget(a.Event.ChatID)
	default:
		s.update(a.Event.ChatID, func(c *chat.Chat) {
			if r.Event.CreatedAt.After(c.LastEventAt) {
				c.LastEventAt = r.Event.CreatedAt
			}
		})
	}
	return r, err
}

// SetLastSeen stores a member's last seen time; the cached member follows.
func (s *Store) SetLastSeen(ctx context.Context, chatID, userID string, at time.Time) (time.Time, error) {
	stored, err := s.Store.SetLastSeen(ctx, chatID, userID, at)
	if err != nil {
		s.forget(chatID)
		return stored, err
	}
	s.update(chatID, func(c *chat.Chat) {
		for i := range c.Users {
			if c.Users[i].ID == userID {
				c.Users[i].LastSeen = stored
			}
		}
	})
	return stored, nil
}

// The writes below change what Chat returns in ways not worth mirroring:
// they drop the chat, whether they succeed or not.

func (s *Store) CreateChat(ctx context.Context, nc chat.NewChat) (chat.Chat, chat.Thread, error) {
	defer s.forget(nc.Chat.ID)
	return s.Store.CreateChat(ctx, nc)
}

func (s *Store) ActivateChat(ctx context.Context, chatID string, t chat.Thread, users []chat.User, events []chat.Event) (chat.Chat, chat.Thread, error) {
	defer s.forget(chatID)
	return s.Store.ActivateChat(ctx, chatID, t, users, events)
}

func (s *Store) CloseThread(ctx context.Context, chatID string, at time.Time, sys *chat.Event) (chat.Thread, *chat.Event, error) {
	defer s.forget(chatID)
	return s.Store.CloseThread(ctx, chatID, at, sys)
}

func (s *Store) UpdateChatProperties(ctx context.Context, chatID string, p chat.Properties) error {
	defer s.forget(chatID)
	return s.Store.UpdateChatProperties(ctx, chatID, p)
}

func (s *Store) DeleteChatProperties(ctx context.Context, chatID string, p chat.PropertyNames) error {
	defer s.forget(chatID)
	return s.Store.DeleteChatProperties(ctx, chatID, p)
}

func (s *Store) AddChatUser(ctx context.Context, chatID string, u chat.User) error {
	defer s.forget(chatID)
	return s.Store.AddChatUser(ctx, chatID, u)
}

func (s *Store) RemoveChatUser(ctx context.Context, chatID, userID string) error {
	defer s.forget(chatID)
	return s.Store.RemoveChatUser(ctx, chatID, userID)
}

func (s *Store) SetChatGroups(ctx context.Context, chatID string, groups []int) error {
	defer s.forget(chatID)
	return s.Store.SetChatGroups(ctx, chatID, groups)
}
