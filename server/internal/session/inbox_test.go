package session

import (
	"context"
	"testing"
)

// TestInboxCancelsRequestInHand: closing the inbox (the connection's end)
// ends the context of the request in hand, and a request taken after the
// close is canceled at once; a handled request's context is left alone.
func TestInboxCancelsRequestInHand(t *testing.T) {
	var in inbox
	in.init(10, func() {})

	done, cancelDone := context.WithCancel(context.Background())
	defer cancelDone()
	if !in.handling(cancelDone) {
		t.Fatal("handling refused on an open inbox")
	}
	in.handled()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if !in.handling(cancel) {
		t.Fatal("handling refused on an open inbox")
	}
	in.close()
	if ctx.Err() == nil {
		t.Error("the request in hand was not canceled when the inbox closed")
	}
	if done.Err() != nil {
		t.Error("a request handled before the close was canceled")
	}

	late, cancelLate := context.WithCancel(context.Background())
	defer cancelLate()
	if in.handling(cancelLate) {
		t.Error("handling accepted a request after the close")
	}
	if late.Err() == nil {
		t.Error("a request after the close was not canceled")
	}
}
