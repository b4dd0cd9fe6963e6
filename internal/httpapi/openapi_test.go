package httpapi

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/polex-org/polex/internal/errs"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestOpenAPIGolden keeps the API description under review: any change to
// an operation, a type or an error shows up as a diff of
// testdata/openapi.golden.json (regenerate with go test -update).
func TestOpenAPIGolden(t *testing.T) {
	a := New(Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test", MaxBody: 1 << 20})
	got, err := json.MarshalIndent(a.OpenAPI(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "openapi.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("the OpenAPI description changed; review and run go test ./internal/httpapi -update\n%s", firstDiff(string(want), string(got)))
	}
	var doc map[string]any
	if err := json.Unmarshal(got, &doc); err != nil || doc["openapi"] != "3.1.0" {
		t.Fatalf("not an OpenAPI 3.1 document: %v", err)
	}
}

func TestStatusOfKinds(t *testing.T) {
	// Private and NotFound must be indistinguishable on the wire.
	s1, c1 := statusOf(errs.Private)
	s2, c2 := statusOf(errs.NotFound)
	if s1 != s2 || c1 != c2 || s1 != 404 {
		t.Fatalf("Private → %d %s, NotFound → %d %s", s1, c1, s2, c2)
	}
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return "want: …" + a[lo:min(len(a), i+200)] + "\n got: …" + b[lo:min(len(b), i+200)]
}
