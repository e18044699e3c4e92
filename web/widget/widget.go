// Package widget serves Parley's web chat widget: a chat button and
// window that any site embeds with one script tag,
//
//	<script src="https://chat.example.com/widget.js" data-license="123" data-client-id="parley-demo" async></script>
//
// and a demo page that shows it. The widget is plain JavaScript (ES2020,
// no framework, no build step) and CSS, embedded in the binary. It is a
// client of the Customer Chat API v3.0: it gets a customer token from
// POST /customer/token (the identity grant with the identity token it keeps
// in the host page's localStorage, else the cookie grant, so the same
// browser stays the same customer on any site), talks over the plain
// WebSocket /v3.0/customer/rtm/ws and uploads files with POST
// /v3.0/customer/action/send_file. Its strings are English in widget.js;
// German, Polish and Spanish are loaded from i18n/<lang>.json only by
// pages that need them.
//
// Handler serves:
//
//	GET /                    the demo page
//	GET /widget.js           the widget (the one script to embed)
//	GET /widget/widget.css   its styles, loaded into the widget's shadow DOM
//	GET /widget/demo.css     the demo page's styles
//	GET /widget/config.json  {"license": N, "client_id": "…"}: what the widget
//	                         uses when its script tag does not say
//	GET /widget/greeting.json?license_id=N&group_id=G
//	                         {"greeting": "…"}: the group's greeting (group 0
//	                         without group_id), "" for none; 400 for a
//	                         malformed license_id or group_id
//	GET /widget/i18n/<lang>.json  the widget's strings in a language other
//	                         than English, loaded when the page needs them
//
// Mount it on those three paths (Config.Greeting answers greeting.json):
//
//	h := widget.Handler(widget.Config{License: 123, ClientID: "parley-demo"})
//	mux.Handle("GET /{$}", h)
//	mux.Handle("GET /widget.js", h)
//	mux.Handle("GET /widget/", h)
package widget

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed static
var static embed.FS

// Config configures Handler.
type Config struct {
	// License is the license the demo page's widget and config.json name.
	// Zero: the demo page says that no license is configured and shows no
	// widget; embedded widgets must then give data-license.
	License int
	// ClientID is the client id the widget gets customer tokens with.
	ClientID string
	// Greeting returns the greeting of a group of a license ("" for none,
	// or for an unknown license or group), served by
	// /widget/greeting.json. Nil: every greeting is "".
	Greeting func(ctx context.Context, license, group int) (string, error)
}

// ContentSecurityPolicy is sent with the demo page: scripts and styles
// only from the server's own origin and no inline script; connections to
// the origin and WebSockets; images from the origin (uploads), data: and
// blob: URLs, and any https URL (agents' pictures and rich message images
// live on other hosts).
const ContentSecurityPolicy = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob: https:; " +
	"object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Files are the embedded widget files, by name: widget.js and widget.css
// are what an embedding page downloads.
func Files() map[string][]byte {
	out := map[string][]byte{}
	for name, a := range assets() {
		out[name] = a.body
	}
	return out
}

// asset is one embedded file, ready to serve.
type asset struct {
	body, gz []byte // gz is nil when compressing does not help
	ctype    string
	etag     string
}

func newAsset(name string, b []byte) *asset {
	sum := sha256.Sum256(b)
	a := &asset{body: b, ctype: contentType(name), etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	if buf.Len() < len(b) {
		a.gz = buf.Bytes()
	}
	return a
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json":
		return "application/json"
	}
	return "text/html; charset=utf-8"
}

var assets = sync.OnceValue(func() map[string]*asset {
	out := map[string]*asset{}
	err := fs.WalkDir(static, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(name) == ".html" {
			return err
		}
		b, err := fs.ReadFile(static, name)
		if err != nil {
			return err
		}
		out[strings.TrimPrefix(name, "static/")] = newAsset(name, b)
		return nil
	})
	if err != nil {
		panic("widget: reading embedded files: " + err.Error())
	}
	return out
})

var demoPage = template.Must(template.ParseFS(static, "static/index.html"))

// Handler returns the handler of the widget and its demo page. Paths it
// does not serve get 404. It is safe for concurrent use.
func Handler(cfg Config) http.Handler {
	files := assets()
	conf, _ := json.Marshal(map[string]any{"license": cfg.License, "client_id": cfg.ClientID})
	config := newAsset("config.json", conf)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		switch p := r.URL.Path; {
		case p == "/":
			serveDemo(w, r, cfg)
		case p == "/widget.js":
			serveAsset(w, r, files["widget.js"])
		case p == "/widget/config.json":
			serveAsset(w, r, config)
		case p == "/widget/greeting.json":
			serveGreeting(w, r, cfg.Greeting)
		case strings.HasPrefix(p, "/widget/") && files[strings.TrimPrefix(p, "/widget/")] != nil:
			serveAsset(w, r, files[strings.TrimPrefix(p, "/widget/")])
		default:
			http.NotFound(w, r)
		}
	})
}

// serveAsset serves one file to any origin: the widget runs on other
// sites, so its script, styles and config are cross-origin resources.
func serveAsset(w http.ResponseWriter, r *http.Request, a *asset) {
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", a.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if a.gz != nil && acceptsGzip(r) {
		body = a.gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			v, err := strconv.ParseFloat(q, 64)
			return err == nil && v > 0
		}
		return true
	}
	return false
}

// serveDemo renders the demo page: a page of an imaginary site with the
// widget embedded exactly as the snippet it shows says.
func serveDemo(w http.ResponseWriter, r *http.Request, cfg Config) {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	origin := scheme + "://" + r.Host
	var buf bytes.Buffer
	err := demoPage.Execute(&buf, map[string]any{
		"License":  cfg.License,
		"ClientID": cfg.ClientID,
		"Snippet": `<script src="` + origin + `/widget.js" data-license="` + strconv.Itoa(cfg.License) +
			`" data-client-id="` + cfg.ClientID + `" async></script>`,
	})
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(buf.Bytes())
}

// serveGreeting answers /widget/greeting.json to any origin, as the other
// files the widget reads.
func serveGreeting(w http.ResponseWriter, r *http.Request, greeting func(context.Context, int, int) (string, error)) {
	q := r.URL.Query()
	license, err1 := strconv.Atoi(q.Get("license_id"))
	group, err2 := 0, error(nil)
	if g := q.Get("group_id"); g != "" {
		group, err2 = strconv.Atoi(g)
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if err1 != nil || err2 != nil || license <= 0 || group < 0 {
		http.Error(w, "license_id must be a positive integer and group_id, when given, a group number", http.StatusBadRequest)
		return
	}
	text := ""
	if greeting != nil {
		var err error
		if text, err = greeting(r.Context(), license, group); err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
	}
	body, _ := json.Marshal(map[string]string{"greeting": text})
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}
