package configapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/parleytest"
	"github.com/parleychat/parley/server"
	"github.com/parleychat/parley/server/auth"
	"github.com/parleychat/parley/server/chat"
)

// The tests call a real server over HTTP. License 123 (the demo license)
// has its owner (parleytest.AgentEmail), an administrator and a normal
// agent; license 7 has an owner, a group 5 and a client, all of which
// license 123's operators must never see.

const (
	admin   = "admin@shop.test"
	normal  = "ann@shop.test"
	owner7  = "owner@other.test"
	client7 = "client-of-7"
)

type env struct {
	t     *testing.T
	srv   *parleytest.Server
	owner string // tokens
	admin string
	norm  string
}

func newEnv(t *testing.T, opts ...parleytest.Option) *env {
	t.Helper()
	srv := parleytest.NewServer(t, opts...)
	ctx, st := context.Background(), srv.Store()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	hash, err := auth.HashPassword("secret-password")
	must(err)
	must(st.PutAgent(ctx, chat.Agent{ID: admin, LicenseID: srv.License, Name: "Adam", Role: chat.RoleAdministrator, PasswordHash: hash}))
	must(st.PutAgent(ctx, chat.Agent{ID: normal, LicenseID: srv.License, Name: "Ann", Role: chat.RoleNormal, PasswordHash: hash}))
	must(st.PutLicense(ctx, chat.License{ID: 7, Name: "Other", CreatedAt: time.Now()}))
	must(st.PutGroup(ctx, chat.Group{LicenseID: 7, ID: 0, Name: "General"}))
	must(st.PutGroup(ctx, chat.Group{LicenseID: 7, ID: 5, Name: "Seven's"}))
	must(st.PutAgent(ctx, chat.Agent{ID: owner7, LicenseID: 7, Name: "Olga", Role: chat.RoleOwner, Groups: []int{5}, PasswordHash: hash}))
	must(st.PutClient(ctx, chat.Client{ID: client7, LicenseID: 7, RedirectOrigins: []string{"https://other.test"}}))
	return &env{t: t, srv: srv, owner: srv.AgentToken(t, srv.AgentEmail), admin: srv.AgentToken(t, admin), norm: srv.AgentToken(t, normal)}
}

// post sends a request and returns the status and the body.
func (e *env) post(token, path string, body any) (int, []byte) {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, out
}

// call calls an action and returns the status and the body.
func (e *env) call(token, action string, body any) (int, []byte) {
	e.t.Helper()
	return e.post(token, "/v3.0/configuration/action/"+action, body)
}

// ok calls an action that must succeed and decodes its answer into out
// (if not nil).
func (e *env) ok(token, action string, body, out any) {
	e.t.Helper()
	status, b := e.call(token, action, body)
	if status != http.StatusOK {
		e.t.Fatalf("%s %v = %d %s", action, body, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s: %v in %s", action, err, b)
		}
	}
}

// fails calls an action that must fail with status and error type, and
// returns the message.
func (e *env) fails(token, action string, body any, status int, typ string) string {
	e.t.Helper()
	got, b := e.call(token, action, body)
	var env struct {
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(b, &env); err != nil || got != status || env.Error.Type != typ || env.Error.Message == "" {
		e.t.Fatalf("%s %v = %d %s, want %d %s", action, body, got, b, status, typ)
	}
	return env.Error.Message
}

type agentOut struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Role          string `json:"role"`
	JobTitle      string `json:"job_title"`
	MaxChatsCount int    `json:"max_chats_count"`
	Groups        []struct {
		ID       int    `json:"id"`
		Priority string `json:"priority"`
	} `json:"groups"`
	Suspended bool `json:"suspended"`
}

func (a agentOut) groupIDs() []int {
	var ids []int
	for _, g := range a.Groups {
		ids = append(ids, g.ID)
	}
	return ids
}

type groupOut struct {
	ID              int               `json:"id"`
	Name            string            `json:"name"`
	Greeting        string            `json:"greeting"`
	AgentPriorities map[string]string `json:"agent_priorities"`
}

// login logs in with a password as the console does; it returns the
// status.
func (e *env) login(license int, email, password string) int {
	e.t.Helper()
	status, _ := e.post("", "/v3.0/agent/login", map[string]any{"license_id": license, "email": email, "password": password})
	return status
}

func TestAgents(t *testing.T) {
	e := newEnv(t)
	var created struct{ ID string }
	e.ok(e.owner, "create_agent", map[string]any{"id": "bob@shop.test", "name": "Bob", "job_title": "Support",
		"max_chats_count": 3, "groups": []map[string]any{{"id": 0, "priority": "normal"}}, "password": "bobs-password"}, &created)
	if created.ID != "bob@shop.test" {
		t.Errorf("create_agent id = %q", created.ID)
	}
	var bob agentOut
	e.ok(e.owner, "get_agent", map[string]any{"id": "bob@shop.test"}, &bob)
	if bob.Name != "Bob" || bob.Role != "normal" || bob.JobTitle != "Support" || bob.MaxChatsCount != 3 ||
		!slices.Equal(bob.groupIDs(), []int{0}) || bob.Groups[0].Priority != "normal" || bob.Suspended {
		t.Errorf("get_agent = %+v", bob)
	}
	if got := e.login(e.srv.License, "bob@shop.test", "bobs-password"); got != http.StatusOK {
		t.Errorf("login with the password of create_agent = %d", got)
	}
	e.fails(e.owner, "create_agent", map[string]any{"id": "bob@shop.test", "name": "Bob"}, 400, "validation")

	var list []agentOut
	e.ok(e.owner, "list_agents", nil, &list)
	var ids []string
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	if want := []string{e.srv.AgentEmail, admin, normal, "bob@shop.test"}; !sameSet(ids, want) {
		t.Errorf("list_agents = %v, want %v", ids, want)
	}

	var gid struct{ ID int }
	e.ok(e.owner, "create_group", map[string]any{"name": "Billing"}, &gid)
	e.ok(e.owner, "update_agent", map[string]any{"id": "bob@shop.test", "name": "Robert", "max_chats_count": 8,
		"groups": []map[string]any{{"id": gid.ID, "priority": "first"}}}, nil)
	e.ok(e.owner, "get_agent", map[string]any{"id": "bob@shop.test"}, &bob)
	if bob.Name != "Robert" || bob.JobTitle != "Support" || bob.MaxChatsCount != 8 || !slices.Equal(bob.groupIDs(), []int{gid.ID}) {
		t.Errorf("after update_agent: %+v", bob)
	}
	e.ok(e.owner, "list_agents", map[string]any{"filters": map[string]any{"group_ids": []int{gid.ID}}}, &list)
	if len(list) != 1 || list[0].ID != "bob@shop.test" {
		t.Errorf("list_agents of group %d = %+v", gid.ID, list)
	}

	e.ok(e.owner, "set_agent_password", map[string]any{"id": "bob@shop.test", "password": "new-password"}, nil)
	if e.login(e.srv.License, "bob@shop.test", "bobs-password") == http.StatusOK || e.login(e.srv.License, "bob@shop.test", "new-password") != http.StatusOK {
		t.Error("set_agent_password did not replace the password")
	}

	e.ok(e.owner, "suspend_agent", map[string]any{"id": "bob@shop.test"}, nil)
	e.ok(e.owner, "get_agent", map[string]any{"id": "bob@shop.test"}, &bob)
	if !bob.Suspended {
		t.Error("suspend_agent: not suspended")
	}
	if got := e.login(e.srv.License, "bob@shop.test", "new-password"); got == http.StatusOK {
		t.Error("a suspended agent logged in")
	}
	e.ok(e.owner, "unsuspend_agent", map[string]any{"id": "bob@shop.test"}, nil)
	if got := e.login(e.srv.License, "bob@shop.test", "new-password"); got != http.StatusOK {
		t.Errorf("login after unsuspend_agent = %d", got)
	}

	bobToken := e.srv.AgentToken(t, "bob@shop.test")
	e.ok(e.owner, "delete_agent", map[string]any{"id": "bob@shop.test"}, nil)
	e.fails(e.owner, "get_agent", map[string]any{"id": "bob@shop.test"}, 404, "not_found")
	e.fails(e.owner, "delete_agent", map[string]any{"id": "bob@shop.test"}, 404, "not_found")
	if _, err := e.srv.Store().Agent(context.Background(), e.srv.License, "bob@shop.test"); err == nil {
		t.Error("delete_agent left the agent in the store")
	}
	// Created again, the agent's tokens from before stay revoked.
	e.ok(e.owner, "create_agent", map[string]any{"id": "bob@shop.test", "name": "Bob", "role": "administrator"}, nil)
	e.fails(bobToken, "list_agents", nil, 401, "authentication")
}

func TestGroups(t *testing.T) {
	e := newEnv(t)
	var gid struct{ ID int }
	e.ok(e.admin, "create_group", map[string]any{"name": "Billing", "agent_priorities": map[string]string{normal: "normal"}}, &gid)
	if gid.ID != 1 {
		t.Errorf("create_group id = %d, want 1 (after group 0)", gid.ID)
	}
	var ann agentOut
	e.ok(e.admin, "get_agent", map[string]any{"id": normal}, &ann)
	if !slices.Equal(ann.groupIDs(), []int{0, 1}) {
		t.Errorf("agent_priorities of create_group: the agent's groups are %v, want [0 1]", ann.groupIDs())
	}
	var g groupOut
	e.ok(e.admin, "get_group", map[string]any{"id": gid.ID}, &g)
	if g.ID != 1 || g.Name != "Billing" || len(g.AgentPriorities) != 1 || g.AgentPriorities[normal] != "normal" {
		t.Errorf("get_group = %+v", g)
	}
	var list []groupOut
	e.ok(e.admin, "list_groups", nil, &list)
	if len(list) != 2 || list[0].ID != 0 || list[1].ID != 1 || list[0].AgentPriorities[normal] != "normal" {
		t.Errorf("list_groups = %+v", list)
	}

	msg := e.fails(e.admin, "delete_group", map[string]any{"id": gid.ID}, 400, "validation")
	if !strings.Contains(msg, normal) {
		t.Errorf("delete_group of a group with agents: %q does not name them", msg)
	}
	e.fails(e.admin, "delete_group", map[string]any{"id": 0}, 400, "validation")

	e.ok(e.admin, "update_group", map[string]any{"id": gid.ID, "name": "Invoices", "agent_priorities": map[string]string{}}, nil)
	g = groupOut{} // Unmarshal would merge into the map
	e.ok(e.admin, "get_group", map[string]any{"id": gid.ID}, &g)
	if g.Name != "Invoices" || len(g.AgentPriorities) != 0 {
		t.Errorf("after update_group: %+v", g)
	}
	e.ok(e.admin, "get_agent", map[string]any{"id": normal}, &ann)
	if !slices.Equal(ann.groupIDs(), []int{0}) {
		t.Errorf("after update_group: the agent's groups are %v, want [0]", ann.groupIDs())
	}
	e.ok(e.admin, "delete_group", map[string]any{"id": gid.ID}, nil)
	e.fails(e.admin, "get_group", map[string]any{"id": gid.ID}, 404, "not_found")
	e.fails(e.admin, "delete_group", map[string]any{"id": gid.ID}, 404, "not_found")
}

// TestGroupGreeting sets, keeps, refuses and clears a group's greeting.
func TestGroupGreeting(t *testing.T) {
	e := newEnv(t)
	var gid struct{ ID int }
	hello := "Hallo 👋 — Fragen zur Rechnung?\nWir helfen."
	e.ok(e.admin, "create_group", map[string]any{"name": "Billing", "greeting": "  " + hello + " "}, &gid)
	get := func() groupOut {
		var g groupOut
		e.ok(e.admin, "get_group", map[string]any{"id": gid.ID}, &g)
		return g
	}
	if g := get(); g.Greeting != hello {
		t.Errorf("greeting after create_group = %q, want %q", g.Greeting, hello)
	}
	e.ok(e.admin, "update_group", map[string]any{"id": gid.ID, "name": "Invoices"}, nil)
	if g := get(); g.Greeting != hello || g.Name != "Invoices" {
		t.Errorf("a rename changed the greeting: %+v", g)
	}
	for _, bad := range []string{strings.Repeat("é", 501), "a\u0000b"} {
		e.fails(e.admin, "update_group", map[string]any{"id": gid.ID, "greeting": bad}, 400, "validation")
	}
	e.ok(e.admin, "update_group", map[string]any{"id": gid.ID, "greeting": strings.Repeat("é", 500)}, nil)
	e.ok(e.admin, "update_group", map[string]any{"id": 0, "greeting": "Welcome"}, nil)
	e.ok(e.admin, "update_group", map[string]any{"id": gid.ID, "greeting": ""}, nil)
	var list []groupOut
	e.ok(e.admin, "list_groups", nil, &list)
	if len(list) != 2 || list[0].Greeting != "Welcome" || list[1].Greeting != "" || list[1].Name != "Invoices" {
		t.Errorf("list_groups = %+v", list)
	}
}

func TestClientsAndLicense(t *testing.T) {
	e := newEnv(t)
	var created struct{ ID string }
	e.ok(e.owner, "create_client", map[string]any{"origins": []string{"https://Shop.test"}, "redirect_uris": []string{"https://shop.test/chat/"}}, &created)
	if len(created.ID) != 32 {
		t.Errorf("create_client id = %q", created.ID)
	}
	type clientOut struct {
		ID           string   `json:"id"`
		Origins      []string `json:"origins"`
		RedirectURIs []string `json:"redirect_uris"`
	}
	find := func() *clientOut {
		var list []clientOut
		e.ok(e.owner, "list_clients", nil, &list)
		for _, c := range list {
			if c.ID == client7 {
				t.Errorf("list_clients shows license 7's client")
			}
		}
		for _, c := range list {
			if c.ID == created.ID {
				return &c
			}
		}
		return nil
	}
	c := find()
	if c == nil || !slices.Equal(c.Origins, []string{"https://shop.test"}) || !slices.Equal(c.RedirectURIs, []string{"https://shop.test/chat/"}) {
		t.Fatalf("list_clients: created client = %+v", c)
	}
	msg := e.fails(e.owner, "update_client", map[string]any{"id": created.ID, "origins": []string{"https://app.test"}}, 400, "validation")
	if !strings.Contains(msg, "not among the client's origins") {
		t.Errorf("update_client leaving a redirect URI without its origin: %q", msg)
	}
	e.ok(e.owner, "update_client", map[string]any{"id": created.ID, "origins": []string{"https://app.test"}, "redirect_uris": []string{}}, nil)
	if c = find(); c == nil || !slices.Equal(c.Origins, []string{"https://app.test"}) || len(c.RedirectURIs) != 0 {
		t.Errorf("after update_client: %+v", c)
	}
	e.ok(e.owner, "delete_client", map[string]any{"id": created.ID}, nil)
	if find() != nil {
		t.Error("delete_client: the client is still listed")
	}
	e.fails(e.owner, "delete_client", map[string]any{"id": created.ID}, 404, "not_found")

	var l struct {
		ID             int    `json:"id"`
		Name           string `json:"name"`
		OrganizationID string `json:"organization_id"`
	}
	e.ok(e.admin, "get_license", nil, &l)
	if l.ID != e.srv.License || l.Name != "Demo" || l.OrganizationID != e.srv.OrganizationID {
		t.Errorf("get_license = %+v", l)
	}
	e.fails(e.admin, "update_license", map[string]any{"name": "Shop"}, 403, "authorization")
	e.ok(e.owner, "update_license", map[string]any{"name": "Shop"}, nil)
	e.ok(e.admin, "get_license", nil, &l)
	if l.Name != "Shop" || l.OrganizationID != e.srv.OrganizationID {
		t.Errorf("after update_license: %+v", l)
	}
}

// TestAuthorization: the caller must be a manager of the license, and only
// an owner may act on managers or make them.
func TestAuthorization(t *testing.T) {
	e := newEnv(t)
	e.fails("", "list_agents", nil, 401, "authentication")
	e.fails("not-a-token", "list_agents", nil, 401, "authentication")
	e.fails(e.srv.CustomerToken(t, "some-customer"), "list_agents", nil, 401, "authentication")
	status, _ := e.post(e.owner, "/v3.0/configuration/action/list_agents?license_id=7", nil)
	if status != http.StatusUnauthorized {
		t.Errorf("a token of license 123 for license_id=7: %d, want 401", status)
	}
	e.fails(e.owner, "no_such_action", nil, 404, "not_found")

	for _, c := range []struct {
		action string
		body   any
	}{
		{"list_agents", nil},
		{"get_agent", map[string]any{"id": normal}},
		{"create_agent", map[string]any{"id": "x@shop.test", "name": "X"}},
		{"update_agent", map[string]any{"id": normal, "name": "Me"}},
		{"set_agent_password", map[string]any{"id": normal, "password": "p"}},
		{"suspend_agent", map[string]any{"id": admin}},
		{"delete_agent", map[string]any{"id": admin}},
		{"list_groups", nil},
		{"create_group", map[string]any{"name": "G"}},
		{"delete_group", map[string]any{"id": 0}},
		{"list_clients", nil},
		{"create_client", map[string]any{}},
		{"get_license", nil},
	} {
		e.fails(e.norm, c.action, c.body, 403, "authorization")
	}
	if _, err := e.srv.Store().Agent(context.Background(), e.srv.License, "x@shop.test"); err == nil {
		t.Error("a normal agent's create_agent was stored")
	}

	// An administrator manages normal agents, not managers.
	e.ok(e.admin, "create_agent", map[string]any{"id": "n@shop.test", "name": "N"}, nil)
	e.ok(e.admin, "suspend_agent", map[string]any{"id": "n@shop.test"}, nil)
	e.fails(e.admin, "create_agent", map[string]any{"id": "a2@shop.test", "name": "A", "role": "administrator"}, 403, "authorization")
	e.fails(e.admin, "create_agent", map[string]any{"id": "o2@shop.test", "name": "O", "role": "owner"}, 403, "authorization")
	e.fails(e.admin, "update_agent", map[string]any{"id": normal, "role": "viceowner"}, 403, "authorization")
	e.fails(e.admin, "update_agent", map[string]any{"id": e.srv.AgentEmail, "name": "Mallory"}, 403, "authorization")
	e.fails(e.admin, "set_agent_password", map[string]any{"id": e.srv.AgentEmail, "password": "mine-now"}, 403, "authorization")
	e.fails(e.admin, "suspend_agent", map[string]any{"id": e.srv.AgentEmail}, 403, "authorization")
	e.fails(e.admin, "delete_agent", map[string]any{"id": e.srv.AgentEmail}, 403, "authorization")
	e.fails(e.admin, "update_group", map[string]any{"id": 0, "agent_priorities": map[string]string{normal: "normal"}}, 403, "authorization")
	// An administrator changes its own fields, not its role.
	e.ok(e.admin, "update_agent", map[string]any{"id": admin, "job_title": "Lead"}, nil)
	e.ok(e.admin, "set_agent_password", map[string]any{"id": admin, "password": "my-own-password"}, nil)
	e.fails(e.admin, "update_agent", map[string]any{"id": admin, "role": "owner"}, 400, "validation")
	// An owner may.
	e.ok(e.owner, "create_agent", map[string]any{"id": "a2@shop.test", "name": "A", "role": "administrator"}, nil)
	e.ok(e.owner, "update_agent", map[string]any{"id": normal, "role": "viceowner"}, nil)
	// Nobody suspends, deletes or demotes itself.
	e.fails(e.owner, "suspend_agent", map[string]any{"id": e.srv.AgentEmail}, 400, "validation")
	e.fails(e.owner, "delete_agent", map[string]any{"id": e.srv.AgentEmail}, 400, "validation")
	e.fails(e.owner, "update_agent", map[string]any{"id": e.srv.AgentEmail, "role": "normal"}, 400, "validation")
}

// TestOtherLicense: license 7's agents, groups and clients do not exist
// for license 123's owner.
func TestOtherLicense(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		action string
		body   any
	}{
		{"get_agent", map[string]any{"id": owner7}},
		{"update_agent", map[string]any{"id": owner7, "name": "X"}},
		{"set_agent_password", map[string]any{"id": owner7, "password": "taken-over"}},
		{"suspend_agent", map[string]any{"id": owner7}},
		{"delete_agent", map[string]any{"id": owner7}},
		{"get_group", map[string]any{"id": 5}},
		{"update_group", map[string]any{"id": 5, "name": "X"}},
		{"delete_group", map[string]any{"id": 5}},
		{"update_client", map[string]any{"id": client7, "origins": []string{"https://evil.test"}}},
		{"delete_client", map[string]any{"id": client7}},
	} {
		e.fails(e.owner, c.action, c.body, 404, "not_found")
	}
	e.fails(e.owner, "create_agent", map[string]any{"id": "z@shop.test", "name": "Z", "groups": []map[string]any{{"id": 5}}}, 400, "validation")
	e.fails(e.owner, "create_group", map[string]any{"name": "G", "agent_priorities": map[string]string{owner7: "normal"}}, 400, "validation")

	var agents []agentOut
	e.ok(e.owner, "list_agents", nil, &agents)
	for _, a := range agents {
		if a.ID == owner7 {
			t.Error("list_agents shows license 7's agent")
		}
	}
	var groups []groupOut
	e.ok(e.owner, "list_groups", nil, &groups)
	for _, g := range groups {
		if g.ID == 5 {
			t.Error("list_groups shows license 7's group")
		}
	}
	// License 7 is untouched.
	ctx, st := context.Background(), e.srv.Store()
	a7, err := st.Agent(ctx, 7, owner7)
	if err != nil || a7.Name != "Olga" || a7.Disabled {
		t.Errorf("license 7's agent = %+v, %v", a7, err)
	}
	if c7, err := st.Client(ctx, client7); err != nil || !slices.Equal(c7.RedirectOrigins, []string{"https://other.test"}) {
		t.Errorf("license 7's client = %+v, %v", c7, err)
	}
	// And its owner sees its own license only.
	var l struct {
		ID int `json:"id"`
	}
	tok7, err := e.srv.IssueAgentToken(7, owner7)
	if err != nil {
		t.Fatal(err)
	}
	e.ok(tok7, "get_license", nil, &l)
	if l.ID != 7 {
		t.Errorf("license 7's get_license = %d", l.ID)
	}
}

func TestValidation(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		action string
		body   any
		want   string // in the message
	}{
		{"create_agent", map[string]any{"id": "not-an-email", "name": "X"}, "e-mail"},
		{"create_agent", map[string]any{"id": "x@shop.test"}, "name"},
		{"create_agent", map[string]any{"id": "x@shop.test", "name": "  "}, "name"},
		{"create_agent", map[string]any{"id": "x@shop.test", "name": "X", "role": "god"}, "role"},
		{"create_agent", map[string]any{"id": "x@shop.test", "name": "X", "max_chats_count": 0}, "max_chats_count"},
		{"create_agent", map[string]any{"id": "x@shop.test", "name": "X", "max_chats_count": "six"}, "max_chats_count"},
		{"create_agent", map[string]any{"id": "x@shop.test", "name": "X", "groups": []map[string]any{{"id": 9}}}, "group 9"},
		{"create_agent", map[string]any{"id": "x@shop.test", "name": "X", "groups": []map[string]any{{"id": 0, "priority": "supervisor"}}}, "priority"},
		{"create_agent", map[string]any{"id": "x@shop.test", "name": "X", "password": strings.Repeat("p", 73)}, "password"},
		{"create_agent", "a string", "JSON object"},
		{"get_agent", map[string]any{}, "id"},
		{"set_agent_password", map[string]any{"id": normal, "password": ""}, "password"},
		{"create_group", map[string]any{}, "name"},
		{"create_group", map[string]any{"name": "G", "agent_priorities": map[string]string{"nobody@shop.test": "normal"}}, "nobody@shop.test"},
		{"update_group", map[string]any{"name": "G"}, "id"},
		{"create_client", map[string]any{"origins": []string{"https://shop.test/path"}}, "not an origin"},
		{"create_client", map[string]any{"origins": []string{"https://shop.test"}, "redirect_uris": []string{"https://evil.test/"}}, "not among"},
		{"create_client", map[string]any{"id": "chosen"}, "id"},
		{"update_license", map[string]any{"name": ""}, "name"},
	} {
		msg := e.fails(e.owner, c.action, c.body, 400, "validation")
		if !strings.Contains(msg, c.want) {
			t.Errorf("%s %v: message %q does not mention %q", c.action, c.body, msg, c.want)
		}
	}
	if _, err := e.srv.Store().Agent(context.Background(), e.srv.License, "x@shop.test"); err == nil {
		t.Error("an invalid create_agent was stored")
	}
	var groups []groupOut
	e.ok(e.owner, "list_groups", nil, &groups)
	if len(groups) != 1 {
		t.Errorf("invalid create_group calls stored groups: %+v", groups)
	}
}

// rtmAgent is an agent's RTM connection, logged in.
type rtmAgent struct {
	t   *testing.T
	ctx context.Context
	ws  *websocket.Conn
}

type frame struct {
	Action  string          `json:"action"`
	Type    string          `json:"type"`
	Success *bool           `json:"success"`
	Payload json.RawMessage `json:"payload"`
}

// connect opens an agent RTM connection and logs in with token.
func (e *env) connect(token string) *rtmAgent {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	e.t.Cleanup(cancel)
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.srv.URL, "http")+"/v3.0/agent/rtm/ws", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = ws.CloseNow() })
	c := &rtmAgent{t: e.t, ctx: ctx, ws: ws}
	login, _ := json.Marshal(map[string]any{"request_id": "1", "action": "login", "payload": map[string]any{"token": "Bearer " + token}})
	if err := ws.Write(ctx, websocket.MessageText, login); err != nil {
		e.t.Fatal(err)
	}
	for {
		f, err := c.read()
		if err != nil {
			e.t.Fatalf("waiting for the login answer: %v", err)
		}
		if f.Action == "login" && f.Type == "response" {
			if f.Success == nil || !*f.Success {
				e.t.Fatalf("login: %s", f.Payload)
			}
			return c
		}
	}
}

func (c *rtmAgent) read() (frame, error) {
	_, b, err := c.ws.Read(c.ctx)
	var f frame
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	return f, err
}

// waitRevoked reads until the connection closes, and checks it was told
// its token was revoked and closed with 1008.
func (c *rtmAgent) waitRevoked() {
	c.t.Helper()
	var reason string
	for {
		f, err := c.read()
		if err != nil {
			if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				c.t.Fatalf("connection ended with %v, want close 1008", err)
			}
			break
		}
		if f.Action == "agent_disconnected" {
			var p struct {
				Reason string `json:"reason"`
			}
			_ = json.Unmarshal(f.Payload, &p)
			reason = p.Reason
		}
	}
	if reason != "access_token_revoked" {
		c.t.Errorf("agent_disconnected reason = %q, want access_token_revoked", reason)
	}
}

// The periodic revocation check is an hour in these tests: only the
// Configuration API's own revocation can close the connections in time.
func slowRevocationCheck(c *server.Config) { c.TokenRevocationCheck = time.Hour }

// TestSuspendEndsSession: suspend_agent closes the agent's RTM connection
// (agent_disconnected, access_token_revoked) without waiting for the
// periodic revocation check, and its token is refused from then on, also
// after unsuspend_agent, which lets it log in again.
func TestSuspendEndsSession(t *testing.T) {
	e := newEnv(t, slowRevocationCheck)
	c := e.connect(e.norm)
	e.ok(e.admin, "suspend_agent", map[string]any{"id": normal}, nil)
	c.waitRevoked()
	e.fails(e.norm, "list_agents", nil, 401, "authentication")
	if got := e.login(e.srv.License, normal, "secret-password"); got == http.StatusOK {
		t.Error("the suspended agent logged in")
	}
	e.ok(e.admin, "unsuspend_agent", map[string]any{"id": normal}, nil)
	if got := e.login(e.srv.License, normal, "secret-password"); got != http.StatusOK {
		t.Errorf("login after unsuspend_agent = %d", got)
	}
	e.fails(e.norm, "list_agents", nil, 401, "authentication")
}

// TestDeleteEndsSession: delete_agent closes the agent's connections too.
func TestDeleteEndsSession(t *testing.T) {
	e := newEnv(t, slowRevocationCheck)
	c := e.connect(e.admin)
	e.ok(e.owner, "delete_agent", map[string]any{"id": admin}, nil)
	c.waitRevoked()
	if got := e.login(e.srv.License, admin, "secret-password"); got == http.StatusOK {
		t.Error("the deleted agent logged in")
	}
}

// TestBodyTooLarge: a body over MaxBodyBytes is refused before it is read
// whole.
func TestBodyTooLarge(t *testing.T) {
	e := newEnv(t)
	e.fails(e.owner, "create_agent", map[string]any{"id": "big@shop.test", "name": strings.Repeat("n", 70<<10)}, 413, "entity_too_large")
	if _, err := e.srv.Store().Agent(context.Background(), e.srv.License, "big@shop.test"); err == nil {
		t.Error("an agent of a body too large was stored")
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}
