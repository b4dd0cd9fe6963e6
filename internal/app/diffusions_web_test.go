package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/config"
	"github.com/polex-org/polex/internal/identity"
)

// demoServer opens an App in demo mode (no second factor) on SQLite,
// served on loopback, with the demo world seeded.
func demoServer(t *testing.T) (*app.App, *httptest.Server) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.DemoMode = true
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(context.Background()) })
	if _, err := a.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return a, srv
}

// difBrowser is a signed-in browser stand-in: a cookie jar, no redirects followed.
type difBrowser struct {
	t    *testing.T
	base string
	hc   *http.Client
}

var difCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func difSignIn(t *testing.T, base, username string) *difBrowser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &difBrowser{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	st, _ := b.post("/login", "/login", url.Values{"username": {username}, "password": {app.DemoPassword}})
	if st != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", username, st)
	}
	return b
}

func (b *difBrowser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.hc.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// post loads from for its CSRF token, then posts form to path.
func (b *difBrowser) post(from, path string, form url.Values) (int, string) {
	b.t.Helper()
	_, page := b.get(from)
	m := difCSRF.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no CSRF token on %s", from)
	}
	form.Set("csrf", m[1])
	return b.postRaw(path, form)
}

func (b *difBrowser) postRaw(path string, form url.Values) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.base)
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if loc := resp.Header.Get("Location"); loc != "" {
		return resp.StatusCode, loc
	}
	return resp.StatusCode, string(raw)
}

// TestDiffusionPages drives the pages without a browser: compose with bad
// and good input, the recipient's page and acknowledgement, the denied
// country's "not found" on every page, the review queue and the
// withdrawal notice that replaces the recipient's copy.
func TestDiffusionPages(t *testing.T) {
	a, srv := demoServer(t)
	ctx := context.Background()
	// Germany needs a user to prove it sees nothing.
	if _, err := a.Admin.CreateUser(ctx, app.System("test"), admin.NewUser{Username: "de.officer", DisplayName: "Dieter Officer", Org: "ncb-de",
		Roles: []identity.Role{identity.Officer}, Clearance: identity.Restricted, Password: app.DemoPassword}); err != nil {
		t.Fatal(err)
	}
	// Seeding again adds no diffusion.
	if _, err := a.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	var seeded int
	if err := a.DB.SQL.QueryRow(`SELECT count(*) FROM diffusions`).Scan(&seeded); err != nil || seeded != 3 {
		t.Fatalf("%d demo diffusions after two seeds (%v), want 3", seeded, err)
	}
	fr := difSignIn(t, srv.URL, "fr.officer")
	ke := difSignIn(t, srv.URL, "ke.officer")
	de := difSignIn(t, srv.URL, "de.officer")
	gs := difSignIn(t, srv.URL, "reviewer")

	// The demo diffusions are there: Kenya received France's information.
	if st, page := ke.get("/diffusions"); st != 200 || !strings.Contains(page, "Counterfeit medicines") {
		t.Fatalf("KE received page: %d", st)
	}
	if st, page := fr.get("/diffusions/sent"); st != 200 || !strings.Contains(page, "Armed robbery of a jewellery shop") {
		t.Fatalf("FR sent page: %d", st)
	}

	const text = "Known to use the alias Pierre LEBLANC at railway stations"
	form := url.Values{"kind": {"wanted"}, "urgency": {"urgent"}, "countries": {"KE", "DE"}, "deny_countries": {"DE"},
		"subject": {"Fraud ring leader"}, "text": {text}, "legal_basis": {"Warrant 2026/99"}, "person_name": {"Paul MARTIN"},
		"person_birth": {"1975-02"}, "classification": {"official"}, "handling": {"H0"}}

	// Bad input: the form comes back with the field named, nothing is sent.
	for field, bad := range map[string]url.Values{
		"countries":    {"countries": {"KE", "DE"}},
		"legal_basis":  {"legal_basis": {""}},
		"person_birth": {"person_birth": {"1975-13"}},
		"subject":      {"subject": {""}},
	} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		for k, v := range bad {
			f[k] = v
		}
		st, page := fr.post("/diffusions/new", "/diffusions", f)
		if st != 400 || !strings.Contains(page, `id="`+field+`-error"`) || !strings.Contains(page, `id="form-error"`) {
			t.Fatalf("bad %s: %d\n%s", field, st, page)
		}
	}
	// Without a CSRF token, nothing is sent either.
	if st, _ := fr.postRaw("/diffusions", form); st != http.StatusForbidden && st != http.StatusBadRequest {
		t.Fatalf("POST without CSRF: %d", st)
	}

	form["countries"] = []string{"KE"}
	st, loc := fr.post("/diffusions/new", "/diffusions", form)
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/diffusions/dif_") {
		t.Fatalf("send: %d %s", st, loc)
	}
	id := strings.TrimPrefix(loc, "/diffusions/")

	st, page := ke.get(loc)
	if st != 200 || !strings.Contains(page, text) || !strings.Contains(page, "Paul MARTIN") || !strings.Contains(page, `id="ack"`) {
		t.Fatalf("KE page: %d", st)
	}
	if st, loc := ke.post(loc, loc+"/ack", url.Values{}); st != http.StatusSeeOther || loc != "/diffusions/"+id {
		t.Fatalf("ack: %d %s", st, loc)
	}
	if _, page := ke.get("/diffusions/" + id); strings.Contains(page, `id="ack"`) {
		t.Fatal("the ack button is still there")
	}

	// Germany: the same page as a path that does not exist, everywhere.
	_, missing := de.get("/diffusions/dif_00000000000000000000")
	for _, path := range []string{"/diffusions/" + id, "/diffusions/" + id + "/withdrawal"} {
		st, page := de.get(path)
		if st != 404 || page != missing {
			t.Fatalf("DE %s: %d", path, st)
		}
	}
	if st, page := de.get("/diffusions"); st != 200 || strings.Contains(page, id) || strings.Contains(page, "Fraud ring") {
		t.Fatalf("DE received list: %d", st)
	}
	if st, _ := de.post("/diffusions", "/diffusions/"+id+"/ack", url.Values{}); st != 404 {
		t.Fatalf("DE ack: %d", st)
	}

	// The reviewer finds it in the queue and withdraws it.
	if st, page := gs.get("/diffusions/review"); st != 200 || !strings.Contains(page, id) {
		t.Fatalf("queue: %d", st)
	}
	if st, page := gs.post("/diffusions/"+id, "/diffusions/"+id+"/review", url.Values{"decision": {"non-compliant"}}); st != 400 || !strings.Contains(page, `id="reasons-error"`) {
		t.Fatalf("non-compliant without reasons: %d", st)
	}
	if st, _ := gs.post("/diffusions/"+id, "/diffusions/"+id+"/review", url.Values{"decision": {"non-compliant"}, "reasons": {"Article 2: refugee"}}); st != http.StatusSeeOther {
		t.Fatalf("review: %d", st)
	}
	st, page = ke.get("/diffusions/" + id)
	if st != 200 || !strings.Contains(page, `id="withdrawal-notice"`) || !strings.Contains(page, "Article 2: refugee") || strings.Contains(page, text) || strings.Contains(page, "Paul MARTIN") || strings.Contains(page, "Fraud ring") {
		t.Fatalf("KE page after withdrawal: %d\n%s", st, page)
	}
	if _, page := ke.get("/diffusions"); strings.Contains(page, "Fraud ring") || !strings.Contains(page, "/diffusions/"+id+"/withdrawal") {
		t.Fatal("KE's list still shows the content, or not the notice")
	}
	if _, page := fr.get("/diffusions/" + id); strings.Contains(page, text) || !strings.Contains(page, `id="withdrawn"`) {
		t.Fatal("the sender's page still shows the content")
	}
	// Other pages of the shell are unaffected by the French catalogue.
	if st, _ := fr.get("/diffusions/new"); st != 200 {
		t.Fatalf("compose page in French: %d", st)
	}
}
