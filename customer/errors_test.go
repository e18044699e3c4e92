package customer_test

// Errors: the server's as *customer.Error (errors.As, errors.Is on the
// type, IsType), the client's own states as sentinels, and ctx errors.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/protocol"
)

// TestErrorForeignChat: another customer's chat does not exist, whatever
// is asked of it.
func TestErrorForeignChat(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	owner, _ := tInit(t, srv)
	c := tStartChat(t, owner, "private")
	stranger, _ := tInit(t, srv)
	if stranger.CustomerID() == owner.CustomerID() {
		t.Fatal("two MemoryStores, one customer")
	}
	ctx := tCtx(t)

	_, err := stranger.SendEvent(ctx, c.ID, customer.Event{Type: customer.EventMessage, Text: "let me in"})
	var e *customer.Error
	if !errors.As(err, &e) {
		t.Fatalf("SendEvent to another customer's chat: %v (%T), want a *customer.Error", err, err)
	}
	if e.Type != protocol.ErrNotFound || e.Message == "" {
		t.Errorf("error = %+v, want type not_found and a message", e)
	}
	if !errors.Is(err, &customer.Error{Type: protocol.ErrNotFound}) || !customer.IsType(err, protocol.ErrNotFound) {
		t.Errorf("errors.Is / IsType do not match not_found: %v", err)
	}
	if errors.Is(err, &customer.Error{Type: protocol.ErrValidation}) || customer.IsType(err, protocol.ErrValidation) {
		t.Errorf("not_found matches validation: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "send_event") || !strings.Contains(msg, "not_found") {
		t.Errorf("message %q should name the action and the type", msg)
	}

	calls := map[string]func() error{
		"GetChatThreads": func() error { _, err := stranger.GetChatThreads(ctx, c.ID, []string{c.Thread}); return err },
		"GetChatThreadsSummary": func() error {
			_, err := stranger.GetChatThreadsSummary(ctx, c.ID, customer.Pagination{})
			return err
		},
		"History":              func() error { _, _, err := stranger.GetChatHistory(c.ID).Next(ctx); return err },
		"CloseThread":          func() error { return stranger.CloseThread(ctx, c.ID) },
		"ActivateChat":         func() error { _, err := stranger.ActivateChat(ctx, c.ID, customer.StartChatRequest{}); return err },
		"RateChat":             func() error { return stranger.RateChat(ctx, c.ID, customer.Rating{Score: 1}) },
		"UpdateChatProperties": func() error { return stranger.UpdateChatProperties(ctx, c.ID, customer.Properties{"a": {"b": 1}}) },
		"DeleteChatProperties": func() error { return stranger.DeleteChatProperties(ctx, c.ID, map[string][]string{"a": {"b"}}) },
		"UpdateLastSeen":       func() error { _, err := stranger.UpdateLastSeenTimestamp(ctx, c.ID, time.Time{}); return err },
		"SendPostback": func() error {
			return stranger.SendPostback(ctx, c.ID, c.Thread, c.Events[0].ID, customer.Postback{ID: "x"})
		},
		"UpdateEventProperties": func() error {
			return stranger.UpdateEventProperties(ctx, c.ID, c.Thread, c.Events[0].ID, customer.Properties{"a": {"b": 1}})
		},
		"UpdateThreadProperties": func() error {
			return stranger.UpdateChatThreadProperties(ctx, c.ID, c.Thread, customer.Properties{"a": {"b": 1}})
		},
	}
	for name, call := range calls {
		if err := call(); !customer.IsType(err, protocol.ErrNotFound) {
			t.Errorf("%s on another customer's chat: %v, want not_found", name, err)
		}
	}
}

func TestErrorValidation(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	c := tStartChat(t, sdk, "hello")
	ctx := tCtx(t)

	_, err := sdk.SendEvent(ctx, c.ID, customer.Event{Type: customer.EventMessage})
	if !errors.Is(err, &customer.Error{Type: protocol.ErrValidation}) {
		t.Errorf("a message without text: %v, want validation", err)
	}
	var e *customer.Error
	if !errors.As(err, &e) || e.Message == "" || !strings.HasPrefix(e.Error(), "customer: validation: ") {
		t.Errorf("error = %#v", e)
	}
	_, err = sdk.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: strings.Repeat("x", 17<<10)}}})
	if !customer.IsType(err, protocol.ErrValidation) {
		t.Errorf("a 17 KiB message: %v, want validation", err)
	}
	// A customer may not send what only agents send.
	_, err = sdk.SendEvent(ctx, c.ID, customer.Event{Type: customer.EventSystemMessage, Text: "I am the system"})
	if !errors.As(err, &e) || e.Type == "" {
		t.Errorf("a customer's system message: %v, want a server error", err)
	}
}

func TestSentinelErrors(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	sdk, _ := tInit(t, srv)
	c := tStartChat(t, sdk, "hello")
	ctx := tCtx(t)

	check := func(what string, err, want error) {
		t.Helper()
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", what, err, want)
		}
		var e *customer.Error
		if errors.As(err, &e) {
			t.Errorf("%s: %v is a server *Error", what, err)
		}
	}
	_, err := sdk.GetChatsSummary(ctx, customer.Pagination{Limit: 26})
	check("chats summary limit 26", err, customer.ErrLimitTooHigh)
	_, err = sdk.GetChatThreadsSummary(ctx, c.ID, customer.Pagination{Limit: 1001})
	check("threads summary limit 1001", err, customer.ErrLimitTooHigh)
	_, err = sdk.SendFile(ctx, c.ID, customer.File{Name: "x", Reader: strings.NewReader(""), Size: 11 << 20})
	check("11 MiB file", err, customer.ErrFileTooLarge)

	// ctx errors come back as themselves.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = sdk.GetChatsSummary(cctx, customer.Pagination{})
	check("cancelled ctx", err, context.Canceled)
	dctx, cancel2 := context.WithTimeout(ctx, time.Nanosecond)
	defer cancel2()
	<-dctx.Done()
	_, err = sdk.SendEvent(dctx, c.ID, customer.Event{Type: customer.EventMessage, Text: "late"})
	check("expired ctx", err, context.DeadlineExceeded)

	sdk.Disconnect()
	_, err = sdk.GetChatsSummary(ctx, customer.Pagination{})
	check("disconnected", err, customer.ErrNotConnected)
	sdk.Destroy()
	_, err = sdk.GetChatsSummary(ctx, customer.Pagination{})
	check("destroyed", err, customer.ErrDestroyed)

	for _, e := range []error{customer.ErrDestroyed, customer.ErrNotConnected, customer.ErrFileTooLarge, customer.ErrLimitTooHigh,
		customer.ErrConnectionLost, customer.ErrNoThread} {
		if !strings.HasPrefix(e.Error(), "customer: ") {
			t.Errorf("%q does not say customer:", e)
		}
	}
	if customer.IsType(nil, protocol.ErrNotFound) || customer.IsType(customer.ErrDestroyed, "") {
		t.Error("IsType matched a non-server error")
	}
}

// TestFinalErrorCause: once the SDK has ended for a reason (a token
// request refused, a final disconnect), every call fails with an error
// that is ErrDestroyed and carries that reason as a *customer.Error.
func TestFinalErrorCause(t *testing.T) {
	t.Parallel()
	srv := tSharedServer(t)
	check := func(what string, err error, typ string) {
		t.Helper()
		var e *customer.Error
		if !errors.Is(err, customer.ErrDestroyed) || !errors.As(err, &e) || e.Type != typ {
			t.Errorf("%s: %v, want ErrDestroyed and an *Error of type %s", what, err, typ)
		}
	}

	// Init returns at once; the first call says what is wrong.
	for what, change := range map[string]func(*customer.Config){
		"wrong client id": func(c *customer.Config) { c.ClientID = "no-such-client" },
		"wrong license":   func(c *customer.Config) { c.License = srv.License + 1000 },
		"refused page":    func(c *customer.Config) { c.Page = &customer.Page{URL: "javascript:alert(1)"} },
	} {
		cfg := tConfig(srv)
		change(&cfg)
		sdk, err := customer.Init(cfg)
		if err != nil {
			t.Fatalf("%s: Init: %v", what, err)
		}
		_, err = sdk.GetChatsSummary(tCtx(t), customer.Pagination{})
		var e *customer.Error
		if !errors.Is(err, customer.ErrDestroyed) || !errors.As(err, &e) || e.Type == "" {
			t.Errorf("%s: first call: %v, want ErrDestroyed and the server's *Error", what, err)
		} else {
			_, err = sdk.SendEvent(tCtx(t), "x", customer.Event{Type: customer.EventMessage, Text: "x"})
			check(what+": SendEvent", err, e.Type)
			check(what+": UpdateCustomer", sdk.UpdateCustomer(tCtx(t), customer.CustomerUpdate{Name: "x"}), e.Type)
			_, err = sdk.SendFile(tCtx(t), "x", customer.File{Reader: strings.NewReader("x")})
			check(what+": SendFile", err, e.Type)
			check(what+": Connect", sdk.Connect(), e.Type)
		}
		sdk.Destroy()
	}

	// A final disconnect by the server.
	sdk, rec := tInit(t, srv)
	if err := srv.PushToCustomer(sdk.CustomerID(), protocol.PushCustomerDisconnected, map[string]any{"reason": protocol.ErrCustomerBanned}); err != nil {
		t.Fatal(err)
	}
	tWait(t, rec, func(d customer.Disconnected) bool { return d.Final })
	tEventually(t, "the SDK destroyed", func() bool { return sdk.State() == customer.StateDestroyed })
	_, err := sdk.GetChatsSummary(tCtx(t), customer.Pagination{})
	check("after customer_banned", err, protocol.ErrCustomerBanned)

	// Destroy by the user has no cause.
	sdk.Destroy()
	_, err = sdk.GetChatsSummary(tCtx(t), customer.Pagination{})
	check("after Destroy", err, protocol.ErrCustomerBanned)
	mine, _ := tInit(t, srv)
	mine.Destroy()
	_, err = mine.GetChatsSummary(tCtx(t), customer.Pagination{})
	var e *customer.Error
	if !errors.Is(err, customer.ErrDestroyed) || errors.As(err, &e) {
		t.Errorf("after Destroy: %v, want ErrDestroyed alone", err)
	}
}
