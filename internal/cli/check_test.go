package cli_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/config"
	"github.com/polex-org/polex/internal/screen"
	"github.com/polex-org/polex/internal/store/storetest"
)

// TestCLIOnlineChecks checks against the database through cli.Run on each
// engine, as Kenya's border system: a stolen passport by number and by
// machine-readable zone, a passport France denies to Kenya (no hit, France
// told silently), a plate, a person by a Cyrillic spelling, a work of art,
// a batch of documents and a manifest from JSON Lines files; a bad line
// names its file and line and checks nothing; bad usage exits 2. France is
// told of every hit, and the checks are in the statistics.
func TestCLIOnlineChecks(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			data := t.TempDir()
			env := map[string]string{"USER": "tester"}
			if e.Name == "postgres" {
				env["POLEX_DATABASE"] = storetest.PostgresURL(t)
			}
			cmd := func(stdin string, args ...string) (int, string, string) {
				t.Helper()
				return run(t, stdin, env, append([]string{"--data", data}, args...)...)
			}
			if code, out, stderr := cmd("", "migrate"); code != 0 {
				t.Fatalf("migrate = %d %q %q", code, out, stderr)
			}
			if code, out, stderr := cmd("a-long-enough-password\n", "user", "create",
				"--username", "ke.border", "--org", "ncb-ke", "--roles", "border-system", "--clearance", "restricted"); code != 0 {
				t.Fatalf("user create = %d %q %q", code, out, stderr)
			}
			for kind, lines := range map[string]string{
				"documents": `{"ref":"FR-1","number":"18FR12345","type":"passport","issuing_country":"FR","status":"stolen"}
{"ref":"FR-2","number":"20FR00042","type":"passport","issuing_country":"FR","status":"revoked","restrictions":{"deny_countries":["KE"]}}`,
				"vehicles": `{"ref":"FR-V1","vin":"1M8GDM9AXKP042788","plate":"AB-123-CD","plate_country":"FR"}`,
				"persons":  `{"ref":"FR-P-02","names":["Muammar Kaddafi","Муаммар Каддафи"],"birth_date":"1942-06-07","nationality":"LY","sex":"M"}`,
				"artworks": `{"ref":"FR-ART-01","category":"painting","title":"Le Pont de Moret","artist":"Alfred Sisley"}`,
			} {
				if code, out, stderr := cmd(lines+"\n", "import", kind, "--owner", "FR", "-"); code != 0 {
					t.Fatalf("import %s = %d %q %q", kind, code, out, stderr)
				}
			}
			dir := t.TempDir()
			file := func(name, text string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			check := func(stdin string, args ...string) map[string]any {
				t.Helper()
				code, out, stderr := cmd(stdin, append([]string{"check", "--as", "ke.border", "--purpose", "entry control", "--location", "Namanga"}, args...)...)
				var res map[string]any
				if code != 0 || json.Unmarshal([]byte(out), &res) != nil || !strings.HasSuffix(out, "}\n") {
					t.Fatalf("check %v = %d %q %q", args, code, out, stderr)
				}
				return res
			}
			refs := func(res map[string]any) string {
				b, _ := json.Marshal(res)
				var got []string
				for _, r := range []string{"FR-1", "FR-2", "FR-V1", "FR-P-02", "FR-ART-01"} {
					if strings.Contains(string(b), `"ref":"`+r+`"`) {
						got = append(got, r)
					}
				}
				return strings.Join(got, ",")
			}

			for _, c := range []struct {
				stdin   string
				args    []string
				outcome string
				refs    string
			}{
				{"", []string{"document", "FR", "18FR12345"}, "hit", "FR-1"},
				{"", []string{"document", "18fr12345"}, "hit", "FR-1"},
				{zone(t, "FRA", "18FR12345"), []string{"mrz"}, "hit", "FR-1"},
				{"", []string{"document", "FR", "20FR00042"}, "no-hit", ""},
				{"", []string{"plate", "fr", "AB 123 CD"}, "hit", "FR-V1"},
				{"", []string{"vehicle", "1M8GDM9AXKP042789"}, "no-hit", ""},
				{"", []string{"person", "Муаммар Каддафи", "--birth-date", "1942-06-07", "--limit", "1"}, "hit", "FR-P-02"},
				{"", []string{"artwork", "le pont de moret"}, "hit", "FR-ART-01"},
			} {
				res := check(c.stdin, c.args...)
				if res["outcome"] != c.outcome || refs(res) != c.refs {
					t.Fatalf("check %v: %v", c.args, res)
				}
			}

			batch := check("", "documents", "--in", file("docs.jsonl", `{"issuing_country":"FR","number":"18FR12345"}

{"issuing_country":"FR","number":"20FR00042"}
{"mrz":`+jsonString(zone(t, "KEN", "A0000000"))+`}
`))
			if batch["checked"] != 3.0 || refs(batch) != "FR-1" {
				t.Fatalf("batch: %v", batch)
			}
			man := check("", "manifest", "--in", file("manifest.jsonl", `{"name":"Muammar Gaddafi","birth_date":"1942-06-07","nationality":"LY"}
{"name":"Claire Martin","document":{"issuing_country":"FR","number":"18FR12345"}}
{"name":"Wanjiru Kamau","nationality":"KE","document":{"issuing_country":"FR","number":"20FR00042"}}
`))
			if man["checked"] != 3.0 || man["hits"] != 2.0 || refs(man) != "FR-1,FR-P-02" {
				t.Fatalf("manifest: %v", man)
			}

			// France: 12 hits, the denied passport's 3 silent.
			want := map[string]int{screen.StatusPending: 9, screen.StatusSilent: 3}
			if got := ownerHits(t, data, env); got[screen.StatusPending] != want[screen.StatusPending] || got[screen.StatusSilent] != want[screen.StatusSilent] {
				t.Fatalf("France's hits: %v, want %v", got, want)
			}

			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{"manifest", "--in", file("bad1.jsonl", `{"name":"Muammar Gaddafi"}`+"\n\n"+`{"name":"Claire Martin","nationality":"France"}`)}, "bad1.jsonl:3: nationality:"},
				{[]string{"manifest", "--in", file("bad2.jsonl", `{"name":"Claire Martin","document":{"number":"18FR 0000$"}}`)}, "bad2.jsonl:1: document.number:"},
				{[]string{"manifest", "--in", file("bad3.jsonl", `{"name":"Claire Martin","passport":"X"}`)}, `bad3.jsonl:1: json: unknown field "passport"`},
				{[]string{"documents", "--in", file("bad4.jsonl", `{"number":"18FR12345"}`+"\n"+`{"mrz":"P<FRA"}`)}, "bad4.jsonl:2: mrz:"},
				{[]string{"documents", "--in", file("bad5.jsonl", "\n\n")}, "holds nothing to check"},
				{[]string{"manifest", "--in", file("bad6.jsonl", strings.Repeat(`{"name":"Jane Doe"}`+"\n", screen.MaxManifest+1))}, "bad6.jsonl:1001: one check takes at most 1000 lines"},
				{[]string{"document", "FR", "18FR 0000$"}, "number"},
				{[]string{"person", "Claire Martin", "--birth-date", "1980-13"}, "birth"},
			} {
				code, out, stderr := cmd("", append([]string{"check", "--as", "ke.border", "--purpose", "entry control"}, c.args...)...)
				if code != 2 || out != "" || !strings.Contains(stderr, c.want) {
					t.Fatalf("check %v = %d %q %q, want exit 2 and %q", c.args, code, out, stderr, c.want)
				}
			}
			if got := ownerHits(t, data, env); got[screen.StatusPending] != want[screen.StatusPending] || got[screen.StatusSilent] != want[screen.StatusSilent] {
				t.Fatalf("refused checks raised hits: %v", got)
			}

			for _, c := range []struct {
				args []string
				want string
			}{
				{[]string{"check", "document", "FR", "18FR12345"}, "--as USER is required"},
				{[]string{"check", "--as", "nobody", "document", "FR", "18FR12345"}, `no user "nobody"`},
				{[]string{"check", "--as", "ke.border", "document", "FR", "18FR12345", "--in", "x"}, "--in is for documents and manifest only"},
				{[]string{"check", "--as", "ke.border", "manifest"}, "manifest needs --in FILE"},
				{[]string{"check", "--as", "ke.border", "document", "FR", "18FR12345", "--sex", "F"}, "are for person only"},
				{[]string{"check", "--as", "ke.border", "passport", "18FR12345"}, `unknown check "passport"`},
				{[]string{"check", "--as", "ke.border", "--mirror", dir, "document", "FR", "18FR12345"}, "not with --mirror"},
				{[]string{"check", "--as", "ke.border", "--purpose", " ", "document", "FR", "18FR12345"}, "--purpose must not be empty"},
			} {
				code, out, stderr := cmd("", c.args...)
				if code != 2 || out != "" || !strings.Contains(stderr, c.want) {
					t.Fatalf("%v = %d %q %q, want exit 2 and %q", c.args, code, out, stderr, c.want)
				}
			}

			// Every command stored its counts: Kenya's 16 checks by
			// database (a batch or manifest counts each entry; refused ones
			// count nothing).
			a, done := openApp(t, data, env)
			defer done()
			oversight, err := a.ScreenPrincipal(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			rows, err := a.Screen.Stats(context.Background(), oversight, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			checks := map[string]int64{}
			for _, r := range rows {
				if r.Country == "KE" {
					checks[r.Kind] += r.Checks
				}
			}
			if checks[screen.KindDocument] != 4+3+2 || checks[screen.KindVehicle] != 2 || checks[screen.KindPerson] != 1+3 || checks[screen.KindArtwork] != 1 {
				t.Fatalf("Kenya's checks in the statistics: %v", checks)
			}
		})
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// openApp opens the data of a test's commands in-process; close closes it.
func openApp(t *testing.T, data string, env map[string]string) (a *app.App, done func()) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = data
	cfg.DatabaseURL = env["POLEX_DATABASE"]
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return a, func() { a.Close(context.Background()) }
}

// ownerHits counts France's hits by status, closing the data again for
// the commands that follow.
func ownerHits(t *testing.T, data string, env map[string]string) map[string]int {
	t.Helper()
	a, done := openApp(t, data, env)
	defer done()
	p, err := a.ImportPrincipal(context.Background(), "FR")
	if err != nil {
		t.Fatal(err)
	}
	hs, err := a.Screen.Hits(context.Background(), p, screen.HitList{Side: "owner", Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, h := range hs {
		out[h.Status]++
	}
	return out
}
