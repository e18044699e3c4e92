package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/parleytest"
)

// The operations endpoints are on the admin listener only: a visitor who
// reaches the public port gets neither metrics nor profiles.
func TestAdminEndpoints(t *testing.T) {
	srv := parleytest.NewServer(t)
	get := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/cmdline"} {
		if code, _ := get(srv.URL + path); code != http.StatusNotFound {
			t.Errorf("public %s: %d, want 404", path, code)
		}
		if code, _ := get(srv.AdminURL + path); code != http.StatusOK {
			t.Errorf("admin %s: %d, want 200", path, code)
		}
	}
	if _, body := get(srv.AdminURL + "/metrics"); !strings.Contains(body, "go_goroutines") || !strings.Contains(body, "process_resident_memory_bytes") {
		t.Errorf("admin /metrics lacks the runtime and process metrics:\n%.500s", body)
	}
}
