// Package upload streams a file to a send_file endpoint as a multipart
// form, the mechanics shared by the customer and agent clients' SendFile.
package upload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
)

// File is what Send uploads: Size bytes read from Reader, or with Size
// Unknown all of Reader, up to Max bytes.
type File struct {
	ChatID      string
	Name        string // "file" when empty
	ContentType string // "application/octet-stream" when empty
	Reader      io.Reader
	Size        int64  // Unknown: read Reader to its end
	Max         int64  // the most bytes sent when Size is Unknown
	CustomID    string // sent only when not empty
}

// Unknown is the Size of a File whose length nobody knows.
const Unknown = -1

// ErrTooLarge is returned when a File of Unknown size has more than Max
// bytes; the upload was cut short, so nothing is stored.
var ErrTooLarge = errors.New("file too large")

// ServerError is the error the server answered with: its "error" object.
type ServerError struct {
	Type    string         `json:"type"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data"`
}

func (e *ServerError) Error() string { return e.Type + ": " + e.Message }

// RequestError is returned when the request cannot even be built (a bad
// URL); nothing was sent.
type RequestError struct{ Err error }

func (e *RequestError) Error() string { return e.Err.Error() }
func (e *RequestError) Unwrap() error { return e.Err }

// Send posts f to url as the form fields payload.chat_id,
// payload.custom_id and payload.file, with authHeader as its
// Authorization, and returns the payload's url from the answer. pkg names
// the caller in the error of a file of another length than its Size.
//
// The file is streamed (chunked), never held in memory whole. A Reader
// shorter or longer than Size, or of Unknown size and longer than Max,
// fails the upload before the form's end is sent, so the server stores
// nothing. progress, when not nil, hears 0 before the file's first byte,
// fractions below 1 as its bytes are sent (when Size is known) and 1
// last, once the server has the file; its calls are made one at a time,
// all before Send returns. Cancelling ctx aborts the upload, even while
// Reader is blocked in a Read.
//
// A server's error answer is returned as a *ServerError; one that cannot
// be built as a *RequestError; any other error (ErrTooLarge among them)
// is already prefixed with "send_file: ".
func Send(ctx context.Context, client *http.Client, url, authHeader, pkg string, f File, progress func(float64)) (string, error) {
	name := f.Name
	if name == "" {
		name = "file"
	}
	ctype := f.ContentType
	if ctype == "" {
		ctype = "application/octet-stream"
	}

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	wrote := make(chan struct{}) // closed when the writer has returned
	// readErr is the writer's error reading f.Reader (a length other than
	// Size, too large, the Reader's own); set before wrote is closed.
	var readErr error
	go func() {
		defer close(wrote)
		err := func() error {
			if err := mw.WriteField("payload.chat_id", f.ChatID); err != nil {
				return err
			}
			if f.CustomID != "" {
				if err := mw.WriteField("payload.custom_id", f.CustomID); err != nil {
					return err
				}
			}
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", `form-data; name="payload.file"; filename="`+escapeQuotes(name)+`"`)
			h.Set("Content-Type", ctype)
			part, err := mw.CreatePart(h)
			if err != nil {
				return err
			}
			src := &sizedReader{r: f.Reader, size: f.Size, max: f.Max, pkg: pkg}
			var r io.Reader = src
			if progress != nil {
				progress(0)
				r = &progressReader{r: src, total: max(f.Size, 0), fn: progress}
			}
			if _, err := io.Copy(part, r); err != nil {
				readErr = src.err
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, pr)
	if err != nil {
		pr.CloseWithError(err)
		return "", &RequestError{err}
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", authHeader)
	// The transport waits for the body's writer before it returns, and
	// that writer may be stuck in a Read of f.Reader: cut the pipe when
	// ctx ends so that the request fails at once.
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	defer stop()
	// fileErr is the writer's reading error, once it has returned.
	fileErr := func() error {
		select {
		case <-wrote:
			return readErr
		default:
			return nil
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		pr.CloseWithError(err)
		if ctx.Err() != nil {
			return "", fmt.Errorf("send_file: %w", ctx.Err())
		}
		if ferr := fileErr(); ferr != nil {
			return "", fmt.Errorf("send_file: %w", ferr)
		}
		return "", fmt.Errorf("send_file: %w", err)
	}
	defer resp.Body.Close()
	pr.CloseWithError(io.ErrClosedPipe) // the writer stops if the server answered early
	if ferr := fileErr(); ferr != nil {
		// The form was cut short: whatever the answer, nothing is stored.
		return "", fmt.Errorf("send_file: %w", ferr)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("send_file: %w", err)
	}
	var r struct {
		Payload struct {
			URL string `json:"url"`
		} `json:"payload"`
		Error *ServerError `json:"error"`
	}
	_ = json.Unmarshal(body, &r)
	if resp.StatusCode/100 != 2 {
		if r.Error != nil && r.Error.Type != "" {
			return "", r.Error
		}
		return "", fmt.Errorf("send_file: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	if progress != nil {
		// The server has the whole file, so the writer is done or about
		// to be: wait for it, so that progress is never called from two
		// goroutines at once.
		select {
		case <-wrote:
			progress(1)
		case <-ctx.Done():
		}
	}
	return r.Payload.URL, nil
}

func escapeQuotes(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "").Replace(s)
}

// sizedReader reads a file of size bytes (or of Unknown size, up to max)
// and fails, keeping its error in err, when the file is another length
// or larger.
type sizedReader struct {
	r         io.Reader
	size, max int64
	pkg       string
	n         int64
	err       error
}

func (s *sizedReader) Read(b []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	limit := s.size
	if limit == Unknown {
		limit = s.max
	}
	if s.n >= limit {
		// Every byte expected is read: the file must end here.
		var one [1]byte
		n, err := io.ReadFull(s.r, one[:])
		switch {
		case n > 0 && s.size == Unknown:
			s.err = ErrTooLarge
		case n > 0:
			s.err = fmt.Errorf("%s: the reader has more bytes than File.Size (%d)", s.pkg, s.size)
		case err == io.EOF:
			return 0, io.EOF
		default:
			s.err = err
		}
		return 0, s.err
	}
	n, err := s.r.Read(b[:min(int64(len(b)), limit-s.n)])
	s.n += int64(n)
	switch {
	case err == io.EOF && s.size != Unknown && s.n < s.size:
		s.err = fmt.Errorf("%s: the reader has %d bytes, File.Size says %d", s.pkg, s.n, s.size)
		return n, s.err
	case err == io.EOF:
		return n, io.EOF
	case err != nil:
		s.err = err
	}
	return n, err
}

type progressReader struct {
	r     io.Reader
	total int64
	sent  int64
	fn    func(float64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 && p.total > 0 {
		p.sent += int64(n)
		// 1 is reported when the server has answered.
		p.fn(min(float64(p.sent)/float64(p.total), 0.999))
	}
	return n, err
}
