package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// version and revision override the module version and the source
// revision the Go toolchain records in the binary. The toolchain records a
// revision only when it builds in a git checkout (not a worktree, not a
// copy without .git such as a container build): set them there with
// -ldflags "-X main.version=v1.2.3 -X main.revision=$(git rev-parse HEAD)".
var version, revision string

type versionCmd struct{}

func (versionCmd) Run() error {
	fmt.Fprintln(stdout, versionString())
	return nil
}

// versionString describes the binary: the module version, then the source
// revision it was built from, as the Go toolchain records them (go version
// -m shows the same).
//
//	parley v0.0.0-20261202122211-20bfe9b5e1b2+dirty (revision 20bfe9b5e1b2…, 2026-12-02T12:22:11Z, modified; go1.26.8 linux/amd64)
func versionString() string {
	v, rev, at, modified := version, revision, "", false
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if rev == "" {
					rev = s.Value
				}
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	var build []string
	if rev != "" {
		build = append(build, "revision "+rev)
	} else {
		build = append(build, "revision unknown")
	}
	if at != "" {
		build = append(build, at)
	}
	if modified {
		build = append(build, "modified")
	}
	return fmt.Sprintf("parley %s (%s; %s %s/%s)", v, strings.Join(build, ", "), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
