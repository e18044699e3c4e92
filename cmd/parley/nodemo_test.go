package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/customer"
)

// TestServeWithoutDemo runs the README's "Without the demo tenant"
// sequence with the built binary: license, group, client and agent made
// by the CLI, then `parley serve --no-demo`. A customer of a listed site
// (package customer, with the new client id) chats with the agent
// (package agent); another site gets no token. `parley agent disable`, run
// while the server does, ends the agent's session and its password stops
// working.
func TestServeWithoutDemo(t *testing.T) {
	bin := buildParley(t)
	dir := t.TempDir()
	cli := func(input string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append(args, "--data-dir", dir)...)
		cmd.Stdin = strings.NewReader(input)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("parley %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		return string(out)
	}
	cli("", "license", "add", "--id", "7", "--name", "Shop")
	cli("", "group", "add", "--license", "7", "--id", "1", "--name", "Sales")
	clientID := strings.TrimSpace(cli("", "client", "add", "--license", "7", "--origins", "https://shop.example"))
	cli("s3cret-pw\n", "agent", "add", "--license", "7", "--email", "ann@shop.example", "--name", "Ann",
		"--groups", "1", "--password-stdin")

	addr := freeAddr(t)
	startParley(t, bin, dir, addr, "--no-demo")
	base := "http://" + addr

	// The agent, online before the customer asks.
	ag, err := agent.New(agent.Config{Server: base, License: 7, Email: "ann@shop.example", Password: "s3cret-pw", ManualConnect: true,
		ReconnectDelay: func(int) time.Duration { return 100 * time.Millisecond }})
	if err != nil {
		t.Fatal(err)
	}
	defer ag.Close()
	incoming := make(chan agent.IncomingChat, 8)
	agent.On(ag, func(n agent.IncomingChat) { incoming <- n })
	var (
		mu      sync.Mutex
		reasons []string
	)
	agent.On(ag, func(n agent.AgentDisconnected) {
		mu.Lock()
		defer mu.Unlock()
		reasons = append(reasons, n.Reason)
	})
	connected := make(chan agent.Connected, 1)
	agent.On(ag, func(c agent.Connected) { connected <- c })
	if err := ag.Connect(); err != nil {
		t.Fatal(err)
	}
	waitOne(t, connected, "the agent connected")

	// A customer on the listed site, in group 1.
	sdk, err := customer.Init(customer.Config{License: 7, ClientID: clientID, Server: base, Group: 1,
		RedirectURI: "https://shop.example/", Identity: customer.MemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	defer sdk.Destroy()
	answers := make(chan string, 8)
	customer.On(sdk, func(e customer.NewEvent) {
		if e.Event.Type == customer.EventMessage && e.Event.Author == "ann@shop.example" {
			answers <- e.Event.Text
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ch, err := sdk.StartChat(ctx, customer.StartChatRequest{Events: []customer.Event{{Type: customer.EventMessage, Text: "Hello?"}}})
	if err != nil {
		t.Fatal(err)
	}
	in := waitOne(t, incoming, "the chat routed to the agent")
	if in.Chat.ID != ch.ID {
		t.Fatalf("the agent got chat %s, want %s", in.Chat.ID, ch.ID)
	}
	if _, err := ag.SendEvent(ctx, ch.ID, agent.Event{Type: agent.EventMessage, Text: "Hi, Ann here."}); err != nil {
		t.Fatal(err)
	}
	if got := waitOne(t, answers, "the agent's answer at the customer"); got != "Hi, Ann here." {
		t.Errorf("the customer got %q", got)
	}

	// The agent console suggests no license: there is no demo one.
	cfgResp, err := http.Get(base + "/agent/config.json")
	if err != nil {
		t.Fatal(err)
	}
	cfgBody, _ := io.ReadAll(cfgResp.Body)
	cfgResp.Body.Close()
	if strings.Contains(string(cfgBody), "license") {
		t.Errorf("/agent/config.json without the demo: %s", cfgBody)
	}

	// Another site gets no token of this client.
	body, _ := json.Marshal(map[string]any{"response_type": "token", "grant_type": "cookie", "client_id": clientID, "license_id": 7})
	req, _ := http.NewRequest(http.MethodPost, base+"/customer/token", bytes.NewReader(body))
	req.Header.Set("Origin", "https://evil.example")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a token for another site: %s, want 403", resp.Status)
	}

	// parley agent disable, while the server runs.
	cli("", "agent", "disable", "--license", "7", "--email", "ann@shop.example")
	waitUntil(t, "the disabled agent's session ended (access_token_revoked)", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(reasons, "access_token_revoked")
	})
	login, _ := json.Marshal(map[string]any{"license_id": 7, "email": "ann@shop.example", "password": "s3cret-pw"})
	resp, err = http.Post(base+"/v3.0/agent/login", "application/json", bytes.NewReader(login))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("login of the disabled agent: %s, want 401", resp.Status)
	}
}
