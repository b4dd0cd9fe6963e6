package app_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/polex-org/polex/internal/app"
)

// TestNoticeBrowser walks a Red Notice's lifecycle in headless chromium on
// the demo world: fr.officer drafts it through the per-type form and
// submits it, the reviewer publishes it from the queue (where the automated
// findings show), and its public extract appears at /public/notices for a
// visitor who is not signed in.
func TestNoticeBrowser(t *testing.T) {
	br := newBrowser(t)
	a, ts := demoServer(t)

	ctx := br.Ctx
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	do, text := br.Do, br.Text
	login := func(user string) { t.Helper(); br.signIn(ts.URL, user) }
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
	br.ForgetProblems() // the refused form answered 400 on purpose
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
	br.ForgetProblems() // the refused upload answered 400 on purpose
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
	do("publish", chromedp.Click(css("#publish-"+id)), chromedp.WaitNotPresent(css("#queue-"+id)), chromedp.WaitVisible(css("main h1")))
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
	br.CheckProblems()
}
