package app_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/screen"
)

// TestManifestPage checks passenger manifests and batches of documents
// from the check page over plain HTTP on both engines, as Kenya's officer:
// every line shown with its outcome and hits (a wanted person by another
// spelling of his name, a stolen French passport), a passport France
// denies to Kenya answered no-hit like an unknown one (France is told,
// silently), a batch of
// documents (no names; semicolons and tabs), and refused input named by
// its line, with what was typed kept and nothing checked, in English and
// in French; a form over the size limit gets 413.
func TestManifestPage(t *testing.T) {
	demoEngines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		ke := difSignIn(t, srv.URL, "ke.officer")
		if st, _ := ke.post("/", "/lang", url.Values{"l": {"en"}, "next": {"/"}}); st != http.StatusSeeOther {
			t.Fatalf("language: %d", st)
		}
		ownerHitList := func() []screen.HitRecord { return ownerHitsOf(t, a, "fr.officer") }
		ownerHits := func() int { return len(ownerHitList()) }
		row := func(page string, line int) string {
			t.Helper()
			m := regexp.MustCompile(`(?s)<tr id="line-` + fmt.Sprint(line) + `"[^>]*>.*?</tr>`).FindString(page)
			if m == "" {
				t.Fatalf("no row for line %d in\n%s", line, mainRE.FindString(page))
			}
			return m
		}

		st, page := ke.get("/checks?kind=manifest")
		if st != 200 {
			t.Fatalf("manifest form: %d", st)
		}
		mustContain(t, "manifest form", page, `action="/checks/manifest"`, `id="passengers"`, `href="/checks?kind=manifest" aria-current="page"`, `id="purpose"`)

		form := func(text string) url.Values {
			return url.Values{"purpose": {"arrivals, flight KQ 310"}, "priority": {"urgent"}, "location": {"JKIA Nairobi"}, "passengers": {text}}
		}

		t.Run("manifest", func(t *testing.T) {
			before := ownerHits()
			st, page := ke.post("/checks?kind=manifest", "/checks/manifest", form("# flight KQ 310, 4 passengers\n"+
				"Muammar Gaddafi; 1942-06-07; LY; M\n"+
				"Anna Eriksson; 1974-08-12; SE; F; FR; 18FR12345\n"+
				"\n"+
				"Wanjiru Kamau; 1990; KE\n"+
				"Paul Ochieng; ; KE; M; FR; 20FR00042\n"))
			if st != 200 {
				t.Fatalf("manifest: %d\n%s", st, mainRE.FindString(page))
			}
			mustContain(t, "manifest", page, `id="manifest-summary">4 checked, 2 with a hit.`, "outcome-hit", `value="arrivals, flight KQ 310"`)
			mustContain(t, "wanted person", row(page, 2), `class="match-hit"`, "Muammar Gaddafi", "FR-P-02", "Person", ">Pending<", `href="/hits/hit_`)
			mustContain(t, "stolen passport", row(page, 3), `class="match-hit"`, "Anna Eriksson", "FR 18FR12345", "FR-SLTD-0001", "Travel document")
			mustContain(t, "nobody known", row(page, 5), "No hit")
			mustLack(t, "nobody known", row(page, 5), "match-hit", "/hits/")
			mustContain(t, "restricted passport", row(page, 6), "No hit", "FR 20FR00042")
			mustLack(t, "restricted passport", page, "FR-SLTD-0004", "revoked")
			// France is told of all three, the denied passport's as a
			// silent hit that Kenya never sees.
			refs := map[string]string{}
			for _, h := range ownerHitList() {
				refs[h.Ref] = h.Status
			}
			if n := ownerHits(); n != before+3 || refs["FR-P-02"] != screen.StatusPending || refs["FR-SLTD-0001"] != screen.StatusPending || refs["FR-SLTD-0004"] != screen.StatusSilent {
				t.Fatalf("France was told of %d hits (%v), want the person's and the stolen passport's pending and the denied passport's silent", n-before, refs)
			}
		})

		t.Run("batch of documents", func(t *testing.T) {
			st, page := ke.post("/checks?kind=manifest", "/checks/manifest", form(";;;;FR;19FR77881\n\t\t\t\tKE\tA0000000\n; ; ; ; FR; 20FR00042"))
			if st != 200 {
				t.Fatalf("batch: %d\n%s", st, mainRE.FindString(page))
			}
			mustContain(t, "batch", page, `id="manifest-summary">3 checked, 1 with a hit.`)
			mustLack(t, "batch", page, "Passenger</th>", "FR-SLTD-0004")
			mustContain(t, "lost passport", row(page, 1), `class="match-hit"`, "FR-SLTD-0002")
			mustContain(t, "unknown card", row(page, 2), "No hit", "KE A0000000")
		})

		t.Run("refused", func(t *testing.T) {
			before := ownerHits()
			for _, tc := range []struct {
				text string
				want []string
			}{
				{"Muammar Gaddafi\nAnna Eriksson; 1974-08-12; SE; F; FR; 18FR12345; extra", []string{"line 2 has 7 columns"}},
				{"Muammar Gaddafi; 1942-06-07; Libya", []string{"line 1: ", "nationality"}},
				{"Anna Eriksson; 1974-08-12; SE; F; FR; 18FR12345\n\nWanjiru Kamau; 1990-13-40", []string{"line 3: ", "birth"}},
				{"Anna Eriksson; 1974-08-12; SE; F; FR; 18FR 0000$", []string{"line 1: "}},
				{"Muammar Gaddafi\n;;;;FR;18FR12345", []string{"line 2 has no name"}},
				{";;;;FR;18FR12345\n;;;;FR", []string{"line 2 has no document number"}},
				{"# nothing but a comment\n\n", []string{"give at least one passenger"}},
				{strings.Repeat("Jane Doe\n", screen.MaxManifest+1), []string{"line 1001 is passenger 1001; one check takes at most 1000"}},
			} {
				st, page := ke.post("/checks?kind=manifest", "/checks/manifest", form(tc.text))
				if st != http.StatusBadRequest {
					t.Fatalf("%q: %d", tc.text, st)
				}
				mustContain(t, tc.text, page, append(tc.want, `id="passengers-error"`, `aria-invalid="true"`, "Check the field “Passengers or documents”")...)
				mustLack(t, tc.text, page, `id="check-result"`)
				if len(tc.text) < 200 {
					mustContain(t, tc.text, page, strings.TrimSpace(strings.SplitN(tc.text, "\n", 2)[0]))
				}
			}
			// The purpose is named as on the other forms.
			f := form("Muammar Gaddafi")
			f.Set("purpose", "")
			st, page := ke.post("/checks?kind=manifest", "/checks/manifest", f)
			if st != http.StatusBadRequest {
				t.Fatalf("no purpose: %d", st)
			}
			mustContain(t, "no purpose", page, `id="purpose-error"`, "Muammar Gaddafi")
			if n := ownerHits(); n != before {
				t.Fatalf("refused manifests raised %d hits", n-before)
			}

			// In French, the line and what is wrong are French.
			if st, _ := ke.post("/", "/lang", url.Values{"l": {"fr"}, "next": {"/"}}); st != http.StatusSeeOther {
				t.Fatalf("language: %d", st)
			}
			st, page = ke.post("/checks?kind=manifest", "/checks/manifest", form("Anna Eriksson\nMuammar Gaddafi; 1942-06-07; Libye"))
			if st != http.StatusBadRequest {
				t.Fatalf("French: %d", st)
			}
			mustContain(t, "French", page, "Ligne 2 : Indiquez un code pays ISO 3166-1 à deux lettres", "Passagers ou documents")
			if st, _ := ke.post("/", "/lang", url.Values{"l": {"en"}, "next": {"/"}}); st != http.StatusSeeOther {
				t.Fatalf("language: %d", st)
			}

			// A form over the manifest's limit is refused as too large,
			// not as a forged one.
			st, _ = ke.post("/checks?kind=manifest", "/checks/manifest", form(strings.Repeat("x", 1<<20)))
			if st != http.StatusRequestEntityTooLarge {
				t.Fatalf("oversized form: %d", st)
			}
		})
	})
}
