package conformance

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// The scenario's requests for Parley, in the order they come: the agent
// connects before the page loads; each SDK instance asks SockJS /info, then
// opens its WebSocket; the first gets its token through the iframe; uploads
// are preceded by a CORS preflight; the harness downloads the first file.
var scenarioRequests = []struct{ method, path string }{
	{"GET", "/v3.0/agent/rtm/ws"},
	{"GET", "/v3.0/customer/rtm/sjs/info"},
	{"GET", "/v3.0/customer/rtm/sjs/1/a/websocket"},
	{"GET", "/customer"},
	{"GET", "/v3.0/customer/rtm/sjs/info"},
	{"GET", "/v3.0/customer/rtm/sjs/2/b/websocket"},
	{"OPTIONS", "/v3.0/customer/action/send_file"},
	{"POST", "/v3.0/customer/action/send_file"},
	{"GET", "/files/123/x/hello.txt"},
	{"POST", "/v3.0/customer/action/send_file"},
}

func sendScenario(s *spread) []string {
	var got []string
	for _, rq := range scenarioRequests {
		r := httptest.NewRequest(rq.method, "https://"+apiHost+rq.path, nil)
		if strings.HasSuffix(rq.path, "/ws") || strings.HasSuffix(rq.path, "/websocket") {
			r.Header.Set("Upgrade", "websocket")
		}
		n, _ := s.pick(r)
		got = append(got, n.name)
	}
	return got
}

// TestSpreadRules: on two nodes the scenario's requests land where
// firstNode says, which check accepts; every request on one node of two, or
// the agent, the uploads and the download on the node of the first customer
// connection, are problems check reports, so requests_spread_over_nodes
// cannot pass on a run that used one node.
func TestSpreadRules(t *testing.T) {
	two := []node{{name: "node-a", handler: http.NotFoundHandler()}, {name: "node-b", handler: http.NotFoundHandler()}}

	s := newSpread(two)
	got := sendScenario(s)
	want := []string{"node-b", "node-a", "node-a", "node-b", "node-a", "node-b", "node-b", "node-b", "node-a", "node-a"}
	if !slices.Equal(got, want) {
		t.Errorf("nodes of the scenario's requests:\n got %v\nwant %v", got, want)
	}
	if report, problems := s.check(); len(problems) > 0 {
		t.Errorf("check of the spread scenario: %v\n%s", problems, strings.Join(report, "\n"))
	}

	// Every request on node-a.
	one := newSpread(two)
	for _, p := range s.placements() {
		p.node = 0
		one.placed = append(one.placed, p)
	}
	_, problems := one.check()
	for _, want := range []string{"node-b served no RTM connection", "node-b served no HTTP request",
		"every customer RTM connection was on one node"} {
		if !slices.ContainsFunc(problems, func(p string) bool { return strings.HasPrefix(p, want) }) {
			t.Errorf("all on node-a: problems %q lack %q", problems, want)
		}
	}

	// Both nodes busy, but the agent, the uploads and the downloads with
	// the first customer connection.
	same := newSpread(two)
	for _, p := range s.placements() {
		if p.kind != customerRTM && p.kind != plainHTTP {
			p.node = 0
		}
		same.placed = append(same.placed, p)
	}
	_, problems = same.check()
	if len(problems) != 3 {
		t.Errorf("agent, uploads, downloads on node-a: want 3 problems (customer/agent, customer/upload, upload/download), got %q", problems)
	}

	// One node: no cross-node rules, but it must serve both kinds.
	single := newSpread(two[:1])
	sendScenario(single)
	if _, problems := single.check(); len(problems) > 0 {
		t.Errorf("one node: %v", problems)
	}
	if _, problems := newSpread(two[:1]).check(); len(problems) != 2 {
		t.Errorf("one node that served nothing: want 2 problems, got %q", problems)
	}
}

// TestKindOf: the requests of both dialects are told apart alike, so the
// v3.5 scenario is spread by the same rules as the v3.0 one.
func TestKindOf(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		upgrade      bool
		want         kind
	}{
		{"GET", "/v3.0/customer/rtm/sjs/1/a/websocket", true, customerRTM},
		{"GET", "/v3.5/customer/rtm/ws?organization_id=x", true, customerRTM},
		{"GET", "/v3.0/agent/rtm/ws", true, agentRTM},
		{"POST", "/v3.0/customer/action/send_file?license_id=123", false, upload},
		{"POST", "/v3.5/customer/action/upload_file?organization_id=x", false, upload},
		{"OPTIONS", "/v3.5/customer/action/upload_file?organization_id=x", false, plainHTTP},
		{"GET", "/files/123/x/hello.txt", false, download},
		{"POST", "/v2/customer/token", false, plainHTTP},
		{"POST", "/v3.5/customer/action/list_chats?organization_id=x", false, plainHTTP},
	} {
		r := httptest.NewRequest(tc.method, "https://"+apiHost+tc.path, nil)
		if tc.upgrade {
			r.Header.Set("Upgrade", "websocket")
		}
		if got := kindOf(r); got != tc.want {
			t.Errorf("%s %s: %s, want %s", tc.method, tc.path, got, tc.want)
		}
	}
}
