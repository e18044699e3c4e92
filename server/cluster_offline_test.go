package server_test

import (
	"context"
	"crypto/rand"
	"testing"

	"github.com/parleychat/parley/internal/clustertest"
	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server"
	natsbroker "github.com/parleychat/parley/server/broker/nats"
	"github.com/parleychat/parley/server/mail"
	"github.com/parleychat/parley/server/store/postgres"
)

// TestClusterOfflineAnswer: two nodes share a PostgreSQL database and a
// NATS server, as `parley serve` nodes of a cluster do. The customer of an
// offline message is connected to the second node and the agent answers on
// the first: the first node learns through the broker that the customer is
// connected, and mails nothing. Once the customer has left, the agent's
// next answer is mailed.
func TestClusterOfflineAnswer(t *testing.T) {
	ctx := context.Background()
	db := clustertest.Database(t)
	natsURL, prefix := clustertest.NATS(t)
	sink := newSMTPSink(t)
	m, err := mail.New("smtp://"+sink.l.Addr().String(), "Shop <help@shop.test>")
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	node := func(name string) *parleytest.Server {
		st, err := postgres.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		router, err := postgres.NewRouter(st, postgres.RouterConfig{Node: name})
		if err != nil {
			t.Fatal(err)
		}
		locks, err := postgres.NewChatLocks(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(locks.Close)
		b, err := natsbroker.New(ctx, natsbroker.Config{URL: natsURL, Prefix: prefix, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		// Cleanups run last first: the server shuts down before its
		// broker, locks and store close.
		return parleytest.NewServer(t, withDebugLogs(logs), func(c *server.Config) {
			c.Store, c.Router, c.ChatLocker, c.Broker, c.TokenKey, c.Mailer = st, router, locks, b, key, m
		})
	}
	first, second := node("node-1"), node("node-2")

	c := connectCustomer(t, second, newCustomerID())
	var started protocol.StartChatResponse
	c.okInto(protocol.ActionStartChat, obj{"chat": obj{"thread": obj{"events": offlineEvents("Ann", "ann@shop.test", "Do you ship to Oslo?")}}}, &started)
	ch := started.Chat.ID

	ag := connectAgent(t, first, parleytest.AgentEmail)
	ag.assigned(ch)
	ag.ok(protocol.ActionSendEvent, obj{"chat_id": ch, "event": message("Let me check.")})
	c.waitPush(protocol.PushIncomingEvent, forChat(ch))
	logs.wait(t, notMailed)

	c.close()
	waitNoCustomerConnections(t, second)
	ag.ok(protocol.ActionSendEvent, obj{"chat_id": ch, "event": message("Yes, we do: 2 days.")})
	sink.next(t)
	sink.only(t, "Yes, we do: 2 days.")
	if n := len(logs.records(notMailed)); n != 1 {
		t.Errorf("%d answers not mailed, want 1", n)
	}
}
