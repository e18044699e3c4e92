package protocol

import (
	"encoding/json"
	"testing"
)

// VersionedPush adds version last; PushAction reads the action of any push
// this package encodes, tagged or not, and nothing else.
func TestVersionedPushAndPushAction(t *testing.T) {
	f, err := VersionedPush("incoming_chat", "3.5", map[string]int{"a": 1})
	if err != nil {
		t.Fatal(err)
	}
	if string(f) != `{"action":"incoming_chat","type":"push","payload":{"a":1},"version":"3.5"}` {
		t.Errorf("VersionedPush = %s", f)
	}
	plain, _ := Push("incoming_event", nil)
	if string(plain) != `{"action":"incoming_event","type":"push","payload":{}}` {
		t.Errorf("Push = %s", plain)
	}
	tagged := WithRequestID(f, `r"1`)
	var m map[string]any
	if json.Unmarshal(tagged, &m) != nil || m["request_id"] != `r"1` {
		t.Errorf("tagged = %s", tagged)
	}
	for frame, want := range map[string]string{
		string(f): "incoming_chat", string(plain): "incoming_event", string(tagged): "incoming_chat",
		`{"request_id":"1","action":"login","type":"response"}`: "login",
		`{"type":"push","action":"x"}`:                          "",
		`{"action":"a\"b"}`:                                     "",
		`{"action":`:                                            "",
		`{"request_id":"1`:                                      "",
		``:                                                      "",
		`[]`:                                                    "",
	} {
		if got := PushAction([]byte(frame)); got != want {
			t.Errorf("PushAction(%s) = %q, want %q", frame, got, want)
		}
	}
}
