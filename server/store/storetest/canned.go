package storetest

import (
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

func testCannedResponses(t *testing.T, mk func(*testing.T) *env) {
	t.Run("CreateListUpdateDelete", func(t *testing.T) {
		e := mk(t)
		put := func(r chat.CannedResponse) chat.CannedResponse {
			t.Helper()
			got, err := e.s.PutCannedResponse(e.ctx, r)
			e.must(err, "PutCannedResponse")
			return got
		}
		ship := put(chat.CannedResponse{LicenseID: license, Shortcut: "shipping", Text: "We ship in 2 days 📦", CreatedBy: agent, UpdatedAt: base})
		hi := put(chat.CannedResponse{LicenseID: license, Shortcut: "hello", Text: "Hello!", CreatedBy: agent2, UpdatedAt: base})
		other := put(chat.CannedResponse{LicenseID: 2, Shortcut: "shipping", Text: "Other license", CreatedBy: agent, UpdatedAt: base})
		if ship.ID == 0 || hi.ID == 0 || ship.ID == hi.ID || other.ID == 0 {
			t.Fatalf("ids: %d, %d, %d: want distinct and not 0", ship.ID, hi.ID, other.ID)
		}
		rs, err := e.s.CannedResponses(e.ctx, license)
		e.must(err, "CannedResponses")
		if len(rs) != 2 || rs[0] != hi || rs[1] != ship {
			t.Fatalf("CannedResponses: got %+v, want hello then shipping", rs)
		}
		// Replacing keeps the author and the id.
		later := base.Add(time.Hour)
		upd := put(chat.CannedResponse{LicenseID: license, ID: ship.ID, Shortcut: "ship", Text: "Two days.", UpdatedAt: later})
		want := chat.CannedResponse{LicenseID: license, ID: ship.ID, Shortcut: "ship", Text: "Two days.", CreatedBy: agent, UpdatedAt: later}
		if upd != want {
			t.Errorf("PutCannedResponse (update): got %+v, want %+v", upd, want)
		}
		rs, err = e.s.CannedResponses(e.ctx, license)
		e.must(err, "CannedResponses")
		if len(rs) != 2 || rs[1] != want {
			t.Errorf("CannedResponses after the update: got %+v, want %+v second", rs, want)
		}
		e.must(e.s.DeleteCannedResponse(e.ctx, license, hi.ID), "DeleteCannedResponse")
		wantErr(t, e.s.DeleteCannedResponse(e.ctx, license, hi.ID), chat.ErrNotFound, "DeleteCannedResponse again")
		wantErr(t, e.s.DeleteCannedResponse(e.ctx, license, other.ID), chat.ErrNotFound, "DeleteCannedResponse of another license")
		rs, err = e.s.CannedResponses(e.ctx, 2)
		e.must(err, "CannedResponses of license 2")
		if len(rs) != 1 || rs[0] != other {
			t.Errorf("CannedResponses of license 2: got %+v, want %+v", rs, other)
		}
	})
	t.Run("UniqueShortcut", func(t *testing.T) {
		e := mk(t)
		a, err := e.s.PutCannedResponse(e.ctx, chat.CannedResponse{LicenseID: license, Shortcut: "a", Text: "A"})
		e.must(err, "PutCannedResponse a")
		b, err := e.s.PutCannedResponse(e.ctx, chat.CannedResponse{LicenseID: license, Shortcut: "b", Text: "B"})
		e.must(err, "PutCannedResponse b")
		_, err = e.s.PutCannedResponse(e.ctx, chat.CannedResponse{LicenseID: license, Shortcut: "a", Text: "again"})
		wantErr(t, err, chat.ErrExists, "PutCannedResponse with a taken shortcut")
		_, err = e.s.PutCannedResponse(e.ctx, chat.CannedResponse{LicenseID: license, ID: b.ID, Shortcut: "a", Text: "B"})
		wantErr(t, err, chat.ErrExists, "renaming to a taken shortcut")
		_, err = e.s.PutCannedResponse(e.ctx, chat.CannedResponse{LicenseID: 2, ID: a.ID, Shortcut: "z", Text: "Z"})
		wantErr(t, err, chat.ErrNotFound, "updating another license's response")
		rs, err := e.s.CannedResponses(e.ctx, license)
		e.must(err, "CannedResponses")
		if len(rs) != 2 || rs[0] != a || rs[1] != b {
			t.Errorf("CannedResponses: got %+v, want a and b unchanged", rs)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		e := mk(t)
		rs, err := e.s.CannedResponses(e.ctx, 404)
		e.must(err, "CannedResponses(404)")
		if rs == nil || len(rs) != 0 {
			t.Errorf("CannedResponses(404): got %#v, want empty, not nil", rs)
		}
	})
}
