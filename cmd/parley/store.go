package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/postgres"
	"github.com/parleychat/parley/server/store/sqlite"
)

// openDatabase opens the database a command works on: the PostgreSQL database
// at databaseURL when it is set (migrated as needed), else the SQLite
// database of dataDir, which must exist unless create is set.
func openDatabase(ctx context.Context, dataDir, databaseURL string, create bool) (chat.Store, error) {
	if databaseURL != "" {
		return postgres.Open(ctx, databaseURL)
	}
	path := filepath.Join(dataDir, "parley.db")
	if !create {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no database in %s (is --data-dir right?): %w", dataDir, err)
		}
	} else if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, path)
}

// Names of the secrets the nodes of a PostgreSQL deployment share
// (postgres.Store.Secret).
const (
	secretTokenKey          = "token-key"
	secretDemoAgentPassword = "demo-agent-password"
)

// sharedSecrets returns what every node on one PostgreSQL database must
// agree on, made by the first node that starts: the key that signs access
// tokens and cookies, and the demo agent's password (unless given).
func sharedSecrets(ctx context.Context, st *postgres.Store, demoPassword string) (tokenKey []byte, password string, err error) {
	if tokenKey, err = st.Secret(ctx, secretTokenKey, 32); err != nil {
		return nil, "", err
	}
	if demoPassword != "" {
		return tokenKey, demoPassword, nil
	}
	pw, err := st.Secret(ctx, secretDemoAgentPassword, 9)
	if err != nil {
		return nil, "", err
	}
	return tokenKey, hex.EncodeToString(pw), nil
}

type migrateCmd struct {
	DatabaseURL string `required:"" env:"PARLEY_DATABASE_URL" help:"PostgreSQL database to migrate (postgres://user:password@host:5432/parley)."`
}

func (c *migrateCmd) Run() error {
	if err := postgres.Migrate(context.Background(), c.DatabaseURL); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "the database schema is up to date")
	return nil
}
