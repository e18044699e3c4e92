package main

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/internal/clustertest"
	"github.com/parleychat/parley/server/store/postgres"
)

// storedTexts returns the texts of a chat's stored messages, in order.
func (r *rtm) storedTexts(chatID string) []string {
	var texts []string
	for _, e := range r.storedEvents(chatID) {
		if e.Text != "" {
			texts = append(texts, e.Text)
		}
	}
	return texts
}

// TestServeOnPostgres runs parley migrate, then parley serve on the
// migrated PostgreSQL database: the account commands work on it, a
// customer and the demo agent chat through the server, and after a restart
// on the same database (with another data directory) the history is there
// and the customer's old token still logs in, as it does on a second
// server running at once on the same database.
func TestServeOnPostgres(t *testing.T) {
	db := clustertest.Database(t)
	bin := buildParley(t)
	ctx := context.Background()

	if out := mustRun(t, "migrate", "--database-url", db); !strings.Contains(out, "up to date") {
		t.Errorf("migrate printed %q", out)
	}
	mustRun(t, "migrate", "--database-url", db) // a second run changes nothing
	mustRun(t, "agent", "add", "--database-url", db, "--email", "cy@shop.test", "--name", "Cy", "--password", "pw-cy")
	if out := mustRun(t, "agent", "list", "--database-url", db); !strings.Contains(out, "cy@shop.test") {
		t.Errorf("agent list printed %q", out)
	}

	addr := freeAddr(t)
	p := startParley(t, bin, t.TempDir(), addr, "--database-url", db, "--node-name", "node-a")
	base := "http://" + addr
	if _, err := agent.Login(ctx, base, 123, "cy@shop.test", "pw-cy", nil); err != nil {
		t.Errorf("login of the agent parley agent add made: %v", err)
	}

	sdk, err := customer.Init(customer.Config{License: 123, ClientID: "parley-demo", Server: base, Identity: customer.MemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	defer sdk.Destroy()
	answered := make(chan string, 1)
	customer.On(sdk, func(e customer.NewEvent) {
		if e.Event.Author == "agent@parley.local" && e.Event.Type == customer.EventMessage {
			answered <- e.Event.Text
		}
	})
	ch, err := sdk.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: "Hello from the customer"}}})
	if err != nil {
		t.Fatal(err)
	}
	ag, err := agent.New(agent.Config{Server: base, License: 123, Email: "agent@parley.local", Password: "durability"})
	if err != nil {
		t.Fatal(err)
	}
	defer ag.Close()
	if err := ag.JoinChat(ctx, ch.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ag.SendEvent(ctx, ch.ID, agent.Event{Type: agent.EventMessage, Text: "Hello from the agent"}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-answered:
		if got != "Hello from the agent" {
			t.Errorf("the customer got %q", got)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the customer did not get the agent's message")
	}
	tok, err := sdk.Auth().GetToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ag.Close()
	sdk.Destroy()

	// Restart on the same database, with a fresh data directory: nothing
	// the server needs is in the old one.
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("parley serve after SIGTERM: %v", err)
	}
	want := []string{"Hello from the customer", "Hello from the agent"}
	addr2, addr3 := freeAddr(t), freeAddr(t)
	startParley(t, bin, t.TempDir(), addr2, "--database-url", db, "--node-name", "node-a")
	startParley(t, bin, t.TempDir(), addr3, "--database-url", db, "--node-name", "node-b")
	for _, a := range []string{addr2, addr3} {
		r := dialRTM(t, a, tok.AccessToken) // fails the test unless the old token logs in
		if got := r.storedTexts(ch.ID); !slices.Equal(got, want) {
			t.Errorf("history on %s: %q, want %q", a, got, want)
		}
	}
}

// TestSharedSecrets: two nodes opening one database get the same token key
// and demo agent password; a password given on the command line wins.
func TestSharedSecrets(t *testing.T) {
	db := clustertest.Database(t)
	ctx := context.Background()
	var keys [2][]byte
	var passwords [2]string
	for i := range 2 {
		st, err := postgres.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if keys[i], passwords[i], err = sharedSecrets(ctx, st, ""); err != nil {
			t.Fatal(err)
		}
	}
	if len(keys[0]) != 32 || !bytes.Equal(keys[0], keys[1]) || passwords[0] == "" || passwords[0] != passwords[1] {
		t.Errorf("node 1: key %x, password %q; node 2: key %x, password %q", keys[0], passwords[0], keys[1], passwords[1])
	}
	st, err := postgres.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if key, pw, err := sharedSecrets(ctx, st, "given"); err != nil || pw != "given" || !bytes.Equal(key, keys[0]) {
		t.Errorf("with a given password: key %x, password %q, %v", key, pw, err)
	}
}
