package v35

import (
	"testing"
	"time"
)

func TestTime(t *testing.T) {
	at := time.Date(2026, 12, 2, 14, 30, 11, 123456789, time.FixedZone("CET", 3600))
	s := FormatTime(at)
	if s != "2026-12-02T13:30:11.123456Z" {
		t.Errorf("FormatTime = %q", s)
	}
	if FormatTime(time.Time{}) != "" {
		t.Error("zero time is not empty")
	}
	back, err := ParseTime(s)
	if err != nil || !back.Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("ParseTime(%q) = %v, %v", s, back, err)
	}
	for _, ok := range []string{"2026-12-02T13:30:11Z", "2026-12-02T14:30:11.5+01:00"} {
		if _, err := ParseTime(ok); err != nil {
			t.Errorf("ParseTime(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "yesterday", "1700000000", "2026-12-02 13:30:11"} {
		if _, err := ParseTime(bad); err != ErrBadTime {
			t.Errorf("ParseTime(%q): %v, want ErrBadTime", bad, err)
		}
	}
}
