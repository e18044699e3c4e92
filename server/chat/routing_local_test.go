package chat_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/chat/routertest"
	"github.com/parleychat/parley/server/store/sqlite"
)

// newLocalRouter returns a LocalRouter on a fresh SQLite store.
func newLocalRouter(t *testing.T, grace time.Duration, now func() time.Time) (chat.Router, chat.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatalf("sqlite.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := chat.NewLocalRouter(chat.LocalRouterConfig{Store: st, GracePeriod: grace, Now: now})
	if err != nil {
		t.Fatalf("NewLocalRouter: %v", err)
	}
	return r, st
}

// TestLocalRouter runs the Router contract against the LocalRouter.
func TestLocalRouter(t *testing.T) {
	routertest.Run(t, newLocalRouter)
}

// TestConfigRouter: a Router given in Config is the one the Service uses.
func TestConfigRouter(t *testing.T) {
	e := routertest.New(t, time.Minute, newLocalRouter)
	counting := &countingRouter{Router: e.Router}
	svc, err := chat.NewService(chat.Config{Store: e.Store, Router: counting})
	e.Must(err, "NewService")
	e.Agent("a@x", 1)
	_, err = svc.LoginCustomer(e.Ctx, license, "cu", chat.LoginInfo{})
	e.Must(err, "LoginCustomer")
	cu := chat.Actor{LicenseID: license, UserID: "cu", Type: chat.UserCustomer}
	_, _, err = svc.StartChat(e.Ctx, cu, chat.StartChat{})
	e.Must(err, "StartChat")
	if counting.assigns != 1 {
		t.Errorf("Assign calls: %d, want 1", counting.assigns)
	}
}

type countingRouter struct {
	chat.Router
	assigns int
}

func (r *countingRouter) Assign(ctx context.Context, c chat.Chat, exclude []string) (chat.Agent, bool, error) {
	r.assigns++
	return r.Router.Assign(ctx, c, exclude)
}
