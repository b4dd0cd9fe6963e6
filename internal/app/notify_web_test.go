package app_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/store/storetest"
)

// webSession is a signed-in browser session over plain HTTP.
type webSession struct {
	t      *testing.T
	base   string
	cookie string
}

func notifySignIn(t *testing.T, s *served, username, org string, role identity.Role) webSession {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Admin.CreateUser(ctx, app.System("test"), admin.NewUser{Username: username, DisplayName: username, Org: org,
		Roles: []identity.Role{role}, Clearance: identity.Official, Password: "a-long-enough-password"}); err != nil {
		t.Fatal(err)
	}
	_, secret, _, err := s.Identity.Login(ctx, username, "a-long-enough-password", "")
	if err != nil {
		t.Fatal(err)
	}
	return webSession{t, s.base, secret}
}

func (b webSession) do(method, path string, form url.Values) (int, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.AddCookie(&http.Cookie{Name: "polex_session", Value: b.cookie})
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

var notifyCsrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestInboxPage: the inbox page lists the organisation's events only, marks
// them read with a CSRF-protected form, feeds its script from a
// session-authenticated stream, and lets the NCB administrator register a
// webhook whose secret is shown once.
func TestInboxPage(t *testing.T) {
	for _, e := range []string{"sqlite", "postgres"} {
		t.Run(e, func(t *testing.T) {
			u := ""
			if e == "postgres" {
				u = storetest.PostgresURL(t)
			}
			cfg := notifyConfig(t, e, u, t.TempDir())
			cfg.DemoMode = true
			s := serveApp(t, cfg, nil)
			fr := notifySignIn(t, s, "fr.admin", "ncb-fr", identity.NCBAdmin)
			ke := notifySignIn(t, s, "ke.officer", "ncb-ke", identity.Officer)
			frEv := emit(t, s.App, "ncb-fr", notify.NoticePublished)[0]
			keEv := emit(t, s.App, "ncb-ke", notify.DiffusionReceived)[0]

			st, page := fr.do("GET", "/inbox", nil)
			if st != 200 || !strings.Contains(page, `id="event-`+frEv.ID+`" class="event unread"`) || strings.Contains(page, keEv.ID) ||
				!strings.Contains(page, "Notice published") || !strings.Contains(page, `id="webhook-form"`) || !strings.Contains(page, "/static/inbox.js") {
				t.Fatalf("fr inbox page: %d\n%s", st, page)
			}
			st, kpage := ke.do("GET", "/inbox", nil)
			if st != 200 || strings.Contains(kpage, frEv.ID) || !strings.Contains(kpage, keEv.ID) || strings.Contains(kpage, `id="webhook-form"`) {
				t.Fatalf("ke inbox page: %d\n%s", st, kpage)
			}
			csrf := notifyCsrfRE.FindStringSubmatch(page)[1]

			// Without the CSRF token nothing changes.
			if st, _ := fr.do("POST", "/inbox/"+frEv.ID+"/read", url.Values{}); st != 403 && st != 400 {
				t.Fatalf("mark without csrf: %d", st)
			}
			if st, _ := ke.do("POST", "/inbox/"+frEv.ID+"/read", url.Values{"csrf": {notifyCsrfRE.FindStringSubmatch(kpage)[1]}}); st != 404 {
				t.Fatalf("ke marks fr's event: %d", st)
			}
			if st, _ := fr.do("POST", "/inbox/"+frEv.ID+"/read", url.Values{"csrf": {csrf}}); st != 303 {
				t.Fatalf("mark read: %d", st)
			}
			if _, page = fr.do("GET", "/inbox", nil); !strings.Contains(page, `id="event-`+frEv.ID+`" class="event"`) {
				t.Fatalf("still unread:\n%s", page)
			}

			// Webhooks from the page.
			st, page = fr.do("POST", "/inbox/webhooks", url.Values{"csrf": {csrf}, "url": {"http://example.org/x"}})
			if st != 400 || !strings.Contains(page, "The URL must be an https:// address.") {
				t.Fatalf("bad webhook URL: %d\n%s", st, page)
			}
			st, page = fr.do("POST", "/inbox/webhooks", url.Values{"csrf": {csrf}, "url": {"https://ncb.example/hook"}, "types": {notify.DiffusionReceived}})
			if st != 200 || !strings.Contains(page, `id="webhook-secret"`) || !strings.Contains(page, "whsec_") || !strings.Contains(page, "https://ncb.example/hook") {
				t.Fatalf("create webhook: %d\n%s", st, page)
			}
			if _, page = fr.do("GET", "/inbox", nil); strings.Contains(page, "whsec_") {
				t.Fatal("secret shown twice")
			}

			// The page's stream, with the session cookie.
			req, _ := http.NewRequest("GET", s.base+"/inbox/stream?since=0", nil)
			req.AddCookie(&http.Cookie{Name: "polex_session", Value: fr.cookie})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
				t.Fatalf("web stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "data: ") {
					if !strings.Contains(sc.Text(), frEv.ID) {
						t.Fatalf("web stream first event: %s", sc.Text())
					}
					break
				}
			}
		})
	}
}
