package web

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/polex-org/polex/internal/browsertest"
)

// TestBrowserProperty drives headless chromium through the document entry
// form (a refused number, then a good one), its edit and deletion and the import page (a file
// uploaded as a background job whose page shows the counts and the bad
// line), with no CSP violation or script error.
func TestBrowserProperty(t *testing.T) {
	br := browsertest.New(t, 40*time.Second)
	f, svc := propertyFixture(t)
	ts := httptest.NewServer(f.srv.Handler())
	defer ts.Close()
	// The refused form is answered 400 on purpose.
	br.Ignore(func(text, url string) bool {
		return strings.Contains(text, "status of 400") && strings.HasSuffix(url, "/property/documents")
	})
	ctx := br.Ctx
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	do, text := br.Do, br.Text
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
	br.CheckProblems()
}
