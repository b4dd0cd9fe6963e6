package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/identity"
)

const difSecret = "Seen near the harbour of Marseille with a grey rucksack"

// difExport calls the export endpoint and returns the status and the lines.
func difExport(t *testing.T, c client, purpose string) (int, []map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+"/api/v1/diffusions/export?purpose="+purpose, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("export line %q: %v", l, err)
		}
		lines = append(lines, m)
	}
	if resp.StatusCode == 200 && resp.Header.Get("Content-Type") != "application/jsonl" {
		t.Fatalf("export Content-Type %q", resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, lines
}

// difRaw returns the raw body of a GET, to look for text that must not be there.
func difRaw(t *testing.T, c client, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

func difInboxCount(t *testing.T, a *app.App, org, subject string) int {
	t.Helper()
	var n int
	if err := a.DB.SQL.QueryRow(`SELECT count(*) FROM events WHERE org = $1 AND subject = $2`, org, subject).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDiffusionsAPI walks a diffusion through the API on both engines:
// France sends it to Europe and Kenya with Germany denied, Kenya reads and
// acknowledges it, Germany and Japan learn nothing on any path, the
// General Secretariat finds it non-compliant and every copy is purged.
func TestDiffusionsAPI(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		rw := []string{"read", "write"}
		frTok, _ := user(t, a, "fr.off", "ncb-fr", []identity.Role{identity.Officer}, rw...)
		keTok, _ := user(t, a, "ke.off", "ncb-ke", []identity.Role{identity.Officer}, rw...)
		deTok, _ := user(t, a, "de.off", "ncb-de", []identity.Role{identity.Officer}, rw...)
		jpTok, _ := user(t, a, "jp.off", "ncb-jp", []identity.Role{identity.Officer}, rw...)
		gsTok, _ := user(t, a, "gs.rev", "gs", []identity.Role{identity.GSReviewer}, rw...)
		roTok, _ := user(t, a, "fr.ro", "ncb-fr", []identity.Role{identity.Officer}, "read")
		fr, ke, de, jp, gs := client{t, srv.URL, frTok}, client{t, srv.URL, keTok}, client{t, srv.URL, deTok}, client{t, srv.URL, jpTok}, client{t, srv.URL, gsTok}

		body := map[string]any{"kind": "wanted", "urgency": "urgent", "regions": []string{"europe"}, "countries": []string{"KE"},
			"subject": "Wanted for armed robbery", "text": difSecret, "legal_basis": "Warrant 2026/77",
			"person":       map[string]any{"names": []any{map[string]any{"full": "Marc DURAND"}}, "birth_dates": []string{"1988"}},
			"restrictions": map[string]any{"deny_countries": []string{"DE"}}, "classification": 1}

		t.Run("bad input", func(t *testing.T) {
			for _, c := range []struct {
				name, key string
				val       any
				field     string
			}{
				{"no subject", "subject", "", "subject"},
				{"bad kind", "kind", "rumour", "kind"},
				{"no legal basis", "legal_basis", "", "legal_basis"},
				{"bad country", "countries", []string{"K1"}, "countries[0]"},
				{"denied picked", "countries", []string{"DE"}, "countries[0]"},
				{"bad person", "person", map[string]any{"names": []any{map[string]any{"full": "x"}}, "birth_dates": []string{"1988-02-30"}}, "person.birth_dates[0]"},
				{"allow list", "restrictions", map[string]any{"allow_countries": []string{"IT"}}, "restrictions.allow_countries"},
			} {
				b := map[string]any{}
				for k, v := range body {
					b[k] = v
				}
				b[c.key] = c.val
				st, m, h := fr.do("POST", "/api/v1/diffusions", b)
				wantProblem(t, st, m, h, 422, "invalid")
				if m["field"] != c.field {
					t.Errorf("%s: field %v, want %s (%v)", c.name, m["field"], c.field, m["detail"])
				}
			}
			st, m, h := client{t, srv.URL, roTok}.do("POST", "/api/v1/diffusions", body)
			wantProblem(t, st, m, h, 403, "permission")
			st, m, _ = fr.do("GET", "/api/v1/diffusions/sent", nil)
			if ds, _ := m["diffusions"].([]any); st != 200 || len(ds) != 0 {
				t.Fatalf("refused input stored something: %d %v", st, m)
			}
		})

		st, m, _ := fr.do("POST", "/api/v1/diffusions", body)
		if st != 201 || m["owner"] != "FR" || m["status"] != "active" || m["review"] != "pending" {
			t.Fatalf("send = %d %v", st, m)
		}
		id := m["id"].(string)
		allow := m["restrictions"].(map[string]any)["allow_countries"].([]any)
		var hasKE, hasIT, hasDE, hasFR bool
		for _, c := range allow {
			hasKE, hasIT, hasDE, hasFR = hasKE || c == "KE", hasIT || c == "IT", hasDE || c == "DE", hasFR || c == "FR"
		}
		if !hasKE || !hasIT || hasDE || hasFR || len(m["copies"].([]any)) != len(allow) {
			t.Fatalf("recipients %v", allow)
		}

		t.Run("recipient", func(t *testing.T) {
			st, m, _ := ke.do("GET", "/api/v1/diffusions/"+id, nil)
			if st != 200 || m["text"] != difSecret || len(m["copies"].([]any)) != 1 {
				t.Fatalf("KE get = %d %v", st, m)
			}
			st, m, _ = ke.do("GET", "/api/v1/diffusions/received", nil)
			if rs, _ := m["received"].([]any); st != 200 || len(rs) != 1 {
				t.Fatalf("KE received = %d %v", st, m)
			}
			if n := difInboxCount(t, a, "ncb-ke", "diffusion:"+id); n != 1 {
				t.Fatalf("KE inbox holds %d events", n)
			}
			st, lines := difExport(t, ke, "case+KE-1")
			if st != 200 || len(lines) != 1 || lines[0]["text"] != difSecret {
				t.Fatalf("KE export = %d %v", st, lines)
			}
			st, m, h := ke.do("GET", "/api/v1/diffusions/export", nil)
			wantProblem(t, st, m, h, 422, "invalid")
			if m["field"] != "purpose" {
				t.Fatalf("export without purpose: %v", m)
			}
			st, m, _ = ke.do("POST", "/api/v1/diffusions/"+id+"/acknowledge", nil)
			if st != 200 || m["state"] != "acknowledged" {
				t.Fatalf("ack = %d %v", st, m)
			}
			st, m, h = ke.do("POST", "/api/v1/diffusions/"+id+"/acknowledge", nil)
			wantProblem(t, st, m, h, 409, "conflict")
			st, m, _ = fr.do("GET", "/api/v1/diffusions/sent", nil)
			ds, _ := m["diffusions"].([]any)
			if st != 200 || len(ds) != 1 {
				t.Fatalf("FR sent = %d %v", st, m)
			}
			acked := 0
			for _, c := range ds[0].(map[string]any)["copies"].([]any) {
				if c.(map[string]any)["state"] == "acknowledged" {
					acked++
				}
			}
			if acked != 1 {
				t.Fatalf("%d copies acknowledged, want 1", acked)
			}
		})

		t.Run("denied and outsiders", func(t *testing.T) {
			_, missing, _ := de.do("GET", "/api/v1/diffusions/dif_00000000000000000000", nil)
			for name, c := range map[string]client{"DE (denied)": de, "JP (not a recipient)": jp} {
				for _, path := range []string{"/api/v1/diffusions/" + id, "/api/v1/diffusions/" + id + "/withdrawal"} {
					st, m, h := c.do("GET", path, nil)
					wantProblem(t, st, m, h, 404, "not_found")
					if m["detail"] != missing["detail"] || m["title"] != missing["title"] {
						t.Fatalf("%s %s: %v differs from a missing diffusion %v", name, path, m, missing)
					}
				}
				st, m, h := c.do("POST", "/api/v1/diffusions/"+id+"/acknowledge", nil)
				wantProblem(t, st, m, h, 404, "not_found")
				st, m, _ = c.do("GET", "/api/v1/diffusions/received", nil)
				if rs, _ := m["received"].([]any); st != 200 || len(rs) != 0 {
					t.Fatalf("%s received = %d %v", name, st, m)
				}
				if st, lines := difExport(t, c, "audit"); st != 200 || len(lines) != 0 {
					t.Fatalf("%s export = %d %v", name, st, lines)
				}
			}
			if n := difInboxCount(t, a, "ncb-de", "diffusion:"+id); n != 0 {
				t.Fatalf("the denied country's inbox holds %d events", n)
			}
			// The General Secretariat reviews but does not read country lists.
			st, m, h := gs.do("GET", "/api/v1/diffusions/received", nil)
			wantProblem(t, st, m, h, 404, "not_found")
		})

		t.Run("review and withdrawal", func(t *testing.T) {
			st, m, _ := gs.do("GET", "/api/v1/diffusions/review-queue", nil)
			if ds, _ := m["diffusions"].([]any); st != 200 || len(ds) != 1 {
				t.Fatalf("queue = %d %v", st, m)
			}
			st, m, h := fr.do("GET", "/api/v1/diffusions/review-queue", nil)
			wantProblem(t, st, m, h, 403, "permission")
			st, m, h = gs.do("POST", "/api/v1/diffusions/"+id+"/review", map[string]any{"decision": "non-compliant"})
			wantProblem(t, st, m, h, 422, "invalid")
			if m["field"] != "reasons" {
				t.Fatalf("no reasons: %v", m)
			}
			st, m, h = fr.do("POST", "/api/v1/diffusions/"+id+"/review", map[string]any{"decision": "compliant"})
			wantProblem(t, st, m, h, 403, "permission")
			st, m, _ = gs.do("POST", "/api/v1/diffusions/"+id+"/review", map[string]any{"decision": "non-compliant", "reasons": "Article 3: political offence"})
			if st != 200 || m["status"] != "withdrawn" || m["review"] != "non-compliant" || m["text"] != "" {
				t.Fatalf("review = %d %v", st, m)
			}
			st, m, h = ke.do("GET", "/api/v1/diffusions/"+id, nil)
			wantProblem(t, st, m, h, 404, "not_found")
			st, m, _ = ke.do("GET", "/api/v1/diffusions/"+id+"/withdrawal", nil)
			if st != 200 || m["reason"] != "Article 3: political offence" || m["sender"] != "FR" || m["id"] != id {
				t.Fatalf("withdrawal notice = %d %v", st, m)
			}
			for _, c := range []client{ke, fr} {
				for _, path := range []string{"/api/v1/diffusions/received", "/api/v1/diffusions/sent", "/api/v1/diffusions/" + id, "/api/v1/diffusions/export?purpose=check"} {
					if _, raw := difRaw(t, c, path); strings.Contains(raw, difSecret) || strings.Contains(raw, "Marc DURAND") {
						t.Fatalf("%s still holds the content: %s", path, raw)
					}
				}
			}
			rows, err := a.DB.SQL.Query(`SELECT title, data FROM events WHERE subject = $1`, "diffusion:"+id)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var title, data string
				if err := rows.Scan(&title, &data); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(title+data, "wanted") || strings.Contains(title+data, difSecret) {
					t.Fatalf("inbox event keeps %q %q", title, data)
				}
			}
		})

		t.Run("audit", func(t *testing.T) {
			for _, action := range []string{"diffusion.send", "diffusion.read", "diffusion.list", "diffusion.ack", "diffusion.review", "diffusion.withdraw", "diffusion.export"} {
				es, err := a.Audit.Query(context.Background(), audit.Filter{Action: action, Limit: audit.MaxLimit})
				if err != nil || len(es) == 0 {
					t.Fatalf("%s: %d entries, %v", action, len(es), err)
				}
			}
		})
	})
}
