package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/parleychat/parley/e2e/internal/browsertest"
)

// release is one pinned release of the customer SDK the harness runs, with
// the page (on widgetHost) whose scenario drives it.
type release struct {
	version string // exact, as pinned in package.json
	dir     string // the package's directory under node_modules (an npm alias for the second)
	page    string // the scenario's page
	dialect string // the Customer Chat API version it speaks
	// idleTimeout is the server's (server.Config.IdleTimeout) while the
	// scenario runs; zero leaves the default.
	idleTimeout time.Duration
}

var (
	// sdk2 is the seed's SDK. Its published browser build (UMD) defines the
	// global CustomerSDK and embeds @livechat/customer-auth 0.4.0-alpha.1 and
	// sockjs-client 1.3.0.
	sdk2 = release{version: "2.0.0-alpha.3", dir: "@livechat/customer-sdk", page: "/index.html", dialect: "v3.0"}
	// sdk4 is today's SDK, pinned as the npm alias customer-sdk-4. Its
	// browser build also defines the global CustomerSDK, so it runs on a
	// page of its own; it embeds @livechat/customer-auth 1.0.0 and
	// @livechat/platform-client 0.3.2 (a plain WebSocket).
	//
	// 4.0.2 sends no ping: its scenario idles past a short idle timeout
	// (scenario35.js repeats it) to show that its connections stay up.
	sdk4 = release{version: "4.0.2", dir: "customer-sdk-4", page: "/index35.html", dialect: "v3.5", idleTimeout: 8 * time.Second}

	releases = []release{sdk2, sdk4}
)

// bundle is the path of the release's browser build.
func (r release) bundle() string {
	return filepath.Join("node_modules", filepath.FromSlash(r.dir), "dist", "customer-sdk.js")
}

// ensureNodeModules runs `npm ci` when node_modules is missing or older than
// package-lock.json, so the pages get exactly the pinned SDKs.
func ensureNodeModules(t *testing.T) {
	t.Helper()
	lock, err := os.Stat("package-lock.json")
	if err != nil {
		t.Fatalf("e2e/conformance/package-lock.json: %v", err)
	}
	// npm ci writes node_modules/.package-lock.json last.
	installed, err := os.Stat(filepath.Join("node_modules", ".package-lock.json"))
	missing := false
	for _, r := range releases {
		if _, err := os.Stat(r.bundle()); err != nil {
			missing = true
		}
	}
	if err == nil && !missing && !installed.ModTime().Before(lock.ModTime()) {
		return
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("conformance/node_modules is missing or stale and npm is not on PATH: install Node.js 20+ with npm (run .ci/run), then `cd conformance && npm ci`")
	}
	t.Logf("running npm ci in conformance/ (node_modules missing or older than package-lock.json)")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("npm ci in e2e/conformance/ failed: %v\n%s", err, out)
	}
	for _, r := range releases {
		if _, err := os.Stat(r.bundle()); err != nil {
			t.Fatalf("npm ci succeeded but %s is missing: %v", r.bundle(), err)
		}
	}
}

// checkSDKVersion makes sure the installed SDK is the release the scenario
// and the protocol notes describe; another version would make every result
// meaningless.
func checkSDKVersion(t *testing.T, r release) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("node_modules", filepath.FromSlash(r.dir), "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatalf("node_modules/%s/package.json: %v", r.dir, err)
	}
	if pkg.Name != "@livechat/customer-sdk" || pkg.Version != r.version {
		t.Fatalf("node_modules/%s is %s@%s, want @livechat/customer-sdk@%s: run `npm ci` in e2e/conformance/", r.dir, pkg.Name, pkg.Version, r.version)
	}
}

// browser is a headless Chromium whose only reachable hosts are the harness.
type browser struct {
	ctx    context.Context // chromedp context of the page's tab
	cancel context.CancelFunc

	mu      sync.Mutex
	urls    map[network.RequestID]string // every request the page made
	refused map[string][]string          // host the resolver rules refused → URLs asked for
}

// refusedHosts returns the hosts the page tried to reach that the resolver
// rules refused (none of them can be Parley's), with the URLs asked for.
func (b *browser) refusedHosts() map[string][]string {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := make(map[string][]string, len(b.refused))
	for h, u := range b.refused {
		m[h] = slices.Clone(u)
	}
	return m
}

// startBrowser launches Chromium with every allowed host mapped to the front
// and every other name unresolvable, trusting only the harness certificate.
// WebSocket frames, console output, exceptions and failed loads of the page go
// to log.
func startBrowser(t *testing.T, parent context.Context, chromium string, f *front, pki *testPKI, log *transcript) *browser {
	t.Helper()
	var rules []string
	for _, h := range allowedHosts {
		rules = append(rules, fmt.Sprintf("MAP %s 127.0.0.1:%s", h, f.port()))
	}
	rules = append(rules, "MAP * ~NOTFOUND")

	opts := browsertest.Options(chromium, t.TempDir(),
		chromedp.Flag("host-resolver-rules", strings.Join(rules, ",")),
		chromedp.Flag("ignore-certificate-errors-spki-list", pki.spki),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(format string, args ...any) {
		log.add("cdp", format, args...)
	}))
	b := &browser{ctx: ctx, cancel: func() { cancelCtx(); cancelAlloc() },
		urls: map[network.RequestID]string{}, refused: map[string][]string{}}
	t.Cleanup(b.cancel)

	sockets := map[network.RequestID]int{} // WebSocket number, in order of creation
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *network.EventWebSocketCreated:
			sockets[ev.RequestID] = len(sockets) + 1
			log.add(fmt.Sprintf("ws%d", sockets[ev.RequestID]), "open %s", ev.URL)
		case *network.EventWebSocketFrameSent:
			log.add(fmt.Sprintf("ws%d >>", sockets[ev.RequestID]), "%s", clip(string(ev.Response.PayloadData), 2000))
		case *network.EventWebSocketFrameReceived:
			log.add(fmt.Sprintf("ws%d <<", sockets[ev.RequestID]), "%s", clip(string(ev.Response.PayloadData), 2000))
		case *network.EventWebSocketFrameError:
			log.add(fmt.Sprintf("ws%d", sockets[ev.RequestID]), "frame error: %s", ev.ErrorMessage)
		case *network.EventWebSocketClosed:
			log.add(fmt.Sprintf("ws%d", sockets[ev.RequestID]), "closed")
		case *network.EventRequestWillBeSent:
			b.mu.Lock()
			b.urls[ev.RequestID] = ev.Request.URL
			b.mu.Unlock()
		case *network.EventLoadingFailed:
			b.mu.Lock()
			u := b.urls[ev.RequestID]
			if ev.ErrorText == "net::ERR_NAME_NOT_RESOLVED" {
				if pu, err := url.Parse(u); err == nil {
					b.refused[pu.Hostname()] = append(b.refused[pu.Hostname()], u)
				}
			}
			b.mu.Unlock()
			if !ev.Canceled {
				msg := ev.ErrorText
				if ev.BlockedReason != "" {
					msg += " blocked: " + ev.BlockedReason.String()
				}
				if ev.CorsErrorStatus != nil {
					msg += fmt.Sprintf(" cors: %s %s", ev.CorsErrorStatus.CorsError, ev.CorsErrorStatus.FailedParameter)
				}
				log.add("net", "%s load of %s failed (request %s): %s", ev.Type, clip(u, 300), ev.RequestID, msg)
			}
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range ev.Args {
				if len(a.Value) > 0 {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			log.add("console", "%s: %s", ev.Type, clip(strings.Join(parts, " "), 2000))
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				text += " " + d.Exception.Description
			}
			log.add("error", "uncaught: %s (%s:%d)", clip(text, 2000), d.URL, d.LineNumber)
		}
	})
	if err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	return b
}
