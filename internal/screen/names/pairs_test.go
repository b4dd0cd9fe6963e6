package names

import (
	"compress/gzip"
	"encoding/csv"
	"io"
	"os"
	"sort"
	"strings"
	"testing"
)

// readCSV reads a CSV file from testdata (gzipped when the name ends in .gz)
// into maps keyed by the header.
func readCSV(t testing.TB, name string) []map[string]string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		defer gz.Close()
		r = gz
	}
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, row := range rows[1:] {
		m := make(map[string]string, len(row))
		for i, h := range rows[0] {
			if i < len(row) {
				m[h] = row[i]
			}
		}
		out = append(out, m)
	}
	return out
}

// confusion counts outcomes of a binary decision.
type confusion struct{ tp, fp, tn, fn int }

func (c *confusion) add(predicted, actual bool) {
	switch {
	case predicted && actual:
		c.tp++
	case predicted && !actual:
		c.fp++
	case !predicted && actual:
		c.fn++
	default:
		c.tn++
	}
}

func (c confusion) prf() (p, r, f float64) {
	if c.tp+c.fp > 0 {
		p = float64(c.tp) / float64(c.tp+c.fp)
	}
	if c.tp+c.fn > 0 {
		r = float64(c.tp) / float64(c.tp+c.fn)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return p, r, f
}

// half says which half of the labelled pairs a row belongs to: the
// threshold and weights were tuned on half 0 and checked on half 1.
func half(i int) int { return i % 2 }

// TestPairsAgainstLogicV2 measures Compare on the person pairs of
// nomenklatura-cases.csv and fails unless its F1 beats the logic-v2
// reference on the same pairs.
func TestPairsAgainstLogicV2(t *testing.T) {
	rows := readCSV(t, "nomenklatura-cases.csv")
	var all, byHalf [2]confusion
	_ = all
	groups := map[string]*confusion{}
	var total confusion
	verbose := os.Getenv("NAMES_PAIRS_VERBOSE") != ""
	n := 0
	for _, r := range rows {
		if r["schema"] != "Person" {
			continue
		}
		actual := r["is_match"] == "true"
		res := Compare(r["name1"], r["name2"], Evidence{}, Evidence{})
		pred := res.Score >= DefaultThreshold
		total.add(pred, actual)
		byHalf[half(n)].add(pred, actual)
		g := groups[r["case_group"]]
		if g == nil {
			g = &confusion{}
			groups[r["case_group"]] = g
		}
		g.add(pred, actual)
		if verbose && pred != actual {
			t.Logf("half%d %s %.3f %v | %s | %s | %s", half(n), map[bool]string{true: "FP", false: "FN"}[pred], res.Score, actual, r["name1"], r["name2"], r["notes"])
		}
		n++
	}
	ref := readCSV(t, "nomenklatura-logicv2-frozen.csv")
	var lv2 confusion
	lv2Groups := map[string]*confusion{}
	for _, r := range ref {
		if r["schema"] != "Person" {
			continue
		}
		lv2.add(r["predicted_match"] == "true", r["is_match"] == "true")
		g := lv2Groups[r["case_group"]]
		if g == nil {
			g = &confusion{}
			lv2Groups[r["case_group"]] = g
		}
		g.add(r["predicted_match"] == "true", r["is_match"] == "true")
	}
	p, rc, f := total.prf()
	lp, lr, lf := lv2.prf()
	t.Logf("polex    persons n=%d  P %.3f R %.3f F1 %.3f  (tp %d fp %d tn %d fn %d) threshold %.2f", n, p, rc, f, total.tp, total.fp, total.tn, total.fn, DefaultThreshold)
	t.Logf("logic-v2 persons n=%d  P %.3f R %.3f F1 %.3f  (tp %d fp %d tn %d fn %d)", lv2.tp+lv2.fp+lv2.tn+lv2.fn, lp, lr, lf, lv2.tp, lv2.fp, lv2.tn, lv2.fn)
	for h := range byHalf {
		hp, hr, hf := byHalf[h].prf()
		t.Logf("half %d (%s): P %.3f R %.3f F1 %.3f", h, map[int]string{0: "tuning", 1: "held out"}[h], hp, hr, hf)
	}
	var names []string
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	for _, g := range names {
		gp, gr, gf := groups[g].prf()
		line := ""
		if l := lv2Groups[g]; l != nil {
			a, b, c := l.prf()
			line = " | logic-v2 P %.3f R %.3f F1 %.3f"
			t.Logf("  %-14s polex P %.3f R %.3f F1 %.3f"+line, g, gp, gr, gf, a, b, c)
			continue
		}
		t.Logf("  %-14s polex P %.3f R %.3f F1 %.3f", g, gp, gr, gf)
	}
	if f <= lf {
		t.Fatalf("F1 %.3f does not beat logic-v2 F1 %.3f", f, lf)
	}
}
