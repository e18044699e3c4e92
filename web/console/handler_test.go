package console_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/parleychat/parley/web/console"
)

func get(t *testing.T, h http.Handler, method, path string, hdr map[string]string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandlerServesTheAppWithAStrictPolicy(t *testing.T) {
	h := console.Handler(console.DefaultLicense(123))
	for _, path := range []string{"/agent", "/agent/", "/agent/index.html"} {
		res := get(t, h, "GET", path, nil)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %s", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if b := body(t, res); !strings.Contains(b, `<script type="module" src="/agent/app.js">`) {
			t.Errorf("GET %s: no app.js module in the page", path)
		}
		csp := res.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "connect-src 'self' ws: wss:",
			"img-src 'self' data: blob:", "object-src 'none'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("GET %s: CSP %q allows inline code", path, csp)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("GET %s: headers %v", path, res.Header)
		}
	}
	for name, ctype := range map[string]string{"app.js": "text/javascript", "rtm.js": "text/javascript", "console.css": "text/css"} {
		res := get(t, h, "GET", "/agent/"+name, nil)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), ctype) {
			t.Errorf("GET /agent/%s: %d %s", name, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
}

func TestHandlerConfig(t *testing.T) {
	for _, tc := range []struct {
		opts []console.Option
		want string
	}{
		{[]console.Option{console.DefaultLicense(123)}, `{"license":123}`},
		{nil, `{}`},
	} {
		res := get(t, console.Handler(tc.opts...), "GET", "/agent/config.json", nil)
		if b := body(t, res); res.StatusCode != 200 || b != tc.want || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("config.json = %d %q (%s), want %q", res.StatusCode, b, res.Header.Get("Cache-Control"), tc.want)
		}
	}
}

func TestHandlerRefuses(t *testing.T) {
	h := console.Handler()
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/agent/nope.js", 404},
		{"GET", "/agent/../server.go", 404},
		{"GET", "/agent/static/app.js", 404},
		{"GET", "/agentx", 404},
		{"GET", "/other", 404},
		{"POST", "/agent/", 405},
		{"DELETE", "/agent/app.js", 405},
	} {
		if res := get(t, h, tc.method, tc.path, nil); res.StatusCode != tc.status {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, res.StatusCode, tc.status)
		}
	}
	if res := get(t, h, "HEAD", "/agent/app.js", nil); res.StatusCode != 200 || body(t, res) != "" || res.Header.Get("Content-Length") == "" {
		t.Errorf("HEAD /agent/app.js: %d, length %q", res.StatusCode, res.Header.Get("Content-Length"))
	}
}

func TestHandlerGzipAndRevalidation(t *testing.T) {
	h := console.Handler()
	plain := get(t, h, "GET", "/agent/app.js", nil)
	raw := body(t, plain)
	res := get(t, h, "GET", "/agent/app.js", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("Vary") != "Accept-Encoding" {
		t.Fatalf("gzip not used: %v", res.Header)
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	unz, _ := io.ReadAll(zr)
	if string(unz) != raw {
		t.Fatal("gzipped app.js differs from app.js")
	}
	if res := get(t, h, "GET", "/agent/app.js", map[string]string{"Accept-Encoding": "gzip;q=0"}); res.Header.Get("Content-Encoding") != "" {
		t.Error("gzip sent although q=0")
	}
	etag := plain.Header.Get("ETag")
	if etag == "" || etag == res.Header.Get("ETag") || plain.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q (gzip %q), Cache-Control %q", etag, res.Header.Get("ETag"), plain.Header.Get("Cache-Control"))
	}
	if res := get(t, h, "GET", "/agent/app.js", map[string]string{"If-None-Match": etag}); res.StatusCode != 304 {
		t.Errorf("revalidation = %d, want 304", res.StatusCode)
	}
}

// TestAssetsHaveNoMarkupSinks guards the rule that customer data reaches
// the page only as text: no script API that parses HTML, no inline script
// or style in the page, and modules only from the console itself.
func TestAssetsHaveNoMarkupSinks(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("static", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no assets: %v", err)
	}
	sinks := regexp.MustCompile(`innerHTML|outerHTML|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|\beval\(|new Function|srcdoc|setHTML`)
	var raw, zipped int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw += len(b)
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		zipped += min(buf.Len(), len(b))
		if strings.HasSuffix(f, ".js") {
			if m := sinks.FindString(string(b)); m != "" {
				t.Errorf("%s uses %s", f, m)
			}
		}
		if strings.HasSuffix(f, ".html") {
			s := string(b)
			for _, bad := range []*regexp.Regexp{
				regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`), // inline script
				regexp.MustCompile(`\son[a-z]+\s*=`),                // inline handler
				regexp.MustCompile(`\sstyle\s*=`),                   // inline style
				regexp.MustCompile(`<style`),
				regexp.MustCompile(`(?:src|href)="(?:https?:)?//`), // another origin
			} {
				if m := bad.FindString(s); m != "" {
					t.Errorf("%s: %q", f, m)
				}
			}
		}
	}
	t.Logf("console assets: %d files, %d bytes, %d bytes gzipped", len(files), raw, zipped)
}

func TestConfigIsJSON(t *testing.T) {
	res := get(t, console.Handler(console.DefaultLicense(7)), "GET", "/agent/config.json", nil)
	var v struct{ License int }
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil || v.License != 7 {
		t.Fatalf("config.json: %v %+v", err, v)
	}
}
