package chatui_test

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/e2e/internal/parleybin"
)

// tmux is a private tmux server that runs `parley chat` of the built
// binary in a real terminal.
type tmux struct {
	t    *testing.T
	sock string
	bin  string
}

func newTmux(t *testing.T, bin string) *tmux {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed (.ci/run installs it): the terminal chat was not run in a terminal")
	}
	tm := &tmux{t: t, sock: filepath.Join(t.TempDir(), "tmux.sock"), bin: bin}
	t.Cleanup(func() { _, _ = tm.cmd("kill-server") })
	return tm
}

func (tm *tmux) cmd(args ...string) (string, error) {
	out, err := exec.Command("tmux", append([]string{"-S", tm.sock}, args...)...).CombinedOutput()
	return string(out), err
}

// chat runs `parley chat` with args in a new session; when it ends, the
// pane shows its exit status ("exit status N") under what it printed.
func (tm *tmux) chat(session string, args ...string) {
	tm.t.Helper()
	line := tm.bin + " chat " + strings.Join(args, " ") + `; echo "exit status $?"; sleep 600`
	if out, err := tm.cmd("new-session", "-d", "-s", session, "-x", "120", "-y", "30", line); err != nil {
		tm.t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
}

// screen waits until the pane shows every one of want (or matches re,
// when want holds one string starting with "re:"), and returns it.
func (tm *tmux) screen(session string, want ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(waitTime)
	for {
		out, err := tm.cmd("capture-pane", "-p", "-t", session)
		ok := err == nil
		for _, w := range want {
			if re, isRE := strings.CutPrefix(w, "re:"); isRE {
				ok = ok && regexp.MustCompile(re).MatchString(out)
			} else {
				ok = ok && strings.Contains(out, w)
			}
		}
		if ok {
			return out
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the terminal did not show %q; it shows:\n%s", want, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (tm *tmux) keys(session, literal string, special ...string) {
	tm.t.Helper()
	if literal != "" {
		if out, err := tm.cmd("send-keys", "-t", session, "-l", literal); err != nil {
			tm.t.Fatalf("tmux send-keys: %v\n%s", err, out)
		}
	}
	for _, k := range special {
		if out, err := tm.cmd("send-keys", "-t", session, k); err != nil {
			tm.t.Fatalf("tmux send-keys: %v\n%s", err, out)
		}
	}
}

// TestBinaryRefused runs `parley chat` against `parley serve` with a
// license and a client id the server does not know: each run ends at once
// with exit status 1 and says why in words.
func TestBinaryRefused(t *testing.T) {
	bin := parleybin.Build(t)
	srv := parleybin.Serve(t, bin, t.TempDir())
	tm := newTmux(t, bin)
	identity := filepath.Join(t.TempDir(), "identity.json")

	tm.chat("license", "--server", srv.URL, "--license", "999", "--identity", identity)
	tm.screen("license", "parley chat: license 999 not found on "+srv.URL+"\n", "exit status 1")

	tm.chat("client", "--server", srv.URL, "--client-id", "no-such-app", "--identity", identity)
	tm.screen("client", `parley chat: client id "no-such-app" is not known to license 123 on `+srv.URL+"\n", "exit status 1")

	tm.chat("usage", "--server", "chat.example.com", "--identity", identity)
	tm.screen("usage", `parley chat: --server must be an http or https URL, not "chat.example.com"`, "exit status 2")
}

// TestBinaryReconnect stops `parley serve` under a running `parley chat`:
// the status line says the server is gone, the attempt and the seconds to
// the next; once the server is back it says connected again, and the chat
// goes on.
func TestBinaryReconnect(t *testing.T) {
	bin := parleybin.Build(t)
	srv := parleybin.Serve(t, bin, t.TempDir())
	tm := newTmux(t, bin)
	tm.chat("c", "--server", srv.URL, "--name", "Tess", "--identity", filepath.Join(t.TempDir(), "identity.json"))
	tm.screen("c", "● connected", "No chats yet")
	tm.keys("c", "n")
	tm.screen("c", "New chat")
	tm.keys("c", "before the outage", "Enter")
	tm.screen("c", "you: before the outage ✓")

	srv.Stop()
	s := tm.screen("c", `re:◌ reconnecting \(attempt ([2-9]), next in \d+s\): the server does not accept connections \(is it running\?\)`)
	m := regexp.MustCompile(`attempt (\d+)`).FindStringSubmatch(s)
	if n, _ := strconv.Atoi(m[1]); n < 2 {
		t.Fatalf("attempt %d", n)
	}

	srv.Start()
	s = tm.screen("c", "● connected")
	if strings.Contains(s, "reconnecting") || strings.Contains(s, "attempt") {
		t.Fatalf("the status line still speaks of reconnecting:\n%s", s)
	}
	tm.keys("c", "after the outage", "Enter")
	tm.screen("c", "you: after the outage ✓")
	tm.keys("c", "/quit", "Enter")
	tm.screen("c", "exit status 0")
}
