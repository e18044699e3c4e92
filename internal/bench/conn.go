package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/protocol"
)

// frame is a server frame decoded as far as the generator needs.
type frame struct {
	RequestID string          `json:"request_id"`
	Action    string          `json:"action"`
	Type      string          `json:"type"`
	Success   *bool           `json:"success"`
	Payload   json.RawMessage `json:"payload"`
}

// failed reports whether f is an error response, with its message.
func (f frame) failed() (string, bool) {
	if f.Type != protocol.TypeResponse || f.Success == nil || *f.Success {
		return "", false
	}
	var p struct {
		Error protocol.Error `json:"error"`
	}
	_ = json.Unmarshal(f.Payload, &p)
	return p.Error.Type + ": " + p.Error.Message, true
}

// reply is the outcome of one request: the first frame tagged with its
// request id (a response, or the push that resolves it), or an error.
type reply struct {
	f   frame
	err error
}

// conn is one RTM connection. Requests may be sent from any goroutine; a
// single reader goroutine resolves them and hands untagged pushes to onPush.
// As the server demands, at most protocol.MaxRequestsInFlight requests are
// unanswered at a time: a send past them waits for a response (a request
// resolved by its push still counts until its response comes).
type conn struct {
	ws     *websocket.Conn
	onPush func(raw []byte)
	slots  chan struct{} // a token per request without its response yet

	mu         sync.Mutex
	next       uint64
	pending    map[string]func(reply)
	unanswered map[string]struct{} // the requests holding a slot
	err        error

	done chan struct{}
}

// errClosed is the error of requests pending when a connection ends.
var errClosed = errors.New("bench: connection closed")

// dial opens an RTM WebSocket at url and starts its reader. onPush, if not
// nil, is called on the reader goroutine with every push that resolves no
// request; it must not block.
func dial(ctx context.Context, hc *http.Client, url string, onPush func(raw []byte)) (*conn, error) {
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		return nil, err
	}
	// History pages can be large; the generator is a trusted client.
	ws.SetReadLimit(64 << 20)
	c := &conn{ws: ws, onPush: onPush, slots: make(chan struct{}, protocol.MaxRequestsInFlight),
		pending: make(map[string]func(reply)), unanswered: make(map[string]struct{}), done: make(chan struct{})}
	go c.read()
	return c, nil
}

func (c *conn) read() {
	defer close(c.done)
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.fail(err)
			return
		}
		// Untagged pushes skip the full decode when nobody wants them.
		if !bytes.HasPrefix(data, []byte(`{"request_id":`)) {
			if c.onPush != nil {
				c.onPush(data)
			}
			continue
		}
		var f frame
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		c.mu.Lock()
		cb, ok := c.pending[f.RequestID]
		delete(c.pending, f.RequestID)
		_, held := c.unanswered[f.RequestID]
		if held && f.Type == protocol.TypeResponse {
			delete(c.unanswered, f.RequestID)
		}
		c.mu.Unlock()
		if held && f.Type == protocol.TypeResponse {
			<-c.slots
		}
		if ok {
			cb(reply{f: f})
		} else if c.onPush != nil && f.Type == protocol.TypePush {
			c.onPush(data)
		}
	}
}

// fail ends every pending request with err.
func (c *conn) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		c.err = fmt.Errorf("%w: %v", errClosed, err)
	}
	p := c.pending
	c.pending = map[string]func(reply){}
	err = c.err
	c.mu.Unlock()
	for _, cb := range p {
		cb(reply{err: err})
	}
}

// send writes a request and calls cb once with its reply, from the reader
// goroutine (or from send itself when the write fails).
func (c *conn) send(action string, payload any, cb func(reply)) {
	p, err := json.Marshal(payload)
	if err != nil {
		cb(reply{err: err})
		return
	}
	select {
	case c.slots <- struct{}{}:
	case <-c.done:
	}
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		cb(reply{err: err})
		return
	}
	c.next++
	id := strconv.FormatUint(c.next, 36)
	c.pending[id] = cb
	c.unanswered[id] = struct{}{}
	c.mu.Unlock()
	msg, _ := json.Marshal(protocol.Request{RequestID: id, Action: action, Payload: p})
	if err := c.ws.Write(context.Background(), websocket.MessageText, msg); err != nil {
		c.mu.Lock()
		_, still := c.pending[id]
		delete(c.pending, id)
		c.mu.Unlock()
		if still {
			cb(reply{err: err})
		}
	}
}

// call sends a request and waits for its reply; an error response is an
// error.
func (c *conn) call(ctx context.Context, action string, payload any) (frame, error) {
	ch := make(chan reply, 1)
	c.send(action, payload, func(r reply) { ch <- r })
	select {
	case r := <-ch:
		if r.err != nil {
			return frame{}, fmt.Errorf("%s: %w", action, r.err)
		}
		if msg, bad := r.f.failed(); bad {
			return frame{}, fmt.Errorf("%s: %s", action, msg)
		}
		return r.f, nil
	case <-ctx.Done():
		return frame{}, fmt.Errorf("%s: %w", action, ctx.Err())
	}
}

// login sends the login request with a bearer token.
func (c *conn) login(ctx context.Context, token string, extra map[string]any) (frame, error) {
	p := map[string]any{"token": "Bearer " + token}
	for k, v := range extra {
		p[k] = v
	}
	return c.call(ctx, "login", p)
}

// close closes the connection and waits for its reader.
func (c *conn) close() {
	c.ws.Close(websocket.StatusNormalClosure, "")
	<-c.done
}

// closeNow drops the connection without a closing handshake.
func (c *conn) closeNow() {
	c.ws.CloseNow()
	<-c.done
}

// wsURL turns an http(s) server URL and a path into a ws(s) URL.
func wsURL(server, path string) string {
	switch {
	case strings.HasPrefix(server, "https://"):
		return "wss://" + strings.TrimPrefix(server, "https://") + path
	case strings.HasPrefix(server, "http://"):
		return "ws://" + strings.TrimPrefix(server, "http://") + path
	}
	return server + path
}
