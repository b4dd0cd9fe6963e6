package app_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestCheckBrowser raises a hit and confirms it in headless chromium on
// the demo world: ke.officer checks the French passport 18FR12345 and sees
// a pending hit, then the passport 20FR00042 that France denies to Kenya
// and sees no hit; fr.officer confirms the hit from the hits inbox;
// ke.officer then sees it confirmed. The pages are also shown in Arabic
// (right to left).
func TestCheckBrowser(t *testing.T) {
	br := newBrowser(t)
	_, ts := demoServer(t)
	ctx := br.Ctx
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	do, text := br.Do, br.Text
	base := ts.URL
	lang := func(l string) {
		t.Helper()
		// Clicking the current language would leave a navigation in flight.
		if cur, err := chromedp.Run(ctx, chromedp.AttributeValue(css("html"), "lang")); err == nil && cur.Value == l {
			return
		}
		do("language "+l,
			chromedp.Click(css(`.lang button[value="`+l+`"]`)),
			chromedp.WaitVisible(css(`html[lang="`+l+`"]`)),
		)
	}
	logout := func() {
		t.Helper()
		do("sign out", chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#login-form")))
	}
	checkDoc := func(cc, number string) {
		t.Helper()
		do("check "+number,
			chromedp.Navigate(base+"/checks?kind=document"),
			chromedp.WaitVisible(css("#check-form")),
			chromedp.SendKeys(css("#issuing_country"), cc),
			chromedp.SendKeys(css("#number"), number),
			chromedp.SendKeys(css("#purpose"), "entry control"),
			chromedp.SendKeys(css("#location"), "JKIA Nairobi, gate 4"),
			chromedp.SetValue(css("#priority"), "urgent"),
			chromedp.Click(css("#run-check")),
			chromedp.WaitVisible(css("#outcome")),
		)
	}

	// Kenya checks a stolen French passport: a pending hit.
	br.signIn(base, "ke.officer")
	lang("en")
	do("the menu leads to the check page", chromedp.Click(css(`.nav a[href="/checks"]`)), chromedp.WaitVisible(css("#check-form")))
	checkDoc("FR", "18FR12345")
	if got := text("#outcome"); got != "Hit" {
		t.Fatalf("outcome: %q", got)
	}
	if got := text("#match-1-status"); got != "Pending" {
		t.Fatalf("hit status: %q", got)
	}
	if got := text("#match-1"); !strings.Contains(got, "FR-SLTD-0001") || !strings.Contains(got, "France") || !strings.Contains(got, "Stolen") {
		t.Fatalf("match shown: %q", got)
	}
	br.Shot("checks-hit-en")
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(css(`#match-1 a[href^="/hits/"]`), "href"))
	href := attr.Value
	if err != nil || !strings.HasPrefix(href, "/hits/hit_") {
		t.Fatalf("link to the hit: %q %v", href, err)
	}
	hitID := strings.TrimPrefix(href, "/hits/")

	// France denies 20FR00042 to Kenya: no hit, exactly as for an unknown number.
	checkDoc("FR", "20FR00042")
	if got := text("#outcome"); got != "No hit" {
		t.Fatalf("restricted passport: %q", got)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#check-result article").length`)); err != nil || n != 0 {
		t.Fatalf("restricted passport shows %d matches (%v)", n, err)
	}
	br.Shot("checks-nohit-en")

	// The same page in Arabic, right to left.
	lang("ar")
	checkDoc("FR", "18FR12345")
	if dir, err := chromedp.Run(ctx, chromedp.AttributeValue(css("html"), "dir")); err != nil || dir.Value != "rtl" {
		t.Fatalf("Arabic page direction: %q %v", dir.Value, err)
	}
	if got := text("#outcome"); got != "نتيجة إيجابية" {
		t.Fatalf("Arabic outcome: %q", got)
	}
	br.Shot("checks-hit-ar")
	// A person by a name in Cyrillic: the demo's FR-P-02, entered in Latin
	// and Cyrillic, is a hit with its score and the explanation of what
	// matched.
	do("check a person",
		chromedp.Navigate(base+"/checks?kind=person"),
		chromedp.WaitVisible(css("#check-form")),
		chromedp.SendKeys(css("#name"), "Муаммар Каддафи"),
		chromedp.SendKeys(css("#birth_date"), "1942-06-07"),
		chromedp.SendKeys(css("#nationality"), "LY"),
		chromedp.SendKeys(css("#purpose"), "visa application"),
		chromedp.Click(css("#run-check")),
		chromedp.WaitVisible(css("#outcome")),
	)
	if v, _ := chromedp.Run(ctx, chromedp.Value(css("#name"))); v != "Муаммар Каддафи" {
		t.Fatalf("typed name lost: %q", v)
	}
	if got := text("#outcome"); got != "نتيجة إيجابية" {
		t.Fatalf("person outcome: %q", got)
	}
	if got := text("#match-1"); !strings.Contains(got, "FR-P-02") {
		t.Fatalf("person match shown: %q", got)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#match-1 table.explain tbody tr").length`)); err != nil || n == 0 {
		t.Fatalf("person match has %d explanation rows (%v)", n, err)
	}
	br.Shot("checks-person-ar")
	lang("en")
	logout()

	// France confirms the hit from its inbox.
	br.signIn(base, "fr.officer")
	lang("en")
	do("open the hits inbox", chromedp.Click(css(`.nav a[href="/hits"]`)), chromedp.WaitVisible(css("#owner-"+hitID)))
	if got := text("#owner-" + hitID + "-status"); got != "Pending" {
		t.Fatalf("owner sees: %q", got)
	}
	if got := text("#owner-" + hitID); !strings.Contains(got, "Kenya") || !strings.Contains(got, "JKIA Nairobi, gate 4") || !strings.Contains(got, "entry control") {
		t.Fatalf("owner's row: %q", got)
	}
	br.Shot("hits-owner-en")
	lang("ar")
	br.Shot("hits-owner-ar")
	lang("en")
	// The status element is on the page before the click too: wait for
	// the confirmed one, or the check below races the form post.
	do("confirm",
		chromedp.Click(css("#confirm-"+hitID)),
		chromedp.WaitVisible(css("#owner-"+hitID+"-status.status-confirmed")),
	)
	if got := text("#owner-" + hitID + "-status"); got != "Confirmed" {
		t.Fatalf("after confirming: %q", got)
	}
	do("open the hit", chromedp.Click(css(`#owner-`+hitID+` a[href="/hits/`+hitID+`"]`)), chromedp.WaitVisible(css("#hit-decision")))
	br.Shot("hit-page-en")
	logout()

	// Kenya sees the hit confirmed.
	br.signIn(base, "ke.officer")
	lang("en")
	do("open the hits inbox", chromedp.Navigate(base+"/hits"), chromedp.WaitVisible(css("#searcher-"+hitID)))
	if got := text("#searcher-" + hitID + "-status"); got != "Confirmed" {
		t.Fatalf("searcher sees: %q", got)
	}
	br.Shot("hits-searcher-en")
	do("statistics", chromedp.Click(css(`.tabs a[href="/checks/stats"]`)), chromedp.WaitVisible(css("#stats-table")))
	br.Shot("checkstats-en")
	lang("ar")
	br.Shot("checkstats-ar")
	br.CheckProblems()
}

// TestManifestBrowser checks a passenger manifest pasted on the check page
// in headless chromium, as Kenya's officer: the manifest tab, a pasted
// list of four passengers, the wanted person and the stolen passport
// marked on their lines with links to their hits, the others no-hit; then
// the same in Arabic, right to left.
func TestManifestBrowser(t *testing.T) {
	br := newBrowser(t)
	_, ts := demoServer(t)
	ctx := br.Ctx
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	do, text := br.Do, br.Text
	br.signIn(ts.URL, "ke.officer")
	manifest := "Muammar Gaddafi; 1942-06-07; LY; M\n" +
		"Anna Eriksson; 1974-08-12; SE; F; FR; 18FR12345\n" +
		"Wanjiru Kamau; 1990; KE\n" +
		"Paul Ochieng; ; KE; M; FR; 20FR00042"
	run := func(l string) {
		t.Helper()
		do("manifest in "+l,
			chromedp.Navigate(ts.URL+"/checks?kind=document"),
			chromedp.WaitVisible(css(`.lang button[value="`+l+`"]`)),
			chromedp.Click(css(`.lang button[value="`+l+`"]`)),
			chromedp.WaitVisible(css(`html[lang="`+l+`"]`)),
			chromedp.Click(css(`.check-kinds a[href="/checks?kind=manifest"]`)),
			chromedp.WaitVisible(css("#passengers")),
			chromedp.SetValue(css("#passengers"), manifest),
			chromedp.SendKeys(css("#purpose"), "arrivals, flight KQ 310"),
			chromedp.Click(css("#run-check")),
			chromedp.WaitVisible(css("#manifest-result")),
		)
	}
	run("en")
	if got := text("#manifest-summary"); got != "4 checked, 2 with a hit." {
		t.Fatalf("summary: %q", got)
	}
	for line, want := range map[int]string{1: "FR-P-02", 2: "FR-SLTD-0001"} {
		got := text(fmt.Sprintf("#line-%d", line))
		if !strings.Contains(got, want) || !strings.Contains(got, "Pending") {
			t.Fatalf("line %d: %q", line, got)
		}
	}
	for _, line := range []int{3, 4} {
		if got := text(fmt.Sprintf("#line-%d", line)); !strings.Contains(got, "No hit") || strings.Contains(got, "FR-SLTD") {
			t.Fatalf("line %d: %q", line, got)
		}
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#manifest-result a[href^="/hits/hit_"]').length`)); err != nil || n != 2 {
		t.Fatalf("links to hits: %d (%v)", n, err)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(css("#passengers"))); v != manifest {
		t.Fatalf("pasted manifest lost: %q", v)
	}
	br.Shot("checks-manifest-en")
	run("ar")
	if dir, err := chromedp.Run(ctx, chromedp.AttributeValue(css("html"), "dir")); err != nil || dir.Value != "rtl" {
		t.Fatalf("Arabic page direction: %q %v", dir.Value, err)
	}
	if got := text("#outcome"); got != "نتيجة إيجابية" {
		t.Fatalf("Arabic outcome: %q", got)
	}
	br.Shot("checks-manifest-ar")
	br.CheckProblems()
}
