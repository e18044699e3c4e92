package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
)

// killChildEnv names the database file a child process of TestSurvivesKill
// writes to.
const killChildEnv = "PARLEY_SQLITE_KILL_CHILD"

// TestSurvivesKill appends events in a child process, kills it with SIGKILL
// while it is writing, and checks that every append the child saw
// acknowledged is in the file.
func TestSurvivesKill(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		killChild(path)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path := filepath.Join(t.TempDir(), "parley.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSurvivesKill$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acked []string
	lines := bufio.NewScanner(out)
	for lines.Scan() && len(acked) < 100 {
		if id, ok := strings.CutPrefix(lines.Text(), "acked "); ok {
			acked = append(acked, id)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if len(acked) < 100 {
		t.Fatalf("child acknowledged only %d appends", len(acked))
	}

	s := open(t, path)
	defer s.Close()
	evs, err := s.EventsAfter(context.Background(), "chat-1", 0, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for _, e := range evs {
		stored[e.ID] = true
	}
	for _, id := range acked {
		if !stored[id] {
			t.Errorf("acknowledged event %s lost", id)
		}
	}
	for i, e := range evs {
		if e.Order != i+1 {
			t.Fatalf("event %d has order %d", i, e.Order)
		}
	}
}

// killChild appends events until it is killed, printing each acknowledged
// event id.
func killChild(path string) {
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	at := time.Now()
	_, _, err = s.CreateChat(ctx, chat.NewChat{
		Chat:   chat.Chat{ID: "chat-1", LicenseID: 1, CustomerID: "c", CreatedAt: at},
		Thread: chat.Thread{ID: "thread-1", CreatedAt: at},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for i := 0; ; i++ {
		id := fmt.Sprintf("event-%d", i)
		_, err := s.AppendEvent(ctx, chat.AppendEvent{Mode: chat.AppendActive, Event: chat.Event{
			ID: id, ChatID: "chat-1", Type: chat.EventMessage, AuthorID: "c", CreatedAt: time.Now(), Text: "x"}})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("acked %s\n", id)
	}
}
