package names

import (
	"container/heap"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Query is a name to screen with its evidence.
type Query struct {
	Name string
	Evidence
}

// Candidate is one indexed person returned by Search.
type Candidate struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"` // the entry's name that matched best
	Score   float64  `json:"score"`
	Explain []Reason `json:"explain"`
}

// Index is an in-memory inverted index of persons by name. It is safe for
// concurrent use: searches share a read lock, changes take the write lock.
//
// Every name part of every entry is posted under two keys: its canonical
// form and its consonant skeleton. A vocabulary of the canonical forms with
// their one-letter deletions finds the parts within a typo or two of a
// query part. Search credits entries through these posting lists, weighted
// by inverse document frequency, keeps the best few dozen, and scores those
// with Compare's logic. It never scans every entry.
type Index struct {
	mu       sync.RWMutex
	entries  []entry
	byID     map[string]uint32
	postings map[string][]uint32 // key → slots, ascending
	deletes  map[string][]string // one-letter deletion → parts
	vocab    map[string]struct{} // parts seen (romanised, as written)
	nats     map[string]string   // interned nationalities
	live     int
	dead     int
	accs     sync.Pool
	// commonShare overrides the package's commonShare when non-zero
	// (tests turn the cap off with a value above 1).
	commonShare float64
}

// entry is one indexed person, kept compact: the original names and their
// romanisations each joined by "\x00".
type entry struct {
	id    string
	names string // originals, "\x00"-separated
	roman string // romanised token texts: names "\x00"-separated, tokens by " "
	ev    evid
	ntok  uint8 // distinct name parts over all names, for ranking namesakes
}

// evid is Evidence parsed once.
type evid struct {
	dob date
	nat string
	sex byte
}

func parseEvid(e Evidence) evid {
	var v evid
	if d, ok := parseDate(e.BirthDate); ok {
		v.dob = d
	}
	v.nat = strings.ToLower(strings.TrimSpace(e.Nationality))
	if s := sexCode(e.Sex); s != "" {
		v.sex = s[0]
	}
	return v
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{
		byID:     make(map[string]uint32),
		postings: make(map[string][]uint32),
		deletes:  make(map[string][]string),
		vocab:    make(map[string]struct{}),
		nats:     make(map[string]string),
	}
}

// Len returns the number of persons in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.live
}

// Add indexes a person under id with one or more names in any script,
// replacing any entry with the same id. Names that analyse to nothing are
// ignored; a person with no usable name is not indexed (and an existing
// entry with that id is removed).
func (x *Index) Add(id string, names []string, ev Evidence) {
	var orig, roman []string
	var analyses []Analysis
	for _, n := range names {
		a := Analyze(n)
		if len(a.Tokens) == 0 {
			continue
		}
		orig = append(orig, strings.ReplaceAll(n, "\x00", " "))
		roman = append(roman, a.String())
		analyses = append(analyses, a)
	}
	v := parseEvid(ev)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(id)
	if len(analyses) == 0 {
		return
	}
	if n, ok := x.nats[v.nat]; ok {
		v.nat = n
	} else {
		x.nats[v.nat] = v.nat
	}
	slot := uint32(len(x.entries))
	x.entries = append(x.entries, entry{id: id, names: strings.Join(orig, "\x00"), roman: strings.Join(roman, "\x00"), ev: v})
	x.byID[id] = slot
	x.live++
	if v.dob.y != 0 {
		k := yearKey(v.dob.y)
		x.postings[k] = append(x.postings[k], slot)
	}
	seen := make(map[string]bool, 8)
	parts := 0
	for _, a := range analyses {
		for _, t := range a.nameTokens() {
			for _, k := range [2]string{t.Canon, "~" + t.Key} {
				if k == "~" || seen[k] {
					continue
				}
				seen[k] = true
				x.postings[k] = append(x.postings[k], slot)
				if k == t.Canon {
					parts++
				}
			}
			x.addVocab(t.Text)
		}
	}
	x.entries[slot].ntok = uint8(min(parts, 255))
}

// addVocab records a part as written (romanised) and its one-letter
// deletions; its posting key is its canonical form.
func (x *Index) addVocab(w string) {
	if _, ok := x.vocab[w]; ok {
		return
	}
	x.vocab[w] = struct{}{}
	if len(w) < 4 {
		return
	}
	for _, d := range deletions(w) {
		x.deletes[d] = append(x.deletes[d], w)
	}
}

// deletions returns the distinct strings made by deleting one byte of w.
func deletions(w string) []string {
	out := make([]string, 0, len(w))
	for i := 0; i < len(w); i++ {
		if i > 0 && w[i] == w[i-1] {
			continue
		}
		out = append(out, w[:i]+w[i+1:])
	}
	return out
}

// Remove deletes the person with id; removing an unknown id does nothing.
func (x *Index) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(id)
}

func (x *Index) removeLocked(id string) {
	slot, ok := x.byID[id]
	if !ok {
		return
	}
	delete(x.byID, id)
	x.entries[slot] = entry{}
	x.live--
	x.dead++
	if x.dead > 1024 && x.dead > x.live {
		x.compactLocked()
	}
}

// compactLocked drops removed slots from the posting lists. Slots are not
// renumbered, so the entries slice keeps its holes.
func (x *Index) compactLocked() {
	for k, list := range x.postings {
		out := list[:0]
		for _, s := range list {
			if x.entries[s].id != "" {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			delete(x.postings, k)
		} else {
			x.postings[k] = out
		}
	}
	x.dead = 0
}

// accumulator holds per-slot scores for one search.
type accumulator struct {
	score   []float32
	tokMark []uint16 // which query part last credited the slot (+1)
	tokVal  []float32
	touched []uint32
}

func (x *Index) getAcc(n int) *accumulator {
	a, _ := x.accs.Get().(*accumulator)
	if a == nil || len(a.score) < n {
		c := n + n/4 + 64
		a = &accumulator{score: make([]float32, c), tokMark: make([]uint16, c), tokVal: make([]float32, c)}
	}
	return a
}

func (x *Index) putAcc(a *accumulator) {
	for _, s := range a.touched {
		a.score[s], a.tokMark[s], a.tokVal[s] = 0, 0, 0
	}
	a.touched = a.touched[:0]
	x.accs.Put(a)
}

// Search limits.
const (
	// rescoreMin is the least number of entries rescored with Compare.
	rescoreMin = 60
	// commonShare: a key posted for more than this share of the entries
	// (and more than commonMin) only credits entries that rarer keys found.
	commonShare = 0.01
	commonMin   = 2000
	// minSeeded: when rare parts find fewer candidates than this, the
	// shortest common list is used to find more.
	minSeeded = 10
	// partCost is what each name part of an entry costs in the ranking
	// before rescoring.
	partCost = 0.3
)

// expansion is one posting list credited for one query part.
type expansion struct {
	part   int
	key    string
	weight float64
	list   []uint32
}

// Search returns at most k persons whose names best match the query, best
// first, with their scores and explanations. Candidates whose score is 0 are
// left out.
func (x *Index) Search(q Query, k int) []Candidate {
	if k <= 0 {
		return nil
	}
	qa := Analyze(q.Name)
	qe := parseEvid(q.Evidence)
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.live == 0 {
		return nil
	}
	qs := newSide(qa)
	exps := x.expand(qs.names)
	if len(exps) == 0 {
		return nil
	}
	n := len(x.entries)
	acc := x.getAcc(n)
	defer x.putAcc(acc)
	share := commonShare
	if x.commonShare != 0 {
		share = x.commonShare
	}
	common := max(commonMin, int(share*float64(x.live)))
	// A part whose own list is long (Mohammed, Wang, Sharma) finds no
	// candidates, neither through its list nor through its variants: it
	// only credits candidates that rarer parts found. When every part is
	// common, the shortest common list finds them.
	rare := make([]bool, len(qs.names))
	for i, t := range qs.names {
		rare[i] = len(x.postings[t.Canon]) <= common
	}
	// Phase 1 finds the candidates, phase 2 credits them part by part
	// (each part gives a candidate only its best expansion).
	var shortestCommon []uint32
	for _, e := range exps {
		switch {
		case len(e.list) <= common && (e.part >= len(rare) || rare[e.part]):
			x.seed(acc, e.list)
		case e.part < len(rare) && !rare[e.part] && e.key == qs.names[e.part].Canon:
			if shortestCommon == nil || len(e.list) < len(shortestCommon) {
				shortestCommon = e.list
			}
		}
	}
	if len(acc.touched) < minSeeded && shortestCommon != nil {
		x.seed(acc, shortestCommon)
	}
	if qe.dob.y != 0 {
		// The birth year breaks ties between namesakes; it never finds
		// candidates on its own.
		if list := x.postings[yearKey(qe.dob.y)]; len(list) > 0 {
			exps = append(exps, expansion{part: len(qs.names) * 2, key: "year", weight: 0.5, list: list})
		}
	}
	sort.SliceStable(exps, func(i, j int) bool { return exps[i].part < exps[j].part })
	for _, e := range exps {
		x.credit(acc, e)
	}
	m := max(rescoreMin, 6*k)
	top := topSlots(acc, m)
	out := make([]Candidate, 0, len(top))
	for _, s := range top {
		e := &x.entries[s]
		if e.id == "" {
			continue
		}
		best, bestName := -1.0, 0
		for i, r := range strings.Split(e.roman, "\x00") {
			sc, _ := nameScore(qa, fromRoman(r), false)
			if sc > best {
				best, bestName = sc, i
			}
		}
		if best <= 0 {
			continue
		}
		sc, _ := applyEvid(best, nil, qe, e.ev, false)
		out = append(out, Candidate{ID: e.id, Name: nthName(e.names, bestName), Score: round4(sc)})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].ID < out[j].ID
	})
	if len(out) > k {
		out = out[:k]
	}
	for i := range out {
		e := &x.entries[x.byID[out[i].ID]]
		r := strings.Split(e.roman, "\x00")[indexOf(e.names, out[i].Name)]
		res := compareEvid(qa, fromRoman(r), qe, e.ev, true)
		out[i].Explain = res.Explain
	}
	return out
}

// expand turns the query's name parts into the posting lists to credit.
func (x *Index) expand(parts []Token) []expansion {
	var exps []expansion
	nDocs := float64(x.live)
	idf := func(n int) float64 { return math.Log(1 + nDocs/float64(n)) }
	add := func(part int, key string, w, ceiling float64) {
		list := x.postings[key]
		if len(list) == 0 {
			return
		}
		exps = append(exps, expansion{part: part, key: key, weight: min(w*idf(len(list)), ceiling), list: list})
	}
	for i, t := range parts {
		seen := map[string]bool{t.Canon: true}
		// A variant never credits more than the part itself would: a
		// rarer variant (Marín for Martin) must not outrank the exact form.
		ceiling := math.Inf(1)
		if n := len(x.postings[t.Canon]); n > 0 {
			ceiling = 0.9 * idf(n)
		}
		add(i, t.Canon, 1, math.Inf(1))
		if len(t.Key) >= 2 {
			add(i, "~"+t.Key, 0.85, ceiling)
		}
		for _, v := range x.fuzzy(t.Text) {
			cv := canonical(v)
			if seen[cv] {
				continue
			}
			seen[cv] = true
			if s := stringSim(t.Text, v); s >= minTokenSim {
				add(i, cv, 0.9*s, ceiling)
			}
		}
	}
	// Adjacent parts joined: "Abd al-Rahman" finds "Abdulrahman".
	for i := 0; i+1 < len(parts); i++ {
		j := parts[i].Text + parts[i+1].Text
		add(len(parts)+i, canonical(j), 0.8, math.Inf(1))
		for _, v := range x.fuzzy(j) {
			if s := stringSim(j, v); s >= minTokenSim {
				add(len(parts)+i, canonical(v), 0.7*s, math.Inf(1))
			}
		}
	}
	return exps
}

// fuzzy returns vocabulary parts that share a one-letter deletion with w
// (or are w less one letter, or w is them less one letter): the parts
// within about two edits.
func (x *Index) fuzzy(w string) []string {
	if len(w) < 4 {
		return nil
	}
	var out []string
	out = append(out, x.deletes[w]...)
	for _, d := range deletions(w) {
		if _, ok := x.vocab[d]; ok {
			out = append(out, d)
		}
		out = append(out, x.deletes[d]...)
	}
	return out
}

// seed marks the slots of list as candidates.
func (x *Index) seed(acc *accumulator, list []uint32) {
	for _, s := range list {
		if acc.tokMark[s] == 0 {
			acc.tokMark[s] = seeded
			acc.touched = append(acc.touched, s)
			// Parts the query does not have cost a little, so that among
			// namesakes the ones without extra parts come first.
			acc.score[s] = -partCost * float32(x.entries[s].ntok)
		}
	}
}

// seeded marks a candidate no part has credited yet.
const seeded = math.MaxUint16

// credit adds an expansion's weight to the candidates in its list. A
// candidate gets from each query part only its best expansion; expansions
// must come grouped by part.
func (x *Index) credit(acc *accumulator, e expansion) {
	mark := uint16(e.part + 1)
	w := float32(e.weight)
	visit := func(s uint32) {
		switch acc.tokMark[s] {
		case 0:
			return
		case mark:
			if w > acc.tokVal[s] {
				acc.score[s] += w - acc.tokVal[s]
				acc.tokVal[s] = w
			}
		default:
			acc.tokMark[s] = mark
			acc.tokVal[s] = w
			acc.score[s] += w
		}
	}
	if len(e.list) > 8*len(acc.touched) {
		// Probe the long list for the few candidates.
		for _, s := range acc.touched {
			i := sort.Search(len(e.list), func(i int) bool { return e.list[i] >= s })
			if i < len(e.list) && e.list[i] == s {
				visit(s)
			}
		}
		return
	}
	for _, s := range e.list {
		visit(s)
	}
}

// slotHeap is a min-heap of slots by score.
type slotHeap struct {
	s   []uint32
	acc *accumulator
}

func (h slotHeap) Len() int           { return len(h.s) }
func (h slotHeap) Less(i, j int) bool { return h.acc.score[h.s[i]] < h.acc.score[h.s[j]] }
func (h slotHeap) Swap(i, j int)      { h.s[i], h.s[j] = h.s[j], h.s[i] }
func (h *slotHeap) Push(v any)        { h.s = append(h.s, v.(uint32)) }
func (h *slotHeap) Pop() any {
	v := h.s[len(h.s)-1]
	h.s = h.s[:len(h.s)-1]
	return v
}

// topSlots returns the m touched slots with the highest scores.
func topSlots(acc *accumulator, m int) []uint32 {
	if len(acc.touched) <= m {
		return append([]uint32(nil), acc.touched...)
	}
	h := &slotHeap{s: make([]uint32, 0, m+1), acc: acc}
	for _, s := range acc.touched {
		if h.Len() < m {
			heap.Push(h, s)
		} else if acc.score[s] > acc.score[h.s[0]] {
			h.s[0] = s
			heap.Fix(h, 0)
		}
	}
	return h.s
}

// fromRoman rebuilds an Analysis from stored romanised token texts.
func fromRoman(r string) Analysis {
	f := strings.Fields(r)
	a := Analysis{Tokens: make([]Token, len(f))}
	for i, t := range f {
		a.Tokens[i] = newToken(t)
	}
	return a
}

func nthName(joined string, n int) string {
	for i := 0; i < n; i++ {
		j := strings.IndexByte(joined, 0)
		if j < 0 {
			return joined
		}
		joined = joined[j+1:]
	}
	if j := strings.IndexByte(joined, 0); j >= 0 {
		return joined[:j]
	}
	return joined
}

func indexOf(joined, name string) int {
	for i, n := range strings.Split(joined, "\x00") {
		if n == name {
			return i
		}
	}
	return 0
}

func round4(x float64) float64 { return math.Round(x*10000) / 10000 }

// yearKey is the posting key of a birth year.
func yearKey(y int) string { return "#" + strconv.Itoa(y) }
