package screen

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
)

// TestArtIndex: every word of a query must be found, in any order, whole
// or (from three letters) as a word's beginning; a record indexed again
// leaves the words it lost; searches run while records are added.
func TestArtIndex(t *testing.T) {
	x := newArtIndex()
	x.add("a1", "le pont de moret alfred sisley 1893 oil on canvas")
	x.add("a2", "pont neuf auguste renoir")
	x.add("a3", "buste de femme marble")
	for q, want := range map[string][]string{
		"pont":                 {"a1", "a2"},
		"moret pont":           {"a1"},
		"sisl":                 {"a1"},
		"de":                   {"a1", "a3"},
		"d":                    nil, // short words match whole words only
		"po":                   nil,
		"pont renoir":          {"a2"},
		"pont femme":           nil,
		"189 canvas":           {"a1"},
		"":                     nil,
		"sisley sisley sisley": {"a1"},
	} {
		got := x.search(q)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("search %q = %v, want %v", q, got, want)
		}
		for _, id := range []string{"a1", "a2", "a3"} {
			text := map[string]string{"a1": "le pont de moret alfred sisley 1893 oil on canvas", "a2": "pont neuf auguste renoir", "a3": "buste de femme marble"}[id]
			if q != "" && matchesText(q, text) != slices.Contains(want, id) {
				t.Fatalf("matchesText(%q, %s) disagrees with the index", q, id)
			}
		}
	}
	x.add("a1", "le loing a moret alfred sisley")
	if got := x.search("pont"); !slices.Equal(got, []string{"a2"}) {
		t.Fatalf("after the change, pont = %v", got)
	}
	if got := x.search("loing"); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("after the change, loing = %v", got)
	}
	if _, ok := x.postings["canvas"]; ok || x.len() != 3 {
		t.Fatalf("a lost word stays: %v, %d records", x.postings["canvas"], x.len())
	}
	words := slices.Sorted(maps.Keys(x.postings))
	if !slices.Equal(x.sorted, words) {
		t.Fatalf("the sorted words after changes: %v, want %v", x.sorted, words)
	}

	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				x.add(fmt.Sprintf("g%d-%d", g, i), fmt.Sprintf("icon %d novgorod w%d", i, g))
				if got := x.search("novg icon"); len(got) == 0 {
					t.Errorf("search during adds found nothing")
					return
				}
			}
		})
	}
	wg.Wait()
	if got := x.search("icon novgorod"); len(got) != 800 {
		t.Fatalf("after concurrent adds: %d", len(got))
	}
}
