package chat

import (
	"context"
	"slices"
	"sync"
	"time"
)

// This file tells queued customers their place in the queue: a
// queue_position_updated push when a chat is queued and whenever its place
// changes (a chat ahead of it was assigned, closed or taken by hand).
//
// The process that changes the queue marks the chat's license; a
// background loop (started by StartRouting) then reads the license's
// queued chats from the Store, takes each chat's lock in turn, asks the
// Router for its place and notifies its customer. A chat that joins the
// queue comes last and moves no other: in one process (no ChatLocker)
// only that chat is marked, and only its customer is told a place. In a
// cluster the license is marked all the same: another process's clock
// may have queued a chat after it. The place is read from
// the Router the processes share (store/postgres.Router in a cluster)
// under the chat's lock, which the ChatLocker makes the cluster's: the
// pushes of one chat are made one at a time, each from a queue at least as
// new as the one before, so no process pushes a place older than one
// already pushed. A process remembers the place it pushed last for each
// chat and does not repeat it; with a ChatLocker (a cluster), where
// another process may have pushed since, it pushes every place it reads:
// a repeat is harmless, a skipped change is not.
//
// The wait is an estimate: the median of the recent waits of the chat's
// groups (the time from queueing to assignment of the last
// queueWaitSamples chats this process gave out of the queue) times the
// position; with no sample yet, DefaultQueueWait times the position.

// DefaultQueueWait is the wait per place in the queue that the estimate
// uses while a group has no recent wait.
const DefaultQueueWait = time.Minute

// queueWaitSamples is how many recent waits are kept per group.
const queueWaitSamples = 20

// maxQueuePushes bounds the queued chats of a license told their place
// after one change: the first ones in store order (oldest activity
// first). The others are told at a later change.
const maxQueuePushes = 500

// queueWatch holds the licenses whose queue changed, the chats that
// joined a queue at its end, the places pushed last and the recent waits.
type queueWatch struct {
	mu     sync.Mutex
	dirty  map[int]bool
	joined map[string]int // chat id: license id
	pushed map[string]int
	waits  map[[2]int][]time.Duration
	wake   chan struct{}
}

func newQueueWatch() *queueWatch {
	return &queueWatch{dirty: map[int]bool{}, joined: map[string]int{}, pushed: map[string]int{},
		waits: map[[2]int][]time.Duration{}, wake: make(chan struct{}, 1)}
}

// queueChanged marks a license whose queue changed: its queued customers
// are told their places by the queue loop.
func (s *Service) queueChanged(licenseID int) {
	q := s.queue
	q.mu.Lock()
	q.dirty[licenseID] = true
	q.mu.Unlock()
	q.signal()
}

// joinedQueue records that c, which did not wait, has been queued. In one
// process it came last and moved no other chat: the queue loop tells its
// customer its place alone. In a cluster its license is marked (see the
// top of this file).
func (s *Service) joinedQueue(c Chat) {
	if s.chatLocker != nil {
		s.queueChanged(c.LicenseID)
		return
	}
	q := s.queue
	q.mu.Lock()
	q.joined[c.ID] = c.LicenseID
	q.mu.Unlock()
	q.signal()
}

// signal wakes the queue loop.
func (q *queueWatch) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// recordWait keeps the wait of a chat given out of the queue, for the
// estimate of its groups. (leftQueue forgets the chat's place.)
func (s *Service) recordWait(c Chat, wait time.Duration) {
	q := s.queue
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, g := range chatGroups(c) {
		k := [2]int{c.LicenseID, g}
		w := append(q.waits[k], wait)
		if len(w) > queueWaitSamples {
			w = w[len(w)-queueWaitSamples:]
		}
		q.waits[k] = w
	}
}

// estimateWait is the wait of a chat at a position: the median recent wait
// of its groups times the position.
func (s *Service) estimateWait(c Chat, position int) time.Duration {
	q := s.queue
	q.mu.Lock()
	var all []time.Duration
	for _, g := range chatGroups(c) {
		all = append(all, q.waits[[2]int{c.LicenseID, g}]...)
	}
	q.mu.Unlock()
	per := DefaultQueueWait
	if len(all) > 0 {
		slices.Sort(all)
		per = all[len(all)/2]
	}
	return per * time.Duration(position)
}

// queueLoop tells the queued customers of the licenses marked by
// queueChanged their places, until stop closes.
func (s *Service) queueLoop(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-s.queue.wake:
		}
		q := s.queue
		q.mu.Lock()
		licenses := make([]int, 0, len(q.dirty))
		for id := range q.dirty {
			licenses = append(licenses, id)
		}
		var joined []string // of licenses not told in full
		for id, license := range q.joined {
			if !q.dirty[license] {
				joined = append(joined, id)
			}
		}
		clear(q.dirty)
		clear(q.joined)
		q.mu.Unlock()
		for _, id := range licenses {
			s.pushQueuePositions(context.Background(), id)
		}
		for _, id := range joined {
			s.pushQueuePosition(context.Background(), id, false)
		}
	}
}

// pushQueuePositions tells each queued chat's customer of a license its
// place. The caller holds no chat lock.
func (s *Service) pushQueuePositions(ctx context.Context, licenseID int) {
	chats, _, err := s.store.Chats(ctx, ChatFilter{LicenseID: licenseID, Queued: true}, 0, maxQueuePushes)
	if err != nil {
		s.log.Error("queued chats", "license", licenseID, "err", err)
		return
	}
	for _, listed := range chats {
		s.pushQueuePosition(ctx, listed.ID, false)
	}
}

// TellQueuePlaces tells a customer who has just logged in the places of
// its queued chats (of chats, the chats the login read), even where
// they did not change: a new connection has not heard them. Call it once
// the login is answered.
func (s *Service) TellQueuePlaces(ctx context.Context, chats []Chat) {
	for _, c := range chats {
		if c.Active && !hasPresentAgent(c) {
			s.pushQueuePosition(ctx, c.ID, true)
		}
	}
}

// pushQueuePosition tells a queued chat's customers its place, under the
// chat's lock; unless again, not when it is the place this process pushed
// last.
func (s *Service) pushQueuePosition(ctx context.Context, chatID string, again bool) {
	unlock, err := s.lock(ctx, chatID)
	if err != nil {
		s.log.Error("lock queued chat", "chat_id", chatID, "err", err)
		return
	}
	defer unlock()
	c, err := s.store.Chat(ctx, chatID)
	if err != nil || !c.Active || hasPresentAgent(c) {
		s.forgetQueued(chatID)
		return
	}
	info, err := s.router.QueuePosition(ctx, c)
	if err != nil {
		s.log.Error("queue position", "chat_id", chatID, "err", err)
		return
	}
	q := s.queue
	q.mu.Lock()
	same := q.pushed[c.ID] == info.Position && s.chatLocker == nil && !again
	q.pushed[c.ID] = info.Position
	q.mu.Unlock()
	if same {
		return
	}
	var to []Recipient
	for _, r := range recipients(c) {
		if r.Type == UserCustomer {
			to = append(to, r)
		}
	}
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: to,
		Push: QueuePositionUpdated{ChatID: c.ID, ThreadID: c.LastThreadID, Position: info.Position, Wait: s.estimateWait(c, info.Position)}})
}

// forgetQueued drops what the process remembers of a chat that left the
// queue.
func (s *Service) forgetQueued(chatID string) {
	s.queue.mu.Lock()
	delete(s.queue.pushed, chatID)
	s.queue.mu.Unlock()
}

// leftQueue records that c, a queued chat, left the queue: the chats
// behind it are told their new places.
func (s *Service) leftQueue(c Chat) {
	s.forgetQueued(c.ID)
	s.queueChanged(c.LicenseID)
}
