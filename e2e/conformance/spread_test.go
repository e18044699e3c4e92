package conformance

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// kind is what a request for Parley is, as the front spreads them.
type kind int

const (
	customerRTM kind = iota // a customer's WebSocket (SockJS or plain)
	agentRTM                // an agent's WebSocket
	upload                  // POST …/action/send_file (v3.0) or …/action/upload_file (v3.5)
	download                // GET /files/…
	plainHTTP               // every other request: token, iframe, SockJS /info, preflights, web API
	numKinds
)

func (k kind) String() string {
	return [...]string{"customer RTM connection", "agent RTM connection", "upload", "download", "HTTP request"}[k]
}

func (k kind) rtm() bool { return k == customerRTM || k == agentRTM }

// firstNode is the node each kind of request starts at; from there each
// kind goes round-robin over the nodes on its own. On two nodes the agent
// connects first, then the scenario's SDK instances, then it uploads and
// the harness downloads; so:
//
//   - the first SDK instance's connection is on node 0, the second
//     instance's on node 1: what one instance does reaches the other
//     across the nodes;
//   - the agent is on node 1, another node than the first instance;
//   - the first upload is on node 1, another node than the uploader's
//     connection, and its download on node 0, another node than the one
//     that stored it;
//   - token, iframe, SockJS /info and the other requests alternate.
var firstNode = [numKinds]int{agentRTM: 1, upload: 1}

// placement is where the front sent one request.
type placement struct {
	kind kind
	seq  int // 1 for the first request of its kind
	node int
	what string // method and path
}

func (p placement) String() string {
	return fmt.Sprintf("%s #%d (%s)", p.kind, p.seq, p.what)
}

// spread sends each request for Parley to one node of the backend, by the
// rules of firstNode, and remembers where each went. No request needs to
// stick to a node: every frame of a WebSocket stays on the node that
// upgraded it, and Parley's SockJS offers no transport but the WebSocket.
type spread struct {
	nodes []node

	mu     sync.Mutex
	seq    [numKinds]int
	placed []placement
}

func newSpread(nodes []node) *spread { return &spread{nodes: nodes} }

// kindOf tells what a request is.
func kindOf(r *http.Request) kind {
	switch {
	case strings.EqualFold(r.Header.Get("Upgrade"), "websocket"):
		if strings.Contains(r.URL.Path, "/agent/") {
			return agentRTM
		}
		return customerRTM
	case r.Method == http.MethodPost && (strings.HasSuffix(r.URL.Path, "/action/send_file") || strings.HasSuffix(r.URL.Path, "/action/upload_file")):
		return upload
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/files/"):
		return download
	}
	return plainHTTP
}

// pick chooses the node of r and records it.
func (s *spread) pick(r *http.Request) (node, placement) {
	k := kindOf(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	p := placement{kind: k, seq: s.seq[k] + 1, node: (firstNode[k] + s.seq[k]) % len(s.nodes), what: r.Method + " " + r.URL.Path}
	s.seq[k]++
	s.placed = append(s.placed, p)
	return s.nodes[p.node], p
}

// placements returns where every request went, in order.
func (s *spread) placements() []placement {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.placed)
}

// checkSpread fails the test for each of the spread's problems, after
// logging where the RTM connections, uploads and downloads went and the
// counts per node.
func checkSpread(t *testing.T, s *spread) {
	report, problems := s.check()
	for _, line := range report {
		t.Log(line)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// check returns where the RTM connections, uploads and downloads went and
// the counts per node (report), and what contradicts the spread (problems):
// a node that served no RTM connection or no HTTP request, and on several
// nodes, requests the rules of firstNode put apart that were on one node.
// So a run cannot silently use one node.
func (s *spread) check() (report, problems []string) {
	placed := s.placements()
	rtm := make([]int, len(s.nodes))
	http := make([]int, len(s.nodes))
	first := map[kind]placement{}
	customerNodes := map[int]bool{}
	for _, p := range placed {
		if p.kind.rtm() {
			rtm[p.node]++
		} else {
			http[p.node]++
		}
		if _, ok := first[p.kind]; !ok {
			first[p.kind] = p
		}
		if p.kind == customerRTM {
			customerNodes[p.node] = true
		}
		if p.kind != plainHTTP {
			report = append(report, fmt.Sprintf("%s → %s", p, s.nodes[p.node].name))
		}
	}
	for i, n := range s.nodes {
		report = append(report, fmt.Sprintf("%s served %d RTM connections and %d HTTP requests", n.name, rtm[i], http[i]))
		if rtm[i] == 0 {
			problems = append(problems, n.name+" served no RTM connection")
		}
		if http[i] == 0 {
			problems = append(problems, n.name+" served no HTTP request")
		}
	}
	if len(s.nodes) < 2 {
		return report, problems
	}
	for _, k := range []kind{customerRTM, agentRTM, upload, download} {
		if _, ok := first[k]; !ok {
			problems = append(problems, fmt.Sprintf("no %s reached the backend", k))
		}
	}
	if len(customerNodes) < 2 {
		problems = append(problems, "every customer RTM connection was on one node: the SDK instances' pushes never crossed nodes")
	}
	for _, pair := range [][2]kind{{customerRTM, agentRTM}, {customerRTM, upload}, {upload, download}} {
		pa, oka := first[pair[0]]
		pb, okb := first[pair[1]]
		if oka && okb && pa.node == pb.node {
			problems = append(problems, fmt.Sprintf("the first %s and the first %s were both on %s; the spread meant them for different nodes",
				pair[0], pair[1], s.nodes[pa.node].name))
		}
	}
	return report, problems
}
