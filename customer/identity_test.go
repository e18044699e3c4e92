package customer_test

// Auth and identity: tokens are cached; the identity store decides who
// the customer is (MemoryStore per value, FileStore and the default file
// across runs).

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
)

func TestGetToken(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, rec := tInit(t, srv, func(c *customer.Config) { c.ManualConnect = true })
	ctx := tCtx(t)

	// A token needs no connection.
	tok, err := sdk.Auth().GetToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.EntityID == "" || tok.TokenType != "Bearer" || tok.ExpiresIn <= time.Minute ||
		time.Since(tok.CreationDate) > time.Minute || tok.Expired(time.Now()) || tok.License != srv.License {
		t.Errorf("token = %+v", tok)
	}
	if !tok.Expired(tok.CreationDate.Add(tok.ExpiresIn)) {
		t.Error("a token is not expired when its time is up")
	}
	again, err := sdk.Auth().GetToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again != tok {
		t.Errorf("second GetToken = %+v, want the cached %+v", again, tok)
	}

	if err := sdk.Connect(); err != nil {
		t.Fatal(err)
	}
	id := tWait[customer.CustomerID](t, rec, nil)
	tWait[customer.Connected](t, rec, nil)
	if id.ID != tok.EntityID || sdk.CustomerID() != tok.EntityID {
		t.Errorf("customer id %s / %s, token's entity %s", id.ID, sdk.CustomerID(), tok.EntityID)
	}

	// A fresh token is the same customer.
	fresh, err := sdk.Auth().GetFreshToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fresh.EntityID != tok.EntityID || fresh.AccessToken == "" {
		t.Errorf("fresh token = %+v", fresh)
	}
	if err := sdk.Auth().Invalidate(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := sdk.Auth().GetToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.EntityID != tok.EntityID || !after.CreationDate.After(tok.CreationDate) {
		t.Errorf("after Invalidate: %+v, want a new token of %s", after, tok.EntityID)
	}
	tStartChat(t, sdk, "still me")
}

// TestGetTokenConcurrent: concurrent calls share one request.
func TestGetTokenConcurrent(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv, func(c *customer.Config) { c.ManualConnect = true })
	ctx := tCtx(t)
	toks := make([]customer.Token, 8)
	var wg sync.WaitGroup
	for i := range toks {
		wg.Go(func() {
			tok, err := sdk.Auth().GetToken(ctx)
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		})
	}
	wg.Wait()
	for _, tok := range toks[1:] {
		if tok != toks[0] {
			t.Fatalf("tokens differ: %+v and %+v", tok, toks[0])
		}
	}
}

func TestIdentityMemoryStore(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	store := customer.MemoryStore()
	a, _ := tInit(t, srv, func(c *customer.Config) { c.Identity = store })
	b, _ := tInit(t, srv, func(c *customer.Config) { c.Identity = store })
	other, _ := tInit(t, srv)
	if a.CustomerID() == "" || a.CustomerID() != b.CustomerID() {
		t.Errorf("one MemoryStore: customers %q and %q, want one", a.CustomerID(), b.CustomerID())
	}
	if other.CustomerID() == a.CustomerID() {
		t.Errorf("a new MemoryStore is customer %s again", a.CustomerID())
	}
	ctx := tCtx(t)
	ta, err := a.Auth().GetToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	to, err := other.Auth().GetToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ta.EntityID != a.CustomerID() || to.EntityID != other.CustomerID() {
		t.Errorf("tokens' entities %s, %s", ta.EntityID, to.EntityID)
	}
}

// TestIdentityFileStore: a program run twice with the same file is the
// same customer, with its chats.
func TestIdentityFileStore(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	path := filepath.Join(t.TempDir(), "nested", "dir", "identity.json")

	first, _ := tInit(t, srv, func(c *customer.Config) { c.Identity = customer.FileStore(path) })
	c := tStartChat(t, first, "remember me")
	id := first.CustomerID()
	first.Destroy()

	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("identity file mode %v, want 0600", st.Mode().Perm())
	}

	second, rec := tInit(t, srv, func(c *customer.Config) { c.Identity = customer.FileStore(path) })
	if second.CustomerID() != id {
		t.Fatalf("second run is customer %s, want %s", second.CustomerID(), id)
	}
	con := tWait[customer.Connected](t, rec, nil)
	if len(con.ChatsSummary.Chats) != 1 || con.ChatsSummary.Chats[0].ID != c.ID {
		t.Errorf("second run's chats: %+v, want %s", con.ChatsSummary, c.ID)
	}
	tSend(t, second, c.ID, "I am back")

	// A file that is not an identity is an error, not a new customer.
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	broken, _ := tInit(t, srv, func(c *customer.Config) { c.Identity = customer.FileStore(bad); c.ManualConnect = true })
	if tok, err := broken.Auth().GetToken(tCtx(t)); err == nil {
		t.Errorf("a corrupt identity file gave token %+v", tok)
	}
}

// TestIdentityDefault: without Config.Identity the identity is a file
// under the user's config directory.
func TestIdentityDefault(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	srv := parleytest.NewServer(t)
	first, _ := tInit(t, srv, func(c *customer.Config) { c.Identity = nil })
	id := first.CustomerID()
	first.Destroy()
	files, err := filepath.Glob(filepath.Join(dir, "parley", "customer-*.json"))
	if err != nil || len(files) != 1 {
		t.Fatalf("identity files %v (%v), want one under %s/parley", files, err, dir)
	}
	second, _ := tInit(t, srv, func(c *customer.Config) { c.Identity = nil })
	if second.CustomerID() != id {
		t.Errorf("second run is customer %s, want %s", second.CustomerID(), id)
	}
}

// TestTokenJSON: a Token marshals expires_in in seconds, as the protocol
// does, and identity files written with nanoseconds still load.
func TestTokenJSON(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tok := customer.Token{AccessToken: "a", EntityID: "e", ExpiresIn: 8 * time.Hour, TokenType: "Bearer", CreationDate: created, License: 7}
	b, err := json.Marshal(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"expires_in":28800,`) {
		t.Errorf("marshalled %s, want expires_in 28800 (seconds)", b)
	}
	var back customer.Token
	if err := json.Unmarshal(b, &back); err != nil || back != tok {
		t.Errorf("round trip: %+v, %v; want %+v", back, err, tok)
	}

	// An identity file of an older version: expires_in in nanoseconds.
	path := filepath.Join(t.TempDir(), "old.json")
	old := `{"cookies":{"__lc_cid":"c"},"token":{"access_token":"a","entity_id":"e","expires_in":28800000000000,` +
		`"token_type":"Bearer","creation_date":"2026-01-02T03:04:05Z","license":7}}`
	if err := os.WriteFile(path, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	id, err := customer.FileStore(path).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if id.Token == nil || *id.Token != tok || id.Cookies["__lc_cid"] != "c" {
		t.Errorf("old identity loaded as %+v (token %+v), want token %+v", id, id.Token, tok)
	}
}

// TestIdentityFilePermissions: the identity file holds a token: it is
// 0600 in a 0700 directory, whatever was there before.
func TestIdentityFilePermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "dir")
	path := filepath.Join(dir, "identity.json")
	// A temporary file left by a crash, readable by all.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+".tmp", []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := customer.FileStore(path).Save(context.Background(), customer.Identity{Cookies: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	wantMode(t, path, 0o600)
	wantMode(t, dir, 0o700)

	// The default file is under os.UserConfigDir()/parley, which is made
	// private even when it was not.
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("HOME", home)
	if err := os.MkdirAll(filepath.Join(home, "parley"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := customer.Config{License: 1, ClientID: "c", Server: "http://localhost:1"}
	def, err := customer.DefaultIdentityFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(def) != filepath.Join(home, "parley") {
		t.Errorf("default identity file %s, want it in %s/parley", def, home)
	}
	sdk, err := customer.Init(customer.Config{License: 1, ClientID: "c", Server: "http://localhost:1", ManualConnect: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sdk.Destroy()
	if err := sdk.Auth().Invalidate(context.Background()); err != nil { // saves the identity
		t.Fatal(err)
	}
	wantMode(t, def, 0o600)
	wantMode(t, filepath.Dir(def), 0o700)
}

func wantMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != want {
		t.Errorf("%s: mode %v, want %v", path, st.Mode().Perm(), want)
	}
}
