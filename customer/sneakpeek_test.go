package customer_test

// SetSneakPeek: sent only for an active chat while connected, at most once
// per interval per chat, the last text winning. The interval is 300 ms
// here; the assertions are about behaviour (counts, which text), with room
// for a slow machine.

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
)

const tSneakInterval = 300 * time.Millisecond

func tSneakConfig(c *customer.Config) { c.SneakPeekInterval = tSneakInterval }

// tSneakPeeksHandled returns how many send_sneak_peek requests the server
// has handled.
func tSneakPeeksHandled(t testing.TB, srv *parleytest.Server) int {
	t.Helper()
	resp, err := http.Get(srv.AdminURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.Lines(string(b)) {
		if strings.HasPrefix(line, "parley_rtm_requests_total{") && strings.Contains(line, `action="send_sneak_peek"`) &&
			strings.Contains(line, `role="customer"`) {
			f := strings.Fields(line)
			v, err := strconv.ParseFloat(f[len(f)-1], 64)
			if err != nil {
				t.Fatalf("metrics: %q", line)
			}
			n += int(v)
		}
	}
	return n
}

func TestSneakPeekThrottle(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv, tSneakConfig)
	c := tStartChat(t, sdk, "hello")
	agent := tNewAgent(t, srv)
	agent.join(c.ID)
	tWait(t, rec, func(j customer.UserJoinedChat) bool { return j.User == agent.ID })

	const calls = 20
	start := time.Now()
	for i := range calls {
		sdk.SetSneakPeek(c.ID, "p"+strconv.Itoa(i))
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	last := "p" + strconv.Itoa(calls-1)
	agent.waitPush(protocol.PushIncomingSneakPeek, func(p json.RawMessage) bool { return strings.Contains(string(p), `"text":"`+last+`"`) })
	// Nothing more comes.
	time.Sleep(2 * tSneakInterval)

	texts, at := agent.sneakPeeks(c.ID)
	allowed := 2 + int(elapsed/tSneakInterval)
	if len(texts) == 0 || len(texts) > allowed {
		t.Fatalf("%d calls in %v: the agent got %d sneak peeks %q, want 1 … %d", calls, elapsed, len(texts), texts, allowed)
	}
	if texts[0] != "p0" || texts[len(texts)-1] != last {
		t.Errorf("sneak peeks %q: want the first at once and the last text last", texts)
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < tSneakInterval/2 {
			t.Errorf("sneak peeks %d and %d arrived %v apart, want about %v", i-1, i, gap, tSneakInterval)
		}
	}
	if n := tSneakPeeksHandled(t, srv); n != len(texts) {
		t.Errorf("the server handled %d sneak peeks, the agent got %d", n, len(texts))
	}

	// After a quiet interval the next one goes out at once; another chat
	// has its own interval.
	d := tStartChat(t, sdk, "another chat")
	agent.join(d.ID)
	sdk.SetSneakPeek(c.ID, "again")
	sdk.SetSneakPeek(d.ID, "other chat")
	agent.waitPush(protocol.PushIncomingSneakPeek, func(p json.RawMessage) bool { return strings.Contains(string(p), `"text":"again"`) })
	agent.waitPush(protocol.PushIncomingSneakPeek, func(p json.RawMessage) bool { return strings.Contains(string(p), `"text":"other chat"`) })
	var p tSneakPeek
	f := agent.waitPush(protocol.PushIncomingSneakPeek, tForChat(d.ID))
	if err := json.Unmarshal(f.Payload, &p); err != nil || p.SneakPeek.AuthorID != sdk.CustomerID() || p.SneakPeek.Text != "other chat" {
		t.Errorf("sneak peek = %+v (%v)", p, err)
	}
}

// TestSneakPeekNotSent: nothing is sent for a closed or unknown chat, nor
// while disconnected.
func TestSneakPeekNotSent(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	logs := &tLogBuffer{}
	sdk, rec := tInit(t, srv, tSneakConfig, func(c *customer.Config) {
		c.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := tCtx(t)
	agent := tNewAgent(t, srv)

	closedByMe := tStartChat(t, sdk, "one")
	if err := sdk.CloseThread(ctx, closedByMe.ID); err != nil {
		t.Fatal(err)
	}
	closedByAgent := tStartChat(t, sdk, "two")
	agent.join(closedByAgent.ID)
	agent.deactivate(closedByAgent.ID)
	tWait(t, rec, func(c customer.ThreadClosed) bool { return c.Chat == closedByAgent.ID })
	active := tStartChat(t, sdk, "three")

	sdk.SetSneakPeek(closedByMe.ID, "closed by me")
	sdk.SetSneakPeek(closedByAgent.ID, "closed by the agent")
	sdk.SetSneakPeek("NOSUCHCHAT", "unknown")

	sdk.Disconnect()
	sdk.SetSneakPeek(active.ID, "while disconnected")
	time.Sleep(tSneakInterval + 100*time.Millisecond)
	if err := sdk.Connect(); err != nil {
		t.Fatal(err)
	}
	tWait[customer.ConnectionRestored](t, rec, nil)
	time.Sleep(2 * tSneakInterval)
	if n := tSneakPeeksHandled(t, srv); n != 0 {
		t.Fatalf("the server handled %d sneak peeks, want none", n)
	}
	// Config.Logger heard why.
	if l := logs.String(); !strings.Contains(l, "sneak peek not sent") || !strings.Contains(l, active.ID) {
		t.Errorf("logs %q, want the sneak peek not sent while disconnected", l)
	}

	// The control: the active chat's sneak peek goes out now.
	sdk.SetSneakPeek(active.ID, "connected again")
	agent.waitPush(protocol.PushIncomingSneakPeek, tForChat(active.ID))
	if texts, _ := agent.sneakPeeks(active.ID); len(texts) != 1 || texts[0] != "connected again" {
		t.Errorf("sneak peeks %q", texts)
	}
	for _, id := range []string{closedByMe.ID, closedByAgent.ID} {
		if texts, _ := agent.sneakPeeks(id); len(texts) != 0 {
			t.Errorf("closed chat %s: sneak peeks %q", id, texts)
		}
	}
	if n := tSneakPeeksHandled(t, srv); n != 1 {
		t.Errorf("the server handled %d sneak peeks, want 1", n)
	}

	// A chat activated again is active again.
	if _, err := sdk.ActivateChat(ctx, closedByMe.ID, customer.StartChatRequest{}); err != nil {
		t.Fatal(err)
	}
	sdk.SetSneakPeek(closedByMe.ID, "reopened")
	agent.waitPush(protocol.PushIncomingSneakPeek, tForChat(closedByMe.ID))
}

// TestSneakPeekDroppedBySend: a sneak peek held back by the interval is
// dropped when the customer sends a message: the text went out as the
// message itself.
func TestSneakPeekDroppedBySend(t *testing.T) {
	t.Parallel()
	srv := parleytest.NewServer(t)
	sdk, rec := tInit(t, srv, tSneakConfig)
	c := tStartChat(t, sdk, "hello")
	agent := tNewAgent(t, srv)
	agent.join(c.ID)
	tWait(t, rec, func(j customer.UserJoinedChat) bool { return j.User == agent.ID })

	sdk.SetSneakPeek(c.ID, "I would li")
	sdk.SetSneakPeek(c.ID, "I would like a refund") // held back
	tSend(t, sdk, c.ID, "I would like a refund")
	agent.waitPush(protocol.PushIncomingEvent, func(p json.RawMessage) bool { return strings.Contains(string(p), "like a refund") })
	time.Sleep(2 * tSneakInterval)
	if texts, _ := agent.sneakPeeks(c.ID); len(texts) != 1 || texts[0] != "I would li" {
		t.Errorf("sneak peeks %q, want only the first (the held-back one dropped by the send)", texts)
	}
	// Typing goes on as before.
	sdk.SetSneakPeek(c.ID, "thanks")
	agent.waitPush(protocol.PushIncomingSneakPeek, func(p json.RawMessage) bool { return strings.Contains(string(p), `"text":"thanks"`) })
}

// tLogBuffer collects log output from many goroutines.
type tLogBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *tLogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *tLogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
