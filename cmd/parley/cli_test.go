package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// parleyRun runs the built binary with args and returns what it wrote and
// its exit status.
func parleyRun(t *testing.T, bin string, args ...string) (stdout, stderr string, status int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir() // the default data directory, if anything makes one, lands here
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		status = ee.ExitCode()
	case err != nil:
		t.Fatalf("parley %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), status
}

// TestUsageErrors checks that a misused command exits with status 2 and
// one line on standard error naming the problem and the --help to read,
// not the whole help.
func TestUsageErrors(t *testing.T) {
	bin := buildParley(t)
	for _, tc := range []struct {
		args []string
		want string // in the message
		help string // the hint's command
	}{
		{[]string{"serve", "--x"}, "unknown flag --x", "parley serve"},
		{[]string{"agent", "list", "--bogus"}, "unknown flag --bogus", "parley agent list"},
		{[]string{"agent", "add"}, "missing flags: --email", "parley agent add"},
		{[]string{"serve", "--log-level", "loud"}, "--log-level", "parley serve"},
		{[]string{"serve", "--shutdown-timeout", "soon"}, "--shutdown-timeout", "parley serve"},
		{[]string{"nonsense"}, "unexpected argument nonsense", "parley"},
		{nil, "expected one of", "parley"},
	} {
		stdout, stderr, status := parleyRun(t, bin, tc.args...)
		name := "parley " + strings.Join(tc.args, " ")
		if status != 2 {
			t.Errorf("%s: exit status %d, want 2", name, status)
		}
		if stdout != "" {
			t.Errorf("%s: wrote %q to standard output", name, stdout)
		}
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		if len(lines) != 1 {
			t.Errorf("%s: %d lines on standard error, want 1:\n%s", name, len(lines), stderr)
			continue
		}
		hint := "; see '" + tc.help + " --help'"
		if !strings.HasPrefix(lines[0], "parley: ") || !strings.Contains(lines[0], tc.want) || !strings.HasSuffix(lines[0], hint) {
			t.Errorf("%s: error %q, want \"parley: …%s…%s\"", name, lines[0], tc.want, hint)
		}
	}
	// Help is not an error.
	stdout, _, status := parleyRun(t, bin, "serve", "--help")
	if status != 0 || !strings.Contains(stdout, "--addr") {
		t.Errorf("parley serve --help: status %d, output %q", status, stdout)
	}
}

// TestVersion checks that `parley version` and `parley --version` print
// the module version and source revision the toolchain recorded in the
// binary (what `go version -m` reads).
func TestVersion(t *testing.T) {
	bin := buildParley(t)
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	var modVersion, rev string
	for _, f := range strings.Split(string(info), "\n") {
		fields := strings.Fields(f)
		switch {
		case len(fields) >= 3 && fields[0] == "mod" && fields[1] == "github.com/parleychat/parley":
			modVersion = fields[2]
		case len(fields) == 2 && strings.HasPrefix(fields[1], "vcs.revision="):
			rev = strings.TrimPrefix(fields[1], "vcs.revision=")
		}
	}
	if modVersion == "" {
		t.Fatalf("go version -m names no module version:\n%s", info)
	}
	wantRev := "revision unknown"
	if rev != "" {
		wantRev = "revision " + rev
	}
	want := "parley " + modVersion + " (" + wantRev
	for _, args := range [][]string{{"version"}, {"--version"}} {
		stdout, stderr, status := parleyRun(t, bin, args...)
		if status != 0 || stderr != "" {
			t.Fatalf("parley %s: status %d, stderr %q", args[0], status, stderr)
		}
		if !strings.HasPrefix(stdout, want) || !strings.Contains(stdout, runtime.Version()) || strings.Count(stdout, "\n") != 1 {
			t.Errorf("parley %s printed %q, want one line starting %q and naming %s", args[0], stdout, want, runtime.Version())
		}
	}
}

// TestAgentListUnknownLicense checks that listing the agents (groups,
// saved replies, clients) of a license the database does not have, or
// adding a client to it, is an error, not an empty list.
func TestAgentListUnknownLicense(t *testing.T) {
	bin := buildParley(t)
	dir := t.TempDir()
	if _, stderr, status := parleyRun(t, bin, "agent", "add", "--data-dir", dir, "--email", "ann@example.com", "--name", "Ann", "--password", "secret-pass"); status != 0 {
		t.Fatalf("agent add: status %d: %s", status, stderr)
	}
	stdout, _, status := parleyRun(t, bin, "agent", "list", "--data-dir", dir)
	if status != 0 || !strings.Contains(stdout, "ann@example.com") {
		t.Fatalf("agent list of license 123: status %d, output %q", status, stdout)
	}
	// Every command that reads a license's accounts wants it to exist.
	for _, cmd := range [][]string{{"agent", "list"}, {"group", "list"}, {"reply", "list"}, {"client", "list"}, {"client", "add"}} {
		stdout, stderr, status := parleyRun(t, bin, append(cmd, "--data-dir", dir, "--license", "999")...)
		if status != 1 || stdout != "" || stderr != "parley: there is no license 999 in this database\n" {
			t.Errorf("%s --license 999: status %d, stdout %q, stderr %q", strings.Join(cmd, " "), status, stdout, stderr)
		}
	}
	empty := filepath.Join(t.TempDir(), "none")
	_, stderr, status := parleyRun(t, bin, "agent", "list", "--data-dir", empty)
	if status != 1 || !strings.Contains(stderr, "no database in "+empty) {
		t.Errorf("agent list on a missing data directory: status %d, stderr %q", status, stderr)
	}
	if _, err := os.Stat(empty); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("agent list created %s (%v)", empty, err)
	}
}

// TestServeBadAddress checks that serve fails on an address it cannot
// listen on before it creates its data directory.
func TestServeBadAddress(t *testing.T) {
	bin := buildParley(t)
	for _, flags := range [][]string{
		{"--addr", "nonsense"},
		{"--addr", "127.0.0.1:0", "--admin-addr", "256.0.0.1:1"},
	} {
		dir := filepath.Join(t.TempDir(), "data")
		args := append([]string{"serve", "--data-dir", dir}, flags...)
		_, stderr, status := parleyRun(t, bin, args...)
		if status != 1 || !strings.HasPrefix(stderr, "parley: "+flags[len(flags)-2]+": ") {
			t.Errorf("parley %s: status %d, stderr %q", strings.Join(args, " "), status, stderr)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("parley %s created its data directory (%v)", strings.Join(args, " "), err)
		}
	}
}

// TestReadmeFlags checks that every flag the README's table of serve
// settings names is a flag of parley serve.
func TestReadmeFlags(t *testing.T) {
	bin := buildParley(t)
	help, _, status := parleyRun(t, bin, "serve", "--help")
	if status != 0 {
		t.Fatalf("serve --help: status %d", status)
	}
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile("^\\| `(--[a-z0-9-]+)` \\|")
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		m := row.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n++
		if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(m[1]) + `[= ]`).MatchString(help + " ") {
			t.Errorf("README names %s, which parley serve does not have", m[1])
		}
	}
	if n < 10 {
		t.Fatalf("found %d flags in the README's table; has its layout changed?", n)
	}
}
