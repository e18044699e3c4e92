package postgres

import (
	"bytes"
	"context"
	"sync"
	"testing"
)

// TestSecret: nodes that ask for a secret at once, on stores of their own,
// all get the same bytes, and later calls return them unchanged.
func TestSecret(t *testing.T) {
	db := testDB(t, true)
	ctx := context.Background()
	const nodes = 4
	got := make([][]byte, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		s := open(t, db)
		wg.Go(func() { got[i], errs[i] = s.Secret(ctx, "token-key", 32) })
	}
	wg.Wait()
	for i := range nodes {
		if errs[i] != nil {
			t.Fatalf("node %d: %v", i, errs[i])
		}
		if len(got[i]) != 32 || !bytes.Equal(got[i], got[0]) {
			t.Fatalf("node %d got %x, node 0 %x", i, got[i], got[0])
		}
	}
	if bytes.Equal(got[0], make([]byte, 32)) {
		t.Fatal("the secret is all zeros")
	}
	s := open(t, db)
	if again, err := s.Secret(ctx, "token-key", 64); err != nil || !bytes.Equal(again, got[0]) {
		t.Errorf("a later call: %x, %v; want %x", again, err, got[0])
	}
	other, err := s.Secret(ctx, "other", 16)
	if err != nil || len(other) != 16 || bytes.Equal(other, got[0][:16]) {
		t.Errorf("another name: %x, %v", other, err)
	}
	if _, err := s.Secret(ctx, "bad", 0); err == nil {
		t.Error("size 0: no error")
	}
}
