package cli_test

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIImport imports documents from a file and persons from stdin on a
// temporary data directory: bad lines are reported by number on stderr
// with exit status 1, good lines stored, a re-run changes nothing, and
// usage errors exit 2.
func TestCLIImport(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "fr-docs.jsonl")
	lines := `{"ref":"R1","number":"18FR12345","type":"passport","issuing_country":"FR","status":"stolen"}
{"ref":"R2","number":"X","type":"passport","issuing_country":"KE","status":"stolen"}
{"ref":"R3","number":"18FR12346","type":"id-card","issuing_country":"FR","status":"lost"}
`
	if err := os.WriteFile(file, []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"USER": "tester"}
	code, out, stderr := run(t, "", env, "--data", dir, "import", "documents", "--owner", "FR", file)
	if code != 1 || !strings.Contains(out, "3 lines, 2 inserted, 0 updated, 0 unchanged, 1 bad") ||
		!strings.Contains(stderr, "line 2: issuing_country: only the issuing country may add its documents") {
		t.Fatalf("import = %d\nstdout %q\nstderr %q", code, out, stderr)
	}
	if strings.Contains(stderr, "cause:") {
		t.Fatalf("bad lines reported as an internal failure: %q", stderr)
	}
	good := filepath.Join(dir, "good.jsonl")
	if err := os.WriteFile(good, []byte(strings.Split(lines, "\n")[0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr = run(t, "", env, "--data", dir, "import", "--owner", "fr", "documents", good)
	if code != 0 || !strings.Contains(out, "1 lines, 0 inserted, 0 updated, 1 unchanged, 0 bad") {
		t.Fatalf("re-import = %d %q %q", code, out, stderr)
	}
	code, out, stderr = run(t, `{"ref":"P1","names":["Муаммар Каддафи","Muammar Kaddafi"],"birth_date":"1942-06-07","nationality":"LY","sex":"M"}`,
		env, "--data", dir, "import", "persons", "--owner", "FR", "-")
	if code != 0 || !strings.Contains(out, "1 inserted") || !strings.Contains(stderr, "progress:") {
		t.Fatalf("stdin import = %d %q %q", code, out, stderr)
	}
	for _, args := range [][]string{
		{"import", "documents", file},
		{"import", "documents", "--owner", "FR"},
		{"import", "stamps", "--owner", "FR", file},
		{"import", "documents", "--owner", "FR", filepath.Join(dir, "x.txt")},
	} {
		if code, _, stderr := run(t, "", env, append([]string{"--data", dir}, args...)...); code != 2 {
			t.Fatalf("%v = %d %q, want 2", args, code, stderr)
		}
	}
	db, err := sql.Open("sqlite", "file:"+dir+"/polex.db?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var docs, persons int
	var actor string
	if err := db.QueryRow(`SELECT count(*) FROM property_documents WHERE owner = 'FR'`).Scan(&docs); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM property_persons`).Scan(&persons); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT actor FROM audit_entries WHERE action = 'import.documents' ORDER BY seq LIMIT 1`).Scan(&actor); err != nil {
		t.Fatal(err)
	}
	if docs != 2 || persons != 1 || actor != "system:import" {
		t.Fatalf("%d documents, %d persons, actor %q", docs, persons, actor)
	}
}
