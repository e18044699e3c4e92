package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/parleytest"
)

// TestChatInTmux runs `parley chat` in a real terminal (a private tmux
// server) against a test server: a first run starts a chat, a second run
// with the same --identity file is the same customer and lists that chat.
func TestChatInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed")
	}
	bin := buildParley(t)
	srv := parleytest.NewServer(t)
	dir := t.TempDir()
	sock := filepath.Join(dir, "tmux.sock")
	identity := filepath.Join(dir, "identity.json")
	tmux := func(args ...string) (string, error) {
		out, err := exec.Command("tmux", append([]string{"-S", sock}, args...)...).CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() { _, _ = tmux("kill-server") })

	run := func(session string) {
		t.Helper()
		cmd := strings.Join([]string{bin, "chat", "--server", srv.URL, "--license", strconv.Itoa(srv.License),
			"--client-id", srv.ClientID, "--name", "Tess", "--identity", identity}, " ")
		if out, err := tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", cmd); err != nil {
			t.Fatalf("tmux new-session: %v\n%s", err, out)
		}
	}
	screen := func(session string, want ...string) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			out, err := tmux("capture-pane", "-p", "-t", session)
			ok := err == nil
			for _, w := range want {
				ok = ok && strings.Contains(out, w)
			}
			if ok {
				return out
			}
			if time.Now().After(deadline) {
				t.Fatalf("the terminal did not show %q; it shows:\n%s", want, out)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	keys := func(session string, literal string, special ...string) {
		t.Helper()
		if literal != "" {
			if out, err := tmux("send-keys", "-t", session, "-l", literal); err != nil {
				t.Fatalf("tmux send-keys: %v\n%s", err, out)
			}
		}
		for _, k := range special {
			if out, err := tmux("send-keys", "-t", session, k); err != nil {
				t.Fatalf("tmux send-keys: %v\n%s", err, out)
			}
		}
	}

	run("first")
	s := screen("first", "● connected", "No chats yet")
	m := regexp.MustCompile(`customer (\S+)`).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no customer id on the screen:\n%s", s)
	}
	keys("first", "n")
	screen("first", "New chat")
	keys("first", "hello from a terminal", "Enter")
	screen("first", "you: hello from a terminal ✓")
	keys("first", "/quit", "Enter")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := tmux("has-session", "-t", "first"); err != nil {
			break // the program ended, and its session with it
		}
		if time.Now().After(deadline) {
			t.Fatal("parley chat did not quit on /quit")
		}
		time.Sleep(50 * time.Millisecond)
	}

	run("second")
	screen("second", "● connected", "customer "+m[1], "you: hello from a terminal")
	keys("second", "", "Enter")
	screen("second", "Chat ", "· open", "you: hello from a terminal")
	keys("second", "", "C-c")
}
