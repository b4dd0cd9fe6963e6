package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/property"
)

// raw sends a body with a content type and returns status and JSON body.
func (c client) raw(method, path, ctype string, body io.Reader) (int, map[string]any, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, body)
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m, b
}

func TestPropertyAPI(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		scopes := []string{"read", "search", "write"}
		frTok, _ := user(t, a, "fr.officer", "ncb-fr", []identity.Role{identity.Officer}, scopes...)
		keTok, _ := user(t, a, "ke.officer", "ncb-ke", []identity.Role{identity.Officer}, scopes...)
		jpTok, _ := user(t, a, "jp.officer", "ncb-jp", []identity.Role{identity.Officer}, scopes...)
		roTok, _ := user(t, a, "fr.reader", "ncb-fr", []identity.Role{identity.Officer}, "read")
		fr, ke, jp := client{t, srv.URL, frTok}, client{t, srv.URL, keTok}, client{t, srv.URL, jpTok}

		var denied, open string
		t.Run("documents", func(t *testing.T) {
			st, m, h := fr.do("POST", "/api/v1/documents", map[string]any{"ref": "FR-1", "data": map[string]any{
				"type": "passport", "number": "18fr 12345", "issuing_country": "FR", "status": "stolen"}})
			if st != 201 || m["owner"] != "FR" || m["version"] != float64(1) {
				t.Fatalf("create = %d %v", st, m)
			}
			open = m["id"].(string)
			st, m, h = ke.do("POST", "/api/v1/documents", map[string]any{"data": map[string]any{
				"type": "passport", "number": "X1", "issuing_country": "FR", "status": "stolen"}})
			wantProblem(t, st, m, h, 422, "invalid")
			if m["field"] != "issuing_country" {
				t.Fatalf("field = %v", m["field"])
			}
			st, m, _ = fr.do("POST", "/api/v1/documents", map[string]any{"ref": "FR-2", "restrictions": map[string]any{"deny_countries": []string{"KE"}},
				"data": map[string]any{"type": "id-card", "number": "D2", "issuing_country": "FR", "status": "lost"}})
			if st != 201 {
				t.Fatalf("create denied = %d %v", st, m)
			}
			denied = m["id"].(string)
			st, m, h = client{t, srv.URL, roTok}.do("POST", "/api/v1/documents", map[string]any{"data": map[string]any{
				"type": "passport", "number": "X2", "issuing_country": "FR", "status": "stolen"}})
			wantProblem(t, st, m, h, 403, "permission")

			// Owner-only update; history.
			st, m, h = ke.do("PUT", "/api/v1/documents/"+open, map[string]any{"data": map[string]any{
				"type": "passport", "number": "18FR12345", "issuing_country": "FR", "status": "revoked"}})
			wantProblem(t, st, m, h, 403, "permission")
			st, m, _ = fr.do("PUT", "/api/v1/documents/"+open, map[string]any{"version": 1, "data": map[string]any{
				"type": "passport", "number": "18FR12345", "issuing_country": "FR", "status": "revoked"}})
			if st != 200 || m["version"] != float64(2) {
				t.Fatalf("update = %d %v", st, m)
			}
			st, m, _ = ke.do("GET", "/api/v1/documents/"+open+"/history", nil)
			if cs, _ := m["changes"].([]any); st != 200 || len(cs) != 2 {
				t.Fatalf("history = %d %v", st, m)
			}
			// Search needs a purpose.
			st, m, h = ke.do("GET", "/api/v1/documents?number=18FR12345", nil)
			wantProblem(t, st, m, h, 422, "invalid")
			st, m, _ = ke.do("GET", "/api/v1/documents?number=18fr12345&country=FR&purpose=border+check", nil)
			if rs, _ := m["records"].([]any); st != 200 || len(rs) != 1 {
				t.Fatalf("search = %d %v", st, m)
			}
		})

		t.Run("deny list", func(t *testing.T) {
			// KE is on the deny list of "denied": exactly not found everywhere.
			st, m, h := ke.do("GET", "/api/v1/documents/"+denied, nil)
			wantProblem(t, st, m, h, 404, "not_found")
			_, unknown, _ := ke.do("GET", "/api/v1/documents/doc_unknown", nil)
			if m["detail"] != unknown["detail"] || m["title"] != unknown["title"] {
				t.Fatalf("denied %v differs from unknown %v", m, unknown)
			}
			st, m, h = ke.do("GET", "/api/v1/documents/"+denied+"/history", nil)
			wantProblem(t, st, m, h, 404, "not_found")
			for _, path := range []string{"/api/v1/documents", "/api/v1/documents?number=D2&purpose=check"} {
				_, m, _ := ke.do("GET", path, nil)
				if strings.Contains(fmt.Sprint(m), denied) {
					t.Fatalf("KE %s shows the denied record: %v", path, m)
				}
				_, m, _ = jp.do("GET", path, nil)
				if !strings.Contains(fmt.Sprint(m), denied) {
					t.Fatalf("JP %s lacks the record: %v", path, m)
				}
			}
			st, _, body := ke.raw("GET", "/api/v1/documents/export?purpose=statistics", "", nil)
			if st != 200 || strings.Contains(string(body), denied) || !strings.Contains(string(body), open) {
				t.Fatalf("KE export = %d %s", st, body)
			}
			st, _, body = jp.raw("GET", "/api/v1/documents/export?purpose=statistics", "", nil)
			if st != 200 || !strings.Contains(string(body), denied) {
				t.Fatalf("JP export = %d %s", st, body)
			}
			st, m, h = ke.do("GET", "/api/v1/documents/export", nil)
			wantProblem(t, st, m, h, 422, "invalid")
		})

		t.Run("deny list every type", func(t *testing.T) {
			deny := map[string]any{"deny_countries": []string{"KE"}}
			for _, c := range []struct {
				plural, search string
				data           map[string]any
			}{
				{"documents", "number=DL1&country=FR", map[string]any{"type": "visa", "number": "DL1", "issuing_country": "FR", "status": "lost"}},
				{"vehicles", "plate=DL-2", map[string]any{"vin": "1HGCM82633A004352", "plate": "DL-2"}},
				{"artworks", "q=denied+still+life", map[string]any{"category": "painting", "title": "Denied still life"}},
				{"persons", "q=denied+person", map[string]any{"names": []map[string]any{{"full": "Denied Person"}}}},
			} {
				st, m, _ := fr.do("POST", "/api/v1/"+c.plural, map[string]any{"restrictions": deny, "data": c.data})
				if st != 201 {
					t.Fatalf("%s create = %d %v", c.plural, st, m)
				}
				id := m["id"].(string)
				st, m, h := ke.do("GET", "/api/v1/"+c.plural+"/"+id, nil)
				wantProblem(t, st, m, h, 404, "not_found")
				st, m, h = ke.do("GET", "/api/v1/"+c.plural+"/"+id+"/history", nil)
				wantProblem(t, st, m, h, 404, "not_found")
				for _, q := range []string{"", "?" + c.search + "&purpose=check"} {
					_, m, _ := ke.do("GET", "/api/v1/"+c.plural+q, nil)
					if strings.Contains(fmt.Sprint(m), id) {
						t.Fatalf("KE %s%s shows the denied record", c.plural, q)
					}
					_, m, _ = jp.do("GET", "/api/v1/"+c.plural+q, nil)
					if !strings.Contains(fmt.Sprint(m), id) {
						t.Fatalf("JP %s%s lacks the record: %v", c.plural, q, m)
					}
				}
				if st, _, body := ke.raw("GET", "/api/v1/"+c.plural+"/export?purpose=statistics", "", nil); st != 200 || strings.Contains(string(body), id) {
					t.Fatalf("KE %s export = %d shows the record", c.plural, st)
				}
				if st, _, body := jp.raw("GET", "/api/v1/"+c.plural+"/export?purpose=statistics", "", nil); st != 200 || !strings.Contains(string(body), id) {
					t.Fatalf("JP %s export = %d lacks the record", c.plural, st)
				}
			}
		})

		t.Run("vehicles and artworks", func(t *testing.T) {
			st, m, h := fr.do("POST", "/api/v1/vehicles", map[string]any{"data": map[string]any{"vin": "1M8GDM9A1KP042788"}})
			wantProblem(t, st, m, h, 422, "invalid")
			if m["field"] != "vin" || !strings.Contains(fmt.Sprint(m["detail"]), "check digit") {
				t.Fatalf("VIN problem %v", m)
			}
			st, m, _ = fr.do("POST", "/api/v1/vehicles", map[string]any{"data": map[string]any{"vin": "1M8GDM9AXKP042788", "plate": "AB-123-CD"}})
			if st != 201 {
				t.Fatalf("vehicle = %d %v", st, m)
			}
			st, m, _ = ke.do("GET", "/api/v1/vehicles?plate=ab-123-cd&purpose=check", nil)
			if rs, _ := m["records"].([]any); st != 200 || len(rs) != 1 {
				t.Fatalf("plate search = %d %v", st, m)
			}
			st, m, _ = fr.do("POST", "/api/v1/artworks", map[string]any{"data": map[string]any{"category": "painting", "title": "Le Pont de Moret", "artist": "Alfred Sisley"}})
			if st != 201 {
				t.Fatalf("artwork = %d %v", st, m)
			}
			art := m["id"].(string)
			png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 100)...)
			st, m, _ = fr.raw("POST", "/api/v1/artworks/"+art+"/images", "image/png", bytes.NewReader(png))
			imgs, _ := m["data"].(map[string]any)["images"].([]any)
			if st != 200 || len(imgs) != 1 {
				t.Fatalf("image upload = %d %v", st, m)
			}
			sha := imgs[0].(map[string]any)["sha256"].(string)
			st, _, body := ke.raw("GET", "/api/v1/artworks/"+art+"/images/"+sha, "", nil)
			if st != 200 || !bytes.Equal(body, png) {
				t.Fatalf("image download = %d (%d bytes)", st, len(body))
			}
			st, m, _ = fr.raw("POST", "/api/v1/artworks/"+art+"/images", "image/png", strings.NewReader("GIF89a not an image"))
			if st != 422 || m["field"] != "image" {
				t.Fatalf("bad image = %d %v", st, m)
			}
			st, m, _ = ke.do("GET", "/api/v1/artworks?q=sisley&purpose=check", nil)
			if rs, _ := m["records"].([]any); st != 200 || len(rs) != 1 {
				t.Fatalf("text search = %d %v", st, m)
			}
		})

		t.Run("streaming import", func(t *testing.T) {
			// Larger than the API's body limit (64 KiB here): the import
			// endpoint streams its body.
			var b bytes.Buffer
			const n = 3000
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, `{"ref":"IMP-%d","number":"I%07d","type":"passport","issuing_country":"FR","status":"stolen"}`+"\n", i, i)
			}
			b.WriteString(`{"ref":"IMP-BAD","number":"BAD","type":"passport","issuing_country":"KE","status":"stolen"}` + "\n")
			st, m, _ := fr.raw("POST", "/api/v1/imports/documents?format=jsonl&file=big.jsonl", "application/x-ndjson", bytes.NewReader(b.Bytes()))
			if st != 200 || m["inserted"] != float64(n) || m["bad"] != float64(1) || m["state"] != "done" {
				t.Fatalf("import = %d %v", st, m)
			}
			errsList, _ := m["errors"].([]any)
			if len(errsList) != 1 || errsList[0].(map[string]any)["line"] != float64(n+1) || errsList[0].(map[string]any)["field"] != "issuing_country" {
				t.Fatalf("bad lines %v", m["errors"])
			}
			id := m["id"].(string)
			st, m, _ = fr.raw("POST", "/api/v1/imports/documents?format=jsonl", "application/x-ndjson", bytes.NewReader(b.Bytes()))
			if st != 200 || m["inserted"] != float64(0) || m["unchanged"] != float64(n) {
				t.Fatalf("re-import = %d %v", st, m)
			}
			st, m, _ = fr.do("GET", "/api/v1/imports/"+id, nil)
			if st != 200 || m["inserted"] != float64(n) || m["file"] != "big.jsonl" {
				t.Fatalf("get import = %d %v", st, m)
			}
			st, m, h := ke.do("GET", "/api/v1/imports/"+id, nil)
			wantProblem(t, st, m, h, 404, "not_found")
			st, m, _ = fr.do("GET", "/api/v1/imports", nil)
			if ims, _ := m["imports"].([]any); st != 200 || len(ims) != 2 {
				t.Fatalf("imports = %d %v", st, m)
			}
			// KE may not import for FR; the refusal stores nothing.
			st, m, _ = ke.raw("POST", "/api/v1/imports/documents?owner=FR", "application/x-ndjson", strings.NewReader(`{"ref":"K","number":"K1","type":"passport","issuing_country":"FR","status":"stolen"}`))
			if st != 403 {
				t.Fatalf("KE import for FR = %d %v", st, m)
			}
			// The API refuses multipart bodies.
			st, _, _ = fr.raw("POST", "/api/v1/imports/documents", "multipart/form-data; boundary=x", strings.NewReader("--x--"))
			if st != 415 {
				t.Fatalf("multipart import = %d", st)
			}
			// CSV persons in the contract's fields.
			csv := "ref,names,birth_date,nationality,sex\nP1,Муаммар Каддафи;Muammar Kaddafi,1942-06-07,LY,M\n"
			st, m, _ = fr.raw("POST", "/api/v1/imports/persons?format=csv", "text/csv", strings.NewReader(csv))
			if st != 200 || m["inserted"] != float64(1) {
				t.Fatalf("csv import = %d %v", st, m)
			}
			st, m, _ = ke.do("GET", "/api/v1/persons?q=kaddafi&purpose=check", nil)
			if rs, _ := m["records"].([]any); st != 200 || len(rs) != 1 {
				t.Fatalf("person search = %d %v", st, m)
			}
			// Export streams every visible row as JSON Lines.
			st, _, body := fr.raw("GET", "/api/v1/documents/export?purpose=backup&owner=FR", "", nil)
			lines := 0
			for sc := bufio.NewScanner(bytes.NewReader(body)); sc.Scan(); lines++ {
			}
			if st != 200 || lines != n+3 { // FR-1, FR-2, DL1 and the imported
				t.Fatalf("export = %d, %d lines", st, lines)
			}
		})

		t.Run("cli principal", func(t *testing.T) {
			p, err := a.ImportPrincipal(context.Background(), "fr")
			if err != nil || p.User.Org != "ncb-fr" || p.User.Country != "FR" || p.User.ID != app.ImportActor || p.Region != "europe" {
				t.Fatalf("principal %+v %v", p, err)
			}
			im, err := a.Property.Import(context.Background(), p, property.ImportRequest{Kind: "vehicles", Owner: "FR", Format: "jsonl", File: "v.jsonl"},
				strings.NewReader(`{"ref":"CLI-1","vin":"1M8GDM9AXKP042788"}`), nil)
			if err != nil || im.Inserted != 1 || im.Actor != app.ImportActor {
				t.Fatalf("cli import %+v %v", im, err)
			}
			if _, err := a.ImportPrincipal(context.Background(), "ZZ"); err == nil {
				t.Fatal("principal for a non-member")
			}
		})
	})
}

// TestDemoProperty seeds the demo twice: the property demo data is
// imported once (re-running changes nothing), with a valid North American
// VIN and a document hidden from Kenya.
func TestDemoProperty(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		ctx := context.Background()
		for i := 0; i < 2; i++ {
			if _, err := a.SeedDemo(ctx); err != nil {
				t.Fatal(err)
			}
		}
		count := func(table string) int {
			var n int
			if err := a.DB.SQL.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if d, v, w, p := count("property_documents"), count("property_vehicles"), count("property_artworks"), count("property_persons"); d != 6 || v != 2 || w != 2 || p != 2 {
			t.Fatalf("demo: %d documents, %d vehicles, %d artworks, %d persons", d, v, w, p)
		}
		ke, err := a.ImportPrincipal(ctx, "KE")
		if err != nil {
			t.Fatal(err)
		}
		rs, _, err := a.Property.Documents.List(ctx, ke, property.Query{Number: "20FR00042"}, "demo check")
		if err != nil || len(rs) != 0 {
			t.Fatalf("KE sees the document denied to it: %v %v", rs, err)
		}
		vs, _, err := a.Property.Vehicles.List(ctx, ke, property.Query{Number: "1M8GDM9AXKP042788"}, "demo check")
		if err != nil || len(vs) != 1 {
			t.Fatalf("demo vehicle: %v %v", vs, err)
		}
	})
}
