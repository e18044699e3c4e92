package sockjs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendQuoted(t *testing.T) {
	tests := []struct{ in, want string }{
		{``, `""`},
		{`{"a":"b"}`, `"{\"a\":\"b\"}"`},
		{`back\slash`, `"back\\slash"`},
		{"\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"<a href='x'>&amp;</a>\x7f", `"<a href='x'>&amp;</a>` + "\x7f" + `"`},
		{"é日本😀", `"é日本😀"`},
		{"\u2028\u2029\u200c\u200f\u202f\u2060\u206f\ufff0\uffff", `"\u2028\u2029\u200c\u200f\u202f\u2060\u206f\ufff0\uffff"`},
		{"\u200b\u2030\ufeff", "\"\u200b\u2030\ufeff\""},
		{"\xff", `"\ufffd"`},
		{"a\xe2\x82", `"a\ufffd\ufffd"`},
		{"\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`}, // a surrogate in UTF-8 form
	}
	for _, tt := range tests {
		got := string(appendQuoted(nil, []byte(tt.in)))
		if got != tt.want {
			t.Errorf("appendQuoted(%q) = %s, want %s", tt.in, got, tt.want)
		}
		var back string
		if err := json.Unmarshal([]byte(got), &back); err != nil {
			t.Errorf("appendQuoted(%q) is not JSON: %v", tt.in, err)
		}
		if utf8.ValidString(tt.in) && back != tt.in {
			t.Errorf("appendQuoted(%q) decodes to %q", tt.in, back)
		}
	}
}

func TestAppendArray(t *testing.T) {
	got := appendArray([]byte("keep:"), [][]byte{[]byte(`{"request_id":"1","text":"say \"hi\""}`), []byte(`{}`)})
	want := `keep:a["{\"request_id\":\"1\",\"text\":\"say \\\"hi\\\"\"}","{}"]`
	if string(got) != want {
		t.Errorf("appendArray = %s\nwant          %s", got, want)
	}
}

func TestAppendClose(t *testing.T) {
	for _, tt := range []struct {
		code   int
		reason string
		want   string
	}{
		{3000, "Go away!", `c[3000,"Go away!"]`},
		{1002, "Broken framing.", `c[1002,"Broken framing."]`},
		{4001, `"quoted"`, `c[4001,"\"quoted\""]`},
	} {
		if got := string(appendClose(nil, tt.code, tt.reason)); got != tt.want {
			t.Errorf("appendClose(%d, %q) = %s, want %s", tt.code, tt.reason, got, tt.want)
		}
	}
}

func TestDecodeClientMessage(t *testing.T) {
	valid := []struct {
		in   string
		want []string
	}{
		{``, nil},
		{`[]`, nil},
		{` [ ] `, nil},
		{`["a","b"]`, []string{"a", "b"}},
		{" [ \"a\" ,\n\"b\" ] ", []string{"a", "b"}},
		{`"bare"`, []string{"bare"}},
		{` "bare" `, []string{"bare"}},
		{`[""]`, []string{""}},
		{`["{\"action\": \"ping\"}"]`, []string{`{"action": "ping"}`}},
		{`["\u00e9\ud83d\ude00\u2028"]`, []string{"é😀\u2028"}},
		{`["\ud800"]`, []string{"\ufffd"}},
	}
	for _, tt := range valid {
		got, err := decodeClientMessage([]byte(tt.in))
		if err != nil {
			t.Errorf("decodeClientMessage(%q): %v", tt.in, err)
			continue
		}
		if !slices.Equal(strs(got), tt.want) {
			t.Errorf("decodeClientMessage(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, in := range []string{
		` `, `{"action":"ping"}`, `[1]`, `[null]`, `null`, `true`, `["a"`, `["a"]x`, `["a"],`,
		`[["a"]]`, `"a" "b"`, `["a",]`, `[,"a"]`, `"unterminated`, "[\"a\"]\v", "\v\"a\"",
	} {
		if got, err := decodeClientMessage([]byte(in)); !errors.Is(err, ErrBrokenFraming) {
			t.Errorf("decodeClientMessage(%q) = %q, %v; want ErrBrokenFraming", in, got, err)
		}
	}
}

func strs(frames [][]byte) []string {
	s := make([]string, 0, len(frames))
	for _, f := range frames {
		s = append(s, string(f))
	}
	return s
}

// loginFrame is the SDK's login message as captured on the wire.
const loginFrame = `["{\"request_id\":\"mxu9ac0k48k\",\"action\":\"login\",\"payload\":{\"token\":\"Bearer dal:UYBPAgmEnI17HMUC0bQxcAz_\",\"customer\":{},\"customer_side_storage\":null}}"]`

// FuzzDecodeClientMessage checks that the decoder never panics, rejects only
// with ErrBrokenFraming, and round-trips what it accepts: the frames
// re-encoded as a client array, or as the server's a[...] message, decode to
// the same frames.
func FuzzDecodeClientMessage(f *testing.F) {
	for _, s := range []string{
		`["{\"action\": \"ping\"}"]`,
		loginFrame,
		`["{\"request_id\":\"f7as04dlcxk\",\"action\":\"get_chats_summary\"}"]`,
		`"bare"`, `[]`, ``, `["a","b"]`, `["\u2028\ud83d\ude00\u0000"]`, `[1]`, `{"a":1}`, "[\"\xff\"]",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		frames, err := decodeClientMessage(msg)
		if err != nil {
			if !errors.Is(err, ErrBrokenFraming) {
				t.Fatalf("error %v does not wrap ErrBrokenFraming", err)
			}
			return
		}
		client, err := json.Marshal(strs(frames))
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeClientMessage(client)
		if err != nil {
			t.Fatalf("re-encoded %s: %v", client, err)
		}
		if !equalFrames(again, frames) {
			t.Fatalf("client round trip: %q became %q", frames, again)
		}
		if len(frames) == 0 {
			return
		}
		server := appendArray(nil, frames)
		if !utf8.Valid(server) || server[0] != 'a' {
			t.Fatalf("server message %q is not valid a[...] text", server)
		}
		again, err = decodeClientMessage(server[1:])
		if err != nil {
			t.Fatalf("server message %s: %v", server, err)
		}
		if !equalFrames(again, frames) {
			t.Fatalf("server round trip: %q became %q", frames, again)
		}
	})
}

func equalFrames(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, bytes.Equal)
}

// FuzzAppendQuoted checks that any bytes become a JSON string in valid UTF-8
// that decodes as encoding/json's encoding of the same bytes does.
func FuzzAppendQuoted(f *testing.F) {
	for _, s := range []string{"", `{"a":"b"}`, "\x00\n\"\\", "é\u2028😀", "\xff\xe2\x82", "\xed\xa0\x80"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got := appendQuoted(nil, b)
		if !utf8.Valid(got) {
			t.Fatalf("appendQuoted(%q) = %q is not UTF-8", b, got)
		}
		var s string
		if err := json.Unmarshal(got, &s); err != nil {
			t.Fatalf("appendQuoted(%q) = %s is not a JSON string: %v", b, got, err)
		}
		ref, _ := json.Marshal(string(b))
		var want string
		if err := json.Unmarshal(ref, &want); err != nil {
			t.Fatal(err)
		}
		if s != want {
			t.Fatalf("appendQuoted(%q) decodes to %q, encoding/json gives %q", b, s, want)
		}
	})
}

// pushFrame is a typical server frame: an incoming_event push.
var pushFrame = []byte(`{"action":"incoming_event","type":"push","payload":{"chat_id":"Q2ZSWL7D2M","thread_id":"Q2ZSWL7D2N","event":{"id":"Q2ZSWL7D2N_3","type":"message","text":"How are you? \"Fine\", thanks — é😀","author_id":"8238bb86-a22e-41c6-93c3-fa2ccc6d1302","timestamp":1795562325,"order":3}}}`)

func BenchmarkSockJSEncode(b *testing.B) {
	for _, n := range []int{1, 10} {
		frames := make([][]byte, n)
		for i := range frames {
			frames[i] = pushFrame
		}
		b.Run(fmt.Sprintf("frames=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(n * len(pushFrame)))
			buf := make([]byte, 0, 4096)
			for b.Loop() {
				buf = appendArray(buf[:0], frames)
			}
			if !strings.HasPrefix(string(buf), `a["{\"action\"`) {
				b.Fatalf("unexpected encoding %s", buf)
			}
		})
	}
}

// FuzzSplitASCII: what the decoder's short way accepts, encoding/json
// decodes to the same frames.
func FuzzSplitASCII(f *testing.F) {
	for _, s := range []string{
		loginFrame, `[]`, ` [ ] `, `[""]`, `["a","b"]`, `["a" , "b" ]`, `["\"\\\/\b\f\n\r\t"]`,
		`["\u0041"]`, `["a",]`, `["a"`, `[,"a"]`, `["a"]x`, "[\"\xff\"]", "[\"\x01\"]", `["\x"]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		trimmed := bytes.TrimLeft(msg, jsonSpace)
		frames, ok := splitASCII(trimmed)
		if !ok {
			return
		}
		want, err := decodeJSONMessage(msg, trimmed)
		if err != nil {
			t.Fatalf("splitASCII(%q) = %q; encoding/json: %v", msg, frames, err)
		}
		if len(frames) != len(want) {
			t.Fatalf("splitASCII(%q) = %q; encoding/json: %q", msg, frames, want)
		}
		for i := range frames {
			if !bytes.Equal(frames[i], want[i]) {
				t.Fatalf("splitASCII(%q) = %q; encoding/json: %q", msg, frames, want)
			}
		}
	})
}
