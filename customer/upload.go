package customer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
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
	go func() {
		defer close(wrote)
		err := func() error {
			if err := mw.WriteField("payload.chat_id", chatID); err != nil {
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
			src := io.LimitReader(f.Reader, f.Size)
			if o.progress != nil {
				o.progress(0)
				src = &progressReader{r: src, total: f.Size, fn: o.progress}
			}
			n, err := io.Copy(part, src)
			if err != nil {
				return err
			}
			if n != f.Size {
				return fmt.Errorf("customer: file has %d bytes, Size says %d", n, f.Size)
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()

	url := s.cfg.Server + "/v3.0/customer/action/send_file?license_id=" + strconv.Itoa(s.cfg.License)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, pr)
	if err != nil {
		pr.CloseWithError(err)
		return UploadedFile{}, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", tok.TokenType+" "+tok.AccessToken)
	// The transport waits for the body's writer before it returns, and
	// that writer may be stuck in a Read of f.Reader: cut the pipe when
	// ctx ends so that the request fails at once.
	stop := context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })
	defer stop()
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		pr.CloseWithError(err)
		if ctx.Err() != nil {
			return UploadedFile{}, fmt.Errorf("send_file: %w", ctx.Err())
		}
		return UploadedFile{}, fmt.Errorf("send_file: %w", err)
	}
	defer resp.Body.Close()
	pr.CloseWithError(io.ErrClosedPipe) // the writer stops if the server answered early
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return UploadedFile{}, fmt.Errorf("send_file: %w", err)
	}
	var r struct {
		Payload struct {
			URL string `json:"url"`
		} `json:"payload"`
		Error *Error `json:"error"`
	}
	_ = json.Unmarshal(body, &r)
	if resp.StatusCode/100 != 2 {
		if r.Error != nil && r.Error.Type != "" {
			return UploadedFile{}, fmt.Errorf("send_file: %w", r.Error)
		}
		return UploadedFile{}, fmt.Errorf("send_file: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	if o.progress != nil {
		// The server has the whole file, so the writer is done or about
		// to be: wait for it, so that fn is never called from two
		// goroutines at once.
		select {
		case <-wrote:
			o.progress(1)
		case <-ctx.Done():
		}
	}
	return UploadedFile{URL: r.Payload.URL}, nil
}

func escapeQuotes(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\r", "", "\n", "").Replace(s)
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
