package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
)

// Target is the server a run drives and the credentials it uses.
type Target struct {
	// Server is the server's base URL, e.g. http://localhost:8080.
	Server string
	// AgentServer, when set, is where the agents sign in and connect:
	// another node of a cluster, so that every event crosses between
	// nodes. Empty: Server.
	AgentServer string
	// License is the license id.
	License int
	// ClientID is a customer client id of the license.
	ClientID string
	// AgentEmail and AgentPassword sign in the agents.
	AgentEmail, AgentPassword string
	// HTTPClient is used for tokens and WebSocket handshakes. Nil: a client
	// that keeps enough idle connections for many concurrent logins.
	HTTPClient *http.Client
}

// init sets the defaults; every run calls it before going parallel.
func (t *Target) init() {
	if t.HTTPClient == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = 1024
		tr.MaxIdleConnsPerHost = 1024
		t.HTTPClient = &http.Client{Transport: tr}
	}
}

func (t *Target) client() *http.Client {
	if t.HTTPClient == nil {
		return http.DefaultClient
	}
	return t.HTTPClient
}

func (t *Target) base() string { return strings.TrimRight(t.Server, "/") }

// agentBase is the base URL of the agents' server.
func (t *Target) agentBase() string {
	if t.AgentServer == "" {
		return t.base()
	}
	return strings.TrimRight(t.AgentServer, "/")
}

// postJSON posts in to path on the server at base and decodes a 200
// answer into out.
func (t *Target) postJSON(ctx context.Context, base, path string, in, out any) error {
	body, _ := json.Marshal(in)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", base)
	resp, err := t.client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, bytes.TrimSpace(data))
	}
	return json.Unmarshal(data, out)
}

// CustomerToken gets a token for a new customer: a cookie grant without a
// cookie, as a first visit makes.
func (t *Target) CustomerToken(ctx context.Context) (token, customerID string, err error) {
	var out struct {
		AccessToken string `json:"access_token"`
		EntityID    string `json:"entity_id"`
	}
	err = t.postJSON(ctx, t.base(), "/customer/token", map[string]any{
		"response_type": "token", "grant_type": "cookie",
		"client_id": t.ClientID, "license_id": t.License,
	}, &out)
	if err != nil {
		return "", "", fmt.Errorf("customer token: %w", err)
	}
	return out.AccessToken, out.EntityID, nil
}

// AgentToken signs the agent in with its password.
func (t *Target) AgentToken(ctx context.Context) (token, agentID string, err error) {
	var out struct {
		AccessToken string `json:"access_token"`
		EntityID    string `json:"entity_id"`
	}
	err = t.postJSON(ctx, t.agentBase(), "/v3.0/agent/login", map[string]any{
		"license_id": t.License, "email": t.AgentEmail, "password": t.AgentPassword,
	}, &out)
	if err != nil {
		return "", "", fmt.Errorf("agent login: %w", err)
	}
	return out.AccessToken, out.EntityID, nil
}

// customerConn is a logged-in customer.
type customerConn struct {
	*conn
	id     string
	token  string
	chatID string
}

// customerURL is the customer RTM WebSocket of the target's license.
func (t *Target) customerURL() string {
	return wsURL(t.base(), fmt.Sprintf("/v3.0/customer/rtm/ws?license_id=%d", t.License))
}

// dialCustomer gets a token, connects and logs in a new customer.
func (t *Target) dialCustomer(ctx context.Context, onPush func([]byte)) (*customerConn, error) {
	tok, id, err := t.CustomerToken(ctx)
	if err != nil {
		return nil, err
	}
	c, err := dial(ctx, t.client(), t.customerURL(), onPush)
	if err != nil {
		return nil, fmt.Errorf("customer connect: %w", err)
	}
	if _, err := c.login(ctx, tok, nil); err != nil {
		c.closeNow()
		return nil, err
	}
	return &customerConn{conn: c, id: id, token: tok}, nil
}

// dialAgent signs in, connects and logs in an agent.
func (t *Target) dialAgent(ctx context.Context, onPush func([]byte)) (*conn, error) {
	tok, _, err := t.AgentToken(ctx)
	if err != nil {
		return nil, err
	}
	c, err := dial(ctx, t.client(), wsURL(t.agentBase(), "/v3.0/agent/rtm/ws"), onPush)
	if err != nil {
		return nil, fmt.Errorf("agent connect: %w", err)
	}
	if _, err := c.login(ctx, tok, nil); err != nil {
		c.closeNow()
		return nil, err
	}
	return c, nil
}

// startChat starts the customer's chat.
func (cc *customerConn) startChat(ctx context.Context) error {
	f, err := cc.call(ctx, "start_chat", map[string]any{"chat": map[string]any{}})
	if err != nil {
		return err
	}
	var p struct {
		Chat struct {
			ID string `json:"id"`
		} `json:"chat"`
	}
	if err := json.Unmarshal(f.Payload, &p); err != nil || p.Chat.ID == "" {
		return fmt.Errorf("start_chat: no chat id in %s", f.Payload)
	}
	cc.chatID = p.Chat.ID
	return nil
}

// parallel runs fn(i) for i in [0, n) on at most workers goroutines and
// returns the first error. progress, if not nil, is called after each
// success with the number done.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error, progress func(done int)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next, done atomic.Int64
		once       sync.Once
		first      error
		wg         sync.WaitGroup
	)
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
				d := done.Add(1)
				if progress != nil {
					progress(int(d))
				}
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return first
}
