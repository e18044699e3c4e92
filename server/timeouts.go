package server

import (
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/parleychat/parley/server/httpapi"
)

// Defaults of the HTTP timeouts (see Config).
const (
	DefaultHTTPReadHeaderTimeout = 10 * time.Second
	DefaultHTTPIdleTimeout       = 60 * time.Second
	DefaultHTTPBodyTimeout       = 30 * time.Second
	DefaultUploadMinRate         = 32 << 10 // bytes a second
)

// bodyDeadlines bounds the reading of request bodies with a read deadline
// on the connection: a client that sends its body too slowly gets a read
// error in the handler, which answers and closes the connection. An
// upload gets the body timeout plus the time its size (Content-Length, at
// most httpapi.MaxUploadBytes) takes at the minimum upload rate. The
// deadline is lifted once the body has been read, so that a handler that
// then runs long (a SockJS stream) is not cut.
//
// cut, called at Shutdown, ends every body still being read at once, and
// every body that starts after it: a slow client cannot hold a graceful
// shutdown.
type bodyDeadlines struct {
	timeout time.Duration
	minRate int

	mu      sync.Mutex
	reading map[*deadlineBody]struct{}
	cutting bool
}

func newBodyDeadlines(timeout time.Duration, minRate int) *bodyDeadlines {
	if timeout <= 0 {
		timeout = DefaultHTTPBodyTimeout
	}
	if minRate <= 0 {
		minRate = DefaultUploadMinRate
	}
	return &bodyDeadlines{timeout: timeout, minRate: minRate, reading: map[*deadlineBody]struct{}{}}
}

// limit is how long the body of r may take.
func (d *bodyDeadlines) limit(r *http.Request) time.Duration {
	if !httpapi.IsUpload(r) {
		return d.timeout
	}
	size := int64(httpapi.MaxUploadBytes)
	if r.ContentLength > 0 && r.ContentLength < size {
		size = r.ContentLength
	}
	return d.timeout + time.Duration(size)*time.Second/time.Duration(d.minRate)
}

func (d *bodyDeadlines) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			// Nothing to read: a GET, an upgrade, an empty POST.
			next.ServeHTTP(w, r)
			return
		}
		b := &deadlineBody{ReadCloser: r.Body, rc: http.NewResponseController(w), d: d}
		d.mu.Lock()
		deadline := time.Now().Add(d.limit(r))
		if d.cutting {
			deadline = time.Now()
		}
		err := b.rc.SetReadDeadline(deadline)
		if err == nil {
			d.reading[b] = struct{}{}
		}
		d.mu.Unlock()
		if err != nil {
			// A ResponseWriter without deadlines (a test recorder).
			next.ServeHTTP(w, r)
			return
		}
		defer d.forget(b)
		r.Body = b
		next.ServeHTTP(w, r)
	})
}

// forget stops tracking b. The deadline stays: what the handler left
// unread is still bounded while the server discards it.
func (d *bodyDeadlines) forget(b *deadlineBody) {
	d.mu.Lock()
	delete(d.reading, b)
	d.mu.Unlock()
}

// read is called when b has been read to its end: the connection may now
// idle as long as the handler runs.
func (d *bodyDeadlines) read(b *deadlineBody) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.reading[b]; ok {
		delete(d.reading, b)
		_ = b.rc.SetReadDeadline(time.Time{})
	}
}

// cut ends the bodies being read and those to come.
func (d *bodyDeadlines) cut() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cutting = true
	now := time.Now()
	for b := range d.reading {
		_ = b.rc.SetReadDeadline(now)
	}
}

// deadlineBody is a request body under a read deadline.
type deadlineBody struct {
	io.ReadCloser
	rc *http.ResponseController
	d  *bodyDeadlines
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.d.read(b)
	}
	return n, err
}
