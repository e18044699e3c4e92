package conformance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/parleychat/parley/e2e/internal/browsertest"
)

// Demo tenant the scenarios log into (see testdata/scenario.js and
// testdata/scenario35.js, which repeat the license, organization and client
// ids).
const (
	demoLicense        = 123
	demoOrganizationID = "5c0f5d1e-8a3b-4d9e-b7a2-3f6c1e0d9b4a"
	demoClientID       = "abc"
	demoAgentEmail     = "agent@parley.test"
	demoAgentPassword  = "secret"
	widgetOrigin       = "https://" + widgetHost
)

// scenarioTimeout bounds the whole browser run; each step in the scenario
// has its own, shorter timeout, so a hang names its step.
const scenarioTimeout = 5 * time.Minute

// TestConformance runs testdata/scenario.js, which drives the unmodified
// @livechat/customer-sdk 2.0.0-alpha.3 browser bundle (Customer Chat API
// v3.0) in headless Chromium against Parley, and turns each scenario step
// into a subtest.
func TestConformance(t *testing.T) { runConformance(t, sdk2, "", startParley) }

// TestConformanceCluster runs the same scenario against two Parley nodes on
// one PostgreSQL database and one NATS server, the front spreading the
// requests over both (see firstNode): the SDK's two instances, the agent,
// uploads and downloads are on different nodes, so every push the scenario
// waits for between them crosses the nodes through NATS.
func TestConformanceCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: needs PostgreSQL and NATS")
	}
	runConformance(t, sdk2, "-cluster", startCluster)
}

// TestConformance35 runs testdata/scenario35.js, which drives the unmodified
// @livechat/customer-sdk 4.0.2 browser bundle (Customer Chat API v3.5) in
// headless Chromium against Parley, as its README documents it; the agent
// stays on the v3.0 agent API, so one chat is seen from both dialects.
func TestConformance35(t *testing.T) { runConformance(t, sdk4, "-v35", startParley) }

// TestConformance35Cluster runs the v3.5 scenario on two nodes, spread as
// TestConformanceCluster's.
func TestConformance35Cluster(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: needs PostgreSQL and NATS")
	}
	runConformance(t, sdk4, "-v35-cluster", startCluster)
}

// runConformance runs the scenario of release rel against the backend start
// starts. The transcript file, if asked for, gets suffix before its
// extension.
func runConformance(t *testing.T, rel release, suffix string, start startFunc) {
	chromium := browsertest.Chromium(t, "The real customer SDK "+rel.version+" (conformance)")
	ensureNodeModules(t)
	checkSDKVersion(t, rel)

	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout+time.Minute)
	defer cancel()

	log := &transcript{}
	if path := os.Getenv("PARLEY_CONFORMANCE_TRANSCRIPT"); path != "" {
		ext := filepath.Ext(path)
		path = strings.TrimSuffix(path, ext) + suffix + ext
		t.Cleanup(func() {
			if err := log.writeFile(path); err != nil {
				t.Errorf("write transcript: %v", err)
			} else {
				t.Logf("transcript written to %s", path)
			}
		})
	}

	pki := newTestPKI(t, allowedHosts)
	be := start(t, ctx, log, rel)
	t.Logf("backend: %s", be)
	f := newFront(t, pki, be, log)

	a, err := dialAgent(ctx, f.client, "wss://"+apiHost+"/v3.0/agent/rtm/ws", be.agentToken, log)
	if err != nil {
		// The customer half still runs; agent-driven steps fail with this.
		t.Errorf("agent driver: %v", err)
	} else {
		f.agent = a
		// The scenario drives the agent by hand: it joins the chat itself
		// ("agent join → user_joined_chat"), so routing must not join it
		// first. The agent still hears of the chat while it is queued.
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if _, err := a.request(rctx, "set_routing_status", map[string]any{"status": "not_accepting_chats"}); err != nil {
			t.Errorf("agent driver: %v", err)
		}
		cancel()
	}

	b := startBrowser(t, ctx, chromium, f, pki, log)
	if err := chromedp.Do(b.ctx, chromedp.Navigate(widgetOrigin+rel.page)); err != nil {
		t.Fatalf("load %s%s: %v\n%s", widgetOrigin, rel.page, err, dump(log.all()))
	}

	// Wait for the plan, then for each result as it comes; a subtest per step.
	var plan []string
	select {
	case plan = <-f.plan:
	case <-time.After(30 * time.Second):
		t.Fatalf("the page never posted its plan (scenario did not start)\n%s", dump(log.all()))
	}
	deadline := time.NewTimer(scenarioTimeout)
	defer deadline.Stop()
	reported := map[string]bool{}
	finished := false
	for !finished {
		select {
		case res := <-f.results:
			reported[res.Name] = true
			report(t, res, log)
		case <-f.done:
			// Drain results posted before done.
			for len(f.results) > 0 {
				res := <-f.results
				reported[res.Name] = true
				report(t, res, log)
			}
			finished = true
		case <-deadline.C:
			t.Errorf("scenario did not finish within %s", scenarioTimeout)
			finished = true
		case <-b.ctx.Done():
			t.Errorf("the browser went away: %v", context.Cause(b.ctx))
			finished = true
		}
	}
	for _, name := range plan {
		if !reported[name] {
			t.Run(subtestName(name), func(t *testing.T) {
				t.Errorf("step %q never reported a result (the scenario stopped before it)", name)
			})
		}
	}

	t.Run("only_allowed_hosts_contacted", func(t *testing.T) {
		hosts := f.seenHosts()
		for h, n := range hosts {
			if !slices.Contains(allowedHosts, h) {
				t.Errorf("the browser or the agent driver contacted %q (%d requests); only %v are allowed", h, n, allowedHosts)
			}
		}
		for _, h := range []string{apiHost, accountsHost, widgetHost} {
			if hosts[h] == 0 {
				t.Errorf("no request reached %s; the host mapping is not in effect", h)
			}
		}
		t.Logf("requests per host: %v", hosts)
		// Chromium resolves no other name, so such requests never left the
		// machine; they are listed so that a client's attempts are known.
		for h, urls := range b.refusedHosts() {
			t.Logf("the page also tried %s, which the resolver rules refused (%d requests), first: %s", h, len(urls), clip(urls[0], 300))
		}
	})
	t.Run("requests_spread_over_nodes", func(t *testing.T) { checkSpread(t, f.spread) })
	t.Logf("conformance run took %s", time.Since(began).Round(time.Millisecond))
}

// report turns one step result into a subtest. A failure prints the step's
// error and everything the harness saw on the wire while the step ran.
func report(t *testing.T, res stepResult, log *transcript) {
	t.Helper()
	t.Run(subtestName(res.Name), func(t *testing.T) {
		// DevTools reports frames a little after the page has seen them, so
		// the window reaches past the step's end.
		start := time.UnixMilli(res.Start)
		end := time.UnixMilli(res.End).Add(250 * time.Millisecond)
		took := time.Duration(res.End-res.Start) * time.Millisecond
		switch res.Status {
		case "pass":
			if len(res.Detail) > 0 && string(res.Detail) != "null" {
				t.Logf("%s (%s)", clip(string(res.Detail), 1500), took)
			}
		case "skip":
			t.Skip(res.Error)
		default:
			var detail string
			if len(res.Detail) > 0 && string(res.Detail) != "null" {
				detail = "\ndetail: " + clip(string(res.Detail), 3000)
			}
			t.Errorf("%s (after %s)%s\n--- what the harness saw during this step:\n%s", res.Error, took, detail, dump(log.between(start, end)))
		}
	})
}

// subtestName keeps step names readable as subtest names (no slashes, which
// go test would read as nesting).
func subtestName(s string) string {
	return strings.NewReplacer("/", "_", " ", "_").Replace(s)
}

func dump(entries []entry) string {
	if len(entries) == 0 {
		return "    (nothing)"
	}
	var b strings.Builder
	for _, e := range entries {
		if e.kind == "step" {
			continue // results are reported as subtests already
		}
		fmt.Fprintf(&b, "    %s\n", e)
	}
	return strings.TrimRight(b.String(), "\n")
}
