package customer_test

// Auth and identity: tokens are cached; the identity store decides who
// the customer is (MemoryStore per value, FileStore and the default file
// across runs).

import (
	"os"
	"path/filepath"
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
	if len(con.ChatsSummary.ChatsSummary) != 1 || con.ChatsSummary.ChatsSummary[0].ID != c.ID {
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
