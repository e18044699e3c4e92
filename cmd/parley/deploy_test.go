package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestHealthcheck runs parley healthcheck against a running server (by its
// address and by URL) and against an address where nothing listens.
func TestHealthcheck(t *testing.T) {
	bin := buildParley(t)
	addr := freeAddr(t)
	startParley(t, bin, t.TempDir(), addr)
	for _, args := range [][]string{
		{"healthcheck", "--addr", addr},
		{"healthcheck", "--url", "http://" + addr + "/healthz"},
	} {
		out, stderr, status := parleyRun(t, bin, args...)
		if status != 0 || out != "http://"+addr+"/healthz: ok\n" {
			t.Errorf("parley %s: status %d, stdout %q, stderr %q", strings.Join(args, " "), status, out, stderr)
		}
	}
	// The server's port on all interfaces is asked on 127.0.0.1.
	_, port, _ := strings.Cut(addr, ":")
	if _, stderr, status := parleyRun(t, bin, "healthcheck", "--addr", ":"+port); status != 0 {
		t.Errorf("parley healthcheck --addr :%s: status %d, stderr %q", port, status, stderr)
	}
	dead := freeAddr(t)
	_, stderr, status := parleyRun(t, bin, "healthcheck", "--addr", dead, "--timeout", "2s")
	if status != 1 || !strings.HasPrefix(stderr, "parley: unhealthy: ") {
		t.Errorf("parley healthcheck of %s, where nothing listens: status %d, stderr %q", dead, status, stderr)
	}
	// A page that is not /healthz is not healthy.
	_, stderr, status = parleyRun(t, bin, "healthcheck", "--url", "http://"+addr+"/no-such-page")
	if status != 1 || !strings.Contains(stderr, "unhealthy") {
		t.Errorf("parley healthcheck of a missing page: status %d, stderr %q", status, stderr)
	}
}

// TestDockerfileGoVersion checks that the image builds with the Go that
// go.mod asks for.
func TestDockerfileGoVersion(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	df, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	got := regexp.MustCompile(`(?m)^FROM golang:([0-9.]+)-`).FindSubmatch(df)
	if want == nil || got == nil {
		t.Fatalf("no go line in go.mod (%q) or golang image in the Dockerfile (%q)", want, got)
	}
	if string(got[1]) != string(want[1]) {
		t.Errorf("the Dockerfile builds with Go %s, go.mod asks for %s", got[1], want[1])
	}
}

// TestDockerImage builds the image and runs it: it prints its version,
// runs as a non-root user, and a server started from it becomes healthy
// by its own HEALTHCHECK. It needs a Docker daemon (docker info).
func TestDockerImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a container image")
	}
	if out, err := exec.Command("docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		t.Skipf("no Docker daemon to build the image with (docker info: %v): %s", err, lastLine(out))
	}
	docker := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("docker", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	image := fmt.Sprintf("parley-test:%d", os.Getpid())
	docker("build", "--build-arg", "VERSION=v0.0.0-test", "--build-arg", "REVISION=test-revision", "-t", image, "../..")
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", image).Run() })

	if v := docker("run", "--rm", image, "version"); !strings.HasPrefix(v, "parley v0.0.0-test (revision test-revision") {
		t.Errorf("parley version in the image: %q", v)
	}
	if u := docker("image", "inspect", "--format", "{{.Config.User}}", image); u == "" || strings.HasPrefix(u, "0") || u == "root" {
		t.Errorf("the image runs as user %q, want a non-root user", u)
	}
	id := docker("run", "-d", "--health-interval", "1s", "-e", "PARLEY_DEMO_AGENT_PASSWORD=docker-test", image)
	t.Cleanup(func() { _ = exec.Command("docker", "rm", "-f", id).Run() })
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status := docker("inspect", "--format", "{{.State.Health.Status}}", id)
		if status == "healthy" {
			break
		}
		if status == "unhealthy" || time.Now().After(deadline) {
			logs, _ := exec.Command("docker", "logs", id).CombinedOutput()
			t.Fatalf("container health %q\n%s", status, logs)
		}
		time.Sleep(time.Second)
	}
	// The data directory is the volume, writable by the image's user.
	if ls := docker("exec", id, "/usr/local/bin/parley", "agent", "list", "--data-dir", "/data"); !strings.Contains(ls, "agent@parley.local") {
		t.Errorf("agent list in the container's /data:\n%s", ls)
	}
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	return s[strings.LastIndex(s, "\n")+1:]
}
