package customer_test

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// forbiddenDeps are import paths (and everything under them) that the
// client packages must never compile in: a program that chats as a
// customer does not link the server, its SQL drivers or its broker.
var forbiddenDeps = []string{
	"github.com/parleychat/parley/server",
	"database/sql",
	"github.com/jackc/pgx",
	"github.com/nats-io/nats.go",
}

// TestDeps guards the layout: the client packages (and everything they
// import, tests aside) stay apart from the server side.
func TestDeps(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goBin); err != nil {
			t.Skip("TestDeps needs the go command: not in PATH nor in GOROOT/bin")
		}
	}
	pkgs := []string{
		"github.com/parleychat/parley/customer",
		"github.com/parleychat/parley/internal/rtm",
	}
	// The agent client follows the same rule once it exists.
	if _, err := os.Stat(filepath.Join("..", "agent")); err == nil {
		pkgs = append(pkgs, "github.com/parleychat/parley/agent")
	}
	args := append([]string{"list", "-e", "-f", `{{.ImportPath}}{{range .Deps}} {{.}}{{end}}{{with .Error}} ERROR:{{.}}{{end}}`}, pkgs...)
	cmd := exec.Command(goBin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}

	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		pkg, deps := fields[0], fields[1:]
		seen[pkg] = true
		if i := strings.Index(sc.Text(), " ERROR:"); i >= 0 {
			t.Errorf("go list %s: %s", pkg, sc.Text()[i+len(" ERROR:"):])
			continue
		}
		for _, dep := range deps {
			for _, bad := range forbiddenDeps {
				if dep == bad || strings.HasPrefix(dep, bad+"/") {
					t.Errorf("%s depends on %s (forbidden: %s); see `go list -deps %s`", pkg, dep, bad, pkg)
				}
			}
		}
		// The listing is not vacuous: every client speaks the protocol.
		if pkg != "github.com/parleychat/parley/protocol" && !slices.Contains(deps, "github.com/parleychat/parley/protocol") {
			t.Errorf("%s: protocol missing from its dependencies; is the listing right? %v", pkg, deps)
		}
	}
	for _, p := range pkgs {
		if !seen[p] {
			t.Errorf("go list said nothing about %s:\n%s", p, out)
		}
	}
}
