package customer

import (
	"context"
	"sync"
	"time"

	"github.com/parleychat/parley/protocol"
)

// sneakPeeks throttles SetSneakPeek per chat: at most one send per
// Config.SneakPeekInterval; within it, the last text wins and goes out when
// the interval ends.
type sneakPeeks struct {
	s       *SDK
	mu      sync.Mutex
	chats   map[string]*sneakChat
	stopped bool
	wg      sync.WaitGroup // sends and timers in flight
}

type sneakChat struct {
	last    time.Time
	pending *string
	timer   *time.Timer
}

func (sp *sneakPeeks) init(s *SDK) {
	sp.s = s
	sp.chats = map[string]*sneakChat{}
}

// SetSneakPeek tells the chat's agents what the customer is typing. It
// sends only while connected and while the chat is active (as far as the
// SDK knows: a chat it started, activated or saw active in a summary), at
// most once per Config.SneakPeekInterval (2 s) per chat; within that time
// the last text wins and is sent when the interval ends. It never blocks
// and reports no error, like the JS SDK's setSneakPeek.
func (s *SDK) SetSneakPeek(chatID, text string) {
	s.sneak.set(chatID, text)
}

func (sp *sneakPeeks) set(chatID, text string) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.stopped {
		return
	}
	c := sp.chats[chatID]
	if c == nil {
		c = &sneakChat{}
		sp.chats[chatID] = c
	}
	wait := sp.s.cfg.SneakPeekInterval - time.Since(c.last)
	if wait <= 0 && c.timer == nil {
		c.last = time.Now()
		sp.wg.Add(1)
		go func() {
			defer sp.wg.Done()
			sp.send(chatID, text)
		}()
		return
	}
	c.pending = &text
	if c.timer == nil {
		sp.wg.Add(1)
		c.timer = time.AfterFunc(max(wait, 0), func() {
			defer sp.wg.Done()
			sp.flush(chatID)
		})
	}
}

func (sp *sneakPeeks) flush(chatID string) {
	sp.mu.Lock()
	c := sp.chats[chatID]
	if sp.stopped || c == nil || c.pending == nil {
		if c != nil {
			c.timer = nil
		}
		sp.mu.Unlock()
		return
	}
	text := *c.pending
	c.pending, c.timer, c.last = nil, nil, time.Now()
	sp.mu.Unlock()
	sp.send(chatID, text)
}

func (sp *sneakPeeks) send(chatID, text string) {
	s := sp.s
	if !s.isActive(chatID) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := s.core.Engine.Send(ctx, protocol.ActionSendSneakPeek, protocol.SneakPeekRequest{ChatID: chatID, SneakPeekText: text})
	if err != nil {
		s.cfg.Logger.Debug("customer: sneak peek not sent", "chat", chatID, "err", err)
	}
}

// drop forgets a held-back sneak peek of the chat: once the customer's
// message is sent, what they were typing is no longer news.
func (sp *sneakPeeks) drop(chatID string) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if c := sp.chats[chatID]; c != nil {
		c.pending = nil
	}
}

// stop cancels pending sneak peeks and waits for sends in flight.
func (sp *sneakPeeks) stop() {
	sp.mu.Lock()
	sp.stopped = true
	for _, c := range sp.chats {
		if c.timer != nil && c.timer.Stop() {
			sp.wg.Done()
		}
	}
	sp.mu.Unlock()
	sp.wg.Wait()
}
