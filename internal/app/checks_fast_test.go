package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/config"
	"github.com/polex-org/polex/internal/identity"
)

// TestCheckDocumentErrors pins what the two document check endpoints
// answer to bad requests, over real HTTP on both engines. The table was
// written against the huma pipeline these endpoints used to go through;
// the lean handlers (internal/httpapi/checks_fast.go) give the same
// status, code and field. One difference: huma refused an explicit empty
// priority (the schema's enum); encoding/json cannot tell it from an absent
// one, so it now means the default priority (see "ok").
func TestCheckDocumentErrors(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		tok, _ := user(t, a, "ke.border", "ncb-ke", []identity.Role{identity.BorderSystem}, "read", "check")
		noScope, _ := user(t, a, "ke.reader", "ncb-ke", []identity.Role{identity.Officer}, "read")
		const single, batch = "/api/v1/checks/documents", "/api/v1/checks/documents/batch"
		long := func(n int) string { return strings.Repeat("A", n) }
		docs := func(n int) string { return `{"purpose":"p","documents":[` + strings.Repeat(`{},`, n-1) + `{}]}` }
		for _, c := range []struct {
			name, path, token, ctype, body string
			status                         int
			code, field                    string // field "-": not checked
		}{
			{"malformed", single, tok, "", `{"number": `, 400, "bad_request", "body"},
			{"trailing data", single, tok, "", `{"number":"X1"} x`, 400, "bad_request", "body"},
			{"empty body", single, tok, "", ``, 400, "bad_request", ""},
			{"not an object", single, tok, "", `["X1"]`, 422, "invalid", "body"},
			{"wrong type", single, tok, "", `{"purpose":"p","number":5}`, 422, "invalid", "number"},
			{"wrong context type", single, tok, "", `{"purpose":["p"],"number":"X1"}`, 422, "invalid", "purpose"},
			{"unknown field", single, tok, "", `{"purpose":"p","number":"X1","colour":"red"}`, 422, "invalid", "colour"},
			{"number too long", single, tok, "", `{"purpose":"p","number":"` + long(41) + `"}`, 422, "invalid", "number"},
			{"mrz too long", single, tok, "", `{"purpose":"p","mrz":"` + long(201) + `"}`, 422, "invalid", "mrz"},
			{"purpose too long", single, tok, "", `{"purpose":"` + long(301) + `","number":"X1"}`, 422, "invalid", "purpose"},
			{"location too long", single, tok, "", `{"purpose":"p","location":"` + long(201) + `","number":"X1"}`, 422, "invalid", "location"},
			{"bad priority", single, tok, "", `{"purpose":"p","priority":"soon","number":"X1"}`, 422, "invalid", "priority"},
			{"no purpose (service)", single, tok, "", `{"number":"X1"}`, 422, "invalid", "purpose"},
			{"bad number (service)", single, tok, "", `{"purpose":"p","number":"X1!"}`, 422, "invalid", "number"},
			{"too large", single, tok, "", `{"purpose":"` + long(70<<10) + `"}`, 413, "payload_too_large", ""},
			{"not json", single, tok, "application/xml", `{"purpose":"p","number":"X1"}`, 415, "unsupported_media_type", "-"},
			{"anonymous", single, "", "", `{"purpose":"p","number":"X1"}`, 401, "unauthenticated", ""},
			{"anonymous, bad body", single, "", "", `{"purpose":"p","number":5}`, 422, "invalid", "number"},
			{"no check scope", single, noScope, "", `{"purpose":"p","number":"X1"}`, 403, "permission", ""},

			{"batch malformed", batch, tok, "", `{"documents":[{"number":"A1"},]}`, 400, "bad_request", "body"},
			{"batch empty", batch, tok, "", `{"purpose":"p","documents":[]}`, 422, "invalid", "documents"},
			{"batch too many", batch, tok, "", docs(10001), 422, "invalid", "documents"},
			{"batch missing documents", batch, tok, "", `{"purpose":"p"}`, 422, "invalid", "-"},
			{"batch wrong type", batch, tok, "", `{"purpose":"p","documents":[{"number":"A1"},{"number":5}]}`, 422, "invalid", "documents[1].number"},
			{"batch documents not an array", batch, tok, "", `{"purpose":"p","documents":{"number":"A1"}}`, 422, "invalid", "documents"},
			{"batch item not an object", batch, tok, "", `{"purpose":"p","documents":[{"number":"A1"},"A2"]}`, 422, "invalid", "documents[1]"},
			{"batch unknown field", batch, tok, "", `{"purpose":"p","documents":[{"number":"A1"},{"numbr":"A2"}]}`, 422, "invalid", "documents[1].numbr"},
			{"batch unknown top field", batch, tok, "", `{"purpose":"p","number":"A1","documents":[{"number":"A1"}]}`, 422, "invalid", "number"},
			{"batch number too long", batch, tok, "", `{"purpose":"p","documents":[{"number":"A1"},{"number":"` + long(41) + `"}]}`, 422, "invalid", "documents[1].number"},
			{"batch bad number (service)", batch, tok, "", `{"purpose":"p","documents":[{"number":"A1"},{"number":"A2"},{"number":"B!"}]}`, 422, "invalid", "documents[2].number"},
			{"batch anonymous", batch, "", "", `{"purpose":"p","documents":[{"number":"A1"}]}`, 401, "unauthenticated", ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				st, m, h := rawPost(t, srv.URL+c.path, c.token, c.ctype, c.body)
				wantProblem(t, st, m, h, c.status, c.code)
				if f, _ := m["field"].(string); c.field != "-" && f != c.field {
					t.Fatalf("field %q, want %q: %v", f, c.field, m)
				}
				if d, _ := m["detail"].(string); d == "" || (c.status == 422 && !strings.Contains(d, " ")) {
					t.Fatalf("no useful detail: %v", m)
				}
			})
		}
		t.Run("ok", func(t *testing.T) {
			for _, path := range []string{single, batch} {
				body := `{"purpose":"p","priority":"","number":"X1"}`
				if path == batch {
					body = `{"purpose":"p","documents":[{"number":"X1"},{"issuing_country":"fr","number":"X2"}]}`
				}
				st, m, h := rawPost(t, srv.URL+path, tok, "application/json; charset=utf-8", body)
				if st != 200 || h.Get("Content-Type") != "application/json" || m["check_id"] == nil {
					t.Fatalf("%s: %d %v %v", path, st, h, m)
				}
			}
		})
	})
}

// TestCheckDocumentsReusedSlices proves that a batch sees nothing of the
// batch before it: the handler reuses the documents' slice, and
// encoding/json decodes into its elements as they are. A country left over
// from the first batch would restrict the second one's lookup to Kenya.
func TestCheckDocumentsReusedSlices(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		frTok, _ := user(t, a, "fr.officer", "ncb-fr", []identity.Role{identity.Officer}, "read", "write", "check")
		fr := client{t, srv.URL, frTok}
		st, m, _ := fr.do("POST", "/api/v1/documents", map[string]any{"ref": "FR-1", "data": map[string]any{
			"type": "passport", "number": "18FR00001", "issuing_country": "FR", "status": "stolen"}})
		if st != 201 {
			t.Fatalf("create: %d %v", st, m)
		}
		for i := range 10 {
			st, m, _ := rawPost(t, srv.URL+"/api/v1/checks/documents/batch", frTok, "",
				`{"purpose":"p","documents":[{"issuing_country":"KE","number":"X1"},{"issuing_country":"KE","number":"X2"}]}`)
			if st != 200 || len(m["hits"].([]any)) != 0 {
				t.Fatalf("%d: first batch: %d %v", i, st, m)
			}
			st, m, _ = rawPost(t, srv.URL+"/api/v1/checks/documents/batch", frTok, "", `{"purpose":"p","documents":[{"number":"18FR00001"}]}`)
			if hits, _ := m["hits"].([]any); st != 200 || len(hits) != 1 {
				t.Fatalf("%d: second batch: %d %v", i, st, m)
			}
		}
	})
}

// rawPost posts body as it is (no Content-Type when ctype is empty).
func rawPost(t *testing.T, url, token, ctype, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("body is not JSON: %q", raw)
	}
	return resp.StatusCode, m, resp.Header
}

// BenchmarkCheckDocumentHandler measures one document check through the
// API's handler (no network), on SQLite with audit on: its allocations
// show what the HTTP layer costs on top of the check itself.
func BenchmarkCheckDocumentHandler(b *testing.B) {
	h, tok := benchApp(b)
	body := []byte(`{"purpose":"entry control","location":"Namanga border post","issuing_country":"FR","number":"18FR00001"}`)
	benchPost(b, h, tok, "/api/v1/checks/documents", body)
}

// BenchmarkCheckDocumentsHandler measures a batch of 1,000 documents.
func BenchmarkCheckDocumentsHandler(b *testing.B) {
	h, tok := benchApp(b)
	var sb strings.Builder
	sb.WriteString(`{"purpose":"manifest","documents":[`)
	for i := range 1000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(`{"issuing_country":"FR","number":"18FR` + strconv.Itoa(100000+i) + `"}`)
	}
	sb.WriteString(`]}`)
	benchPost(b, h, tok, "/api/v1/checks/documents/batch", []byte(sb.String()))
}

func benchApp(b *testing.B) (http.Handler, string) {
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { a.Close(context.Background()) })
	ctx, sys := context.Background(), app.System("bench")
	c, err := a.Admin.CreateUser(ctx, sys, admin.NewUser{Username: "ke.border", DisplayName: "ke.border", Org: "ncb-ke",
		Roles: []identity.Role{identity.BorderSystem}, Clearance: identity.Confidential, Password: "a-long-enough-password"})
	if err != nil {
		b.Fatal(err)
	}
	tok, _, err := a.Admin.IssueToken(ctx, sys, c.User.ID, "bench", []string{"check"}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	return a.Handler(), tok
}

func benchPost(b *testing.B, h http.Handler, tok, path string, body []byte) {
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}
