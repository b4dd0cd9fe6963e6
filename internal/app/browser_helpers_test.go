package app_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/browsertest"
)

// browser is a headless chromium tab on a demo server.
type browser struct {
	*browsertest.Browser
}

// newBrowser starts headless chromium for t (see browsertest.New).
func newBrowser(t *testing.T) *browser {
	t.Helper()
	return &browser{browsertest.New(t, 60*time.Second)}
}

// signIn signs username in with the demo password through the login form
// of the server at base, and waits for the page after it.
func (b *browser) signIn(base, username string) {
	b.Do("sign in "+username,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), app.DemoPassword),
		chromedp.Click(chromedp.CSS("#login-submit")),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
	)
}
