package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/screen"
	"github.com/polex-org/polex/internal/screen/mrz"
)

// inboxOf returns the events of an organisation's inbox, newest first, of
// one type.
func inboxOf(t *testing.T, c client, typ string) []map[string]any {
	t.Helper()
	st, m, _ := c.do("GET", "/api/v1/inbox?limit=200", nil)
	if st != 200 {
		t.Fatalf("inbox: %d %v", st, m)
	}
	var out []map[string]any
	for _, e := range m["events"].([]any) {
		ev := e.(map[string]any)
		if ev["type"] == typ {
			out = append(out, ev)
		}
	}
	return out
}

func eventData(t *testing.T, ev map[string]any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(ev["data"])
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("event data: %v", err)
	}
	return d
}

// TestChecksDocumentsAndVehicles: a Kenyan border system checks French
// documents and vehicles; the owner is told of every hit (silent ones
// included), confirms and rejects; deadlines escalate; restricted records
// never show; statistics count.
func TestChecksDocumentsAndVehicles(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		ctx := context.Background()
		frTok, _ := user(t, a, "fr.officer", "ncb-fr", []identity.Role{identity.Officer}, "read", "search", "write", "check")
		keTok, _ := user(t, a, "ke.border", "ncb-ke", []identity.Role{identity.BorderSystem}, "read", "check", "write")
		jpTok, _ := user(t, a, "jp.officer", "ncb-jp", []identity.Role{identity.Officer}, "read", "check", "write")
		fr, ke, jp := client{t, srv.URL, frTok}, client{t, srv.URL, keTok}, client{t, srv.URL, jpTok}

		create := func(path string, body map[string]any) string {
			t.Helper()
			st, m, _ := fr.do("POST", path, body)
			if st != 201 {
				t.Fatalf("create %s: %d %v", path, st, m)
			}
			return m["id"].(string)
		}
		open := create("/api/v1/documents", map[string]any{"ref": "FR-OPEN", "data": map[string]any{
			"type": "passport", "number": "18FR00001", "issuing_country": "FR", "status": "stolen"}})
		hidden := create("/api/v1/documents", map[string]any{"ref": "FR-HIDDEN", "restrictions": map[string]any{"deny_countries": []string{"KE"}},
			"data": map[string]any{"type": "passport", "number": "18FR00002", "issuing_country": "FR", "status": "stolen"}})
		car := create("/api/v1/vehicles", map[string]any{"ref": "FR-CAR", "data": map[string]any{"vin": "1M8GDM9AXKP042788", "plate": "AB-123-CD", "plate_country": "FR"}})

		doc := func(c client, body map[string]any) (int, map[string]any) {
			t.Helper()
			st, m, _ := c.do("POST", "/api/v1/checks/documents", body)
			return st, m
		}
		t.Run("bad input", func(t *testing.T) {
			st, m, h := ke.do("POST", "/api/v1/checks/documents", map[string]any{"issuing_country": "FR", "number": "18FR00001"})
			wantProblem(t, st, m, h, 422, "invalid")
			if m["field"] != "purpose" {
				t.Fatalf("no purpose: %v", m)
			}
			st, m, h = ke.do("POST", "/api/v1/checks/documents", map[string]any{"purpose": "border", "number": "18FR 0000$"})
			wantProblem(t, st, m, h, 422, "invalid")
			if m["field"] != "number" {
				t.Fatalf("bad number: %v", m)
			}
			st, m, h = ke.do("POST", "/api/v1/checks/documents/batch", map[string]any{"purpose": "manifest", "documents": []any{
				map[string]any{"number": "A1"}, map[string]any{"number": "B!"}}})
			wantProblem(t, st, m, h, 422, "invalid")
			if m["field"] != "documents[1].number" {
				t.Fatalf("bad batch: %v", m)
			}
			st, m, h = ke.do("POST", "/api/v1/checks/vehicles", map[string]any{"purpose": "border"})
			wantProblem(t, st, m, h, 422, "invalid")
		})

		var openHit string
		t.Run("hit", func(t *testing.T) {
			before := time.Now()
			st, m := doc(ke, map[string]any{"purpose": "entry control", "location": "Namanga border post", "issuing_country": "FR", "number": "18fr 00001"})
			if st != 200 || m["outcome"] != "hit" {
				t.Fatalf("check: %d %v", st, m)
			}
			ms := m["matches"].([]any)
			hit := ms[0].(map[string]any)
			if len(ms) != 1 || hit["record_id"] != open || hit["owner"] != "FR" || hit["status"] != "pending" || hit["match"] != true {
				t.Fatalf("matches: %v", ms)
			}
			deadline, _ := time.Parse(time.RFC3339Nano, hit["deadline"].(string))
			if d := deadline.Sub(before); d < 9*time.Minute || d > 11*time.Minute {
				t.Fatalf("a border system's check is urgent (10 minutes): deadline in %v", d)
			}
			openHit = hit["hit_id"].(string)
			evs := inboxOf(t, fr, "hit.raised")
			if len(evs) != 1 {
				t.Fatalf("owner told %d times", len(evs))
			}
			d := eventData(t, evs[0])
			if d["hit"] != openHit || d["searcher_country"] != "KE" || d["purpose"] != "entry control" || d["location"] != "Namanga border post" || d["status"] != "pending" {
				t.Fatalf("owner's event: %v", d)
			}
			st, m, _ = ke.do("GET", "/api/v1/hits/"+openHit, nil)
			if st != 200 || m["status"] != "pending" || m["searcher_country"] != "KE" {
				t.Fatalf("searcher reads the hit: %d %v", st, m)
			}
		})

		t.Run("restricted: no-hit, owner told", func(t *testing.T) {
			st, m := doc(ke, map[string]any{"purpose": "entry control", "issuing_country": "FR", "number": "18FR00002"})
			st2, m2 := doc(ke, map[string]any{"purpose": "entry control", "issuing_country": "FR", "number": "18FR99999"})
			if st != 200 || m["outcome"] != "no-hit" || len(m["matches"].([]any)) != 0 {
				t.Fatalf("restricted document shown: %d %v", st, m)
			}
			if st2 != st || m2["outcome"] != m["outcome"] || len(m2) != len(m) {
				t.Fatalf("restricted answer differs from an unknown number: %v vs %v", m, m2)
			}
			evs := inboxOf(t, fr, "hit.raised")
			if len(evs) != 2 {
				t.Fatalf("owner events = %d, want 2", len(evs))
			}
			if d := eventData(t, evs[0]); d["record"] != hidden || d["status"] != "silent" {
				t.Fatalf("silent hit event: %v", d)
			}
			for _, ev := range inboxOf(t, ke, "hit.raised") {
				t.Fatalf("searcher told of a hit: %v", ev)
			}
			// The searcher's list shows only the hit it was shown.
			st, m, _ = ke.do("GET", "/api/v1/hits?side=searcher", nil)
			if hs := m["hits"].([]any); st != 200 || len(hs) != 1 || hs[0].(map[string]any)["id"] != openHit {
				t.Fatalf("searcher's hits: %d %v", st, m)
			}
			st, m, _ = fr.do("GET", "/api/v1/hits", nil)
			if hs := m["hits"].([]any); st != 200 || len(hs) != 2 {
				t.Fatalf("owner's hits: %d %v", st, m)
			}
		})

		t.Run("confirm", func(t *testing.T) {
			st, m, h := ke.do("POST", "/api/v1/hits/"+openHit+"/confirm", map[string]any{})
			wantProblem(t, st, m, h, 403, "permission")
			st, m, h = jp.do("POST", "/api/v1/hits/"+openHit+"/confirm", map[string]any{})
			wantProblem(t, st, m, h, 404, "not_found")
			st, m, h = fr.do("POST", "/api/v1/hits/"+openHit+"/reject", map[string]any{})
			wantProblem(t, st, m, h, 422, "invalid")
			st, m, _ = fr.do("POST", "/api/v1/hits/"+openHit+"/confirm", map[string]any{"reason": "passport reported stolen in Lyon"})
			if st != 200 || m["status"] != "confirmed" {
				t.Fatalf("confirm: %d %v", st, m)
			}
			st, m, h = fr.do("POST", "/api/v1/hits/"+openHit+"/reject", map[string]any{"reason": "changed my mind"})
			wantProblem(t, st, m, h, 409, "conflict")
			st, m, _ = ke.do("GET", "/api/v1/hits/"+openHit, nil)
			if st != 200 || m["status"] != "confirmed" || m["reason"] != "passport reported stolen in Lyon" {
				t.Fatalf("searcher sees: %d %v", st, m)
			}
			if evs := inboxOf(t, ke, "hit.confirmed"); len(evs) != 1 {
				t.Fatalf("searcher told of the confirmation %d times", len(evs))
			}
		})

		t.Run("vehicles and batch", func(t *testing.T) {
			st, m, _ := jp.do("POST", "/api/v1/checks/vehicles", map[string]any{"purpose": "roadside", "plate": "ab 123-cd"})
			if st != 200 || m["outcome"] != "hit" || m["matches"].([]any)[0].(map[string]any)["record_id"] != car {
				t.Fatalf("plate: %d %v", st, m)
			}
			st, m, _ = jp.do("POST", "/api/v1/checks/vehicles", map[string]any{"purpose": "roadside", "vin": "1M8GDM9AXKP042788", "plate_country": "DE", "plate": "AB-123-CD"})
			if st != 200 || m["outcome"] != "hit" {
				t.Fatalf("vin: %d %v", st, m)
			}
			st, m, _ = jp.do("POST", "/api/v1/checks/vehicles", map[string]any{"purpose": "roadside", "plate_country": "DE", "plate": "AB-123-CD"})
			if st != 200 || m["outcome"] != "no-hit" {
				t.Fatalf("plate of another country: %d %v", st, m)
			}
			st, m, _ = ke.do("POST", "/api/v1/checks/documents/batch", map[string]any{"purpose": "manifest KQ100", "documents": []any{
				map[string]any{"issuing_country": "FR", "number": "X1"}, map[string]any{"issuing_country": "FR", "number": "18FR00001"},
				map[string]any{"number": "18FR00002"}, map[string]any{"issuing_country": "DE", "number": "18FR00001"}}})
			hs := m["hits"].([]any)
			if st != 200 || m["checked"] != float64(4) || len(hs) != 1 || hs[0].(map[string]any)["index"] != float64(1) {
				t.Fatalf("batch: %d %v", st, m)
			}
		})

		t.Run("a document added now is found at once", func(t *testing.T) {
			id := create("/api/v1/documents", map[string]any{"ref": "FR-NEW", "data": map[string]any{
				"type": "id-card", "number": "NEW123", "issuing_country": "FR", "status": "lost"}})
			st, m := doc(ke, map[string]any{"purpose": "entry control", "number": "NEW123"})
			if st != 200 || m["outcome"] != "hit" || m["matches"].([]any)[0].(map[string]any)["record_id"] != id {
				t.Fatalf("new document: %d %v", st, m)
			}
			if st, _, _ := fr.do("DELETE", "/api/v1/documents/"+id, nil); st != 204 {
				t.Fatalf("delete: %d", st)
			}
			if st, m := doc(ke, map[string]any{"purpose": "entry control", "number": "NEW123"}); st != 200 || m["outcome"] != "no-hit" {
				t.Fatalf("deleted document: %d %v", st, m)
			}
		})

		t.Run("escalation", func(t *testing.T) {
			n, err := a.Screen.Escalate(ctx)
			if err != nil || n != 0 {
				t.Fatalf("nothing is late yet: %d %v", n, err)
			}
			a.Screen.SetClock(func() time.Time { return time.Now().UTC().Add(2 * time.Hour) })
			defer a.Screen.SetClock(func() time.Time { return time.Now().UTC() })
			n, err = a.Screen.Escalate(ctx)
			if err != nil || n == 0 {
				t.Fatalf("late hits escalated: %d %v", n, err)
			}
			if n2, _ := a.Screen.Escalate(ctx); n2 != 0 {
				t.Fatalf("escalated twice: %d", n2)
			}
			evs := inboxOf(t, fr, "hit.escalated")
			if len(evs) != n {
				t.Fatalf("NCB told of %d escalations, want %d", len(evs), n)
			}
			if evs[0]["org"] != "ncb-fr" {
				t.Fatalf("escalated to %v", evs[0]["org"])
			}
		})

		t.Run("statistics", func(t *testing.T) {
			st, m, _ := ke.do("GET", "/api/v1/checks/stats", nil)
			if st != 200 {
				t.Fatalf("stats: %d %v", st, m)
			}
			var checks, hits float64
			for _, r := range m["rows"].([]any) {
				row := r.(map[string]any)
				if row["country"] != "KE" {
					t.Fatalf("Kenya sees another country's figures: %v", row)
				}
				if row["kind"] == "document" {
					checks += row["checks"].(float64)
					hits += row["hits"].(float64)
				}
			}
			// 2 hits shown (18FR00001 alone and in the batch), 1 new document;
			// checks: 1 + 2 (restricted, unknown) + 4 (batch) + 2 (new, deleted).
			if checks != 9 || hits != 3 {
				t.Fatalf("Kenya's document checks = %v, hits = %v; want 9, 3", checks, hits)
			}
		})

		t.Run("offline hits uploaded", func(t *testing.T) {
			hit := map[string]any{"id": "post-namanga-0001", "kind": "document", "record_id": open, "owner": "FR", "ref": "FR-OPEN",
				"query": map[string]any{"number": "18FR00001", "issuing_country": "FR"}, "checked_at": time.Now().Add(-time.Hour).UTC(),
				"purpose": "entry control (offline)", "post": "ke.border"}
			gone := map[string]any{"id": "post-namanga-0002", "kind": "document", "record_id": "doc_unknown", "query": map[string]any{"number": "X"},
				"checked_at": time.Now().Add(-time.Hour).UTC(), "purpose": "entry control (offline)"}
			before := len(inboxOf(t, fr, "hit.raised"))
			st, m, _ := ke.do("POST", "/api/v1/checks/offline", map[string]any{"hits": []any{hit, gone}})
			if st != 200 || m["stored"] != float64(1) || m["gone"] != float64(1) || m["duplicate"] != float64(0) {
				t.Fatalf("upload: %d %v", st, m)
			}
			st, m, _ = ke.do("POST", "/api/v1/checks/offline", map[string]any{"hits": []any{hit}})
			if st != 200 || m["stored"] != float64(0) || m["duplicate"] != float64(1) {
				t.Fatalf("upload again: %d %v", st, m)
			}
			evs := inboxOf(t, fr, "hit.raised")
			if len(evs) != before+1 {
				t.Fatalf("owner told %d times of one offline hit", len(evs)-before)
			}
			if d := eventData(t, evs[0]); d["offline"] != true || d["record"] != open || d["purpose"] != "entry control (offline)" {
				t.Fatalf("offline hit event: %v", d)
			}
			bad := map[string]any{"id": "post-namanga-0003", "kind": "document", "record_id": open, "query": map[string]any{}, "checked_at": time.Now().Add(time.Hour).UTC(), "purpose": "x"}
			st, m, h := ke.do("POST", "/api/v1/checks/offline", map[string]any{"hits": []any{bad}})
			wantProblem(t, st, m, h, 422, "invalid")
			if m["field"] != "hits[0].checked_at" {
				t.Fatalf("future hit: %v", m)
			}
		})
		t.Run("machine-readable zone", func(t *testing.T) {
			z, err := mrz.Encode(mrz.Zone{Format: mrz.TD3, DocumentCode: "P", IssuingState: "FRA", DocumentNumber: "18FR00001", Nationality: "FRA",
				BirthDate: "800101", Sex: "M", ExpiryDate: "300101", Surname: "MARTIN", GivenNames: "PAUL"})
			if err != nil {
				t.Fatal(err)
			}
			st, m := doc(jp, map[string]any{"purpose": "entry control", "mrz": z})
			if st != 200 || m["outcome"] != "hit" || m["matches"].([]any)[0].(map[string]any)["record_id"] != open {
				t.Fatalf("check by zone: %d %v", st, m)
			}
			broken := strings.Replace(z, "18FR00001", "18FR00007", 1)
			st, m, h := jp.do("POST", "/api/v1/checks/documents", map[string]any{"purpose": "entry control", "mrz": broken})
			wantProblem(t, st, m, h, 422, "invalid")
			if m["field"] != "mrz" || !strings.Contains(m["detail"].(string), "document number") {
				t.Fatalf("broken zone: %v", m)
			}
		})

	})
}

// TestChecksPersons: names in other scripts and spellings find the
// persons database's records with an explanation; a person denied to the
// searcher is a silent hit; a manifest checks names and documents at once.
func TestChecksPersons(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		frTok, _ := user(t, a, "fr.officer", "ncb-fr", []identity.Role{identity.Officer}, "read", "write", "check")
		keTok, _ := user(t, a, "ke.border", "ncb-ke", []identity.Role{identity.BorderSystem}, "read", "check")
		fr, ke := client{t, srv.URL, frTok}, client{t, srv.URL, keTok}
		create := func(path string, body map[string]any) string {
			t.Helper()
			st, m, _ := fr.do("POST", path, body)
			if st != 201 {
				t.Fatalf("create %s: %d %v", path, st, m)
			}
			return m["id"].(string)
		}
		gaddafi := create("/api/v1/persons", map[string]any{"ref": "FR-P-1", "data": map[string]any{
			"names": []map[string]any{{"full": "Муаммар Каддафи"}, {"full": "Muammar Kaddafi", "alias": true}}, "birth_dates": []string{"1942-06-07"},
			"nationalities": []string{"LY"}, "sex": "M"}})
		hidden := create("/api/v1/persons", map[string]any{"ref": "FR-P-2", "restrictions": map[string]any{"deny_countries": []string{"KE"}},
			"data": map[string]any{"names": []map[string]any{{"full": "Oleksandr Petrenko"}}, "birth_dates": []string{"1971-03-02"}}})
		create("/api/v1/documents", map[string]any{"ref": "FR-D-1", "data": map[string]any{
			"type": "passport", "number": "15FR55555", "issuing_country": "FR", "status": "stolen"}})

		person := func(body map[string]any) (int, map[string]any) {
			t.Helper()
			body["purpose"] = "entry control"
			st, m, _ := ke.do("POST", "/api/v1/checks/persons", body)
			return st, m
		}
		st, m := person(map[string]any{"name": "Moammar GADDAFI", "birth_date": "1942", "nationality": "LY"})
		if st != 200 || m["outcome"] != "hit" {
			t.Fatalf("person check: %d %v", st, m)
		}
		best := m["matches"].([]any)[0].(map[string]any)
		if best["record_id"] != gaddafi || best["match"] != true || best["score"].(float64) < 0.85 || len(best["explain"].([]any)) == 0 || best["hit_id"] == "" {
			t.Fatalf("best candidate: %v", best)
		}
		st, m = person(map[string]any{"name": "Alexander Petrenko", "birth_date": "1971-03-02"})
		st2, m2 := person(map[string]any{"name": "Zebulon Quaxworth", "birth_date": "1971-03-02"})
		delete(m, "check_id")
		delete(m2, "check_id")
		if st != 200 || m["outcome"] != "no-hit" || toJSON(m) != toJSON(m2) || st2 != st {
			t.Fatalf("restricted person: %d %v vs %v", st, m, m2)
		}
		silent := 0
		for _, ev := range inboxOf(t, fr, "hit.raised") {
			if d := eventData(t, ev); d["record"] == hidden && d["status"] == "silent" {
				silent++
			}
		}
		if silent != 1 {
			t.Fatalf("France told %d times of the check matching its restricted person", silent)
		}
		// Below the threshold, the best candidate is one Kenya may not see:
		// with a limit of 1 Kenya is shown the next one, read only then.
		hidden2 := create("/api/v1/persons", map[string]any{"ref": "FR-P-3", "restrictions": map[string]any{"deny_countries": []string{"KE"}},
			"data": map[string]any{"names": []map[string]any{{"full": "Bohdan Khmelnytsky"}}, "birth_dates": []string{"1971-03-02"}}})
		shown := create("/api/v1/persons", map[string]any{"ref": "FR-P-4",
			"data": map[string]any{"names": []map[string]any{{"full": "Bogdan Hmelnitskiy"}}, "birth_dates": []string{"1980-01-01"}}})
		one := map[string]any{"purpose": "entry control", "name": "Bohdan Kh.", "birth_date": "1971-03-02", "limit": 1}
		for _, c := range []struct {
			who  client
			want string
		}{{fr, hidden2}, {ke, shown}} {
			st, m, _ := c.who.do("POST", "/api/v1/checks/persons", one)
			ms, _ := m["matches"].([]any)
			if st != 200 || m["outcome"] != "no-hit" || len(ms) != 1 || ms[0].(map[string]any)["record_id"] != c.want {
				t.Fatalf("limit 1: %d %v (want %s)", st, m, c.want)
			}
		}

		st, m, h := ke.do("POST", "/api/v1/checks/persons", map[string]any{"purpose": "x", "name": "A", "birth_date": "1971-13"})
		wantProblem(t, st, m, h, 422, "invalid")
		if m["field"] != "birth_date" {
			t.Fatalf("bad birth date: %v", m)
		}

		// A published Red Notice is screened too; a draft is not.
		revTok, _ := user(t, a, "gs.rev", "gs", []identity.Role{identity.GSReviewer}, "read", "search", "write")
		rev := client{t, srv.URL, revTok}
		st, m, _ = fr.do("POST", "/api/v1/notices", redNotice(map[string]any{"person": map[string]any{
			"names": []any{map[string]any{"full": "Jean-Baptiste Dupré"}}, "birth_dates": []string{"1980-05-01"}, "sex": "M", "nationalities": []string{"FR"}}}))
		if st != 201 {
			t.Fatalf("notice: %d %v", st, m)
		}
		ntc := m["id"].(string)
		if st, m := person(map[string]any{"name": "Jean Baptiste DUPRE", "birth_date": "1980-05-01"}); st != 200 || m["outcome"] != "no-hit" {
			t.Fatalf("a draft notice hit: %d %v", st, m)
		}
		fr.do("POST", "/api/v1/notices/"+ntc+"/submit", nil)
		if st, m, _ := rev.do("POST", "/api/v1/notices/"+ntc+"/publish", nil); st != 200 {
			t.Fatalf("publish: %d %v", st, m)
		}
		st, m = person(map[string]any{"name": "Jean Baptiste DUPRE", "birth_date": "1980-05-01"})
		if st != 200 || m["outcome"] != "hit" {
			t.Fatalf("published notice: %d %v", st, m)
		}
		if best := m["matches"].([]any)[0].(map[string]any); best["kind"] != "notice" || best["record_id"] != ntc || best["owner"] != "FR" {
			t.Fatalf("notice match: %v", best)
		}

		st, m, _ = ke.do("POST", "/api/v1/checks/manifest", map[string]any{"purpose": "flight KQ 112", "passengers": []any{
			map[string]any{"name": "Muammar Qaddafi", "nationality": "LY"},
			map[string]any{"name": "Jane Doe", "document": map[string]any{"issuing_country": "FR", "number": "15FR55555"}},
			map[string]any{"name": "John Roe", "document": map[string]any{"issuing_country": "FR", "number": "15FR00000"}},
		}})
		if st != 200 || m["checked"] != float64(3) || m["hits"] != float64(2) {
			t.Fatalf("manifest: %d %v", st, m)
		}
		ps := m["passengers"].([]any)
		if ps[0].(map[string]any)["outcome"] != "hit" || ps[1].(map[string]any)["outcome"] != "hit" || ps[2].(map[string]any)["outcome"] != "no-hit" {
			t.Fatalf("passengers: %v", ps)
		}
		st, m, h = ke.do("POST", "/api/v1/checks/manifest", map[string]any{"purpose": "flight KQ 112", "passengers": []any{
			map[string]any{"name": "Jane Doe"}, map[string]any{"name": "John Roe", "document": map[string]any{"number": "15FR-0000"}}}})
		wantProblem(t, st, m, h, 422, "invalid")
		if m["field"] != "passengers[1].document.number" {
			t.Fatalf("bad passenger: %v", m)
		}
	})
}

// TestChecksConcurrentHits: checks that hit at the same time share hit
// transactions (group commit); each gets its own hit, stored with its
// owner's notification, none lost.
func TestChecksConcurrentHits(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		ctx := context.Background()
		frTok, _ := user(t, a, "fr.officer", "ncb-fr", []identity.Role{identity.Officer}, "write")
		_, ke := user(t, a, "ke.border", "ncb-ke", []identity.Role{identity.BorderSystem}, "check")
		fr := client{t, srv.URL, frTok}
		if st, m, _ := fr.do("POST", "/api/v1/documents", map[string]any{"ref": "FR-C", "data": map[string]any{
			"type": "passport", "number": "33FR33333", "issuing_country": "FR", "status": "stolen"}}); st != 201 {
			t.Fatalf("create: %d %v", st, m)
		}
		p, err := a.Identity.Principal(ctx, ke.ID, "test")
		if err != nil {
			t.Fatal(err)
		}
		const n = 60
		ids := make(chan string, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := a.Screen.CheckDocument(ctx, p, screen.Context{Purpose: "rush hour"}, screen.DocumentQuery{IssuingCountry: "FR", Number: "33FR33333"})
				if err != nil || r.Outcome != screen.Hit || len(r.Matches) != 1 {
					t.Errorf("check: %+v %v", r, err)
					return
				}
				ids <- r.Matches[0].HitID
			}()
		}
		wg.Wait()
		close(ids)
		seen := map[string]bool{}
		for id := range ids {
			seen[id] = true
			if _, err := a.Screen.GetHit(ctx, p, id); err != nil {
				t.Fatalf("hit %s: %v", id, err)
			}
		}
		var hits, events int
		a.DB.SQL.QueryRow(`SELECT COUNT(*) FROM hits WHERE searcher_country = 'KE'`).Scan(&hits)
		a.DB.SQL.QueryRow(`SELECT COUNT(*) FROM events WHERE type = 'hit.raised' AND org = 'ncb-fr'`).Scan(&events)
		if len(seen) != n || hits != n || events != n {
			t.Fatalf("%d distinct hits answered, %d stored, %d owner events; want %d each", len(seen), hits, events, n)
		}
	})
}

// TestBatchManyHits: a batch whose stored documents are more than one
// query of the store reads (its rows are read in parallel chunks) reports
// every one of them as a hit with its reference, and only them; those
// hidden from the searcher stay silent.
func TestBatchManyHits(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		ctx := context.Background()
		keTok, _ := user(t, a, "ke.border", "ncb-ke", []identity.Role{identity.BorderSystem}, "read", "check", "write")
		ke := client{t, srv.URL, keTok}
		p, err := a.ImportPrincipal(ctx, "FR")
		if err != nil {
			t.Fatal(err)
		}
		const stored, hidden = 300, 40
		var lines strings.Builder
		for i := range stored {
			deny := ""
			if i < hidden {
				deny = `,"restrictions":{"deny_countries":["KE"]}`
			}
			fmt.Fprintf(&lines, `{"ref":"FR-M-%d","number":"M%07d","type":"passport","issuing_country":"FR","status":"stolen"%s}`+"\n", i, i, deny)
		}
		im, err := a.Property.Import(ctx, p, property.ImportRequest{Kind: "documents", Owner: "FR", Format: "jsonl", File: "m.jsonl"}, strings.NewReader(lines.String()), nil)
		if err != nil || im.Inserted != stored {
			t.Fatalf("import: %+v %v", im, err)
		}
		var docs []any
		for i := range stored + 25 { // the last 25 are unknown
			docs = append(docs, map[string]any{"issuing_country": "FR", "number": fmt.Sprintf("M%07d", i)})
		}
		st, m, _ := ke.do("POST", "/api/v1/checks/documents/batch", map[string]any{"purpose": "flight manifest", "documents": docs})
		if st != 200 {
			t.Fatalf("batch: %d %v", st, m)
		}
		if m["checked"] != float64(stored+25) {
			t.Fatalf("checked %v", m["checked"])
		}
		hits := m["hits"].([]any)
		if len(hits) != stored-hidden {
			t.Fatalf("%d hits shown, want %d", len(hits), stored-hidden)
		}
		for j, h := range hits {
			item := h.(map[string]any)
			i := hidden + j
			ms := item["matches"].([]any)
			if item["index"] != float64(i) || len(ms) != 1 || ms[0].(map[string]any)["ref"] != fmt.Sprintf("FR-M-%d", i) {
				t.Fatalf("hit %d: %v, want document %d", j, item, i)
			}
		}
		var silent, shown int
		if err := a.DB.SQL.QueryRow(`SELECT count(*) FROM hits WHERE status = 'silent'`).Scan(&silent); err != nil {
			t.Fatal(err)
		}
		if err := a.DB.SQL.QueryRow(`SELECT count(*) FROM hits WHERE status = 'pending'`).Scan(&shown); err != nil {
			t.Fatal(err)
		}
		if silent != hidden || shown != stored-hidden {
			t.Fatalf("hits: %d silent, %d pending; want %d and %d", silent, shown, hidden, stored-hidden)
		}
	})
}

// TestChecksArtworks: works of art are found by the words of their text
// in any order and by the beginning of a word, through the index the check
// keeps (no scan of the stored text); a work changed or deleted after the
// first check is found by its new text only, or not at all; a work denied
// to Kenya is a no-hit for Kenya, its owner told silently; more than 50
// matches stop at 50.
func TestChecksArtworks(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		frTok, _ := user(t, a, "fr.officer", "ncb-fr", []identity.Role{identity.Officer}, "read", "search", "write", "check")
		keTok, _ := user(t, a, "ke.border", "ncb-ke", []identity.Role{identity.BorderSystem}, "read", "check", "write")
		fr, ke := client{t, srv.URL, frTok}, client{t, srv.URL, keTok}
		create := func(ref string, data map[string]any, restr map[string]any) string {
			t.Helper()
			body := map[string]any{"ref": ref, "data": data}
			if restr != nil {
				body["restrictions"] = restr
			}
			st, m, _ := fr.do("POST", "/api/v1/artworks", body)
			if st != 201 {
				t.Fatalf("create %s: %d %v", ref, st, m)
			}
			return m["id"].(string)
		}
		sisley := create("FR-ART-01", map[string]any{"category": "painting", "title": "Le Pont de Moret", "artist": "Alfred Sisley",
			"period": "1893", "materials": "oil on canvas"}, nil)
		bust := create("FR-ART-02", map[string]any{"category": "sculpture", "title": "Buste de femme", "artist": "unknown", "materials": "marble"}, nil)
		create("FR-ART-03", map[string]any{"category": "painting", "title": "Pont Neuf", "artist": "Auguste Renoir"}, map[string]any{"deny_countries": []string{"KE"}})
		check := func(text string) []string {
			t.Helper()
			st, m, _ := ke.do("POST", "/api/v1/checks/artworks", map[string]any{"purpose": "customs", "text": text})
			if st != 200 {
				t.Fatalf("check %q: %d %v", text, st, m)
			}
			var refs []string
			for _, x := range m["matches"].([]any) {
				refs = append(refs, x.(map[string]any)["ref"].(string))
			}
			if (m["outcome"] == "hit") != (len(refs) > 0) {
				t.Fatalf("check %q: outcome %v with %v", text, m["outcome"], refs)
			}
			return refs
		}
		for text, want := range map[string]string{
			"Le Pont de Moret":           "FR-ART-01",
			"Sisley, pont de Moret":      "FR-ART-01", // any order
			"SISL moret":                 "FR-ART-01", // the beginning of a word
			"Alfréd Sisley 1893":         "FR-ART-01", // diacritics folded
			"pont":                       "FR-ART-01", // FR-ART-03 is denied to Kenya
			"Renoir":                     "",
			"Sisley marble":              "",
			"buste femme":                "FR-ART-02",
			"de":                         "",
			"Moret Sisley Monet":         "",
			"oil canvas pont Sisley 189": "FR-ART-01",
		} {
			if len(strings.TrimSpace(text)) < 3 {
				st, m, h := ke.do("POST", "/api/v1/checks/artworks", map[string]any{"purpose": "customs", "text": text})
				wantProblem(t, st, m, h, 422, "invalid")
				continue
			}
			if got := strings.Join(check(text), ","); got != want {
				t.Fatalf("check %q: %q, want %q", text, got, want)
			}
		}
		// France is told of the denied Pont Neuf, silently: by "pont" and
		// by "Renoir".
		silent := 0
		_, m, _ := fr.do("GET", "/api/v1/hits?side=owner&status=silent", nil)
		for _, h := range m["hits"].([]any) {
			if h.(map[string]any)["ref"] == "FR-ART-03" {
				silent++
			}
		}
		if silent != 2 {
			t.Fatalf("silent hits on FR-ART-03: %d, want 2 (the checks for \"pont\" and \"Renoir\")", silent)
		}

		// Changed: found by its new words only. Deleted: not found.
		st, m, _ := fr.do("PUT", "/api/v1/artworks/"+sisley, map[string]any{"version": 1, "data": map[string]any{
			"category": "painting", "title": "Le Loing à Moret", "artist": "Alfred Sisley"}})
		if st != 200 {
			t.Fatalf("update: %d %v", st, m)
		}
		if got := check("Loing Sisley"); len(got) != 1 || got[0] != "FR-ART-01" {
			t.Fatalf("after the change, by its new title: %v", got)
		}
		if got := check("pont de moret"); len(got) != 0 {
			t.Fatalf("after the change, by its old title: %v", got)
		}
		if st, m, _ := fr.do("DELETE", "/api/v1/artworks/"+bust, nil); st != 204 {
			t.Fatalf("delete: %d %v", st, m)
		}
		if got := check("buste femme"); len(got) != 0 {
			t.Fatalf("after the delete: %v", got)
		}

		// 60 works share a word: one check matches 50.
		for i := range 60 {
			create(fmt.Sprintf("FR-ICON-%02d", i), map[string]any{"category": "religious", "title": fmt.Sprintf("Icône de Novgorod %d", i)}, nil)
		}
		if got := check("icone novgorod"); len(got) != 50 || got[0] != "FR-ICON-00" {
			t.Fatalf("60 matching works: %d matches, first %v", len(got), got[:min(1, len(got))])
		}
	})
}
