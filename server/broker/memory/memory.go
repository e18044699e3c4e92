// Package memory is a broker.Broker for a single process: Publish hands a
// message to every subscriber's handler before it returns.
package memory

import (
	"context"
	"errors"
	"sync"

	"github.com/parleychat/parley/server/broker"
)

// ErrClosed is returned by a closed Broker.
var ErrClosed = errors.New("memory: broker closed")

// Broker is an in-process broker. The zero value is not usable; call New.
type Broker struct {
	mu     sync.RWMutex
	topics map[string]map[*sub]struct{}
	closed bool
}

// New returns an empty Broker.
func New() *Broker { return &Broker{topics: make(map[string]map[*sub]struct{})} }

type sub struct {
	b     *Broker
	topic string
	h     func([]byte)
	mu    sync.Mutex // serializes h and guards done
	done  bool
}

// Publish calls each subscriber's handler with data, synchronously and in
// turn, so messages published one after another arrive in that order.
func (b *Broker) Publish(_ context.Context, topic string, data []byte) error {
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return ErrClosed
	}
	subs := make([]*sub, 0, len(b.topics[topic]))
	for s := range b.topics[topic] {
		subs = append(subs, s)
	}
	b.mu.RUnlock()
	for _, s := range subs {
		s.mu.Lock()
		if !s.done {
			s.h(data)
		}
		s.mu.Unlock()
	}
	return nil
}

// Subscribe registers h for topic.
func (b *Broker) Subscribe(_ context.Context, topic string, h func([]byte)) (broker.Subscription, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	s := &sub{b: b, topic: topic, h: h}
	m := b.topics[topic]
	if m == nil {
		m = make(map[*sub]struct{})
		b.topics[topic] = m
	}
	m[s] = struct{}{}
	return s, nil
}

// Unsubscribe implements broker.Subscription. After it returns, h is not
// running and will not be called again.
func (s *sub) Unsubscribe() error {
	s.b.mu.Lock()
	if m := s.b.topics[s.topic]; m != nil {
		delete(m, s)
		if len(m) == 0 {
			delete(s.b.topics, s.topic)
		}
	}
	s.b.mu.Unlock()
	s.mu.Lock()
	s.done = true
	s.mu.Unlock()
	return nil
}

// Close ends every subscription.
func (b *Broker) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.topics = make(map[string]map[*sub]struct{})
	return nil
}
