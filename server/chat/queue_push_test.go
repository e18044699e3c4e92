package chat_test

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// queuePushes returns the queue_position_updated pushes a customer got.
func queuePushes(e *env, customerID string) []chat.QueuePositionUpdated {
	return pushesTo[chat.QueuePositionUpdated](e.rec, customerID)
}

// TestQueuePositionPushes follows the places pushed to queued customers:
// one push when queued, one more each time a chat ahead leaves the queue
// (assigned or closed), none when a chat behind leaves; the wait is the
// default per place until a queued chat has been given out, then the
// median recent wait times the place.
func TestQueuePositionPushes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, time.Minute)
		a := e.agent("a@x", 1)
		e.connect(a)
		var ids []string
		for i := range 4 {
			time.Sleep(time.Second)
			ids = append(ids, e.startChat(fmt.Sprintf("customer-%d", i)))
		}
		synctest.Wait()
		e.wantAgents(ids[0], "a@x")
		if got := queuePushes(e, "customer-0"); len(got) != 0 {
			t.Errorf("assigned customer got %v", got)
		}
		for i := 1; i < 4; i++ {
			got := queuePushes(e, fmt.Sprintf("customer-%d", i))
			want := chat.QueuePositionUpdated{ChatID: ids[i], Position: i, Wait: time.Duration(i) * chat.DefaultQueueWait}
			if len(got) != 1 || got[0].ChatID != want.ChatID || got[0].Position != want.Position || got[0].Wait != want.Wait || got[0].ThreadID == "" {
				t.Errorf("customer-%d when queued: %+v, want one %+v", i, got, want)
			}
		}

		// The chat ahead closes: customer-1's chat is assigned after
		// waiting 10 s, the others move up.
		time.Sleep(10 * time.Second)
		_, err := e.svc.CloseThread(e.ctx, a, ids[0])
		e.must(err, "CloseThread")
		synctest.Wait()
		e.wantAgents(ids[1], "a@x")
		if got := queuePushes(e, "customer-1"); len(got) != 1 {
			t.Errorf("customer-1 after being assigned: %+v, want no new push", got)
		}
		// customer-1's chat was queued at 2 s and assigned at 14 s.
		const median = 12 * time.Second
		for i := 2; i < 4; i++ {
			got := queuePushes(e, fmt.Sprintf("customer-%d", i))
			if len(got) != 2 || got[1].Position != i-1 || got[1].Wait != time.Duration(i-1)*median {
				t.Errorf("customer-%d after the chat ahead was assigned: %+v, want a second push with place %d and wait %v",
					i, got, i-1, time.Duration(i-1)*median)
			}
		}

		// The last chat closes: nobody ahead of it moved, no push.
		_, err = e.svc.CloseThread(e.ctx, chat.Actor{LicenseID: license, UserID: "customer-3", Type: chat.UserCustomer}, ids[3])
		e.must(err, "CloseThread")
		synctest.Wait()
		if got := queuePushes(e, "customer-2"); len(got) != 2 {
			t.Errorf("customer-2 after a chat behind it closed: %+v, want no new push", got)
		}
	})
}

// A queued chat transferred to another group leaves the queue of its old
// group: the chats behind it there move up and are told; a chat that
// joins the queue moves nobody.
func TestQueuePositionsAfterTransfer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, time.Minute)
		e.must(e.store.PutGroup(e.ctx, chat.Group{LicenseID: license, ID: 1, Name: "Billing"}), "PutGroup")
		boss := e.agentAs(chat.RoleOwner, "boss@x", 1) // offline: takes no chat
		var ids []string
		for i := range 3 {
			time.Sleep(time.Second)
			ids = append(ids, e.startChat(fmt.Sprintf("customer-%d", i)))
		}
		synctest.Wait()
		for i := range 3 {
			if got := queuePushes(e, fmt.Sprintf("customer-%d", i)); len(got) != 1 || got[0].Position != i+1 {
				t.Fatalf("customer-%d when queued: %+v, want one push of place %d", i, got, i+1)
			}
		}
		e.must(e.svc.TransferChat(e.ctx, boss, ids[0], chat.TransferTarget{Type: chat.TransferToGroup, GroupID: 1}), "TransferChat")
		synctest.Wait()
		if got := queuePushes(e, "customer-0"); len(got) != 1 {
			t.Errorf("customer-0, first in its new group as in its old one: %+v, want no new push", got)
		}
		for i := 1; i < 3; i++ {
			if got := queuePushes(e, fmt.Sprintf("customer-%d", i)); len(got) != 2 || got[1].Position != i {
				t.Errorf("customer-%d after the chat ahead left the group: %+v, want a second push of place %d", i, got, i)
			}
		}
	})
}
