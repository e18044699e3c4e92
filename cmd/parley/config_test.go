package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigFile starts a server with --config: the file's settings apply
// (a string, a list), flags override it (--data-dir), and so does the
// environment (PARLEY_DEMO_AGENT_PASSWORD, which startParley sets). A key
// that names no flag is a usage error.
func TestConfigFile(t *testing.T) {
	bin := buildParley(t)
	dir := t.TempDir()
	fileDataDir := filepath.Join(dir, "from-file")
	conf := filepath.Join(dir, "parley.json")
	if err := os.WriteFile(conf, []byte(`{
		"data_dir": "`+fileDataDir+`",
		"demo_client_id": "from-file-client",
		"demo_agent_password": "from-file-password",
		"trusted_proxies": ["127.0.0.1", "10.0.0.0/8"],
		"shutdown_timeout": "5s"
	}`), 0o600); err != nil {
		t.Fatal(err)
	}
	dataDir := filepath.Join(dir, "from-flag")
	addr := freeAddr(t)
	p := startParley(t, bin, dataDir, addr, "--config", conf)
	banner, err := os.ReadFile(p.log)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(banner), `client id "from-file-client"`) {
		t.Errorf("the file's demo_client_id was not used:\n%s", banner)
	}
	if !strings.Contains(string(banner), "/ durability") {
		t.Errorf("PARLEY_DEMO_AGENT_PASSWORD did not override the file's demo_agent_password:\n%s", banner)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "parley.db")); err != nil {
		t.Errorf("--data-dir did not override the file's data_dir: %v", err)
	}
	if _, err := os.Stat(fileDataDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the file's data_dir was created although --data-dir overrides it (%v)", err)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"data_dir": "x", "adress": ":80"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, status := parleyRun(t, bin, "serve", "--config", bad)
	if status != 2 || !strings.Contains(stderr, "no flag is named adress") {
		t.Errorf("a config key that names no flag: status %d, stderr %q", status, stderr)
	}
}
