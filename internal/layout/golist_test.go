package layout_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// modulePath is the root module; rules name packages relative to it.
const modulePath = "github.com/parleychat/parley"

// pkg is what `go list -json` says about one package.
type pkg struct {
	ImportPath   string
	Name         string
	Dir          string
	GoFiles      []string
	CgoFiles     []string
	TestGoFiles  []string
	XTestGoFiles []string
	Imports      []string // direct, non-test
	Deps         []string // transitive, non-test
	Module       *struct {
		Path string
		Main bool
	}
	Error *struct{ Err string }
}

// rel is p's import path relative to the root module ("server/chat"),
// or the full path for a package of another module.
func (p *pkg) rel() string {
	if p.ImportPath == modulePath {
		return "."
	}
	return strings.TrimPrefix(p.ImportPath, modulePath+"/")
}

// goBin is the go command. `go test` puts its own GOROOT/bin first in the
// test's PATH, so the lookup finds the toolchain that runs the test.
func goBin(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the layout tests read the module with `go list`: %v", err)
	}
	return bin
}

// moduleRoot is the directory of the root module's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command(goBin(t), "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("go env GOMOD: not in a module")
	}
	return filepath.Dir(gomod)
}

// inModule reports whether p belongs to the module go list ran in.
func (p *pkg) inModule() bool { return p.Module != nil && p.Module.Main }

// listModule runs `go list -deps -json ./...` in dir and returns, by import
// path, the packages of the module there and everything they link.
func listModule(t *testing.T, dir string) map[string]*pkg {
	t.Helper()
	cmd := exec.Command(goBin(t), "list", "-e", "-deps", "-json", "./...")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list in %s: %v\n%s", dir, err, stderr.Bytes())
	}
	pkgs := map[string]*pkg{}
	mine := 0
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		p := new(pkg)
		if err := dec.Decode(p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("go list in %s: %v", dir, err)
		}
		if p.Error != nil {
			t.Errorf("go list %s: %s", p.ImportPath, p.Error.Err)
		}
		if p.inModule() {
			mine++
		}
		pkgs[p.ImportPath] = p
	}
	if mine == 0 {
		t.Fatalf("go list in %s found no package of the module", dir)
	}
	return pkgs
}
