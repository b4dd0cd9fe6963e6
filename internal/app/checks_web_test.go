package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/config"
	"github.com/polex-org/polex/internal/screen"
	"github.com/polex-org/polex/internal/store/storetest"
)

// demoEngines runs fn on the demo world (demo mode, seeded) served on
// loopback, once per storage engine.
func demoEngines(t *testing.T, fn func(t *testing.T, a *app.App, srv *httptest.Server)) {
	t.Helper()
	for _, e := range []string{"sqlite", "postgres"} {
		t.Run(e, func(t *testing.T) {
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			cfg.DemoMode = true
			if e == "postgres" {
				cfg.DatabaseURL = storetest.PostgresURL(t)
			}
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
			fn(t, a, srv)
		})
	}
}

var (
	hitLinkRE = regexp.MustCompile(`href="/hits/(hit_[A-Za-z0-9_-]+)"`)
	mainRE    = regexp.MustCompile(`(?s)<main id="main">.*</main>`)
)

// mustContain fails when page lacks any of want.
func mustContain(t *testing.T, what, page string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Fatalf("%s: no %q in\n%s", what, w, mainRE.FindString(page))
		}
	}
}

// mustLack fails when page holds any of bad.
func mustLack(t *testing.T, what, page string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(page, b) {
			t.Fatalf("%s: %q shown in\n%s", what, b, mainRE.FindString(page))
		}
	}
}

// ownerHitsOf returns the hits on the records of username's country, as
// that user sees them in the owner's inbox.
func ownerHitsOf(t *testing.T, a *app.App, username string) []screen.HitRecord {
	t.Helper()
	ctx := context.Background()
	p, err := a.Identity.Principal(ctx, mustUserID(t, a, username), "test")
	if err != nil {
		t.Fatal(err)
	}
	hs, err := a.Screen.Hits(ctx, p, screen.HitList{Side: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

// TestCheckPages drives the clearinghouse pages over plain HTTP on both
// engines: the check forms, CSRF refusal, bad input named under its
// field with what was typed kept (in English and French), a hit on a
// French passport checked by Kenya, no-hit for a record denied to Kenya,
// the hits inbox of both sides, the owner's reject (reason required) and
// confirm, the same 404 for a hit of others as for an unknown one, and the
// statistics.
func TestCheckPages(t *testing.T) {
	demoEngines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		ke := difSignIn(t, srv.URL, "ke.officer")
		fr := difSignIn(t, srv.URL, "fr.officer")
		jp := difSignIn(t, srv.URL, "jp.officer")
		gs := difSignIn(t, srv.URL, "reviewer")
		// Demo users have their own languages: the test reads English.
		for _, b := range []*difBrowser{ke, fr, jp, gs} {
			if st, _ := b.post("/", "/lang", url.Values{"l": {"en"}, "next": {"/"}}); st != http.StatusSeeOther {
				t.Fatalf("language: %d", st)
			}
		}
		ctx := context.Background()
		ownerHits := func() []screen.HitRecord { return ownerHitsOf(t, a, "fr.officer") }

		// The navigation and the forms.
		st, home := ke.get("/")
		mustContain(t, "officer's menu", home, `href="/checks"`, `href="/hits"`)
		// The NCB administrator checks and decides hits too.
		_, home = difSignIn(t, srv.URL, "fr.admin").get("/")
		mustContain(t, "NCB administrator's menu", home, `href="/checks"`, `href="/hits"`)
		if st, page := gs.get("/checks"); st != 404 || strings.Contains(page, `href="/checks"`) {
			t.Fatalf("the General Secretariat reviewer sees the check page: %d", st)
		}
		for kind, field := range map[string]string{"document": `id="mrz"`, "vehicle": `id="plate_country"`, "person": `id="birth_date"`, "artwork": `id="text"`} {
			st, page := ke.get("/checks?kind=" + kind)
			if st != 200 {
				t.Fatalf("check page %s: %d", kind, st)
			}
			mustContain(t, "check form "+kind, page, `id="check-form"`, `name="kind" value="`+kind+`"`, field, `id="purpose"`, `name="csrf"`)
		}
		if st != 200 {
			t.Fatalf("home: %d", st)
		}

		doc := url.Values{"kind": {"document"}, "purpose": {"entry control"}, "location": {"JKIA Nairobi, gate 4"},
			"priority": {"urgent"}, "issuing_country": {"FR"}, "number": {"18FR12345"}}

		t.Run("csrf", func(t *testing.T) {
			before := len(ownerHits())
			st, _ := ke.postRaw("/checks", doc)
			if st != http.StatusForbidden {
				t.Fatalf("a check without the CSRF token: %d", st)
			}
			if n := len(ownerHits()); n != before {
				t.Fatalf("a refused post checked anyway: %d hits, want %d", n, before)
			}
		})

		t.Run("bad input", func(t *testing.T) {
			bad := url.Values{"kind": {"document"}, "purpose": {""}, "issuing_country": {"FR"}, "number": {"18FR12345"}, "location": {"Namanga"}}
			st, page := ke.post("/checks", "/checks", bad)
			if st != http.StatusBadRequest {
				t.Fatalf("no purpose: %d", st)
			}
			mustContain(t, "no purpose", page, `id="purpose-error"`, `id="form-error"`, `value="18FR12345"`, `value="Namanga"`, "Check the field “Purpose”")
			mustLack(t, "no purpose", page, `id="check-result"`)

			bad = url.Values{"kind": {"document"}, "purpose": {"entry control"}, "number": {"18FR 0000$"}}
			st, page = ke.post("/checks", "/checks", bad)
			if st != http.StatusBadRequest {
				t.Fatalf("bad number: %d", st)
			}
			mustContain(t, "bad number", page, `id="number-error"`, `value="18FR 0000$"`, `value="entry control"`)

			bad = url.Values{"kind": {"document"}, "purpose": {"entry control"}, "mrz": {"THIS IS NOT\nA MACHINE READABLE ZONE"}}
			st, page = ke.post("/checks", "/checks", bad)
			if st != http.StatusBadRequest {
				t.Fatalf("bad zone: %d", st)
			}
			mustContain(t, "bad zone", page, `id="mrz-error"`, "THIS IS NOT\nA MACHINE READABLE ZONE")

			bad = url.Values{"kind": {"vehicle"}, "purpose": {"roadside"}, "plate_country": {"France"}, "plate": {"AB-123-CD"}}
			st, page = ke.post("/checks", "/checks", bad)
			if st != http.StatusBadRequest {
				t.Fatalf("bad plate country: %d", st)
			}
			mustContain(t, "bad plate country", page, `id="plate_country-error"`, `value="France"`, `value="AB-123-CD"`)

			// In French, the message is French.
			if st, _ := ke.post("/checks", "/lang", url.Values{"l": {"fr"}, "next": {"/checks"}}); st != http.StatusSeeOther {
				t.Fatalf("language: %d", st)
			}
			defer ke.post("/checks", "/lang", url.Values{"l": {"en"}, "next": {"/checks"}})
			bad = url.Values{"kind": {"artwork"}, "purpose": {"contrôle"}, "text": {"ab"}}
			st, page = ke.post("/checks", "/checks", bad)
			if st != http.StatusBadRequest {
				t.Fatalf("short text: %d", st)
			}
			mustContain(t, "short text in French", page, `id="text-error"`, "Indiquez au moins trois lettres ou chiffres", "Vérifiez le champ « Description »")
		})

		var hitID string
		t.Run("hit", func(t *testing.T) {
			st, page := ke.post("/checks", "/checks", doc)
			if st != 200 {
				t.Fatalf("check: %d", st)
			}
			mustContain(t, "hit", page, `id="outcome"`, "outcome-hit", "FR-SLTD-0001", `id="match-1-status"`, ">Pending<", "France", "Stolen", "18FR12345")
			m := hitLinkRE.FindStringSubmatch(page)
			if m == nil {
				t.Fatal("no link to the hit")
			}
			hitID = m[1]
			// What was typed stays in the form for the next check.
			mustContain(t, "hit", page, `value="entry control"`, `value="JKIA Nairobi, gate 4"`)
		})

		t.Run("restricted: no hit", func(t *testing.T) {
			q := url.Values{"kind": {"document"}, "purpose": {"entry control"}, "issuing_country": {"FR"}, "number": {"20FR00042"}}
			st, page := ke.post("/checks", "/checks", q)
			if st != 200 {
				t.Fatalf("check: %d", st)
			}
			mustContain(t, "restricted", page, "outcome-none", ">No hit<")
			mustLack(t, "restricted", page, "FR-SLTD-0004", "outcome-hit", "/hits/hit_")
			// The answer reads like an unknown number's.
			q.Set("number", "20FR99999")
			_, unknown := ke.post("/checks", "/checks", q)
			strip := regexp.MustCompile(`chk_[A-Za-z0-9_-]+|20FR\d+`)
			if strip.ReplaceAllString(mainRE.FindString(page), "") != strip.ReplaceAllString(mainRE.FindString(unknown), "") {
				t.Fatal("the restricted document's answer differs from an unknown number's")
			}
		})

		t.Run("vehicle and artwork", func(t *testing.T) {
			st, page := jp.post("/checks", "/checks", url.Values{"kind": {"vehicle"}, "purpose": {"roadside"}, "plate": {"ab 123 cd"}, "plate_country": {"FR"}})
			if st != 200 {
				t.Fatalf("vehicle: %d", st)
			}
			mustContain(t, "vehicle", page, "outcome-hit", "FR-VEH-01", "Motor Coach Industries")
			st, page = jp.post("/checks", "/checks", url.Values{"kind": {"artwork"}, "purpose": {"customs"}, "text": {"Sisley"}})
			if st != 200 {
				t.Fatalf("artwork: %d", st)
			}
			mustContain(t, "artwork", page, "outcome-hit", "FR-ART-01", "Le Pont de Moret")
		})

		t.Run("person", func(t *testing.T) {
			st, page := jp.post("/checks", "/checks", url.Values{"kind": {"person"}, "purpose": {"visa application"}, "name": {"Муаммар Каддафи"},
				"birth_date": {"1942"}, "nationality": {"ly"}, "sex": {"M"}})
			if st != http.StatusOK {
				t.Fatalf("person: %d", st)
			}
			mustContain(t, "person", page, `id="outcome"`, "FR-P-02", `class="explain"`)
			mustContain(t, "person", page, `value="Муаммар Каддафи"`, `value="1942"`, `<option value="M" selected>`)
		})

		t.Run("inbox", func(t *testing.T) {
			// The searcher follows the status; it cannot decide.
			st, page := ke.get("/hits")
			if st != 200 {
				t.Fatalf("KE hits: %d", st)
			}
			mustContain(t, "KE inbox", page, `id="searcher-`+hitID+`"`, `id="searcher-`+hitID+`-status">Pending<`)
			mustLack(t, "KE inbox", page, `id="owner-`+hitID+`"`, `/hits/`+hitID+`/confirm`)
			// The owner sees who searched, from where and why, with the forms.
			st, page = fr.get("/hits")
			if st != 200 {
				t.Fatalf("FR hits: %d", st)
			}
			mustContain(t, "FR inbox", page, `id="owner-`+hitID+`"`, "Kenya", "JKIA Nairobi, gate 4", "entry control", "Urgent",
				`action="/hits/`+hitID+`/confirm"`, `action="/hits/`+hitID+`/reject"`)
			// The silent hit on the restricted passport is the owner's to see.
			mustContain(t, "FR inbox", page, "FR-SLTD-0004", "Not shown to the searcher")
			st, page = fr.get("/hits/" + hitID)
			if st != 200 {
				t.Fatalf("FR hit page: %d", st)
			}
			mustContain(t, "FR hit page", page, `id="hit-searcher"`, "ke-dci", `id="hit-purpose">entry control<`, "18FR12345", `id="reject-form"`)

			// Others get the page of an unknown hit, which is that of an unknown path.
			st1, hidden := jp.get("/hits/" + hitID)
			st2, unknown := jp.get("/hits/hit_doesnotexist")
			st3, nopath := jp.get("/hits/" + hitID + "/nothing")
			if st1 != 404 || st2 != 404 || st3 != 404 || hidden != unknown || hidden != nopath {
				t.Fatalf("JP reads KE's hit on FR: %d %d %d (same page: %v %v)", st1, st2, st3, hidden == unknown, hidden == nopath)
			}
			if st, _ := jp.post("/hits", "/hits/"+hitID+"/confirm", url.Values{}); st != 404 {
				t.Fatalf("JP confirms: %d", st)
			}
			// The searcher may not decide.
			if st, _ := ke.post("/hits", "/hits/"+hitID+"/confirm", url.Values{}); st != http.StatusForbidden {
				t.Fatalf("KE confirms its own hit: %d", st)
			}
		})

		t.Run("decide", func(t *testing.T) {
			st, page := fr.post("/hits", "/hits/"+hitID+"/reject", url.Values{"reason": {"  "}})
			if st != http.StatusBadRequest {
				t.Fatalf("reject without a reason: %d", st)
			}
			mustContain(t, "reject without a reason", page, `id="reason-error"`, `id="form-error"`)
			if st, _ := fr.postRaw("/hits/"+hitID+"/confirm", url.Values{}); st != http.StatusForbidden {
				t.Fatalf("confirm without CSRF: %d", st)
			}
			st, loc := fr.post("/hits", "/hits/"+hitID+"/confirm", url.Values{"reason": {"stolen in Lyon, arrest the holder"}})
			if st != http.StatusSeeOther || loc != "/hits" {
				t.Fatalf("confirm: %d %s", st, loc)
			}
			_, page = fr.get("/hits")
			mustContain(t, "FR inbox after", page, `id="owner-`+hitID+`-status">Confirmed<`)
			mustLack(t, "FR inbox after", page, `action="/hits/`+hitID+`/confirm"`)
			st, page = fr.post("/hits", "/hits/"+hitID+"/reject", url.Values{"reason": {"changed my mind"}})
			if st != http.StatusConflict {
				t.Fatalf("reject after confirm: %d", st)
			}
			mustContain(t, "decided twice", page, "already decided")
			_, page = ke.get("/hits")
			mustContain(t, "KE inbox after", page, `id="searcher-`+hitID+`-status">Confirmed<`, "stolen in Lyon, arrest the holder")
			_, page = ke.get("/hits/" + hitID)
			mustContain(t, "KE hit page after", page, `id="hit-decision"`, "Confirmed")
			mustLack(t, "KE hit page after", page, `id="reject-form"`)
		})

		t.Run("paging", func(t *testing.T) {
			keP, err := a.Identity.Principal(ctx, mustUserID(t, a, "ke.officer"), "test")
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 55; i++ {
				if _, err := a.Screen.CheckDocument(ctx, keP, screen.Context{Purpose: "manifest KQ310", Priority: "routine"},
					screen.DocumentQuery{IssuingCountry: "FR", Number: "19FR77881"}); err != nil {
					t.Fatal(err)
				}
			}
			// Every pending hit is on the owner's first page, with its forms.
			_, page := fr.get("/hits")
			if n := strings.Count(page, `/reject"`); n != 58 {
				t.Fatalf("owner's first page: %d pending hits with forms, want 58 (55 + the vehicle, the artwork and the person)", n)
			}
			mustContain(t, "owner's first page", page, "58 pending", `id="searcher-empty"`)
			// The searcher pages back to its first hit, now confirmed.
			_, page = ke.get("/hits")
			if n := strings.Count(page, `<tr id="searcher-`); n != 50 {
				t.Fatalf("searcher's first page: %d rows", n)
			}
			mustLack(t, "searcher's first page", page, `id="searcher-`+hitID+`"`)
			m := regexp.MustCompile(`href="(/hits\?sbefore=[^"]+)" id="searcher-older"`).FindStringSubmatch(page)
			if m == nil {
				t.Fatal("no link to older hits")
			}
			_, page = ke.get(strings.ReplaceAll(m[1], "&amp;", "&"))
			mustContain(t, "searcher's second page", page, `id="searcher-`+hitID+`-status">Confirmed<`, `id="searcher-first"`)

			// Missed deadlines escalate to the owner's NCB; the inbox says so.
			a.Screen.SetClock(func() time.Time { return time.Now().UTC().Add(2 * time.Hour) })
			n, err := a.Screen.Escalate(ctx)
			a.Screen.SetClock(func() time.Time { return time.Now().UTC() })
			if err != nil || n != 58 {
				t.Fatalf("escalated %d (%v), want 58", n, err)
			}
			_, page = fr.get("/hits")
			if n := strings.Count(page, `class="badge escalated"`); n != 58 {
				t.Fatalf("%d hits shown escalated, want 58", n)
			}
		})

		t.Run("stats", func(t *testing.T) {
			st, page := ke.get("/checks/stats")
			if st != 200 {
				t.Fatalf("stats: %d", st)
			}
			mustContain(t, "KE stats", page, `id="stats-table"`, "Kenya", "Travel document", `id="total-checks">58<`, `id="total-hits">56<`)
			mustLack(t, "KE stats", page, "Japan")
			st, page = ke.get("/checks/stats?from=yesterday")
			if st != http.StatusBadRequest {
				t.Fatalf("bad from: %d", st)
			}
			mustContain(t, "bad from", page, `id="from-error"`, `value="yesterday"`)
			st, page = fr.get("/checks/stats")
			if st != 200 {
				t.Fatalf("FR stats: %d", st)
			}
			mustLack(t, "FR stats", page, "Kenya")
		})
	})
}

// mustUserID returns the ID of a demo user.
func mustUserID(t *testing.T, a *app.App, username string) string {
	t.Helper()
	u, err := a.DB.UserByName(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
