package chat

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// This file holds the Service's side of routing: what happens around the
// Router's decisions (who is told, which chats are routed again). See
// doc.go for the rules of routing.

// StartRouting starts the Router (Router.Start) and the background work of
// routing: grace periods and retries of the queue, which also pick up
// changes made by other processes (parley agent add). Call StopRouting to
// end it.
func (s *Service) StartRouting(ctx context.Context) error {
	if err := s.router.Start(ctx); err != nil {
		return err
	}
	done := make(chan struct{})
	s.loopMu.Lock()
	s.loopDone = done
	s.loopMu.Unlock()
	tick := min(s.grace/4, time.Second)
	tick = max(tick, 10*time.Millisecond)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		wg.Wait()
		close(done)
	}()
	go func() {
		defer wg.Done()
		s.queueLoop(s.loopStop)
	}()
	go func() {
		defer wg.Done()
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-s.loopStop:
				return
			case <-t.C:
				s.routingTick(context.Background())
			}
		}
	}()
	return nil
}

// StopRouting ends the background work StartRouting started and waits
// for it; it also cuts the mails under way (offline.go) and waits for
// them, and no mail is sent after it.
func (s *Service) StopRouting() {
	s.stopOnce.Do(func() { close(s.loopStop) })
	s.mailings.stop()
	s.loopMu.Lock()
	done := s.loopDone
	s.loopMu.Unlock()
	if done != nil {
		<-done
	}
}

// routingTick sets offline the agents whose grace period is over, routes
// their chats again and retries the queue.
func (s *Service) routingTick(ctx context.Context) {
	expired, err := s.router.ExpireGrace(ctx)
	if err != nil {
		s.log.Error("expire grace periods", "err", err)
	}
	for _, k := range expired {
		s.announceStatus(ctx, k.LicenseID, k.ID, Offline)
		s.unassign(ctx, k.LicenseID, k.ID)
	}
	s.drain(ctx)
}

// AgentConnected records a logged-in connection of an agent. An offline
// agent becomes accepting_chats, or not_accepting_chats if that is what it
// chose last. It returns the agent's status and a function to call once
// the login has been answered: it tells the license's agents about a
// changed status and gives the agent the chats waiting for it.
func (s *Service) AgentConnected(licenseID int, agentID string) (RoutingStatus, func(context.Context)) {
	status, changed, err := s.router.Connect(context.Background(), licenseID, agentID)
	if err != nil {
		s.log.Error("agent connected", "agent", agentID, "err", err)
	}
	return status, func(ctx context.Context) {
		if changed {
			s.announceStatus(ctx, licenseID, agentID, status)
		}
		if status == Accepting {
			s.drain(ctx)
		}
	}
}

// AgentDisconnected records that a logged-in connection of an agent ended.
// When it was the last one the grace period starts.
func (s *Service) AgentDisconnected(licenseID int, agentID string) {
	if err := s.router.Disconnect(context.Background(), licenseID, agentID); err != nil {
		s.log.Error("agent disconnected", "agent", agentID, "err", err)
	}
}

// RoutingStatus returns an agent's routing status.
func (s *Service) RoutingStatus(licenseID int, agentID string) RoutingStatus {
	st, err := s.router.Status(context.Background(), licenseID, agentID)
	if err != nil {
		s.log.Error("routing status", "agent", agentID, "err", err)
		return Offline
	}
	return st
}

// agentOnline reports whether an agent's status is not offline (it may be
// reconnecting within its grace period).
func (s *Service) agentOnline(licenseID int, agentID string) bool {
	return s.RoutingStatus(licenseID, agentID) != Offline
}

// SetRoutingStatus sets the actor's routing status and tells every agent
// of the license. Going offline gives the agent's active chats back to
// routing; starting to accept takes chats from the queue.
func (s *Service) SetRoutingStatus(ctx context.Context, a Actor, status RoutingStatus) error {
	if a.Type != UserAgent {
		return invalid("only agents have a routing status")
	}
	if !status.Valid() {
		return invalid("status must be accepting_chats, not_accepting_chats or offline")
	}
	old, err := s.router.SetStatus(ctx, a.LicenseID, a.UserID, status)
	if err != nil {
		return err
	}
	s.announceStatus(ctx, a.LicenseID, a.UserID, status)
	switch {
	case status == Offline && old != Offline:
		s.unassign(ctx, a.LicenseID, a.UserID)
	case status == Accepting:
		s.drain(ctx)
	}
	return nil
}

func (s *Service) announceStatus(ctx context.Context, licenseID int, agentID string, status RoutingStatus) {
	s.notifier.Notify(ctx, Notification{LicenseID: licenseID, AllAgents: true,
		Push: RoutingStatusSet{AgentID: agentID, Status: status}})
}

// dequeue takes c out of the queue (c as read before the change that
// takes it out). When c was queued, the chats behind it are told their
// new places.
func (s *Service) dequeue(ctx context.Context, c Chat) {
	if err := s.router.Dequeue(ctx, c.ID); err != nil {
		s.log.Error("dequeue chat", "chat_id", c.ID, "err", err)
	}
	if c.Active && !hasPresentAgent(c) {
		s.leftQueue(c)
	}
}

// route gives c, an active chat without a present agent, to an available
// agent of its groups (not one of exclude), who joins it; or queues it.
// waiting says whether c waited in the queue already. The caller holds the
// chat's lock and tells about the assignment (notifyAssigned). ok is false
// when the chat was queued, or on error: ErrHasAgent when another process
// gave the chat an agent since c was read, which is no failure.
func (s *Service) route(ctx context.Context, c Chat, waiting bool, exclude ...string) (Agent, bool, error) {
	ag, ok, err := s.router.Assign(ctx, c, exclude)
	if err != nil && !errors.Is(err, ErrHasAgent) {
		s.log.Error("route chat", "chat_id", c.ID, "err", err)
	}
	if !ok && err == nil {
		// Queued: its customer is told its place. A chat that waited
		// kept its place, but its groups, and so the places of others,
		// may have changed.
		if waiting {
			s.queueChanged(c.LicenseID)
		} else {
			s.joinedQueue(c)
		}
	}
	return ag, ok, err
}

// notifyAssigned tells about an agent routing made join a chat: the
// chat's other members (and, when the chat was queued, the other agents of
// its groups) get chat_user_added, the agent incoming_chat_thread. The
// caller holds the chat's lock.
func (s *Service) notifyAssigned(ctx context.Context, chatID string, ag Agent, wasQueued bool, before Chat) {
	c, err := s.store.Chat(ctx, chatID)
	if err != nil {
		s.log.Error("load routed chat", "chat_id", chatID, "err", err)
		return
	}
	members, err := s.Members(ctx, c)
	if err != nil {
		s.log.Error("load chat members", "chat_id", chatID, "err", err)
		return
	}
	var m Member
	for _, x := range members {
		if x.ID == ag.ID {
			m = x
		}
	}
	to := recipients(c)
	if wasQueued {
		to = merge(to, s.audience(ctx, before))
	}
	to = slices.DeleteFunc(to, func(r Recipient) bool { return r.ID == ag.ID && r.Type == UserAgent })
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: to,
		Push: UserAdded{ChatID: c.ID, ThreadID: c.LastThreadID, Member: m}})
	th, err := s.recentThread(ctx, c.ID, c.LastThreadID)
	if err != nil {
		s.log.Error("load routed thread", "chat_id", chatID, "err", err)
		return
	}
	to = []Recipient{{ID: ag.ID, Type: UserAgent}}
	s.notifier.Notify(ctx, Notification{LicenseID: c.LicenseID, Recipients: to,
		Push: IncomingChatThread{Chat: c, Members: members, Thread: th},
		Seq:  Seq{Kind: SeqSnapshot, ChatID: c.ID, Thread: th.Order, Event: lastOrder(th), Members: to}})
}

// routeAndNotify routes c, a chat that has just lost its agents, and
// tells about the assignment. The caller holds the chat's lock.
func (s *Service) routeAndNotify(ctx context.Context, c Chat, exclude ...string) {
	if !c.Active || hasPresentAgent(c) {
		s.dequeue(ctx, c)
		return
	}
	if ag, ok, _ := s.route(ctx, c, false, exclude...); ok {
		s.notifyAssigned(ctx, c.ID, ag, true, c)
	}
}

// maxDrain bounds one drain; the periodic retry goes on from there.
const maxDrain = 10000

// drain gives queued chats, oldest first, to the agents who can take them.
// The caller holds no chat lock.
func (s *Service) drain(ctx context.Context) {
	for range maxDrain {
		id, ok, err := s.router.NextQueued(ctx)
		if err != nil {
			s.log.Error("drain the queue", "err", err)
		}
		if !ok || !s.assignQueued(ctx, id) {
			return
		}
	}
}

// assignQueued routes a queued chat. It returns false when the chat is
// still waiting (nobody could take it after all, or routing failed).
func (s *Service) assignQueued(ctx context.Context, chatID string) bool {
	unlock, err := s.lock(ctx, chatID)
	if err != nil {
		s.log.Error("lock queued chat", "chat_id", chatID, "err", err)
		return false
	}
	defer unlock()
	c, err := s.store.Chat(ctx, chatID)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			s.log.Error("load queued chat", "chat_id", chatID, "err", err)
			return false
		}
		if err := s.router.Dequeue(ctx, chatID); err != nil {
			s.log.Error("dequeue chat", "chat_id", chatID, "err", err)
		}
		s.forgetQueued(chatID)
		return true
	}
	if !c.Active || hasPresentAgent(c) {
		s.dequeue(ctx, c)
		return true
	}
	// Its queued time (for the wait estimate) is read before Assign takes
	// it out of the queue.
	q, qerr := s.router.QueuePosition(ctx, c)
	ag, ok, err := s.route(ctx, c, true)
	if errors.Is(err, ErrHasAgent) {
		// Another process took it out of the queue.
		s.leftQueue(c)
		return true
	}
	if !ok {
		return false
	}
	if qerr == nil {
		s.recordWait(c, s.now().Sub(q.QueuedAt))
	}
	s.leftQueue(c)
	s.notifyAssigned(ctx, c.ID, ag, true, c)
	return true
}

// unassign takes an offline agent out of its active chats and routes
// them again.
func (s *Service) unassign(ctx context.Context, licenseID int, agentID string) {
	chats, _, err := s.store.Chats(ctx, ChatFilter{LicenseID: licenseID, MemberID: agentID, Active: true}, 0, 0)
	if err != nil {
		s.log.Error("chats of an offline agent", "agent", agentID, "err", err)
		return
	}
	for _, listed := range chats {
		func() {
			unlock, err := s.lock(ctx, listed.ID)
			if err != nil {
				s.log.Error("lock chat of an offline agent", "chat_id", listed.ID, "err", err)
				return
			}
			defer unlock()
			c, err := s.store.Chat(ctx, listed.ID)
			if err != nil {
				s.log.Error("load chat of an offline agent", "chat_id", listed.ID, "err", err)
				return
			}
			if !isPresent(c, agentID) || !c.Active {
				return
			}
			if _, err := s.removeAgentLocked(ctx, Origin{}, c, agentID); err != nil {
				s.log.Error("remove an offline agent", "chat_id", c.ID, "agent", agentID, "err", err)
			}
		}()
	}
	s.drain(ctx)
}
