package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/parleychat/parley/agent"
	"github.com/parleychat/parley/internal/clustertest"
	"github.com/parleychat/parley/server/store/postgres"
)

// demoAgent is the agent every node makes, with the password startParley
// gives it.
const (
	demoAgent         = "agent@parley.local"
	demoAgentPassword = "durability"
)

// cluster is `parley serve` nodes on one fresh PostgreSQL database and one
// NATS server, under a subject prefix of their own.
type cluster struct {
	t       *testing.T
	db      string
	natsURL string // the test NATS server unless a test sets another before start
	prefix  string
	bin     string
	nodes   []*proc
	key     []byte // the token key the nodes share
}

// newCluster makes a cluster's database and NATS prefix, and builds the
// binary; start starts its nodes.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	cl := &cluster{t: t, db: clustertest.Database(t)}
	cl.natsURL, cl.prefix = clustertest.NATS(t)
	cl.bin = buildParley(t)
	return cl
}

// startCluster starts n nodes, node-1 to node-n, and returns once each
// answers.
func startCluster(t *testing.T, n int) *cluster {
	t.Helper()
	cl := newCluster(t)
	cl.start(n)
	return cl
}

// start starts n more nodes, with more flags if given, and returns once
// each answers.
func (cl *cluster) start(n int, flags ...string) {
	t := cl.t
	t.Helper()
	base := []string{"--database-url", cl.db, "--nats-url", cl.natsURL, "--nats-prefix", cl.prefix}
	for range n {
		name := fmt.Sprintf("node-%d", len(cl.nodes)+1)
		args := append(append(append([]string{}, base...), flags...), "--node-name", name)
		cl.nodes = append(cl.nodes, startParley(t, cl.bin, t.TempDir(), freeAddr(t), args...))
	}
	if cl.key != nil {
		return
	}
	ctx := context.Background()
	st, err := postgres.Open(ctx, cl.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if cl.key, err = st.Secret(ctx, secretTokenKey, 32); err != nil {
		t.Fatal(err)
	}
}

// addr returns the address of node i (from 0).
func (cl *cluster) addr(i int) string { return cl.nodes[i].addr }

// customerToken returns an access token of a customer, valid on every
// node.
func (cl *cluster) customerToken(customerID string) string {
	return signCustomerToken(cl.t, cl.key, customerID)
}

// addAgent adds an agent with a chat limit to the database with parley
// agent add while the nodes run, or sets the limit of the demo agent.
func (cl *cluster) addAgent(email string, maxChats int) {
	cl.t.Helper()
	args := []string{"agent", "add", "--database-url", cl.db, "--email", email, "--max-chats", fmt.Sprint(maxChats)}
	if email != demoAgent {
		args = append(args, "--name", strings.Split(email, "@")[0], "--password", "pw-"+email)
	}
	mustRun(cl.t, args...)
}

// agentPeer logs an agent in on node i: the demo agent, or one addAgent
// added.
func (cl *cluster) agentPeer(i int, email string) *peer {
	cl.t.Helper()
	password := "pw-" + email
	if email == demoAgent {
		password = demoAgentPassword
	}
	tok, err := agent.Login(context.Background(), "http://"+cl.addr(i), 123, email, password, nil)
	if err != nil {
		cl.t.Fatalf("login of %s on node %d: %v", email, i+1, err)
	}
	return mustDialPeer(cl.t, cl.addr(i), "agent", tok.AccessToken)
}

// errorLogs returns the error records the nodes logged so far.
func (cl *cluster) errorLogs() []string {
	var out []string
	for i, p := range cl.nodes {
		b, err := os.ReadFile(p.log)
		if err != nil {
			cl.t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "level=ERROR") {
				out = append(out, fmt.Sprintf("node-%d: %s", i+1, line))
			}
		}
	}
	return out
}
