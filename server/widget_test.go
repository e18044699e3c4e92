package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server/chat"
)

// The widget's greeting.json says a group's greeting, "" for a group or
// license that is unknown or has none.
func TestWidgetGreeting(t *testing.T) {
	srv := parleytest.NewServer(t)
	if err := srv.Store().PutGroup(context.Background(), chat.Group{LicenseID: srv.License, ID: 4, Name: "Sales", Greeting: "Hola"}); err != nil {
		t.Fatal(err)
	}
	greeting := func(license, group int) string {
		t.Helper()
		res, err := http.Get(srv.URL + "/widget/greeting.json?license_id=" + strconv.Itoa(license) + "&group_id=" + strconv.Itoa(group))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body struct{ Greeting *string }
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK || body.Greeting == nil {
			t.Fatalf("license %d, group %d: %s, %v", license, group, res.Status, err)
		}
		return *body.Greeting
	}
	for _, tc := range []struct {
		license, group int
		want           string
	}{
		{srv.License, 4, "Hola"},
		{srv.License, 0, ""},
		{srv.License, 5, ""},
		{srv.License + 1000, 4, ""},
	} {
		if got := greeting(tc.license, tc.group); got != tc.want {
			t.Errorf("license %d, group %d: greeting %q, want %q", tc.license, tc.group, got, tc.want)
		}
	}
}
