package codec

import (
	"encoding/json"
	"testing"

	"github.com/parleychat/parley/server/chat"
)

// FuzzTextBody: the body of a message with only a text is the same bytes
// whether it takes the short way or json.Marshal's, and decodes back to
// the text json.Unmarshal finds in it.
func FuzzTextBody(f *testing.F) {
	for _, s := range []string{"", "hello", "zażółć", `say "hi"`, `a\b`, "<b>&</b>", "tab\there", "line\u2028sep", "\xff", "😀", "\u0000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		e := chat.Event{Type: chat.EventMessage, Text: text}
		got, err := EncodeBody(&e)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(eventBody{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if text == "" {
			want = []byte("{}")
		}
		if got != string(want) {
			t.Fatalf("EncodeBody(%q) = %s, json.Marshal: %s", text, got, want)
		}
		var back chat.Event
		if err := DecodeBody(got, &back); err != nil {
			t.Fatal(err)
		}
		var viaJSON eventBody
		if err := json.Unmarshal([]byte(got), &viaJSON); err != nil {
			t.Fatal(err)
		}
		if back.Text != viaJSON.Text {
			t.Fatalf("DecodeBody(%s) text %q, json.Unmarshal %q", got, back.Text, viaJSON.Text)
		}
	})
}

// TestBodyOfOtherEvents: a body with more than a text takes json's way
// both ways.
func TestBodyOfOtherEvents(t *testing.T) {
	e := chat.Event{Type: chat.EventMessage, Text: "pick one", Postback: &chat.MessagePostback{ID: "p", ThreadID: "t", EventID: "e"}}
	s, err := EncodeBody(&e)
	if err != nil {
		t.Fatal(err)
	}
	var back chat.Event
	if err := DecodeBody(s, &back); err != nil {
		t.Fatal(err)
	}
	if back.Text != e.Text || back.Postback == nil || *back.Postback != *e.Postback {
		t.Fatalf("round trip of %s: %+v", s, back)
	}
	// A text that ends like the short form's suffix inside a larger body.
	var tricky chat.Event
	if err := DecodeBody(`{"text":"a","template_id":"b"}`, &tricky); err != nil {
		t.Fatal(err)
	}
	if tricky.Text != "a" || tricky.TemplateID != "b" {
		t.Fatalf("decoded %+v", tricky)
	}
}
