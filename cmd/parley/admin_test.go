package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"
	"golang.org/x/crypto/bcrypt"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/sqlite"
)

// runCLI runs parley with args in-process and returns what it printed.
func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var c cli
	var out bytes.Buffer
	old := stdout
	stdout = &out
	defer func() { stdout = old }()
	p, err := kong.New(&c, kong.Name("parley"), kong.Exit(func(int) { t.Fatalf("parley %v exited", args) }))
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := p.Parse(args)
	if err != nil {
		return "", err
	}
	err = ctx.Run()
	return out.String(), err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCLI(t, args...)
	if err != nil {
		t.Fatalf("parley %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func openStore(t *testing.T, dir string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestAccountCommands covers parley group add and parley agent add, list
// and revoke on a fresh data directory.
func TestAccountCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PARLEY_DATA_DIR", dir)
	ctx := context.Background()

	if _, err := runCLI(t, "agent", "list"); err == nil {
		t.Error("agent list without a database: no error")
	}
	out := mustRun(t, "group", "add", "--id", "1", "--name", "Sales")
	if !strings.Contains(out, "created license 123") || !strings.Contains(out, `group 1 of license 123 is "Sales"`) {
		t.Errorf("group add printed %q", out)
	}
	if _, err := runCLI(t, "agent", "add", "--email", "ann@shop.test", "--name", "Ann"); err == nil {
		t.Error("a new agent without a password: no error")
	}
	if _, err := runCLI(t, "agent", "add", "--email", "ann@shop.test", "--name", "Ann", "--password", "pw", "--groups", "0,7"); err == nil ||
		!strings.Contains(err.Error(), "no group 7") {
		t.Errorf("an unknown group: %v", err)
	}
	if _, err := runCLI(t, "agent", "add", "--email", "ann@shop.test", "--name", "Ann", "--password", "pw", "--role", "boss"); err == nil {
		t.Error("an unknown role: no error")
	}
	mustRun(t, "agent", "add", "--email", "ann@shop.test", "--name", "Ann", "--password", "s3cret",
		"--groups", "1,0", "--max-chats", "3", "--job-title", "Sales lead", "--role", "administrator")
	mustRun(t, "agent", "add", "--email", "bob@shop.test", "--name", "Bob", "--password", "pw2")

	st := openStore(t, dir)
	ann, err := st.Agent(ctx, 123, "ann@shop.test")
	if err != nil {
		t.Fatal(err)
	}
	if ann.Name != "Ann" || !slices.Equal(ann.Groups, []int{0, 1}) || ann.MaxChats != 3 || ann.JobTitle != "Sales lead" || ann.Role != "administrator" {
		t.Errorf("ann = %+v", ann)
	}
	if bcrypt.CompareHashAndPassword(ann.PasswordHash, []byte("s3cret")) != nil {
		t.Error("ann's password does not match")
	}
	bob, err := st.Agent(ctx, 123, "bob@shop.test")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(bob.Groups, []int{0}) || bob.ChatLimit() != chat.DefaultMaxChats || bob.Role != "normal" {
		t.Errorf("bob (defaults) = %+v", bob)
	}

	// A change keeps what it does not name, the password included.
	out = mustRun(t, "agent", "add", "--email", "ann@shop.test", "--max-chats", "8")
	if !strings.Contains(out, "updated agent ann@shop.test") {
		t.Errorf("agent add (update) printed %q", out)
	}
	ann, _ = st.Agent(ctx, 123, "ann@shop.test")
	if ann.Name != "Ann" || ann.MaxChats != 8 || !slices.Equal(ann.Groups, []int{0, 1}) ||
		bcrypt.CompareHashAndPassword(ann.PasswordHash, []byte("s3cret")) != nil {
		t.Errorf("ann after the update = %+v", ann)
	}

	out = mustRun(t, "agent", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "EMAIL") || !strings.Contains(lines[1], "ann@shop.test") ||
		!strings.Contains(lines[1], "0,1") || !strings.Contains(lines[1], "8") || !strings.Contains(lines[2], "bob@shop.test") {
		t.Errorf("agent list:\n%s", out)
	}
	if out, err := runCLI(t, "agent", "list", "--license", "9"); err == nil || strings.Contains(out, "@") {
		t.Errorf("agent list of a license that does not exist: %v\n%s", err, out)
	}

	issued := time.Now().Add(-time.Minute)
	if _, err := runCLI(t, "agent", "revoke", "--email", "nobody@shop.test"); err == nil {
		t.Error("revoking an unknown agent: no error")
	}
	mustRun(t, "agent", "revoke", "--email", "ann@shop.test")
	if revoked, err := st.TokenRevoked(ctx, 123, "ann@shop.test", "t1", issued); err != nil || !revoked {
		t.Errorf("ann's token after agent revoke: revoked %v, %v", revoked, err)
	}
	if revoked, err := st.TokenRevoked(ctx, 123, "bob@shop.test", "t2", issued); err != nil || revoked {
		t.Errorf("bob's token after revoking ann's: revoked %v, %v", revoked, err)
	}
}

// TestAccountCommandsWithServer: an agent added by the command logs in to
// a server on the same data directory, in its group; agent revoke refuses
// the tokens it had.
func TestAccountCommandsWithServer(t *testing.T) {
	dir := t.TempDir()
	srv := parleytest.NewServer(t, parleytest.WithDataDir(dir))
	mustRun(t, "group", "add", "--data-dir", dir, "--license", "123", "--id", "2", "--name", "Billing")
	mustRun(t, "agent", "add", "--data-dir", dir, "--email", "cy@shop.test", "--name", "Cy", "--password", "pw-cy", "--groups", "2")

	body, _ := json.Marshal(map[string]any{"license_id": 123, "email": "cy@shop.test", "password": "pw-cy"})
	resp, err := http.Post(srv.URL+"/v3.0/agent/login", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&tok) != nil || tok.AccessToken == "" {
		t.Fatalf("login of the new agent: %s", resp.Status)
	}
	ctx := context.Background()
	cl, err := testSigner(t, dir).Verify(tok.AccessToken, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if revoked, _ := srv.Store().TokenRevoked(ctx, 123, cl.Subject, cl.ID, cl.IssuedAt); revoked {
		t.Fatal("a fresh token is revoked")
	}
	mustRun(t, "agent", "revoke", "--data-dir", dir, "--email", "cy@shop.test")
	if revoked, err := srv.Store().TokenRevoked(ctx, 123, cl.Subject, cl.ID, cl.IssuedAt); err != nil || !revoked {
		t.Errorf("the token after agent revoke: revoked %v, %v", revoked, err)
	}
}

func testSigner(t *testing.T, dir string) *auth.Signer {
	t.Helper()
	key, err := os.ReadFile(filepath.Join(dir, "token.key"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := auth.NewSigner([]byte(strings.TrimSpace(string(key))))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGroupGreetingCommand sets a group's greeting with parley group add,
// keeps it through a rename without the flag and clears it with "".
func TestGroupGreetingCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PARLEY_DATA_DIR", dir)
	greeting := func() string {
		gs, err := openStore(t, dir).Groups(context.Background(), 123)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range gs {
			if g.ID == 1 {
				return g.Greeting
			}
		}
		t.Fatal("no group 1")
		return ""
	}
	out := mustRun(t, "group", "add", "--id", "1", "--name", "Sales", "--greeting", "Hola 👋 ¿Qué tal?")
	if !strings.Contains(out, `its greeting: "Hola 👋 ¿Qué tal?"`) || greeting() != "Hola 👋 ¿Qué tal?" {
		t.Errorf("group add --greeting printed %q, stored %q", out, greeting())
	}
	mustRun(t, "group", "add", "--id", "1", "--name", "Ventas")
	if g := greeting(); g != "Hola 👋 ¿Qué tal?" {
		t.Errorf("a rename without --greeting left %q", g)
	}
	if _, err := runCLI(t, "group", "add", "--id", "1", "--name", "Ventas", "--greeting", strings.Repeat("x", 1001)); err == nil {
		t.Error("a greeting over 1000 bytes: no error")
	}
	mustRun(t, "group", "add", "--id", "1", "--name", "Ventas", "--greeting", "")
	if g := greeting(); g != "" {
		t.Errorf("--greeting \"\" left %q", g)
	}
}
