package session

import (
	"context"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/protocol/v35"
	"github.com/parleychat/parley/server/broker/memory"
	"github.com/parleychat/parley/server/chat"
)

// pushTypes returns the types of package chat that implement chat.Push:
// those with a method push(), read from the package's source so that a new
// push type cannot be forgotten here.
func pushTypes(t *testing.T) []string {
	t.Helper()
	const dir = "../../chat"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "push" || len(fn.Recv.List) != 1 {
				continue
			}
			typ := fn.Recv.List[0].Type
			if star, ok := typ.(*ast.StarExpr); ok {
				typ = star.X
			}
			if id, ok := typ.(*ast.Ident); ok {
				names = append(names, id.Name)
			}
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("found no push types in server/chat")
	}
	return names
}

// pushSamples holds one value of every push type (several where the type
// renders as several actions) and the audiences that get it.
var pushSamples = []struct {
	push            chat.Push
	customer, agent bool
}{
	{chat.IncomingChatThread{Chat: chat.Chat{ID: "C1", Users: []chat.User{{ID: "cu", Type: chat.UserCustomer}}},
		Members: []chat.Member{{User: chat.User{ID: "cu", Type: chat.UserCustomer}, Name: "Ann"}},
		Thread:  chat.Thread{ID: "T1", ChatID: "C1", Active: true, Events: []chat.Event{{ID: "E1", Type: chat.EventMessage, Text: "hi"}}}}, true, true},
	{chat.IncomingEvent{Event: chat.Event{ID: "E1", ChatID: "C1", ThreadID: "T1", Type: chat.EventMessage, Text: "hi"}}, true, true},
	{chat.TypingIndicator{ChatID: "C1", ThreadID: "T1", AuthorID: "cu", At: time.Unix(1, 0), IsTyping: true}, true, true},
	{chat.SneakPeek{ChatID: "C1", ThreadID: "T1", AuthorID: "cu", At: time.Unix(1, 0), Text: "hel"}, false, true},
	{chat.ThreadClosed{ChatID: "C1", ThreadID: "T1", UserID: "ag"}, true, true},
	{chat.UserAdded{ChatID: "C1", ThreadID: "T1", Member: chat.Member{User: chat.User{ID: "ag", Type: chat.UserAgent}, Name: "Bo"}}, true, true},
	{chat.UserRemoved{ChatID: "C1", ThreadID: "T1", UserID: "ag", UserType: chat.UserAgent}, true, true},
	{chat.PropertiesUpdated{ChatID: "C1", Properties: chat.Properties{"ns": {"k": 1}}}, true, true},
	{chat.PropertiesUpdated{ChatID: "C1", ThreadID: "T1", Properties: chat.Properties{"ns": {"k": 1}}}, true, true},
	{chat.PropertiesUpdated{ChatID: "C1", ThreadID: "T1", EventID: "E1", Properties: chat.Properties{"ns": {"k": 1}}}, true, true},
	{chat.PropertiesDeleted{ChatID: "C1", Names: chat.PropertyNames{"ns": {"k"}}}, true, true},
	{chat.PropertiesDeleted{ChatID: "C1", ThreadID: "T1", Names: chat.PropertyNames{"ns": {"k"}}}, true, true},
	{chat.PropertiesDeleted{ChatID: "C1", ThreadID: "T1", EventID: "E1", Names: chat.PropertyNames{"ns": {"k"}}}, true, true},
	{chat.LastSeenUpdated{ChatID: "C1", ThreadID: "T1", UserID: "cu", At: time.Unix(1, 0)}, true, true},
	{chat.CustomerUpdated{Customer: chat.Customer{ID: "cu", Name: "Ann"}}, true, true},
	{chat.CustomerPageUpdated{CustomerID: "cu", Page: chat.Page{URL: "https://shop.example/", Title: "Shop"}}, true, true},
	{chat.PostbackReceived{Postback: chat.Postback{ChatID: "C1", ThreadID: "T1", EventID: "E1", UserID: "cu", ID: "yes"}}, true, true},
	{chat.Disconnect{Reason: chat.ReasonCustomerBanned}, true, true},
	{chat.ChatTransferred{ChatID: "C1", ThreadID: "T1", RequesterID: "ag", TargetType: chat.TransferToAgent, AgentIDs: []string{"ag2"}}, false, true},
	{chat.ChatTransferred{ChatID: "C1", ThreadID: "T1", RequesterID: "ag", TargetType: chat.TransferToGroup, GroupIDs: []int{1}}, false, true},
	{chat.RoutingStatusSet{AgentID: "ag", Status: chat.Accepting}, false, true},
	{chat.ThreadTagged{ChatID: "C1", ThreadID: "T1", Tag: "vip"}, false, true},
	{chat.ThreadUntagged{ChatID: "C1", ThreadID: "T1", Tag: "vip"}, false, true},
	{chat.QueuePositionUpdated{ChatID: "C1", ThreadID: "T1", Position: 2, Wait: 2 * time.Minute}, true, false},
}

// TestWirePushCoversEveryType renders every push type for each audience it
// is meant for, and checks the others do not get it.
func TestWirePushCoversEveryType(t *testing.T) {
	types := pushTypes(t)
	var sampled []string
	for _, s := range pushSamples {
		sampled = append(sampled, reflect.TypeOf(s.push).Name())
	}
	for _, name := range types {
		if !slices.Contains(sampled, name) {
			t.Errorf("push type chat.%s has no sample in pushSamples: add one, and its case in wirePush", name)
		}
	}
	for _, name := range sampled {
		if !slices.Contains(types, name) {
			t.Errorf("pushSamples holds chat.%s, which is not a push type", name)
		}
	}

	for _, s := range pushSamples {
		for _, aud := range []struct {
			typ   chat.UserType
			wants bool
		}{{chat.UserCustomer, s.customer}, {chat.UserAgent, s.agent}} {
			name := reflect.TypeOf(s.push).Name() + " to " + string(aud.typ)
			action, payload, err := wirePush(s.push, aud.typ)
			if !aud.wants {
				if !errors.Is(err, errNotForAudience) {
					t.Errorf("%s: err = %v, want errNotForAudience", name, err)
				}
				continue
			}
			if err != nil || action == "" {
				t.Errorf("%s: action %q, err %v", name, action, err)
				continue
			}
			frame, err := protocol.Push(action, payload)
			if err != nil {
				t.Errorf("%s: encode: %v", name, err)
				continue
			}
			var got struct {
				Action  string          `json:"action"`
				Type    string          `json:"type"`
				Payload json.RawMessage `json:"payload"`
			}
			if err := json.Unmarshal(frame, &got); err != nil || got.Action != action || got.Type != "push" || len(got.Payload) < 2 {
				t.Errorf("%s: frame %s (err %v)", name, frame, err)
			}
		}

		// v3.5 customers get what v3.0 customers get, and transfers.
		name := reflect.TypeOf(s.push).Name() + " to a v3.5 customer"
		_, transfer := s.push.(chat.ChatTransferred)
		action, payload, err := wirePush35(s.push)
		if !s.customer && !transfer {
			if !errors.Is(err, errNotForAudience) {
				t.Errorf("%s: err = %v, want errNotForAudience", name, err)
			}
			continue
		}
		if err != nil || !slices.Contains(v35.Pushes, action) {
			t.Errorf("%s: action %q (not a v3.5 push?), err %v", name, action, err)
			continue
		}
		frame, err := protocol.VersionedPush(action, v35.Version, payload)
		if err != nil {
			t.Errorf("%s: encode: %v", name, err)
			continue
		}
		var got struct {
			Action  string          `json:"action"`
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
			Version string          `json:"version"`
		}
		if err := json.Unmarshal(frame, &got); err != nil || got.Action != action || got.Type != "push" || len(got.Payload) < 2 ||
			got.Version != "3.5" || protocol.PushAction(frame) != action {
			t.Errorf("%s: frame %s (err %v)", name, frame, err)
		}
	}
}

// A push that cannot be rendered is an error, never a silent drop.
func TestWirePushUnknown(t *testing.T) {
	if _, _, err := wirePush(nil, chat.UserCustomer); !errors.Is(err, errUnknownPush) {
		t.Errorf("nil push: err = %v, want errUnknownPush", err)
	}
	if _, _, err := wirePush35(nil); !errors.Is(err, errUnknownPush) {
		t.Errorf("nil push in v3.5: err = %v, want errUnknownPush", err)
	}
}

// recordingHandler keeps the messages of the error records logged.
type recordingHandler struct {
	mu     sync.Mutex
	errors []string
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler            { return h }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.mu.Lock()
		h.errors = append(h.errors, r.Message)
		h.mu.Unlock()
	}
	return nil
}

// The hub logs a push it cannot render as an error, for each dialect of
// the audience (a customer's: v3.0 and v3.5).
func TestHubLogsUnrenderablePush(t *testing.T) {
	rec := &recordingHandler{}
	h := NewHub(memory.New(), slog.New(rec))
	h.Notify(context.Background(), chat.Notification{LicenseID: 1, Recipients: []chat.Recipient{{ID: "ann", Type: chat.UserCustomer}}})
	if len(rec.errors) != 2 || rec.errors[0] != "render push" || rec.errors[1] != "render push" {
		t.Errorf("logged errors %q, want two render push", rec.errors)
	}
}

// An event's postback and file come out alike in both dialects; v3.5
// names an image its own thumbnail.
func TestWireEventPostbackAndFile(t *testing.T) {
	pb := &chat.MessagePostback{ID: "btn", ThreadID: "T1", EventID: "E0", Type: "message", Value: "yes"}
	msg := chat.Event{ID: "E1", Type: chat.EventMessage, Text: "yes", Postback: pb}
	want := &protocol.MessagePostback{ID: "btn", ThreadID: "T1", EventID: "E0", Type: "message", Value: "yes"}
	if got := wireEvent(msg).Postback; !reflect.DeepEqual(got, want) {
		t.Errorf("v3.0 postback = %+v, want %+v", got, want)
	}
	if got := wireEvent35(msg).Postback; !reflect.DeepEqual(got, want) {
		t.Errorf("v3.5 postback = %+v, want %+v", got, want)
	}
	msg.Postback = nil
	if wireEvent(msg).Postback != nil || wireEvent35(msg).Postback != nil {
		t.Error("a message without a postback has one on the wire")
	}

	f := chat.Event{ID: "E2", Type: chat.EventFile, File: &chat.File{Name: "a.png", URL: "https://x/a.png", ContentType: "image/png", Size: 9, Width: 4, Height: 3}}
	w30, w35 := wireEvent(f), wireEvent35(f)
	if w30.Name != "a.png" || w30.URL != "https://x/a.png" || w30.ContentType != "image/png" || w30.Size != 9 || w30.Width != 4 || w30.Height != 3 {
		t.Errorf("v3.0 file = %+v", w30)
	}
	if w35.Name != "a.png" || w35.URL != "https://x/a.png" || w35.ContentType != "image/png" || w35.Size != 9 || w35.Width != 4 || w35.Height != 3 ||
		w35.ThumbnailURL != w35.URL || w35.Thumbnail2xURL != w35.URL {
		t.Errorf("v3.5 file = %+v", w35)
	}
}
