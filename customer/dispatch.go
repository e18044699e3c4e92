package customer

import (
	"context"
	"fmt"
	"iter"

	"github.com/parleychat/parley/internal/client"
	"github.com/parleychat/parley/protocol"
)

// On calls fn with every notification of type T (see the examples).
// Handlers run one at a time, in arrival order, on the SDK's dispatch
// goroutine. A handler receives what is dispatched after On returns; that
// may include notifications caused by a call that has already returned
// (the UserJoinedChat of a StartChat, say) when the dispatch goroutine has
// not reached them yet. The returned off removes the handler; calling it
// more than once is harmless. On(sdk, func(customer.UnknownPush){…})
// receives every push this package has no type for.
func On[T Notification](s *SDK, fn func(T)) (off func()) {
	return client.On(s.core, fn)
}

// Once is On for the next notification of type T only.
func Once[T Notification](s *SDK, fn func(T)) (off func()) {
	return client.Once(s.core, fn)
}

// On calls fn with every notification of the given JS SDK event name
// ("new_event", "user_is_typing", …; "*" for all), for parity with the JS
// SDK's on(). Prefer the typed customer.On in Go code.
//
// name is the Name of one of this package's notifications, "*", or a push
// of the Customer Chat API delivered as UnknownPush (incoming_multicast,
// access_set, chat_transferred). Any other name is a programming error
// (a typo would never be called): On panics, as http.HandleFunc does on a
// bad pattern.
func (s *SDK) On(name string, fn func(Notification)) (off func()) {
	mustBeEvent("On", name)
	return s.core.Notes.Add(name, fn)
}

// Once is On for the next notification of that name only. It panics on an
// unknown name, as On does.
func (s *SDK) Once(name string, fn func(Notification)) (off func()) {
	mustBeEvent("Once", name)
	return s.core.Notes.AddOnce(name, fn)
}

// eventNames are the names SDK.On accepts.
var eventNames = func() map[string]bool {
	m := map[string]bool{"*": true, protocol.PushIncomingMulticast: true, protocol.PushAccessSet: true, protocol.PushChatTransferred: true}
	for _, n := range []Notification{Connected{}, ConnectionLost{}, ConnectionRestored{}, Reconnecting{}, CustomerID{}, Disconnected{},
		ChatPropertiesUpdated{}, ChatThreadPropertiesUpdated{}, EventPropertiesUpdated{}, ChatPropertiesDeleted{},
		ChatThreadPropertiesDeleted{}, EventPropertiesDeleted{}, EventUpdated{}, LastSeenTimestampUpdated{}, NewEvent{},
		UserData{}, UserJoinedChat{}, UserLeftChat{}, UserIsTyping{}, UserStoppedTyping{}, ThreadClosed{}, ThreadSummary{},
		CustomerUpdated{}, CustomerPageUpdated{}, IncomingRichMessagePostback{}, QueuePositionUpdated{}} {
		m[n.Name()] = true
	}
	return m
}()

func mustBeEvent(method, name string) {
	if !eventNames[name] {
		panic(fmt.Sprintf("customer: SDK.%s: unknown event name %q", method, name))
	}
}

// Notifications returns every notification the SDK emits, in order, from
// the moment the iteration starts until ctx ends, the loop breaks, or the
// SDK is destroyed. It is the counterpart of the JS SDK's $$observable.
//
// The iteration is fed from the dispatch goroutine through a buffer of
// Config.NotificationBuffer notifications; a consumer that falls further
// behind holds up every handler (nothing is dropped).
func (s *SDK) Notifications(ctx context.Context) iter.Seq[Notification] {
	return s.core.Notes.Seq(ctx, s.cfg.NotificationBuffer)
}
