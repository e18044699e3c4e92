package session

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/protocol/v35"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
	"github.com/parleychat/parley/server/internal/transport"
)

// Config configures the sessions of a server.
type Config struct {
	Service *chat.Service
	Hub     *Hub
	// Signer verifies customer tokens.
	Signer *auth.Signer
	// AgentTokens verifies, checks and revokes agent tokens.
	AgentTokens *auth.AgentTokens
	Logger      *slog.Logger
	// LoginTimeout closes a connection that has not logged in. Zero: 30 s.
	LoginTimeout time.Duration
	// IdleTimeout closes a connection that sent nothing, not even a ping,
	// for this long. Zero: 60 s.
	IdleTimeout time.Duration
	// RequestTimeout bounds the handling of one request; past it the client
	// gets a request_timeout error. Zero: 15 s.
	RequestTimeout time.Duration
	// QueueBytes is how many bytes of frames (responses and pushes) may
	// wait to be written to one connection. A client that lets more pile
	// up is disconnected with reason slow_consumer (it reconnects and
	// reloads what it missed). Zero: DefaultQueueBytes.
	QueueBytes int
	// PageBytes is about how many bytes of events one answer of
	// get_chat_threads or get_chat carries; the rest is paged
	// (next_page_id). Zero: protocol.DefaultPageBytes. At most
	// protocol.MaxPageBytes, so that Go clients can read every answer.
	PageBytes int
	// Now returns the current time. Nil: time.Now.
	Now func() time.Time
	// Metrics records Prometheus metrics. Nil: none.
	Metrics *Metrics
	// RevocationCheck is how often an agent connection checks that its
	// token has not been revoked by another process (a revocation by this
	// server's nodes closes connections at once). Zero: 10 s.
	RevocationCheck time.Duration
	// Limits bound what one client may open and ask (see Limits).
	Limits Limits
	// PageKey signs the page ids of v3.5 (pages35.go); every server that
	// must accept the same page ids needs the same key. Nil: a random key,
	// so that page ids hold on this server only until it restarts.
	PageKey []byte
}

// DefaultQueueBytes is the default of Config.QueueBytes: 4 MiB.
const DefaultQueueBytes = 4 << 20

// Server serves customer and agent RTM connections.
type Server struct {
	cfg     Config
	pageKey []byte
	nextID  atomic.Uint64
	prefix  string
	limits  limits
}

// New returns a Server.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.LoginTimeout == 0 {
		cfg.LoginTimeout = 30 * time.Second
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 60 * time.Second
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 15 * time.Second
	}
	if cfg.QueueBytes <= 0 {
		cfg.QueueBytes = DefaultQueueBytes
	}
	if cfg.PageBytes <= 0 {
		cfg.PageBytes = protocol.DefaultPageBytes
	}
	cfg.PageBytes = min(cfg.PageBytes, protocol.MaxPageBytes)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RevocationCheck == 0 {
		cfg.RevocationCheck = 10 * time.Second
	}
	lim := newLimits(&cfg.Limits)
	if cfg.Hub != nil && cfg.Metrics != nil {
		cfg.Hub.metricsp.Store(cfg.Metrics)
	}
	key := cfg.PageKey
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	return &Server{cfg: cfg, pageKey: key, prefix: chat.NewID(4) + "-", limits: lim}
}

// ConnInfo is what a session needs to know of the request that opened its
// connection. The HTTP side fills it in; a session never sees the request.
type ConnInfo struct {
	// RemoteAddr is the client's network address, for the logs.
	RemoteAddr string
	// IP is the client's address, for the per-address limits.
	IP netip.Addr
	// LicenseID is the license_id query parameter of the connection URL
	// (v3.0), or the id of the license its organization_id names (v3.5);
	// "" when absent. A customer whose token is of another license is
	// refused at login.
	LicenseID string
	// Dialect is the protocol the connection speaks. Zero: DialectV30.
	// Agents speak DialectV30 only.
	Dialect Dialect
	// NoLicense tells that the connection URL named no license that
	// exists (v3.5: an organization_id that is malformed or unknown). The
	// session then sends customer_disconnected with reason
	// license_not_found, which the JS SDK 4.x takes as final, and closes.
	NoLicense bool
}

// Dialect is a version of the customer protocol.
type Dialect uint8

// The dialects. A session's dialect decides its handler table, the shape
// of its answers and which frame of a push it reads (hub.go).
const (
	// DialectV30 is the Customer Chat API v3.0 (package protocol).
	DialectV30 Dialect = iota
	// DialectV35 is the Customer Chat API v3.5 (package protocol/v35).
	DialectV35
)

// String returns "3.0" or "3.5".
func (d Dialect) String() string {
	if d == DialectV35 {
		return v35.Version
	}
	return "3.0"
}

// ServeCustomer serves one customer connection until it ends.
func (srv *Server) ServeCustomer(ctx context.Context, c transport.Conn, info ConnInfo) {
	srv.serve(ctx, c, info, chat.UserCustomer)
}

// ServeAgent serves one agent connection until it ends.
func (srv *Server) ServeAgent(ctx context.Context, c transport.Conn, info ConnInfo) {
	srv.serve(ctx, c, info, chat.UserAgent)
}

// session is one connection. The reader goroutine handles requests one at
// a time, in order; a writer goroutine, running only while frames wait,
// owns writes; the hub's deliveries only enqueue; the hub's sweeper
// enforces the deadlines.
type session struct {
	srv    *Server
	id     string
	role   chat.UserType
	conn   transport.Conn
	info   ConnInfo
	logger atomic.Pointer[slog.Logger] // see log
	// closeReason is why the server ended the connection (the first
	// reason given), nil when the client did; for the log.
	closeReason atomic.Pointer[string]
	q           *outQueue

	in inbox // requests read and not yet answered

	start    time.Time    // when the connection was served, for the login deadline
	lastRead atomic.Int64 // unix nanos
	loggedIn atomic.Bool
	expires  atomic.Int64 // token expiry, unix nanos

	// The hub's sweeper only (see sweep.go).
	swept         bool      // a deadline has closed the session
	lastRevokeChk time.Time // agents: the last revocation check
	revoking      atomic.Bool
	pinging       atomic.Bool // v3.5: a keep-alive ping waits for its pong

	// Set once by login, before the session subscribes to anything; read
	// by the reader goroutine and by the hub's deliveries.
	actor  chat.Actor
	token  auth.Claims // agents only
	topics []string    // subscribed through the hub; handler goroutine only
	// pushes35 is the set of v3.5 pushes the login subscribed to (bits
	// of pushBit); set by login before the session subscribes.
	pushes35 uint64
	// customerKey is the key under which a customer's connection is
	// counted (limits.perCustomer); handler goroutine only.
	customerKey string
	releaseIP   func() // gives back the connection's place under the per-address limit
	// pending customer data given while logged in is not kept; see login.
}

// serve runs a connection: it opens a session, reads the connection
// until it ends, then closes the session.
//
// The reading goroutine spends the connection's idle life blocked under
// serve and readLoop, so their frames are kept small: opening and closing
// happen in functions of their own, and rare paths leave the loop. A stack
// that stays within the runtime's smallest but one size (4 KiB) holds half
// the memory of the next (see BenchmarkIdleConnMemory).
func (srv *Server) serve(ctx context.Context, c transport.Conn, info ConnInfo, role chat.UserType) {
	s := srv.open(ctx, c, info, role)
	if s == nil {
		return
	}
	if info.NoLicense {
		s.log().Info("rtm connection names no license")
		s.disconnect(protocol.ReasonLicenseNotFound, transport.ClosePolicy)
	}
	s.readLoop(ctx)
	s.close()
}

// open makes a connection's session, or refuses the connection (nil).
//
//go:noinline
func (srv *Server) open(ctx context.Context, c transport.Conn, info ConnInfo, role chat.UserType) *session {
	s := &session{
		srv: srv, id: srv.prefix + formatUint(srv.nextID.Add(1)), role: role, conn: c, info: info,
		start: srv.cfg.Now(),
	}
	s.q = newOutQueue(srv.cfg.QueueBytes, s.startWriter)
	s.in.init(srv.cfg.Limits.MaxInFlight, func() { go s.handleLoop(ctx) })
	s.setLog(srv.cfg.Logger.With("conn", s.id, "role", string(role), "remote", info.RemoteAddr))
	release, ok := srv.limits.acquireIP(info.IP)
	if !ok {
		s.log().Info("too many connections from this address", "max", srv.cfg.Limits.ConnsPerIP)
		s.tooManyConns()
		s.stop()
		s.q.wait()
		return nil
	}
	if err := srv.cfg.Hub.add(s); err != nil {
		release()
		_ = c.Close(transport.CloseServiceRestart, "server is shutting down")
		return nil
	}
	s.releaseIP = release
	srv.cfg.Metrics.connected(string(role), 1)
	s.touch()
	return s
}

// close tears down what the session and its handler set up, once the
// connection has ended.
//
//go:noinline
func (s *session) close() {
	srv := s.srv
	// The request in hand, if any, ends (its answer is dropped once the
	// queue is closed); then what the handler set up is torn down.
	s.in.close()
	s.stop()
	s.in.wait()
	s.q.wait()
	for _, topic := range s.topics {
		srv.cfg.Hub.unsubscribe(topic, s)
	}
	if s.customerKey != "" {
		srv.limits.perCustomer.Release(s.customerKey)
	}
	if s.role == chat.UserAgent && s.loggedIn.Load() {
		srv.cfg.Service.AgentDisconnected(s.actor.LicenseID, s.actor.UserID)
	}
	_ = s.conn.Close(transport.CloseNormal, "")
	s.logClosed()
	srv.cfg.Metrics.connected(string(s.role), -1)
	srv.cfg.Hub.remove(s)
	s.releaseIP()
}

func formatUint(n uint64) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = digits[n%10]
		n /= 10
	}
	return string(b[i:])
}

// log returns the session's logger. Login adds the user to it while the
// writer, the watchdog and the hub's deliveries may be logging.
func (s *session) log() *slog.Logger { return s.logger.Load() }

func (s *session) setLog(l *slog.Logger) { s.logger.Store(l) }

// setCloseReason records why the server ends the connection; the first
// reason stays.
func (s *session) setCloseReason(reason string) { s.closeReason.CompareAndSwap(nil, &reason) }

// logClosed logs the end of the connection at info level: how long it
// lasted and why it ended ("client" when the client closed it or the
// network failed). After login the logger names the license and the user.
func (s *session) logClosed() {
	reason := "client"
	if r := s.closeReason.Load(); r != nil {
		reason = *r
	}
	s.log().LogAttrs(context.Background(), slog.LevelInfo, "rtm connection closed",
		slog.Duration("duration", s.srv.cfg.Now().Sub(s.start).Round(time.Millisecond)),
		slog.String("reason", reason), slog.Bool("logged_in", s.loggedIn.Load()))
}

// loggedInAs marks the session logged in and logs it at info level, with
// the logger naming the license and the user from then on.
func (s *session) loggedInAs(license int, userKey, userID string) {
	s.loggedIn.Store(true)
	s.setLog(s.log().With("license", license, userKey, userID))
	s.log().Info("rtm login")
}

// logRequest logs an answered request at debug level.
func (s *session) logRequest(ctx context.Context, req protocol.Request, result string, d time.Duration) {
	if l := s.log(); l.Enabled(ctx, slog.LevelDebug) {
		l.LogAttrs(ctx, slog.LevelDebug, "rtm request", slog.String("action", req.Action),
			slog.String("request_id", req.RequestID), slog.String("result", result), slog.Duration("duration", d))
	}
}

func (s *session) touch() { s.lastRead.Store(s.srv.cfg.Now().UnixNano()) }

// stop refuses further frames; a running writer still flushes what is
// queued.
func (s *session) stop() { s.q.close() }

// readLoop reads frames and puts them in the inbox, where the handler takes
// them in order and decodes them; a frame the inbox has no room for is
// answered here, at once. A ping without a request_id (the JS SDK's) keeps
// the connection alive, takes no place and gets no answer.
func (s *session) readLoop(ctx context.Context) {
	for {
		frame, err := s.conn.Read(ctx)
		if err != nil {
			return
		}
		s.touch()
		s.received(frame)
	}
}

// received queues a request read, or refuses it when the inbox is full.
//
//go:noinline
func (s *session) received(frame []byte) {
	if isKeepAlive(frame) {
		return
	}
	if s.in.put(frame) == inboxFull {
		s.refuse(frame)
	}
}

// maxPingBytes is the size above which a frame is not looked at as a
// possible keep-alive ping: the JS SDK's is some 30 bytes.
const maxPingBytes = 256

// isKeepAlive reports whether frame is a ping without a request_id (the JS
// SDK's keep-alive): it has kept the connection alive by arriving, wants no
// answer and takes no place in the inbox. Only small frames that mention
// "ping" are looked at, without decoding them whole.
func isKeepAlive(frame []byte) bool {
	if len(frame) > maxPingBytes || !bytes.Contains(frame, []byte(`"ping"`)) {
		return false
	}
	id, action := protocol.PeekIDs(frame)
	return action == protocol.ActionPing && id == ""
}

// refuse answers a request the inbox has no room for.
//
//go:noinline
func (s *session) refuse(frame []byte) {
	req, err := protocol.DecodeRequest(frame)
	if err == nil {
		err = protocol.Errorf(protocol.ErrTooManyRequests,
			"too many requests in flight (at most "+strconv.Itoa(s.srv.cfg.Limits.MaxInFlight)+"); wait for answers")
	}
	s.send(protocol.ErrorResponse(req.RequestID, req.Action, s.protocolError(req, err)))
}

// handleLoop is the handler goroutine: it handles the inbox's requests,
// one at a time, in order, until the inbox is empty. The deep call paths
// of a request (SQL, JSON) grow this goroutine's stack and not the
// reader's, which the runtime can then keep at its minimum while the
// connection idles.
func (s *session) handleLoop(ctx context.Context) {
	for {
		frame, ok := s.in.take()
		if !ok {
			return
		}
		req, err := protocol.DecodeRequest(frame)
		if err == nil && req.Action == protocol.ActionPing && req.RequestID == "" {
			continue // it kept the connection alive; it wants no answer
		}
		s.handle(ctx, req, err)
	}
}

func (s *session) startWriter() { go s.writeLoop() }

// writeLoop writes queued frames, batching what is already waiting, until
// the queue is empty; a close message or a failed write ends it for good.
// The queue starts it again when a frame arrives.
func (s *session) writeLoop() {
	ctx := context.Background()
	var batch [maxBatch]outMsg
	frames := make([][]byte, 0, maxBatch)
	for {
		n := s.q.take(batch[:])
		if n == 0 {
			return
		}
		frames = frames[:0]
		for _, m := range batch[:n] {
			if m.frame != nil {
				frames = append(frames, m.frame)
			}
		}
		last := batch[n-1]
		var err error
		if len(frames) > 0 {
			err = s.conn.Write(ctx, frames...)
			clear(frames)
		}
		s.q.sent(batch[:n])
		clear(batch[:n])
		if err != nil {
			s.log().Debug("write failed", "err", err)
			s.setCloseReason("write_failed")
			_ = s.conn.Close(transport.CloseInternalError, "write failed")
			// Nothing drains the queue any more: drop what waits in it.
			s.q.finish()
			return
		}
		if last.closeCode != 0 {
			s.setCloseReason(last.closeReason)
			_ = s.conn.Close(last.closeCode, last.closeReason)
			s.q.finish()
			return
		}
	}
}

// send queues a frame the reader produced (a response). Like push, it
// never waits: a client that leaves its answers unread until they pass
// the queue's budget is disconnected.
func (s *session) send(frame []byte) {
	if s.q.put(outMsg{frame: frame}) == putFull {
		s.slowConsumer()
	}
}

// push queues a frame the hub delivered. It never blocks: a client whose
// queue is full is disconnected.
func (s *session) push(frame []byte) {
	switch s.q.put(outMsg{frame: frame}) {
	case putOK:
		s.srv.cfg.Metrics.pushed(string(s.role))
	case putFull:
		s.slowConsumer()
	}
}

// slowConsumer disconnects a client whose queue is over its budget.
func (s *session) slowConsumer() {
	s.srv.cfg.Metrics.slowConsumer(string(s.role))
	s.log().Warn("outbound queue full, disconnecting slow client", "bytes", s.q.bytes(), "budget", s.srv.cfg.QueueBytes)
	s.setCloseReason(protocol.ReasonSlowConsumer)
	// The client does not read: what waits for it would never go out.
	s.q.drop()
	// Close waits for the client, which is not reading: do not hold up
	// the broker (and the chat whose change is being told) meanwhile.
	go func() { _ = s.conn.Close(transport.ClosePolicy, protocol.ReasonSlowConsumer) }()
}

// disconnect sends a *_disconnected push with reason and closes the
// connection after it.
func (s *session) disconnect(reason string, code int) {
	action := protocol.PushCustomerDisconnected
	if s.role == chat.UserAgent {
		action = protocol.PushAgentDisconnected
	}
	frame, _ := protocol.Push(action, protocol.CustomerDisconnected{Reason: reason})
	s.setCloseReason(reason)
	if s.q.put(outMsg{frame: frame, closeCode: code, closeReason: reason}) == putFull {
		s.stop()
		// As in push: Close waits for the client; do not hold up the
		// delivery to the topic's other sessions meanwhile.
		go func() { _ = s.conn.Close(code, reason) }()
	}
}

// shutdown lets the request being handled finish, refuses further ones and
// asks the client to come back later.
func (s *session) shutdown() {
	go func() {
		s.in.close()
		s.in.wait()
		s.disconnect(protocol.ReasonServiceShutdown, transport.CloseServiceRestart)
	}()
}

func (s *session) kill() {
	s.setCloseReason(protocol.ReasonServiceShutdown)
	s.stop()
	_ = s.conn.Close(transport.CloseServiceRestart, "server is shutting down")
}

// deliver takes a message the hub received on one of this session's
// topics, already decoded, and queues the frame of the session's dialect.
// It never blocks.
func (s *session) deliver(o chat.Origin, f pushFrames) {
	switch o.ConnID {
	case ctlDisconnect:
		s.disconnect(o.RequestID, transport.ClosePolicy)
		return
	case ctlRevoke:
		if s.token.ID != "" && (o.RequestID == "" || o.RequestID == s.token.ID) {
			s.disconnect(protocol.ReasonAccessTokenRevoked, transport.ClosePolicy)
		}
		return
	}
	frame, mine := f.v30, o.ConnID == s.id && o.RequestID != ""
	if s.info.Dialect == DialectV35 {
		frame = f.v35
		// The answer to a request of this connection comes whatever the
		// login subscribed to.
		if len(frame) == 0 || !mine && !s.subscribed35(f.push35) {
			return
		}
	}
	if len(frame) == 0 {
		return
	}
	if mine {
		frame = protocol.WithRequestID(frame, o.RequestID)
	}
	s.push(frame)
}

// subscribe makes the session receive the messages of topic, through the
// hub, until it ends.
func (s *session) subscribe(ctx context.Context, topic string) error {
	if err := s.srv.cfg.Hub.subscribe(ctx, topic, s); err != nil {
		return err
	}
	s.topics = append(s.topics, topic)
	return nil
}

type handlerFunc func(s *session, ctx context.Context, req protocol.Request) (any, error)

func (s *session) handle(ctx context.Context, req protocol.Request, err error) {
	if err != nil {
		s.respondError(req, err)
		return
	}
	if req.Action == protocol.ActionPing {
		// A ping that carries a request_id gets its response (the JS SDK
		// drops every frame whose action is ping), so that a client
		// waiting for it is not left hanging.
		b, err := protocol.Response(req.RequestID, req.Action, nil)
		if err != nil {
			s.respondError(req, err)
			return
		}
		s.answer(b)
		return
	}
	h, ok := s.handlers()[req.Action]
	if !ok {
		s.respondError(req, protocol.Errorf(protocol.ErrValidation, "unknown action "+quote(req.Action)))
		return
	}
	if req.Action != protocol.ActionLogin && !s.loggedIn.Load() {
		s.respondError(req, protocol.Errorf(protocol.ErrAuthentication, "log in first"))
		return
	}
	// The request's context is not a child of the connection's: a child
	// would leave the connection's context holding a table of children
	// for the rest of its life. The inbox cancels it when the connection
	// ends instead.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.srv.cfg.RequestTimeout)
	defer cancel()
	if !s.in.handling(cancel) {
		return
	}
	defer s.in.handled()
	payload, pe := s.run(rctx, h, req)
	if pe != nil {
		s.answer(protocol.ErrorResponse(req.RequestID, req.Action, pe))
		return
	}
	if payload == noResponse {
		return
	}
	b, err := protocol.Response(req.RequestID, req.Action, payload)
	if err != nil {
		s.respondError(req, err)
		return
	}
	s.answer(b)
}

// run calls h for req under rctx, the request's context with its
// timeout, records and logs it, and returns its payload or its error as
// the protocol's.
func (s *session) run(rctx context.Context, h handlerFunc, req protocol.Request) (any, *protocol.Error) {
	start := time.Now()
	payload, err := h(s, rctx, req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && rctx.Err() != nil {
			err = protocol.Errorf(protocol.ErrRequestTimeout, "request took too long")
		}
		pe := s.protocolError(req, err)
		s.srv.cfg.Metrics.request(string(s.role), req.Action, pe.Type, time.Since(start))
		s.logRequest(rctx, req, pe.Type, time.Since(start))
		return nil, pe
	}
	s.srv.cfg.Metrics.request(string(s.role), req.Action, "ok", time.Since(start))
	s.logRequest(rctx, req, "ok", time.Since(start))
	return payload, nil
}

// handlers is the session's handler table: by role, and for customers by
// dialect.
func (s *session) handlers() map[string]handlerFunc {
	switch {
	case s.role == chat.UserAgent:
		return agentHandlers
	case s.info.Dialect == DialectV35:
		return customer35Handlers
	}
	return customerHandlers
}

// noResponse tells handle that the handler answered by itself.
var noResponse = &struct{ x int }{}

func quote(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return "\"" + strings.ToValidUTF8(s, "?") + "\""
}

// answer queues the answer to the request in hand (handler goroutine
// only), first freeing its place among the requests in flight.
func (s *session) answer(frame []byte) {
	s.in.answered()
	s.send(frame)
}

// respondError answers the request in hand with err.
func (s *session) respondError(req protocol.Request, err error) {
	s.answer(protocol.ErrorResponse(req.RequestID, req.Action, s.protocolError(req, err)))
}

// protocolError maps an error to the protocol's error type. Domain errors
// are mapped here once; anything unknown is logged and reported as internal.
func (s *session) protocolError(req protocol.Request, err error) *protocol.Error {
	var pe *protocol.Error
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.Is(err, protocol.ErrFrameTooLarge):
		return protocol.Errorf(protocol.ErrValidation, err.Error())
	case errors.Is(err, protocol.ErrMalformedFrame), errors.Is(err, protocol.ErrMissingAction), errors.Is(err, protocol.ErrTooDeep):
		return protocol.Errorf(protocol.ErrValidation, strings.TrimPrefix(err.Error(), "protocol: "))
	case errors.Is(err, chat.ErrNotFound):
		return protocol.Errorf(protocol.ErrNotFound, "The requested chat, thread or event does not exist")
	case errors.Is(err, chat.ErrInvalid), errors.Is(err, chat.ErrNotAllowedType):
		return protocol.Errorf(protocol.ErrValidation, userMessage(err))
	case errors.Is(err, chat.ErrChatActive):
		return protocol.Errorf(protocol.ErrValidation, "The chat is already active")
	case errors.Is(err, chat.ErrNoActiveThread):
		return protocol.Errorf(protocol.ErrValidation, "The chat is not active")
	case errors.Is(err, chat.ErrNoThread):
		return protocol.Errorf(protocol.ErrValidation, "The chat has no thread")
	case errors.Is(err, chat.ErrHasAgent):
		return protocol.Errorf(protocol.ErrValidation, "The chat already has an agent")
	case errors.Is(err, chat.ErrBanned):
		return protocol.Errorf(protocol.ErrCustomerBanned, "The customer is banned")
	case errors.Is(err, chat.ErrGroupsOffline):
		return protocol.Errorf(protocol.ErrGroupsOffline, "No agent is available")
	case errors.Is(err, chat.ErrGroupNotFound):
		return protocol.Errorf(protocol.ErrGroupNotFound, "Group not found")
	case errors.Is(err, chat.ErrNotChatMember), errors.Is(err, chat.ErrForbidden):
		return protocol.Errorf(protocol.ErrAuthorization, userMessage(err))
	case errors.Is(err, context.DeadlineExceeded):
		return protocol.Errorf(protocol.ErrRequestTimeout, "request took too long")
	case errors.Is(err, context.Canceled):
		// The connection ended under the request: nobody gets the answer.
		s.log().Debug("request ended with its connection", "action", req.Action, "err", err)
		return protocol.Errorf(protocol.ErrInternal, "The connection ended")
	}
	s.log().Error("request failed", "action", req.Action, "err", err)
	return protocol.Errorf(protocol.ErrInternal, "Internal server error")
}

// userMessage strips the package prefixes of a domain error.
func userMessage(err error) string {
	m := err.Error()
	for _, p := range []string{"chat: invalid request: ", "chat: "} {
		if i := strings.LastIndex(m, p); i >= 0 {
			m = m[:i] + m[i+len(p):]
		}
	}
	return m
}
