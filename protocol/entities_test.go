package protocol

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestWrapUnwrap(t *testing.T) {
	in := map[string]map[string]any{"rating": {"score": 1.0, "comment": "good"}, "empty": {}}
	w := Wrap(in)
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	var back WrappedProperties
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got := back.Unwrap(); !reflect.DeepEqual(got, in) {
		t.Fatalf("round trip through the wire gave %v, want %v", got, in)
	}
	if got := WrappedProperties(nil).Unwrap(); got == nil || len(got) != 0 {
		t.Fatalf("Unwrap(nil) = %#v, want an empty map", got)
	}
}

func TestTime(t *testing.T) {
	if !Time(0).IsZero() {
		t.Fatal("Time(0) is not the zero time")
	}
	if got := Time(1500000000); !got.Equal(time.Unix(1500000000, 0)) {
		t.Fatalf("Time(1500000000) = %v", got)
	}
}
