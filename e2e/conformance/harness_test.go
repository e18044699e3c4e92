package conformance

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Host names the browser may contact. Every one of them is mapped to the
// harness listener; any other name fails to resolve inside Chromium.
const (
	apiHost      = "api.livechatinc.com"
	accountsHost = "accounts.livechatinc.com"
	widgetHost   = "widget.conformance.test"
)

var allowedHosts = []string{apiHost, accountsHost, widgetHost}

// stepResult is what the scenario posts to /harness/result for each step.
type stepResult struct {
	Name   string          `json:"name"`
	Status string          `json:"status"` // "pass", "fail" or "skip"
	Error  string          `json:"error,omitempty"`
	Detail json.RawMessage `json:"detail,omitempty"`
	Start  int64           `json:"start"` // ms since the Unix epoch, browser clock
	End    int64           `json:"end"`
}

// front is the HTTPS server the browser talks to. Requests for widgetHost are
// the harness's own (page, SDK bundle, scenario, /harness API); every other
// request goes to the Parley handler under test.
type front struct {
	t      *testing.T
	srv    *httptest.Server
	spread *spread // the backend's nodes
	agent  *agent
	log    *transcript
	client *http.Client // reaches the front as any allowed host

	mu    sync.Mutex
	hosts map[string]int // Host header (port stripped) → request count

	plan    chan []string
	results chan stepResult
	done    chan struct{}
	once    sync.Once
}

func newFront(t *testing.T, pki *testPKI, be backend, log *transcript) *front {
	t.Helper()
	f := &front{
		t:       t,
		spread:  newSpread(be.nodes),
		log:     log,
		hosts:   map[string]int{},
		plan:    make(chan []string, 1),
		results: make(chan stepResult, 256),
		done:    make(chan struct{}),
	}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serveHTTP))
	f.srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{pki.leaf},
		NextProtos:   []string{"http/1.1"},
	}
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	f.client = pki.client(f.srv.Listener.Addr().String())
	return f
}

func (f *front) port() string {
	_, port, _ := net.SplitHostPort(f.srv.Listener.Addr().String())
	return port
}

// seenHosts returns every Host the front has been asked for, with counts.
func (f *front) seenHosts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := make(map[string]int, len(f.hosts))
	for k, v := range f.hosts {
		m[k] = v
	}
	return m
}

func (f *front) serveHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	f.mu.Lock()
	f.hosts[host]++
	f.mu.Unlock()

	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	start := time.Now()
	served := ""
	defer func() {
		if host == widgetHost && strings.HasPrefix(r.URL.Path, "/harness/") {
			return // the scenario's own traffic; the step results say enough
		}
		note := ""
		if rec.hijacked {
			note = " (upgraded)"
		}
		f.log.add("http", "%s https://%s%s%s → %d%s in %s", r.Method, host, r.URL.RequestURI(), served, rec.status, note, time.Since(start).Round(time.Millisecond))
	}()

	switch host {
	case widgetHost:
		f.serveWidget(rec, r)
	case apiHost, accountsHost:
		n, p := f.spread.pick(r)
		served = fmt.Sprintf(" [%s #%d on %s]", p.kind, p.seq, n.name)
		if p.kind != plainHTTP {
			// Logged now: a WebSocket's own line comes when it closes.
			f.log.add("spread", "%s → %s", p, n.name)
		}
		n.handler.ServeHTTP(rec, r)
	default:
		http.Error(rec, "host not served by the conformance harness", http.StatusMisdirectedRequest)
	}
}

// widgetFiles are the files of the "site" on widgetHost: each release's page
// and scenario, the scenarios' shared plumbing, and each release's browser
// bundle byte for byte from node_modules.
var widgetFiles = map[string]string{
	"/":                  filepath.Join("testdata", "index.html"),
	"/index.html":        filepath.Join("testdata", "index.html"),
	"/index35.html":      filepath.Join("testdata", "index35.html"),
	"/harness.js":        filepath.Join("testdata", "harness.js"),
	"/scenario.js":       filepath.Join("testdata", "scenario.js"),
	"/scenario35.js":     filepath.Join("testdata", "scenario35.js"),
	"/customer-sdk.js":   sdk2.bundle(),
	"/customer-sdk-4.js": sdk4.bundle(),
}

// serveWidget serves the pages that embed the SDKs, and the JSON API the
// scenario uses to report results and to make the agent act.
func (f *front) serveWidget(w http.ResponseWriter, r *http.Request) {
	if file, ok := widgetFiles[r.URL.Path]; ok {
		contentType := "text/javascript; charset=utf-8"
		if strings.HasSuffix(file, ".html") {
			contentType = "text/html; charset=utf-8"
		}
		f.serveFile(w, r, file, contentType)
		return
	}
	switch r.URL.Path {
	case "/pricing":
		// A second page of the "site", used as the customer page URL.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><title>Pricing</title>")
	case "/favicon.ico":
		w.WriteHeader(http.StatusNoContent)
	case "/harness/plan":
		var plan struct {
			Steps []string `json:"steps"`
		}
		if !decodeJSON(w, r, &plan) {
			return
		}
		select {
		case f.plan <- plan.Steps:
		default:
		}
		writeJSON(w, map[string]any{"ok": true})
	case "/harness/result":
		var res stepResult
		if !decodeJSON(w, r, &res) {
			return
		}
		f.log.add("step", "%s %s %s", strings.ToUpper(res.Status), res.Name, res.Error)
		f.results <- res
		writeJSON(w, map[string]any{"ok": true})
	case "/harness/done":
		f.once.Do(func() { close(f.done) })
		writeJSON(w, map[string]any{"ok": true})
	case "/harness/agent":
		f.serveAgent(w, r)
	case "/harness/fetch":
		f.serveFetch(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (f *front) serveFile(w http.ResponseWriter, r *http.Request, path, contentType string) {
	b, err := os.ReadFile(path)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// serveAgent runs one agent operation for the scenario. Request:
//
//	{"do": "request", "action": "...", "payload": {...}}      any agent RTM request
//	{"do": "join", "chat_id": "..."}                          join_chat
//	{"do": "send", "chat_id": "...", "event": {...}}          send_event
//	{"do": "typing", "chat_id": "...", "is_typing": true}     send_typing_indicator
//	{"do": "wait_push", "action": "...", "match": {...}, "timeout_ms": 5000}
//	{"do": "pushes"}                                          every push so far
//	{"do": "whoami"}                                          the login response
//
// Answer: {"ok": true, "payload": ...} or {"ok": false, "error": "..."}.
func (f *front) serveAgent(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Do        string          `json:"do"`
		Action    string          `json:"action"`
		Payload   json.RawMessage `json:"payload"`
		ChatID    string          `json:"chat_id"`
		Event     json.RawMessage `json:"event"`
		IsTyping  bool            `json:"is_typing"`
		Match     json.RawMessage `json:"match"`
		TimeoutMS int             `json:"timeout_ms"`
	}
	if !decodeJSON(w, r, &req) {
		return
	}
	if f.agent == nil {
		writeJSON(w, map[string]any{"ok": false, "error": "no agent connection (see the test log)"})
		return
	}
	timeout := 10 * time.Second
	if req.TimeoutMS > 0 {
		timeout = time.Duration(req.TimeoutMS) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()

	var (
		out any
		err error
	)
	switch req.Do {
	case "request":
		out, err = f.agent.request(ctx, req.Action, req.Payload)
	case "join":
		out, err = f.agent.request(ctx, "join_chat", map[string]any{"chat_id": req.ChatID})
	case "send":
		out, err = f.agent.request(ctx, "send_event", map[string]any{"chat_id": req.ChatID, "event": req.Event})
	case "typing":
		out, err = f.agent.request(ctx, "send_typing_indicator", map[string]any{"chat_id": req.ChatID, "is_typing": req.IsTyping})
	case "wait_push":
		out, err = f.agent.waitPush(ctx, req.Action, req.Match)
	case "pushes":
		out = f.agent.allPushes()
	case "whoami":
		out = f.agent.login
	default:
		err = fmt.Errorf("unknown agent operation %q", req.Do)
	}
	if err != nil {
		writeJSON(w, map[string]any{"ok": false, "error": err.Error()})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "payload": out})
}

// serveFetch GETs a URL the SDK handed to the page (a file URL) from the Go
// side, through the same host mapping as the browser, and returns status and
// body. Only allowed hosts are fetched.
func (f *front) serveFetch(w http.ResponseWriter, r *http.Request) {
	var req struct {
		URL string `json:"url"`
	}
	if !decodeJSON(w, r, &req) {
		return
	}
	u, err := url.Parse(req.URL)
	if err != nil || u.Scheme != "https" || !slices.Contains(allowedHosts, u.Hostname()) {
		writeJSON(w, map[string]any{"ok": false, "error": fmt.Sprintf("not an https URL on %v: %q", allowedHosts, req.URL)})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	greq, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	resp, err := f.client.Do(greq)
	if err != nil {
		writeJSON(w, map[string]any{"ok": false, "error": err.Error()})
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	writeJSON(w, map[string]any{
		"ok":           true,
		"status":       resp.StatusCode,
		"content_type": resp.Header.Get("Content-Type"),
		"body":         string(body),
	})
}

func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return false
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(v); err != nil {
		http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(v)
}

// recorder notes the status of a response and passes hijacking through, so
// that WebSocket upgrades still work behind it.
type recorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	hijacked    bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wroteHeader {
		r.status = code
		r.wroteHeader = true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wroteHeader = true
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Flush() {
	if fl, ok := r.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := r.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("conformance: response writer cannot hijack")
	}
	r.hijacked = true
	r.status = http.StatusSwitchingProtocols
	return hj.Hijack()
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// transcript is a time-ordered log of everything the harness saw: HTTP
// requests, WebSocket frames in the browser, agent frames, console output.
// A failing step prints the part of it that happened while the step ran.
type transcript struct {
	mu      sync.Mutex
	entries []entry
}

type entry struct {
	at   time.Time
	kind string
	text string
}

func (tr *transcript) add(kind, format string, args ...any) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.entries = append(tr.entries, entry{at: time.Now(), kind: kind, text: fmt.Sprintf(format, args...)})
}

// between returns the entries from from to to (inclusive), oldest first.
func (tr *transcript) between(from, to time.Time) []entry {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []entry
	for _, e := range tr.entries {
		if !e.at.Before(from) && !e.at.After(to) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

func (tr *transcript) all() []entry {
	return tr.between(time.Time{}, time.Now().Add(time.Hour))
}

func (e entry) String() string {
	return fmt.Sprintf("%s %-9s %s", e.at.Format("15:04:05.000"), e.kind, e.text)
}

// writeTo writes the whole transcript to path.
func (tr *transcript) writeFile(path string) error {
	var b strings.Builder
	for _, e := range tr.all() {
		b.WriteString(e.String())
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}
