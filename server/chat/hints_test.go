package chat_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// countingStore counts the reads of licenses and groups.
type countingStore struct {
	chat.Store
	licenses, groups atomic.Int64
}

func (s *countingStore) License(ctx context.Context, id int) (chat.License, error) {
	s.licenses.Add(1)
	return s.Store.License(ctx, id)
}

func (s *countingStore) Groups(ctx context.Context, licenseID int) ([]chat.Group, error) {
	s.groups.Add(1)
	return s.Store.Groups(ctx, licenseID)
}

// TestLoginReusesLicenseAndGroups: logins within chat.StatusTTL read the
// license and its groups once; one after it reads them again.
func TestLoginReusesLicenseAndGroups(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, 0)
		st := &countingStore{Store: e.store}
		svc, err := chat.NewService(chat.Config{Store: st})
		if err != nil {
			t.Fatal(err)
		}
		login := func() {
			t.Helper()
			if _, err := svc.LoginCustomer(e.ctx, license, "c1", chat.LoginInfo{}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.GroupsStatus(e.ctx, chat.Actor{Type: chat.UserCustomer, LicenseID: license, UserID: "c1"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		for range 3 {
			login()
		}
		if l, g := st.licenses.Load(), st.groups.Load(); l != 1 || g != 1 {
			t.Errorf("3 logins within StatusTTL read the license %d times and the groups %d times; want 1 and 1", l, g)
		}
		time.Sleep(chat.StatusTTL)
		login()
		if l, g := st.licenses.Load(), st.groups.Load(); l != 2 || g != 2 {
			t.Errorf("after StatusTTL: the license read %d times, the groups %d times; want 2 and 2", l, g)
		}
		if _, err := svc.LoginCustomer(e.ctx, 999, "c2", chat.LoginInfo{}); err == nil {
			t.Error("a login to a license that does not exist succeeded")
		}
	})
}
