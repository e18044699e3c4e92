package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/protocol"
	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/server/chat"
)

// TestBanCustomer: ban_customer closes the customer's connections with
// customer_disconnected (customer_banned), closes its active chats and
// refuses its later logins; a ban for some days ends by itself.
func TestBanCustomer(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	cust, custID := newCustomer(t, srv)
	tab2 := connectCustomer(t, srv, custID)
	other, otherID := newCustomer(t, srv)
	chatID := cust.startChat("spam").Chat.ID
	wantEqual(t, "chat goes to", cust.joined(chatID), parleytest.AgentEmail)
	ag.assigned(chatID)

	f := ag.ok(protocol.ActionBanCustomer, obj{"customer_id": custID})
	wantJSON(t, "ban_customer response", f.Payload, `{}`)
	for _, c := range []*rtmClient{cust, tab2} {
		var p struct {
			Reason string `json:"reason"`
		}
		c.waitPushInto(&p, protocol.PushCustomerDisconnected, untagged())
		wantEqual(t, c.name+" disconnect reason", p.Reason, protocol.ReasonCustomerBanned)
		if code := c.waitClosed(); code != websocket.StatusPolicyViolation {
			t.Errorf("%s: close status %v, want %v", c.name, code, websocket.StatusPolicyViolation)
		}
	}
	// The chat is closed; its agent is free again.
	var tc struct {
		ThreadID string `json:"thread_id"`
		UserID   string `json:"user_id"`
	}
	ag.waitPushInto(&tc, protocol.PushThreadClosed, forChat(chatID))
	wantEqual(t, "thread closed by", tc.UserID, parleytest.AgentEmail)
	wantEqual(t, "agent's active chats", ag.agents()[parleytest.AgentEmail].ActiveChats, 0)
	// Another customer is not touched.
	other.sync()
	other.noPush(protocol.PushCustomerDisconnected)

	// Later logins are refused.
	again := dial(t, "banned customer again", customerURL(srv), "customer")
	if e := again.fail(protocol.ActionLogin, obj{"token": "Bearer " + srv.CustomerToken(t, custID)}); e.Type != protocol.ErrCustomerBanned {
		t.Errorf("login after the ban: %+v, want %s", e, protocol.ErrCustomerBanned)
	}
	var cu struct {
		Customer struct {
			ID     string `json:"id"`
			Banned bool   `json:"banned"`
		} `json:"customer"`
	}
	ag.okInto(protocol.ActionGetCustomer, obj{"customer_id": custID}, &cu)
	if !cu.Customer.Banned {
		t.Errorf("get_customer after the ban: %+v", cu)
	}

	// A ban of some days: stored with its end; over once that has passed.
	ag.ok(protocol.ActionBanCustomer, obj{"customer_id": otherID, "ban": obj{"days": 2}})
	other.waitPush(protocol.PushCustomerDisconnected)
	stored, err := srv.Store().Customer(context.Background(), srv.License, otherID)
	if err != nil {
		t.Fatal(err)
	}
	if until := time.Until(stored.BannedUntil); !stored.Banned || until < 47*time.Hour || until > 49*time.Hour {
		t.Errorf("banned %v until %v, want two days from now", stored.Banned, stored.BannedUntil)
	}
	past := time.Now().Add(-time.Minute)
	if _, err := srv.Store().UpdateCustomer(context.Background(), srv.License, otherID, chat.CustomerUpdate{BannedUntil: &past}); err != nil {
		t.Fatal(err)
	}
	connectCustomer(t, srv, otherID).sync()

	for _, tc := range []struct {
		payload obj
		want    string
	}{
		{obj{"customer_id": "nobody"}, protocol.ErrNotFound},
		{obj{}, protocol.ErrValidation},
		{obj{"customer_id": otherID, "ban": obj{"days": -1}}, protocol.ErrValidation},
		{obj{"customer_id": otherID, "ban": obj{"days": 1 << 40}}, protocol.ErrValidation},
	} {
		if e := ag.fail(protocol.ActionBanCustomer, tc.payload); e.Type != tc.want {
			t.Errorf("ban_customer %v: %+v, want %s", tc.payload, e, tc.want)
		}
	}
}

// TestRevokeToken: revoke_token answers, then closes every connection
// logged in with the token (agent_disconnected, access_token_revoked) and
// no other; the token no longer logs in nor uploads. A revocation made by
// another process (parley agent revoke) closes the agent's connections
// within TokenRevocationCheck.
func TestRevokeToken(t *testing.T) {
	srv := parleytest.NewServer(t, func(c *server.Config) { c.TokenRevocationCheck = 200 * time.Millisecond })
	tok := srv.AgentToken(t, parleytest.AgentEmail)
	a1 := dial(t, "agent conn 1", agentURL(srv), "agent")
	a1.login(tok)
	a2 := dial(t, "agent conn 2", agentURL(srv), "agent")
	a2.login(tok)
	a3 := connectAgent(t, srv, parleytest.AgentEmail) // another token
	// A chat the agent is in, for the upload below.
	cust, _ := newCustomer(t, srv)
	chatID := cust.startChat("hi").Chat.ID
	cust.joined(chatID)

	f := a1.ok(protocol.ActionRevokeToken, obj{})
	wantJSON(t, "revoke_token response", f.Payload, `{}`)
	for _, c := range []*rtmClient{a1, a2} {
		var p struct {
			Reason string `json:"reason"`
		}
		c.waitPushInto(&p, protocol.PushAgentDisconnected, untagged())
		wantEqual(t, c.name+" reason", p.Reason, protocol.ReasonAccessTokenRevoked)
		if code := c.waitClosed(); code != websocket.StatusPolicyViolation {
			t.Errorf("%s: close status %v", c.name, code)
		}
	}
	a3.sync()
	a3.noPush(protocol.PushAgentDisconnected)

	again := dial(t, "agent with the revoked token", agentURL(srv), "agent")
	if e := again.fail(protocol.ActionLogin, obj{"token": "Bearer " + tok}); e.Type != protocol.ErrAuthentication {
		t.Errorf("login with a revoked token: %+v", e)
	}
	if resp := agentUpload(t, srv, tok, chatID, "a.txt", []byte("x")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("upload with a revoked token: %s", resp.Status)
	}
	// The other token still works.
	if resp := agentUpload(t, srv, a3token(t, srv, a3), chatID, "a.txt", []byte("x")); resp.StatusCode != http.StatusOK {
		t.Errorf("upload with another token: %s", resp.Status)
	}

	// parley agent revoke, from another process: the store alone knows.
	if err := srv.Store().RevokeAgentTokens(context.Background(), srv.License, parleytest.AgentEmail, time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	var p struct {
		Reason string `json:"reason"`
	}
	a3.waitPushInto(&p, protocol.PushAgentDisconnected, untagged())
	wantEqual(t, "reason", p.Reason, protocol.ReasonAccessTokenRevoked)
	a3.waitClosed()
}

// a3token returns a fresh token of the agent of c (its own is not at
// hand): it is issued after c's and so is not revoked with c's.
func a3token(t *testing.T, srv *parleytest.Server, c *rtmClient) string {
	t.Helper()
	return srv.AgentToken(t, c.loginID)
}

// agentUpload posts a file to the agent send_file endpoint, with the
// form fields given as name, value pairs.
func agentUpload(t *testing.T, srv *parleytest.Server, token, chatID, name string, content []byte, fields ...string) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("payload.chat_id", chatID)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = mw.WriteField(fields[i], fields[i+1])
	}
	fw, _ := mw.CreateFormFile("payload.file", name)
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v3.0/agent/action/send_file?license_id="+strconv.Itoa(srv.License), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestAgentSendFile: an agent uploads a file into a chat it is in; the
// chat's members get the file event.
func TestAgentSendFile(t *testing.T) {
	srv := parleytest.NewServer(t)
	ag := connectAgent(t, srv, parleytest.AgentEmail)
	ag.setStatus("not_accepting_chats")
	tok := srv.AgentToken(t, parleytest.AgentEmail)
	cust, custID := newCustomer(t, srv)
	chatID := cust.startChat("send me the invoice").Chat.ID

	if resp := agentUpload(t, srv, tok, chatID, "invoice.txt", []byte("total: 42\n")); resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload before joining: %s, want 403", resp.Status)
	}
	if resp := agentUpload(t, srv, "", chatID, "invoice.txt", []byte("x")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("upload without a token: %s", resp.Status)
	}
	if resp := agentUpload(t, srv, srv.CustomerToken(t, custID), chatID, "invoice.txt", []byte("x")); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("upload with a customer token: %s", resp.Status)
	}
	ag.ok(protocol.ActionJoinChat, obj{"chat_id": chatID})
	resp := agentUpload(t, srv, tok, chatID, "invoice.txt", []byte("total: 42\n"))
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload: %s %s", resp.Status, b)
	}
	var out struct {
		Payload struct {
			URL string `json:"url"`
		} `json:"payload"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Payload.URL == "" {
		t.Fatalf("upload answer: %+v, %v", out, err)
	}
	for _, c := range []*rtmClient{cust, ag} {
		var ie struct {
			Event struct {
				Type     string `json:"type"`
				AuthorID string `json:"author_id"`
				Name     string `json:"name"`
				URL      string `json:"url"`
			} `json:"event"`
		}
		c.waitPushInto(&ie, protocol.PushIncomingEvent, forChat(chatID), func(f frame) bool {
			return jsonEqual(t, keysOf(t, keysOf(t, f.Payload)["event"])["type"], `"file"`)
		})
		if e := ie.Event; e.AuthorID != parleytest.AgentEmail || e.Name != "invoice.txt" || e.URL != out.Payload.URL {
			t.Errorf("%s: file event %+v", c.name, e)
		}
	}
	got, err := http.Get(out.Payload.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Body.Close()
	if b, _ := io.ReadAll(got.Body); string(b) != "total: 42\n" {
		t.Errorf("GET %s = %q", out.Payload.URL, b)
	}
}

// TestAgentDirectory covers list_agents, list_groups, get_customer and
// the list_chats limits.
func TestAgentDirectory(t *testing.T) {
	srv := parleytest.NewServer(t)
	putGroup(t, srv, 3, "VIP")
	putAgent(t, srv, agentB, "Bob", []int{3}, 4)
	ag := connectAgent(t, srv, parleytest.AgentEmail)

	agents := ag.agents()
	if len(agents) != 2 {
		t.Fatalf("list_agents = %v", agents)
	}
	me, bob := agents[parleytest.AgentEmail], agents[agentB]
	if me.Name != "Demo Agent" || me.RoutingStatus != "accepting_chats" || !slices.Equal(me.Groups, []int{0}) || me.MaxChats != chat.DefaultMaxChats || me.ActiveChats != 0 {
		t.Errorf("demo agent = %+v", me)
	}
	if bob.Name != "Bob" || bob.RoutingStatus != "offline" || !slices.Equal(bob.Groups, []int{3}) || bob.MaxChats != 4 {
		t.Errorf("bob = %+v", bob)
	}
	f := ag.ok(protocol.ActionListAgents, nil)
	var raw struct {
		Agents []json.RawMessage `json:"agents"`
	}
	_ = json.Unmarshal(f.Payload, &raw)
	wantKeys(t, "list_agents entry", raw.Agents[0], "id", "name", "avatar", "job_title", "routing_status", "groups", "active_chats", "max_chats")

	var groups struct {
		Groups []struct {
			ID     int    `json:"id"`
			Name   string `json:"name"`
			Status string `json:"status"`
		} `json:"groups"`
	}
	ag.okInto(protocol.ActionListGroups, obj{}, &groups)
	if len(groups.Groups) != 2 || groups.Groups[0].ID != 0 || groups.Groups[0].Status != "online" ||
		groups.Groups[1].ID != 3 || groups.Groups[1].Name != "VIP" || groups.Groups[1].Status != "offline" {
		t.Errorf("list_groups = %+v", groups)
	}

	custID := newCustomerID()
	cust := dial(t, "customer", customerURL(srv), "customer")
	cust.ok(protocol.ActionLogin, obj{"token": "Bearer " + srv.CustomerToken(t, custID),
		"customer":      obj{"name": "Ann", "email": "ann@shop.test", "fields": obj{"plan": "gold"}},
		"customer_page": obj{"url": "https://shop.test/cart", "title": "Cart"}, "referrer": "https://search.test"})
	f = ag.ok(protocol.ActionGetCustomer, obj{"customer_id": custID})
	var cu struct {
		Customer struct {
			ID     string            `json:"id"`
			Type   string            `json:"type"`
			Name   string            `json:"name"`
			Email  string            `json:"email"`
			Fields map[string]string `json:"fields"`
			Page   *struct {
				URL       string `json:"url"`
				Title     string `json:"title"`
				Timestamp int64  `json:"timestamp"`
			} `json:"page"`
			Referrer  string `json:"referrer"`
			Visits    int    `json:"visits"`
			LastVisit int64  `json:"last_visit"`
			Banned    bool   `json:"banned"`
		} `json:"customer"`
	}
	_ = json.Unmarshal(f.Payload, &cu)
	c := cu.Customer
	if c.ID != custID || c.Type != "customer" || c.Name != "Ann" || c.Email != "ann@shop.test" || c.Fields["plan"] != "gold" ||
		c.Page == nil || c.Page.URL != "https://shop.test/cart" || c.Page.Title != "Cart" || c.Page.Timestamp == 0 ||
		c.Referrer != "https://search.test" || c.Visits != 1 || c.LastVisit == 0 || c.Banned {
		t.Errorf("get_customer = %s", f.Payload)
	}
	wantKeys(t, "customer", keysOf(t, f.Payload)["customer"], "id", "type", "name", "email", "avatar", "fields", "visits", "last_visit", "banned")
	if e := ag.fail(protocol.ActionGetCustomer, obj{"customer_id": "nobody"}); e.Type != protocol.ErrNotFound {
		t.Errorf("get_customer of nobody: %+v", e)
	}
	// Customers have none of the agent actions.
	if e := cust.fail(protocol.ActionGetCustomer, obj{"customer_id": custID}); e.Type != protocol.ErrValidation {
		t.Errorf("get_customer by a customer: %+v", e)
	}

	ag.ok(protocol.ActionListChats, obj{"limit": 100})
	if e := ag.fail(protocol.ActionListChats, obj{"limit": 101}); e.Type != protocol.ErrValidation {
		t.Errorf("list_chats limit 101: %+v", e)
	}
}
