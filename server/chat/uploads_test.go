package chat_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/httpapi"
)

// TestFileEventFromUpload: a file event names its upload by URL; the
// Service takes the file's name, type and size from the upload, and
// refuses a URL that names no upload of the sender's license.
func TestFileEventFromUpload(t *testing.T) {
	e := newEnv(t, 0)
	dir := t.TempDir()
	const id = "0123456789abcdef0123456789abcdef"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "1", id), 0o750))
	must(os.WriteFile(filepath.Join(dir, "1", id, "file"), []byte("%PDF-1.4 hello"), 0o640))
	uploads := httpapi.Uploads{Dir: dir, PublicURL: "https://chat.example"}
	svc, err := chat.NewService(chat.Config{Store: e.store, Uploads: uploads})
	must(err)
	cu := e.customer("uploader")
	c, _, err := svc.StartChat(e.ctx, cu, chat.StartChat{Events: []chat.Event{message("hi")}})
	must(err)

	url := "https://chat.example/files/1/" + id + "/report%201.pdf"
	// The client's name, type and size are not believed.
	r, err := svc.SendEvent(e.ctx, cu, c.ID, chat.Event{Type: chat.EventFile, File: &chat.File{URL: url, Name: "x.exe", ContentType: "text/html", Size: 1}}, false)
	must(err)
	want := chat.File{Name: "report 1.pdf", URL: url, ContentType: "application/pdf", Size: 14}
	if got := *r.Event.File; got != want {
		t.Fatalf("file event carries %+v, want %+v", got, want)
	}

	for name, bad := range map[string]string{
		"another license":  "https://chat.example/files/2/" + id + "/report.pdf",
		"another server":   "https://evil.example/files/1/" + id + "/report.pdf",
		"no such upload":   "https://chat.example/files/1/ffffffffffffffffffffffffffffffff/report.pdf",
		"not an upload id": "https://chat.example/files/1/../../token.key/x",
		"a longer path":    "https://chat.example/files/1/" + id + "/a/b",
		"empty":            "",
	} {
		_, err := svc.SendEvent(e.ctx, cu, c.ID, chat.Event{Type: chat.EventFile, File: &chat.File{URL: bad}}, false)
		wantErr(t, err, chat.ErrInvalid, name)
	}
	// In the first events of a chat too.
	_, _, err = svc.StartChat(e.ctx, e.customer("other"), chat.StartChat{Events: []chat.Event{{Type: chat.EventFile, File: &chat.File{URL: "https://chat.example/files/2/" + id + "/r.pdf"}}}})
	wantErr(t, err, chat.ErrInvalid, "start_chat with a foreign file")

	// Without Uploads, no file event is taken.
	_, err = e.svc.SendEvent(e.ctx, cu, c.ID, chat.Event{Type: chat.EventFile, File: &chat.File{URL: url}}, false)
	wantErr(t, err, chat.ErrInvalid, "no uploads")
}

// TestWebCustomer: a Web API caller is created on its first call without
// a visit, and refused when banned or of no license.
func TestWebCustomer(t *testing.T) {
	e := newEnv(t, 0)
	c, err := e.svc.WebCustomer(e.ctx, license, "web-only")
	if err != nil || c.ID != "web-only" || c.Visits != 0 {
		t.Fatalf("first call: %+v, %v", c, err)
	}
	if _, err := e.store.Customer(e.ctx, license, "web-only"); err != nil {
		t.Fatalf("not stored: %v", err)
	}
	_, err = e.svc.WebCustomer(e.ctx, 999, "web-only")
	wantErr(t, err, chat.ErrNotFound, "unknown license")
	manager := e.agentAs(chat.RoleOwner, "boss", 5)
	e.must(e.svc.BanCustomer(e.ctx, manager, "web-only", 1), "BanCustomer")
	_, err = e.svc.WebCustomer(e.ctx, license, "web-only")
	wantErr(t, err, chat.ErrBanned, "banned")
}
