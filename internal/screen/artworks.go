package screen

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/polex-org/polex/internal/screen/names"
)

// artIndex finds works of art by the words of their folded text (title,
// artist, period, materials, description: property.Artwork.Keys' K1). A
// query's words must all be found, in any order, each as a whole word or,
// from three letters, as the beginning of one ("sisl" finds "sisley").
// Hand-written like the other check indexes: a few hundred thousand works
// of many short words fit in memory, and a check then reads only the rows
// it matches, where a LIKE over the stored text read every row and found
// "pont de moret" but not "moret pont". Like the document index it is a
// candidate filter: a record deleted since the sync is simply not found
// when its row is read, and a changed one is matched again on its current
// text (matchesText).
type artIndex struct {
	mu       sync.RWMutex
	ids      []string         // record IDs by number
	num      map[string]int32 // record ID → number
	words    [][]string       // record number → its distinct words
	postings map[string][]int32
	sorted   []string // the distinct words in order, for prefixes; nil until the first search
}

func newArtIndex() *artIndex {
	return &artIndex{num: map[string]int32{}, postings: map[string][]int32{}}
}

// words returns the distinct words of folded text.
func textWords(folded string) []string {
	ws := strings.Fields(folded)
	slices.Sort(ws)
	return slices.Compact(ws)
}

// add indexes (or indexes again) the record id with folded text.
func (x *artIndex) add(id, folded string) {
	ws := textWords(folded)
	x.mu.Lock()
	defer x.mu.Unlock()
	n, ok := x.num[id]
	if !ok {
		n = int32(len(x.ids))
		x.ids = append(x.ids, id)
		x.words = append(x.words, nil)
		x.num[id] = n
	}
	old := x.words[n]
	if slices.Equal(old, ws) {
		return
	}
	for _, w := range old {
		p := x.postings[w]
		if i, found := slices.BinarySearch(p, n); found {
			p = slices.Delete(p, i, i+1)
		}
		if len(p) == 0 {
			delete(x.postings, w)
			if i, found := slices.BinarySearch(x.sorted, w); found {
				x.sorted = slices.Delete(x.sorted, i, i+1)
			}
		} else {
			x.postings[w] = p
		}
	}
	for _, w := range ws {
		p, had := x.postings[w]
		i, _ := slices.BinarySearch(p, n)
		x.postings[w] = slices.Insert(p, i, n)
		if !had && x.sorted != nil {
			// Kept in order once built (a search builds it): sorting every
			// word again after each change would cost a check on works of
			// art up to a sort of the whole vocabulary.
			j, _ := slices.BinarySearch(x.sorted, w)
			x.sorted = slices.Insert(x.sorted, j, w)
		}
	}
	x.words[n] = ws
}

// len returns the number of records indexed.
func (x *artIndex) len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.ids)
}

// search returns the IDs of the records whose words match every word of
// the folded query (see artIndex), oldest record first.
func (x *artIndex) search(folded string) []string {
	qs := textWords(folded)
	if len(qs) == 0 {
		return nil
	}
	for {
		x.mu.RLock()
		if x.sorted != nil {
			break
		}
		// The first search sorts the words (an add may come between,
		// hence the loop).
		x.mu.RUnlock()
		x.mu.Lock()
		if x.sorted == nil {
			x.sorted = make([]string, 0, len(x.postings))
			for w := range x.postings {
				x.sorted = append(x.sorted, w)
			}
			sort.Strings(x.sorted)
		}
		x.mu.Unlock()
	}
	defer x.mu.RUnlock()
	var acc []int32
	for i, q := range qs {
		m := x.matching(q)
		if i == 0 {
			acc = m
		} else {
			acc = names.Intersect(acc, m)
		}
		if len(acc) == 0 {
			return nil
		}
	}
	out := make([]string, len(acc))
	for i, n := range acc {
		out[i] = x.ids[n]
	}
	return out
}

// matching returns, sorted, the records with word q, or from three
// letters with a word beginning with q. The caller holds mu for reading
// and sorted is current.
func (x *artIndex) matching(q string) []int32 {
	if utf8.RuneCountInString(q) < 3 {
		return x.postings[q]
	}
	i := sort.SearchStrings(x.sorted, q)
	var lists [][]int32
	for ; i < len(x.sorted) && strings.HasPrefix(x.sorted[i], q); i++ {
		lists = append(lists, x.postings[x.sorted[i]])
	}
	switch len(lists) {
	case 0:
		return nil
	case 1:
		return lists[0]
	}
	var all []int32
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// matchesText reports whether folded text (a record's current K1) matches
// every word of the folded query by the index's rule.
func matchesText(query, text string) bool {
	ws := textWords(text)
	for _, q := range textWords(query) {
		ok := false
		if utf8.RuneCountInString(q) < 3 {
			_, ok = slices.BinarySearch(ws, q)
		} else {
			i, _ := slices.BinarySearch(ws, q)
			ok = i < len(ws) && strings.HasPrefix(ws[i], q)
		}
		if !ok {
			return false
		}
	}
	return true
}
