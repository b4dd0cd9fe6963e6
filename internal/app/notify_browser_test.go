package app_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/notify"
)

// TestInboxBrowserLive drives headless chromium: an NCB officer signs in,
// opens the inbox, and an event committed afterwards appears on the page
// through the static script's EventSource, with the unread count raised,
// without a Content-Security-Policy violation.
func TestInboxBrowserLive(t *testing.T) {
	exe := "/usr/bin/chromium"
	if _, err := os.Stat(exe); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed, and CI=true requires the browser suite")
		}
		t.Skip("chromium is not installed")
	}
	cfg := notifyConfig(t, "sqlite", "", t.TempDir())
	cfg.DemoMode = true
	s := serveApp(t, cfg, nil)
	notifySignIn(t, s, "fr.officer", "ncb-fr", identity.Officer) // creates the user
	old := emit(t, s.App, "ncb-fr", notify.NoticeRefused)[0]

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	defer cancelAlloc()
	var mu sync.Mutex
	var problems []string
	ctx, cancelBrowser := chromedp.NewContext(ctx, chromedp.WithErrorf(t.Logf), chromedp.WithListener(func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError || strings.Contains(ev.Entry.Text, "Content Security Policy") {
				problems = append(problems, ev.Entry.Text+" "+ev.Entry.URL)
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, ev.ExceptionDetails.Text)
		}
	}))
	defer cancelBrowser()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}
	do("sign in",
		chromedp.Navigate(s.base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), "fr.officer"),
		chromedp.SendKeys(chromedp.CSS("#password"), "a-long-enough-password"),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#role-officer")),
	)
	do("inbox", chromedp.Navigate(s.base+"/inbox"), chromedp.WaitVisible(chromedp.CSS(`[id="event-`+old.ID+`"]`)), chromedp.WaitVisible(chromedp.CSS("#live")))
	if n := text("#unread-count"); n != "1" {
		t.Fatalf("unread count %q, want 1", n)
	}
	ev := emit(t, s.App, "ncb-fr", notify.DiffusionReceived)[0]
	do("live event", chromedp.WaitVisible(chromedp.CSS(`[id="event-`+ev.ID+`"]`)))
	if got := text(`[id="event-` + ev.ID + `"] .type`); got != "Diffusion received" {
		t.Fatalf("live event type %q", got)
	}
	if n := text("#unread-count"); n != "2" {
		t.Fatalf("unread count after live event %q, want 2", n)
	}
	if first := text("#events li:first-child .title"); first != ev.Title {
		t.Fatalf("newest first: %q", first)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Fatalf("browser problems: %v", problems)
	}
}
