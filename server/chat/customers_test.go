package chat_test

import (
	"errors"
	"reflect"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// TestBan: a banned customer is disconnected, its active chats are closed
// and its logins are refused until the ban ends.
func TestBan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, 0)
		ag := e.agentAs(chat.RoleAdministrator, "a@x", 5)
		id := e.startChat("cu")
		e.rec.reset()

		e.must(e.svc.BanCustomer(e.ctx, ag, "cu", 1), "BanCustomer")
		disc := pushesTo[chat.Disconnect](e.rec, "cu")
		if len(disc) != 1 || disc[0].Reason != chat.ReasonCustomerBanned {
			t.Errorf("disconnect pushes to the customer: %+v, want one customer_banned", disc)
		}
		if closed := pushesTo[chat.ThreadClosed](e.rec, "cu"); len(closed) != 1 || closed[0].ChatID != id {
			t.Errorf("thread_closed pushes: %+v, want one for chat %s", closed, id)
		}
		c, err := e.store.Chat(e.ctx, id)
		e.must(err, "Chat")
		if c.Active {
			t.Error("the banned customer's chat is still active")
		}

		_, err = e.svc.LoginCustomer(e.ctx, license, "cu", chat.LoginInfo{})
		wantErr(t, err, chat.ErrBanned, "login while banned")
		time.Sleep(24*time.Hour - time.Second)
		_, err = e.svc.LoginCustomer(e.ctx, license, "cu", chat.LoginInfo{})
		wantErr(t, err, chat.ErrBanned, "login a second before the ban ends")
		time.Sleep(2 * time.Second)
		_, err = e.svc.LoginCustomer(e.ctx, license, "cu", chat.LoginInfo{})
		e.must(err, "login after the ban")
	})
}

// TestBanForGood: a ban of 0 days never ends; only agents ban, within the
// limits.
func TestBanForGood(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, 0)
		ag := e.agentAs(chat.RoleOwner, "a@x", 5)
		cu := e.customer("cu")
		e.must(e.svc.BanCustomer(e.ctx, ag, "cu", 0), "BanCustomer")
		time.Sleep(1000 * 24 * time.Hour)
		_, err := e.svc.LoginCustomer(e.ctx, license, "cu", chat.LoginInfo{})
		wantErr(t, err, chat.ErrBanned, "login 1000 days after a ban for good")

		e.customer("other")
		wantErr(t, e.svc.BanCustomer(e.ctx, cu, "other", 1), chat.ErrInvalid, "a customer bans")
		wantErr(t, e.svc.BanCustomer(e.ctx, ag, "other", -1), chat.ErrInvalid, "ban for -1 days")
		wantErr(t, e.svc.BanCustomer(e.ctx, ag, "other", chat.MaxBanDays+1), chat.ErrInvalid, "ban too long")
		wantErr(t, e.svc.BanCustomer(e.ctx, ag, "nobody", 1), chat.ErrNotFound, "ban an unknown customer")
	})
}

// TestUpdateCustomer: a customer's update reaches it and the agents of its
// active chats.
func TestUpdateCustomer(t *testing.T) {
	e := newEnv(t, 0)
	ag := e.agent("a@x", 5)
	e.connect(ag)
	e.startChat("cu")
	cu := chat.Actor{LicenseID: license, UserID: "cu", Type: chat.UserCustomer}
	name := "Ann"
	got, err := e.svc.UpdateCustomer(e.ctx, cu, chat.CustomerUpdate{Name: &name})
	e.must(err, "UpdateCustomer")
	if got.Name != name {
		t.Errorf("UpdateCustomer: name %q, want %q", got.Name, name)
	}
	for _, id := range []string{"cu", "a@x"} {
		if n := len(pushesTo[chat.CustomerUpdated](e.rec, id)); n != 1 {
			t.Errorf("customer_updated pushes to %s: %d, want 1", id, n)
		}
	}
}

// CustomerOverview gives the chats CustomerChats gives and the counts Self
// gives.
func TestCustomerOverview(t *testing.T) {
	e := newEnv(t, 0)
	cu := e.customer("cu")
	for i := range chat.MaxChatsSummary + 1 {
		c, _, err := e.svc.StartChat(e.ctx, cu, chat.StartChat{Events: []chat.Event{message("hello")}})
		e.must(err, "StartChat")
		_, err = e.svc.CloseThread(e.ctx, cu, c.ID)
		e.must(err, "CloseThread")
		if i == 0 {
			_, _, err = e.svc.ActivateChat(e.ctx, cu, c.ID, chat.StartChat{Events: []chat.Event{message("again")}})
			e.must(err, "ActivateChat")
		}
	}
	chats, st, err := e.svc.CustomerOverview(e.ctx, cu)
	e.must(err, "CustomerOverview")
	want, err := e.svc.CustomerChats(e.ctx, cu)
	e.must(err, "CustomerChats")
	_, wantSt, err := e.svc.Self(e.ctx, cu)
	e.must(err, "Self")
	if !reflect.DeepEqual(chats, want) || len(chats) != chat.MaxChatsSummary {
		t.Errorf("CustomerOverview gave %d chats, CustomerChats %d, want the same %d", len(chats), len(want), chat.MaxChatsSummary)
	}
	if st != wantSt || st != (chat.CustomerStats{Chats: chat.MaxChatsSummary + 1, Threads: chat.MaxChatsSummary + 2}) {
		t.Errorf("CustomerOverview counts %+v, Self %+v", st, wantSt)
	}
	if _, _, err := e.svc.CustomerOverview(e.ctx, e.agent("ag", 1)); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("CustomerOverview of an agent: %v, want ErrInvalid", err)
	}
}
