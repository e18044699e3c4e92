package widget_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/parleychat/parley/web/widget"
)

func serve(h http.Handler, method, target string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestDemoPage(t *testing.T) {
	h := widget.Handler(widget.Config{License: 123, ClientID: "parley-demo"})
	rec := serve(h, "GET", "/")
	if rec.Code != 200 || rec.Header().Get("Content-Security-Policy") != widget.ContentSecurityPolicy {
		t.Fatalf("GET / = %d, CSP %q", rec.Code, rec.Header().Get("Content-Security-Policy"))
	}
	body := rec.Body.String()
	if !strings.Contains(body, `<script src="/widget.js" data-license="123" data-client-id="parley-demo" async></script>`) {
		t.Errorf("the demo page does not embed the widget:\n%s", body)
	}
	// No inline script: every script element has a src.
	for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(tag, " src=") {
			t.Errorf("inline script on the demo page: %s", tag)
		}
	}
	if strings.Contains(body, " style=") {
		t.Errorf("inline style on the demo page")
	}
	if !strings.Contains(body, `&lt;script src=&#34;http://example.com/widget.js&#34; data-license=&#34;123&#34; data-client-id=&#34;parley-demo&#34; async&gt;&lt;/script&gt;`) {
		t.Errorf("the demo page does not show the embed snippet:\n%s", body)
	}

	// The snippet names the request's host: it is escaped.
	r := httptest.NewRequest("GET", "/", nil)
	r.Host = `evil"><img src=x onerror=alert(1)>`
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if strings.Contains(rec.Body.String(), "<img") {
		t.Errorf("the Host header reached the page as markup")
	}

	// Without a license there is no widget on the page.
	rec = serve(widget.Handler(widget.Config{}), "GET", "/")
	if strings.Contains(rec.Body.String(), "<script") || !strings.Contains(rec.Body.String(), "No demo license") {
		t.Errorf("the demo page without a license:\n%s", rec.Body.String())
	}
}

func TestAssets(t *testing.T) {
	h := widget.Handler(widget.Config{License: 7, ClientID: `c"1`})
	for path, ctype := range map[string]string{
		"/widget.js":           "text/javascript; charset=utf-8",
		"/widget/widget.js":    "text/javascript; charset=utf-8",
		"/widget/widget.css":   "text/css; charset=utf-8",
		"/widget/demo.css":     "text/css; charset=utf-8",
		"/widget/config.json":  "application/json",
		"/widget/i18n/de.json": "application/json",
		"/widget/i18n/pl.json": "application/json",
		"/widget/i18n/es.json": "application/json",
	} {
		rec := serve(h, "GET", path)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != ctype {
			t.Errorf("GET %s = %d %q, want 200 %q", path, rec.Code, rec.Header().Get("Content-Type"), ctype)
		}
		if rec.Header().Get("Access-Control-Allow-Origin") != "*" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: headers %v", path, rec.Header())
		}
	}

	var conf map[string]any
	if err := json.Unmarshal(serve(h, "GET", "/widget/config.json").Body.Bytes(), &conf); err != nil ||
		conf["license"] != 7.0 || conf["client_id"] != `c"1` {
		t.Errorf("config.json = %v (%v)", conf, err)
	}

	// gzip when asked, the same bytes once unzipped; 304 for a known ETag.
	plain := serve(h, "GET", "/widget.js")
	zipped := serve(h, "GET", "/widget.js", "Accept-Encoding", "br, gzip;q=0.8")
	if zipped.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", zipped.Header())
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain.Body.Bytes()) || !bytes.Equal(plain.Body.Bytes(), widget.Files()["widget.js"]) {
		t.Errorf("gzipped widget.js differs from widget.js")
	}
	if rec := serve(h, "GET", "/widget.js", "Accept-Encoding", "gzip;q=0"); rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got gzip")
	}
	if rec := serve(h, "GET", "/widget.js", "If-None-Match", plain.Header().Get("ETag")); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match = %d, want 304", rec.Code)
	}
	if rec := serve(h, "HEAD", "/widget.js"); rec.Code != 200 || rec.Body.Len() != 0 {
		t.Errorf("HEAD = %d with %d bytes", rec.Code, rec.Body.Len())
	}

	for _, path := range []string{"/nope", "/widget/", "/widget/index.html", "/widget/static/widget.js", "/widget.css", "/index.html", "/widget/de.json", "/widget/i18n/fr.json"} {
		if rec := serve(h, "GET", path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, rec.Code)
		}
	}
	if rec := serve(h, "POST", "/"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", rec.Code)
	}
}
