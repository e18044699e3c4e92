// Package browsertest finds and configures the headless Chromium that
// Parley's browser tests (e2e/conformance, e2e/console, e2e/widget) drive
// with chromedp. It is for tests only.
package browsertest

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium returns the browser to run: $PARLEY_CHROMIUM, or Debian's
// chromium. A missing browser fails the test, unless PARLEY_SKIP_BROWSER=1
// asks to skip it; the skip then says out loud that what (for example "the
// widget") was not run in a browser.
func Chromium(t testing.TB, what string) string {
	t.Helper()
	candidates := []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"}
	if p := os.Getenv("PARLEY_CHROMIUM"); p != "" {
		candidates = []string{p}
	}
	for _, p := range candidates {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	if os.Getenv("PARLEY_SKIP_BROWSER") == "1" {
		t.Skip("SKIPPING a browser test: PARLEY_SKIP_BROWSER=1 and no Chromium at " +
			strings.Join(candidates, ", ") + ". " + what + " was NOT run in a browser.")
	}
	t.Fatalf("no Chromium at %s: run .ci/run (it installs it) or `apt-get install chromium`, "+
		"or set PARLEY_CHROMIUM to a Chromium binary; PARLEY_SKIP_BROWSER=1 skips this test",
		strings.Join(candidates, ", "))
	return ""
}

// Options are the allocator options of a headless Chromium that runs here
// as root in a closed network: no sandbox, no GPU, and none of the
// background connections Chromium would otherwise try. extra come last.
func Options(chromium, profileDir string, extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(profileDir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-client-side-phishing-detection", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.WSURLReadTimeout(30 * time.Second),
	}
	return append(opts, extra...)
}
