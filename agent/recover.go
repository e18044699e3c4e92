package agent

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/parleychat/parley/internal/client"
	"github.com/parleychat/parley/internal/rtm"
	"github.com/parleychat/parley/protocol"
)

// After a reconnect the client delivers what it missed while away. It
// pages through list_chats, most recently active first, down to the first
// chat whose last activity is older than anything it had seen (chats are
// ordered by the server's clock, and so is what it had seen, so nothing
// newer lies further down). Of those chats, the ones the agent hears of
// (it is in them, or they wait in the queue of one of its groups), it
// delivers in store order the events after the last one it knew of: new
// threads as IncomingChat, events of a thread it knew as IncomingEvent; a
// chat it knew nothing of, if active, as IncomingChat with its last
// thread. Pushes that arrive meanwhile are held and then delivered unless
// recovery delivered them: nothing twice.

const (
	// recoverPage is the page size of list_chats during login and
	// recovery (the server's limit is at least 25).
	recoverPage = 25
	// recoverMaxPages bounds how far recovery reads.
	recoverMaxPages = 40
)

// known records chats as they are now, without delivering anything.
func (c *Client) known(sums ...protocol.AgentChatSummary) {
	for _, s := range sums {
		c.track.Raise(s.ID, c.latest(s))
		c.track.See(s.Order)
	}
}

// latest returns the position of a summary's newest event and notes the
// threads it names.
func (c *Client) latest(s protocol.AgentChatSummary) client.Mark {
	if lt := s.LastThreadSummary; lt != nil {
		c.track.NoteThread(lt.ID, lt.Order)
	}
	return c.track.Latest(s.LastEventPerType)
}

// advance records that the chat's event e is being delivered; it reports
// false when e is not newer than what was (a duplicate).
func (c *Client) advance(chatID string, e Event) bool {
	return c.track.Advance(chatID, e.Thread, e.order, e.Timestamp.Unix())
}

// thread records a thread being delivered with its events (IncomingChat)
// and returns its signature: who is in the chat and the thread's last
// event. The same thread is delivered again when it brings news (a queued
// chat routed to the agent, a chat transferred back to it); only a push
// that repeats what recovery has just delivered, with the same signature,
// is a duplicate.
func (c *Client) thread(ch Chat) (signature string) {
	th := ch.Thread
	c.track.NoteThread(th.ID, th.Order)
	m := client.Mark{Thread: th.Order}
	for _, e := range th.Events {
		m.Event = max(m.Event, e.order)
		c.track.See(e.Timestamp.Unix())
	}
	if th.Order > 0 {
		c.track.Raise(ch.ID, m)
	}
	var members []string
	for _, u := range ch.Users {
		if u.Present {
			members = append(members, u.ID)
		}
	}
	slices.Sort(members)
	return th.ID + "\x00" + strings.Join(members, "\x00") + "\x00" + strconv.Itoa(m.Event)
}

// recover returns, as notifications in store order, what happened in the
// agent's chats while the client was away (see the top of this file). It
// notes them delivered; on error it leaves the tracker as it was.
func (c *Client) recover(ctx context.Context, sess *rtm.Session, first protocol.ListChatsResponse) (_ []Notification, err error) {
	before := c.track.Snapshot()
	defer func() {
		if err != nil {
			c.track.Restore(before)
		}
	}()
	seen := c.track.Seen()
	me := c.MyProfile()

	var out []Notification
	page, offset := first, 0
	for n := 0; ; n++ {
		older := false
		for _, s := range page.ChatsSummary {
			if s.Order < seen {
				older = true
				break
			}
			ns, err := c.recoverChat(ctx, sess, s, me)
			if err != nil {
				return nil, err
			}
			out = append(out, ns...)
			c.known(s)
		}
		offset += len(page.ChatsSummary)
		if older || len(page.ChatsSummary) < recoverPage || offset >= page.TotalChats || n+1 >= recoverMaxPages {
			break
		}
		page = protocol.ListChatsResponse{}
		f, err := sess.Call(ctx, protocol.ActionListChats, listChatsRequest(offset, recoverPage, nil), rtm.CallOptions{})
		if err != nil {
			return nil, errs.Wrap(err)
		}
		if err := json.Unmarshal(f.Payload, &page); err != nil {
			return nil, err
		}
	}
	c.known(first.ChatsSummary...) // the rest of the first page
	return out, nil
}

func (c *Client) recoverChat(ctx context.Context, sess *rtm.Session, s protocol.AgentChatSummary, me Agent) ([]Notification, error) {
	latest := c.latest(s)
	from, known := c.track.Last(s.ID)
	switch {
	case !ours(s, me):
		return nil, nil
	case known && from.Before(latest):
		return c.missed(ctx, sess, s.ID, from)
	case !known && s.Active:
		f, err := sess.Call(ctx, protocol.ActionGetChat, protocol.ChatRequest{ChatID: s.ID}, rtm.CallOptions{})
		if err != nil {
			return nil, errs.Wrap(err)
		}
		var r protocol.ChatThreadsResponse
		if err := json.Unmarshal(f.Payload, &r); err != nil {
			return nil, err
		}
		ch := fromChatThreads(r.Chat)
		if ch.Thread.ID == "" {
			return nil, nil
		}
		c.thread(ch)
		return []Notification{IncomingChat{Chat: ch}}, nil
	}
	return nil, nil
}

// ours reports whether the agent hears of a chat's events: it is in the
// chat, or no agent is and the chat is in one of the agent's groups (a
// queued chat).
func ours(s protocol.AgentChatSummary, me Agent) bool {
	served := false
	for _, u := range s.Users {
		if u.Type == string(AgentUser) && u.Present {
			if u.ID == me.ID {
				return true
			}
			served = true
		}
	}
	if served {
		return false
	}
	groups := []int{0}
	if s.Access != nil && len(s.Access.GroupIDs) > 0 {
		groups = s.Access.GroupIDs
	}
	mine := me.Groups
	if len(mine) == 0 {
		mine = []int{0}
	}
	return slices.ContainsFunc(groups, func(g int) bool { return slices.Contains(mine, g) })
}

// missed loads a chat's events after from: a thread newer than from's as
// IncomingChat, the rest as IncomingEvent.
func (c *Client) missed(ctx context.Context, sess *rtm.Session, chatID string, from client.Mark) ([]Notification, error) {
	chat, err := c.track.Missed(ctx, sess, &errs, chatID, from)
	if err != nil {
		return nil, err
	}
	var out []Notification
	for _, th := range chat.Threads {
		if th.Order > from.Thread {
			one := chat
			one.Threads = []protocol.Thread{th}
			ch := fromChatThreads(one)
			c.thread(ch)
			out = append(out, IncomingChat{Chat: ch})
			continue
		}
		for _, e := range fromThread(th, chatID).Events {
			if from.Before(client.Mark{Thread: th.Order, Event: e.order}) && c.advance(chatID, e) {
				out = append(out, IncomingEvent{Chat: chatID, Event: e})
			}
		}
	}
	return out, nil
}
