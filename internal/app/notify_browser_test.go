package app_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/notify"
)

// TestInboxBrowserLive drives headless chromium: an NCB officer signs in,
// opens the inbox, and an event committed afterwards appears on the page
// through the static script's EventSource, with the unread count raised,
// without a Content-Security-Policy violation.
func TestInboxBrowserLive(t *testing.T) {
	br := newBrowser(t)
	cfg := notifyConfig(t, "sqlite", "", t.TempDir())
	cfg.DemoMode = true
	s := serveApp(t, cfg, nil)
	notifySignIn(t, s, "fr.officer", "ncb-fr", identity.Officer) // creates the user
	old := emit(t, s.App, "ncb-fr", notify.NoticeRefused)[0]

	do, text := br.Do, br.Text
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
	br.CheckProblems()
}
