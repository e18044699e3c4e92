package httpapi_test

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/httpapi"
)

// TestUploadSyncedBeforeAck checks that an upload survives a power loss as
// events do: the file and every directory entry leading to it reach the
// disk before the file event is stored (and so before the upload is
// answered).
func TestUploadSyncedBeforeAck(t *testing.T) {
	srv := parleytest.NewServer(t)
	tok := srv.CustomerToken(t, "durable")
	chatID, _ := startChat(t, srv, tok)

	var mu sync.Mutex
	var paths []string
	var early []string // paths synced after the file event was stored
	restore := httpapi.OnSynced(func(path string) {
		evs, err := srv.Store().EventsAfter(context.Background(), chatID, 0, 0, 100)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			t.Errorf("EventsAfter: %v", err)
		}
		paths = append(paths, path)
		if slices.ContainsFunc(evs, func(e chat.Event) bool { return e.Type == chat.EventFile }) {
			early = append(early, path)
		}
	})
	t.Cleanup(restore)

	resp := upload(t, srv, tok, chatID, "power.txt", []byte("survives a power cut"))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %v", resp.StatusCode, decode(t, resp.Body))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(early) > 0 {
		t.Errorf("synced after the file event was stored: %v", early)
	}
	filesDir := filepath.Join(srv.DataDir, "files")
	licenseDir := filepath.Join(filesDir, strconv.Itoa(srv.License))
	if len(paths) != 4 {
		t.Fatalf("synced %v: want the file, its directory, the license directory and the files directory", paths)
	}
	file, idDir := paths[0], paths[1]
	if filepath.Base(file) != "file" || filepath.Dir(file) != idDir || filepath.Dir(idDir) != licenseDir {
		t.Errorf("synced %v first: want <files>/%d/<id>/file and its directory", paths[:2], srv.License)
	}
	if paths[2] != licenseDir || paths[3] != filesDir {
		t.Errorf("synced %v then: want %s and %s", paths[2:], licenseDir, filesDir)
	}
}
