package chat_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

func TestClientSetLists(t *testing.T) {
	c := chat.Client{ID: "c"}
	if err := c.SetLists([]string{"https://Shop.example/", " ", "https://shop.example", "http://localhost:8080"}, []string{"https://shop.example/chat/"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://shop.example", "http://localhost:8080"}; !slices.Equal(c.RedirectOrigins, want) {
		t.Errorf("origins = %v, want %v (lower-cased, without duplicates or blanks)", c.RedirectOrigins, want)
	}
	// A nil list is kept; an empty one clears.
	if err := c.SetLists(nil, []string{}); err != nil || len(c.RedirectOrigins) != 2 || len(c.RedirectURIs) != 0 {
		t.Errorf("SetLists(nil, []) = %v: %+v", err, c)
	}
	before := c
	for _, bad := range []struct {
		origins, uris []string
		want          string
	}{
		{[]string{"https://shop.example/path"}, nil, "origins:"},
		{[]string{"ftp://shop.example"}, nil, "origins:"},
		{[]string{"https://user@shop.example"}, nil, "origins:"},
		{nil, []string{"/relative"}, "redirect_uris:"},
		{nil, []string{"https://evil.example/"}, "not among the client's origins"},
		{[]string{"https://other.example"}, []string{"https://shop.example/chat/"}, "not among the client's origins"},
	} {
		err := c.SetLists(bad.origins, bad.uris)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("SetLists(%v, %v) = %v, want an error with %q", bad.origins, bad.uris, err, bad.want)
		}
		if !slices.Equal(c.RedirectOrigins, before.RedirectOrigins) || !slices.Equal(c.RedirectURIs, before.RedirectURIs) {
			t.Errorf("a failed SetLists changed the client: %+v", c)
		}
	}
}
