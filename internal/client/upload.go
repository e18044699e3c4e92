package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/parleychat/parley/internal/upload"
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
// Its errors are the client's, prefixed with "send_file: ": the closed
// client's, TooLarge before anything is sent, a server's answer as the
// client's server error.
func (c *Core[N]) SendFile(ctx context.Context, u Upload) (string, error) {
	if c.Closed() {
		return "", fmt.Errorf("send_file: %w", c.cfg.Errors.Closed)
	}
	if u.File.Size > u.Max {
		return "", fmt.Errorf("send_file: %w: %d bytes", u.TooLarge, u.File.Size)
	}
	if u.File.Reader == nil || u.File.Size < 0 {
		return "", fmt.Errorf("%s: SendFile needs a Reader and its Size", u.Pkg)
	}
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
	case errors.As(err, &ue):
		return "", fmt.Errorf("send_file: %w", c.cfg.Errors.Server(ue.Type, ue.Message, ue.Data))
	case errors.As(err, &re):
		return "", fmt.Errorf("send_file: %w", re.Err)
	}
	return "", err
}
