package sockjs

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/parleychat/parley/server/internal/transport"
	"github.com/parleychat/parley/server/internal/transport/internal/wsconn"
)

// DefaultHeartbeatInterval is the heartbeat interval used when
// Options.HeartbeatInterval is zero; it is the SockJS default.
const DefaultHeartbeatInterval = 25 * time.Second

// Options configure [Handler]. The zero value is ready to use.
type Options struct {
	transport.Options

	// HeartbeatInterval is how often the server sends the SockJS heartbeat
	// "h" on each connection, whatever else it sends. The JS SDK answers
	// every heartbeat with a protocol ping, so this must stay below the
	// session's idle timeout. Zero means DefaultHeartbeatInterval (25 s);
	// negative disables heartbeats.
	HeartbeatInterval time.Duration
}

// Handler returns an http.Handler serving the SockJS endpoints under prefix
// (for the JS SDK "/v3.0/customer/rtm/sjs", without a trailing slash) and
// calling h for every accepted connection. It matches the full request path,
// so mount it at prefix+"/" without [http.StripPrefix]; pass "" as prefix
// when it is mounted behind StripPrefix. Paths are:
//
//	{prefix}/                                 "Welcome to SockJS!"
//	{prefix}/info                             GET, OPTIONS: server info with credentialed CORS
//	{prefix}/{server}/{session}/websocket     SockJS over WebSocket
//	{prefix}/websocket                        raw WebSocket, one text message per frame
//
// {server} and {session} may be anything without "/" or "."; they are not
// interpreted (every WebSocket is a session of its own). The polling and
// streaming transports (xhr, xhr_send, xhr_streaming, eventsource, htmlfile,
// jsonp) are not offered and answer 404 at once: sockjs-client tries the
// WebSocket first, and when that fails, its fallback fails quickly and the SDK
// reconnects. Everything else under prefix is 404.
func Handler(prefix string, h transport.Handler, opts Options) http.Handler {
	opts.OriginPatterns = slices.Clone(opts.OriginPatterns)
	hb := opts.HeartbeatInterval
	if hb == 0 {
		hb = DefaultHeartbeatInterval
	}
	return &handler{
		prefix: strings.TrimSuffix(prefix, "/"),
		h:      h,
		opts:   opts,
		framed: &wsconn.Config{
			Options: opts.Options,
			Framing: wsconn.Framing{
				Encode:            appendArray,
				Decode:            decodeClientMessage,
				BrokenReason:      brokenFramingReason,
				CloseFrame:        appendClose,
				Open:              openMessage,
				Heartbeat:         heartbeatMessage,
				HeartbeatInterval: hb,
			},
		},
		raw: &wsconn.Config{Options: opts.Options},
	}
}

type handler struct {
	prefix string
	h      transport.Handler
	opts   Options
	framed *wsconn.Config // {server}/{session}/websocket
	raw    *wsconn.Config // /websocket
}

func (s *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, s.prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch rest {
	case "", "/":
		s.greeting(w, r)
		return
	case "/info":
		s.info(w, r)
		return
	case "/websocket":
		wsconn.Serve(w, r, s.raw, s.h)
		return
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 || parts[0] != "" || !validID(parts[1]) || !validID(parts[2]) {
		http.NotFound(w, r)
		return
	}
	switch parts[3] {
	case "websocket":
		wsconn.Serve(w, r, s.framed, s.h)
	case "xhr", "xhr_send", "xhr_streaming", "eventsource", "htmlfile", "jsonp", "jsonp_send":
		// CORS headers let the browser show the client a plain 404, so
		// that its fallback gives up at once.
		s.cors(w, r)
		http.NotFound(w, r)
	default:
		http.NotFound(w, r)
	}
}

// validID reports whether a server or session path segment is acceptable.
func validID(s string) bool {
	return s != "" && !strings.Contains(s, ".")
}

func (s *handler) greeting(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	fmt.Fprint(w, "Welcome to SockJS!\n")
}

// info answers GET {prefix}/info and its preflight. The JS SDK fetches it
// with a credentialed cross-origin XHR, which the browser only lets through
// when the exact origin is echoed (never "*") together with
// Access-Control-Allow-Credentials.
func (s *handler) info(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		s.cors(w, r)
		hdr := w.Header()
		hdr.Set("Content-Type", "application/json; charset=UTF-8")
		hdr.Set("Cache-Control", "no-store, no-cache, no-transform, must-revalidate, max-age=0")
		fmt.Fprintf(w, `{"websocket":true,"origins":["*:*"],"cookie_needed":false,"entropy":%d}`, rand.Uint32())
	case http.MethodOptions:
		s.cors(w, r)
		hdr := w.Header()
		hdr.Set("Access-Control-Allow-Methods", "OPTIONS, GET")
		if reqHdr := r.Header.Get("Access-Control-Request-Headers"); reqHdr != "" {
			hdr.Set("Access-Control-Allow-Headers", reqHdr)
		}
		hdr.Set("Access-Control-Max-Age", "31536000")
		hdr.Set("Cache-Control", "public, max-age=31536000")
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// cors sets credentialed CORS headers for the request's origin, when there
// is one and it is allowed by OriginPatterns. Without an Origin header the
// request is not cross-origin and no header is needed.
func (s *handler) cors(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !s.originAllowed(r, origin) {
		return
	}
	hdr.Set("Access-Control-Allow-Origin", origin)
	hdr.Set("Access-Control-Allow-Credentials", "true")
}

// originAllowed applies OriginPatterns as the WebSocket upgrade does.
func (s *handler) originAllowed(r *http.Request, origin string) bool {
	if len(s.opts.OriginPatterns) == 0 {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if strings.EqualFold(r.Host, u.Host) {
		return true
	}
	for _, p := range s.opts.OriginPatterns {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}
