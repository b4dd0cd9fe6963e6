package cli_test

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/cli"
	"github.com/polex-org/polex/internal/store/storetest"

	_ "modernc.org/sqlite"
)

// run runs the polex command line in-process and returns its exit code and output.
func run(t *testing.T, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return ""
	}
	code := cli.Run(context.Background(), args, strings.NewReader(stdin), &out, &errb, getenv)
	return code, out.String(), errb.String()
}

// TestCLIAdministrationAndAuditVerify administers through the CLI, then
// changes one byte of one stored audit entry and checks that `polex audit
// verify` fails and names that entry, on each engine.
func TestCLIAdministrationAndAuditVerify(t *testing.T) {
	engines := []string{"sqlite"}
	if os.Getenv(storetest.EnvPostgres) != "" {
		engines = append(engines, "postgres")
	}
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"USER": "tester"}
			var db *sql.DB
			var err error
			if engine == "postgres" {
				url := storetest.PostgresURL(t)
				env["POLEX_DATABASE"] = url
				db, err = sql.Open("pgx", url)
			} else {
				db, err = sql.Open("sqlite", "file:"+dir+"/polex.db?_pragma=busy_timeout(5000)")
			}
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()

			code, out, stderr := run(t, "", env, "--data", dir, "migrate")
			if code != 0 || !strings.Contains(out, "196 member countries added") {
				t.Fatalf("migrate = %d %q %q", code, out, stderr)
			}
			code, out, stderr = run(t, "a-long-enough-password\n", env, "--data", dir, "user", "create",
				"--username", "fr.officer", "--org", "ncb-fr", "--roles", "officer", "--clearance", "restricted")
			if code != 0 || !strings.Contains(out, "TOTP secret") {
				t.Fatalf("user create = %d %q %q", code, out, stderr)
			}
			// Bad input: a clear message, exit 2, nothing stored.
			code, _, stderr = run(t, "short\n", env, "--data", dir, "user", "create", "--username", "x.y", "--org", "ncb-fr", "--roles", "officer")
			if code != 2 || !strings.Contains(stderr, "at least 12 characters") {
				t.Fatalf("short password = %d %q", code, stderr)
			}
			code, _, stderr = run(t, "a-long-enough-password\n", env, "--data", dir, "user", "create", "--username", "x.y", "--org", "ncb-fr", "--roles", "wizard")
			if code != 2 || !strings.Contains(stderr, `unknown role "wizard"`) {
				t.Fatalf("unknown role = %d %q", code, stderr)
			}
			code, out, _ = run(t, "", env, "--data", dir, "user", "list")
			if code != 0 || !strings.Contains(out, "fr.officer") || strings.Contains(out, "x.y") {
				t.Fatalf("user list = %d %q", code, out)
			}
			if code, out, stderr = run(t, "", env, "--data", dir, "user", "disable", "fr.officer"); code != 0 {
				t.Fatalf("disable = %d %q %q", code, out, stderr)
			}
			if code, _, stderr = run(t, "", env, "--data", dir, "org", "suspend", "QQ"); code == 0 {
				t.Fatalf("suspending a non-member succeeded: %q", stderr)
			}
			if code, _, stderr = run(t, "", env, "--data", dir, "nonsense"); code != 2 || !strings.Contains(stderr, "unknown command") {
				t.Fatalf("unknown command = %d %q", code, stderr)
			}

			code, out, stderr = run(t, "", env, "--data", dir, "audit", "verify")
			if code != 0 || !strings.HasPrefix(out, "OK:") {
				t.Fatalf("verify of an intact log = %d %q %q", code, out, stderr)
			}
			var n int64
			if err := db.QueryRow(`SELECT count(*) FROM audit_entries`).Scan(&n); err != nil || n < 3 {
				t.Fatalf("audit entries: %d, %v", n, err)
			}
			// Change one byte of the actor of entry 1.
			if _, err := db.Exec(`UPDATE audit_entries SET actor = 'x' || substr(actor, 2) WHERE seq = 1`); err != nil {
				t.Fatal(err)
			}
			code, out, stderr = run(t, "", env, "--data", dir, "audit", "verify")
			if code != 1 || !strings.Contains(out, "entry 1:") || !strings.Contains(stderr, "entry 1") {
				t.Fatalf("verify of a tampered log = %d %q %q", code, out, stderr)
			}
		})
	}
}

func TestVersionAndUsage(t *testing.T) {
	if code, out, _ := run(t, "", nil, "version"); code != 0 || !strings.HasPrefix(out, "polex ") {
		t.Fatalf("version = %d %q", code, out)
	}
	if code, _, stderr := run(t, "", nil); code != 2 || !strings.Contains(stderr, "serve") {
		t.Fatalf("no command = %d %q", code, stderr)
	}
	if code, _, stderr := run(t, "", nil, "--data", t.TempDir(), "serve", "--addr"); code != 2 || !strings.Contains(stderr, "flag needs an argument") {
		t.Fatalf("bad flag = %d %q", code, stderr)
	}
	if code, _, stderr := run(t, "", nil, "--data", t.TempDir(), "--database", "mysql://x", "migrate"); code != 2 || !strings.Contains(stderr, "postgres://") {
		t.Fatalf("bad database URL = %d %q", code, stderr)
	}
}
