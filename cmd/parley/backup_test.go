package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/server/store/sqlite"
)

// TestBackupUnderLoad backs up a running server while customers keep
// sending, restores the backup into a new data directory and starts a
// server on it: every event acknowledged before the backup began is
// there, in each chat's acknowledgement order, with nothing but later
// acknowledged events after it; the database passes SQLite's integrity
// checks; a file uploaded before the backup is served; the customers'
// tokens still work (the key is in the backup).
func TestBackupUnderLoad(t *testing.T) {
	bin := buildParley(t)
	dataDir := t.TempDir()
	addr := freeAddr(t)
	startParley(t, bin, dataDir, addr)

	// A file, uploaded before the backup.
	upTok := customerToken(t, dataDir, "uploader")
	up := dialRTM(t, addr, upTok)
	upChat := up.call("start_chat", map[string]any{"chat": map[string]any{}})["chat"].(map[string]any)["id"].(string)
	fileURL := upload(t, "http://"+addr, upTok, upChat, "backed-up.txt", "the file's content")

	const chats = 8
	senders := make([]*loadSender, chats)
	var ready, wg sync.WaitGroup
	ready.Add(chats)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for i := range senders {
		senders[i] = &loadSender{}
		tok := customerToken(t, dataDir, fmt.Sprint("backup-customer-", i))
		wg.Go(func() { senders[i].run(ctx, addr, tok, ready.Done) })
	}
	waited := make(chan struct{})
	go func() { ready.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-ctx.Done():
		t.Fatal("the chats did not get 20 events acknowledged each")
	}

	before := make([][]string, chats) // acknowledged before the backup began
	for i, s := range senders {
		before[i] = s.ackedSoFar()
	}
	archive := filepath.Join(t.TempDir(), "parley-backup.tar.gz")
	out, stderr, status := parleyRun(t, bin, "backup", "--data-dir", dataDir, "--to", archive)
	if status != 0 || !strings.HasPrefix(out, "backed up ") || !strings.Contains(out, " 1 uploaded files ") {
		t.Fatalf("parley backup: status %d, stdout %q, stderr %q", status, out, stderr)
	}
	// The senders kept going through the backup.
	after := make([]int, chats)
	for i, s := range senders {
		after[i] = len(s.ackedSoFar())
	}
	grew := func() bool {
		for i, s := range senders {
			if len(s.ackedSoFar()) > after[i] {
				return true
			}
		}
		return false
	}
	for !grew() {
		select {
		case <-ctx.Done():
			t.Fatal("no chat got an event acknowledged after the backup: the server stalled")
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	wg.Wait()

	restored := filepath.Join(t.TempDir(), "restored")
	out, stderr, status = parleyRun(t, bin, "restore", "--from", archive, "--data-dir", restored)
	if status != 0 || !strings.HasPrefix(out, "restored ") {
		t.Fatalf("parley restore: status %d, stdout %q, stderr %q", status, out, stderr)
	}
	if err := sqlite.Check(context.Background(), filepath.Join(restored, "parley.db")); err != nil {
		t.Fatal(err)
	}
	// Restoring again over it needs --force.
	if _, stderr, status := parleyRun(t, bin, "restore", "--from", archive, "--data-dir", restored); status != 1 || !strings.Contains(stderr, "is not empty") {
		t.Errorf("restore into a non-empty directory: status %d, stderr %q", status, stderr)
	}

	addr2 := freeAddr(t)
	startParley(t, bin, restored, addr2)
	total := 0
	for i, s := range senders {
		// The customer's token, signed before the backup, is still good.
		c := dialRTM(t, addr2, customerToken(t, dataDir, fmt.Sprint("backup-customer-", i)))
		stored := c.storedEventIDs(s.chatID)
		if len(stored) < len(before[i]) {
			t.Errorf("chat %d: %d events restored, %d acknowledged before the backup", i, len(stored), len(before[i]))
			continue
		}
		// What follows them can only be events acknowledged later, or the
		// one in flight when the sender stopped.
		for j, id := range stored {
			if j < len(s.acked) && id != s.acked[j] {
				t.Errorf("chat %d, event %d: restored %s, acknowledged %s", i, j, id, s.acked[j])
				break
			}
			if j > len(s.acked) {
				t.Errorf("chat %d: %d events restored, %d ever acknowledged", i, len(stored), len(s.acked))
				break
			}
		}
		total += len(before[i])
	}
	resp, err := http.Get("http://" + addr2 + fileURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "the file's content" {
		t.Errorf("GET %s after restore: %s %q", fileURL, resp.Status, body)
	}
	t.Logf("backup taken with %d events acknowledged in %d chats; all restored", total, chats)
}

// upload sends a file to a chat as a customer (send_file) and returns the
// file's URL.
func upload(t *testing.T, base, token, chatID, name, content string) string {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("payload.chat_id", chatID)
	fw, _ := mw.CreateFormFile("payload.file", name)
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/v3.0/customer/action/send_file?license_id=123", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		URL string `json:"url"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != http.StatusOK || m.URL == "" {
		t.Fatalf("send_file: status %d, %v", resp.StatusCode, err)
	}
	return m.URL
}

// TestBackupRefusals checks the backup and restore commands' refusals: a
// PostgreSQL database (pg_dump is the tool), a missing data directory, an
// existing target, an archive that is not a backup.
func TestBackupRefusals(t *testing.T) {
	bin := buildParley(t)
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.tar.gz")
	if err := os.WriteFile(junk, []byte("not an archive"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"backup", "--to", filepath.Join(dir, "b.tgz"), "--database-url", "postgres://localhost/parley"}, "pg_dump"},
		{[]string{"restore", "--from", junk, "--data-dir", filepath.Join(dir, "r"), "--database-url", "postgres://localhost/parley"}, "pg_restore"},
		{[]string{"backup", "--to", filepath.Join(dir, "b.tgz"), "--data-dir", filepath.Join(dir, "none")}, "no database in"},
		{[]string{"backup", "--to", junk, "--data-dir", dir}, "no database in"},
		{[]string{"restore", "--from", junk, "--data-dir", filepath.Join(dir, "r")}, "not a parley backup"},
	} {
		_, stderr, status := parleyRun(t, bin, tc.args...)
		if status != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("parley %s: status %d, stderr %q, want %q", strings.Join(tc.args, " "), status, stderr, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "b.tgz")); err == nil {
		t.Error("a refused backup left a file")
	}
	if _, err := os.Stat(filepath.Join(dir, "r")); err == nil {
		t.Error("a refused restore left a data directory")
	}
}
