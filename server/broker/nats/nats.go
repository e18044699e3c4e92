package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/parleychat/parley/server/broker"
)

var _ broker.Broker = (*Broker)(nil)

// Errors of the driver. Errors of the connection come wrapped from nats.go
// and match its sentinels (nats.ErrReconnectBufExceeded, nats.ErrMaxPayload)
// with errors.Is.
var (
	// ErrClosed is returned by a Broker after Close.
	ErrClosed = errors.New("nats: broker closed")
	// ErrTopicTooLong is returned for a topic whose subject would be longer
	// than MaxSubjectLen bytes.
	ErrTopicTooLong = errors.New("nats: topic too long")
)

// Defaults of Config.
const (
	DefaultURL              = nats.DefaultURL // nats://127.0.0.1:4222
	DefaultTimeout          = 5 * time.Second
	DefaultPendingMsgs      = 4096
	DefaultPendingBytes     = 4 << 20
	DefaultReconnectBufSize = 8 << 20
)

// MaxSubjectLen bounds the subject of a topic (prefix and escapes
// included), well under the NATS server's default max_control_line of
// 4096 bytes, which would close the connection of a client that passed it.
const MaxSubjectLen = 2048

// pingInterval and maxPingsOut bound how long a connection whose peer went
// silent (a half-open TCP connection) stays up: after maxPingsOut pings
// without an answer, pingInterval apart, the connection is reconnected.
const (
	pingInterval = 20 * time.Second
	maxPingsOut  = 2
)

// Config configures New. The zero value connects to a NATS server on
// 127.0.0.1:4222 with no subject prefix.
type Config struct {
	// URL is the NATS server, or a comma-separated list of the servers of
	// one NATS cluster. Default is nats://127.0.0.1:4222.
	URL string
	// Prefix is put before every subject ("acme" makes topic "a.b" the
	// subject "acme.a.b") so that deployments and tests sharing a NATS
	// server do not hear each other. It is one or more tokens separated by
	// dots, without wildcards or whitespace. Zero means no prefix.
	Prefix string
	// Name is this node's name, which the NATS server shows for the
	// connection in its monitoring. Zero means no name.
	Name string
	// Logger receives connection changes and dropped messages. Default is
	// slog.Default().
	Logger *slog.Logger

	// Timeout bounds how long New waits to connect and Subscribe waits for
	// the server to confirm the subscription, unless the caller's context
	// ends sooner. Default is 5 seconds.
	Timeout time.Duration
	// PendingMsgs and PendingBytes bound the messages one subscription
	// holds that its handler has not taken yet. A message beyond either is
	// dropped and reported to OnGap; the NATS connection's reader never
	// waits for a handler. Defaults are 4096 messages and 4 MiB.
	PendingMsgs  int
	PendingBytes int
	// ReconnectBufSize bounds the bytes of messages that Publish buffers
	// while the connection is down; they are sent, in order, once it is
	// back. When the buffer holds that much, Publish fails with
	// nats.ErrReconnectBufExceeded until the connection is back. Default is
	// 8 MiB; -1 buffers nothing, so Publish fails at once while
	// disconnected.
	ReconnectBufSize int
	// ReconnectDelay is the wait before reconnect round n (1, 2, …), a
	// round being one attempt at each server of URL. The connection is
	// retried forever until Close. Default is an exponential backoff from
	// 100 ms, doubling up to 5 s, less a random jitter of up to half.
	ReconnectDelay func(round int) time.Duration

	// OnGap, if set, is told that a subscription of this broker to topic
	// may have missed messages, because its queue was full (SlowConsumer)
	// or the connection was lost (Reconnect). It is called after the loss,
	// so re-reading from the store when it is called covers what was
	// lost; messages queued before the loss may still be delivered after
	// it. A Reconnect is reported before the subscription's handler gets
	// any message that came on the new connection (on the subscription's
	// goroutine, if a message comes before nats.go's reconnect callback). One run of drops may be reported more than once (nats.go
	// reports its first drop, the next delivery any later ones), so
	// coalesce. It may be called from several goroutines at once and must
	// not block.
	OnGap func(topic string, cause GapCause)
	// OnState, if set, is called on each change of the connection, in
	// order, on nats.go's callback goroutine. It must not block.
	OnState func(State)
}

// GapCause says why a subscription may have missed messages.
type GapCause int

const (
	// SlowConsumer: the subscription's queue was full and nats.go dropped
	// messages for it.
	SlowConsumer GapCause = iota + 1
	// Reconnect: the connection was lost and is back; messages published
	// while it was down did not reach this node.
	Reconnect
)

func (c GapCause) String() string {
	switch c {
	case SlowConsumer:
		return "slow consumer"
	case Reconnect:
		return "reconnect"
	}
	return fmt.Sprintf("GapCause(%d)", int(c))
}

// State is a change of the connection to NATS.
type State int

const (
	// Disconnected: the connection was lost; the broker is reconnecting.
	Disconnected State = iota + 1
	// Reconnected: the connection is back and every subscription is
	// restored.
	Reconnected
	// Closed: the connection is closed for good, by Close or because the
	// server refused it (an authorization error).
	Closed
)

func (s State) String() string {
	switch s {
	case Disconnected:
		return "disconnected"
	case Reconnected:
		return "reconnected"
	case Closed:
		return "closed"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Stats counts what a Broker lost or survived since New.
type Stats struct {
	// Reconnects is the number of times the connection came back.
	Reconnects uint64
	// Dropped is the number of messages dropped because a subscription's
	// queue was full.
	Dropped uint64
}

// Broker is a broker.Broker on one NATS connection. Make it with New.
type Broker struct {
	cfg    Config
	log    *slog.Logger
	nc     *nats.Conn
	closed chan struct{} // closed once the connection is closed for good
	once   sync.Once     // closes closed

	mu       sync.Mutex
	subs     map[*nats.Subscription]*subscription
	isClosed bool

	reconnects atomic.Uint64
	dropped    atomic.Uint64
	// dials counts the connections made to a NATS server; the dialer adds
	// one before nats.go restores the subscriptions on a new connection,
	// so a subscription sees it change before any message that came on
	// the new connection (see subscription.deliver).
	dials atomic.Uint64
}

// dialer is the Broker's nats.CustomDialer: a net.Dialer that counts the
// connections it makes.
type dialer struct {
	net.Dialer
	dials *atomic.Uint64
}

func (d *dialer) Dial(network, address string) (net.Conn, error) {
	c, err := d.Dialer.Dial(network, address)
	if err == nil {
		d.dials.Add(1)
	}
	return c, err
}

// New connects to NATS and returns a Broker on that connection. It fails
// if the first connection cannot be made; once connected, the Broker
// reconnects by itself until Close.
func New(ctx context.Context, cfg Config) (*Broker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkPrefix(cfg.Prefix); err != nil {
		return nil, err
	}
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.PendingMsgs <= 0 {
		cfg.PendingMsgs = DefaultPendingMsgs
	}
	if cfg.PendingBytes <= 0 {
		cfg.PendingBytes = DefaultPendingBytes
	}
	if cfg.ReconnectBufSize == 0 {
		cfg.ReconnectBufSize = DefaultReconnectBufSize
	}
	if cfg.ReconnectDelay == nil {
		cfg.ReconnectDelay = backoff
	}
	b := &Broker{
		cfg:    cfg,
		log:    cfg.Logger.With("broker", "nats"),
		closed: make(chan struct{}),
		subs:   make(map[*nats.Subscription]*subscription),
	}
	timeout := cfg.Timeout
	if d, ok := ctx.Deadline(); ok && time.Until(d) < timeout {
		timeout = time.Until(d)
	}
	nc, err := nats.Connect(cfg.URL,
		nats.Name(cfg.Name),
		nats.Timeout(timeout),
		nats.SetCustomDialer(&dialer{Dialer: net.Dialer{Timeout: timeout}, dials: &b.dials}),
		nats.MaxReconnects(-1),
		nats.CustomReconnectDelay(cfg.ReconnectDelay),
		nats.ReconnectBufSize(cfg.ReconnectBufSize),
		nats.PingInterval(pingInterval),
		nats.MaxPingsOutstanding(maxPingsOut),
		nats.DisconnectErrHandler(b.disconnected),
		nats.ReconnectHandler(b.reconnected),
		nats.ReconnectErrHandler(b.reconnectFailed),
		nats.ClosedHandler(b.connClosed),
		nats.ErrorHandler(b.asyncError),
	)
	if err != nil {
		return nil, fmt.Errorf("nats: connect to %s: %w", redact(cfg.URL), err)
	}
	b.nc = nc
	b.log.Info("nats: connected", "url", nc.ConnectedUrlRedacted(), "server", nc.ConnectedServerName())
	return b, nil
}

// redact is urls (comma-separated) without passwords, for errors.
func redact(urls string) string {
	list := strings.Split(urls, ",")
	for i, s := range list {
		if u, err := url.Parse(strings.TrimSpace(s)); err == nil {
			list[i] = u.Redacted()
		}
	}
	return strings.Join(list, ",")
}

// backoff is the default Config.ReconnectDelay.
func backoff(round int) time.Duration {
	const first, most = 100 * time.Millisecond, 5 * time.Second
	d := most
	if round < 10 {
		d = min(first<<max(round-1, 0), most)
	}
	return d - rand.N(d/2+1)
}

// Publish sends data to every subscriber of topic, on this node and on the
// others. It does not wait for the server: data is written to the
// connection's buffer (or, while reconnecting, to the reconnect buffer),
// which one goroutine sends in order, so messages published one after
// another on one Broker keep their order.
func (b *Broker) Publish(ctx context.Context, topic string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	subj, err := subject(b.cfg.Prefix, topic)
	if err != nil {
		return err
	}
	if err := b.nc.Publish(subj, data); err != nil {
		if errors.Is(err, nats.ErrConnectionClosed) {
			return ErrClosed
		}
		return fmt.Errorf("nats: publish on %q: %w", topic, err)
	}
	return nil
}

// ErrNotConnected is Flush's error while the connection is down.
var ErrNotConnected = errors.New("nats: not connected")

// Flush returns once the NATS server has processed every message this
// Broker published before the call: the server has handed each to its
// subscribers' connections, so a message any broker publishes on the
// same server after Flush returns reaches each subscriber after them.
// (Across the servers of a NATS cluster no order is promised.) It waits
// at most Config.Timeout, and fails at once, with ErrNotConnected, while
// the connection is down: what Publish buffered then goes out, in order,
// once it is back.
func (b *Broker) Flush(ctx context.Context) error {
	if !b.nc.IsConnected() {
		return ErrNotConnected
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	if err := b.nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("nats: flush: %w", err)
	}
	return nil
}

// Stats returns the counts since New.
func (b *Broker) Stats() Stats {
	return Stats{Reconnects: b.reconnects.Load(), Dropped: b.dropped.Load()}
}

// Close ends every subscription (no handler is called after it returns),
// sends what Publish buffered if the connection is up, and closes the
// connection. Calling it more than once is harmless.
func (b *Broker) Close() error {
	b.mu.Lock()
	subs := b.subs
	b.subs = make(map[*nats.Subscription]*subscription)
	b.isClosed = true
	b.mu.Unlock()
	for _, s := range subs {
		s.end()
	}
	b.nc.Close()
	<-b.closed
	return nil
}

// gap reports to OnGap that the subscription to topic may have missed
// messages.
func (b *Broker) gap(topic string, cause GapCause) {
	if b.cfg.OnGap != nil {
		b.cfg.OnGap(topic, cause)
	}
}

func (b *Broker) state(s State) {
	if b.cfg.OnState != nil {
		b.cfg.OnState(s)
	}
}

func (b *Broker) disconnected(_ *nats.Conn, err error) {
	b.mu.Lock()
	closing := b.isClosed
	b.mu.Unlock()
	if closing {
		return // Close ends the connection; connClosed reports it
	}
	b.log.Warn("nats: disconnected; reconnecting", "err", err)
	b.state(Disconnected)
}

// reconnected runs once the connection is back and nats.go has sent every
// subscription again: what was published meanwhile is lost to them.
func (b *Broker) reconnected(nc *nats.Conn) {
	b.reconnects.Add(1)
	b.mu.Lock()
	subs := make([]*subscription, 0, len(b.subs))
	for _, s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()
	b.log.Warn("nats: reconnected; subscriptions may have missed messages",
		"url", nc.ConnectedUrlRedacted(), "server", nc.ConnectedServerName(), "subscriptions", len(subs))
	b.state(Reconnected)
	for _, s := range subs {
		s.reportReconnect() // unless a message on the new connection did first
	}
}

func (b *Broker) reconnectFailed(_ *nats.Conn, err error) {
	b.log.Debug("nats: reconnect attempt failed", "err", err)
}

func (b *Broker) connClosed(nc *nats.Conn) {
	b.mu.Lock()
	closing := b.isClosed
	b.mu.Unlock()
	if closing {
		b.log.Info("nats: connection closed")
	} else {
		// Not by Close: the server refused the connection for good.
		b.log.Error("nats: connection closed; no more pushes between nodes", "err", nc.LastError())
	}
	b.once.Do(func() {
		b.state(Closed)
		close(b.closed)
	})
}

// asyncError handles what nats.go reports off the caller's path, chiefly
// a subscription that dropped messages.
func (b *Broker) asyncError(_ *nats.Conn, ns *nats.Subscription, err error) {
	if ns != nil && errors.Is(err, nats.ErrSlowConsumer) {
		b.mu.Lock()
		s := b.subs[ns]
		b.mu.Unlock()
		if s != nil {
			s.reportDrops(ns, slog.LevelWarn)
			return
		}
	}
	b.log.Error("nats: connection error", "err", err)
}
