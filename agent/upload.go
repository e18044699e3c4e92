package agent

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/parleychat/parley/internal/upload"
)

// FileOption changes how SendFile uploads.
type FileOption func(*fileOptions)

type fileOptions struct {
	progress func(float64)
}

// OnProgress reports the upload's progress, from 0 to 1, as the file's
// bytes are sent. fn runs on the uploading goroutine.
func OnProgress(fn func(fraction float64)) FileOption {
	return func(o *fileOptions) { o.progress = fn }
}

// SendFile uploads a file to a chat the agent is in; the server adds a
// file event to the chat, which arrives as IncomingEvent (also for the
// sender). A file over MaxFileSize is refused with ErrFileTooLarge before
// anything is sent. Cancelling ctx aborts the upload. The file is
// streamed, never held in memory whole.
func (c *Client) SendFile(ctx context.Context, chatID string, f File, opts ...FileOption) (UploadedFile, error) {
	if c.isClosed() {
		return UploadedFile{}, fmt.Errorf("send_file: %w", ErrClosed)
	}
	if f.Size > MaxFileSize {
		return UploadedFile{}, fmt.Errorf("send_file: %w: %d bytes", ErrFileTooLarge, f.Size)
	}
	if f.Reader == nil || f.Size < 0 {
		return UploadedFile{}, fmt.Errorf("agent: SendFile needs a Reader and its Size")
	}
	var o fileOptions
	for _, opt := range opts {
		opt(&o)
	}
	tok, err := c.auth.token(ctx)
	if err != nil {
		return UploadedFile{}, fmt.Errorf("send_file: %w", err)
	}
	var ue *upload.ServerError
	url, err := upload.Send(ctx, c.cfg.HTTPClient,
		c.cfg.Server+"/v3.0/agent/action/send_file?license_id="+strconv.Itoa(c.cfg.License),
		tok.TokenType+" "+tok.AccessToken, "agent",
		upload.File{ChatID: chatID, Name: f.Name, ContentType: f.ContentType, Reader: f.Reader, Size: f.Size, CustomID: f.CustomID},
		o.progress)
	switch {
	case err == nil:
		return UploadedFile{URL: url}, nil
	case errors.As(err, &ue):
		return UploadedFile{}, fmt.Errorf("send_file: %w", &Error{Type: ue.Type, Message: ue.Message, Data: ue.Data})
	}
	var re *upload.RequestError
	if errors.As(err, &re) {
		return UploadedFile{}, fmt.Errorf("send_file: %w", re.Err)
	}
	return UploadedFile{}, err
}
