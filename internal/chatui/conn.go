package chatui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/parleychat/parley/customer"
	"github.com/parleychat/parley/protocol"
)

// link is what the status line knows of the connection.
type link struct {
	state   customer.State
	why     string    // why it was lost or why the last attempt failed, in words
	attempt int       // the reconnect attempt coming next (0: none announced)
	retryAt time.Time // when that attempt starts
	ever    bool      // a login has succeeded
	ended   *EndError // the server ended the session for good
}

// connected records a login.
func (l *link) connected() {
	*l = link{state: customer.StateConnected, ever: true}
}

// lost records a dropped connection.
func (l *link) lost(err error) {
	if l.state == customer.StateDestroyed {
		return
	}
	l.state, l.why = customer.StateReconnecting, lostWhy(err)
}

// retrying records a reconnect attempt announced by the SDK.
func (l *link) retrying(r customer.Reconnecting, now time.Time) {
	if l.state == customer.StateDestroyed {
		return
	}
	l.state, l.why = customer.StateReconnecting, lostWhy(r.Err)
	l.attempt, l.retryAt = r.Attempt, now.Add(r.Delay)
}

// status is the connection part of the status line, and whether it is bad
// news.
func (l *link) status(now time.Time) (string, bool) {
	switch l.state {
	case customer.StateConnected:
		return "● connected", false
	case customer.StateConnecting:
		return "○ connecting…", false
	case customer.StateReconnecting:
		s := "◌ reconnecting"
		if !l.ever {
			s = "◌ connecting"
		}
		if l.attempt > 0 {
			if left := l.retryAt.Sub(now); left > 0 {
				s += fmt.Sprintf(" (attempt %d, next in %ds)", l.attempt, int((left+time.Second-1)/time.Second))
			} else {
				s += fmt.Sprintf(" (attempt %d, trying now…)", l.attempt)
			}
		}
		if l.why != "" {
			s += ": " + l.why
		}
		return s, true
	case customer.StateDisconnected:
		return "✗ disconnected", true
	case customer.StateDestroyed:
		if l.ended != nil {
			return "✗ " + l.ended.Message, true
		}
		return "✗ disconnected", true
	}
	return l.state.String(), false
}

// lostWhy says in words why a connection or an attempt failed.
func lostWhy(err error) string {
	var ce *customer.Error
	var dns *net.DNSError
	var ne net.Error
	switch {
	case err == nil:
		return "the connection was lost"
	case errors.As(err, &ce):
		if s := reasonWords(ce.Type); s != "" {
			return s
		}
		return "the server refused to log in: " + line(ce.Type)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the server does not accept connections (is it running?)"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the connection was cut"
	case errors.As(err, &dns):
		return "cannot find the server " + line(dns.Name)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "the server did not answer in time"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return "the network is unreachable"
	}
	// The WebSocket library's close errors carry the server's reason.
	msg := err.Error()
	for _, r := range []string{protocol.ReasonServiceShutdown, protocol.ReasonSlowConsumer, protocol.ReasonTooManyConnections,
		protocol.ReasonCustomerTemporarilyBlocked, protocol.ReasonAccessTokenExpired, protocol.ReasonPingTimeout} {
		if strings.Contains(msg, `"`+r+`"`) {
			return reasonWords(r)
		}
	}
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), strings.HasSuffix(msg, "EOF"), strings.Contains(msg, "received close frame"):
		return "the server closed the connection"
	case strings.Contains(msg, "HTTP 5"):
		return "the server had an error"
	}
	return "the connection failed: " + errText(err)
}

// reasonWords says in words a customer_disconnected reason after which
// the SDK reconnects, or a login error worth retrying; "" for others.
func reasonWords(reason string) string {
	switch reason {
	case protocol.ReasonServiceShutdown:
		return "the server is restarting"
	case protocol.ReasonTooManyConnections:
		return "too many connections of yours are open"
	case protocol.ReasonTooManyUnauthorized:
		return "too many connections from your address"
	case protocol.ReasonCustomerTemporarilyBlocked:
		return "you are blocked for a while"
	case protocol.ReasonAccessTokenExpired:
		return "the session expired; logging in again"
	case protocol.ReasonSlowConsumer:
		return "the connection fell behind"
	case protocol.ReasonPingTimeout, protocol.ReasonConnectionTimeout, protocol.ReasonInactivityTimeout:
		return "the connection timed out"
	case protocol.ReasonInternalError, "server_error", protocol.ErrInternal:
		return "the server had an error"
	case protocol.ReasonMisdirectedConnection:
		return "the connection reached the wrong server"
	case "temporarily_unavailable":
		return "the server is temporarily unavailable"
	}
	return ""
}
