package chat_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// orgCountingStore counts the reads of licenses by organization.
type orgCountingStore struct {
	chat.Store
	reads atomic.Int64
}

func (s *orgCountingStore) LicenseByOrganization(ctx context.Context, id string) (chat.License, error) {
	s.reads.Add(1)
	return s.Store.LicenseByOrganization(ctx, id)
}

// TestLicenseByOrganization: the license of an organization id in either
// case, read once per StatusTTL; malformed ids are not found without a
// store read.
func TestLicenseByOrganization(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, 0)
		l, err := e.store.License(e.ctx, license)
		if err != nil {
			t.Fatal(err)
		}
		st := &orgCountingStore{Store: e.store}
		svc, err := chat.NewService(chat.Config{Store: st})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{l.OrganizationID, strings.ToUpper(l.OrganizationID), l.OrganizationID} {
			got, err := svc.LicenseByOrganization(e.ctx, id)
			if err != nil || got.ID != license {
				t.Fatalf("LicenseByOrganization(%q): %+v, %v", id, got, err)
			}
		}
		if n := st.reads.Load(); n != 1 {
			t.Errorf("3 lookups within StatusTTL read the store %d times, want 1", n)
		}
		time.Sleep(chat.StatusTTL)
		if _, err := svc.LicenseByOrganization(e.ctx, l.OrganizationID); err != nil {
			t.Fatal(err)
		}
		if n := st.reads.Load(); n != 2 {
			t.Errorf("after StatusTTL: %d store reads, want 2", n)
		}
		for _, bad := range []string{"", "123", "not-a-uuid", "{" + l.OrganizationID + "}", strings.ReplaceAll(l.OrganizationID, "-", "")} {
			if _, err := svc.LicenseByOrganization(e.ctx, bad); !errors.Is(err, chat.ErrNotFound) {
				t.Errorf("LicenseByOrganization(%q): %v, want ErrNotFound", bad, err)
			}
		}
		if n := st.reads.Load(); n != 2 {
			t.Errorf("malformed ids read the store: %d reads, want 2", n)
		}
		if _, err := svc.LicenseByOrganization(e.ctx, chat.NewOrganizationID()); !errors.Is(err, chat.ErrNotFound) {
			t.Errorf("unknown organization: %v, want ErrNotFound", err)
		}
	})
}

func TestParseOrganizationID(t *testing.T) {
	for in, want := range map[string]string{
		"3703f488-b666-43f4-905f-d9565461233e":          "3703f488-b666-43f4-905f-d9565461233e",
		"3703F488-B666-43F4-905F-D9565461233E":          "3703f488-b666-43f4-905f-d9565461233e",
		"3703f488b66643f4905fd9565461233e":              "",
		"urn:uuid:3703f488-b666-43f4-905f-d9565461233e": "",
		"3703f488-b666-43f4-905f-d9565461233g":          "",
		"":                                              "",
	} {
		got, err := chat.ParseOrganizationID(in)
		if want == "" {
			if !errors.Is(err, chat.ErrInvalid) {
				t.Errorf("ParseOrganizationID(%q) = %q, %v; want ErrInvalid", in, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseOrganizationID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if id := chat.NewOrganizationID(); len(id) != 36 || id[14] != '4' {
		t.Errorf("NewOrganizationID() = %q, want a version 4 UUID", id)
	}
}
