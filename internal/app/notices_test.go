package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/identity"
)

func redNotice(extra map[string]any) map[string]any {
	n := map[string]any{"type": "red", "facts": "Armed robbery of a jeweller in Lyon.",
		"person": map[string]any{"names": []any{map[string]any{"full": "Jean Dupré", "given": "Jean", "family": "Dupré"}},
			"birth_dates": []string{"1980-05-01"}, "sex": "M", "nationalities": []string{"FR"}},
		"offence": "Armed robbery", "legal_basis": "Code pénal art. 311-8", "warrant_ref": "MA-2026-0042",
		"judicial_authority": "Tribunal judiciaire de Lyon", "penalty": "Life imprisonment"}
	for k, v := range extra {
		n[k] = v
	}
	return n
}

// raw sends a request and returns the status and body.
func raw(t *testing.T, method, url, token, ct string, body []byte) (int, []byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

func smallPNG() []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 24, 24)))
	return b.Bytes()
}

// auditCount counts audit entries of action by actor with outcome.
func auditCount(t *testing.T, a *app.App, action, actor, outcome string) int {
	t.Helper()
	es, err := a.Audit.Query(context.Background(), audit.Filter{Action: action, Actor: actor, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Outcome == outcome {
			n++
		}
	}
	return n
}

func TestNoticesAPI(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		scopes := []string{"read", "search", "write"}
		frTok, _ := user(t, a, "fr.off", "ncb-fr", []identity.Role{identity.Officer}, scopes...)
		keTok, keUser := user(t, a, "ke.off", "ncb-ke", []identity.Role{identity.Officer}, scopes...)
		brTok, _ := user(t, a, "br.off", "ncb-br", []identity.Role{identity.Officer}, scopes...)
		revTok, _ := user(t, a, "gs.rev", "gs", []identity.Role{identity.GSReviewer}, scopes...)
		roTok, _ := user(t, a, "fr.ro", "ncb-fr", []identity.Role{identity.Officer}, "read")
		fr, ke, br, rev := client{t, srv.URL, frTok}, client{t, srv.URL, keTok}, client{t, srv.URL, brTok}, client{t, srv.URL, revTok}
		anon := client{t, srv.URL, ""}

		t.Run("bad input names the field", func(t *testing.T) {
			n := redNotice(nil)
			delete(n, "warrant_ref")
			st, m, h := fr.do("POST", "/api/v1/notices", n)
			wantProblem(t, st, m, h, 422, "invalid")
			if m["field"] != "warrant_ref" {
				t.Fatalf("field = %v", m["field"])
			}
			st, m, _ = fr.do("POST", "/api/v1/notices", redNotice(map[string]any{"restrictions": map[string]any{"deny_countries": []string{"KE"}},
				"public_extract": map[string]any{"agreed": true, "fields": []string{"names"}}}))
			if st != 422 || m["field"] != "public_extract.agreed" {
				t.Fatalf("extract on restricted notice: %d %v", st, m)
			}
			st, m, _ = client{t, srv.URL, roTok}.do("POST", "/api/v1/notices", redNotice(nil))
			if st != 403 {
				t.Fatalf("read-only token drafts: %d %v", st, m)
			}
		})

		t.Run("lifecycle and public extract", func(t *testing.T) {
			st, n, _ := fr.do("POST", "/api/v1/notices", redNotice(map[string]any{"public_extract": map[string]any{"agreed": true, "fields": []string{"names", "sex", "photo"}}}))
			if st != 201 || n["status"] != "draft" {
				t.Fatalf("create: %d %v", st, n)
			}
			id := n["id"].(string)
			// The API keeps the service's English message.
			if st, b, _ := raw(t, "POST", srv.URL+"/api/v1/notices/"+id+"/photos", frTok, "image/png", []byte("GIF89a not a photo")); st != 422 ||
				!bytes.Contains(b, []byte("a photo must be a JPEG or PNG image")) {
				t.Fatalf("GIF photo: %d %s", st, b)
			}
			st, b, _ := raw(t, "POST", srv.URL+"/api/v1/notices/"+id+"/photos", frTok, "image/png", smallPNG())
			if st != 201 || !strings.Contains(string(b), `"sha256"`) {
				t.Fatalf("photo upload: %d %s", st, b)
			}
			if st, m, _ := ke.do("GET", "/api/v1/notices/"+id, nil); st != 404 {
				t.Fatalf("KE reads FR's draft: %d %v", st, m)
			}
			if st, m, _ := fr.do("POST", "/api/v1/notices/"+id+"/submit", nil); st != 200 || m["status"] != "submitted" || m["findings"] == nil {
				t.Fatalf("submit: %d %v", st, m)
			}
			st, q, _ := rev.do("GET", "/api/v1/review/notices", nil)
			if qs, _ := q["notices"].([]any); st != 200 || len(qs) != 1 {
				t.Fatalf("queue: %d %v", st, q)
			}
			if st, m, _ := fr.do("GET", "/api/v1/review/notices", nil); st != 403 {
				t.Fatalf("officer reads the queue: %d %v", st, m)
			}
			if st, m, _ := rev.do("POST", "/api/v1/notices/"+id+"/refuse", map[string]any{"reasons": []string{}}); st != 422 {
				t.Fatalf("refuse without reasons: %d %v", st, m)
			}
			if st, m, _ := rev.do("POST", "/api/v1/notices/"+id+"/publish", nil); st != 200 || m["status"] != "published" {
				t.Fatalf("publish: %d %v", st, m)
			}
			if st, m, _ := rev.do("POST", "/api/v1/notices/"+id+"/publish", nil); st != 409 {
				t.Fatalf("publish twice: %d %v", st, m)
			}
			// The public extract, without credentials, with the agreed fields only.
			st, m, _ := anon.do("GET", "/api/v1/public/notices?name=DUPRE&sex=M", nil)
			xs, _ := m["notices"].([]any)
			if st != 200 || len(xs) != 1 {
				t.Fatalf("public search: %d %v", st, m)
			}
			x := xs[0].(map[string]any)
			if _, ok := x["offence"]; ok || x["photo"] == nil {
				t.Fatalf("public extract shows %v", x)
			}
			if _, ok := x["birth_date"]; ok {
				t.Fatal("public extract shows the birth date the owner did not agree to")
			}
			if st, b, h := raw(t, "GET", srv.URL+"/api/v1/public/notices/"+id+"/photo", "", "", nil); st != 200 || h.Get("Content-Type") != "image/png" || !bytes.Equal(b, smallPNG()) {
				t.Fatalf("public photo: %d %s", st, h.Get("Content-Type"))
			}
			if st, m, _ := anon.do("GET", "/api/v1/public/notices?age_min=30&age_max=60", nil); st != 200 || len(m["notices"].([]any)) != 0 {
				t.Fatalf("age search matched a birth date that is not public: %v", m)
			}
			// Versions, renew, cancel.
			if st, m, _ := fr.do("GET", "/api/v1/notices/"+id+"/versions", nil); st != 200 || len(m["versions"].([]any)) != 4 {
				t.Fatalf("versions: %d %v", st, m)
			}
			if st, m, _ := fr.do("POST", "/api/v1/notices/"+id+"/renew", nil); st != 200 {
				t.Fatalf("renew: %d %v", st, m)
			}
			if st, m, _ := fr.do("POST", "/api/v1/notices/"+id+"/cancel", map[string]any{"reason": "arrested"}); st != 200 || m["status"] != "cancelled" {
				t.Fatalf("cancel: %d %v", st, m)
			}
			if st, m, _ := anon.do("GET", "/api/v1/public/notices/"+id, nil); st != 404 {
				t.Fatalf("cancelled notice still public: %d %v", st, m)
			}
		})

		t.Run("deny list", func(t *testing.T) {
			st, n, _ := fr.do("POST", "/api/v1/notices", redNotice(map[string]any{"restrictions": map[string]any{"deny_countries": []string{"KE"}}}))
			if st != 201 {
				t.Fatalf("create: %d %v", st, n)
			}
			id := n["id"].(string)
			st, b, _ := raw(t, "POST", srv.URL+"/api/v1/notices/"+id+"/photos", frTok, "image/png", smallPNG())
			if st != 201 {
				t.Fatalf("photo: %d %s", st, b)
			}
			sha := strings.Split(strings.Split(string(b), `"sha256":"`)[1], `"`)[0]
			fr.do("POST", "/api/v1/notices/"+id+"/submit", nil)
			if st, m, _ := rev.do("POST", "/api/v1/notices/"+id+"/publish", nil); st != 200 {
				t.Fatalf("publish: %d %v", st, m)
			}
			// BR sees it on every path; KE gets exactly "not found".
			_, missing, _ := ke.do("GET", "/api/v1/notices/ntc_doesnotexist", nil)
			for _, path := range []string{"/api/v1/notices/" + id, "/api/v1/notices/" + id + "/versions", "/api/v1/notices/" + id + "/photos/" + sha} {
				if st, _, _ := raw(t, "GET", srv.URL+path, brTok, "", nil); st != 200 {
					t.Fatalf("BR %s: %d", path, st)
				}
				st, m, _ := ke.do("GET", path, nil)
				if st != 404 || m["detail"] != missing["detail"] || m["code"] != "not_found" {
					t.Fatalf("KE %s: %d %v (missing: %v)", path, st, m, missing)
				}
			}
			for _, who := range []struct {
				c    client
				tok  string
				want bool
			}{{ke, keTok, false}, {br, brTok, true}} {
				_, m, _ := who.c.do("GET", "/api/v1/notices?purpose=case+42&name=dupre", nil)
				if found := strings.Contains(toJSON(m), id); found != who.want {
					t.Fatalf("search found=%v, want %v", found, who.want)
				}
				st, b, h := raw(t, "GET", srv.URL+"/api/v1/notices-export?purpose=annual+review", who.tok, "", nil)
				if st != 200 || h.Get("Content-Type") != "application/jsonl" || strings.Contains(string(b), id) != who.want {
					t.Fatalf("export: %d found=%v", st, strings.Contains(string(b), id))
				}
			}
			if st, m, _ := br.do("GET", "/api/v1/notices", nil); st != 422 || m["field"] != "purpose" {
				t.Fatalf("search without purpose: %d %v", st, m)
			}
			if st, _, _ := anon.do("GET", "/api/v1/public/notices/"+id, nil); st != 404 {
				t.Fatalf("restricted notice public: %d", st)
			}
			// The inbox API may not exist yet on this branch; when it does, it must not mention the notice.
			if st, b, _ := raw(t, "GET", srv.URL+"/api/v1/inbox", keTok, "", nil); st == 200 && strings.Contains(string(b), id) {
				t.Fatal("KE's inbox mentions the notice")
			}
			var k int
			a.DB.SQL.QueryRow(`SELECT count(*) FROM events WHERE org = 'ncb-ke' OR subject LIKE $1 AND org NOT IN ('ncb-fr', 'gs')`, "%"+id).Scan(&k)
			if k != 0 {
				t.Fatalf("%d events reached KE", k)
			}
			if auditCount(t, a, "notice.read", keUser.ID, audit.OutcomeDeny) == 0 || auditCount(t, a, "notice.photo.read", keUser.ID, audit.OutcomeDeny) == 0 ||
				auditCount(t, a, "notice.search", keUser.ID, audit.OutcomeAllow) == 0 || auditCount(t, a, "notice.export", keUser.ID, audit.OutcomeAllow) == 0 {
				t.Fatal("reads, searches, exports and denials are not all audited")
			}
		})
	})
}

func toJSON(m map[string]any) string {
	b, _ := json.Marshal(m)
	return string(b)
}
