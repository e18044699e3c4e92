// Package brokertest is the contract suite every broker.Broker driver must
// pass: run it from the driver's tests with a factory.
package brokertest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/server/broker"
)

// Run tests the Broker contract against brokers made by newBroker.
func Run(t *testing.T, newBroker func(t *testing.T) broker.Broker) {
	t.Run("DeliversToEverySubscriber", func(t *testing.T) {
		b := newBroker(t)
		ctx := context.Background()
		var got [2]chan []byte
		for i := range got {
			got[i] = make(chan []byte, 1)
			c := got[i]
			sub, err := b.Subscribe(ctx, "t.a", func(d []byte) { c <- append([]byte(nil), d...) })
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Unsubscribe()
		}
		other := make(chan []byte, 1)
		sub, err := b.Subscribe(ctx, "t.b", func(d []byte) { other <- d })
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		if err := b.Publish(ctx, "t.a", []byte("hello")); err != nil {
			t.Fatal(err)
		}
		for i := range got {
			select {
			case d := <-got[i]:
				if string(d) != "hello" {
					t.Fatalf("subscriber %d got %q", i, d)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("subscriber %d got nothing", i)
			}
		}
		select {
		case d := <-other:
			t.Fatalf("subscriber of another topic got %q", d)
		case <-time.After(50 * time.Millisecond):
		}
	})
	t.Run("KeepsPublishOrder", func(t *testing.T) {
		b := newBroker(t)
		ctx := context.Background()
		const n = 1000
		var mu sync.Mutex
		var got []string
		done := make(chan struct{})
		sub, err := b.Subscribe(ctx, "t.order", func(d []byte) {
			mu.Lock()
			got = append(got, string(d))
			if len(got) == n {
				close(done)
			}
			mu.Unlock()
		})
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Unsubscribe()
		for i := range n {
			if err := b.Publish(ctx, "t.order", fmt.Appendf(nil, "%d", i)); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("got %d of %d messages", len(got), n)
		}
		mu.Lock()
		defer mu.Unlock()
		for i, s := range got {
			if s != fmt.Sprint(i) {
				t.Fatalf("message %d is %q", i, s)
			}
		}
	})
	t.Run("UnsubscribeStopsDelivery", func(t *testing.T) {
		b := newBroker(t)
		ctx := context.Background()
		c := make(chan []byte, 10)
		sub, err := b.Subscribe(ctx, "t.u", func(d []byte) { c <- d })
		if err != nil {
			t.Fatal(err)
		}
		if err := sub.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
		if err := sub.Unsubscribe(); err != nil {
			t.Fatalf("second Unsubscribe: %v", err)
		}
		if err := b.Publish(ctx, "t.u", []byte("x")); err != nil {
			t.Fatal(err)
		}
		select {
		case d := <-c:
			t.Fatalf("got %q after Unsubscribe", d)
		case <-time.After(50 * time.Millisecond):
		}
	})
	t.Run("PublishWithoutSubscribers", func(t *testing.T) {
		b := newBroker(t)
		if err := b.Publish(context.Background(), "t.none", []byte("x")); err != nil {
			t.Fatal(err)
		}
	})
}
