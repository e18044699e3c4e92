package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"
)

// Secret returns the secret called name, creating it with size random
// bytes when the database has none. Every node gets the same bytes: when
// several create it at once, the first insert wins (INSERT … ON CONFLICT
// DO NOTHING) and all of them read what it stored. A secret, once made, is
// never changed, even when a later call asks for another size.
func (s *Store) Secret(ctx context.Context, name string, size int) (b []byte, err error) {
	defer wrap(&err, "secret %s", name)
	if size <= 0 {
		return nil, fmt.Errorf("size %d is not positive", size)
	}
	fresh := make([]byte, size)
	_, _ = rand.Read(fresh)
	if _, err := s.pool.Exec(ctx, `INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
		name, fresh, time.Now().UnixNano()); err != nil {
		return nil, err
	}
	if err := s.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&b); err != nil {
		return nil, err
	}
	return b, nil
}
