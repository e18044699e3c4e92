package customer

import (
	"context"
	"strconv"

	"github.com/parleychat/parley/internal/client"
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
// MaxFileSize is refused with ErrFileTooLarge before anything is sent
// (one of unknown size as soon as it is found larger). A Reader of
// another length than a File.Size not zero is an error, and nothing is
// stored. Cancelling ctx aborts the upload. The file is streamed, never
// held in memory whole.
func (s *SDK) SendFile(ctx context.Context, chatID string, f File, opts ...FileOption) (UploadedFile, error) {
	var o fileOptions
	for _, opt := range opts {
		opt(&o)
	}
	url, err := s.core.SendFile(ctx, client.Upload{
		Pkg: "customer", Max: MaxFileSize, TooLarge: ErrFileTooLarge, HTTP: s.cfg.HTTPClient,
		URL: s.cfg.Server + "/v3.0/customer/action/send_file?license_id=" + strconv.Itoa(s.cfg.License),
		Token: func(ctx context.Context) (string, error) {
			tok, err := s.auth.GetToken(ctx)
			return tok.TokenType + " " + tok.AccessToken, err
		},
		File:     upload.File{ChatID: chatID, Name: f.Name, ContentType: f.ContentType, Reader: f.Reader, Size: f.Size, CustomID: f.CustomID},
		Progress: o.progress,
	})
	if err != nil {
		return UploadedFile{}, err
	}
	return UploadedFile{URL: url}, nil
}
