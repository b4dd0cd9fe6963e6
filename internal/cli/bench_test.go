package cli_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/store/storetest"
)

// TestBenchChecks runs `polex bench checks` on small data (with the
// PostgreSQL baseline when POLEX_TEST_POSTGRES is set) and checks that
// every figure is present and sane: positive numbers, every stored
// document checked found, no unknown one, no error; figures of parts that
// did not run are null with the reason.
func TestBenchChecks(t *testing.T) {
	args := []string{"bench", "checks", "--documents", "5000", "--persons", "1000", "--json"}
	pg := os.Getenv(storetest.EnvPostgres)
	if pg == "" && os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set in CI", storetest.EnvPostgres)
	}
	if pg != "" {
		args = append(args, "--postgres", pg)
	}
	code, out, errOut := run(t, "", map[string]string{"USER": "tester"}, args...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out)
	}
	skipped, _ := m["skipped"].(map[string]any)
	positive := func(key string) {
		t.Helper()
		v, ok := m[key]
		if !ok {
			t.Errorf("%s missing", key)
			return
		}
		f, isNum := v.(float64)
		if !isNum || f <= 0 {
			t.Errorf("%s = %v, want a positive number", key, v)
		}
	}
	nullOr := func(key, why string) {
		t.Helper()
		v, ok := m[key]
		if !ok {
			t.Errorf("%s missing", key)
			return
		}
		if v == nil {
			if r, _ := skipped[key].(string); !strings.Contains(r, why) {
				t.Errorf("%s is null, skipped says %q, want it to mention %q", key, r, why)
			}
			return
		}
		positive(key)
	}
	for _, k := range []string{"doc_check_p50_ms", "doc_check_p99_ms", "doc_checks_per_s", "doc_batch_per_s", "doc_index_bytes_per_doc",
		"doc_check_hits", "batch_hits", "index_documents", "concurrency", "cpus", "gomaxprocs",
		"loopback_ceiling_per_s", "loopback_audited_ceiling_per_s"} {
		positive(k)
	}
	for _, k := range []string{"pg_doc_checks_per_s", "pg_doc_checks_audited_per_s", "pg_doc_check_audited_p99_ms", "pg_name_screen_p99_ms"} {
		if pg != "" {
			positive(k)
		} else {
			nullOr(k, "--postgres")
		}
	}
	for _, k := range []string{"name_screen_p50_ms", "name_screen_p99_ms", "manifest300_ms", "name_found_top10"} {
		positive(k)
	}
	for _, k := range []string{"doc_check_misses", "doc_check_false_hits", "batch_misses", "errors"} {
		if m[k] != float64(0) {
			t.Errorf("%s = %v, want 0", k, m[k])
		}
	}
	if m["index_documents"] != float64(5000) {
		t.Errorf("index holds %v documents, want 5000", m["index_documents"])
	}
	if b := m["doc_index_bytes_per_doc"].(float64); b > 64 {
		t.Errorf("index takes %v bytes a document", b)
	}
	if !strings.Contains(errOut, "single document checks") {
		t.Errorf("no progress on stderr: %s", errOut)
	}
}

// TestBenchChecksUsage: bad flags are usage errors (exit 2).
func TestBenchChecksUsage(t *testing.T) {
	for name, args := range map[string][]string{
		"no subcommand":   {"bench"},
		"unknown":         {"bench", "names"},
		"few documents":   {"bench", "checks", "--documents", "10"},
		"bad concurrency": {"bench", "checks", "--concurrency", "0"},
		"database":        {"--database", "postgres://x", "bench", "checks"},
	} {
		t.Run(name, func(t *testing.T) {
			if code, _, errOut := run(t, "", nil, args...); code != 2 {
				t.Fatalf("exit %d, want 2: %s", code, errOut)
			}
		})
	}
}
