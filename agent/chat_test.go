package agent_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/protocol"
)

// TestChat serves one chat from start to end: every chat action of the
// client, and every push a chat brings to an agent. The steps share the
// chat and run in order.
func TestChat(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c, rec := connected(t, srv)
	me := c.MyProfile().ID
	// Not accepting: the new chat waits for an agent instead of being
	// routed, so that joining it is the test's doing.
	setRouting(t, c, agent.NotAcceptingChats)

	// The customer lives as long as the whole test.
	cust, crec, ch := startChat(t, srv, rec, "I need help")
	chatID, thread := ch.ID, ch.Thread.ID
	step := func(name string, f func(t *testing.T)) {
		t.Helper()
		if !t.Run(name, f) {
			t.FailNow()
		}
	}

	step("incoming chat", func(t *testing.T) {
		th := ch.Thread
		if !th.Active || th.Chat != chatID || th.Order != 1 || len(th.Events) != 1 || th.Events[0].Text != "I need help" ||
			th.Events[0].Type != agent.EventMessage || th.Events[0].Author != cust.CustomerID() || th.Events[0].Thread != thread {
			t.Errorf("thread = %+v", th)
		}
		if cu := ch.Customer(); cu.ID != cust.CustomerID() || cu.Name != "Carla" || cu.Type != agent.CustomerUser {
			t.Errorf("customer = %+v", cu)
		}
	})

	step("list_chats", func(t *testing.T) {
		ctx := ctxT(t)
		sum, err := c.ListChats(ctx, agent.ListChatsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(sum.ChatsSummary, func(s agent.ChatSummary) bool { return s.ID == chatID })
		if i < 0 || sum.TotalChats != 1 {
			t.Fatalf("ListChats = %+v", sum)
		}
		s := sum.ChatsSummary[i]
		if !s.Active || s.LastThread != thread || s.LastEvent == nil || s.LastEvent.Text != "I need help" ||
			s.LastEventsPerType[agent.EventMessage].ID != s.LastEvent.ID || len(s.Users) != 1 || s.Users[0].ID != cust.CustomerID() ||
			s.LastActivity.IsZero() || !slices.Equal(s.Access.Groups, []int{0}) {
			t.Errorf("summary = %+v", s)
		}
		if _, err := c.ListChats(ctx, agent.ListChatsOptions{Limit: 101}); !errors.Is(err, agent.ErrLimitTooHigh) {
			t.Errorf("limit 101: %v", err)
		}
		mine, err := c.ListChats(ctx, agent.ListChatsOptions{Mine: true})
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(mine.ChatsSummary, func(s agent.ChatSummary) bool { return s.ID == chatID }) {
			t.Errorf("Mine lists a chat the agent is not in: %+v", mine)
		}
		queued, err := c.ListChats(ctx, agent.ListChatsOptions{Queued: true})
		if err != nil {
			t.Fatal(err)
		}
		i = slices.IndexFunc(queued.ChatsSummary, func(s agent.ChatSummary) bool { return s.ID == chatID })
		if i < 0 || queued.ChatsSummary[i].Queue == nil || queued.ChatsSummary[i].Queue.Position != 1 || queued.ChatsSummary[i].Queue.QueuedAt.IsZero() {
			t.Errorf("Queued = %+v", queued)
		}
	})

	step("get_chat", func(t *testing.T) {
		ctx := ctxT(t)
		got, err := c.GetChat(ctx, chatID, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != chatID || got.Thread.ID != thread || len(got.Thread.Events) != 1 || got.Customer().ID != cust.CustomerID() {
			t.Errorf("GetChat = %+v", got)
		}
		if got, err = c.GetChat(ctx, chatID, thread); err != nil || got.Thread.ID != thread {
			t.Errorf("GetChat with thread = %+v, %v", got, err)
		}
		_, err = c.GetChat(ctx, "NOSUCHCHAT", "")
		var e *agent.Error
		if !errors.As(err, &e) || e.Type != protocol.ErrNotFound || !strings.Contains(err.Error(), "get_chat") {
			t.Errorf("unknown chat: %v", err)
		}
	})

	step("get_customer", func(t *testing.T) {
		cu, err := c.GetCustomer(ctxT(t), cust.CustomerID())
		if err != nil {
			t.Fatal(err)
		}
		if cu.ID != cust.CustomerID() || cu.Name != "Carla" || cu.Banned || cu.Visits < 1 || cu.LastVisit.IsZero() {
			t.Errorf("GetCustomer = %+v", cu)
		}
		if _, err := c.GetCustomer(ctxT(t), "nobody"); !agent.IsType(err, protocol.ErrNotFound) {
			t.Errorf("unknown customer: %v", err)
		}
	})

	step("send before join", func(t *testing.T) {
		_, err := c.SendEvent(ctxT(t), chatID, agent.Event{Type: agent.EventMessage, Text: "hi"})
		if !agent.IsType(err, protocol.ErrAuthorization) {
			t.Errorf("SendEvent before JoinChat: %v", err)
		}
	})

	step("join_chat", func(t *testing.T) {
		from, cfrom := rec.len(), crec.len()
		if err := c.JoinChat(ctxT(t), chatID); err != nil {
			t.Fatal(err)
		}
		added, _ := waitFor(t, rec, from, func(n agent.ChatUserAdded) bool { return n.Chat == chatID })
		if u := added.User; u.ID != me || u.Type != agent.AgentUser || u.Name != "Demo Agent" || !u.Present || added.Thread != thread {
			t.Errorf("ChatUserAdded = %+v", added)
		}
		waitFor(t, crec, cfrom, func(n customer.UserJoinedChat) bool { return n.Chat == chatID && n.User == me })
		// Joining again changes nothing.
		if err := c.JoinChat(ctxT(t), chatID); err != nil {
			t.Fatal(err)
		}
		mine, err := c.ListChats(ctxT(t), agent.ListChatsOptions{Mine: true})
		if err != nil || !slices.ContainsFunc(mine.ChatsSummary, func(s agent.ChatSummary) bool { return s.ID == chatID }) {
			t.Errorf("Mine = %+v, %v", mine, err)
		}
	})

	step("send_event", func(t *testing.T) {
		ctx := ctxT(t)
		from, cfrom := rec.len(), crec.len()
		e, err := c.SendEvent(ctx, chatID, agent.Event{Type: agent.EventMessage, Text: "How can I help?", CustomID: "m-1"})
		if err != nil {
			t.Fatal(err)
		}
		if e.ID == "" || e.Author != me || e.Text != "How can I help?" || e.Thread != thread || e.CustomID != "m-1" || e.Timestamp.IsZero() {
			t.Errorf("SendEvent = %+v", e)
		}
		got, _ := waitFor(t, crec, cfrom, func(n customer.NewEvent) bool { return n.Event.ID == e.ID })
		if got.Event.Text != "How can I help?" || got.Event.Author != me {
			t.Errorf("customer got %+v", got)
		}
		// A retry with the same CustomID returns the stored event.
		again, err := c.SendEvent(ctx, chatID, agent.Event{Type: agent.EventMessage, Text: "How can I help?", CustomID: "m-1"})
		if err != nil || again.ID != e.ID {
			t.Errorf("retry = %+v, %v", again, err)
		}

		for _, ev := range []agent.Event{
			{Type: agent.EventSystemMessage, Text: "Agent note", SystemMessageType: "custom", TextVars: map[string]string{"a": "b"}},
			{Type: agent.EventAnnotation, Text: "Refund issued", AnnotationType: "refund"},
			{Type: agent.EventCustom, Content: json.RawMessage(`{"order":42}`), Properties: agent.Properties{"p": {"k": "v"}}},
		} {
			got, err := c.SendEvent(ctx, chatID, ev)
			if err != nil {
				t.Fatalf("%s: %v", ev.Type, err)
			}
			if got.Type != ev.Type || got.Text != ev.Text || got.ID == "" || got.SystemMessageType != ev.SystemMessageType ||
				got.AnnotationType != ev.AnnotationType || string(got.Content) != string(ev.Content) {
				t.Errorf("%s: got %+v", ev.Type, got)
			}
			if ev.Type == agent.EventCustom && got.Properties["p"]["k"] != "v" {
				t.Errorf("custom event properties = %v", got.Properties)
			}
			if ev.Type == agent.EventSystemMessage && got.TextVars["a"] != "b" {
				t.Errorf("text vars = %v", got.TextVars)
			}
		}
		// The client's own events are returned, not reported.
		none(t, rec, from, func(n agent.IncomingEvent) bool { return n.Chat == chatID })

		if _, err := c.SendEvent(ctx, chatID, agent.Event{Type: agent.EventMessage}); !agent.IsType(err, protocol.ErrValidation) {
			t.Errorf("empty message: %v", err)
		}
	})

	step("notes and tags", func(t *testing.T) {
		ctx := ctxT(t)
		cfrom := crec.len()
		n, err := c.SendEvent(ctx, chatID, agent.Event{Type: agent.EventMessage, Text: "VIP, be nice", Visibility: agent.VisibilityAgents})
		if err != nil || n.Visibility != agent.VisibilityAgents {
			t.Fatalf("SendEvent of a note = %+v, %v", n, err)
		}
		from := rec.len()
		if err := c.TagThread(ctx, chatID, thread, "vip"); err != nil {
			t.Fatal(err)
		}
		if got, _ := waitFor(t, rec, from, func(n agent.ThreadTagged) bool { return n.Chat == chatID }); got != (agent.ThreadTagged{Chat: chatID, Thread: thread, Tag: "vip"}) {
			t.Errorf("ThreadTagged = %+v", got)
		}
		if err := c.TagThread(ctx, chatID, thread, "VIP"); !agent.IsType(err, protocol.ErrValidation) {
			t.Errorf("upper-case tag: %v", err)
		}
		sum, err := c.ListChats(ctx, agent.ListChatsOptions{Tag: "vip"})
		if err != nil || sum.TotalChats != 1 || sum.ChatsSummary[0].ID != chatID || !slices.Equal(sum.ChatsSummary[0].Tags, []string{"vip"}) {
			t.Fatalf("ListChats by tag = %+v, %v", sum, err)
		}
		if s := sum.ChatsSummary[0]; len(s.ThreadTags) != 1 || !slices.Equal(s.ThreadTags[thread], []string{"vip"}) || !slices.Equal(s.AllTags(), []string{"vip"}) {
			t.Errorf("ThreadTags = %v, AllTags = %v", s.ThreadTags, s.AllTags())
		}
		if err := c.UntagThread(ctx, chatID, thread, "vip"); err != nil {
			t.Fatal(err)
		}
		if got, _ := waitFor(t, rec, from, func(n agent.ThreadUntagged) bool { return n.Chat == chatID }); got != (agent.ThreadUntagged{Chat: chatID, Thread: thread, Tag: "vip"}) {
			t.Errorf("ThreadUntagged = %+v", got)
		}
		if u := all[agent.UnknownPush](rec, from); len(u) != 0 {
			t.Errorf("unknown pushes: %+v", u)
		}
		if sum, err := c.ListChats(ctx, agent.ListChatsOptions{Tag: "vip"}); err != nil || sum.TotalChats != 0 {
			t.Errorf("ListChats by a removed tag = %+v, %v", sum, err)
		}
		// The customer gets the next message, and never the note.
		e, err := c.SendEvent(ctx, chatID, agent.Event{Type: agent.EventMessage, Text: "Still there?"})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, crec, cfrom, func(n customer.NewEvent) bool { return n.Event.ID == e.ID })
		none(t, crec, cfrom, func(got customer.NewEvent) bool { return got.Event.ID == n.ID })
	})

	step("rich message and postback", func(t *testing.T) {
		ctx := ctxT(t)
		from, cfrom := rec.len(), crec.len()
		rich, err := c.SendEvent(ctx, chatID, agent.Event{Type: agent.EventRichMessage, Template: "quick_replies", Elements: []agent.RichElement{{
			Title: "Happy?", Image: &agent.RichImage{URL: "https://example.com/a.png"},
			Buttons: []agent.RichButton{{Text: "Yes", Postback: "yes", Type: "message", Value: "Yes"}, {Text: "No", Postback: "no"}},
		}}})
		if err != nil {
			t.Fatal(err)
		}
		if rich.Template != "quick_replies" || len(rich.Elements) != 1 || len(rich.Elements[0].Buttons) != 2 ||
			rich.Elements[0].Buttons[0].Postback != "yes" || rich.Elements[0].Image.URL != "https://example.com/a.png" {
			t.Errorf("rich message = %+v", rich)
		}
		got, _ := waitFor(t, crec, cfrom, func(n customer.NewEvent) bool { return n.Event.ID == rich.ID })
		if len(got.Event.Elements) != 1 || got.Event.Elements[0].Buttons[1].Postback != "no" || got.Event.Elements[0].Title != "Happy?" {
			t.Errorf("customer got %+v", got.Event)
		}
		if err := cust.SendPostback(ctx, chatID, thread, rich.ID, customer.Postback{ID: "yes"}); err != nil {
			t.Fatal(err)
		}
		pb, _ := waitFor(t, rec, from, func(n agent.IncomingRichMessagePostback) bool { return n.Event == rich.ID })
		if pb.Chat != chatID || pb.Thread != thread || pb.User != cust.CustomerID() || pb.Postback != (agent.Postback{ID: "yes", Toggled: true}) {
			t.Errorf("postback = %+v", pb)
		}
	})

	step("typing and sneak peeks", func(t *testing.T) {
		ctx := ctxT(t)
		from, cfrom := rec.len(), crec.len()
		if err := c.SendTypingIndicator(ctx, chatID, true); err != nil {
			t.Fatal(err)
		}
		waitFor(t, crec, cfrom, func(n customer.UserIsTyping) bool { return n.Chat == chatID && n.User == me })
		if err := c.SendTypingIndicator(ctx, chatID, false); err != nil {
			t.Fatal(err)
		}
		waitFor(t, crec, cfrom, func(n customer.UserStoppedTyping) bool { return n.Chat == chatID && n.User == me })

		cust.SetSneakPeek(chatID, "I wan")
		sp, _ := waitFor(t, rec, from, func(n agent.IncomingSneakPeek) bool { return n.Chat == chatID })
		if sp.Text != "I wan" || sp.Author != cust.CustomerID() || sp.Thread != thread || sp.Timestamp.IsZero() {
			t.Errorf("sneak peek = %+v", sp)
		}
		// The agent does not hear its own typing.
		none[agent.IncomingTypingIndicator](t, rec, from, nil)
	})

	step("customer message", func(t *testing.T) {
		from := rec.len()
		sent, err := cust.SendEvent(ctxT(t), chatID, customer.Event{Type: customer.EventMessage, Text: "I want a refund"})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := waitFor(t, rec, from, func(n agent.IncomingEvent) bool { return n.Event.ID == sent.ID })
		if got.Chat != chatID || got.Event.Text != "I want a refund" || got.Event.Author != cust.CustomerID() || got.Event.Thread != thread {
			t.Errorf("IncomingEvent = %+v", got)
		}
	})

	step("properties", func(t *testing.T) {
		ctx := ctxT(t)
		from, cfrom := rec.len(), crec.len()
		e, err := c.SendEvent(ctx, chatID, agent.Event{Type: agent.EventMessage, Text: "tagged"})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.UpdateChatProperties(ctx, chatID, agent.Properties{"routing": {"vip": true}}); err != nil {
			t.Fatal(err)
		}
		cp, _ := waitFor(t, rec, from, func(n agent.ChatPropertiesUpdated) bool { return n.Chat == chatID })
		if cp.Properties["routing"]["vip"] != true {
			t.Errorf("ChatPropertiesUpdated = %+v", cp)
		}
		waitFor(t, crec, cfrom, func(n customer.ChatPropertiesUpdated) bool { return n.Chat == chatID })
		if err := cust.UpdateChatThreadProperties(ctx, chatID, thread, customer.Properties{"rating": {"score": 1}}); err != nil {
			t.Fatal(err)
		}
		tp, _ := waitFor(t, rec, from, func(n agent.ChatThreadPropertiesUpdated) bool { return n.Chat == chatID })
		if tp.Thread != thread || tp.Properties["rating"]["score"] != 1.0 {
			t.Errorf("ChatThreadPropertiesUpdated = %+v", tp)
		}
		if err := c.UpdateEventProperties(ctx, chatID, thread, e.ID, agent.Properties{"x": {"y": "z"}}); err != nil {
			t.Fatal(err)
		}
		ep, _ := waitFor(t, rec, from, func(n agent.EventPropertiesUpdated) bool { return n.Event == e.ID })
		if ep.Chat != chatID || ep.Thread != thread || ep.Properties["x"]["y"] != "z" {
			t.Errorf("EventPropertiesUpdated = %+v", ep)
		}
		if err := c.UpdateChatThreadProperties(ctx, chatID, thread, agent.Properties{"t": {"k": 1}}); err != nil {
			t.Fatal(err)
		}

		got, err := c.GetChat(ctx, chatID, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.Properties["routing"]["vip"] != true || got.Thread.Properties["rating"]["score"] != 1.0 || got.Thread.Properties["t"]["k"] != 1.0 {
			t.Errorf("properties = %v / %v", got.Properties, got.Thread.Properties)
		}
		i := slices.IndexFunc(got.Thread.Events, func(x agent.Event) bool { return x.ID == e.ID })
		if i < 0 || got.Thread.Events[i].Properties["x"]["y"] != "z" {
			t.Errorf("event properties: %+v", got.Thread.Events)
		}

		if err := c.DeleteChatProperties(ctx, chatID, map[string][]string{"routing": {"vip"}}); err != nil {
			t.Fatal(err)
		}
		cd, _ := waitFor(t, rec, from, func(n agent.ChatPropertiesDeleted) bool { return n.Chat == chatID })
		if !slices.Equal(cd.Properties["routing"], []string{"vip"}) {
			t.Errorf("ChatPropertiesDeleted = %+v", cd)
		}
		if err := c.DeleteChatThreadProperties(ctx, chatID, thread, map[string][]string{"t": {"k"}}); err != nil {
			t.Fatal(err)
		}
		td, _ := waitFor(t, rec, from, func(n agent.ChatThreadPropertiesDeleted) bool { return n.Chat == chatID })
		if td.Thread != thread || !slices.Equal(td.Properties["t"], []string{"k"}) {
			t.Errorf("ChatThreadPropertiesDeleted = %+v", td)
		}
		if err := c.DeleteEventProperties(ctx, chatID, thread, e.ID, map[string][]string{"x": {"y"}}); err != nil {
			t.Fatal(err)
		}
		ed, _ := waitFor(t, rec, from, func(n agent.EventPropertiesDeleted) bool { return n.Event == e.ID })
		if ed.Thread != thread || !slices.Equal(ed.Properties["x"], []string{"y"}) {
			t.Errorf("EventPropertiesDeleted = %+v", ed)
		}
		if err := c.UpdateChatProperties(ctx, chatID, nil); !agent.IsType(err, protocol.ErrValidation) {
			t.Errorf("no properties: %v", err)
		}
	})

	step("last seen", func(t *testing.T) {
		ctx := ctxT(t)
		from := rec.len()
		at := time.Now().Add(-time.Minute).Truncate(time.Second)
		got, err := c.UpdateLastSeenTimestamp(ctx, chatID, at)
		if err != nil || !got.Equal(at) {
			t.Errorf("UpdateLastSeenTimestamp = %v, %v; want %v", got, err, at)
		}
		if got, err = c.UpdateLastSeenTimestamp(ctx, chatID, time.Time{}); err != nil || got.Before(at) {
			t.Errorf("UpdateLastSeenTimestamp(now) = %v, %v", got, err)
		}
		if _, err := cust.UpdateLastSeenTimestamp(ctx, chatID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		ls, _ := waitFor(t, rec, from, func(n agent.LastSeenTimestampUpdated) bool { return n.User == cust.CustomerID() })
		if ls.Chat != chatID || ls.Thread != thread || ls.Timestamp.IsZero() {
			t.Errorf("LastSeenTimestampUpdated = %+v", ls)
		}
	})

	step("customer updates", func(t *testing.T) {
		ctx := ctxT(t)
		from := rec.len()
		if err := cust.UpdateCustomer(ctx, customer.CustomerUpdate{Name: "Carla R.", Email: "carla@example.com", Fields: map[string]string{"plan": "pro"}}); err != nil {
			t.Fatal(err)
		}
		cu, _ := waitFor(t, rec, from, func(n agent.CustomerUpdated) bool { return n.Customer.ID == cust.CustomerID() })
		if cu.Customer.Name != "Carla R." || cu.Customer.Email != "carla@example.com" || cu.Customer.Fields["plan"] != "pro" || cu.Customer.Type != agent.CustomerUser {
			t.Errorf("CustomerUpdated = %+v", cu)
		}
		if err := cust.UpdateCustomerPage(ctx, customer.Page{URL: "https://shop.example/cart", Title: "Cart"}); err != nil {
			t.Fatal(err)
		}
		pg, _ := waitFor(t, rec, from, func(n agent.CustomerPageUpdated) bool { return n.Customer == cust.CustomerID() })
		if pg.Page.URL != "https://shop.example/cart" || pg.Page.Title != "Cart" || pg.Page.Timestamp.IsZero() {
			t.Errorf("CustomerPageUpdated = %+v", pg)
		}
		info, err := c.GetCustomer(ctx, cust.CustomerID())
		if err != nil {
			t.Fatal(err)
		}
		if info.Name != "Carla R." || info.Email != "carla@example.com" || info.Fields["plan"] != "pro" || info.Page == nil || info.Page.URL != "https://shop.example/cart" {
			t.Errorf("GetCustomer = %+v", info)
		}
	})

	step("send_file", func(t *testing.T) {
		ctx := ctxT(t)
		from, cfrom := rec.len(), crec.len()
		data := bytes.Repeat([]byte("parley "), 1000)
		var mu sync.Mutex
		var progress []float64
		up, err := c.SendFile(ctx, chatID, agent.File{Name: "notes.txt", ContentType: "text/plain", Reader: bytes.NewReader(data), Size: int64(len(data))},
			agent.OnProgress(func(f float64) { mu.Lock(); progress = append(progress, f); mu.Unlock() }))
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		if len(progress) < 2 || progress[0] != 0 || progress[len(progress)-1] != 1 {
			t.Errorf("progress = %v", progress)
		}
		mu.Unlock()
		// Files arrive as events, also for the sender.
		fe, _ := waitFor(t, rec, from, func(n agent.IncomingEvent) bool { return n.Event.Type == agent.EventFile })
		if fe.Chat != chatID || fe.Event.URL != up.URL || fe.Event.Name != "notes.txt" || fe.Event.Size != int64(len(data)) || fe.Event.Author != me {
			t.Errorf("file event = %+v, upload %+v", fe, up)
		}
		waitFor(t, crec, cfrom, func(n customer.NewEvent) bool { return n.Event.Type == customer.EventFile && n.Event.URL == up.URL })
		resp, err := http.Get(up.URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Equal(body, data) {
			t.Errorf("downloaded %d bytes", len(body))
		}

		if _, err := c.SendFile(ctx, chatID, agent.File{Name: "big", Reader: strings.NewReader(""), Size: agent.MaxFileSize + 1}); !errors.Is(err, agent.ErrFileTooLarge) {
			t.Errorf("big file: %v", err)
		}
		if _, err := c.SendFile(ctx, "NOSUCHCHAT", agent.File{Name: "a", Reader: strings.NewReader("a"), Size: 1}); !agent.IsType(err, protocol.ErrNotFound) {
			t.Errorf("unknown chat: %v", err)
		}

		// A reader of another size than Size is an error, and nothing is
		// stored; without a Size the reader is streamed whole.
		stream := func(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) }
		for _, size := range []int64{5, 20} {
			if _, err := c.SendFile(ctx, chatID, agent.File{Name: "wrong", Reader: stream("eleven byte"), Size: size}); err == nil {
				t.Errorf("Size %d for 11 bytes: no error", size)
			}
		}
		up, err = c.SendFile(ctx, chatID, agent.File{Name: "stream.txt", Reader: stream("eleven byte")})
		if err != nil {
			t.Fatal(err)
		}
		fe, _ = waitFor(t, rec, from, func(n agent.IncomingEvent) bool { return n.Event.Type == agent.EventFile && n.Event.URL == up.URL })
		if fe.Event.Size != 11 {
			t.Errorf("streamed file of %d bytes, want 11", fe.Event.Size)
		}
		ths, err := c.GetChatThreads(ctx, chatID, []string{thread})
		if err != nil {
			t.Fatal(err)
		}
		files := 0
		for _, e := range ths[0].Events {
			if e.Type == agent.EventFile {
				files++
			}
		}
		if files != 2 {
			t.Errorf("%d file events, want 2 (no file from a reader of the wrong size)", files)
		}
	})

	step("threads", func(t *testing.T) {
		ctx := ctxT(t)
		ts, err := c.GetChatThreadsSummary(ctx, chatID, agent.Pagination{})
		if err != nil {
			t.Fatal(err)
		}
		if ts.TotalThreads != 1 || len(ts.Threads) != 1 || ts.Threads[0].ID != thread || !ts.Threads[0].Active ||
			ts.Threads[0].TotalEvents < 5 || ts.Threads[0].Chat != chatID {
			t.Errorf("GetChatThreadsSummary = %+v", ts)
		}
		if _, err := c.GetChatThreadsSummary(ctx, chatID, agent.Pagination{Limit: 101}); !errors.Is(err, agent.ErrLimitTooHigh) {
			t.Errorf("limit 101: %v", err)
		}
		threads, err := c.GetChatThreads(ctx, chatID, []string{thread})
		if err != nil {
			t.Fatal(err)
		}
		if len(threads) != 1 || threads[0].ID != thread || len(threads[0].Events) != ts.Threads[0].TotalEvents ||
			threads[0].Events[0].Text != "I need help" || threads[0].Created.IsZero() || !slices.Contains(threads[0].Users, me) {
			t.Errorf("GetChatThreads = %+v", threads)
		}
	})

	step("deactivate_chat", func(t *testing.T) {
		from, cfrom := rec.len(), crec.len()
		if err := c.DeactivateChat(ctxT(t), chatID); err != nil {
			t.Fatal(err)
		}
		tc, i := waitFor(t, rec, from, func(n agent.ThreadClosed) bool { return n.Chat == chatID })
		if tc.Thread != thread || tc.User != me {
			t.Errorf("ThreadClosed = %+v", tc)
		}
		sys, j := waitFor(t, rec, from, func(n agent.IncomingEvent) bool {
			return n.Chat == chatID && n.Event.Type == agent.EventSystemMessage && n.Event.SystemMessageType == "manual_archived_agent"
		})
		if j > i || sys.Event.Text == "" {
			t.Errorf("system message %+v at %d, ThreadClosed at %d", sys, j, i)
		}
		waitFor(t, crec, cfrom, func(n customer.ThreadClosed) bool { return n.Chat == chatID })
		if err := c.DeactivateChat(ctxT(t), chatID); !agent.IsType(err, protocol.ErrValidation) {
			t.Errorf("second deactivate: %v", err)
		}
	})

	step("new thread", func(t *testing.T) {
		ctx := ctxT(t)
		from := rec.len()
		sent, err := cust.SendEvent(ctx, chatID, customer.Event{Type: customer.EventMessage, Text: "one more thing"})
		if err != nil {
			t.Fatal(err)
		}
		in, _ := waitFor(t, rec, from, func(n agent.IncomingChat) bool { return n.Chat.ID == chatID })
		th := in.Chat.Thread
		if th.ID == thread || th.Order != 2 || !th.Active || len(th.Events) != 1 || th.Events[0].ID != sent.ID || !slices.Contains(th.Users, me) {
			t.Errorf("new thread = %+v", th)
		}
		thread = th.ID
		if err := c.DeactivateChat(ctx, chatID); err != nil {
			t.Fatal(err)
		}
		// An agent's event in a chat without an active thread opens one:
		// SendEvent returns it all the same.
		from = rec.len()
		e, err := c.SendEvent(ctx, chatID, agent.Event{Type: agent.EventMessage, Text: "Following up"})
		if err != nil {
			t.Fatal(err)
		}
		if e.ID == "" || e.Text != "Following up" || e.Author != me || e.Thread == thread || e.Thread == "" {
			t.Errorf("SendEvent opening a thread = %+v", e)
		}
		thread = e.Thread
		none(t, rec, from, func(n agent.IncomingChat) bool { return n.Chat.ID == chatID })
		// AttachToLastThread keeps a closed thread.
		if err := c.DeactivateChat(ctx, chatID); err != nil {
			t.Fatal(err)
		}
		e, err = c.SendEvent(ctx, chatID, agent.Event{Type: agent.EventMessage, Text: "PS"}, agent.AttachToLastThread())
		if err != nil || e.Thread != thread {
			t.Errorf("AttachToLastThread = %+v, %v (thread %s)", e, err, thread)
		}
	})

	step("remove_user_from_chat", func(t *testing.T) {
		ctx := ctxT(t)
		from, cfrom := rec.len(), crec.len()
		if err := c.RemoveUserFromChat(ctx, chatID, cust.CustomerID()); !agent.IsType(err, protocol.ErrValidation) {
			t.Errorf("removing the customer: %v", err)
		}
		if err := c.RemoveUserFromChat(ctx, chatID, ""); err != nil {
			t.Fatal(err)
		}
		rm, _ := waitFor(t, rec, from, func(n agent.ChatUserRemoved) bool { return n.Chat == chatID })
		if rm.User != me || rm.UserType != agent.AgentUser {
			t.Errorf("ChatUserRemoved = %+v", rm)
		}
		waitFor(t, crec, cfrom, func(n customer.UserLeftChat) bool { return n.Chat == chatID && n.User == me })
		if _, err := c.SendEvent(ctx, chatID, agent.Event{Type: agent.EventMessage, Text: "still here?"}); !agent.IsType(err, protocol.ErrAuthorization) {
			t.Errorf("SendEvent after leaving: %v", err)
		}
	})
}

// TestAllTags: the tags of every thread, each once, in lexical order.
func TestAllTags(t *testing.T) {
	t.Parallel()
	s := agent.ChatSummary{ThreadTags: map[string][]string{"T1": {"vip", "billing"}, "T2": {"refund", "vip"}}}
	if got := s.AllTags(); !slices.Equal(got, []string{"billing", "refund", "vip"}) {
		t.Errorf("AllTags = %v", got)
	}
	if got := (agent.ChatSummary{}).AllTags(); len(got) != 0 {
		t.Errorf("AllTags of no tags = %v", got)
	}
}
