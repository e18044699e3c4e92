package ws

import (
	"net/http"
	"slices"

	"github.com/parleychat/parley/server/internal/transport"
	"github.com/parleychat/parley/server/internal/transport/internal/wsconn"
)

// Handler returns an http.Handler that upgrades every request to a
// WebSocket and serves it with h; the connection is closed when h returns.
// It answers at any path: mount it where the endpoint lives. A request that
// is not a valid WebSocket upgrade (or comes from an origin not allowed by
// opts.OriginPatterns) gets an HTTP error and h is not called.
func Handler(h transport.Handler, opts transport.Options) http.Handler {
	opts.OriginPatterns = slices.Clone(opts.OriginPatterns)
	cfg := &wsconn.Config{Options: opts}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		wsconn.Serve(w, r, cfg, h)
	})
}
