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
	"github.com/parleychat/parley/e2e/internal/browsertest"
)

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
	opts := browsertest.Options(chromium, profile,
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "en-US"),
	)
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
