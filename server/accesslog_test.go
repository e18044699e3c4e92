package server_test

import (
	"log/slog"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/parleychat/parley/parleytest"
)

// waitRecord waits until the logs hold a record with msg that satisfies
// ok, and returns it.
func waitRecord(t *testing.T, logs *logBuffer, msg string, ok func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, r := range logs.records(msg) {
			if ok(r) {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q record as wanted; records: %v", msg, logs.records(msg))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAccessLog checks the info-level access log: one line per HTTP request
// with its method, path, status, duration, client and request id (the
// proxy's X-Request-Id when usable, else a new one, echoed in the
// response), and for an RTM connection one line at login and one at the
// end with the license, the user, the duration and why it ended.
func TestAccessLog(t *testing.T) {
	var logs logBuffer
	srv := parleytest.NewServer(t, withLogs(&logs))

	get := func(id string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/healthz", nil)
		if id != "" {
			req.Header.Set("X-Request-Id", id)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if got := get("proxy-id-42").Header.Get("X-Request-Id"); got != "proxy-id-42" {
		t.Errorf("X-Request-Id of the response = %q, want the request's", got)
	}
	r := waitRecord(t, &logs, "http", func(r map[string]any) bool { return r["request_id"] == "proxy-id-42" })
	if r["level"] != "INFO" || r["method"] != "GET" || r["path"] != "/healthz" || r["status"] != float64(200) ||
		r["client"] != "127.0.0.1" || r["duration"] == nil {
		t.Errorf("access log record = %v", r)
	}
	made := get("not usable; <script>").Header.Get("X-Request-Id")
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(made) {
		t.Errorf("X-Request-Id for a request with an unusable one = %q, want a new id", made)
	}
	waitRecord(t, &logs, "http", func(r map[string]any) bool { return r["request_id"] == made })

	c, customerID := newCustomer(t, srv)
	login := waitRecord(t, &logs, "rtm login", func(r map[string]any) bool { return r["customer"] == customerID })
	if login["level"] != "INFO" || login["license"] != float64(srv.License) || login["role"] != "customer" || login["conn"] == nil {
		t.Errorf("login record = %v", login)
	}
	c.close()
	closed := waitRecord(t, &logs, "rtm connection closed", func(r map[string]any) bool { return r["customer"] == customerID })
	if closed["level"] != "INFO" || closed["reason"] != "client" || closed["logged_in"] != true ||
		closed["license"] != float64(srv.License) || closed["conn"] != login["conn"] || closed["duration"] == nil {
		t.Errorf("connection closed record = %v", closed)
	}

	// The server ends the next one: the record says why.
	_, other := newCustomer(t, srv)
	srv.Close()
	closed = waitRecord(t, &logs, "rtm connection closed", func(r map[string]any) bool { return r["customer"] == other })
	if closed["reason"] != "service_temporarily_unavailable" {
		t.Errorf("connection closed by a shutdown: record %v", closed)
	}
	if n := len(logs.records("rtm request")); n != 0 {
		t.Errorf("%d rtm request records at info level; they are debug", n)
	}
}

// TestRTMRequestDebugLog checks that at debug level every answered RTM
// request is logged with its action, request id and result.
func TestRTMRequestDebugLog(t *testing.T) {
	var logs logBuffer
	srv := parleytest.NewServer(t, parleytest.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	c, customerID := newCustomer(t, srv)
	failed := c.fail("get_chat_threads_summary", map[string]any{"chat_id": "NOSUCHCHAT"})
	waitRecord(t, &logs, "rtm request", func(r map[string]any) bool {
		return r["customer"] == customerID && r["action"] == "get_chat_threads_summary" && r["result"] == failed.Type && r["request_id"] != ""
	})
	waitRecord(t, &logs, "rtm request", func(r map[string]any) bool {
		return r["action"] == "login" && r["result"] == "ok"
	})
}
