package bench

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDocumentsAreDistinctAndWellFormed: every stored number of an issuer
// is distinct and spelt in its format, the set is the same for the same
// seed, and no unknown document is a stored one.
func TestDocumentsAreDistinctAndWellFormed(t *testing.T) {
	d := NewDocuments(7, 20000)
	if got := NewDocuments(7, 20000).number(3, 42); got != d.number(3, 42) {
		t.Fatalf("not deterministic: %s, %s", got, d.number(3, 42))
	}
	if NewDocuments(8, 20000).number(3, 42) == d.number(3, 42) {
		t.Fatalf("the seed does not change the numbers")
	}
	stored := map[string]bool{}
	total := 0
	for c, is := range issuers {
		re := regexp.MustCompile("^" + strings.NewReplacer("#", "[0-9]", "@", "[A-Z]", "*", "[0-9A-Z]").Replace(is.pattern) + "$")
		for j := 0; j < d.count[c]; j++ {
			n := d.number(c, j)
			if !re.MatchString(n) {
				t.Fatalf("%s number %q does not follow %s", is.cc, n, is.pattern)
			}
			k := is.cc + "|" + n
			if stored[k] {
				t.Fatalf("%s number %q stored twice", is.cc, n)
			}
			stored[k] = true
		}
		total += d.count[c]
	}
	if total != d.Len() {
		t.Fatalf("issuers hold %d documents, want %d", total, d.Len())
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		if cc, n := d.Unknown(r); stored[cc+"|"+n] {
			t.Fatalf("unknown document %s %s is stored", cc, n)
		}
		if cc, n := d.Known(r); !stored[cc+"|"+n] {
			t.Fatalf("known document %s %s is not stored", cc, n)
		}
	}
}

// TestPeopleAndQueries: persons are deterministic, have a name in their
// own script and, when it is not Latin, a Latin one; queries derived from
// them name their source.
func TestPeopleAndQueries(t *testing.T) {
	ps := people(3, 2000)
	again := people(3, 2000)
	scripts := map[string]bool{}
	for i, p := range ps {
		if strings.Join(p.Names, "|") != strings.Join(again[i].Names, "|") || p.BirthDate != again[i].BirthDate {
			t.Fatalf("person %d differs between runs", i)
		}
		if len(p.Names) == 0 || p.Nationality == "" {
			t.Fatalf("person %d incomplete: %+v", i, p)
		}
		for _, r := range p.Names[0] {
			switch {
			case r >= 0x0400 && r <= 0x04FF:
				scripts["Cyrillic"] = true
			case r >= 0x0600 && r <= 0x06FF:
				scripts["Arabic"] = true
			case r >= 0x0370 && r <= 0x03FF:
				scripts["Greek"] = true
			case r >= 0x4E00 && r <= 0x9FFF:
				scripts["Han"] = true
			}
		}
	}
	for _, s := range []string{"Cyrillic", "Arabic", "Greek", "Han"} {
		if !scripts[s] {
			t.Errorf("no %s names among 2000 persons", s)
		}
	}
	qs := personQueries(4, ps, 1000)
	derived := 0
	for _, q := range qs {
		if q.Name == "" {
			t.Fatalf("empty query")
		}
		if q.From >= 0 {
			derived++
		}
	}
	if derived < 500 || derived > 800 {
		t.Fatalf("%d of 1000 queries derived from stored persons, want about two in three", derived)
	}
}

// TestNon2xxStopsThePhase: an answer other than 2xx is an error that
// stops every worker, with the status and the problem code.
func TestNon2xxStopsThePhase(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if strings.Contains(r.URL.Path, "bad") {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"code":"internal","status":500}`))
			return
		}
		w.Write([]byte(`{"outcome":"no-hit"}`))
	}))
	defer srv.Close()
	cl := newClient(srv.URL, "tok", 4)
	defer cl.close()
	st, err := phase{conc: 4, count: 100}.run(context.Background(), 1, func(ctx context.Context, r *rand.Rand, i int) error {
		return cl.post(ctx, "/good", []byte(`{}`), nil)
	})
	if err != nil || st.n() != 100 {
		t.Fatalf("good phase: %d calls, %v", st.n(), err)
	}
	st, err = phase{conc: 4, count: 1000}.run(context.Background(), 1, func(ctx context.Context, r *rand.Rand, i int) error {
		path := "/good"
		if i == 10 {
			path = "/bad"
		}
		return cl.post(ctx, path, []byte(`{}`), nil)
	})
	var se *statusError
	if !errors.As(err, &se) || se.status != 500 || se.code != "internal" {
		t.Fatalf("bad phase: err %v, want a 500 internal status error", err)
	}
	if st.n() >= 1000 {
		t.Fatalf("the phase did not stop at the error: %d calls", st.n())
	}
	res := &Result{}
	if err := fail("bench.test", err, res); res.Errors != 1 || !strings.Contains(err.Error(), "500") {
		t.Fatalf("fail: %v, errors %d", err, res.Errors)
	}
}

// TestKeptDataDirectory: a kept directory is loaded when new or empty,
// reused when its marker names the same complete data, loaded again when
// the same load was interrupted, and refused when it holds anything else.
func TestKeptDataDirectory(t *testing.T) {
	want := markerFile{Generator: generator, Seed: 1, Documents: 1000, Persons: 10}
	dir := t.TempDir()
	if reuse, err := checkDataDir(dir, want); reuse || err != nil {
		t.Fatalf("empty: %v %v", reuse, err)
	}
	if err := writeMarker(dir, want); err != nil {
		t.Fatal(err)
	}
	if reuse, err := checkDataDir(dir, want); reuse || err != nil {
		t.Fatalf("interrupted load: %v %v, want load again", reuse, err)
	}
	done := want
	done.Complete = true
	if err := writeMarker(dir, done); err != nil {
		t.Fatal(err)
	}
	if reuse, err := checkDataDir(dir, want); !reuse || err != nil {
		t.Fatalf("same data: %v %v, want reuse", reuse, err)
	}
	other := want
	other.Documents = 2000
	if _, err := checkDataDir(dir, other); err == nil || !strings.Contains(err.Error(), "other bench data") {
		t.Fatalf("other sizes: %v", err)
	}
	foreign := t.TempDir()
	if err := os.WriteFile(filepath.Join(foreign, "polex.db"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := checkDataDir(foreign, want); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("a directory of other data: %v", err)
	}
}

// TestPersonPhases drives the person screens and manifests against a
// server answering in the API's shapes: the figures are filled, and a
// server that answers 503 makes them null with the reason.
func TestPersonPhases(t *testing.T) {
	var unavailable bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if unavailable {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte(`{"code":"unavailable","status":503}`))
			return
		}
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body["purpose"] == "" {
			w.WriteHeader(http.StatusUnprocessableEntity)
			return
		}
		switch r.URL.Path {
		case "/api/v1/checks/persons":
			w.Write([]byte(`{"check_id":"c","kind":"person","outcome":"hit","matches":[{"ref":"BP-1","score":0.9,"match":true}]}`))
		case "/api/v1/checks/manifest":
			w.Write([]byte(`{"check_id":"c","checked":` + strconv.Itoa(len(body["passengers"].([]any))) + `,"hits":0,"passengers":[]}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	cl := newClient(srv.URL, "tok", 4)
	defer cl.close()
	ps := people(1, 100)
	qs := personQueries(2, ps, 200)
	o := &Options{Concurrency: 4, Seed: 1}
	res := &Result{}
	if err := personScreens(context.Background(), o, cl, len(ps), qs, NewDocuments(1, 1000), res); err != nil {
		t.Fatal(err)
	}
	if res.NameScreens != len(qs) || res.NameScreenP99 == nil || res.Manifest300 == nil || res.NameFoundTop10 == nil {
		t.Fatalf("figures missing: %+v", res)
	}
	unavailable = true
	res = &Result{}
	if err := personScreens(context.Background(), o, cl, len(ps), qs, NewDocuments(1, 1000), res); err != nil {
		t.Fatal(err)
	}
	if res.NameScreenP99 != nil || !strings.Contains(res.Skipped["manifest300_ms"], "503") {
		t.Fatalf("503: %+v", res)
	}
}
