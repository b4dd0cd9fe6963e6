// Package browsertest drives Debian's chromium headless (through chromedp)
// for the browser tests of the web interface and of the application. Only
// tests import it. A test without chromium is skipped, except in CI
// (CI=true), where the browser suite must run.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Chromium returns the path of Debian's chromium, or "".
func Chromium() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// Browser is one headless chromium tab driven by a test. It records what
// the pages report — console errors, Content-Security-Policy violations,
// uncaught exceptions — as problems, which CheckProblems turns into a test
// failure.
type Browser struct {
	Ctx context.Context // the tab, for chromedp.Run and chromedp.Do

	t        *testing.T
	mu       sync.Mutex
	problems []string
	ignore   func(text, url string) bool
}

// New starts headless chromium for t, closed when t ends; it gives up
// after timeout. Without chromium the test is skipped, or fails when
// CI=true.
func New(t *testing.T, timeout time.Duration) *Browser {
	t.Helper()
	exe := Chromium()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed, and CI=true requires the browser suite")
		}
		t.Skip("chromium is not installed (/usr/bin/chromium, or chromium on PATH): browser test skipped")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true), chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	b := &Browser{t: t}
	ctx, cancelTab := chromedp.NewContext(ctx, chromedp.WithErrorf(t.Logf), chromedp.WithListener(func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch ev := ev.(type) {
		case *cdplog.EventEntryAdded:
			if b.ignore != nil && b.ignore(ev.Entry.Text, ev.Entry.URL) {
				return
			}
			if ev.Entry.Level == cdplog.EntryLevelError || strings.Contains(ev.Entry.Text, "Content Security Policy") {
				b.problems = append(b.problems, ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *runtime.EventExceptionThrown:
			b.problems = append(b.problems, ev.ExceptionDetails.Text)
		}
	}))
	b.Ctx = ctx
	t.Cleanup(func() { cancelTab(); cancelAlloc(); cancel() })
	return b
}

// Ignore sets which browser log entries are expected (a page answered an
// error status on purpose) and must not count as problems.
func (b *Browser) Ignore(f func(text, url string) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ignore = f
}

// Do runs steps, failing the test with what when one fails.
func (b *Browser) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.Ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// Text returns the trimmed text of the element matching the CSS selector sel.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// Shot saves the viewport as name.png in $POLEX_SCREENSHOTS, when set.
func (b *Browser) Shot(name string) {
	b.t.Helper()
	dir := os.Getenv("POLEX_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(b.Ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// ForgetProblems drops the problems seen so far (after a page that answered
// an error status on purpose).
func (b *Browser) ForgetProblems() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = nil
}

// Problems returns the problems seen so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// CheckProblems fails the test when a page reported a problem.
func (b *Browser) CheckProblems() {
	b.t.Helper()
	if ps := b.Problems(); len(ps) > 0 {
		b.t.Errorf("the pages reported problems: %q", ps)
	}
}
