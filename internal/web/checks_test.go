package web

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
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

// TestHitsInboxView renders the owner's side of the inbox: a pending hit
// past its deadline shows overdue and escalated with its confirm and
// reject forms; a decided one shows its reason and no forms; a searcher
// is never offered the forms.
func TestHitsInboxView(t *testing.T) {
	cat, err := loadCatalogues()
	must(t, err)
	st, err := loadAssets()
	must(t, err)
	tm, err := loadTemplates(cat, st)
	must(t, err)
	s := &Server{cat: cat, tmpl: tm}
	owner := identity.Principal{OrgKind: string(member.NCB), User: identity.User{ID: "u1", Org: "ncb-fr", Country: "FR", Roles: []identity.Role{identity.Officer}, Clearance: identity.Restricted}}
	searcher := identity.Principal{OrgKind: string(member.NCB), User: identity.User{ID: "u2", Org: "ncb-ke", Country: "KE", Roles: []identity.Role{identity.Officer}, Clearance: identity.Restricted}}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	late := screen.HitRecord{ID: "hit_late", Kind: screen.KindDocument, RecordID: "doc_1", Owner: "FR", OwnerOrg: "ncb-fr", Ref: "FR-1",
		Searcher: "u2", SearcherOrg: "ncb-ke", SearcherCountry: "KE", Purpose: "entry control", Priority: screen.Urgent,
		Status: screen.StatusPending, CheckedAt: now.Add(-time.Hour), Deadline: now.Add(-50 * time.Minute), EscalatedAt: now.Add(-49 * time.Minute)}
	done := late
	done.ID, done.Status, done.Reason, done.DecidedAt, done.EscalatedAt = "hit_done", screen.StatusRejected, "another holder", now, time.Time{}
	if v := s.hitView("en", searcher, late, now); v.CanDecide {
		t.Fatal("the searcher is offered the decision")
	}
	d := hitsData{Country: "France", Pending: 1, Owner: []hitView{s.hitView("en", owner, late, now), s.hitView("en", owner, done, now)}}
	w := httptest.NewRecorder()
	must(t, s.render(w, 200, "hits", &view{Lang: "en", Dir: "ltr", Title: "hits.title", Data: d}))
	page := w.Body.String()
	for _, x := range []string{`class="badge overdue"`, `class="badge escalated"`, `action="/hits/hit_late/confirm"`, `action="/hits/hit_late/reject"`,
		`id="owner-hit_done-status">Rejected<`, "another holder", "1 pending"} {
		if !strings.Contains(page, x) {
			t.Errorf("no %q", x)
		}
	}
	if strings.Contains(page, `action="/hits/hit_done/`) || strings.Count(page, "badge overdue") != 1 {
		t.Error("a decided hit is offered the decision or shown overdue")
	}
}

// TestHitPageExplains renders a person hit's page: what was checked, the
// name that matched and the explanation as a table, not raw JSON.
func TestHitPageExplains(t *testing.T) {
	cat, err := loadCatalogues()
	must(t, err)
	st, err := loadAssets()
	must(t, err)
	tm, err := loadTemplates(cat, st)
	must(t, err)
	s := &Server{cat: cat, tmpl: tm}
	owner := identity.Principal{OrgKind: string(member.NCB), User: identity.User{ID: "u1", Org: "ncb-fr", Country: "FR", Roles: []identity.Role{identity.Officer}, Clearance: identity.Restricted}}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	h := screen.HitRecord{ID: "hit_p", Kind: screen.KindPerson, RecordID: "per_1", Owner: "FR", OwnerOrg: "ncb-fr", Ref: "FR-P-02",
		Searcher: "u2", SearcherOrg: "ncb-ke", SearcherCountry: "KE", Purpose: "visa application", Priority: screen.Routine,
		Query:   json.RawMessage(`{"name":"Muammar Gaddafi","birth_date":"1942"}`),
		Matched: json.RawMessage(`{"name":"Муаммар Каддафи","explain":[{"kind":"token","query":"Gaddafi","candidate":"Каддафи","how":"equivalent","weight":0.4}]}`),
		Score:   0.93, Status: screen.StatusPending, CheckedAt: now, Deadline: now.Add(time.Hour)}
	d := hitData{Hit: s.hitView("en", owner, h, now)}
	w := httptest.NewRecorder()
	must(t, s.render(w, 200, "hits_view", &view{Lang: "en", Dir: "ltr", Title: "hit.title", Data: d}))
	page := w.Body.String()
	for _, x := range []string{`id="hit-explain"`, "equivalent spelling", "<bdi>Каддафи</bdi>", "Name: <bdi>Муаммар Каддафи</bdi>",
		"Birth date: <bdi>1942</bdi>", "Score 0.93", `id="confirm-form"`, `id="reject-form"`, `href="/property/persons/per_1"`} {
		if !strings.Contains(page, x) {
			t.Errorf("no %q", x)
		}
	}
	if strings.Contains(page, `[{`) || strings.Contains(page, "&#34;kind&#34;") {
		t.Error("the explanation is shown as JSON")
	}
}
