package httpapi

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/time/rate"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/internal/limit"
)

// Defaults of the upload quotas.
const (
	DefaultUploadsPerHour     = 60
	DefaultUploadBytesPerHour = 100 << 20
)

// uploadQuota limits each customer's uploads, in count and in bytes, over
// a sliding hour (token buckets that refill evenly and hold an hour's
// worth). Nil limiters: no limit.
type uploadQuota struct {
	count *limit.Keyed
	bytes *limit.Keyed
}

func newUploadQuota(cfg Config) uploadQuota {
	perHour := func(n int64) rate.Limit { return rate.Limit(float64(n) / 3600) }
	var q uploadQuota
	n, b := int64(cfg.UploadsPerHour), cfg.UploadBytesPerHour
	if n == 0 {
		n = DefaultUploadsPerHour
	}
	if b == 0 {
		b = DefaultUploadBytesPerHour
	}
	if n > 0 {
		q.count = limit.NewKeyed(perHour(n), int(n), cfg.MaxKeys)
	}
	if b > 0 {
		b = min(b, math.MaxInt32)
		q.bytes = limit.NewKeyed(perHour(b), int(b), cfg.MaxKeys)
	}
	return q
}

// allow takes one upload of size bytes (its request's length; unknown: the
// most an upload may be) from the customer's quota at now. When refused it
// writes the answer, 429 with Retry-After, and returns false.
func (q uploadQuota) allow(w http.ResponseWriter, a chat.Actor, size int64, now time.Time) bool {
	key := strconv.Itoa(a.LicenseID) + "/" + a.UserID
	if size <= 0 {
		size = MaxUploadBytes
	}
	refuse := func(wait time.Duration, what string) bool {
		limit.SetRetryAfter(w.Header(), wait)
		writeError(w, http.StatusTooManyRequests, protocol.ErrTooManyRequests, "Too many "+what+" this hour; try again later.")
		return false
	}
	var n *rate.Reservation
	if q.count != nil {
		var wait time.Duration
		if n, wait = q.count.Take(key, 1, now); n == nil {
			return refuse(wait, "uploads")
		}
	}
	if q.bytes != nil {
		if b, wait := q.bytes.Take(key, int(min(size, math.MaxInt32)), now); b == nil {
			if n != nil {
				n.CancelAt(now)
			}
			return refuse(wait, "uploaded bytes")
		}
	}
	return true
}
