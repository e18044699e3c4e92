package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed static
var static embed.FS

// Prefix is the path under which Handler serves the console.
const Prefix = "/agent"

// ContentSecurityPolicy is sent with every answer of the handler. File
// links of uploads are on the server's origin ('self'), so images show.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; connect-src 'self' ws: wss:; object-src 'none'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// Option configures Handler.
type Option func(*options)

type options struct {
	license int
}

// DefaultLicense fills the sign-in form's license field with n, served to
// the page as /agent/config.json. Zero (the default): the agent types it.
func DefaultLicense(n int) Option {
	return func(o *options) { o.license = n }
}

// asset is one embedded file, ready to serve.
type asset struct {
	body, gz []byte // gz is nil when compressing does not help
	ctype    string
	etag     string
}

var assets = sync.OnceValue(func() map[string]*asset {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic("console: " + err.Error()) // the embed pattern guarantees the directory
	}
	out := map[string]*asset{}
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		out[name] = newAsset(name, b)
		return nil
	})
	if err != nil {
		panic("console: reading embedded assets: " + err.Error())
	}
	return out
})

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
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return "application/octet-stream"
}

// Handler serves the console at /agent and /agent/ (the page) and its
// assets and config.json under /agent/. It answers GET and HEAD only.
func Handler(opts ...Option) http.Handler {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cfg := map[string]any{}
	if o.license > 0 {
		cfg["license"] = o.license
	}
	b, _ := json.Marshal(cfg)
	return &handler{assets: assets(), config: b}
}

type handler struct {
	assets map[string]*asset
	config []byte
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", ContentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	name = strings.TrimPrefix(name, "/")
	switch name {
	case "", "index.html":
		name = "index.html"
	case "config.json":
		hd.Set("Content-Type", "application/json")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Content-Length", strconv.Itoa(len(h.config)))
		if r.Method == http.MethodGet {
			_, _ = w.Write(h.config)
		}
		return
	}
	a := h.assets[name]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	// Revalidate every time: a new binary must not run with old modules.
	hd.Set("Cache-Control", "no-cache")
	hd.Set("Vary", "Accept-Encoding")
	body, etag := a.body, a.etag
	gz := a.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding"))
	if gz {
		// Each encoding is its own representation, with its own tag.
		body, etag = a.gz, strings.TrimSuffix(a.etag, `"`)+`-gz"`
	}
	hd.Set("ETag", etag)
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if gz {
		hd.Set("Content-Encoding", "gzip")
	}
	hd.Set("Content-Type", a.ctype)
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodGet {
		_, _ = w.Write(body)
	}
}

func etagMatch(header, etag string) bool {
	for t := range strings.SplitSeq(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
