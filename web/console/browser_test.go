package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// findChromium returns the browser to run. A missing browser is a failure,
// not a skip, unless PARLEY_SKIP_BROWSER=1 says so out loud.
func findChromium(t *testing.T) string {
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
		t.Skip("SKIPPING the agent console browser test: PARLEY_SKIP_BROWSER=1 and no Chromium at " +
			strings.Join(candidates, ", ") + ". The console was NOT run in a browser.")
	}
	t.Fatalf("no Chromium at %s: run .ci/run (it installs it) or `apt-get install chromium`, "+
		"or set PARLEY_CHROMIUM to a Chromium binary; PARLEY_SKIP_BROWSER=1 skips this test",
		strings.Join(candidates, ", "))
	return ""
}

// artifactDir is where the test writes screenshots: $PARLEY_ARTIFACTS_DIR
// if set, else a temporary directory of the test.
func artifactDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("PARLEY_ARTIFACTS_DIR"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("PARLEY_ARTIFACTS_DIR: %v", err)
		}
		return d
	}
	return t.TempDir()
}

// page is one headless Chromium tab with what it logged.
type browserPage struct {
	t   *testing.T
	ctx context.Context

	mu      sync.Mutex
	log     []string
	dialogs []string // JavaScript dialogs (alert, confirm) the page opened
}

func (p *browserPage) logf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, time.Now().Format("15:04:05.000")+" "+fmt.Sprintf(format, args...))
}

func (p *browserPage) dialogsSeen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.dialogs...)
}

// startBrowser launches Chromium with the flags this machine needs and a
// fresh profile, and returns its tab. The page's console output,
// exceptions and dialogs are recorded and printed if the test fails.
func startBrowser(t *testing.T, chromium string) *browserPage {
	t.Helper()
	profile, err := os.MkdirTemp("", "parley-console-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium's children may still write for a moment after it exits.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(profile),
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
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("lang", "en-US"),
		chromedp.WSURLReadTimeout(30 * time.Second),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	p := &browserPage{t: t}
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(format string, args ...any) {
		p.logf("cdp: "+format, args...)
	}))
	p.ctx = ctx
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	err = chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range ev.Args {
				if len(a.Value) > 0 {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			p.logf("console.%s: %s", ev.Type, strings.Join(parts, " "))
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				text += " " + d.Exception.Description
			}
			p.logf("uncaught: %s (%s:%d)", text, d.URL, d.LineNumber)
		case *page.EventJavascriptDialogOpening:
			p.mu.Lock()
			p.dialogs = append(p.dialogs, string(ev.Type)+": "+ev.Message)
			p.mu.Unlock()
			p.logf("dialog %s: %q", ev.Type, ev.Message)
			go func() {
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
			}()
		}
	})
	if err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			p.mu.Lock()
			defer p.mu.Unlock()
			t.Logf("browser log:\n%s", strings.Join(p.log, "\n"))
		}
	})
	return p
}

// do runs actions with a time limit; a failure ends the test with a
// screenshot of the page.
func (p *browserPage) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.fail(what, err)
	}
}

func (p *browserPage) fail(what string, err error) {
	p.t.Helper()
	dir := artifactDir(p.t)
	sctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if png, serr := chromedp.Run(sctx, chromedp.CaptureScreenshot()); serr == nil {
		path := filepath.Join(dir, "console-failure.png")
		if os.WriteFile(path, png, 0o644) == nil {
			p.t.Logf("screenshot of the failure: %s", path)
		}
	}
	p.t.Fatalf("%s: %v", what, err)
}

// waitFor polls a JavaScript expression until it is truthy.
func (p *browserPage) waitFor(what, expr string) {
	p.t.Helper()
	p.do("waiting for "+what, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second)))
}

// eval evaluates an expression (awaiting a promise) into v.
func eval[T any](p *browserPage, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.fail("evaluating "+expr, err)
	}
	return v
}

// js quotes a Go string as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
