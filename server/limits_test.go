package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server"
)

// withLimits sets the server's limits.
func withLimits(l server.Limits) parleytest.Option {
	return func(c *server.Config) { c.Limits = l }
}

// logBuffer collects a server's JSON logs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// records returns the logged records whose message contains msg.
func (b *logBuffer) records(msg string) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(b.buf.String(), "\n") {
		var r map[string]any
		if json.Unmarshal([]byte(line), &r) == nil && strings.Contains(fmt.Sprint(r["msg"]), msg) {
			out = append(out, r)
		}
	}
	return out
}

func withLogs(b *logBuffer) parleytest.Option {
	return parleytest.WithLogger(slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelInfo})))
}

// postAgentLogin posts a password login and returns the status, the
// Retry-After header and the error type of the answer.
func postAgentLogin(t *testing.T, srv *parleytest.Server, email, password string) (status int, retryAfter, errType string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"license_id": srv.License, "email": email, "password": password})
	resp, err := http.Post(srv.URL+"/v3.0/agent/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Error protocol.Error `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header.Get("Retry-After"), out.Error.Type
}

// TestAgentLoginLockout: 300 wrong passwords in a row for one account get
// 5 answers 401, then 429 too_many_requests with Retry-After, before any
// password is checked: the right password too, until the lockout ends.
// Each failure and the lockout are logged with the client's address. (How
// lockouts end and grow: package limit's tests, on a fake clock.)
func TestAgentLoginLockout(t *testing.T) {
	logs := &logBuffer{}
	srv := parleytest.NewServer(t, withLogs(logs))
	counts := map[int]int{}
	for i := range 300 {
		status, retry, typ := postAgentLogin(t, srv, srv.AgentEmail, "wrong password "+strconv.Itoa(i))
		counts[status]++
		if status != http.StatusTooManyRequests {
			continue
		}
		if s, _ := strconv.Atoi(retry); typ != protocol.ErrTooManyRequests || s < 1 || s > int(server.DefaultLoginLockout/time.Second) {
			t.Fatalf("attempt %d: 429 with error %q, Retry-After %q; want too_many_requests within the lockout", i+1, typ, retry)
		}
	}
	if counts[http.StatusUnauthorized] != server.DefaultLoginFailuresPerAccount || counts[http.StatusTooManyRequests] != 300-server.DefaultLoginFailuresPerAccount {
		t.Fatalf("answers by status %v, want %d × 401 and the rest 429", counts, server.DefaultLoginFailuresPerAccount)
	}
	if status, _, _ := postAgentLogin(t, srv, srv.AgentEmail, srv.AgentPassword); status != http.StatusTooManyRequests {
		t.Fatalf("the right password during the lockout: %d, want 429", status)
	}
	failed, locked := logs.records("agent login failed"), logs.records("locked out")
	if len(failed) != server.DefaultLoginFailuresPerAccount || len(locked) != 1 {
		t.Fatalf("logged %d failed logins and %d lockouts, want %d and 1", len(failed), len(locked), server.DefaultLoginFailuresPerAccount)
	}
	for _, r := range append(failed, locked...) {
		if r["remote"] != "127.0.0.1" || r["email"] != srv.AgentEmail {
			t.Errorf("log record without the client's address and account: %v", r)
		}
	}
}

// TestAgentLoginLockoutPerAddress: one address trying wrong passwords on
// many accounts is locked out after LoginFailuresPerIP, whatever the
// account. Loopback is exempt by default; here it is limited.
func TestAgentLoginLockoutPerAddress(t *testing.T) {
	srv := parleytest.NewServer(t, withLimits(server.Limits{LimitLoopback: true}))
	counts := map[int]int{}
	for i := range 50 {
		status, retry, _ := postAgentLogin(t, srv, fmt.Sprintf("guess%d@parley.test", i), "x")
		counts[status]++
		if status == http.StatusTooManyRequests && retry == "" {
			t.Fatal("429 without Retry-After")
		}
	}
	if counts[http.StatusUnauthorized] != server.DefaultLoginFailuresPerIP || counts[http.StatusTooManyRequests] != 50-server.DefaultLoginFailuresPerIP {
		t.Fatalf("answers by status %v, want %d × 401 and the rest 429", counts, server.DefaultLoginFailuresPerIP)
	}
}

// postCustomerToken asks the XHR token endpoint for a new customer's token
// and returns the status, Retry-After and the oauth_exception.
func postCustomerToken(t *testing.T, srv *parleytest.Server) (status int, retryAfter, exception string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"response_type": "token", "grant_type": "cookie", "client_id": srv.ClientID,
		"license_id": srv.License, "redirect_uri": srv.URL + "/"})
	resp, err := http.Post(srv.URL+"/customer/token", "text/plain", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		OAuthException string `json:"oauth_exception"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header.Get("Retry-After"), out.OAuthException
}

// TestCustomerTokenRateLimit: one address asking for tokens in a loop gets
// TokensPerIPPerMinute of them, then 429 too_many_requests with
// Retry-After. Loopback is exempt by default (a load generator on the
// host keeps working).
func TestCustomerTokenRateLimit(t *testing.T) {
	const n = server.DefaultTokensPerIPPerMinute + 40
	t.Run("limited", func(t *testing.T) {
		srv := parleytest.NewServer(t, withLimits(server.Limits{LimitLoopback: true}))
		counts := map[int]int{}
		for range n {
			status, retry, exc := postCustomerToken(t, srv)
			counts[status]++
			if status == http.StatusTooManyRequests && (exc != "too_many_requests" || retry == "") {
				t.Fatalf("429 with oauth_exception %q, Retry-After %q", exc, retry)
			}
		}
		if counts[http.StatusOK] != server.DefaultTokensPerIPPerMinute || counts[http.StatusTooManyRequests] != n-server.DefaultTokensPerIPPerMinute {
			t.Fatalf("answers by status %v, want %d × 200 and the rest 429", counts, server.DefaultTokensPerIPPerMinute)
		}
	})
	t.Run("loopback exempt", func(t *testing.T) {
		srv := parleytest.NewServer(t)
		for i := range n {
			if status, _, _ := postCustomerToken(t, srv); status != http.StatusOK {
				t.Fatalf("request %d from loopback: %d", i+1, status)
			}
		}
	})
}

// TestRequestsInFlight: a customer that sends 100 requests at once, without
// waiting for answers, gets each answered once: the first ones handled,
// those past the 10 in flight refused with too_many_requests (and not
// acted on); the connection stays up and serves the next request.
func TestRequestsInFlight(t *testing.T) {
	srv := parleytest.NewServer(t)
	c, _ := newCustomer(t, srv)
	chatID := c.startChat("hi").Chat.ID
	// Held back and then delivered at once, the requests reach the server
	// together.
	srv.StallConnections(parleytest.CustomerConns)
	const n = 100
	for i := range n {
		c.mustSendRaw(encodeRequest("burst-"+strconv.Itoa(i), protocol.ActionSendEvent, obj{"chat_id": chatID, "event": message("burst")}))
	}
	srv.UnstallConnections()
	handled, refused := 0, 0
	for i := range n {
		f := c.waitResponse("burst-" + strconv.Itoa(i))
		if *f.Success {
			handled++
			continue
		}
		if pe, _ := f.errorOf(); pe.Type != protocol.ErrTooManyRequests {
			t.Fatalf("request %d: %s", i, f)
		}
		refused++
	}
	if handled < protocol.MaxRequestsInFlight || refused == 0 {
		t.Fatalf("%d handled, %d refused; want at least %d handled and some refused", handled, refused, protocol.MaxRequestsInFlight)
	}
	// Still connected; only the handled sends were stored.
	var s wThreadsSummary
	c.okInto(protocol.ActionGetChatThreadsSummary, obj{"chat_id": chatID}, &s)
	if len(s.ThreadsSummary) != 1 || s.ThreadsSummary[0].TotalEvents != 1+handled {
		t.Fatalf("threads summary %+v, want one thread of %d events", s, 1+handled)
	}
	if got := c.framesWith(protocol.PushCustomerDisconnected); len(got) != 0 {
		t.Fatalf("disconnected: %v", got)
	}
	t.Logf("%d of %d requests sent at once handled, %d refused", handled, n, refused)
}

// TestConnsPerIP: one address opening connections gets ConnsPerIP of them;
// the next is told too_many_connections and closed (policy), and a place
// freed is taken again. Agents' connections count too.
func TestConnsPerIP(t *testing.T) {
	const max = 5
	srv := parleytest.NewServer(t, withLimits(server.Limits{ConnsPerIP: max, LimitLoopback: true}))
	var open []*rtmClient
	for i := range max - 1 {
		open = append(open, dial(t, fmt.Sprint("customer ", i), customerURL(srv), "customer"))
	}
	open = append(open, dial(t, "agent", agentURL(srv), "agent"))
	for _, c := range open {
		c.ok(protocol.ActionPing, nil) // served
	}
	extra := dial(t, "one too many", customerURL(srv), "customer")
	if code := extra.waitClosed(); code != websocket.StatusPolicyViolation {
		t.Fatalf("close status %v, want policy violation", code)
	}
	if got := extra.framesWith(protocol.PushCustomerDisconnected); len(got) != 1 || !strings.Contains(string(got[0].Payload), protocol.ReasonTooManyConnections) {
		t.Fatalf("pushes %v, want customer_disconnected too_many_connections", got)
	}
	open[0].close()
	waitFor(t, "a place freed", func() bool {
		c := dialConn(t, "again", customerURL(srv), "customer")
		defer c.close()
		rid, err := c.sendRequest(protocol.ActionPing, nil)
		if err != nil {
			return false
		}
		c.waitFor("an answer or the close", func() bool { return len(c.responses) > 0 || c.readErr != nil })
		return len(c.responses) > 0 && c.responses[0].rid() == rid
	})
}

// TestConnsPerIPLoopbackExempt: by default loopback (a reverse proxy or a
// load generator on the host) is not limited per address.
func TestConnsPerIPLoopbackExempt(t *testing.T) {
	srv := parleytest.NewServer(t, withLimits(server.Limits{ConnsPerIP: 2}))
	for i := range 6 {
		dial(t, fmt.Sprint("customer ", i), customerURL(srv), "customer").ok(protocol.ActionPing, nil)
	}
}

// TestConnsPerCustomer: one customer logging in on ConnsPerCustomer+1
// connections: the last login is answered with customer_disconnected
// (too_many_connections) and the close; other customers are not affected.
func TestConnsPerCustomer(t *testing.T) {
	srv := parleytest.NewServer(t)
	custID := newCustomerID()
	var conns []*rtmClient
	for range server.DefaultConnsPerCustomer {
		conns = append(conns, connectCustomer(t, srv, custID))
	}
	extra := dial(t, "one too many", customerURL(srv), "customer")
	if _, err := extra.sendRequest(protocol.ActionLogin, obj{"token": "Bearer " + srv.CustomerToken(t, custID)}); err != nil {
		t.Fatal(err)
	}
	if code := extra.waitClosed(); code != websocket.StatusPolicyViolation {
		t.Fatalf("close status %v, want policy violation", code)
	}
	if got := extra.framesWith(protocol.PushCustomerDisconnected); len(got) != 1 || !strings.Contains(string(got[0].Payload), protocol.ReasonTooManyConnections) {
		t.Fatalf("pushes %v, want customer_disconnected too_many_connections", got)
	}
	newCustomer(t, srv) // another customer logs in
	conns[0].close()
	waitFor(t, "a place freed", func() bool {
		c := dialConn(t, "again", customerURL(srv), "customer")
		defer c.close()
		rid, err := c.sendRequest(protocol.ActionLogin, obj{"token": "Bearer " + srv.CustomerToken(t, custID)})
		if err != nil {
			return false
		}
		c.waitFor("an answer or the close", func() bool { return len(c.responses) > 0 || c.readErr != nil })
		return len(c.responses) > 0 && c.responses[0].rid() == rid && *c.responses[0].Success
	})
}

// customerUpload posts a file to the customer send_file endpoint and
// returns the status and Retry-After.
func customerUpload(t *testing.T, srv *parleytest.Server, token, chatID string, content []byte, fields ...string) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("payload.chat_id", chatID)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("payload.file", "f.txt")
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v3.0/customer/action/send_file?license_id="+strconv.Itoa(srv.License), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// TestUploadQuota: a customer uploading in a loop gets UploadsPerHour
// files, then 429 with Retry-After; bytes are limited the same way.
// Another customer has a quota of its own.
func TestUploadQuota(t *testing.T) {
	t.Run("count", func(t *testing.T) {
		srv := parleytest.NewServer(t)
		c, custID := newCustomer(t, srv)
		chatID := c.startChat("hi").Chat.ID
		tok := srv.CustomerToken(t, custID)
		for i := range server.DefaultUploadsPerHour {
			if status, _ := customerUpload(t, srv, tok, chatID, []byte("x")); status != http.StatusOK {
				t.Fatalf("upload %d: %d", i+1, status)
			}
		}
		// The hour's quota refills one upload a minute: the wait is at
		// most a minute, less the time the uploads above took.
		status, retry := customerUpload(t, srv, tok, chatID, []byte("x"))
		if n, err := strconv.Atoi(retry); status != http.StatusTooManyRequests || err != nil || n < 1 || n > 60 {
			t.Fatalf("upload past the quota: %d, Retry-After %q; want 429 and 1 to 60 seconds", status, retry)
		}
		c2, cust2 := newCustomer(t, srv)
		if status, _ := customerUpload(t, srv, srv.CustomerToken(t, cust2), c2.startChat("hi").Chat.ID, []byte("x")); status != http.StatusOK {
			t.Fatalf("another customer's upload: %d", status)
		}
	})
	t.Run("bytes", func(t *testing.T) {
		srv := parleytest.NewServer(t, withLimits(server.Limits{UploadBytesPerHour: 100 << 10}))
		c, custID := newCustomer(t, srv)
		chatID := c.startChat("hi").Chat.ID
		tok := srv.CustomerToken(t, custID)
		file := bytes.Repeat([]byte("x"), 40<<10)
		for i := range 2 {
			if status, _ := customerUpload(t, srv, tok, chatID, file); status != http.StatusOK {
				t.Fatalf("upload %d: %d", i+1, status)
			}
		}
		if status, retry := customerUpload(t, srv, tok, chatID, file); status != http.StatusTooManyRequests || retry == "" {
			t.Fatalf("upload past the byte quota: %d, Retry-After %q; want 429", status, retry)
		}
	})
}

// waitFor retries cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not after %v", what, waitTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
