package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/parleychat/parley/internal/upload"
	"github.com/parleychat/parley/protocol"
)

// Upload is one SendFile of a client.
type Upload struct {
	// Pkg names the client ("customer", "agent") in its own errors.
	Pkg string
	// Max is the largest file the client uploads; TooLarge its error for
	// a larger one.
	Max      int64
	TooLarge error
	// URL is the send_file endpoint; Token returns the Authorization
	// header's value.
	URL   string
	Token func(context.Context) (string, error)
	HTTP  *http.Client
	File  upload.File
	// Progress, when not nil, hears the upload's progress (upload.Send).
	Progress func(float64)
}

// SendFile checks and streams a file to the server and returns its URL.
// A File.Size of 0 is unknown: an io.Seeker (an *os.File) tells it, else
// the file is streamed to its end and the server enforces its limit. Its
// errors are the client's, prefixed with "send_file: ": the closed
// client's, TooLarge before anything is sent (or wrapping the server's
// entity_too_large), a server's answer as the client's server error.
func (c *Core[N]) SendFile(ctx context.Context, u Upload) (string, error) {
	if err := c.ClosedErr(); err != nil {
		return "", fmt.Errorf("send_file: %w", err)
	}
	if u.File.Reader == nil || u.File.Size < 0 {
		return "", fmt.Errorf("%s: SendFile needs a Reader, and a Size not below 0", u.Pkg)
	}
	if u.File.Size > u.Max {
		return "", fmt.Errorf("send_file: %w: %d bytes", u.TooLarge, u.File.Size)
	}
	left, seekable := remaining(u.File.Reader)
	switch {
	case seekable && u.File.Size == 0:
		u.File.Size = left
	case seekable && left != u.File.Size:
		return "", fmt.Errorf("%s: SendFile: the reader has %d bytes, File.Size says %d", u.Pkg, left, u.File.Size)
	case u.File.Size == 0:
		u.File.Size = upload.Unknown
	}
	if u.File.Size > u.Max {
		return "", fmt.Errorf("send_file: %w: %d bytes", u.TooLarge, u.File.Size)
	}
	u.File.Max = u.Max
	auth, err := u.Token(ctx)
	if err != nil {
		return "", fmt.Errorf("send_file: %w", err)
	}
	url, err := upload.Send(ctx, u.HTTP, u.URL, auth, u.Pkg, u.File, u.Progress)
	var ue *upload.ServerError
	var re *upload.RequestError
	switch {
	case err == nil:
		return url, nil
	case errors.Is(err, upload.ErrTooLarge):
		return "", fmt.Errorf("send_file: %w: over %d bytes", u.TooLarge, u.Max)
	case errors.As(err, &ue) && ue.Type == protocol.ErrEntityTooLarge:
		return "", fmt.Errorf("send_file: %w: %w", u.TooLarge, c.cfg.Errors.Server(ue.Type, ue.Message, ue.Data))
	case errors.As(err, &ue):
		return "", fmt.Errorf("send_file: %w", c.cfg.Errors.Server(ue.Type, ue.Message, ue.Data))
	case errors.As(err, &re):
		return "", fmt.Errorf("send_file: %w", re.Err)
	}
	return "", err
}

// remaining returns the bytes left in r from its offset, when r is an
// io.Seeker that can tell (an *os.File of a regular file can; a pipe's
// cannot).
func remaining(r io.Reader) (int64, bool) {
	s, ok := r.(io.Seeker)
	if !ok {
		return 0, false
	}
	cur, err := s.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, false
	}
	end, err := s.Seek(0, io.SeekEnd)
	if _, err2 := s.Seek(cur, io.SeekStart); err != nil || err2 != nil {
		return 0, false
	}
	return max(end-cur, 0), true
}
