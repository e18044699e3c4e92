package chat_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

func TestSearchTerms(t *testing.T) {
	for q, want := range map[string][]string{
		`Invoice "March" OR NOT (x*)`: {"invoice", "march", "or", "not", "x"},
		"Café-crème, s'il vous plaît": {"café", "crème", "s", "il", "vous", "plaît"},
		`" * ( ) : & | ! ' \ ^ -`:     nil,
	} {
		if got := chat.SearchTerms(q); !(len(got) == 0 && len(want) == 0) && !reflect.DeepEqual(got, want) {
			t.Errorf("SearchTerms(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("lorem ipsum ", 10) + "the Invoice is here " + strings.Repeat("dolor sit ", 20)
	for _, c := range []struct {
		text  string
		terms []string
		want  string
	}{
		{"Hello, my invoice", []string{"inv"}, "Hello, my invoice"},
		{long, []string{"invoice"}, "…lorem ipsum lorem ipsum the Invoice is here dolor sit dolor sit dolor sit dolor sit dolor sit dolor sit dolor sit dolor…"},
		{strings.Repeat("a", 130), []string{"zzz"}, strings.Repeat("a", 120) + "…"},
		{"reinvoice invoice", []string{"invoice"}, "reinvoice invoice"},
	} {
		if got := chat.Snippet(c.text, c.terms); got != c.want {
			t.Errorf("Snippet(%q, %q) =\n %q\nwant %q", c.text, c.terms, got, c.want)
		}
	}
}

// TestSearchChatsLimits: a query too long, a page too large or negative
// is invalid; a query of no words finds nothing, without an error; a last
// word of one letter is no prefix.
func TestSearchChatsLimits(t *testing.T) {
	e := newEnv(t, 0)
	a := e.agentAs(chat.RoleOwner, "owner@x", 10)
	e.startChat("cu1")
	for _, in := range []chat.SearchChats{
		{Query: strings.Repeat("é", chat.SearchMaxQuery+1)},
		{Query: "hello", Limit: chat.SearchMaxLimit + 1},
		{Query: "hello", Offset: -1},
		{Query: strings.Repeat("w ", chat.SearchMaxTerms+1)},
	} {
		if _, _, err := e.svc.SearchChats(e.ctx, a, in); !errors.Is(err, chat.ErrInvalid) {
			t.Errorf("SearchChats(%.20q…, %d, %d): %v, want ErrInvalid", in.Query, in.Offset, in.Limit, err)
		}
	}
	hits, more, err := e.svc.SearchChats(e.ctx, a, chat.SearchChats{Query: `" * ( ) OR`})
	if err != nil || len(hits) != 0 || more {
		t.Errorf("SearchChats of operators: %v, %v, %v; want none", hits, more, err)
	}
	hits, more, err = e.svc.SearchChats(e.ctx, a, chat.SearchChats{Query: "  HeLLo!! "})
	if err != nil || len(hits) != 1 || more || hits[0].Snippet != "hello" {
		t.Errorf("SearchChats hello: %+v, %v, %v; want the chat with snippet \"hello\"", hits, more, err)
	}
	hits, _, err = e.svc.SearchChats(e.ctx, a, chat.SearchChats{Query: "h"})
	if err != nil || len(hits) != 0 {
		t.Errorf("SearchChats h: %+v, %v; want nothing (one letter is a whole word)", hits, err)
	}
	if _, _, err := e.svc.SearchChats(e.ctx, e.customer("cu1"), chat.SearchChats{Query: "hello"}); !errors.Is(err, chat.ErrInvalid) {
		t.Errorf("SearchChats by a customer: %v, want ErrInvalid", err)
	}
}
