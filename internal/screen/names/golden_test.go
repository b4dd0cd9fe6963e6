package names

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
)

// TestSearchGolden guards optimisations of Search: with NAMES_GOLDEN=write
// it writes the results of the benchmark's synthetic queries to
// NAMES_GOLDEN_FILE; with NAMES_GOLDEN=check it compares the current
// results with that file, query by query (ids, names, scores and
// explanations). NAMES_BENCH_N sets the population (1,000,000 by default).
func TestSearchGolden(t *testing.T) {
	mode, path := os.Getenv("NAMES_GOLDEN"), os.Getenv("NAMES_GOLDEN_FILE")
	if mode == "" || path == "" {
		t.Skip("set NAMES_GOLDEN=write|check and NAMES_GOLDEN_FILE")
	}
	persons := Synthetic(1, benchPersons())
	x := NewIndex()
	for i, p := range persons {
		x.Add(strconv.Itoa(i), p.Names, p.Evidence())
	}
	queries := SyntheticQueries(2, persons, 5000)
	var lines []string
	for _, q := range queries {
		b, _ := json.Marshal(x.Search(q.Query, 10))
		lines = append(lines, q.Name+"\t"+string(b))
	}
	switch mode {
	case "write":
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, l := range lines {
			fmt.Fprintln(f, l)
		}
	case "check":
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
		t.Logf("%d of %d queries differ", diff, len(lines))
	}
}
