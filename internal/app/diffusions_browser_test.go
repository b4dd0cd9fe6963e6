package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/polex-org/polex/internal/diffusion"
)

// TestDiffusionBrowser drives headless chromium through a diffusion's life:
// the French officer composes one to Kenya, the Kenyan officer reads it,
// the General Secretariat's reviewer finds it non-compliant, and the Kenyan
// officer's copy is gone: the page shows the withdrawal notice and the
// content is nowhere on it. It runs whenever chromium is installed, and
// must run in CI.
func TestDiffusionBrowser(t *testing.T) {
	br := newBrowser(t)
	a, srv := demoServer(t)

	ctx := br.Ctx
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	do, text, shot := br.Do, br.Text, br.Shot
	signIn := func(username string) { t.Helper(); br.signIn(srv.URL, username) }
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
	br.CheckProblems()
}
