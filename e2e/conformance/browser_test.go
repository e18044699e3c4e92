package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/parleychat/parley/e2e/internal/browsertest"
)

// sdkBundle is the SDK's published browser build (UMD; it defines the global
// CustomerSDK and embeds @livechat/customer-auth 0.4.0-alpha.1 and
// sockjs-client 1.3.0).
var sdkBundle = filepath.Join("node_modules", "@livechat", "customer-sdk", "dist", "customer-sdk.js")

// ensureNodeModules runs `npm ci` when node_modules is missing or older than
// package-lock.json, so the page gets exactly the pinned SDK.
func ensureNodeModules(t *testing.T) {
	t.Helper()
	lock, err := os.Stat("package-lock.json")
	if err != nil {
		t.Fatalf("e2e/conformance/package-lock.json: %v", err)
	}
	// npm ci writes node_modules/.package-lock.json last.
	installed, err := os.Stat(filepath.Join("node_modules", ".package-lock.json"))
	_, bundleErr := os.Stat(sdkBundle)
	if err == nil && bundleErr == nil && !installed.ModTime().Before(lock.ModTime()) {
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
	if _, err := os.Stat(sdkBundle); err != nil {
		t.Fatalf("npm ci succeeded but %s is missing: %v", sdkBundle, err)
	}
}

// checkSDKVersion makes sure the installed SDK is the one the protocol notes
// describe; a different version would make every result meaningless.
func checkSDKVersion(t *testing.T) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("node_modules", "@livechat", "customer-sdk", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &pkg); err != nil {
		t.Fatalf("node_modules/@livechat/customer-sdk/package.json: %v", err)
	}
	if pkg.Version != sdkVersion {
		t.Fatalf("installed @livechat/customer-sdk is %s, want %s: run `npm ci` in e2e/conformance/", pkg.Version, sdkVersion)
	}
}

// sdkVersion is the SDK release the harness runs, as pinned in package.json.
const sdkVersion = "2.0.0-alpha.3"

// browser is a headless Chromium whose only reachable hosts are the harness.
type browser struct {
	ctx    context.Context // chromedp context of the page's tab
	cancel context.CancelFunc
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
	b := &browser{ctx: ctx, cancel: func() { cancelCtx(); cancelAlloc() }}
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
		case *network.EventLoadingFailed:
			if !ev.Canceled {
				msg := ev.ErrorText
				if ev.BlockedReason != "" {
					msg += " blocked: " + ev.BlockedReason.String()
				}
				if ev.CorsErrorStatus != nil {
					msg += fmt.Sprintf(" cors: %s %s", ev.CorsErrorStatus.CorsError, ev.CorsErrorStatus.FailedParameter)
				}
				log.add("net", "%s load failed (request %s): %s", ev.Type, ev.RequestID, msg)
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
