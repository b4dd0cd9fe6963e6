package web

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/screen"
)

// TestPersonCandidatesView renders a person check's answer (which the
// screen service gives once the name engine is in): every candidate with
// its score and the explanation of what matched and how, hits marked, in
// English and in Arabic.
func TestPersonCandidatesView(t *testing.T) {
	cat, err := loadCatalogues()
	must(t, err)
	st, err := loadAssets()
	must(t, err)
	tm, err := loadTemplates(cat, st)
	must(t, err)
	s := &Server{cat: cat, tmpl: tm}
	summary, _ := json.Marshal(map[string]any{"names": []map[string]string{{"full": "Muammar Kaddafi"}, {"full": "Муаммар Каддафи"}},
		"birth_dates": []string{"1942-06-07"}, "nationalities": []string{"LY"}, "sex": "M"})
	res := screen.Result{CheckID: "chk_1", Kind: screen.KindPerson, Outcome: screen.Hit, Matches: []screen.Match{
		{Kind: screen.KindPerson, RecordID: "per_1", Owner: "FR", Ref: "FR-P-02", Score: 0.97, Match: true, HitID: "hit_1",
			Status: screen.StatusPending, Name: "Муаммар Каддафи", Summary: summary, Explain: []screen.Reason{
				{Kind: "token", Query: "Muammar", Candidate: "Муаммар", How: "transliterated", Weight: 0.5},
				{Kind: "token", Query: "Gaddafi", Candidate: "Каддафи", How: "equivalent", Weight: 0.4},
				{Kind: "birth_date", Query: "1942-07-06", Candidate: "1942-06-07", How: "swapped", Weight: 0.07}}},
		{Kind: screen.KindPerson, RecordID: "per_2", Owner: "FR", Ref: "FR-P-01", Score: 0.41, Name: "Jean Dupont",
			Explain: []screen.Reason{{Kind: "name", Query: "Muammar Gaddafi", Candidate: "Jean Dupont", How: "mismatch"}}},
	}}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"Hit", "Candidate", "0.97", "0.41", "What matched and how", "transliterated", "equivalent spelling",
			"day and month swapped", "Name part", "<bdi>Муаммар</bdi>", "Muammar Kaddafi · Муаммар Каддафи", "1942-06-07", "FR-P-02",
			`href="/hits/hit_1"`, `id="match-1-status">Pending<`, "match-hit"}},
		{"ar", []string{`dir="rtl"`, "نتيجة إيجابية", "مرشح", "0.97", "ما الذي تطابق وكيف", "مُحوَّل حرفيًا", "اليوم والشهر معكوسان"}},
	} {
		out := &checkResult{CheckID: res.CheckID, Kind: res.Kind, Hit: true}
		for i, m := range res.Matches {
			out.Matches = append(out.Matches, s.matchView(tc.lang, i+1, m))
		}
		dir := "ltr"
		if rtl(tc.lang) {
			dir = "rtl"
		}
		v := &view{Lang: tc.lang, Dir: dir, Title: "checks.title", Data: checkData{Kind: screen.KindPerson, Values: map[string]string{"name": "Muammar Gaddafi"}, Result: out}}
		w := httptest.NewRecorder()
		must(t, s.render(w, 200, "checks", v))
		page := w.Body.String()
		for _, x := range tc.want {
			if !strings.Contains(page, x) {
				t.Errorf("%s: no %q", tc.lang, x)
			}
		}
		if strings.Count(page, `class="card match`) != 2 || strings.Count(page, "match-hit") != 1 {
			t.Errorf("%s: want two candidates, one hit", tc.lang)
		}
		if strings.Contains(page, "[checks.") || strings.Contains(page, "[property.") {
			t.Errorf("%s: a key has no text", tc.lang)
		}
	}
}
