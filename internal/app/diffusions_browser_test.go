package app_test

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

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/diffusion"
)

// difChromium returns the path of Debian's chromium, or "".
func difChromium() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// TestDiffusionBrowser drives headless chromium through a diffusion's life:
// the French officer composes one to Kenya, the Kenyan officer reads it,
// the General Secretariat's reviewer finds it non-compliant, and the Kenyan
// officer's copy is gone: the page shows the withdrawal notice and the
// content is nowhere on it. It runs whenever chromium is installed, and
// must run in CI.
func TestDiffusionBrowser(t *testing.T) {
	exe := difChromium()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed, and CI=true requires the browser suite")
		}
		t.Skip("chromium is not installed: browser test skipped")
	}
	a, srv := difDemoApp(t)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true), chromedp.Flag("disable-default-apps", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
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

	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	signIn := func(username string) {
		t.Helper()
		do("sign in "+username,
			chromedp.Navigate(srv.URL+"/login"),
			chromedp.WaitVisible(css("#login-form")),
			chromedp.SendKeys(css("#username"), username),
			chromedp.SendKeys(css("#password"), app.DemoPassword),
			chromedp.Click(css("#login-submit")),
			chromedp.WaitVisible(css("#logout")),
		)
	}
	// shot saves the viewport as name.png in $POLEX_SCREENSHOTS, when set.
	shot := func(name string) {
		t.Helper()
		dir := os.Getenv("POLEX_SCREENSHOTS")
		if dir == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	signOut := func() {
		t.Helper()
		do("sign out", chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#login-form")))
	}

	const subject = "Courier of stolen passports"
	const secret = "He boards the night train to Mombasa every Friday carrying a green suitcase"

	// France composes a diffusion to Kenya.
	signIn("fr.officer")
	do("compose",
		chromedp.Navigate(srv.URL+"/diffusions/new"),
		chromedp.WaitVisible(css("#diffusion-form")),
		chromedp.SetValue(css("#kind"), "information"),
		chromedp.SetValue(css("#urgency"), "urgent"),
		chromedp.SetValue(css("#countries"), "KE"),
		chromedp.SendKeys(css("#subject"), subject),
		chromedp.SendKeys(css("#text"), secret),
		chromedp.SendKeys(css("#person_name"), "Joseph KAMAU"),
		chromedp.SendKeys(css("#person_birth"), "1990-06-01"),
	)
	shot("diffusion-compose")
	do("send",
		chromedp.Click(css("#send")),
		chromedp.WaitVisible(css("#dif-subject")),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := loc[strings.LastIndex(loc, "/")+1:]
	if !strings.HasPrefix(id, "dif_") || text("#dif-subject") != subject {
		t.Fatalf("after sending: %s, %q", loc, text("#dif-subject"))
	}
	signOut()

	// Kenya finds it in its received list and reads it.
	signIn("ke.officer")
	do("received",
		chromedp.Click(css(`nav a[href="/diffusions"]`)), // from the home page
		chromedp.WaitVisible(css("#dif-"+id)),
		chromedp.Click(css("#dif-"+id+" a")),
		chromedp.WaitVisible(css("#dif-text")),
	)
	shot("diffusion-received")
	if got := text("#dif-text"); got != secret {
		t.Fatalf("Kenya reads %q", got)
	}
	if !strings.Contains(text("#dif-person"), "Joseph KAMAU") {
		t.Fatalf("person: %q", text("#dif-person"))
	}
	signOut()

	// The reviewer finds it non-compliant: it is withdrawn.
	signIn("reviewer")
	do("review",
		chromedp.Navigate(srv.URL+"/diffusions/review"),
		chromedp.WaitVisible(css("#dif-"+id)),
		chromedp.Click(css("#dif-"+id+" a")),
		chromedp.WaitVisible(css("#review-form")),
		chromedp.SendKeys(css("#reasons"), "Article 3: no police purpose stated"),
	)
	shot("diffusion-review")
	do("non-compliant",
		chromedp.Click(css("#non-compliant")),
		chromedp.WaitVisible(css("#withdrawn")),
	)
	signOut()

	// Kenya's copy is gone: the withdrawal notice, and no content anywhere.
	signIn("ke.officer")
	do("withdrawn copy", chromedp.Navigate(srv.URL+"/diffusions/"+id), chromedp.WaitVisible(css("#withdrawal-notice")))
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	shot("diffusion-withdrawn")
	reason := text("#withdrawal-reason")
	do("received after", chromedp.Navigate(srv.URL+"/diffusions"), chromedp.WaitVisible(css("#dif-"+id)))
	list, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}

	for _, s := range []string{secret, subject, "Joseph KAMAU", "1990-06-01"} {
		if strings.Contains(html, s) || strings.Contains(list, s) {
			t.Errorf("%q is still on Kenya's pages", s)
		}
	}
	if reason != "Article 3: no police purpose stated" {
		t.Errorf("withdrawal reason %q", reason)
	}
	// The stored diffusion holds no content either.
	d, err := a.DB.Diffusion(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Content.IsZero() || d.Status != diffusion.Withdrawn {
		t.Errorf("stored after withdrawal: %+v", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the browser reported problems: %v", problems)
	}
}
