package server

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/server/httpapi"
)

// TestBodyLimit: an upload gets time in proportion to its size, up to the
// upload limit; any other body gets the body timeout.
func TestBodyLimit(t *testing.T) {
	d := newBodyDeadlines(30*time.Second, 32<<10)
	for _, tc := range []struct {
		path string
		size int64
		want time.Duration
	}{
		{"/customer/token", 1 << 20, 30 * time.Second},
		{"/v3.0/customer/action/send_file", 1 << 20, 30*time.Second + 32*time.Second},
		{"/v3.0/agent/action/send_file", 320 << 10, 30*time.Second + 10*time.Second},
		{"/v3.0/customer/action/send_file", 1 << 30, 30*time.Second + time.Duration(httpapi.MaxUploadBytes)*time.Second/(32<<10)},
		{"/v3.0/customer/action/send_file", -1, 30*time.Second + time.Duration(httpapi.MaxUploadBytes)*time.Second/(32<<10)},
		{"/v3.5/customer/action/upload_file", 1 << 20, 30*time.Second + 32*time.Second},
		{"/v3.5/customer/action/send_event", 1 << 20, 30 * time.Second},
	} {
		r := httptest.NewRequest("POST", tc.path, strings.NewReader("x"))
		r.ContentLength = tc.size
		if got := d.limit(r); got != tc.want {
			t.Errorf("%s of %d bytes: %v, want %v", tc.path, tc.size, got, tc.want)
		}
	}
}
