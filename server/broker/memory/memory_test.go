package memory_test

import (
	"testing"

	"github.com/parleychat/parley/server/broker"
	"github.com/parleychat/parley/server/broker/brokertest"
	"github.com/parleychat/parley/server/broker/memory"
)

func TestBroker(t *testing.T) {
	brokertest.Run(t, func(t *testing.T) broker.Broker {
		b := memory.New()
		t.Cleanup(func() { b.Close() })
		return b
	})
}
