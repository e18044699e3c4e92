package server

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/parleychat/parley/server/internal/limit"
)

// requestIDHeader carries a request's id: taken from the request when a
// proxy in front set a usable one, else made here; the response echoes it.
const requestIDHeader = "X-Request-Id"

// logRequests logs one line per plain HTTP request at info level ("http":
// method, path, status, duration, request id, client address); 5xx
// answers at warn. Refused requests (429) log at debug, so that a flood
// the rate limits turn away does not flood the log. RTM connections
// (upgraded, long-lived) log from their sessions: one line at login, one
// at the end.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/rtm/") {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		id := r.Header.Get(requestIDHeader)
		if !usableRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(requestIDHeader, id)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		level := slog.LevelInfo
		switch {
		case sw.status >= 500:
			level = slog.LevelWarn
		case sw.status == http.StatusTooManyRequests:
			level = slog.LevelDebug
		}
		if !s.log.Enabled(r.Context(), level) {
			return
		}
		s.log.LogAttrs(r.Context(), level, "http",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Duration("duration", time.Since(start)), slog.String("request_id", id),
			slog.String("client", limit.ClientIP(r).String()))
	})
}

// usableRequestID accepts the ids proxies make (UUIDs, hex, base64url) and
// nothing that could garble a log line.
func usableRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
