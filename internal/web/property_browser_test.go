package web

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestBrowserProperty drives headless chromium through the document entry
// form (a refused number, then a good one), its edit and deletion and the import page (a file
// uploaded as a background job whose page shows the counts and the bad
// line), with no CSP violation or script error.
func TestBrowserProperty(t *testing.T) {
	exe := chromium()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed, and CI=true requires the browser suite")
		}
		t.Skip("chromium is not installed: browser suite skipped")
	}
	f, svc := propertyFixture(t)
	ts := httptest.NewServer(f.srv.Handler())
	defer ts.Close()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
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
			// The refused form is answered 400 on purpose.
			expected := strings.Contains(ev.Entry.Text, "status of 400") && strings.HasSuffix(ev.Entry.URL, "/property/documents")
			if !expected && (ev.Entry.Level == cdplog.EntryLevelError || strings.Contains(ev.Entry.Text, "Content Security Policy")) {
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
	base := ts.URL
	do("sign in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(css("#login-form")),
		chromedp.SendKeys(css("#username"), "fr.officer"),
		chromedp.SendKeys(css("#password"), testPassword),
		chromedp.Click(css("#login-submit")),
		chromedp.WaitVisible(css(`nav a[href="/property"]`)),
	)
	do("document form",
		chromedp.Click(css(`nav a[href="/property"]`)),
		chromedp.WaitVisible(css(`a[href="/property/documents"]`)),
		chromedp.Click(css(`a[href="/property/documents"]`)),
		chromedp.WaitVisible(css("#new-record")),
		chromedp.Click(css("#new-record")),
		chromedp.WaitVisible(css("#record-form")),
		chromedp.SendKeys(css("#ref"), "B-1"),
		chromedp.SendKeys(css("#number"), "AB/1"),
		chromedp.Click(css("#save-record")),
		chromedp.WaitVisible(css("#number-error")),
	)
	do("good number",
		chromedp.SetValue(css("#number"), "ab 991"),
		chromedp.Click(css("#save-record")),
		chromedp.WaitVisible(css("#record")),
	)
	if got := text("main h1"); got != "AB991 · FR" {
		t.Fatalf("record page title %q", got)
	}
	do("edit",
		chromedp.Click(css("#edit-record")),
		chromedp.WaitVisible(css("#record-form")),
		chromedp.SetValue(css("#status"), "revoked"),
		chromedp.Click(css("#save-record")),
		chromedp.WaitVisible(css("#record")),
	)
	// fr.officer reads French: the history's actions are translated.
	if h := text(".history"); !strings.Contains(h, "créée") || !strings.Contains(h, "modifiée") {
		t.Fatalf("history after edit %q", h)
	}
	do("delete",
		chromedp.Click(css("#delete-record")),
		chromedp.WaitVisible(css("#delete-form")),
		chromedp.Click(css("#confirm-delete")),
		chromedp.WaitVisible(css("#deleted")),
	)
	file := filepath.Join(t.TempDir(), "docs.jsonl")
	must(t, os.WriteFile(file, []byte(`{"ref":"B-2","number":"B0002","type":"passport","issuing_country":"FR","status":"lost"}
{"ref":"B-3","number":"B0003","type":"passport","issuing_country":"FR","status":"lost","colour":"red"}
`), 0o600))
	do("import page",
		chromedp.Navigate(base+"/imports"),
		chromedp.WaitVisible(css("#import-form")),
		chromedp.SetUploadFiles(css("#file"), []string{file}),
		chromedp.Click(css("#start-import")),
		chromedp.WaitVisible(css("#import-counts")),
	)
	svc.Wait()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	do("job page", chromedp.Navigate(loc), chromedp.WaitVisible(css("#bad-lines")))
	if ins, bad := text("#count-inserted"), text("#count-bad"); ins != "1" || bad != "1" || !strings.Contains(text("#bad-lines"), "colour") {
		t.Fatalf("job page: inserted %s, bad %s, %q", ins, bad, text("#bad-lines"))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Fatalf("the browser reported problems: %v", problems)
	}
}
