// Package clustertest gives tests what a cluster of Parley nodes needs: a
// fresh PostgreSQL database and a NATS server with a subject prefix of the
// test's own. It is for tests only (those of cmd/parley and of e2e/).
//
// The servers are those of PARLEY_TEST_DATABASE_URL and
// PARLEY_TEST_NATS_URL, by default the local ones
// (postgres://postgres@127.0.0.1:5432/postgres, nats://127.0.0.1:4222).
// With -short, tests that ask for a database are skipped.
package clustertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Database creates an empty PostgreSQL database for the test, dropped
// (with its connections) when the test ends, and returns its URL.
func Database(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: needs a PostgreSQL server")
	}
	base := os.Getenv("PARLEY_TEST_DATABASE_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("PARLEY_TEST_DATABASE_URL: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL is not reachable at %s (set PARLEY_TEST_DATABASE_URL, or run with -short): %v", u.Redacted(), err)
	}
	defer admin.Close(ctx)
	name := "parley_test_" + randomHex(8)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		admin, err := pgx.Connect(ctx, base)
		if err == nil {
			defer admin.Close(ctx)
			_, err = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		}
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// NATS returns the URL of the NATS server and a subject prefix no other
// test uses, so that tests sharing the server do not hear each other.
func NATS(t testing.TB) (url, prefix string) {
	t.Helper()
	url = os.Getenv("PARLEY_TEST_NATS_URL")
	if url == "" {
		url = "nats://127.0.0.1:4222"
	}
	return url, "parleytest" + randomHex(6)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
