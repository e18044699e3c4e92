package chat

import (
	"context"
	"errors"
)

// Uploads finds the files uploaded to a license (server/httpapi stores
// them). A file event names its file by the URL its upload answered, and
// the file's name, type and size come from here, never from the client.
type Uploads interface {
	// File returns the file uploaded to the license whose URL is
	// url, or ErrNotFound when url names no file uploaded to that license.
	File(ctx context.Context, licenseID int, url string) (File, error)
}

// uploadedFile returns the file uploaded to the actor's license that url
// names: what a file event carries. A URL that names no upload of the
// license is invalid.
func (s *Service) uploadedFile(ctx context.Context, a Actor, url string) (File, error) {
	if s.uploads == nil {
		return File{}, invalid("this server stores no files")
	}
	if len(url) > maxFileURLBytes {
		return File{}, invalid("url is longer than %d bytes", maxFileURLBytes)
	}
	f, err := s.uploads.File(ctx, a.LicenseID, url)
	if errors.Is(err, ErrNotFound) {
		return File{}, invalid("url is not a file uploaded to this license")
	}
	if err != nil {
		return File{}, err
	}
	return f, nil
}

// maxFileURLBytes bounds the url of a file event: the server's public URL
// and a path of a 255-byte name, escaped.
const maxFileURLBytes = 2048
