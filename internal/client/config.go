package client

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// DefaultNotificationBuffer is a client's notification queue when its
// config leaves it zero.
const DefaultNotificationBuffer = 1024

// BaseURL checks and normalizes a server base URL: scheme (http or
// https), host and path, without a trailing slash.
func BaseURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("must be an http or https URL, not %q", s)
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// WebSocketURL is the ws or wss URL of path on a base URL from BaseURL.
func WebSocketURL(base, path string) string {
	return "ws" + strings.TrimPrefix(base, "http") + path
}

// Defaults fills the config fields both clients share when they are zero:
// http.DefaultClient, a logger that discards, DefaultNotificationBuffer.
func Defaults(hc **http.Client, log **slog.Logger, buffer *int) {
	if *hc == nil {
		*hc = http.DefaultClient
	}
	if *log == nil {
		*log = slog.New(slog.DiscardHandler)
	}
	if *buffer <= 0 {
		*buffer = DefaultNotificationBuffer
	}
}
