package v35

import (
	"errors"
	"time"
)

// TimeLayout is how v3.5 writes times (created_at, events_seen_up_to,
// seen_up_to): RFC 3339 in UTC with microseconds,
// "2026-12-02T14:30:11.123456Z".
const TimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// FormatTime writes t as TimeLayout; the zero time is "".
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// ErrBadTime refuses a time that is not RFC 3339.
var ErrBadTime = errors.New("v35: time must be RFC 3339, as 2026-12-02T14:30:11.123456Z")

// ParseTime reads an RFC 3339 time, with or without fractional seconds.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, ErrBadTime
	}
	return t, nil
}
