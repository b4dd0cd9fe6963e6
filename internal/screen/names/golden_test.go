package names

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
)

// goldenFile holds, for each of goldenQueries synthetic queries over
// goldenPersons synthetic persons, the SHA-256 of Search's JSON results
// (ids, names, scores and explanations).
const (
	goldenFile    = "testdata/search_golden.txt"
	goldenPersons = 20_000
	goldenQueries = 1_000
)

// TestSearchGolden pins Search's results, so that an optimisation cannot
// change a ranking unnoticed: each query's results must hash as in
// goldenFile. A change meant to alter rankings (judged on the accuracy
// tests) rewrites the file with NAMES_GOLDEN=write. For optimisation work
// at full size, NAMES_GOLDEN=write|check with NAMES_GOLDEN_FILE=PATH uses
// that file instead, NAMES_BENCH_N persons (1,000,000 by default) and the
// benchmark's 5,000 queries, with the results in clear.
func TestSearchGolden(t *testing.T) {
	mode, path := os.Getenv("NAMES_GOLDEN"), os.Getenv("NAMES_GOLDEN_FILE")
	n, nq, hashed := goldenPersons, goldenQueries, true
	if path != "" {
		n, nq, hashed = benchPersons(), 5000, false
	} else {
		path = goldenFile
	}
	persons := Synthetic(1, n)
	x := NewIndex()
	for i, p := range persons {
		x.Add(strconv.Itoa(i), p.Names, p.Evidence())
	}
	var lines []string
	for _, q := range SyntheticQueries(2, persons, nq) {
		b, _ := json.Marshal(x.Search(q.Query, 10))
		line := q.Name + "\t" + string(b)
		if hashed {
			sum := sha256.Sum256([]byte(line))
			line = hex.EncodeToString(sum[:])
		}
		lines = append(lines, line)
	}
	if mode == "write" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, l := range lines {
			fmt.Fprintln(f, l)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	i, diff := 0, 0
	for sc.Scan() {
		if i >= len(lines) || sc.Text() != lines[i] {
			diff++
			if diff <= 5 {
				got := ""
				if i < len(lines) {
					got = lines[i]
				}
				t.Errorf("query %d differs:\nwant %s\ngot  %s", i, sc.Text(), got)
			}
		}
		i++
	}
	if i != len(lines) {
		t.Errorf("%d golden lines, %d results", i, len(lines))
	}
	if diff > 0 {
		t.Errorf("%d of %d queries differ from %s", diff, len(lines), path)
	}
}
