package cli_test

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/polex-org/polex/internal/screen/mirror"
	"github.com/polex-org/polex/internal/screen/mrz"
	"github.com/polex-org/polex/internal/store/storetest"
)

// TestCLIMirror runs the offline-mirror commands through cli.Run on each
// engine: export for a Kenyan border system, offline checks by document,
// MRZ, VIN and plate (the record denied to Kenya is a no-hit), refusal of a
// tampered mirror and of another key, and the upload of the queued hits to
// a server that checks the body and the token.
func TestCLIMirror(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			data := t.TempDir()
			env := map[string]string{"USER": "tester"}
			if e.Name == "postgres" {
				env["POLEX_DATABASE"] = storetest.PostgresURL(t)
			}
			if code, out, stderr := run(t, "", env, "--data", data, "migrate"); code != 0 {
				t.Fatalf("migrate = %d %q %q", code, out, stderr)
			}
			if code, out, stderr := run(t, "a-long-enough-password\n", env, "--data", data, "user", "create",
				"--username", "ke.border", "--org", "ncb-ke", "--roles", "border-system", "--clearance", "restricted"); code != 0 {
				t.Fatalf("user create = %d %q %q", code, out, stderr)
			}
			docs := `{"ref":"FR-1","number":"18FR12345","type":"passport","issuing_country":"FR","status":"stolen"}
{"ref":"FR-2","number":"20FR00042","type":"passport","issuing_country":"FR","status":"revoked","restrictions":{"deny_countries":["KE"]}}
`
			if code, out, stderr := run(t, docs, env, "--data", data, "import", "documents", "--owner", "FR", "-"); code != 0 {
				t.Fatalf("import = %d %q %q", code, out, stderr)
			}
			veh := `{"ref":"FR-V1","vin":"1M8GDM9AXKP042788","plate":"AB-123-CD","plate_country":"FR"}` + "\n"
			if code, out, stderr := run(t, veh, env, "--data", data, "import", "vehicles", "--owner", "FR", "-"); code != 0 {
				t.Fatalf("import vehicles = %d %q %q", code, out, stderr)
			}

			dir := filepath.Join(t.TempDir(), "namanga")
			code, _, stderr := run(t, "", env, "--data", data, "mirror", "export", "--as", "ke.border", "--out", dir)
			if code != 2 || !strings.Contains(stderr, "purpose") {
				t.Fatalf("export without purpose = %d %q", code, stderr)
			}
			code, _, stderr = run(t, "", env, "--data", data, "mirror", "export", "--as", "nobody", "--out", dir, "--purpose", "x")
			if code != 2 || !strings.Contains(stderr, `no user "nobody"`) {
				t.Fatalf("export as nobody = %d %q", code, stderr)
			}
			code, out, stderr := run(t, "", env, "--data", data, "mirror", "export", "--as", "ke.border", "--out", dir, "--purpose", "Namanga border post")
			if code != 0 || !strings.Contains(out, "snapshot") || !strings.Contains(out, "holds 2 records") || !strings.Contains(out, "verifier key: polex-mirror+") {
				t.Fatalf("export = %d %q %q", code, out, stderr)
			}
			vkey := strings.TrimSpace(out[strings.Index(out, "verifier key: ")+len("verifier key: "):])

			// The post keeps the newest mirror it checked with here.
			post := map[string]string{"POLEX_MIRROR_STATE": filepath.Join(t.TempDir(), "mirror-state.json")}
			check := func(stdin string, args ...string) (int, mirror.Result, string) {
				t.Helper()
				code, out, stderr := run(t, stdin, post, append([]string{"check", "--mirror", dir, "--key", vkey}, args...)...)
				var res mirror.Result
				if code == 0 {
					if err := json.Unmarshal([]byte(out), &res); err != nil || !strings.HasSuffix(out, "}\n") {
						t.Fatalf("check %v printed %q: %v", args, out, err)
					}
				}
				return code, res, stderr
			}
			for _, c := range []struct {
				stdin string
				args  []string
				want  string
			}{
				{"", []string{"document", "FR", "18FR12345"}, "FR-1"},
				{"", []string{"--purpose", "arrival", "document", "18FR12345"}, "FR-1"},
				{"", []string{"document", "FR", "20FR00042"}, ""},
				{"", []string{"vehicle", "1M8GDM9AXKP042788"}, "FR-V1"},
				{"", []string{"plate", "fr", "AB 123 CD"}, "FR-V1"},
				{zone(t, "FRA", "18FR12345"), []string{"mrz"}, "FR-1"},
				{zone(t, "UTO", "18FR12345"), []string{"mrz"}, "FR-1"},
				{zone(t, "FRA", "20FR00042"), []string{"mrz"}, ""},
				{zone(t, "KEN", "18FR12345"), []string{"mrz"}, ""},
			} {
				code, res, stderr := check(c.stdin, c.args...)
				var refs []string
				for _, h := range res.Hits {
					refs = append(refs, h.Ref)
				}
				wantResult := "no-hit"
				if c.want != "" {
					wantResult = "hit"
				}
				if code != 0 || strings.Join(refs, ",") != c.want || res.Result != wantResult || res.Mirror.Sequence != 0 || res.Mirror.Created.IsZero() {
					t.Errorf("check %v = %d %+v %q, want %q", c.args, code, res, stderr, c.want)
				}
			}
			if code, _, stderr := check("", "document"); code != 2 {
				t.Errorf("bad usage = %d %q", code, stderr)
			}
			if code, _, stderr := check("not a zone", "mrz"); code != 2 || !strings.Contains(stderr, "no machine-readable zone") {
				t.Errorf("bad zone = %d %q", code, stderr)
			}
			if code, _, stderr := run(t, "", nil, "check", "document", "FR", "1"); code != 2 || !strings.Contains(stderr, "--mirror") {
				t.Errorf("no --mirror = %d %q", code, stderr)
			}

			// Refused: another key, then a tampered snapshot.
			_, other, err := note.GenerateKey(rand.Reader, mirror.KeyName)
			if err != nil {
				t.Fatal(err)
			}
			if code, _, stderr := check("", "document", "FR", "18FR12345"); code != 0 {
				t.Fatalf("check = %d %q", code, stderr)
			}
			code, out, stderr = run(t, "", post, "check", "--mirror", dir, "--key", other, "document", "FR", "18FR12345")
			if code != 1 || out != "" || !strings.Contains(stderr, "refused") {
				t.Errorf("other key = %d %q %q", code, out, stderr)
			}
			snap := filepath.Join(dir, mirror.SnapshotFile)
			b, err := os.ReadFile(snap)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)-3] ^= 0x20
			os.WriteFile(snap, b, 0o600)
			code, out, stderr = run(t, "", post, "check", "--mirror", dir, "document", "FR", "18FR12345")
			if code != 1 || out != "" || !strings.Contains(stderr, "refused: snapshot.pxm data does not match its signed digest") {
				t.Errorf("tampered = %d %q %q", code, out, stderr)
			}
			b[len(b)-3] ^= 0x20
			os.WriteFile(snap, b, 0o600)

			// Upload: 7 hits were queued (FR-1 five times, the vehicle
			// twice; no-hits are not queued): the server gets them with
			// the token, after refusing once.
			pending, err := mirror.Pending(dir)
			if err != nil || len(pending) != 7 {
				t.Fatalf("pending = %d %v", len(pending), err)
			}
			var got []mirror.QueuedHit
			fail := true
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/api/v1/checks/offline" || r.Header.Get("Authorization") != "Bearer pxt_secret" ||
					r.Header.Get("Content-Type") != "application/json" {
					t.Errorf("request %s %s auth %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				if fail {
					w.Header().Set("Content-Type", "application/problem+json")
					w.WriteHeader(http.StatusServiceUnavailable)
					io.WriteString(w, `{"title":"Service Unavailable","detail":"shutting down"}`)
					return
				}
				var body struct {
					Hits []mirror.QueuedHit `json:"hits"`
				}
				dec := json.NewDecoder(r.Body)
				dec.DisallowUnknownFields()
				if err := dec.Decode(&body); err != nil {
					t.Errorf("body: %v", err)
				}
				got = append(got, body.Hits...)
				w.WriteHeader(http.StatusAccepted)
			}))
			defer srv.Close()
			code, _, stderr = run(t, "pxt_secret\n", nil, "mirror", "upload", "--server", srv.URL, "--token", "-", dir)
			if code != 1 || !strings.Contains(stderr, "503 Service Unavailable") || !strings.Contains(stderr, "shutting down") {
				t.Errorf("refused upload = %d %q", code, stderr)
			}
			fail = false
			code, out, stderr = run(t, "", map[string]string{"POLEX_TOKEN": "pxt_secret"}, "mirror", "upload", "--server", srv.URL+"/", dir)
			if code != 0 || out != "7 hits uploaded\n" || len(got) != 7 {
				t.Fatalf("upload = %d %q %q, server got %d", code, out, stderr, len(got))
			}
			h := got[0]
			if h.Kind != "document" || h.Query != "document FR 18FR12345" || h.Ref != "FR-1" || h.Owner != "FR" || h.Post != "ke.border" ||
				h.Purpose != "border control" || h.RecordID == "" || h.ID == "" || h.CheckedAt.IsZero() || got[1].Purpose != "arrival" {
				t.Errorf("uploaded hit = %+v", h)
			}
			if p, _ := mirror.Pending(dir); len(p) != 0 {
				t.Errorf("%d hits still queued", len(p))
			}
			code, out, _ = run(t, "", nil, "mirror", "upload", "--server", srv.URL, "--token", "pxt_secret", dir)
			if code != 0 || out != "0 hits uploaded\n" || len(got) != 7 {
				t.Errorf("second upload = %d %q", code, out)
			}

			// Keep the mirror as it is now, to bring it back later.
			before := filepath.Join(t.TempDir(), "namanga-before")
			os.MkdirAll(before, 0o700)
			for _, name := range []string{mirror.SnapshotFile, mirror.PubFile} {
				b, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(before, name), b, 0o600)
			}

			// A second export writes a delta the check follows.
			if code, out, stderr := run(t, `{"ref":"FR-3","number":"21FR55555","type":"passport","issuing_country":"FR","status":"lost"}`+"\n",
				env, "--data", data, "import", "documents", "--owner", "FR", "-"); code != 0 {
				t.Fatalf("import = %d %q %q", code, out, stderr)
			}
			code, out, stderr = run(t, "", env, "--data", data, "mirror", "export", "--as", "ke.border", "--out", dir, "--purpose", "Namanga border post")
			if code != 0 || !strings.Contains(out, "delta 1") || !strings.Contains(out, "1 records written") {
				t.Fatalf("delta export = %d %q %q", code, out, stderr)
			}
			code, res, _ := check("", "document", "FR", "21FR55555")
			if code != 0 || res.Result != "hit" || res.Hits[0].Status != "lost" || res.Mirror.Sequence != 1 {
				t.Errorf("check after delta = %d %+v", code, res)
			}

			// The mirror as it was before the delta verifies, but this post
			// has checked with a newer one: refused as rolled back (where
			// the lost passport would be a no-hit). Too old is refused too.
			code, out, stderr = run(t, "", post, "check", "--mirror", before, "--key", vkey, "document", "FR", "21FR55555")
			if code != 1 || out != "" || !strings.Contains(stderr, "refused: rolled back") {
				t.Errorf("rolled back = %d %q %q", code, out, stderr)
			}
			code, out, stderr = run(t, "", post, "check", "--mirror", dir, "--key", vkey, "--max-age", "1ns", "document", "FR", "21FR55555")
			if code != 1 || out != "" || !strings.Contains(stderr, "more than --max-age") {
				t.Errorf("too old = %d %q %q", code, out, stderr)
			}
			if code, _, stderr := run(t, "", nil, "check", "--mirror", dir, "document", "FR", "21FR55555"); code != 2 || !strings.Contains(stderr, "give --state FILE") {
				t.Errorf("no state = %d %q", code, stderr)
			}
		})
	}
}

// zone returns a TD3 zone of a passport issued by state with number.
func zone(t *testing.T, state, number string) string {
	t.Helper()
	s, err := mrz.Encode(mrz.Zone{Format: mrz.TD3, DocumentCode: "P", IssuingState: state, DocumentNumber: number, Nationality: state,
		BirthDate: "800101", Sex: "F", ExpiryDate: "300101", Surname: "MARTIN", GivenNames: "CLAIRE"})
	if err != nil {
		t.Fatal(err)
	}
	return s + "\n"
}
