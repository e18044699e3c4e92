package cached_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/store/cached"
	"github.com/parleychat/parley/server/store/sqlite"
	"github.com/parleychat/parley/server/store/storetest"
)

func newStore(t *testing.T) *cached.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return cached.New(s, 0)
}

// The wrapped store keeps the whole contract: every read after a write
// sees the write.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) chat.Store { return newStore(t) })
}

// The same with room for two chats only, so that chats are dropped and
// loaded again all the time.
func TestContractTinyCache(t *testing.T) {
	storetest.Run(t, func(t *testing.T) chat.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return cached.New(s, 2)
	})
}

// readOnly are the chat.Store methods that cannot change what Chat returns,
// so the cache lets them through. Every other method must be one of
// cached.Store's own: a new Store method fails this test until it is
// classified here or given an override that keeps the cache right.
var readOnly = map[string]bool{
	"PutLicense": true, "License": true, "LicenseByOrganization": true, "Licenses": true, "PutClient": true, "Client": true, "Clients": true, "DeleteClient": true,
	"PutGroup": true, "Groups": true, "DeleteGroup": true, "DeleteAgent": true,
	"CreateCustomer": true, "Customer": true, "UpdateCustomer": true, "LoginCustomer": true, "SetCustomerSideStorage": true,
	"PutAgent": true, "Agent": true, "Agents": true, "Chats": true,
	"Threads": true, "ThreadsByID": true, "Thread": true, "ThreadEvents": true, "LastEvents": true, "EventsAfter": true,
	"UpdateThreadProperties": true, "DeleteThreadProperties": true, "UpdateEventProperties": true, "DeleteEventProperties": true,
	"SetThreadTag": true, "ThreadTags": true, "ChatsTags": true, "PutCannedResponse": true, "CannedResponses": true, "DeleteCannedResponse": true, "AddPostback": true, "AgentLoads": true, "ReportThreads": true, "SearchChats": true, "RevokeToken": true, "RevokeAgentTokens": true, "TokenRevoked": true, "Close": true,
}

func TestEveryMethodClassified(t *testing.T) {
	own := overrides(t)
	iface := reflect.TypeFor[chat.Store]()
	for i := range iface.NumMethod() {
		name := iface.Method(i).Name
		switch {
		case own[name] && readOnly[name]:
			t.Errorf("%s is overridden but listed as read-only", name)
		case !own[name] && !readOnly[name]:
			t.Errorf("chat.Store.%s passes through the cache unclassified: add it to readOnly if it cannot change a chat, or override it", name)
		}
	}
}

// overrides returns the methods cached.go declares on *Store.
func overrides(t *testing.T) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "cached.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	own := map[string]bool{}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Recv == nil {
			continue
		}
		if star, ok := fn.Recv.List[0].Type.(*ast.StarExpr); ok {
			if id, ok := star.X.(*ast.Ident); ok && id.Name == "Store" && fn.Name.IsExported() {
				own[fn.Name.Name] = true
			}
		}
	}
	return own
}

// A read that loaded a chat before a write must not put the old chat in
// the cache after it.
func TestReadRacingWrite(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.PutLicense(ctx, chat.License{ID: 1, Name: "L", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	if _, _, err := s.CreateChat(ctx, chat.NewChat{
		Chat:   chat.Chat{ID: "c", LicenseID: 1, CustomerID: "u", Users: []chat.User{{ID: "u", Type: chat.UserCustomer}}, CreatedAt: at},
		Thread: chat.Thread{ID: "t", CreatedAt: at},
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		agent := "a" + string(rune('A'+i%26)) + string(rune('a'+i/26))
		wg.Go(func() { _, _ = s.Chat(ctx, "c") })
		if err := s.AddChatUser(ctx, "c", chat.User{ID: agent, Type: chat.UserAgent}); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { _, _ = s.Chat(ctx, "c") })
		wg.Wait()
		c, err := s.Chat(ctx, "c")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, u := range c.Users {
			found = found || u.ID == agent
		}
		if !found {
			t.Fatalf("after AddChatUser(%s) the cache still has %+v", agent, c.Users)
		}
	}
}

// Chats handed out are copies.
func TestChatIsACopy(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.PutLicense(ctx, chat.License{ID: 1, Name: "L", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateChat(ctx, chat.NewChat{
		Chat: chat.Chat{ID: "c", LicenseID: 1, CustomerID: "u", Users: []chat.User{{ID: "u", Type: chat.UserCustomer}}, CreatedAt: time.Now()},
	}); err != nil {
		t.Fatal(err)
	}
	c1, _ := s.Chat(ctx, "c")
	c1.Users[0].Present = false
	c1.Users = append(c1.Users, chat.User{ID: "x"})
	c2, _ := s.Chat(ctx, "c")
	if len(c2.Users) != 1 || !c2.Users[0].Present {
		t.Fatalf("a caller's change reached the cache: %+v", c2.Users)
	}
}
