package customer_test

// SendFile: progress, the stored bytes, the file event, the size limit
// checked before any request, and cancelling through ctx.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/protocol"
)

// tRandom returns n reproducible pseudo-random bytes.
func tRandom(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{1, 2, 3})
	_, _ = r.Read(b)
	return b
}

// tGet returns the body at url.
func tGet(t testing.TB, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d, %v", url, resp.StatusCode, err)
	}
	return b
}

// tCountingTransport counts the requests to the upload endpoint.
type tCountingTransport struct {
	uploads atomic.Int32
}

func (c *tCountingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.Contains(r.URL.Path, "send_file") {
		c.uploads.Add(1)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestSendFile(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, rec := tInit(t, srv)
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "here it comes")
	data := tRandom(300 << 10)

	// The calls come one at a time and end before SendFile returns: no
	// lock is needed (the race detector checks).
	var fracs []float64
	up, err := sdk.SendFile(ctx, c.ID, customer.File{Name: "report.bin", ContentType: "application/octet-stream",
		Reader: bytes.NewReader(data), Size: int64(len(data))},
		customer.OnProgress(func(f float64) { fracs = append(fracs, f) }))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(up.URL, srv.URL+"/") {
		t.Errorf("URL = %q", up.URL)
	}
	if len(fracs) < 3 || fracs[0] != 0 || fracs[len(fracs)-1] != 1 {
		t.Errorf("progress %v, want 0 first, 1 last and some in between", fracs)
	}
	for i := 1; i < len(fracs); i++ {
		if fracs[i] < fracs[i-1] || fracs[i] > 1 {
			t.Errorf("progress went from %v to %v", fracs[i-1], fracs[i])
		}
	}

	if got := tGet(t, up.URL); !bytes.Equal(got, data) {
		t.Errorf("the URL serves %d bytes, not the %d uploaded", len(got), len(data))
	}

	// The sender is told of its own file.
	ne := tWait(t, rec, func(e customer.NewEvent) bool { return e.Event.Type == customer.EventFile })
	e := ne.Event
	if ne.Chat != c.ID || e.URL != up.URL || e.Name != "report.bin" || e.Author != sdk.CustomerID() || e.Size != int64(len(data)) ||
		e.Thread != c.Thread || e.ID == "" {
		t.Errorf("file event = %+v", ne)
	}

	// A retry with the same CustomID is the same file.
	small := []byte("hello, file")
	send := func() customer.UploadedFile {
		t.Helper()
		u, err := sdk.SendFile(ctx, c.ID, customer.File{Name: "a.txt", Reader: bytes.NewReader(small), Size: int64(len(small)), CustomID: "file-1"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	first, again := send(), send()
	if first.URL != again.URL {
		t.Errorf("retry with the same CustomID: %s, then %s", first.URL, again.URL)
	}
	if got := tGet(t, first.URL); !bytes.Equal(got, small) {
		t.Errorf("served %q", got)
	}

	// A reader shorter than Size is an error.
	_, err = sdk.SendFile(ctx, c.ID, customer.File{Name: "short", Reader: strings.NewReader("12345"), Size: 10})
	if err == nil {
		t.Error("a reader shorter than Size: no error")
	}
}

func TestSendFileTooLarge(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	tr := &tCountingTransport{}
	sdk, _ := tInit(t, srv, func(c *customer.Config) { c.HTTPClient = &http.Client{Transport: tr} })
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "big one")

	var read atomic.Bool
	r := tReaderFunc(func(p []byte) (int, error) {
		read.Store(true)
		return 0, io.EOF
	})
	_, err := sdk.SendFile(ctx, c.ID, customer.File{Name: "big.bin", Reader: r, Size: customer.MaxFileSize + 1})
	if !errors.Is(err, customer.ErrFileTooLarge) {
		t.Fatalf("10 MiB + 1: %v, want ErrFileTooLarge", err)
	}
	if n := tr.uploads.Load(); n != 0 || read.Load() {
		t.Errorf("%d upload requests, reader read: %v; want nothing done", n, read.Load())
	}

	// Exactly 10 MiB is fine.
	data := make([]byte, customer.MaxFileSize)
	copy(data, "exactly ten mebibytes")
	up, err := sdk.SendFile(ctx, c.ID, customer.File{Name: "limit.bin", Reader: bytes.NewReader(data), Size: int64(len(data))})
	if err != nil {
		t.Fatalf("10 MiB: %v", err)
	}
	if tr.uploads.Load() != 1 {
		t.Errorf("%d upload requests", tr.uploads.Load())
	}
	if got := tGet(t, up.URL); !bytes.Equal(got, data) {
		t.Errorf("served %d bytes, want %d", len(got), len(data))
	}
}

type tReaderFunc func([]byte) (int, error)

func (f tReaderFunc) Read(p []byte) (int, error) { return f(p) }

func TestSendFileCancel(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, rec := tInit(t, srv)
	c := tStartChat(t, sdk, "slow upload")

	// The reader hands out 256 KiB, then waits: a slow disk or network.
	data := tRandom(256 << 10)
	blocked, release := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() { close(release) })
	var once sync.Once
	src := io.MultiReader(bytes.NewReader(data), tReaderFunc(func([]byte) (int, error) {
		once.Do(func() { close(blocked) })
		<-release
		return 0, io.ErrUnexpectedEOF
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var progressed atomic.Bool
	errc := make(chan error, 1)
	go func() {
		_, err := sdk.SendFile(ctx, c.ID, customer.File{Name: "big.bin", Reader: src, Size: 1 << 20},
			customer.OnProgress(func(f float64) {
				if f > 0 {
					progressed.Store(true)
				}
			}))
		errc <- err
	}()
	select {
	case <-blocked:
	case err := <-errc:
		t.Fatalf("SendFile returned before the reader blocked: %v", err)
	case <-time.After(tTimeout):
		t.Fatal("the reader was not read")
	}
	cancel()
	cancelled := time.Now()
	select {
	case err := <-errc:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled upload: %v, want context.Canceled", err)
		}
		if d := time.Since(cancelled); d > 5*time.Second {
			t.Errorf("SendFile returned %v after the cancel", d)
		}
	case <-time.After(tTimeout):
		t.Fatal("SendFile did not return after ctx was cancelled")
	}
	if !progressed.Load() {
		t.Error("no progress reported before the cancel")
	}

	// No file reached the chat.
	ths, err := sdk.GetChatThreads(tCtx(t), c.ID, []string{c.Thread})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ths[0].Events {
		if e.Type == customer.EventFile {
			t.Errorf("file event after a cancelled upload: %+v", e)
		}
	}
	if fs := tOf[customer.NewEvent](rec); len(fs) != 0 {
		t.Errorf("notifications of new events: %+v", fs)
	}

	// A ctx ended before the call fails it at once.
	_, err = sdk.SendFile(ctx, c.ID, customer.File{Name: "x", Reader: strings.NewReader("x"), Size: 1})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("SendFile with a cancelled ctx: %v", err)
	}
}

func TestSendFileErrors(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	owner, _ := tInit(t, srv)
	c := tStartChat(t, owner, "mine")
	stranger, _ := tInit(t, srv)
	_, err := stranger.SendFile(tCtx(t), c.ID, customer.File{Name: "x.txt", Reader: strings.NewReader("x"), Size: 1})
	var e *customer.Error
	if !errors.As(err, &e) || e.Type != protocol.ErrNotFound {
		t.Errorf("upload to another customer's chat: %v, want a not_found *Error", err)
	}
	if _, err := owner.SendFile(tCtx(t), c.ID, customer.File{Name: "x"}); err == nil {
		t.Error("a File without Reader: no error")
	}
}

// tFileEvents returns the file events of a chat's thread.
func tFileEvents(t testing.TB, sdk *customer.SDK, chatID, threadID string) []customer.Event {
	t.Helper()
	ths, err := sdk.GetChatThreads(tCtx(t), chatID, []string{threadID})
	if err != nil {
		t.Fatal(err)
	}
	var out []customer.Event
	for _, e := range ths[0].Events {
		if e.Type == customer.EventFile {
			out = append(out, e)
		}
	}
	return out
}

// tStream hides every method of r but Read: a pipe or a socket, whose size
// nobody knows.
func tStream(r io.Reader) io.Reader { return io.MultiReader(r) }

// TestSendFileSize: a reader longer or shorter than File.Size is an error
// and nothing is stored; without a Size, a seekable reader (an *os.File)
// tells its size and any other reader is streamed whole.
func TestSendFileSize(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	tr := &tCountingTransport{}
	sdk, _ := tInit(t, srv, func(c *customer.Config) { c.HTTPClient = &http.Client{Transport: tr} })
	ctx := tCtx(t)
	c := tStartChat(t, sdk, "sizes")
	const text = "eleven byte"

	for _, size := range []int64{5, 20} {
		_, err := sdk.SendFile(ctx, c.ID, customer.File{Name: "wrong.txt", Reader: tStream(strings.NewReader(text)), Size: size})
		if err == nil {
			t.Errorf("Size %d for %d bytes: no error", size, len(text))
		}
	}
	// A seekable reader of the wrong size is refused before any request.
	before := tr.uploads.Load()
	if _, err := sdk.SendFile(ctx, c.ID, customer.File{Name: "wrong.txt", Reader: strings.NewReader(text), Size: 5}); err == nil {
		t.Error("Size 5 for a strings.Reader of 11 bytes: no error")
	}
	if n := tr.uploads.Load() - before; n != 0 {
		t.Errorf("%d upload requests for a seekable reader of the wrong size", n)
	}
	if fs := tFileEvents(t, sdk, c.ID, c.Thread); len(fs) != 0 {
		t.Fatalf("files stored from readers of the wrong size: %+v", fs)
	}

	// Unknown size: the whole stream is sent.
	up, err := sdk.SendFile(ctx, c.ID, customer.File{Name: "stream.txt", Reader: tStream(strings.NewReader(text))})
	if err != nil {
		t.Fatal(err)
	}
	if got := tGet(t, up.URL); string(got) != text {
		t.Errorf("streamed file = %q, want %q", got, text)
	}

	// An *os.File tells its size, from its current offset.
	path := filepath.Join(t.TempDir(), "f.txt")
	if err := os.WriteFile(path, []byte("skip:"+text), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	var fracs []float64
	up, err = sdk.SendFile(ctx, c.ID, customer.File{Name: "f.txt", Reader: f}, customer.OnProgress(func(x float64) { fracs = append(fracs, x) }))
	if err != nil {
		t.Fatal(err)
	}
	if got := tGet(t, up.URL); string(got) != text {
		t.Errorf("file = %q, want %q", got, text)
	}
	if len(fracs) < 3 || fracs[1] <= 0 || fracs[1] >= 1 {
		t.Errorf("progress of a file of known size: %v, want fractions between 0 and 1", fracs)
	}
	fs := tFileEvents(t, sdk, c.ID, c.Thread)
	if len(fs) != 2 || fs[0].Size != int64(len(text)) || fs[1].Size != int64(len(text)) {
		t.Errorf("file events = %+v, want two of %d bytes", fs, len(text))
	}
}

// TestSendFileStreamTooLarge: a stream of unknown size over MaxFileSize
// fails with ErrFileTooLarge and nothing is stored.
func TestSendFileStreamTooLarge(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	c := tStartChat(t, sdk, "endless")
	big := io.LimitReader(tReaderFunc(func(p []byte) (int, error) { return len(p), nil }), customer.MaxFileSize+1)
	_, err := sdk.SendFile(tCtx(t), c.ID, customer.File{Name: "big.bin", Reader: big})
	if !errors.Is(err, customer.ErrFileTooLarge) {
		t.Errorf("a stream of 10 MiB + 1: %v, want ErrFileTooLarge", err)
	}
	if fs := tFileEvents(t, sdk, c.ID, c.Thread); len(fs) != 0 {
		t.Errorf("file stored: %+v", fs)
	}
}
