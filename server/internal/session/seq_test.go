package session

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/protocol/v35"
	"github.com/parleychat/parley/server/broker/memory"
	"github.com/parleychat/parley/server/chat"
)

const seqLicense = 7

var (
	ann = chat.Recipient{ID: "ann", Type: chat.UserCustomer}
	bob = chat.Recipient{ID: "bob", Type: chat.UserAgent}
)

// seqHub is a hub on the memory broker (which delivers as it publishes)
// whose pushes that skip a place wait wait, with its gap counter, and a
// session of the customer ann and one of the agent bob.
func seqHub(t *testing.T, wait time.Duration) (h *Hub, m *Metrics, annS, bobS *session) {
	t.Helper()
	mb := memory.New()
	t.Cleanup(func() { _ = mb.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h = NewHub(mb, log)
	h.gapWait = wait
	m = NewMetrics(prometheus.NewRegistry())
	srv := New(Config{Hub: h, Logger: log, QueueBytes: 1 << 20, Metrics: m})
	annS, bobS = testSession(srv, "s-ann", chat.UserCustomer), testSession(srv, "s-bob", chat.UserAgent)
	ctx := context.Background()
	if err := annS.subscribe(ctx, userTopic(seqLicense, ann.ID)); err != nil {
		t.Fatal(err)
	}
	if err := bobS.subscribe(ctx, userTopic(seqLicense, bob.ID)); err != nil {
		t.Fatal(err)
	}
	return h, m, annS, bobS
}

// sendEvent notifies event thread.event of chat C, ann its member.
func sendEvent(h *Hub, thread, event int, to ...chat.Recipient) {
	h.Notify(context.Background(), chat.Notification{LicenseID: seqLicense, Recipients: to,
		Push: chat.IncomingEvent{Event: chat.Event{ID: fmt.Sprintf("E%d.%d", thread, event), ChatID: "C", Type: chat.EventMessage}},
		Seq:  chat.Seq{Kind: chat.SeqEvent, ChatID: "C", Thread: thread, Event: event, Members: []chat.Recipient{ann}}})
}

// delivered returns the event ids of the pushes waiting in s's queue and
// whether the last one asks the client to reconnect.
func delivered(t *testing.T, s *session) (ids []string, resynced bool) {
	t.Helper()
	for _, m := range queued(s) {
		if m.closeCode != 0 {
			if m.closeReason != protocol.ReasonServiceShutdown {
				t.Errorf("closed with %q", m.closeReason)
			}
			resynced = true
			continue
		}
		id, _ := eventID(t, m)
		ids = append(ids, id)
	}
	return ids, resynced
}

// waitResync waits until s is asked to reconnect, returning the event ids
// delivered before.
func waitResync(t *testing.T, s *session) []string {
	t.Helper()
	var ids []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		more, resynced := delivered(t, s)
		ids = append(ids, more...)
		if resynced {
			return ids
		}
	}
	t.Fatal("never asked to reconnect")
	return nil
}

func gaps(m *Metrics) int {
	var out dto.Metric
	if err := m.pushGaps.Write(&out); err != nil {
		panic(err)
	}
	return int(out.GetCounter().GetValue())
}

// A push after a hole is held; when the hole does not fill within the
// wait, the topic is resynced and the push is never delivered.
func TestSeqGapResyncs(t *testing.T) {
	h, m, annS, _ := seqHub(t, 50*time.Millisecond)
	sendEvent(h, 1, 1, ann)
	sendEvent(h, 1, 2, ann)
	sendEvent(h, 1, 4, ann) // 3 is lost
	if ids, resynced := delivered(t, annS); !slices.Equal(ids, []string{"E1.1", "E1.2"}) || resynced {
		t.Fatalf("before the wait ends: %q, resynced %v; want E1.1 E1.2 only", ids, resynced)
	}
	if ids := waitResync(t, annS); len(ids) != 0 {
		t.Fatalf("after the wait: delivered %q before the resync; E1.4 must never be delivered", ids)
	}
	if n := gaps(m); n != 1 {
		t.Errorf("parley_push_gaps_total = %d, want 1", n)
	}
	// The topic starts over: what comes next is delivered.
	sendEvent(h, 1, 9, ann)
	if ids, resynced := delivered(t, annS); !slices.Equal(ids, []string{"E1.9"}) || resynced {
		t.Errorf("after the resync: %q, resynced %v", ids, resynced)
	}
}

// Pushes that overtake others of their chat (two nodes publishing) wait
// for them and are delivered in place order, with no resync.
func TestSeqReorderedWithinWait(t *testing.T) {
	h, m, annS, _ := seqHub(t, time.Minute)
	sendEvent(h, 1, 1, ann)
	sendEvent(h, 1, 3, ann)
	sendEvent(h, 1, 4, ann)
	if ids, _ := delivered(t, annS); !slices.Equal(ids, []string{"E1.1"}) {
		t.Fatalf("3 and 4 before 2: delivered %q, want E1.1 only", ids)
	}
	sendEvent(h, 1, 2, ann)
	sendEvent(h, 1, 6, ann)
	sendEvent(h, 1, 5, ann)
	sendEvent(h, 1, 5, ann) // a duplicate is delivered, as before places
	ids, resynced := delivered(t, annS)
	if want := []string{"E1.2", "E1.3", "E1.4", "E1.5", "E1.6", "E1.5"}; !slices.Equal(ids, want) || resynced {
		t.Errorf("delivered %q, resynced %v; want %q", ids, resynced, want)
	}
	if n := gaps(m); n != 0 {
		t.Errorf("parley_push_gaps_total = %d, want 0", n)
	}
}

// Threads: an opening follows the previous thread whatever its length; a
// closing tells the thread's length, so a lost last event shows.
func TestSeqThreads(t *testing.T) {
	h, m, annS, _ := seqHub(t, 50*time.Millisecond)
	open := func(thread, events int) {
		th := chat.Thread{ID: fmt.Sprint("T", thread), Order: thread}
		for i := range events {
			th.Events = append(th.Events, chat.Event{ID: fmt.Sprintf("E%d.%d", thread, i+1), Order: i + 1, Type: chat.EventMessage})
		}
		h.Notify(context.Background(), chat.Notification{LicenseID: seqLicense, Recipients: []chat.Recipient{ann},
			Push: chat.IncomingChatThread{Chat: chat.Chat{ID: "C"}, Thread: th},
			Seq:  chat.Seq{Kind: chat.SeqThread, ChatID: "C", Thread: thread, Event: events, Members: []chat.Recipient{ann}}})
	}
	closed := func(thread, events int) {
		h.Notify(context.Background(), chat.Notification{LicenseID: seqLicense, Recipients: []chat.Recipient{ann},
			Push: chat.ThreadClosed{ChatID: "C", ThreadID: fmt.Sprint("T", thread)},
			Seq:  chat.Seq{Kind: chat.SeqClosed, ChatID: "C", Thread: thread, Event: events, Members: []chat.Recipient{ann}}})
	}
	open(1, 1)
	sendEvent(h, 1, 2, ann)
	closed(1, 2)
	open(2, 0)
	sendEvent(h, 2, 1, ann)
	open(3, 2) // overtook thread 2's closing, which then comes as old
	closed(2, 1)
	if n := len(queued(annS)); n != 7 {
		t.Fatalf("got %d frames, want 7", n)
	}
	sendEvent(h, 3, 3, ann)
	closed(3, 4)        // its event 4 is lost
	waitResync(t, annS) // a closing after a lost event
	if n := gaps(m); n != 1 {
		t.Errorf("parley_push_gaps_total = %d, want 1", n)
	}
}

// Only the chat's members' topics check places; a user who joins or
// leaves starts over; old-format messages are delivered unchecked.
func TestSeqMembersAndOldMessages(t *testing.T) {
	h, m, annS, bobS := seqHub(t, 50*time.Millisecond)
	// bob gets pushes of the chat as an agent of its queued chat's
	// groups, with holes: no place, no check.
	sendEvent(h, 1, 1, ann, bob)
	sendEvent(h, 1, 5, ann, bob) // ann missed 2-4
	waitResync(t, annS)          // a member
	if ids, resynced := delivered(t, bobS); len(ids) != 2 || resynced {
		t.Errorf("bob, not a member: %q, resynced %v; want both, no resync", ids, resynced)
	}

	// bob joins: his topic forgets the chat (and then knows it from the
	// first placed push); he leaves and comes back later, when the chat
	// has moved on: no hole. (Here only bob gets the chat's events.)
	member := func(r chat.Recipient, add bool, events ...int) {
		var push chat.Push = chat.UserRemoved{ChatID: "C", UserID: r.ID, UserType: r.Type}
		if add {
			push = chat.UserAdded{ChatID: "C", Member: chat.Member{User: chat.User{ID: r.ID, Type: r.Type}}}
		}
		h.Notify(context.Background(), chat.Notification{LicenseID: seqLicense, Recipients: []chat.Recipient{ann, r}, Push: push})
		for _, e := range events {
			h.Notify(context.Background(), chat.Notification{LicenseID: seqLicense, Recipients: []chat.Recipient{r},
				Push: chat.IncomingEvent{Event: chat.Event{ID: fmt.Sprintf("E1.%d", e), ChatID: "C", Type: chat.EventMessage}},
				Seq:  chat.Seq{Kind: chat.SeqEvent, ChatID: "C", Thread: 1, Event: e, Members: []chat.Recipient{r}}})
		}
	}
	member(bob, true, 6, 7)
	member(bob, false)
	member(bob, true, 12, 13)
	time.Sleep(200 * time.Millisecond)
	if _, resynced := delivered(t, bobS); resynced {
		t.Error("bob, who left and came back, was resynced")
	}

	// A message of the old format (no place) reaches the session as is.
	frame, _ := protocol.Push(protocol.PushIncomingEvent, protocol.IncomingEvent{ChatID: "C", Event: protocol.Event{ID: "OLD"}})
	legacy := binary.AppendUvarint(nil, uint64(len("s-ann")))
	legacy = append(legacy, "s-ann"...)
	legacy = binary.AppendUvarint(legacy, 2)
	legacy = append(legacy, "r1"...)
	legacy = append(legacy, frame...)
	if err := h.broker.Publish(context.Background(), userTopic(seqLicense, ann.ID), legacy); err != nil {
		t.Fatal(err)
	}
	gotOld := queued(annS)
	if len(gotOld) == 0 {
		t.Fatal("the old-format message was not delivered")
	}
	if id, req := eventID(t, gotOld[len(gotOld)-1]); id != "OLD" || req != "r1" {
		t.Errorf("old-format message delivered as event %q request %q", id, req)
	}
	if n := gaps(m); n != 1 {
		t.Errorf("parley_push_gaps_total = %d, want 1 (ann's)", n)
	}
}

// A place rides in the connection id field: the origin's request id and
// the control markers still work, and a decoder that does not know places
// sees a connection id no session has.
func TestSeqMessageFormat(t *testing.T) {
	seq := chat.Seq{Kind: chat.SeqEvent, ChatID: "CHAT1", Thread: 300, Event: 70000}
	b := encodeMessage(chat.Origin{ConnID: "conn", RequestID: "req"}, seq, pushFrames{v30: []byte(`{"x":1}`)})
	m, err := decodeMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	if !m.placed || m.o.ConnID != "conn" || m.o.RequestID != "req" || string(m.chatID) != "CHAT1" ||
		m.p != (place{kind: chat.SeqEvent, thread: 300, event: 70000}) || string(m.frames.v30) != `{"x":1}` || m.frames.v35 != nil {
		t.Errorf("decoded %+v", m)
	}
	for _, o := range []chat.Origin{{ConnID: ctlDisconnect, RequestID: "banned"}, {ConnID: ctlRevoke, RequestID: "tok"}, {}} {
		m, err := decodeMessage(encodeMessage(o, chat.Seq{}, pushFrames{v30: []byte("{}")}))
		if err != nil || m.placed || m.o != o {
			t.Errorf("%+v decoded as %+v, %v", o, m, err)
		}
	}
	for i := range len(b) {
		_, _ = decodeMessage(b[:i]) // never panics
	}
	// A customer's push carries a v3.5 frame in the request id field.
	for _, o := range []chat.Origin{{ConnID: "conn", RequestID: "req"}, {ConnID: "conn"}, {}} {
		f := pushFrames{v30: []byte(`{"v":30}`), v35: []byte(`{"v":35}`)}
		b := encodeMessage(o, seq, f)
		m, err := decodeMessage(b)
		if err != nil || m.o != o || string(m.frames.v30) != `{"v":30}` || string(m.frames.v35) != `{"v":35}` || !m.placed {
			t.Errorf("%+v with two frames decoded as %+v, %v", o, m, err)
		}
		for i := range len(b) {
			_, _ = decodeMessage(b[:i]) // never panics
		}
	}
	// A push for v3.5 only (chat_transferred to a customer) has no v3.0
	// frame.
	m, err = decodeMessage(encodeMessage(chat.Origin{}, chat.Seq{}, pushFrames{v35: []byte(`{}`)}))
	if err != nil || len(m.frames.v30) != 0 || string(m.frames.v35) != `{}` || m.frames.push35 != 0 {
		t.Errorf("v3.5 only: %+v, %v", m, err)
	}
	// Decoding names the v3.5 push by its bit, for the sessions that check
	// their logins' pushes.
	frame, err := protocol.VersionedPush(protocol.PushChatTransferred, v35.Version, struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	m, err = decodeMessage(encodeMessage(chat.Origin{}, chat.Seq{}, pushFrames{v35: frame}))
	if err != nil || m.frames.push35 == 0 || m.frames.push35 != pushBits35[protocol.PushChatTransferred] {
		t.Errorf("chat_transferred: push bit %b, want %b (%v)", m.frames.push35, pushBits35[protocol.PushChatTransferred], err)
	}
}

// Delivering a placed push in order allocates no more than delivering an
// unplaced one.
func TestSeqDeliverAllocations(t *testing.T) {
	h, _, annS, _ := seqHub(t, time.Minute)
	h.topicMu.Lock()
	tp := h.topics[userTopic(seqLicense, ann.ID)]
	h.topicMu.Unlock()
	frame := pushFrames{v30: []byte(`{}`)}
	const runs = 1000
	placed := make([][]byte, runs+2)
	for i := range placed {
		placed[i] = encodeMessage(chat.Origin{ConnID: "x"}, chat.Seq{Kind: chat.SeqEvent, ChatID: "C", Thread: 1, Event: i + 1}, frame)
	}
	unplaced := encodeMessage(chat.Origin{ConnID: "x"}, chat.Seq{}, frame)
	h.deliver(tp, placed[0])
	i := 1
	withPlace := testing.AllocsPerRun(runs, func() {
		h.deliver(tp, placed[i])
		i++
		annS.q = newOutQueue(1<<20, nil)
	})
	without := testing.AllocsPerRun(runs, func() {
		h.deliver(tp, unplaced)
		annS.q = newOutQueue(1<<20, nil)
	})
	if withPlace > without {
		t.Errorf("%.1f allocations per placed push, %.1f per unplaced one", withPlace, without)
	}
}
