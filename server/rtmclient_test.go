package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"go.uber.org/goleak"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server/auth"
)

// TestMain checks that no test of the package leaves a goroutine behind:
// every server is shut down and every connection is gone when the tests end.
// It must stay the package's only TestMain.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitTimeout only keeps a broken test from hanging: every wait ends as
// soon as what it waits for has arrived.
const waitTimeout = 30 * time.Second

// Endpoints of the RTM APIs.
const (
	customerPath   = "/v3.0/customer/rtm/ws"
	customer35Path = "/v3.5/customer/rtm/ws"
	agentPath      = "/v3.0/agent/rtm/ws"
)

// frame is one frame the server sent.
type frame struct {
	RequestID *string         `json:"request_id"`
	Action    string          `json:"action"`
	Type      string          `json:"type"`
	Success   *bool           `json:"success"`
	Payload   json.RawMessage `json:"payload"`
	Version   string          `json:"version"`
	raw       []byte
}

func (f frame) rid() string {
	if f.RequestID == nil {
		return ""
	}
	return *f.RequestID
}

func (f frame) String() string { return string(f.raw) }

// errorOf returns the error of a failed response.
func (f frame) errorOf() (protocol.Error, bool) {
	var p struct {
		Error *protocol.Error `json:"error"`
	}
	if f.Success == nil || *f.Success || json.Unmarshal(f.Payload, &p) != nil || p.Error == nil {
		return protocol.Error{}, false
	}
	return *p.Error, true
}

// rtmClient is a test client of the customer or agent RTM API over a plain
// WebSocket. A reader goroutine collects every frame: responses by request
// id, pushes in arrival order. Wait methods end the test when what they wait
// for does not come within waitTimeout or the connection ends first.
//
// The methods that send are safe for concurrent use; the others must be
// called from the test's goroutine.
type rtmClient struct {
	t    testing.TB
	name string
	ws   *websocket.Conn
	role string // "customer" or "agent"
	// v35 is set on a client of the Customer Chat API v3.5: its login
	// carries "version":"3.5", as the JS SDK 4's does.
	v35 bool
	// loginID is the agent's id when connectAgent logged it in.
	loginID string

	seq  atomic.Int64
	done chan struct{} // closed when the reader has stopped
	// slots holds a token per request of sendRequest not yet answered:
	// like the SDKs, the client keeps at most protocol.MaxRequestsInFlight
	// (the server refuses more) and makes the next wait. Raw frames do not
	// count.
	slots chan struct{}

	mu        sync.Mutex
	changed   chan struct{}   // closed and replaced when a frame arrives
	all       []frame         // every frame, in arrival order
	responses []frame         // responses not yet taken
	held      map[string]bool // request ids holding a slot
	pending   []frame         // pushes not yet taken
	pushes    []frame         // every push, in arrival order
	readErr   error           // why the reader stopped
}

// wsURL turns the server's http URL into a WebSocket URL for path.
func wsURL(srv *parleytest.Server, path string, query url.Values) string {
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

func customerURL(srv *parleytest.Server) string {
	return wsURL(srv, customerPath, url.Values{"license_id": {strconv.Itoa(srv.License)}})
}

func agentURL(srv *parleytest.Server) string {
	return wsURL(srv, agentPath, nil)
}

// dial opens a connection; it is closed when the test ends.
func dial(t testing.TB, name, rawURL, role string) *rtmClient {
	t.Helper()
	c := dialConn(t, name, rawURL, role)
	t.Cleanup(c.close)
	return c
}

// dialConn opens a connection that the caller closes.
func dialConn(t testing.TB, name, rawURL, role string) *rtmClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, rawURL, nil)
	if err != nil {
		t.Fatalf("%s: dial %s: %v", name, rawURL, err)
	}
	// Responses may be larger than the library's default limit.
	ws.SetReadLimit(16 << 20)
	c := &rtmClient{t: t, name: name, ws: ws, role: role, done: make(chan struct{}), changed: make(chan struct{}),
		slots: make(chan struct{}, protocol.MaxRequestsInFlight), held: make(map[string]bool)}
	go c.readLoop()
	return c
}

func (c *rtmClient) readLoop() {
	defer close(c.done)
	for {
		_, msg, err := c.ws.Read(context.Background())
		c.mu.Lock()
		if err != nil {
			c.readErr = err
			close(c.changed)
			c.changed = make(chan struct{})
			c.mu.Unlock()
			return
		}
		f := frame{raw: msg}
		if jerr := json.Unmarshal(msg, &f); jerr != nil {
			f = frame{raw: msg, Type: "<not json>"}
		}
		c.all = append(c.all, f)
		if f.Type == protocol.TypeResponse {
			c.responses = append(c.responses, f)
			if rid := f.rid(); c.held[rid] {
				delete(c.held, rid)
				<-c.slots
			}
		} else {
			c.pending = append(c.pending, f)
			c.pushes = append(c.pushes, f)
		}
		close(c.changed)
		c.changed = make(chan struct{})
		c.mu.Unlock()
	}
}

// close closes the connection and waits for the reader to stop.
func (c *rtmClient) close() {
	_ = c.ws.Close(websocket.StatusNormalClosure, "")
	<-c.done
}

// closeNow drops the connection without a close handshake.
func (c *rtmClient) closeNow() {
	_ = c.ws.CloseNow()
	<-c.done
}

// fatalf ends the test with the frames received so far.
func (c *rtmClient) fatalf(format string, args ...any) {
	c.t.Helper()
	c.mu.Lock()
	var b strings.Builder
	from := max(0, len(c.all)-30)
	for _, f := range c.all[from:] {
		s := f.String()
		if len(s) > 600 {
			s = s[:600] + "…"
		}
		fmt.Fprintf(&b, "\n  <- %s", s)
	}
	err := c.readErr
	c.mu.Unlock()
	c.t.Fatalf("%s: "+format+"\nread error: %v\nlast frames received:%s", append(append([]any{c.name}, args...), err, b.String())...)
}

// waitFor calls take under the client's lock each time a frame arrives
// until it returns true.
func (c *rtmClient) waitFor(what string, take func() bool) {
	c.t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	for {
		c.mu.Lock()
		ok := take()
		ch, err := c.changed, c.readErr
		c.mu.Unlock()
		if ok {
			return
		}
		if err != nil {
			c.fatalf("connection ended while waiting for %s", what)
		}
		select {
		case <-ch:
		case <-timer.C:
			c.fatalf("no %s within %v", what, waitTimeout)
		}
	}
}

// newRID returns a request id in the JS SDK's style, unique in the test.
func (c *rtmClient) newRID() string {
	return strconv.FormatInt(c.seq.Add(1), 36) + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
}

// sendRaw sends one text message as is.
func (c *rtmClient) sendRaw(msg []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	return c.ws.Write(ctx, websocket.MessageText, msg)
}

// mustSendRaw sends one text message and ends the test if it cannot.
func (c *rtmClient) mustSendRaw(msg []byte) {
	c.t.Helper()
	if err := c.sendRaw(msg); err != nil {
		c.fatalf("send: %v", err)
	}
}

// encodeRequest builds a request frame; a nil payload is left out, as the
// JS SDK does.
func encodeRequest(rid, action string, payload any) []byte {
	m := struct {
		RequestID string `json:"request_id"`
		Action    string `json:"action"`
		Payload   any    `json:"payload,omitempty"`
	}{rid, action, payload}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// sendRequest sends a request and returns its request id. It is safe to
// call from any goroutine.
func (c *rtmClient) sendRequest(action string, payload any) (string, error) {
	rid := c.newRID()
	select {
	case c.slots <- struct{}{}:
	case <-c.done:
		return rid, fmt.Errorf("%s: connection closed", c.name)
	case <-time.After(waitTimeout):
		return rid, fmt.Errorf("%s: %d requests unanswered for %v", c.name, protocol.MaxRequestsInFlight, waitTimeout)
	}
	c.mu.Lock()
	c.held[rid] = true
	c.mu.Unlock()
	msg := encodeRequest(rid, action, payload)
	if c.v35 && action == protocol.ActionLogin {
		msg = append(msg[:len(msg)-1], `,"version":"3.5"}`...)
	}
	return rid, c.sendRaw(msg)
}

// waitResponse waits for the response to request rid.
func (c *rtmClient) waitResponse(rid string) frame {
	c.t.Helper()
	var got frame
	c.waitFor("response to request "+rid, func() bool {
		for i, f := range c.responses {
			if f.RequestID != nil && *f.RequestID == rid {
				got = f
				c.responses = append(c.responses[:i:i], c.responses[i+1:]...)
				return true
			}
		}
		return false
	})
	return got
}

// nextResponse waits for the oldest response not yet taken, whatever its
// request id (for frames whose request id the server cannot read).
func (c *rtmClient) nextResponse() frame {
	c.t.Helper()
	var got frame
	c.waitFor("a response", func() bool {
		if len(c.responses) == 0 {
			return false
		}
		got = c.responses[0]
		c.responses = c.responses[1:]
		return true
	})
	return got
}

// request sends a request and waits for its response.
func (c *rtmClient) request(action string, payload any) frame {
	c.t.Helper()
	rid, err := c.sendRequest(action, payload)
	if err != nil {
		c.fatalf("send %s: %v", action, err)
	}
	f := c.waitResponse(rid)
	if f.Action != action {
		c.fatalf("response to %s %s has action %q", action, rid, f.Action)
	}
	return f
}

// ok sends a request, checks that it succeeded and returns its response.
func (c *rtmClient) ok(action string, payload any) frame {
	c.t.Helper()
	f := c.request(action, payload)
	if f.Success == nil || !*f.Success {
		c.fatalf("%s failed: %s", action, f)
	}
	return f
}

// okInto is ok that decodes the response payload into v.
func (c *rtmClient) okInto(action string, payload any, v any) frame {
	c.t.Helper()
	f := c.ok(action, payload)
	if err := json.Unmarshal(f.Payload, v); err != nil {
		c.fatalf("decode %s response: %v: %s", action, err, f)
	}
	return f
}

// fail sends a request, checks that it failed with an error response of
// the protocol's shape and returns the error.
func (c *rtmClient) fail(action string, payload any) protocol.Error {
	c.t.Helper()
	return c.checkError(c.request(action, payload))
}

// checkError checks the shape of an error response and returns the error.
func (c *rtmClient) checkError(f frame) protocol.Error {
	c.t.Helper()
	if f.Type != protocol.TypeResponse || f.Success == nil || *f.Success {
		c.fatalf("want an error response, got %s", f)
	}
	e, ok := f.errorOf()
	if !ok || e.Type == "" || e.Message == "" {
		c.fatalf("error response without payload.error{type,message}: %s", f)
	}
	return e
}

// pushMatch selects pushes.
type pushMatch func(f frame) bool

// tagged matches pushes carrying request id rid.
func tagged(rid string) pushMatch { return func(f frame) bool { return f.rid() == rid } }

// untagged matches pushes without a request id.
func untagged() pushMatch { return func(f frame) bool { return f.RequestID == nil } }

// forChat matches pushes about chat id (payload chat_id or chat.id).
func forChat(id string) pushMatch { return func(f frame) bool { return chatIDOf(f.Payload) == id } }

func chatIDOf(payload json.RawMessage) string {
	var p struct {
		ChatID string `json:"chat_id"`
		Chat   struct {
			ID string `json:"id"`
		} `json:"chat"`
	}
	_ = json.Unmarshal(payload, &p)
	if p.ChatID != "" {
		return p.ChatID
	}
	return p.Chat.ID
}

// matches reports whether f has the action (any when "") and matches ms.
func matches(f frame, action string, ms []pushMatch) bool {
	if action != "" && f.Action != action {
		return false
	}
	for _, m := range ms {
		if !m(f) {
			return false
		}
	}
	return true
}

// waitPush waits for the oldest push not yet taken with this action that
// matches ms, takes it and returns it.
func (c *rtmClient) waitPush(action string, ms ...pushMatch) frame {
	c.t.Helper()
	var got frame
	c.waitFor("push "+action, func() bool {
		for i, f := range c.pending {
			if matches(f, action, ms) {
				got = f
				c.pending = append(c.pending[:i:i], c.pending[i+1:]...)
				return true
			}
		}
		return false
	})
	if got.Type != protocol.TypePush {
		c.fatalf("push %s has type %q, want %q", action, got.Type, protocol.TypePush)
	}
	return got
}

// waitPushInto is waitPush that decodes the payload into v.
func (c *rtmClient) waitPushInto(v any, action string, ms ...pushMatch) frame {
	c.t.Helper()
	f := c.waitPush(action, ms...)
	if err := json.Unmarshal(f.Payload, v); err != nil {
		c.fatalf("decode %s push: %v: %s", action, err, f)
	}
	return f
}

// sync makes a round trip. Pushes caused by requests that any connection
// has had answered before sync was called arrive before sync returns: the
// server queues a push to every connection before it answers the request
// that caused it, and each connection gets its frames in queue order.
func (c *rtmClient) sync() {
	c.t.Helper()
	if c.role == "agent" || c.v35 {
		c.ok(protocol.ActionListChats, map[string]int{"limit": 1})
	} else {
		c.ok(protocol.ActionGetChatsSummary, map[string]int{"limit": 1})
	}
}

// noPush checks, after a sync, that no push with this action matching ms
// is waiting.
func (c *rtmClient) noPush(action string, ms ...pushMatch) {
	c.t.Helper()
	c.sync()
	c.mu.Lock()
	var bad []string
	for _, f := range c.pending {
		if matches(f, action, ms) {
			bad = append(bad, f.String())
		}
	}
	c.mu.Unlock()
	if len(bad) > 0 {
		c.fatalf("unexpected push %s: %s", action, strings.Join(bad, "\n"))
	}
}

// pushLog returns every push received so far with this action matching ms,
// taken or not, in arrival order.
func (c *rtmClient) pushLog(action string, ms ...pushMatch) []frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []frame
	for _, f := range c.pushes {
		if matches(f, action, ms) {
			out = append(out, f)
		}
	}
	return out
}

// waitCount waits until n pushes with this action matching ms have
// arrived (taken or not) and returns them.
func (c *rtmClient) waitCount(n int, action string, ms ...pushMatch) []frame {
	c.t.Helper()
	var out []frame
	c.waitFor(fmt.Sprintf("%d pushes %s", n, action), func() bool {
		out = out[:0]
		for _, f := range c.pushes {
			if matches(f, action, ms) {
				out = append(out, f)
			}
		}
		return len(out) >= n
	})
	return out
}

// framesWith returns every frame received so far whose action is action.
func (c *rtmClient) framesWith(action string) []frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []frame
	for _, f := range c.all {
		if f.Action == action {
			out = append(out, f)
		}
	}
	return out
}

// waitClosed waits until the server has closed the connection and returns
// the close status (-1 when the connection ended without a close frame).
func (c *rtmClient) waitClosed() websocket.StatusCode {
	c.t.Helper()
	select {
	case <-c.done:
	case <-time.After(waitTimeout):
		c.fatalf("connection still open after %v", waitTimeout)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return websocket.CloseStatus(c.readErr)
}

// login logs in with a bearer token and returns the response.
func (c *rtmClient) login(token string) frame {
	c.t.Helper()
	return c.ok(protocol.ActionLogin, map[string]any{"token": "Bearer " + token})
}

// newCustomerID returns a fresh customer id (an accounts entity id).
func newCustomerID() string { return uuid.NewString() }

// connectCustomer dials the customer RTM and logs in as customer id.
func connectCustomer(t testing.TB, srv *parleytest.Server, id string) *rtmClient {
	t.Helper()
	c := dial(t, "customer "+id[:min(8, len(id))], customerURL(srv), "customer")
	c.login(srv.CustomerToken(t, id))
	return c
}

// newCustomer connects a new customer and returns it with its id.
func newCustomer(t testing.TB, srv *parleytest.Server) (*rtmClient, string) {
	t.Helper()
	id := newCustomerID()
	return connectCustomer(t, srv, id), id
}

// connectAgent dials the agent RTM and logs in as agent id.
func connectAgent(t testing.TB, srv *parleytest.Server, id string) *rtmClient {
	t.Helper()
	c := dial(t, "agent "+id, agentURL(srv), "agent")
	c.login(srv.AgentToken(t, id))
	c.loginID = id
	return c
}

// customer35URL is the v3.5 customer RTM of the server's organization.
func customer35URL(srv *parleytest.Server) string {
	return wsURL(srv, customer35Path, url.Values{"organization_id": {srv.OrganizationID}})
}

// dial35 opens a v3.5 customer connection to rawURL.
func dial35(t testing.TB, name, rawURL string) *rtmClient {
	t.Helper()
	c := dial(t, name, rawURL, "customer")
	c.v35 = true
	return c
}

// login35Payload is the login payload of the JS SDK 4.0.2, with the pushes
// given (none: the SDK's list, every v3.5 push but customer_disconnected).
func login35Payload(token string, pushes ...string) map[string]any {
	if pushes == nil {
		pushes = sdk4Pushes
	}
	return map[string]any{
		"token": "Bearer " + token, "customer": map[string]any{}, "customer_side_storage": map[string]any{},
		"is_mobile": false, "application": map[string]any{"name": "customer_sdk", "version": "4.0.2"},
		"pushes": map[string]any{"3.5": pushes},
	}
}

// sdk4Pushes is what the JS SDK 4.0.2 subscribes to.
var sdk4Pushes = []string{"chat_deactivated", "chat_properties_deleted", "chat_properties_updated", "chat_transferred",
	"customer_page_updated", "customer_side_storage_updated", "customer_updated", "event_properties_deleted",
	"event_properties_updated", "event_updated", "events_marked_as_seen", "greeting_accepted", "greeting_canceled",
	"groups_status_updated", "incoming_chat", "incoming_event", "incoming_greeting", "incoming_multicast",
	"incoming_rich_message_postback", "incoming_typing_indicator", "queue_position_updated", "thread_properties_deleted",
	"thread_properties_updated", "user_added_to_chat", "user_removed_from_chat"}

// connectCustomer35 dials the v3.5 customer RTM and logs in as customer
// id as the JS SDK 4.0.2 does.
func connectCustomer35(t testing.TB, srv *parleytest.Server, id string) *rtmClient {
	t.Helper()
	c := dial35(t, "v3.5 customer "+id[:min(8, len(id))], customer35URL(srv))
	c.ok(protocol.ActionLogin, login35Payload(srv.CustomerToken(t, id)))
	return c
}

// testSigner signs tokens with the server's own key, for tokens the server
// would not issue itself (expired ones).
func testSigner(t testing.TB, srv *parleytest.Server) *auth.Signer {
	t.Helper()
	key, err := os.ReadFile(filepath.Join(srv.DataDir, "token.key"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := auth.NewSigner([]byte(strings.TrimSpace(string(key))))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Wire shapes the tests decode into. They are local on purpose: the tests
// check the wire, not the server's own types.

type wUser struct {
	ID                string            `json:"id"`
	Type              string            `json:"type"`
	Name              string            `json:"name"`
	Email             string            `json:"email"`
	Avatar            string            `json:"avatar"`
	JobTitle          string            `json:"job_title"`
	Fields            map[string]string `json:"fields"`
	Present           bool              `json:"present"`
	LastSeenTimestamp *int64            `json:"last_seen_timestamp"`
}

type wEvent struct {
	ID                string          `json:"id"`
	CustomID          string          `json:"custom_id"`
	Order             int             `json:"order"`
	Type              string          `json:"type"`
	AuthorID          string          `json:"author_id"`
	Timestamp         int64           `json:"timestamp"`
	Text              string          `json:"text"`
	SystemMessageType string          `json:"system_message_type"`
	Properties        json.RawMessage `json:"properties"`
	Elements          json.RawMessage `json:"elements"`
}

type wThread struct {
	ID         string          `json:"id"`
	Active     bool            `json:"active"`
	Order      int             `json:"order"`
	UserIDs    []string        `json:"user_ids"`
	Events     []wEvent        `json:"events"`
	Properties json.RawMessage `json:"properties"`
}

type wChatThread struct {
	Chat struct {
		ID         string          `json:"id"`
		Users      []wUser         `json:"users"`
		Thread     wThread         `json:"thread"`
		Access     *wAccess        `json:"access"`
		Properties json.RawMessage `json:"properties"`
	} `json:"chat"`
}

type wAccess struct {
	GroupIDs []int `json:"group_ids"`
}

type wChatThreads struct {
	Chat struct {
		ID         string          `json:"id"`
		Users      []wUser         `json:"users"`
		Threads    []wThread       `json:"threads"`
		Properties json.RawMessage `json:"properties"`
	} `json:"chat"`
}

type wIncomingEvent struct {
	ChatID   string `json:"chat_id"`
	ThreadID string `json:"thread_id"`
	Event    wEvent `json:"event"`
}

type wChatSummary struct {
	ID               string          `json:"id"`
	Active           bool            `json:"active"`
	Order            int64           `json:"order"`
	LastThreadID     string          `json:"last_thread_id"`
	Users            []wUser         `json:"users"`
	Access           *wAccess        `json:"access"`
	Properties       json.RawMessage `json:"properties"`
	LastEventPerType map[string]struct {
		ThreadID    string `json:"thread_id"`
		ThreadOrder int    `json:"thread_order"`
		Event       wEvent `json:"event"`
	} `json:"last_event_per_type"`
}

type wChatsSummary struct {
	ChatsSummary []wChatSummary `json:"chats_summary"`
	TotalChats   int            `json:"total_chats"`
}

type wThreadsSummary struct {
	ThreadsSummary []struct {
		ID          string `json:"id"`
		Active      bool   `json:"active"`
		Order       int    `json:"order"`
		TotalEvents int    `json:"total_events"`
	} `json:"threads_summary"`
	TotalThreads int `json:"total_threads"`
}

// Wire shapes of v3.5.

type w35User struct {
	ID             string              `json:"id"`
	Type           string              `json:"type"`
	Name           string              `json:"name"`
	Email          string              `json:"email"`
	JobTitle       string              `json:"job_title"`
	SessionFields  []map[string]string `json:"session_fields"`
	Present        bool                `json:"present"`
	EventsSeenUpTo string              `json:"events_seen_up_to"`
}

type w35Event struct {
	ID         string          `json:"id"`
	CustomID   string          `json:"custom_id"`
	Type       string          `json:"type"`
	AuthorID   string          `json:"author_id"`
	CreatedAt  string          `json:"created_at"`
	Text       string          `json:"text"`
	Properties json.RawMessage `json:"properties"`
	Order      *int            `json:"order"`
	Timestamp  *int64          `json:"timestamp"`
	URL        string          `json:"url"`
	Name       string          `json:"name"`
}

type w35Thread struct {
	ID               string          `json:"id"`
	Active           bool            `json:"active"`
	CreatedAt        string          `json:"created_at"`
	UserIDs          []string        `json:"user_ids"`
	Events           []w35Event      `json:"events"`
	Properties       json.RawMessage `json:"properties"`
	PreviousThreadID string          `json:"previous_thread_id"`
	NextThreadID     string          `json:"next_thread_id"`
}

type w35Chat struct {
	ID         string          `json:"id"`
	Users      []w35User       `json:"users"`
	Access     *wAccess        `json:"access"`
	Properties json.RawMessage `json:"properties"`
	Thread     *w35Thread      `json:"thread"`
}

type w35IncomingEvent struct {
	ChatID   string   `json:"chat_id"`
	ThreadID string   `json:"thread_id"`
	Event    w35Event `json:"event"`
}

// startChat35 starts a chat with one message (none: empty) as the JS SDK
// 4 does and returns the incoming_chat push that resolves it.
func (c *rtmClient) startChat35(text string) w35Chat {
	c.t.Helper()
	payload := map[string]any{"active": true, "chat": map[string]any{}}
	if text != "" {
		payload["chat"] = map[string]any{"thread": map[string]any{"events": []any{message(text)}}}
	}
	rid, err := c.sendRequest(protocol.ActionStartChat, payload)
	if err != nil {
		c.fatalf("send start_chat: %v", err)
	}
	var ic struct {
		Chat w35Chat `json:"chat"`
	}
	c.waitPushInto(&ic, "incoming_chat", tagged(rid))
	if f := c.waitResponse(rid); f.Success == nil || !*f.Success {
		c.fatalf("start_chat failed: %s", f)
	}
	return ic.Chat
}

// sendMessage35 sends a message and returns the tagged incoming_event.
func (c *rtmClient) sendMessage35(chatID, text string) w35IncomingEvent {
	c.t.Helper()
	rid, err := c.sendRequest(protocol.ActionSendEvent, map[string]any{"chat_id": chatID, "event": message(text)})
	if err != nil {
		c.fatalf("send send_event: %v", err)
	}
	var ie w35IncomingEvent
	c.waitPushInto(&ie, protocol.PushIncomingEvent, tagged(rid))
	if f := c.waitResponse(rid); f.Success == nil || !*f.Success {
		c.fatalf("send_event failed: %s", f)
	}
	return ie
}

// message is a client message event.
func message(text string) map[string]any { return map[string]any{"type": "message", "text": text} }

// startChat starts a chat with one message and returns the pushed chat.
func (c *rtmClient) startChat(text string) wChatThread {
	c.t.Helper()
	payload := map[string]any{"chat": map[string]any{}}
	if text != "" {
		payload = map[string]any{"chat": map[string]any{"thread": map[string]any{"events": []any{message(text)}}}}
	}
	rid, err := c.sendRequest(protocol.ActionStartChat, payload)
	if err != nil {
		c.fatalf("send start_chat: %v", err)
	}
	var ct wChatThread
	c.waitPushInto(&ct, protocol.PushIncomingChatThread, tagged(rid))
	if f := c.waitResponse(rid); f.Success == nil || !*f.Success {
		c.fatalf("start_chat failed: %s", f)
	}
	return ct
}

// sendMessage sends a message into a chat's active thread and returns the
// tagged incoming_event push.
func (c *rtmClient) sendMessage(chatID, text string) wIncomingEvent {
	c.t.Helper()
	rid, err := c.sendRequest(protocol.ActionSendEvent, map[string]any{"chat_id": chatID, "event": message(text)})
	if err != nil {
		c.fatalf("send send_event: %v", err)
	}
	var ie wIncomingEvent
	c.waitPushInto(&ie, protocol.PushIncomingEvent, tagged(rid))
	if f := c.waitResponse(rid); f.Success == nil || !*f.Success {
		c.fatalf("send_event failed: %s", f)
	}
	return ie
}

// closeThread closes a chat's active thread and waits for thread_closed.
func (c *rtmClient) closeThread(chatID string) {
	c.t.Helper()
	rid, err := c.sendRequest(protocol.ActionCloseThread, map[string]any{"chat_id": chatID})
	if err != nil {
		c.fatalf("send close_thread: %v", err)
	}
	c.waitPush(protocol.PushThreadClosed, tagged(rid))
	if f := c.waitResponse(rid); f.Success == nil || !*f.Success {
		c.fatalf("close_thread failed: %s", f)
	}
}

// chatThreads returns get_chat_threads for the given threads.
func (c *rtmClient) chatThreads(chatID string, threadIDs ...string) wChatThreads {
	c.t.Helper()
	var out wChatThreads
	c.okInto(protocol.ActionGetChatThreads, map[string]any{"chat_id": chatID, "thread_ids": threadIDs}, &out)
	return out
}

// jsonEqual reports whether two JSON documents are equal as values.
func jsonEqual(t testing.TB, got json.RawMessage, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("bad JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad JSON %s: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	return string(gb) == string(wb)
}

// wantJSON fails the test when got is not the JSON value want.
func wantJSON(t testing.TB, what string, got json.RawMessage, want string) {
	t.Helper()
	if !jsonEqual(t, got, want) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// keysOf returns the keys of a JSON object.
func keysOf(t testing.TB, raw json.RawMessage) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not a JSON object: %s: %v", raw, err)
	}
	return m
}

// wantKeys fails the test unless the JSON object has every key.
func wantKeys(t testing.TB, what string, raw json.RawMessage, keys ...string) map[string]json.RawMessage {
	t.Helper()
	m := keysOf(t, raw)
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s has no %q: %s", what, k, raw)
		}
	}
	return m
}
