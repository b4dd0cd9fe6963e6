package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
	"github.com/polex-org/polex/internal/config"
)

func chromiumPath() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// TestNoticeBrowser walks a Red Notice's lifecycle in headless chromium on
// the demo world: fr.officer drafts it through the per-type form and
// submits it, the reviewer publishes it from the queue (where the automated
// findings show), and its public extract appears at /public/notices for a
// visitor who is not signed in.
func TestNoticeBrowser(t *testing.T) {
	exe := chromiumPath()
	if exe == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed, and CI=true requires the browser suite")
		}
		t.Skip("chromium is not installed: browser test skipped")
	}
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DemoMode = true
	logw := io.Discard
	if testing.Verbose() {
		logw = os.Stderr
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(logw, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	if _, err := a.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(a.Handler())
	defer ts.Close()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-extensions", true),
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
	login := func(user string) {
		t.Helper()
		do("login "+user,
			chromedp.Navigate(ts.URL+"/login"),
			chromedp.WaitVisible(css("#login-form")),
			chromedp.SendKeys(css("#username"), user),
			chromedp.SendKeys(css("#password"), app.DemoPassword),
			chromedp.Click(css("#login-submit")),
			chromedp.WaitVisible(css("main h1")),
		)
	}
	base := ts.URL

	// fr.officer: home → per-type form → draft → submit.
	login("fr.officer")
	do("pick the type",
		chromedp.Click(css(`a[href="/notices/new"]`)),
		chromedp.WaitVisible(css("#type-form")),
		chromedp.Click(css("#type-red")),
		chromedp.Click(css("#pick-type")),
		chromedp.WaitVisible(css("#notice-form")),
	)
	// The form shows the Red Notice's fields, not the others'.
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#warrant_ref, #judicial_authority, #penalty").length + 10*document.querySelectorAll("#threat, #disappeared_on").length`)); err != nil || n != 3 {
		t.Fatalf("red form fields: %d %v", n, err)
	}
	// A refused form names the field, says what is wrong in French, and
	// keeps what was typed.
	do("fill, leaving the warrant out",
		chromedp.SendKeys(css("#offence"), "Fraude en bande organisée"),
		chromedp.SendKeys(css("#legal_basis"), "Code pénal, article 313-2"),
		chromedp.SendKeys(css("#judicial_authority"), "Tribunal judiciaire de Paris"),
		chromedp.SendKeys(css("#penalty"), "10 ans"),
		chromedp.SendKeys(css("#name_full"), "Élodie Marchand-Vasseur"),
		chromedp.SendKeys(css("#birth_date"), "1990-04-21"),
		chromedp.SendKeys(css("#nationalities"), "FR"),
		chromedp.SetValue(css("#sex"), "F"),
		chromedp.Click(css("#extract_agreed")),
		chromedp.Click(css("#extract-names")),
		chromedp.Click(css("#extract-offence")),
		chromedp.Evaluate[chromedp.Void](`document.querySelector("#warrant_ref").removeAttribute("required")`),
		chromedp.Click(css("#save-notice")),
		chromedp.WaitVisible(css("#form-error")),
	)
	if msg := text("#warrant_ref-error"); msg != "Ce champ est obligatoire." {
		t.Fatalf("error under the warrant field: %q", msg)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(css("#name_full"))); v != "Élodie Marchand-Vasseur" {
		t.Fatalf("typed name lost: %q", v)
	}
	mu.Lock()
	problems = nil // the refused form answered 400 on purpose
	mu.Unlock()
	do("complete and save",
		chromedp.SendKeys(css("#warrant_ref"), "MA-PARIS-2026-17"),
		chromedp.Click(css("#save-notice")),
		chromedp.WaitVisible(css("#submit-notice")),
	)
	id := text("#notice-id")
	// The draft's page takes a photo: a GIF is refused under the form, in
	// French; a PNG (made here) is stored and shown.
	dir := t.TempDir()
	gif, pngFile := filepath.Join(dir, "face.gif"), filepath.Join(dir, "face.png")
	if err := os.WriteFile(gif, []byte("GIF89a\x10\x00\x10\x00......"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pngFile, pngOf(t, 32, 40), 0o600); err != nil {
		t.Fatal(err)
	}
	do("upload a GIF",
		chromedp.SetUploadFiles(css("#photo"), []string{gif}),
		chromedp.Click(css("#upload-photo")),
		chromedp.WaitVisible(css("#photo-error")),
	)
	if msg := text("#photo-error"); msg != "Une photographie doit être une image JPEG ou PNG." {
		t.Fatalf("photo error: %q", msg)
	}
	mu.Lock()
	problems = nil // the refused upload answered 400 on purpose
	mu.Unlock()
	do("upload a PNG",
		chromedp.SetUploadFiles(css("#photo"), []string{pngFile}),
		chromedp.Click(css("#upload-photo")),
		chromedp.WaitVisible(css("#photos img.photo")),
		chromedp.WaitNotPresent(css("#photo-error")),
	)
	// The image loads (same origin, under the page's CSP) with its size.
	if w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`new Promise(ok => { const i = document.querySelector("#photos img.photo"); `+
		`if (i.complete) ok(i.naturalWidth); else { i.onload = () => ok(i.naturalWidth); i.onerror = () => ok(-1); } })`, chromedp.EvalAwaitPromise)); err != nil || w != 32 {
		t.Fatalf("the uploaded photo shows %d pixels wide: %v", w, err)
	}
	do("submit", chromedp.Click(css("#submit-notice")), chromedp.WaitNotPresent(css("#submit-notice")), chromedp.WaitVisible(css("#findings")))
	if st := text("#notice-status"); st == "" || strings.Contains(st, "brouillon") {
		t.Fatalf("status after submit: %q", st)
	}
	do("sign out", chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#login-form")))

	// The reviewer publishes it from the queue, where the findings show.
	login("reviewer")
	do("queue", chromedp.Navigate(base+"/notices/review"), chromedp.WaitVisible(css("#queue-"+id)))
	if f := text("#queue-" + id + " .findings"); !strings.Contains(f, "person.documents") {
		t.Fatalf("queue findings: %q", f)
	}
	do("publish", chromedp.Click(css("#publish-"+id)), chromedp.WaitVisible(css("main h1")))
	if n, err := a.Notices.Get(context.Background(), app.System("test"), id); err == nil {
		t.Fatalf("a system administrator reads notice content: %+v", n)
	}
	do("sign out", chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#login-form")))

	// Without login: the public extract, with the agreed fields only.
	do("public list", chromedp.Navigate(base+"/public/notices?name=elodie+marchand"), chromedp.WaitVisible(css("#extract-"+id)))
	do("public page", chromedp.Click(css("#extract-"+id+" a")), chromedp.WaitVisible(css("#extract")))
	page := text("#extract")
	if !strings.Contains(page, "Élodie Marchand-Vasseur") || !strings.Contains(page, "Fraude en bande organisée") || strings.Contains(page, "1990") {
		t.Fatalf("public extract: %q", page)
	}
	resp, err := http.Get(base + "/public/notices/" + id + "?x=1")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("public page over HTTP: %v", err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Fatalf("the pages reported problems: %q", problems)
	}
}
