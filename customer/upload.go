package customer

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
// bytes are sent. fn's calls are made one at a time, before SendFile
// returns; 1 comes last, once the server has the file.
func OnProgress(fn func(fraction float64)) FileOption {
	return func(o *fileOptions) { o.progress = fn }
}

// SendFile uploads a file to a chat; the server adds a file event to the
// chat, which arrives as NewEvent (also for the sender). A file over
// MaxFileSize is refused with ErrFileTooLarge before anything is sent.
// Cancelling ctx aborts the upload. The file is streamed, never held in
// memory whole.
func (s *SDK) SendFile(ctx context.Context, chatID string, f File, opts ...FileOption) (UploadedFile, error) {
	if s.isDestroyed() {
		return UploadedFile{}, ErrDestroyed
	}
	if f.Size > MaxFileSize {
		return UploadedFile{}, fmt.Errorf("%w: %d bytes", ErrFileTooLarge, f.Size)
	}
	if f.Reader == nil || f.Size < 0 {
		return UploadedFile{}, fmt.Errorf("customer: SendFile needs a Reader and its Size")
	}
	var o fileOptions
	for _, opt := range opts {
		opt(&o)
	}
	tok, err := s.auth.GetToken(ctx)
	if err != nil {
		return UploadedFile{}, err
	}
	var ue *upload.ServerError
	url, err := upload.Send(ctx, s.cfg.HTTPClient,
		s.cfg.Server+"/v3.0/customer/action/send_file?license_id="+strconv.Itoa(s.cfg.License),
		tok.TokenType+" "+tok.AccessToken, "customer",
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
		return UploadedFile{}, re.Err
	}
	return UploadedFile{}, err
}
