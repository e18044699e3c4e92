package client

import (
	"encoding/json"
	"log/slog"

	"github.com/parleychat/parley/protocol"
)

// Decoder returns the payload decoder of a push: it unmarshals f's
// payload into v and reports whether that worked; a push it cannot read
// is logged (as pkg's) and skipped.
func Decoder(f protocol.Frame, log *slog.Logger, pkg string) func(v any) bool {
	return func(v any) bool {
		if err := json.Unmarshal(f.Payload, v); err != nil {
			log.Warn(pkg+": undecodable push", "action", f.Action, "err", err)
			return false
		}
		return true
	}
}
