package customer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// Identity is what makes a customer the same customer next time: the
// accounts cookies (the browser keeps them for the JS SDK), the current
// token and the customer side storage the server asked to keep.
type Identity struct {
	Cookies     map[string]string `json:"cookies,omitempty"`
	Token       *Token            `json:"token,omitempty"`
	SideStorage map[string]string `json:"side_storage,omitempty"`
}

// IdentityStore keeps an Identity between runs. Load returns the zero
// Identity when there is none yet. Implementations must be safe for
// concurrent use.
type IdentityStore interface {
	Load(ctx context.Context) (Identity, error)
	Save(ctx context.Context, id Identity) error
}

// MemoryStore returns an IdentityStore that lives as long as the value:
// every new MemoryStore is a new customer.
func MemoryStore() IdentityStore { return &memoryStore{} }

type memoryStore struct {
	mu sync.Mutex
	id Identity
}

func (m *memoryStore) Load(context.Context) (Identity, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return cloneIdentity(m.id), nil
}

func (m *memoryStore) Save(_ context.Context, id Identity) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.id = cloneIdentity(id)
	return nil
}

func cloneIdentity(id Identity) Identity {
	out := Identity{}
	if id.Cookies != nil {
		out.Cookies = make(map[string]string, len(id.Cookies))
		for k, v := range id.Cookies {
			out.Cookies[k] = v
		}
	}
	if id.SideStorage != nil {
		out.SideStorage = make(map[string]string, len(id.SideStorage))
		for k, v := range id.SideStorage {
			out.SideStorage[k] = v
		}
	}
	if id.Token != nil {
		t := *id.Token
		out.Token = &t
	}
	return out
}

// FileStore returns an IdentityStore kept in a JSON file. The file holds
// a token and the accounts cookie: treat it like a password. It is
// written with mode 0600 (replaced whole, never half written); missing
// directories are created with mode 0700.
func FileStore(path string) IdentityStore { return &fileStore{path: path} }

type fileStore struct {
	mu   sync.Mutex
	path string
	// private: the directory is the SDK's own, made 0700 even when it
	// already existed.
	private bool
}

func (f *fileStore) Load(context.Context) (Identity, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := os.ReadFile(f.path)
	if errors.Is(err, os.ErrNotExist) {
		return Identity{}, nil
	}
	if err != nil {
		return Identity{}, fmt.Errorf("customer: read identity: %w", err)
	}
	var id Identity
	if err := json.Unmarshal(b, &id); err != nil {
		return Identity{}, fmt.Errorf("customer: identity file %s: %w", f.path, err)
	}
	return id, nil
}

func (f *fileStore) Save(_ context.Context, id Identity) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, err := json.MarshalIndent(id, "", "  ")
	if err != nil {
		return err
	}
	if err := f.write(b); err != nil {
		return fmt.Errorf("customer: save identity: %w", err)
	}
	return nil
}

// write replaces the file with b through a new temporary file of mode
// 0600 in the same directory.
func (f *fileStore) write(b []byte) error {
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if f.private {
		if err := os.Chmod(dir, 0o700); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(f.path)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), f.path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
	}
	return err
}
