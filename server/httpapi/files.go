package httpapi

import (
	"context"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/parleychat/parley/server/chat"
)

// Uploads finds the files stored under Dir by the URLs their uploads
// answered: it is the server's chat.Uploads. Its fields are the Config's
// FilesDir and PublicURL.
type Uploads struct {
	Dir       string
	PublicURL string
}

// fileURL is the URL of the upload id of license named name.
func (u Uploads) fileURL(license int, id, name string) string {
	return strings.TrimRight(u.PublicURL, "/") + "/files/" + strconv.Itoa(license) + "/" + id + "/" + url.PathEscape(name)
}

// File returns the file uploaded to license that fileURL names
// (as an upload answered it): its name, its URL, its content type as
// sniffed when served, and its size. A URL of another license, of another
// server, or of no stored file is chat.ErrNotFound.
func (u Uploads) File(_ context.Context, license int, fileURL string) (chat.File, error) {
	rest, ok := strings.CutPrefix(fileURL, strings.TrimRight(u.PublicURL, "/")+"/files/")
	if !ok {
		return chat.File{}, chat.ErrNotFound
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] != strconv.Itoa(license) || !isUploadID(parts[1]) {
		return chat.File{}, chat.ErrNotFound
	}
	name, err := url.PathUnescape(parts[2])
	if err != nil {
		return chat.File{}, chat.ErrNotFound
	}
	name = cleanName(name)
	f, err := os.Open(filepath.Join(u.Dir, parts[0], parts[1], "file"))
	if err != nil {
		return chat.File{}, chat.ErrNotFound
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return chat.File{}, err
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return chat.File{}, err
	}
	return chat.File{Name: name, URL: u.fileURL(license, parts[1], name), ContentType: detectType(head[:n], name), Size: st.Size()}, nil
}

// isUploadID reports whether id has the form of an upload's id: 32
// lower-case hex digits.
func isUploadID(id string) bool {
	return len(id) == 32 && strings.Trim(id, "0123456789abcdef") == ""
}
