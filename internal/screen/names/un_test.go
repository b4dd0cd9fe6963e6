package names

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// scriptOf names the main script of a name (the script of most letters).
func scriptOf(s string) string {
	counts := map[string]int{}
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		for _, name := range []string{"Latin", "Cyrillic", "Arabic", "Han", "Hangul", "Devanagari", "Hebrew", "Thai", "Greek", "Hiragana", "Katakana", "Bengali", "Armenian", "Georgian", "Ethiopic"} {
			if unicode.Is(unicode.Scripts[name], r) {
				counts[name]++
				break
			}
		}
	}
	best, n := "Other", 0
	for k, v := range counts {
		if v > n || (v == n && k < best) {
			best, n = k, v
		}
	}
	return best
}

// plainTokens splits a name into lower-case words without punctuation.
func plainTokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !isApostrophe(r) })
}

// variation classifies how a treated name differs from its original.
func variation(orig, treated string) string {
	if orig == treated {
		return "identical"
	}
	a, b := plainTokens(orig), plainTokens(treated)
	if strings.Join(a, " ") == strings.Join(b, " ") {
		return "punctuation/spacing"
	}
	sa, sb := append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(sa)
	sort.Strings(sb)
	if strings.Join(sa, " ") == strings.Join(sb, " ") {
		return "reordered"
	}
	if strings.Join(a, "") == strings.Join(b, "") || strings.Join(sa, "") == strings.Join(sb, "") {
		return "token boundary"
	}
	if len(a) != len(b) {
		return "dropped/added token"
	}
	same := 0
	for _, x := range a {
		for _, y := range b {
			if x == y {
				same++
				break
			}
		}
	}
	if same == len(a)-1 {
		for _, x := range a {
			found := false
			for _, y := range b {
				if x == y {
					found = true
				}
			}
			if !found {
				for _, y := range b {
					if damerau(x, y) <= 2 && len(x) > 1 {
						if strings.ReplaceAll(x, "'", "") == strings.ReplaceAll(y, "'", "") {
							return "punctuation/spacing"
						}
						return "typo (one word)"
					}
				}
			}
		}
	}
	return "typos/transliteration (several words)"
}

// unIndex builds the UN test index: the treated names plus all negatives as
// distractors.
func unIndex(t testing.TB) (*Index, []map[string]string, []map[string]string) {
	t.Helper()
	treated := readCSV(t, "yente-positives_un_treated.csv")
	untreated := readCSV(t, "yente-positives_un_untreated.csv")
	if len(treated) != len(untreated) {
		t.Fatalf("treated %d rows, untreated %d", len(treated), len(untreated))
	}
	x := NewIndex()
	for i, r := range treated {
		x.Add(fmt.Sprintf("un%d", i), []string{r["full_name"]}, rowEvidence(r))
	}
	for _, f := range []string{"yente-negatives_global.csv.gz", "yente-negatives_us.csv.gz"} {
		for i, r := range readCSV(t, f) {
			x.Add(fmt.Sprintf("%s%d", f[15:17], i), []string{r["full_name"]}, rowEvidence(r))
		}
	}
	return x, treated, untreated
}

func rowEvidence(r map[string]string) Evidence {
	return Evidence{BirthDate: r["date_of_birth"], Nationality: r["nationality"], Sex: r["gender"]}
}

// TestUNTreatedTopTen queries every untreated UN name against the treated
// names hidden among 100,000 distractors and fails unless every treated
// twin is in the top 10. It logs rank-1 counts and recall per script and
// per kind of variation.
func TestUNTreatedTopTen(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 100,000 names")
	}
	x, treated, untreated := unIndex(t)
	t.Logf("index: %d persons", x.Len())
	type tally struct{ n, top1, top10 int }
	byScript, byVar := map[string]*tally{}, map[string]*tally{}
	get := func(m map[string]*tally, k string) *tally {
		if m[k] == nil {
			m[k] = &tally{}
		}
		return m[k]
	}
	var total tally
	matchAtThreshold := 0
	for i, r := range untreated {
		want := fmt.Sprintf("un%d", i)
		cands := x.Search(Query{Name: r["full_name"], Evidence: rowEvidence(r)}, 10)
		rank := 0
		for j, c := range cands {
			if c.ID == want {
				rank = j + 1
				if c.Score >= DefaultThreshold {
					matchAtThreshold++
				}
				break
			}
		}
		for _, tl := range []*tally{&total, get(byScript, scriptOf(r["full_name"])), get(byVar, variation(r["full_name"], treated[i]["full_name"]))} {
			tl.n++
			if rank == 1 {
				tl.top1++
			}
			if rank >= 1 {
				tl.top10++
			}
		}
		if rank == 0 {
			var got []string
			for _, c := range cands[:min(3, len(cands))] {
				got = append(got, fmt.Sprintf("%s %q %.3f", c.ID, c.Name, c.Score))
			}
			t.Errorf("%q: treated twin %q not in the top 10 (top: %s)", r["full_name"], treated[i]["full_name"], strings.Join(got, "; "))
		}
	}
	t.Logf("UN: %d queries, rank 1: %d, top 10: %d, twin at or above the threshold: %d", total.n, total.top1, total.top10, matchAtThreshold)
	for _, m := range []struct {
		name string
		t    map[string]*tally
	}{{"script", byScript}, {"variation", byVar}} {
		var keys []string
		for k := range m.t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := m.t[k]
			t.Logf("  %-9s %-40s n=%3d rank1 %3d top10 %3d (recall@10 %.3f)", m.name, k, v.n, v.top1, v.top10, float64(v.top10)/float64(v.n))
		}
	}
}

// TestCongressFalseMatches runs the US congress names (none of them in the
// negatives) against the global negatives and logs how many candidates reach
// the threshold.
func TestCongressFalseMatches(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 50,000 names")
	}
	x := NewIndex()
	for i, r := range readCSV(t, "yente-negatives_global.csv.gz") {
		x.Add(fmt.Sprintf("gl%d", i), []string{r["full_name"]}, rowEvidence(r))
	}
	queries := readCSV(t, "yente-positives_us_congress_untreated.csv")
	hits, queriesHit := 0, 0
	for _, r := range queries {
		cands := x.Search(Query{Name: r["full_name"], Evidence: rowEvidence(r)}, 10)
		h := 0
		for _, c := range cands {
			if c.Score >= DefaultThreshold {
				h++
				if hits < 40 {
					t.Logf("  false match: %q ~ %q %.3f", r["full_name"], c.Name, c.Score)
				}
			}
		}
		hits += h
		if h > 0 {
			queriesHit++
		}
	}
	t.Logf("congress: %d queries against %d negatives: %d candidates at or above %.2f, for %d queries", len(queries), x.Len(), hits, DefaultThreshold, queriesHit)
	if queriesHit*10 > len(queries) {
		t.Errorf("%d of %d queries raise a false match", queriesHit, len(queries))
	}
}
