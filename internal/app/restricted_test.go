package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/notify"
)

// Markers: each restricted record carries its own, the control records
// theirs, in content every view of the record shows (a reference, a
// title, the facts, a name). A restricted marker in any answer to Kenya is
// a leak; a missing control marker means the path proves nothing.
const (
	rstrMark = "RSTRMARK"
	openMark = "OPENMARK"
)

// rsRecord is one record of the matrix: the restricted one or its control.
type rsRecord struct {
	kind   string // audit target prefix: notice, diffusion, document, …
	id     string
	marker string
	sha    string // of its photo or image, when it has one
}

// rsCaller is one Kenyan way in: an API token and, for people, a signed-in
// browser.
type rsCaller struct {
	name    string
	userID  string
	token   string
	web     *webUser
	officer bool // sees the control records (a border system may lack the scopes)
}

// rsAnswer is what a path answered.
type rsAnswer struct {
	status int
	ctype  string
	body   string
	rid    string
	header string // the headers but Date, X-Request-Id and Set-Cookie
}

// rsUser creates a user and returns its ID, an API token with scopes and
// its TOTP secret (people only).
func rsUser(t *testing.T, a *app.App, username, org string, role identity.Role, scopes ...string) (id, token, totp string) {
	t.Helper()
	ctx := context.Background()
	sys := app.System("test")
	c, err := a.Admin.CreateUser(ctx, sys, admin.NewUser{Username: username, DisplayName: username, Org: org, Roles: []identity.Role{role},
		Clearance: identity.Confidential, Password: "a-long-enough-password"})
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := a.Admin.IssueToken(ctx, sys, c.User.ID, "test", scopes, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return c.User.ID, tok, c.TOTPSecret
}

// rsSignIn signs in through the login form, with the second factor.
func rsSignIn(t *testing.T, base, username, totp string) *webUser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u := &webUser{t: t, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}, base: base}
	code, err := identity.TOTPCode(totp, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st, page := u.post("/login", url.Values{"username": {username}, "password": {"a-long-enough-password"}, "code": {code}})
	if st != 200 || !strings.Contains(page, `id="logout"`) {
		t.Fatalf("sign in %s: %d", username, st)
	}
	return u
}

// rsGet answers a GET by token (API), by session (web) or anonymously.
func rsGet(t *testing.T, base, path string, token string, web *webUser, accept string) rsAnswer {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	hc := http.DefaultClient
	if web != nil {
		hc = web.c
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return rsAnswer{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: string(b), rid: resp.Header.Get("X-Request-ID"), header: headers(resp.Header)}
}

// headers lists h but for the headers that differ at each request.
func headers(h http.Header) string {
	h = h.Clone()
	for _, k := range []string{"Date", "X-Request-Id", "Set-Cookie"} {
		h.Del(k)
	}
	var b strings.Builder
	h.Write(&b)
	return b.String()
}

// rsPNG returns a photo of its own for the restricted record and for the
// control, so that one record's photo cannot be reached through the other.
func rsPNG(restricted bool) []byte {
	n := 24
	if restricted {
		n = 31
	}
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, n, n)))
	return b.Bytes()
}

// fakeID returns an ID of the same shape as id that names nothing: its
// random part reversed.
func fakeID(id string) string {
	i := strings.IndexByte(id, '_') + 1
	r := []byte(id[i:])
	for a, b := 0, len(r)-1; a < b; a, b = a+1, b-1 {
		r[a], r[b] = r[b], r[a]
	}
	return id[:i] + string(r)
}

// normal returns an answer with what may differ between two requests
// removed: the request ID, the ID asked for (echoed in an instance or a
// page), and in a problem the request_id and instance members.
func normal(ans rsAnswer, id string) rsAnswer {
	ans.body = strings.ReplaceAll(ans.body, id, "{id}")
	if ans.rid != "" {
		ans.body = strings.ReplaceAll(ans.body, ans.rid, "{rid}")
	}
	ans.rid = ""
	// A visitor without a session gets a fresh login CSRF token each time.
	ans.body = csrfRE.ReplaceAllString(ans.body, `name="csrf" value="{csrf}"`)
	var m map[string]any
	if strings.Contains(ans.ctype, "json") && json.Unmarshal([]byte(ans.body), &m) == nil {
		delete(m, "request_id")
		delete(m, "instance")
		b, _ := json.Marshal(m)
		ans.body = string(b)
	}
	return ans
}

// checkIDRE matches the check ID of a clearinghouse answer, which differs
// at each check.
var checkIDRE = regexp.MustCompile(`"check_id":"chk_[0-9a-f]+"`)

// firstDiff shows where a and b first differ.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-120)
	return "…" + a[lo:min(len(a), i+120)] + "\n  ≠ …" + b[lo:min(len(b), i+120)]
}

// denies counts the audit entries of actor on target with outcome deny.
func denies(t *testing.T, a *app.App, actor, target string) int {
	t.Helper()
	n := 0
	for start := int64(0); ; {
		es, err := a.Audit.Query(context.Background(), audit.Filter{Actor: actor, Target: target, Start: start, Limit: audit.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if e.Outcome == audit.OutcomeDeny {
				n++
			}
		}
		if len(es) < audit.MaxLimit {
			return n
		}
		start = es[len(es)-1].Seq + 1
	}
}

// rsStream reads the SSE stream at path from the start of the inbox until
// an event of type typ names stop (the control diffusion, sent or
// withdrawn after the restricted one, so that any event about the latter
// comes before it), and returns the raw text read.
func rsStream(t *testing.T, base, path, token string, web *webUser, stop, typ string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	req.Header.Set("Last-Event-ID", "0")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	hc := http.DefaultClient
	if web != nil {
		hc = web.c
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: %d %s %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	var got strings.Builder
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		got.WriteString(sc.Text() + "\n")
		if l := sc.Text(); strings.HasPrefix(l, "data: ") && strings.Contains(l, stop) && strings.Contains(l, `"type":"`+typ+`"`) {
			return got.String()
		}
	}
	t.Fatalf("%s ended or timed out before the control event: %q", path, got.String())
	return ""
}

// TestRestrictedEveryPath is the deny-list matrix of issue 3: France
// creates one record of each type with Kenya on its deny list and a control
// record of each type without restriction; a Kenyan officer (API and
// browser) and a Kenyan border system then walk every path. The restricted
// record answers exactly as an ID that does not exist, appears in no list,
// search, export, inbox, stream or public extract, and every refusal is
// audited as a denial; the control record is visible on the same paths.
//
// It runs on a served App (as `polex serve`), not on a bare handler: the
// event streams need the live hub the serving process runs.
func TestRestrictedEveryPath(t *testing.T) {
	eachServed(t, func(t *testing.T, s *served) {
		a, base := s.App, s.base
		rw := []string{"read", "search", "write", "check"}
		_, frTok, _ := rsUser(t, a, "fr.off", "ncb-fr", identity.Officer, rw...)
		_, revTok, _ := rsUser(t, a, "gs.rev", "gs", identity.GSReviewer, rw...)
		keID, keTok, keTOTP := rsUser(t, a, "ke.off", "ncb-ke", identity.Officer, rw...)
		bsID, bsTok, _ := rsUser(t, a, "ke.border", "ncb-ke", identity.BorderSystem, "read", "search", "check")
		fr, rev := client{t, base, frTok}, client{t, base, revTok}
		deny := map[string]any{"deny_countries": []string{"KE"}}

		// The records, restricted first: an event about the restricted
		// diffusion would come before the control's in every inbox.
		rs := map[string]*rsRecord{} // by type
		ctl := map[string]*rsRecord{}
		mk := func(typ string, restricted bool) (map[string]any, *rsRecord) {
			r := &rsRecord{marker: openMark + typ}
			if restricted {
				r.marker = rstrMark + typ
				rs[typ] = r
			} else {
				ctl[typ] = r
			}
			var rest map[string]any
			if restricted {
				rest = deny
			}
			return rest, r
		}
		created := func(what string, st int, m map[string]any) string {
			t.Helper()
			id, _ := m["id"].(string)
			if st != 201 || id == "" {
				t.Fatalf("create %s: %d %v", what, st, m)
			}
			return id
		}

		// Notices: published by the reviewer, each with a photo.
		for _, restricted := range []bool{true, false} {
			rest, r := mk("notice", restricted)
			r.kind = "notice"
			given := "Amani"
			extra := map[string]any{"facts": "Armed robbery in Lyon, file " + r.marker + ".",
				"person": map[string]any{"names": []any{map[string]any{"full": given + " " + r.marker + " Kariuki", "given": given, "family": "Kariuki"}},
					"birth_dates": []string{"1980-05-01"}, "sex": "M", "nationalities": []string{"FR"}}}
			if restricted {
				extra["restrictions"] = rest
			} else {
				extra["public_extract"] = map[string]any{"agreed": true, "fields": []string{"names", "sex", "photo"}}
			}
			st, m, _ := fr.do("POST", "/api/v1/notices", redNotice(extra))
			r.id = created("notice", st, m)
			st, b, _ := raw(t, "POST", base+"/api/v1/notices/"+r.id+"/photos", frTok, "image/png", rsPNG(restricted))
			if st != 201 {
				t.Fatalf("notice photo: %d %s", st, b)
			}
			var ph map[string]any
			json.Unmarshal(b, &ph)
			r.sha, _ = ph["sha256"].(string)
			if st, m, _ := fr.do("POST", "/api/v1/notices/"+r.id+"/submit", nil); st != 200 {
				t.Fatalf("submit: %d %v", st, m)
			}
			if st, m, _ := rev.do("POST", "/api/v1/notices/"+r.id+"/publish", nil); st != 200 || m["status"] != "published" {
				t.Fatalf("publish: %d %v", st, m)
			}
		}
		// Diffusions: the restricted one to Africa (Kenya's region) with
		// Kenya denied, the control one to Kenya.
		for _, restricted := range []bool{true, false} {
			rest, r := mk("diffusion", restricted)
			r.kind = "diffusion"
			body := map[string]any{"kind": "wanted", "urgency": "urgent", "subject": "Wanted " + r.marker, "text": "Seen in Nairobi, " + r.marker,
				"legal_basis": "Warrant 2026/77", "classification": 1, "person": map[string]any{"names": []any{map[string]any{"full": "Otieno " + r.marker}}}}
			if restricted {
				body["regions"], body["restrictions"] = []string{"africa"}, rest
			} else {
				body["countries"] = []string{"KE"}
			}
			st, m, _ := fr.do("POST", "/api/v1/diffusions", body)
			r.id = created("diffusion", st, m)
			if restricted {
				var others bool
				for _, c := range m["restrictions"].(map[string]any)["allow_countries"].([]any) {
					if c == "KE" {
						t.Fatalf("KE is a recipient of the diffusion that denies it: %v", m)
					}
					others = others || c != "FR"
				}
				if !others {
					t.Fatalf("the restricted diffusion reached nobody: %v", m)
				}
			}
		}
		// Property: a travel document, a vehicle, an artwork (with an
		// image), a person; the marker is the owner's reference and, where
		// there is free text, in it too.
		vins := map[bool]string{true: "1HGCM82633A004352", false: "1M8GDM9AXKP042788"}
		for _, restricted := range []bool{true, false} {
			n := map[bool]string{true: "1", false: "2"}[restricted]
			for _, p := range []struct {
				kind string
				data func(marker string) map[string]any
			}{
				{"document", func(string) map[string]any {
					return map[string]any{"type": "passport", "number": "VX90000" + n, "issuing_country": "FR", "status": "stolen"}
				}},
				{"vehicle", func(string) map[string]any { return map[string]any{"vin": vins[restricted], "plate": "VX-90" + n} }},
				{"artwork", func(m string) map[string]any {
					return map[string]any{"category": "painting", "title": "Quillon " + m, "artist": "Quillon"}
				}},
				{"person", func(m string) map[string]any {
					return map[string]any{"names": []map[string]any{{"full": "Wanjiru " + m + " Quillon"}}}
				}},
			} {
				rest, r := mk(p.kind, restricted)
				r.kind = p.kind
				body := map[string]any{"ref": r.marker, "data": p.data(r.marker)}
				if rest != nil {
					body["restrictions"] = rest
				}
				st, m, _ := fr.do("POST", "/api/v1/"+p.kind+"s", body)
				r.id = created(p.kind, st, m)
				if p.kind == "artwork" {
					png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte(n), 100)...)
					st, m, _ := fr.raw("POST", "/api/v1/artworks/"+r.id+"/images", "image/png", bytes.NewReader(png))
					imgs, _ := m["data"].(map[string]any)["images"].([]any)
					if st != 200 || len(imgs) != 1 {
						t.Fatalf("image upload = %d %v", st, m)
					}
					r.sha = imgs[0].(map[string]any)["sha256"].(string)
				}
			}
		}

		officer := rsCaller{name: "KE officer", userID: keID, token: keTok, web: rsSignIn(t, base, "ke.off", keTOTP), officer: true}
		border := rsCaller{name: "KE border system", userID: bsID, token: bsTok}
		anon := rsCaller{name: "anonymous"}
		var reads, audited int // refused reads checked, of which by a signed-in caller (audited)

		// leaks fails when ans holds a restricted ID or marker.
		leaks := func(who, path string, ans rsAnswer, skipID string) {
			t.Helper()
			for _, r := range rs {
				body := ans.body
				if r.id == skipID {
					body = strings.ReplaceAll(body, r.id, "")
				}
				if strings.Contains(body, r.id) || strings.Contains(body, r.marker) {
					t.Errorf("%s %s: the answer mentions the restricted %s %s (%s): %.600s", who, path, r.kind, r.id, r.marker, ans.body)
				}
			}
		}
		// single checks a path about one record: on the restricted record it
		// answers as on an ID that names nothing, and the refusal is
		// audited; on the control record the officer gets it.
		single := func(c rsCaller, typ, tmpl, accept string) {
			t.Helper()
			r, k := rs[typ], ctl[typ]
			path := func(id, sha string) string {
				return strings.NewReplacer("{id}", id, "{sha}", sha).Replace(tmpl)
			}
			get := func(p string) rsAnswer {
				if c.web != nil && !strings.HasPrefix(p, "/api/") {
					return rsGet(t, base, p, "", c.web, accept)
				}
				return rsGet(t, base, p, c.token, nil, accept)
			}
			target := r.kind + ":" + r.id
			before := 0
			if c.userID != "" {
				before = denies(t, a, c.userID, target)
			}
			got := get(path(r.id, r.sha))
			missing := get(path(fakeID(r.id), r.sha))
			leaks(c.name, tmpl, got, r.id)
			if g, m := normal(got, r.id), normal(missing, fakeID(r.id)); !reflect.DeepEqual(g, m) {
				t.Errorf("%s %s on the restricted %s: %d %s; on a missing ID: %d %s; bodies differ: %s; headers %q vs %q", c.name, tmpl, typ, g.status, g.ctype, m.status, m.ctype, firstDiff(g.body, m.body), g.header, m.header)
			}
			if got.status < 400 {
				t.Errorf("%s %s: the restricted %s answered %d", c.name, tmpl, typ, got.status)
			}
			reads++
			if c.userID != "" {
				audited++
				if after := denies(t, a, c.userID, target); after <= before {
					t.Errorf("%s %s: the refused read of %s is not audited as a denial (%d → %d)", c.name, tmpl, target, before, after)
				}
			}
			if c.officer || c.userID == "" {
				ok := get(path(k.id, k.sha))
				// Images, photos and histories do not repeat the record.
				shows := strings.Contains(ok.body, k.marker) || strings.Contains(ok.body, k.id) ||
					strings.Contains(tmpl, "{sha}") || strings.Contains(tmpl, "/photo") || strings.HasSuffix(tmpl, "/history")
				if ok.status != 200 || !shows {
					t.Errorf("%s %s: the control %s answered %d without it: %.300s", c.name, tmpl, typ, ok.status, ok.body)
				}
			}
		}
		// many checks a path that lists or searches: the restricted record
		// is absent, the control present (for the officer).
		many := func(c rsCaller, typ, path, accept string) {
			t.Helper()
			var ans rsAnswer
			if c.web != nil && !strings.HasPrefix(path, "/api/") {
				ans = rsGet(t, base, path, "", c.web, accept)
			} else {
				ans = rsGet(t, base, path, c.token, nil, accept)
			}
			leaks(c.name, path, ans, "")
			if (c.officer || c.userID == "") && (ans.status != 200 || !strings.Contains(ans.body, ctl[typ].id) && !strings.Contains(ans.body, ctl[typ].marker)) {
				t.Errorf("%s %s: %d without the control %s: %.300s", c.name, path, ans.status, typ, ans.body)
			}
		}

		t.Run("api", func(t *testing.T) {
			for _, c := range []rsCaller{officer, border} {
				c.web = nil
				for _, p := range []struct{ typ, tmpl string }{
					{"notice", "/api/v1/notices/{id}"},
					{"notice", "/api/v1/notices/{id}/versions"},
					{"notice", "/api/v1/notices/{id}/photos/{sha}"},
					{"diffusion", "/api/v1/diffusions/{id}"},
					{"document", "/api/v1/documents/{id}"},
					{"document", "/api/v1/documents/{id}/history"},
					{"vehicle", "/api/v1/vehicles/{id}"},
					{"vehicle", "/api/v1/vehicles/{id}/history"},
					{"artwork", "/api/v1/artworks/{id}"},
					{"artwork", "/api/v1/artworks/{id}/history"},
					{"artwork", "/api/v1/artworks/{id}/images/{sha}"},
					{"person", "/api/v1/persons/{id}"},
					{"person", "/api/v1/persons/{id}/history"},
				} {
					single(c, p.typ, p.tmpl, "")
				}
				// The automated checks are the owner's and the reviewers':
				// another country gets 403 on the control, "not found" on
				// the restricted notice.
				nc := c
				nc.officer = false
				single(nc, "notice", "/api/v1/notices/{id}/findings", "")
				for _, p := range []struct{ typ, path string }{
					{"notice", "/api/v1/notices?purpose=case+KE-9&name=kariuki"},
					{"notice", "/api/v1/notices?purpose=case+KE-9&owner=FR&type=red"},
					{"notice", "/api/v1/notices-export?purpose=annual+review"},
					{"diffusion", "/api/v1/diffusions/received"},
					{"diffusion", "/api/v1/diffusions/export?purpose=annual+review"},
					{"document", "/api/v1/documents"},
					{"document", "/api/v1/documents?country=FR&purpose=border+check"},
					{"document", "/api/v1/documents/export?purpose=statistics"},
					{"vehicle", "/api/v1/vehicles"},
					{"vehicle", "/api/v1/vehicles/export?purpose=statistics"},
					{"artwork", "/api/v1/artworks"},
					{"artwork", "/api/v1/artworks?q=quillon&purpose=check"},
					{"artwork", "/api/v1/artworks/export?purpose=statistics"},
					{"person", "/api/v1/persons"},
					{"person", "/api/v1/persons?q=quillon&purpose=check"},
					{"person", "/api/v1/persons/export?purpose=statistics"},
				} {
					many(c, p.typ, p.path, "")
				}
				// Searches by the restricted record's own keys: nothing.
				for _, path := range []string{"/api/v1/documents?number=VX900001&country=FR&purpose=border+check",
					"/api/v1/vehicles?plate=VX-901&purpose=check", "/api/v1/vehicles?number=1HGCM82633A004352&purpose=check"} {
					ans := rsGet(t, base, path, c.token, nil, "")
					leaks(c.name, path, ans, "")
					if c.officer && ans.status != 200 {
						t.Errorf("%s %s: %d %s", c.name, path, ans.status, ans.body)
					}
				}
				for _, path := range []string{"/api/v1/documents?number=VX900002&country=FR&purpose=border+check", "/api/v1/vehicles?plate=VX-902&purpose=check"} {
					if ans := rsGet(t, base, path, c.token, nil, ""); ans.status != 200 || !strings.Contains(ans.body, openMark) {
						t.Errorf("%s %s: %d without the control: %s", c.name, path, ans.status, ans.body)
					}
				}
			}
		})

		t.Run("cross-record photos", func(t *testing.T) {
			// The restricted record's photo or image through the control
			// record answers as a photo the control does not have.
			other := strings.Repeat("ab", 32)
			for _, tmpl := range []string{"/api/v1/notices/{id}/photos/{sha}", "/notices/{id}/photos/{sha}",
				"/api/v1/artworks/{id}/images/{sha}", "/property/artworks/{id}/images/{sha}"} {
				typ := "notice"
				if strings.Contains(tmpl, "artworks") {
					typ = "artwork"
				}
				k, r := ctl[typ], rs[typ]
				var web *webUser
				tok := keTok
				if !strings.HasPrefix(tmpl, "/api/") {
					web, tok = officer.web, ""
				}
				n0 := denies(t, a, keID, r.kind+":"+r.id)
				got := rsGet(t, base, strings.NewReplacer("{id}", k.id, "{sha}", r.sha).Replace(tmpl), tok, web, "")
				want := rsGet(t, base, strings.NewReplacer("{id}", k.id, "{sha}", other).Replace(tmpl), tok, web, "")
				if g, w := normal(got, r.sha), normal(want, other); g.status != 404 || !reflect.DeepEqual(g, w) {
					t.Errorf("KE %s with the restricted %s's photo: %d; with an unknown one: %d: %s", tmpl, typ, g.status, w.status, firstDiff(g.body, w.body))
				}
				if r.sha == k.sha || denies(t, a, keID, r.kind+":"+r.id) != n0 {
					t.Errorf("the photos are not distinct, or the control's read was audited against the restricted record")
				}
			}
			for _, tmpl := range []string{"/api/v1/public/notices/{id}/photo", "/public/notices/{id}/photo"} {
				ans := rsGet(t, base, strings.ReplaceAll(tmpl, "{id}", ctl["notice"].id), "", nil, "")
				if ans.status != 200 || ans.body != string(rsPNG(false)) {
					t.Errorf("%s of the control: %d, not its own photo", tmpl, ans.status)
				}
			}
		})

		t.Run("writes", func(t *testing.T) {
			// A write on a restricted record reveals no more than a read:
			// it answers as on a missing ID, is audited as a denial and
			// changes nothing.
			js := func(v any) []byte { b, _ := json.Marshal(v); return b }
			version := func(r *rsRecord) string {
				plural := r.kind + "s"
				st, m, _ := fr.do("GET", "/api/v1/"+plural+"/"+r.id, nil)
				if st != 200 {
					t.Fatalf("FR reads its %s: %d %v", r.kind, st, m)
				}
				return toJSON(map[string]any{"v": m["version"], "s": m["status"], "u": m["updated_at"], "p": m["pending"]})
			}
			before := map[string]string{}
			for typ, r := range rs {
				before[typ] = version(r)
			}
			data := map[string]any{
				"document": map[string]any{"type": "passport", "number": "VX900009", "issuing_country": "FR", "status": "revoked"},
				"vehicle":  map[string]any{"vin": "1HGCM82633A004352", "plate": "VX-909"},
				"artwork":  map[string]any{"category": "painting", "title": "Quillon overwritten"},
				"person":   map[string]any{"names": []map[string]any{{"full": "Overwritten Quillon"}}},
			}
			type write struct {
				typ, method, tmpl, ctype string
				body                     []byte
			}
			ws := []write{
				{"notice", "PUT", "/api/v1/notices/{id}", "application/json", js(redNotice(nil))},
				{"notice", "POST", "/api/v1/notices/{id}/submit", "", nil},
				{"notice", "POST", "/api/v1/notices/{id}/cancel", "application/json", js(map[string]any{"reason": "arrested"})},
				{"notice", "POST", "/api/v1/notices/{id}/renew", "", nil},
				{"notice", "POST", "/api/v1/notices/{id}/photos", "image/png", rsPNG(false)},
				{"diffusion", "POST", "/api/v1/diffusions/{id}/acknowledge", "", nil},
				{"diffusion", "POST", "/api/v1/diffusions/{id}/withdraw", "application/json", js(map[string]any{"reason": "not ours"})},
				{"artwork", "POST", "/api/v1/artworks/{id}/images", "image/png", rsPNG(false)},
			}
			for kind, d := range data {
				ws = append(ws, write{kind, "PUT", "/api/v1/" + kind + "s/{id}", "application/json", js(map[string]any{"version": 1, "data": d})},
					write{kind, "DELETE", "/api/v1/" + kind + "s/{id}", "", nil})
			}
			for _, w := range ws {
				r := rs[w.typ]
				do := func(id string) rsAnswer {
					st, b, h := raw(t, w.method, base+strings.ReplaceAll(w.tmpl, "{id}", id), keTok, w.ctype, w.body)
					return rsAnswer{status: st, ctype: h.Get("Content-Type"), body: string(b), rid: h.Get("X-Request-ID"), header: headers(h)}
				}
				n0 := denies(t, a, keID, r.kind+":"+r.id)
				got, missing := do(r.id), do(fakeID(r.id))
				leaks("KE officer", w.method+" "+w.tmpl, got, r.id)
				if g, m := normal(got, r.id), normal(missing, fakeID(r.id)); !reflect.DeepEqual(g, m) || g.status < 400 {
					t.Errorf("KE %s %s on the restricted %s: %d; on a missing ID: %d; bodies differ: %s", w.method, w.tmpl, w.typ, g.status, m.status, firstDiff(g.body, m.body))
				}
				if n1 := denies(t, a, keID, r.kind+":"+r.id); n1 <= n0 {
					t.Errorf("KE %s %s: the refused write is not audited as a denial", w.method, w.tmpl)
				}
			}
			for typ, r := range rs {
				if typ != "diffusion" && version(r) != before[typ] {
					t.Errorf("a refused write changed the restricted %s: %s → %s", typ, before[typ], version(r))
				}
			}
			// The control diffusion is Kenya's to acknowledge.
			if st, m, _ := (client{t, base, keTok}).do("POST", "/api/v1/diffusions/"+ctl["diffusion"].id+"/acknowledge", nil); st != 200 {
				t.Errorf("acknowledge control: %d %v", st, m)
			}
		})

		t.Run("checks", func(t *testing.T) {
			// Every clearinghouse check by the restricted record's own keys
			// answers exactly as a check of keys nobody recorded (apart
			// from the check's own ID), while the owner is told; the same
			// check of the control's keys is a hit.
			post := func(c rsCaller, path string, body any) rsAnswer {
				t.Helper()
				j, _ := json.Marshal(body)
				req, _ := http.NewRequest("POST", base+path, bytes.NewReader(j))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+c.token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				out := checkIDRE.ReplaceAllString(string(b), `"check_id":"{check}"`)
				return rsAnswer{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), body: out, header: headers(resp.Header)}
			}
			ctx := map[string]any{"purpose": "entry control", "location": "Namanga"}
			with := func(q map[string]any) map[string]any {
				out := map[string]any{}
				for k, v := range ctx {
					out[k] = v
				}
				for k, v := range q {
					out[k] = v
				}
				return out
			}
			for _, p := range []struct {
				typ, path                 string
				restricted, unknown, ctrl map[string]any
			}{
				{"document", "/api/v1/checks/documents", map[string]any{"issuing_country": "FR", "number": "VX900001"},
					map[string]any{"issuing_country": "FR", "number": "VX900009"}, map[string]any{"issuing_country": "FR", "number": "VX900002"}},
				{"document", "/api/v1/checks/documents", map[string]any{"number": "VX900001"}, map[string]any{"number": "VX900009"}, map[string]any{"number": "VX900002"}},
				{"vehicle", "/api/v1/checks/vehicles", map[string]any{"vin": vins[true]}, map[string]any{"vin": "WVWZZZ1JZXW000009"}, map[string]any{"vin": vins[false]}},
				{"vehicle", "/api/v1/checks/vehicles", map[string]any{"plate": "VX 901"}, map[string]any{"plate": "VX 909"}, map[string]any{"plate": "VX 902"}},
				{"artwork", "/api/v1/checks/artworks", map[string]any{"text": "quillon " + rstrMark}, map[string]any{"text": "quillon NOSUCHMARK"}, map[string]any{"text": "quillon " + openMark}},
				{"document", "/api/v1/checks/documents/batch", map[string]any{"documents": []any{map[string]any{"number": "VX900001"}, map[string]any{"number": "VX900009"}}},
					map[string]any{"documents": []any{map[string]any{"number": "VX900008"}, map[string]any{"number": "VX900009"}}},
					map[string]any{"documents": []any{map[string]any{"number": "VX900002"}}}},
			} {
				for _, c := range []rsCaller{officer, border} {
					got := post(c, p.path, with(p.restricted))
					missing := post(c, p.path, with(p.unknown))
					leaks(c.name, p.path, got, "")
					if got.status != 200 || !reflect.DeepEqual(got, missing) {
						t.Errorf("%s %s %v: %d %s; unknown keys: %d %s", c.name, p.path, p.restricted, got.status, got.body, missing.status, missing.body)
					}
					ok := post(c, p.path, with(p.ctrl))
					if ok.status != 200 || !strings.Contains(ok.body, ctl[p.typ].id) {
						t.Errorf("%s %s: the control %s was not hit: %d %s", c.name, p.path, p.typ, ok.status, ok.body)
					}
				}
			}
			// Names: a check by the restricted person's own name shows
			// nothing of it (the control, a namesake, may show as a
			// candidate); the control's own name hits the control. The
			// same in a manifest.
			for _, c := range []rsCaller{officer, border} {
				for _, p := range []struct {
					path string
					body map[string]any
				}{
					{"/api/v1/checks/persons", with(map[string]any{"name": "Wanjiru " + rs["person"].marker + " Quillon"})},
					{"/api/v1/checks/persons", with(map[string]any{"name": "Amani " + rs["notice"].marker + " Kariuki", "birth_date": "1980-05-01"})},
					{"/api/v1/checks/manifest", with(map[string]any{"passengers": []any{map[string]any{"name": "Wanjiru " + rs["person"].marker + " Quillon",
						"document": map[string]any{"number": "VX900001"}}}})},
				} {
					got := post(c, p.path, p.body)
					leaks(c.name, p.path, got, "")
					if got.status != 200 {
						t.Errorf("%s %s: %d %s", c.name, p.path, got.status, got.body)
					}
				}
				ok := post(c, "/api/v1/checks/persons", with(map[string]any{"name": "Wanjiru " + ctl["person"].marker + " Quillon"}))
				if ok.status != 200 || !strings.Contains(ok.body, ctl["person"].id) || !strings.Contains(ok.body, `"outcome":"hit"`) {
					t.Errorf("%s: the control person was not hit: %d %s", c.name, ok.status, ok.body)
				}
				ok = post(c, "/api/v1/checks/persons", with(map[string]any{"name": "Amani " + ctl["notice"].marker + " Kariuki", "birth_date": "1980-05-01"}))
				if ok.status != 200 || !strings.Contains(ok.body, ctl["notice"].id) || !strings.Contains(ok.body, `"outcome":"hit"`) {
					t.Errorf("%s: the control notice was not hit: %d %s", c.name, ok.status, ok.body)
				}
			}

			// The hits Kenya may list and read never include the silent
			// ones; France was told of every check that matched its
			// restricted records.
			for _, c := range []rsCaller{officer, border} {
				ans := rsGet(t, base, "/api/v1/hits?side=searcher&limit=200", c.token, nil, "")
				leaks(c.name, "/api/v1/hits", ans, "")
				if ans.status != 200 || !strings.Contains(ans.body, ctl["document"].id) {
					t.Errorf("%s hits: %d %s", c.name, ans.status, ans.body)
				}
			}
			rows, err := a.DB.SQL.Query(`SELECT id, record_id FROM hits WHERE status = 'silent'`)
			if err != nil {
				t.Fatal(err)
			}
			silent := map[string]int{}
			var silentIDs []string
			for rows.Next() {
				var id, rec string
				if err := rows.Scan(&id, &rec); err != nil {
					t.Fatal(err)
				}
				silent[rec]++
				silentIDs = append(silentIDs, id)
			}
			rows.Close()
			for _, typ := range []string{"document", "vehicle", "artwork", "person", "notice"} {
				if silent[rs[typ].id] == 0 {
					t.Errorf("France was not told of the checks that matched its restricted %s", typ)
				}
			}
			for _, id := range silentIDs {
				for _, c := range []rsCaller{officer, border} {
					got := rsGet(t, base, "/api/v1/hits/"+id, c.token, nil, "")
					missing := rsGet(t, base, "/api/v1/hits/"+fakeID(id), c.token, nil, "")
					if g, m := normal(got, id), normal(missing, fakeID(id)); got.status != 404 || !reflect.DeepEqual(g, m) {
						t.Errorf("%s reads a silent hit: %d %s vs %d %s", c.name, got.status, got.body, missing.status, missing.body)
					}
				}
			}
		})

		t.Run("create side channel", func(t *testing.T) {
			// Kenya records a vehicle with the VIN of France's restricted
			// vehicle: accepted like one with an unknown VIN, not refused as
			// a duplicate that would tell the record exists.
			ke := client{t, base, keTok}
			for _, vin := range []string{"WVWZZZ1JZXW000001", vins[true], vins[false]} {
				st, m, _ := ke.do("POST", "/api/v1/vehicles", map[string]any{"data": map[string]any{"vin": vin, "plate": "KBX 001"}})
				if st != 201 {
					t.Errorf("KE vehicle with VIN %s: %d %v", vin, st, m)
				}
				leaks("KE officer", "POST /api/v1/vehicles", rsAnswer{body: toJSON(m)}, "")
			}
		})

		t.Run("public extract", func(t *testing.T) {
			for _, p := range []struct{ tmpl, accept string }{
				{"/api/v1/public/notices/{id}", ""},
				{"/public/notices/{id}", ""},
				{"/public/notices/{id}", "application/json"},
			} {
				single(anon, "notice", p.tmpl, p.accept)
			}
			// The photo of the control is public; the restricted notice's is
			// not, exactly as for a missing one.
			for _, tmpl := range []string{"/api/v1/public/notices/{id}/photo", "/public/notices/{id}/photo"} {
				single(anon, "notice", tmpl+"?{sha}", "")
			}
			for _, p := range []struct{ path, accept string }{
				{"/api/v1/public/notices?name=kariuki", ""},
				{"/api/v1/public/notices?sex=M", ""},
				{"/public/notices?name=kariuki", ""},
				{"/public/notices?name=kariuki", "application/json"},
				{"/public/notices.json?name=kariuki", ""},
			} {
				many(anon, "notice", p.path, p.accept)
			}
		})

		t.Run("pages", func(t *testing.T) {
			for _, p := range []struct{ typ, tmpl string }{
				{"notice", "/notices/{id}"},
				{"notice", "/notices/{id}/edit"},
				{"notice", "/notices/{id}/photos/{sha}"},
				{"diffusion", "/diffusions/{id}"},
				{"document", "/property/documents/{id}"},
				{"vehicle", "/property/vehicles/{id}"},
				{"artwork", "/property/artworks/{id}"},
				{"artwork", "/property/artworks/{id}/images/{sha}"},
				{"person", "/property/persons/{id}"},
			} {
				c := officer
				if p.tmpl == "/notices/{id}/edit" {
					c.officer = false // only the owner edits: the control answers as the restricted
				}
				single(c, p.typ, p.tmpl, "")
			}
			for _, p := range []struct{ typ, path string }{
				{"notice", "/notices?purpose=case+KE-9&name=kariuki"},
				{"notice", "/notices?purpose=case+KE-9&owner=FR"},
				{"diffusion", "/diffusions"},
				{"document", "/property/documents"},
				{"document", "/property/documents?country=FR&purpose=border+check"},
				{"vehicle", "/property/vehicles"},
				{"artwork", "/property/artworks"},
				{"artwork", "/property/artworks?q=quillon&purpose=check"},
				{"person", "/property/persons"},
				{"person", "/property/persons?q=quillon&purpose=check"},
				{"diffusion", "/inbox"},
			} {
				many(officer, p.typ, p.path, "")
			}
			for _, path := range []string{"/property/documents?number=VX900001&country=FR&purpose=border+check", "/property/vehicles?plate=VX-901&purpose=check", "/", "/property"} {
				ans := rsGet(t, base, path, "", officer.web, "")
				leaks(officer.name, path, ans, "")
				if ans.status != 200 {
					t.Errorf("%s %s: %d", officer.name, path, ans.status)
				}
			}
		})

		// inbox checks the inbox (API, page, paged), both streams and the
		// events table: the event of type typ about the control diffusion
		// is there, nothing about a restricted record is.
		inbox := func(t *testing.T, typ string) {
			stop := ctl["diffusion"].id
			for _, c := range []rsCaller{officer, border} {
				ans := rsGet(t, base, "/api/v1/inbox?limit=500", c.token, nil, "")
				leaks(c.name, "/api/v1/inbox", ans, "")
				if ans.status != 200 || !strings.Contains(ans.body, stop) || !strings.Contains(ans.body, `"type":"`+typ+`"`) {
					t.Errorf("%s inbox: %d without the control diffusion's %s: %s", c.name, ans.status, typ, ans.body)
				}
				// One event a page, following next to the end.
				seen := 0
				for path := "/api/v1/inbox?limit=1"; path != ""; seen++ {
					ans := rsGet(t, base, path, c.token, nil, "")
					leaks(c.name, path, ans, "")
					var pg struct {
						Events []any   `json:"events"`
						Next   float64 `json:"next"`
					}
					if ans.status != 200 || json.Unmarshal([]byte(ans.body), &pg) != nil || seen > 100 {
						t.Fatalf("%s %s: %d %s", c.name, path, ans.status, ans.body)
					}
					path = ""
					if len(pg.Events) > 0 && pg.Next > 0 {
						path = "/api/v1/inbox?limit=1&before=" + strconv.FormatFloat(pg.Next, 'f', 0, 64)
					}
				}
				got := rsStream(t, base, "/api/v1/inbox/stream", c.token, nil, stop, typ)
				leaks(c.name, "/api/v1/inbox/stream", rsAnswer{body: got}, "")
			}
			many(officer, "diffusion", "/inbox", "")
			got := rsStream(t, base, "/inbox/stream", "", officer.web, stop, typ)
			leaks(officer.name, "/inbox/stream", rsAnswer{body: got}, "")
			// And in the store: no Kenyan event names a restricted record.
			rows, err := a.DB.SQL.Query(`SELECT subject, title, data FROM events WHERE org = 'ncb-ke'`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var subject, title, data string
				if err := rows.Scan(&subject, &title, &data); err != nil {
					t.Fatal(err)
				}
				leaks("events table", "ncb-ke", rsAnswer{body: subject + title + data}, "")
			}
		}
		t.Run("inbox and streams", func(t *testing.T) { inbox(t, notify.DiffusionReceived) })

		// France withdraws both diffusions, the restricted one first: the
		// recipients' copies become withdrawal notices, and Kenya gets the
		// control's only.
		for _, r := range []*rsRecord{rs["diffusion"], ctl["diffusion"]} {
			if st, m, _ := fr.do("POST", "/api/v1/diffusions/"+r.id+"/withdraw", map[string]any{"reason": "Sent in error " + r.marker}); st != 200 || m["status"] != "withdrawn" {
				t.Fatalf("withdraw %s: %d %v", r.id, st, m)
			}
		}
		t.Run("withdrawn", func(t *testing.T) {
			for _, c := range []rsCaller{officer, border} {
				web := c.web
				c.web = nil
				for _, tmpl := range []string{"/api/v1/diffusions/{id}", "/api/v1/diffusions/{id}/withdrawal"} {
					cc := c
					cc.officer = c.officer && strings.HasSuffix(tmpl, "/withdrawal")
					single(cc, "diffusion", tmpl, "")
				}
				many(c, "diffusion", "/api/v1/diffusions/received", "")
				ans := rsGet(t, base, "/api/v1/diffusions/export?purpose=annual+review", c.token, nil, "")
				leaks(c.name, "export after withdrawal", ans, "")
				if web != nil {
					c.web = web
					single(c, "diffusion", "/diffusions/{id}/withdrawal", "")
					cc := c
					cc.officer = false
					single(cc, "diffusion", "/diffusions/{id}", "")
					many(c, "diffusion", "/diffusions", "")
				}
			}
			inbox(t, notify.DiffusionWithdrawn)
		})

		t.Run("duplicate checks", func(t *testing.T) {
			// Last, as Kenya's own notices carry the markers: Kenya submits
			// notices on the same persons as France's; the automated checks
			// may name the control notice as a likely duplicate, never the
			// restricted one.
			ke := client{t, base, keTok}
			var mine []string
			for _, r := range []*rsRecord{rs["notice"], ctl["notice"]} {
				n := redNotice(map[string]any{"facts": "Armed robbery in Nairobi.", "warrant_ref": "KE-2026-1", "judicial_authority": "High Court of Kenya",
					"person": map[string]any{"names": []any{map[string]any{"full": "Amani " + r.marker + " Kariuki", "given": "Amani", "family": "Kariuki"}},
						"birth_dates": []string{"1980-05-01"}, "sex": "M", "nationalities": []string{"FR"}}})
				st, m, _ := ke.do("POST", "/api/v1/notices", n)
				id := created("KE notice", st, m)
				mine = append(mine, id)
				st, b, _ := raw(t, "POST", base+"/api/v1/notices/"+id+"/submit", keTok, "", nil)
				if st != 200 {
					t.Fatalf("KE submit: %d %s", st, b)
				}
				found := strings.Contains(string(b), r.id)
				if r == rs["notice"] && found {
					t.Errorf("KE's submit answer names the restricted notice %s as a duplicate: %s", r.id, b)
				}
				if r == ctl["notice"] && !found {
					t.Errorf("KE's submit answer does not name the control notice %s as a duplicate: %s", r.id, b)
				}
			}
			for _, path := range []string{"/api/v1/notices/{id}", "/api/v1/notices/{id}/findings", "/api/v1/notices/{id}/versions", "/notices/{id}"} {
				for i, id := range mine {
					var ans rsAnswer
					if strings.HasPrefix(path, "/api/") {
						ans = rsGet(t, base, strings.ReplaceAll(path, "{id}", id), keTok, nil, "")
					} else {
						ans = rsGet(t, base, strings.ReplaceAll(path, "{id}", id), "", officer.web, "")
					}
					if strings.Contains(ans.body, rs["notice"].id) {
						t.Errorf("KE %s on its own notice names the restricted notice: %.600s", path, ans.body)
					}
					if i == 1 && (ans.status != 200 || path != "/api/v1/notices/{id}/versions" && !strings.Contains(ans.body, ctl["notice"].id)) {
						t.Errorf("KE %s on its own notice: %d without the control duplicate: %.600s", path, ans.status, ans.body)
					}
				}
			}
			// France publishes a second, open notice on the restricted
			// notice's person: its stored checks name the restricted
			// notice, which Kenya reading the open one must not see.
			n := redNotice(map[string]any{"person": map[string]any{"names": []any{map[string]any{"full": "Amani " + rs["notice"].marker + " Kariuki", "given": "Amani", "family": "Kariuki"}},
				"birth_dates": []string{"1980-05-01"}, "sex": "M", "nationalities": []string{"FR"}}})
			st, m, _ := fr.do("POST", "/api/v1/notices", n)
			twin := created("twin notice", st, m)
			fr.do("POST", "/api/v1/notices/"+twin+"/submit", nil)
			if st, m, _ := rev.do("POST", "/api/v1/notices/"+twin+"/publish", nil); st != 200 || !strings.Contains(toJSON(m), rs["notice"].id) {
				t.Fatalf("publish the twin: %d, its checks do not name the restricted notice: %v", st, m)
			}
			for _, path := range []string{"/api/v1/notices/" + twin, "/api/v1/notices/" + twin + "/versions", "/notices/" + twin,
				"/api/v1/notices?purpose=case+KE-9&owner=FR", "/api/v1/notices-export?purpose=annual+review", "/notices?purpose=case+KE-9&owner=FR"} {
				var ans rsAnswer
				if strings.HasPrefix(path, "/api/") {
					ans = rsGet(t, base, path, keTok, nil, "")
				} else {
					ans = rsGet(t, base, path, "", officer.web, "")
				}
				if ans.status != 200 || !strings.Contains(ans.body, twin) {
					t.Errorf("KE %s: %d without the twin notice", path, ans.status)
				}
				if i := strings.Index(ans.body, rs["notice"].id); i >= 0 {
					t.Errorf("KE %s names the restricted notice: …%s…", path, ans.body[max(0, i-300):min(len(ans.body), i+100)])
				}
			}
			for _, path := range []string{"/api/v1/notices?purpose=case+KE-9&owner=KE", "/api/v1/notices-export?purpose=annual+review", "/notices?purpose=case+KE-9&owner=KE"} {
				var ans rsAnswer
				if strings.HasPrefix(path, "/api/") {
					ans = rsGet(t, base, path, keTok, nil, "")
				} else {
					ans = rsGet(t, base, path, "", officer.web, "")
				}
				if strings.Contains(ans.body, rs["notice"].id) {
					t.Errorf("KE %s names the restricted notice: %.600s", path, ans.body)
				}
			}
		})

		if reads < 30 {
			t.Fatalf("only %d refused reads checked", reads)
		}
		t.Logf("%d refused reads answered as a missing ID; %d of them, by a signed-in caller, audited as denials", reads, audited)
	})
}
