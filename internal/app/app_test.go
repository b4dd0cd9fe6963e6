package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/config"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/store/storetest"
)

// engines runs fn against a full App on each storage engine, served on loopback.
func engines(t *testing.T, fn func(t *testing.T, a *app.App, srv *httptest.Server)) {
	t.Helper()
	for _, e := range []string{"sqlite", "postgres"} {
		t.Run(e, func(t *testing.T) {
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			cfg.MaxBody = 64 << 10
			if e == "postgres" {
				cfg.DatabaseURL = storetest.PostgresURL(t)
			}
			a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close(context.Background()) })
			srv := httptest.NewServer(a.Handler())
			t.Cleanup(srv.Close)
			fn(t, a, srv)
		})
	}
}

// client calls the API with a token.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path string, body any) (int, map[string]any, http.Header) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			c.t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
		}
	}
	return resp.StatusCode, m, resp.Header
}

// user creates a user as the local operator and returns an API token for it.
func user(t *testing.T, a *app.App, username, org string, roles []identity.Role, scopes ...string) (string, identity.User) {
	t.Helper()
	ctx := context.Background()
	sys := app.System("test")
	c, err := a.Admin.CreateUser(ctx, sys, admin.NewUser{Username: username, DisplayName: username, Org: org, Roles: roles,
		Clearance: identity.Confidential, Password: "a-long-enough-password"})
	if err != nil {
		t.Fatal(err)
	}
	if len(scopes) == 0 {
		scopes = []string{"read", "admin", "audit"}
	}
	tok, _, err := a.Admin.IssueToken(ctx, sys, c.User.ID, "test", scopes, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok, c.User
}

func wantProblem(t *testing.T, status int, m map[string]any, h http.Header, wantStatus int, wantCode string) {
	t.Helper()
	if status != wantStatus || m["code"] != wantCode || m["status"] != float64(wantStatus) || m["type"] != "urn:polex:problem:"+wantCode {
		t.Fatalf("got %d %v, want %d problem %q", status, m, wantStatus, wantCode)
	}
	if ct := h.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
}

func TestAPI(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		frTok, _ := user(t, a, "fr.admin", "ncb-fr", []identity.Role{identity.NCBAdmin})
		keTok, keAdmin := user(t, a, "ke.admin", "ncb-ke", []identity.Role{identity.NCBAdmin})
		sysTok, _ := user(t, a, "root", "gs", []identity.Role{identity.Sysadmin})
		audTok, _ := user(t, a, "ccf.auditor", "ccf", []identity.Role{identity.Auditor}, "read", "audit")
		fr := client{t, srv.URL, frTok}
		anon := client{t, srv.URL, ""}

		t.Run("unauthenticated", func(t *testing.T) {
			st, m, h := anon.do("GET", "/api/v1/me", nil)
			wantProblem(t, st, m, h, 401, "unauthenticated")
			st, m, h = client{t, srv.URL, "pxt_forged"}.do("GET", "/api/v1/me", nil)
			wantProblem(t, st, m, h, 401, "unauthenticated")
			if h.Get("X-Request-ID") == "" || m["request_id"] != h.Get("X-Request-ID") {
				t.Fatalf("request id header %q body %v", h.Get("X-Request-ID"), m["request_id"])
			}
		})
		t.Run("openapi", func(t *testing.T) {
			st, m, _ := anon.do("GET", "/api/v1/openapi.json", nil)
			paths, _ := m["paths"].(map[string]any)
			if st != 200 || m["openapi"] != "3.1.0" || paths["/users"] == nil || paths["/audit/proofs/inclusion"] == nil {
				t.Fatalf("openapi.json = %d, openapi %v, %d paths", st, m["openapi"], len(paths))
			}
		})
		t.Run("ops", func(t *testing.T) {
			for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ready", "/metrics": "polex_audit_entries_total"} {
				resp, err := http.Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
					t.Fatalf("%s = %d, missing %q", path, resp.StatusCode, want)
				}
				if path == "/metrics" && !strings.Contains(string(b), `polex_http_requests_total{area="api",code="401"}`) {
					t.Fatalf("/metrics lacks the request counter")
				}
			}
		})
		t.Run("me", func(t *testing.T) {
			st, m, _ := fr.do("GET", "/api/v1/me", nil)
			u, _ := m["user"].(map[string]any)
			if st != 200 || u["username"] != "fr.admin" || u["country"] != "FR" || m["region"] != "europe" {
				t.Fatalf("me = %d %v", st, m)
			}
			if _, leaked := u["password_hash"]; leaked {
				t.Fatal("password hash in API output")
			}
		})
		t.Run("countries", func(t *testing.T) {
			st, m, _ := fr.do("GET", "/api/v1/countries", nil)
			if cs, _ := m["countries"].([]any); st != 200 || len(cs) != 196 {
				t.Fatalf("countries = %d, %d entries", st, len(cs))
			}
		})
		t.Run("ncb admin scope", func(t *testing.T) {
			st, m, _ := fr.do("GET", "/api/v1/users", nil)
			us, _ := m["users"].([]any)
			if st != 200 || len(us) != 1 {
				t.Fatalf("FR admin sees %d users (%d), want only itself", len(us), st)
			}
			// Another country's user is "not found", exactly like a missing one.
			st1, m1, _ := fr.do("GET", "/api/v1/users/"+keAdmin.ID, nil)
			st2, m2, _ := fr.do("GET", "/api/v1/users/usr_doesnotexist", nil)
			if st1 != 404 || st2 != 404 || m1["detail"] != m2["detail"] || m1["code"] != m2["code"] {
				t.Fatalf("restricted user: %d %v; missing user: %d %v", st1, m1, st2, m2)
			}
			body := map[string]any{"username": "x.user", "display_name": "X", "org": "ncb-ke", "roles": []string{"officer"},
				"clearance": "official", "password": "a-long-enough-password"}
			st1, m1, _ = fr.do("POST", "/api/v1/users", body)
			body["org"] = "ncb-zz"
			st2, m2, _ = fr.do("POST", "/api/v1/users", body)
			if st1 != 422 || st2 != 422 || m1["field"] != "org" || strings.ReplaceAll(m1["detail"].(string), "ncb-ke", "") != strings.ReplaceAll(m2["detail"].(string), "ncb-zz", "") {
				t.Fatalf("create in other country: %d %v; in missing org: %d %v", st1, m1, st2, m2)
			}
			body["org"] = "ncb-fr"
			st, m, _ = fr.do("POST", "/api/v1/users", body)
			if st != 201 || m["totp_secret"] == "" {
				t.Fatalf("create = %d %v", st, m)
			}
			body["roles"] = []string{"auditor"}
			body["username"] = "y.user"
			st, m, h := fr.do("POST", "/api/v1/users", body)
			wantProblem(t, st, m, h, 422, "invalid")
			if m["field"] != "roles" {
				t.Fatalf("role outside org kind: %v", m)
			}
		})
		t.Run("bad input", func(t *testing.T) {
			before, _ := a.DB.Users(context.Background(), "")
			st, m, h := fr.do("POST", "/api/v1/users", `{"username": "broken`)
			wantProblem(t, st, m, h, 400, "bad_request")
			st, m, h = fr.do("POST", "/api/v1/users", map[string]any{"username": "no", "org": "ncb-fr"})
			wantProblem(t, st, m, h, 422, "invalid")
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/users", strings.NewReader("username=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", "Bearer "+frTok)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 415 {
				t.Fatalf("form post = %d, want 415", resp.StatusCode)
			}
			st, m, h = fr.do("POST", "/api/v1/users", `{"username":"`+strings.Repeat("a", 70<<10)+`"}`)
			wantProblem(t, st, m, h, 413, "payload_too_large")
			after, _ := a.DB.Users(context.Background(), "")
			if len(after) != len(before) {
				t.Fatalf("bad input changed the users: %d → %d", len(before), len(after))
			}
		})
		t.Run("suspension", func(t *testing.T) {
			ke := client{t, srv.URL, keTok}
			if st, _, _ := ke.do("GET", "/api/v1/me", nil); st != 200 {
				t.Fatalf("KE before suspension: %d", st)
			}
			if st, m, _ := fr.do("POST", "/api/v1/countries/KE/suspend", nil); st != 404 {
				t.Fatalf("FR admin suspending KE: %d %v, want 404", st, m)
			}
			st, m, _ := client{t, srv.URL, sysTok}.do("POST", "/api/v1/countries/KE/suspend", nil)
			if st != 200 || m["status"] != "suspended" {
				t.Fatalf("suspend = %d %v", st, m)
			}
			st, m, h := ke.do("GET", "/api/v1/me", nil)
			wantProblem(t, st, m, h, 401, "unauthenticated")
			client{t, srv.URL, sysTok}.do("POST", "/api/v1/countries/KE/reinstate", nil)
			if st, _, _ := ke.do("GET", "/api/v1/me", nil); st != 200 {
				t.Fatalf("KE after reinstatement: %d", st)
			}
		})
		t.Run("admit", func(t *testing.T) {
			sys := client{t, srv.URL, sysTok}
			tv := map[string]any{"alpha2": "TV", "alpha3": "TUV", "name": "Tuvalu", "region": "asia-south-pacific"}
			if st, _, _ := fr.do("POST", "/api/v1/countries", tv); st != 404 {
				t.Fatalf("an NCB admin admitting a member: %d, want 404", st)
			}
			st, m, _ := sys.do("POST", "/api/v1/countries", tv)
			if st != 201 || m["status"] != "active" || m["region"] != "asia-south-pacific" {
				t.Fatalf("admit = %d %v", st, m)
			}
			if o, err := a.DB.Org(context.Background(), "ncb-tv"); err != nil || o.Country != "TV" {
				t.Fatalf("the new member's NCB: %+v, %v", o, err)
			}
			st, m, h := sys.do("POST", "/api/v1/countries", tv)
			wantProblem(t, st, m, h, 409, "conflict")
			bad := map[string]any{"alpha2": "XQ", "alpha3": "XQQ", "name": "Nowhere", "region": "atlantis"}
			st, m, h = sys.do("POST", "/api/v1/countries", bad)
			wantProblem(t, st, m, h, 422, "invalid")
			if _, err := a.DB.Country(context.Background(), "XQ"); err == nil {
				t.Fatal("a refused admission was stored")
			}
		})
		t.Run("audit", func(t *testing.T) {
			aud := client{t, srv.URL, audTok}
			// An NCB admin learns nothing of the audit log.
			if st, _, _ := fr.do("GET", "/api/v1/audit/entries", nil); st != 404 {
				t.Fatalf("FR admin reading audit: %d, want 404", st)
			}
			st, m, _ := aud.do("GET", "/api/v1/audit/entries?action=user.create&limit=1000", nil)
			es, _ := m["entries"].([]any)
			if st != 200 || len(es) < 5 {
				t.Fatalf("audit query = %d, %d entries", st, len(es))
			}
		})
	})
}

// TestAuditProofsOverHTTP checks inclusion and consistency proofs from the API
// against the signed checkpoints.
func TestAuditProofsOverHTTP(t *testing.T) {
	engines(t, func(t *testing.T, a *app.App, srv *httptest.Server) {
		audTok, _ := user(t, a, "ccf.auditor", "ccf", []identity.Role{identity.Auditor}, "read", "audit")
		aud := client{t, srv.URL, audTok}
		var cp map[string]any
		deadline := time.Now().Add(5 * time.Second)
		for {
			st, m, _ := aud.do("GET", "/api/v1/audit/checkpoint", nil)
			if st == 200 && m["size"].(float64) >= 3 {
				cp = m
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no checkpoint: %d %v", st, m)
			}
			time.Sleep(100 * time.Millisecond)
		}
		size := int64(cp["size"].(float64))
		root := b64hash(t, cp["root"].(string))
		// The checkpoint's signed note verifies with the published key and states the same root.
		v, err := audit.NewVerifier(cp["verifier_key"].(string))
		if err != nil {
			t.Fatal(err)
		}
		signed, err := audit.OpenCheckpoint([]byte(cp["note"].(string)), v)
		if err != nil || signed.Size != size || signed.Root != root {
			t.Fatalf("signed checkpoint %+v, %v; API says size %d", signed, err, size)
		}
		for seq := int64(0); seq < size; seq++ {
			st, m, _ := aud.do("GET", "/api/v1/audit/proofs/inclusion?seq="+itoa(seq)+"&size="+itoa(size), nil)
			if st != 200 {
				t.Fatalf("inclusion proof %d: %d %v", seq, st, m)
			}
			var proof tlog.RecordProof
			for _, h := range m["hashes"].([]any) {
				proof = append(proof, b64hash(t, h.(string)))
			}
			if err := tlog.CheckRecord(proof, size, root, seq, b64hash(t, m["leaf_hash"].(string))); err != nil {
				t.Fatalf("inclusion proof of %d in %d does not verify: %v", seq, size, err)
			}
		}
		// A consistency proof from an early size to the checkpoint.
		st, m, _ := aud.do("GET", "/api/v1/audit/proofs/consistency?old=2&new="+itoa(size), nil)
		if st != 200 {
			t.Fatalf("consistency proof: %d %v", st, m)
		}
		var tp tlog.TreeProof
		for _, h := range m["hashes"].([]any) {
			tp = append(tp, b64hash(t, h.(string)))
		}
		e0, _ := a.Audit.Entry(context.Background(), 0)
		e1, _ := a.Audit.Entry(context.Background(), 1)
		oldRoot := tlog.NodeHash(e0.LeafHash(), e1.LeafHash())
		if err := tlog.CheckTree(tp, size, root, 2, oldRoot); err != nil {
			t.Fatalf("consistency proof does not verify: %v", err)
		}
		st, m, h := aud.do("GET", "/api/v1/audit/proofs/inclusion?seq=0&size=99999999", nil)
		if st < 400 || h.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("proof beyond the log: %d %v", st, m)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func b64hash(t *testing.T, s string) tlog.Hash {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		t.Fatalf("bad hash %q", s)
	}
	var h tlog.Hash
	copy(h[:], b)
	return h
}

func memberOrg(id, cc string) member.Org { return member.Org{ID: id, Name: id, Country: cc} }
