package app_test

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/app"
)

// webUser is a browser session of a demo user, without a browser.
type webUser struct {
	t    *testing.T
	c    *http.Client
	base string
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (u webUser) get(path string) (int, string) {
	u.t.Helper()
	resp, err := u.c.Get(u.base + path)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (u webUser) post(path string, form url.Values) (int, string) {
	u.t.Helper()
	_, page := u.get("/login")
	form = maps.Clone(form) // each session posts its own token
	if m := csrfRE.FindStringSubmatch(page); m != nil {
		form.Set("csrf", m[1])
	}
	req, _ := http.NewRequest("POST", u.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", u.base)
	resp, err := u.c.Do(req)
	if err != nil {
		u.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func signIn(t *testing.T, base, username string) webUser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u := webUser{t: t, c: &http.Client{Jar: jar}, base: base}
	if username == "" {
		return u
	}
	st, page := u.post("/login", url.Values{"username": {username}, "password": {app.DemoPassword}})
	if st != 200 || !strings.Contains(page, `id="logout"`) {
		t.Fatalf("sign in %s: %d", username, st)
	}
	return u
}

// TestNoticePages checks the notice pages against the demo world: a
// country on a notice's deny list gets the page of a path that does not
// exist, on the notice page, its photo, the search and the public pages;
// a notice under review is visible to its owner and the reviewers only;
// the public extract shows only the agreed fields.
func TestNoticePages(t *testing.T) {
	a, srv := demoServer(t)
	ctx := context.Background()
	if _, err := a.SeedDemo(ctx); err != nil { // seeding twice keeps the data
		t.Fatal(err)
	}
	idOf := func(ref string) string {
		var id string
		if err := a.DB.SQL.QueryRow(`SELECT id FROM notices WHERE ref = $1`, ref).Scan(&id); err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		return id
	}
	var count int
	a.DB.SQL.QueryRow(`SELECT count(*) FROM notices`).Scan(&count)
	if count != 6 {
		t.Fatalf("%d demo notices, want 6", count)
	}
	denied, pending, public := idOf("BR-DEMO-RED-2"), idOf("KE-DEMO-YEL-1"), idOf("FR-DEMO-RED-1")

	jp, ke, fr, rev, anon := signIn(t, srv.URL, "jp.officer"), signIn(t, srv.URL, "ke.officer"), signIn(t, srv.URL, "fr.officer"), signIn(t, srv.URL, "reviewer"), signIn(t, srv.URL, "")
	_, missing := jp.get("/notices/ntc_doesnotexist")
	t.Run("deny list", func(t *testing.T) {
		if st, page := ke.get("/notices/" + denied); st != 200 || !strings.Contains(page, "Pereira") {
			t.Fatalf("KE reads the BR notice: %d", st)
		}
		for _, path := range []string{"/notices/" + denied, "/notices/" + denied + "/photos/" + strings.Repeat("a", 64), "/public/notices/" + denied} {
			st, page := jp.get(path)
			if st != 404 || page != missing {
				t.Fatalf("JP %s: %d (same page as a missing notice: %v)", path, st, page == missing)
			}
		}
		if _, page := jp.get("/notices?purpose=case+7&name=pereira"); strings.Contains(page, denied) || !strings.Contains(page, `id="no-results"`) {
			t.Fatal("JP's search shows the BR notice")
		}
		if _, page := ke.get("/notices?purpose=case+7&name=PEREIRA"); !strings.Contains(page, denied) {
			t.Fatal("KE's search misses the BR notice")
		}
		if st, page := jp.get("/notices?name=pereira"); st != 400 || !strings.Contains(page, `id="purpose-error"`) {
			t.Fatalf("search without purpose: %d", st)
		}
	})
	t.Run("unpublished", func(t *testing.T) {
		if st, _ := fr.get("/notices/" + pending); st != 404 {
			t.Fatalf("FR reads KE's notice under review: %d", st)
		}
		if st, page := ke.get("/notices/" + pending); st != 200 || !strings.Contains(page, "Wanjiku") {
			t.Fatalf("KE reads its own notice: %d", st)
		}
		if st, page := rev.get("/notices/review"); st != 200 || !strings.Contains(page, pending) {
			t.Fatalf("queue: %d", st)
		}
		if st, _ := fr.get("/notices/review"); st != 404 {
			t.Fatalf("an officer opens the queue: %d", st)
		}
		// The reviewer refuses it with reasons; KE sees them.
		if st, _ := rev.post("/notices/"+pending+"/refuse", url.Values{"reasons": {"The date of disappearance is doubtful.\nAdd a photograph."}}); st != 200 {
			t.Fatalf("refuse: %d", st)
		}
		if _, page := ke.get("/notices/" + pending); !strings.Contains(page, `id="refusal"`) || !strings.Contains(page, "Add a photograph.") {
			t.Fatal("KE does not see the reasons")
		}
		if st, _ := fr.post("/notices/"+pending+"/submit", url.Values{}); st != 404 {
			t.Fatalf("FR submits KE's notice: %d", st)
		}
	})
	t.Run("forms in every language", func(t *testing.T) {
		br, ae := signIn(t, srv.URL, "br.officer"), signIn(t, srv.URL, "ae.officer")
		for _, u := range []webUser{br, ae, fr, jp} {
			for _, typ := range []string{"", "red", "yellow", "blue", "black", "green", "orange", "purple", "un-special"} {
				if st, page := u.get("/notices/new?type=" + typ); st != 200 || (typ != "" && !strings.Contains(page, `id="notice-form"`)) {
					t.Fatalf("form %q: %d", typ, st)
				}
			}
			if st, _ := u.get("/notices/" + public); st != 200 {
				t.Fatalf("published notice page: %d", st)
			}
		}
		if _, page := ae.get("/notices/new?type=red"); !strings.Contains(page, `dir="rtl"`) || !strings.Contains(page, "السلطة القضائية المُصدِرة") {
			t.Fatal("the Arabic form is not in Arabic")
		}
	})
	t.Run("edit a draft", func(t *testing.T) {
		draft := idOf("FR-DEMO-PUR-1")
		st, page := fr.get("/notices/" + draft + "/edit")
		if st != 200 || !strings.Contains(page, "Cocaine dissolved") {
			t.Fatalf("edit form: %d", st)
		}
		form := url.Values{"type": {"purple"}, "ref": {"FR-DEMO-PUR-1"}, "modus_operandi": {""}, "classification": {"0"}}
		if st, page := fr.post("/notices/"+draft, form); st != 400 || !strings.Contains(page, `id="modus_operandi-error"`) {
			t.Fatalf("empty modus operandi: %d", st)
		}
		form.Set("modus_operandi", "Cocaine hidden in the lining of wine crates.")
		if st, page := fr.post("/notices/"+draft, form); st != 200 || !strings.Contains(page, "lining of wine crates") {
			t.Fatalf("update: %d", st)
		}
		if st, _ := ke.post("/notices/"+draft, form); st != 404 {
			t.Fatalf("KE edits FR's draft: %d", st)
		}
	})
	t.Run("public", func(t *testing.T) {
		st, page := anon.get("/public/notices?name=lefevre")
		if st != 200 || !strings.Contains(page, public) {
			t.Fatalf("public list: %d", st)
		}
		req, _ := http.NewRequest("GET", srv.URL+"/public/notices?nationality=FR", nil)
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Notices []map[string]any `json:"notices"`
		}
		json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if len(out.Notices) != 1 || out.Notices[0]["id"] != public || out.Notices[0]["offence"] != "Armed robbery" {
			t.Fatalf("public JSON: %v", out.Notices)
		}
		if _, ok := out.Notices[0]["photo"]; ok {
			t.Fatal("the public extract shows a field the owner did not agree to")
		}
		if st, _ := anon.get("/public/notices.json?age_min=40&age_max=45"); st != 200 {
			t.Fatalf("age search: %d", st)
		}
		if st, _ := anon.get("/public/notices?age_min=old"); st != 400 {
			t.Fatalf("bad age: %d", st)
		}
		if st, _ := anon.get("/notices/" + public); st != 200 {
			// Not signed in: sent to the login page (followed by the client).
			t.Fatalf("anonymous notice page: %d", st)
		}
	})
}
