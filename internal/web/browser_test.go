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

	"github.com/polex-org/polex/internal/identity"
)

// TestBrowser drives headless chromium through the interface: sign in
// (in demo mode, then with a TOTP code), switch to French and to Arabic,
// create a user through the form and find it in the list and the store;
// in demo mode, a system administrator then opens the list of the 196
// member countries. It runs whenever chromium is installed, and must run
// in CI.
func TestBrowser(t *testing.T) {
	if browsertest.Chromium() == "" && os.Getenv("CI") != "true" {
		t.Skip("chromium is not installed (/usr/bin/chromium, or chromium on PATH): browser suite skipped")
	}
	start := time.Now()
	t.Run("demo", func(t *testing.T) { browse(t, true) })
	t.Run("totp", func(t *testing.T) { browse(t, false) })
	t.Logf("browser suite took %s", time.Since(start).Round(time.Millisecond))
}

func browse(t *testing.T, demo bool) {
	f := newFixture(t, fixtureOpts{demo: demo, allMembers: demo})
	ts := httptest.NewServer(f.srv.Handler()) // a real listener on 127.0.0.1
	defer ts.Close()

	br := browsertest.New(t, 40*time.Second)
	ctx := br.Ctx

	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	text, do := br.Text, br.Do

	base := ts.URL
	do("login page",
		chromedp.Navigate(base+"/"), // sends the visitor to the login page
		chromedp.WaitVisible(css("#login-form")),
		chromedp.SendKeys(css("#username"), "fr.admin"),
		chromedp.SendKeys(css("#password"), testPassword),
	)
	if !demo {
		// Typed as late as possible, so that the code is current.
		code, err := identity.TOTPCode(f.users["fr.admin"].TOTP, time.Now())
		must(t, err)
		do("code", chromedp.SendKeys(css("#code"), code))
	}
	do("sign in", chromedp.Click(css("#login-submit")), chromedp.WaitVisible(css("#role-ncb-admin")))
	welcome := text("main h1")

	do("French", chromedp.Click(css(`form.lang button[value="fr"]`)), chromedp.WaitReady(css(`html[lang="fr"]`)))
	logoutFR, h1FR := text("#logout"), text("main h1")

	do("Arabic", chromedp.Click(css(`form.lang button[value="ar"]`)), chromedp.WaitReady(css(`html[lang="ar"]`)))
	dir, err := chromedp.Run(ctx, chromedp.AttributeValue(css("html"), "dir"))
	must(t, err)
	cssDir, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).direction`))
	must(t, err)

	// Create a user through the form, still in Arabic.
	do("new-user form",
		chromedp.Click(css(`nav a[href="/users"]`)),
		chromedp.WaitVisible(css("#new-user")),
		chromedp.Click(css("#new-user")),
		chromedp.WaitVisible(css("#user-form")),
		chromedp.SendKeys(css("#username"), "amina.diallo"),
		chromedp.SendKeys(css("#display_name"), "Amina Diallo"),
		chromedp.SetValue(css("#org"), "fr-police"),
		chromedp.Click(css("#role-officer")),
		chromedp.Click(css("#role-cyber-expert")),
		chromedp.SetValue(css("#clearance"), "restricted"),
		chromedp.SendKeys(css("#password"), "a long enough passphrase"),
		chromedp.SetValue(css("#language"), "ar"),
		chromedp.Click(css("#create-user")),
		chromedp.WaitVisible(css("#totp-secret")),
	)
	secret := text("#totp-secret")
	do("back to the list", chromedp.Click(css("#back-to-users")), chromedp.WaitVisible(css(`[id="user-amina.diallo"]`)))
	listed := text(`[id="user-amina.diallo"]`)

	// The viewport, as a PNG: a full-page capture of a right-to-left page
	// comes out shifted.
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	shot := filepath.Join(t.TempDir(), "users-ar.png")
	must(t, os.WriteFile(shot, png, 0o644))
	t.Logf("screenshot: %s (%d bytes)", shot, len(png))
	if dir := os.Getenv("POLEX_SCREENSHOTS"); dir != "" {
		must(t, os.WriteFile(filepath.Join(dir, "users-ar-"+map[bool]string{true: "demo", false: "totp"}[demo]+".png"), png, 0o644))
	}

	do("sign out", chromedp.Click(css("#logout")), chromedp.WaitVisible(css("#login-form")))
	loginTitle := text("main h1")

	// The system administrator's list of member countries, still in Arabic.
	var memberRows int
	var kenya string
	if demo {
		do("members",
			chromedp.SendKeys(css("#username"), "sys"),
			chromedp.SendKeys(css("#password"), testPassword),
			chromedp.Click(css("#login-submit")),
			chromedp.WaitVisible(css("#role-sysadmin")),
			chromedp.Click(css(`nav a[href="/members"]`)),
			chromedp.WaitVisible(css("#members")),
		)
		var err error
		memberRows, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#members tbody tr").length`))
		must(t, err)
		kenya = text("#country-KE")
	}

	if welcome != "Welcome, Françoise Admin" {
		t.Errorf("home page heading %q", welcome)
	}
	if logoutFR != "Se déconnecter" || h1FR != "Bienvenue, Françoise Admin" {
		t.Errorf("French page: %q, %q", logoutFR, h1FR)
	}
	if !dir.Exists || dir.Value != "rtl" || cssDir != "rtl" {
		t.Errorf("Arabic page: dir=%+v, computed direction %q", dir, cssDir)
	}
	if !strings.Contains(listed, "Amina Diallo") || !strings.Contains(listed, "amina.diallo") {
		t.Errorf("list row: %q", listed)
	}
	if loginTitle != "تسجيل الدخول" {
		t.Errorf("login page after logout: %q", loginTitle)
	}
	u := f.user("amina.diallo")
	if u.Org != "fr-police" || u.Country != "FR" || u.Clearance != identity.Restricted || u.Language != "ar" ||
		!u.HasRole(identity.Officer) || !u.HasRole(identity.CyberExpert) || u.TOTPSecret != secret {
		t.Errorf("stored user: %+v (secret shown %q)", u, secret)
	}
	if !identity.CheckPassword(u.PasswordHash, "a long enough passphrase") {
		t.Error("stored password differs")
	}
	logins := 1
	if demo {
		logins = 2
		if memberRows != 196 || !strings.Contains(kenya, "كينيا") || !strings.Contains(kenya, "أفريقيا") {
			t.Errorf("members page: %d rows; Kenya's row %q", memberRows, kenya)
		}
	}
	if n := len(f.audit.find("session.login")); n != logins {
		t.Errorf("%d login entries, want %d", n, logins)
	}
	br.CheckProblems()
}
