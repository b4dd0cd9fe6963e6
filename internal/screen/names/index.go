package names

import (
	"bytes"
	"cmp"
	"hash/maphash"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"
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
// form and its consonant skeleton. A vocabulary of the parts with their
// one-letter deletions finds the parts within a typo or two of a query part.
// Search finds candidates through the lists of the query's rarer parts,
// credits them part by part with inverse document frequency, keeps the best
// few dozen and scores those with Compare's logic. It never scans every
// entry.
//
// Entries hold no Go pointers: their text lives in one byte arena and ids
// are found through a hash map, so a million entries cost the garbage
// collector almost nothing to scan.
type Index struct {
	mu       sync.RWMutex
	entries  []entry
	ntok     []uint8    // per slot: distinct name parts over all names, for ranking namesakes
	arena    []byte     // id, names and romanisations of all entries
	ids      hashedKeys // id → slot
	hashSeed maphash.Seed
	postings postings   // key → slots, ascending (pointer-free)
	vocab    vocabulary // parts seen (romanised, as written), pointer-free
	// The parts' one-letter deletions, for typos: delHead maps the hash of
	// a deletion to 1 + the first node of its chain in delNodes; a node is
	// a part's number in vocab << 32 | (1 + the next node), 0 ending the
	// chain.
	// Neither holds a pointer, so the garbage collector never scans the
	// millions of deletions of a large vocabulary. A hash collision only
	// adds a candidate part, which is then scored like any other.
	delHead  map[uint64]uint32
	delNodes []uint64
	nats     map[string]uint16 // nationality → index in natList
	natList  []string
	live     int
	dead     int
	garbage  int // arena bytes of removed entries
	accMu    sync.Mutex
	accs     []*accumulator // free accumulators, reused (a sync.Pool would drop them at every GC)
	// commonShare overrides the package's commonShare when non-zero
	// (tests turn the cap off with a value above 1).
	commonShare float64
}

// entry is one indexed person. Its text is arena[off:], in order: the id,
// the original names joined by "\x00", and their romanised token texts
// (names joined by "\x00", tokens by " ").
type entry struct {
	off                    uint32
	idLen, namesLen, roLen uint16
	sex                    byte
	nat                    uint16
	dob                    packedDate
}

// packedDate is a date in four bytes.
type packedDate struct {
	y    int16
	m, d uint8
}

func (e *entry) alive() bool { return e.idLen != 0 }

func (x *Index) idOf(e *entry) []byte { return x.arena[e.off : e.off+uint32(e.idLen)] }
func (x *Index) namesOf(e *entry) []byte {
	o := e.off + uint32(e.idLen)
	return x.arena[o : o+uint32(e.namesLen)]
}
func (x *Index) romanOf(e *entry) []byte {
	o := e.off + uint32(e.idLen) + uint32(e.namesLen)
	return x.arena[o : o+uint32(e.roLen)]
}

func (x *Index) evidOf(e *entry) evid {
	return evid{dob: date{int(e.dob.y), int(e.dob.m), int(e.dob.d)}, nat: x.natList[e.nat], sex: e.sex}
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
	seed := maphash.MakeSeed()
	return &Index{
		ids:      newHashedKeys(seed),
		hashSeed: seed,
		postings: newPostings(seed),
		delHead:  make(map[uint64]uint32),
		vocab:    newVocabulary(seed),
		nats:     map[string]uint16{"": 0},
		natList:  []string{""},
	}
}

// Len returns the number of persons in the index.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.live
}

// lookup returns the slot of id.
func (x *Index) lookup(id string) (uint32, bool) {
	return x.ids.find([]byte(id), func(s uint32) []byte { return x.idOf(&x.entries[s]) })
}

// Entry limits: longer ids and names are cut (ids to 1 KB, all names of a
// person together to 16 KB).
const (
	maxID    = 1 << 10
	maxNames = 1 << 14
)

// Add indexes a person under id with one or more names in any script,
// replacing any entry with the same id. Names that analyse to nothing are
// ignored; a person with no usable name is not indexed (and an existing
// entry with that id is removed). An empty id is ignored.
func (x *Index) Add(id string, names []string, ev Evidence) {
	if id == "" {
		return
	}
	if len(id) > maxID {
		id = id[:maxID]
	}
	var orig, roman []string
	var analyses []Analysis
	size := 0
	for _, n := range names {
		a := Analyze(n)
		if len(a.Tokens) == 0 {
			continue
		}
		r := a.stored()
		if size+len(n)+len(r)+2 > maxNames {
			break
		}
		size += len(n) + len(r) + 2
		orig = append(orig, strings.ReplaceAll(n, "\x00", " "))
		roman = append(roman, r)
		analyses = append(analyses, a)
	}
	v := parseEvid(ev)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(id)
	if len(analyses) == 0 {
		return
	}
	nat, ok := x.nats[v.nat]
	if !ok && len(x.natList) < math.MaxUint16 {
		nat = uint16(len(x.natList))
		x.nats[v.nat] = nat
		x.natList = append(x.natList, v.nat)
	}
	slot := uint32(len(x.entries))
	on, or := strings.Join(orig, "\x00"), strings.Join(roman, "\x00")
	e := entry{off: uint32(len(x.arena)), idLen: uint16(len(id)), namesLen: uint16(len(on)), roLen: uint16(len(or)),
		sex: v.sex, nat: nat, dob: packedDate{int16(v.dob.y), uint8(v.dob.m), uint8(v.dob.d)}}
	x.arena = append(x.arena, id...)
	x.arena = append(x.arena, on...)
	x.arena = append(x.arena, or...)
	x.ids.put(id, slot)
	x.live++
	if v.dob.y != 0 {
		k := yearKey(v.dob.y)
		x.postings.add(k, slot)
	}
	var seen [32]string
	nseen, parts := 0, 0
	post := func(k string) {
		for _, s := range seen[:nseen] {
			if s == k {
				return
			}
		}
		if nseen < len(seen) {
			seen[nseen] = k
			nseen++
		}
		x.postings.add(k, slot)
	}
	for _, a := range analyses {
		for _, t := range a.Tokens {
			x.addVocab(t)
		}
		for _, t := range a.nameTokens() {
			before := nseen
			post(t.Canon)
			if nseen > before {
				parts++
			}
			if t.Key != "" {
				post("~" + t.Key)
			}
		}
	}
	x.entries = append(x.entries, e)
	x.ntok = append(x.ntok, uint8(min(parts, 255)))
}

// addVocab records a part as written (romanised) and its one-letter
// deletions; its posting key is its canonical form.
func (x *Index) addVocab(t Token) {
	t.Kind = newTokenKind(t.Text)
	part, added := x.vocab.add(t)
	if !added || len(t.Text) < 4 {
		return
	}
	n := uint64(part)
	w := t.Text
	for i := 0; i < len(w); i++ {
		if i > 0 && w[i] == w[i-1] {
			continue // the same deletion as the one before
		}
		h := x.deletionHash(w, i)
		x.delNodes = append(x.delNodes, n<<32|uint64(x.delHead[h]))
		x.delHead[h] = uint32(len(x.delNodes))
	}
}

// deletionHash hashes w less its byte i without building that string.
func (x *Index) deletionHash(w string, i int) uint64 {
	var h maphash.Hash
	h.SetSeed(x.hashSeed)
	h.WriteString(w[:i])
	h.WriteString(w[i+1:])
	return h.Sum64()
}

// deletedFrom appends the parts having a one-letter deletion whose hash
// is h.
func (x *Index) deletedFrom(out []string, h uint64) []string {
	start := len(out)
	for n := x.delHead[h]; n != 0; {
		node := x.delNodes[n-1]
		out = append(out, x.vocab.textOf(uint32(node>>32)))
		n = uint32(node)
	}
	// A chain runs newest first: give the parts in the order they were
	// seen, as the ranking's ties among fuzzy neighbours expect.
	slices.Reverse(out[start:])
	return out
}

// Remove deletes the person with id; removing an unknown id does nothing.
func (x *Index) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.removeLocked(id)
}

func (x *Index) removeLocked(id string) {
	slot, ok := x.lookup(id)
	if !ok {
		return
	}
	x.ids.remove(id)
	e := &x.entries[slot]
	x.garbage += int(e.idLen) + int(e.namesLen) + int(e.roLen)
	*e = entry{}
	x.live--
	x.dead++
	if x.dead > 1024 && x.dead > x.live {
		x.compactLocked()
	}
}

// compactLocked drops removed slots from the posting lists and removed
// text from the arena. Slots are not renumbered.
func (x *Index) compactLocked() {
	x.postings.compact(func(s uint32) bool { return x.entries[s].alive() })
	arena := make([]byte, 0, len(x.arena)-x.garbage)
	for i := range x.entries {
		e := &x.entries[i]
		if !e.alive() {
			continue
		}
		n := uint32(e.idLen) + uint32(e.namesLen) + uint32(e.roLen)
		off := uint32(len(arena))
		arena = append(arena, x.arena[e.off:e.off+n]...)
		e.off = off
	}
	x.arena, x.garbage, x.dead = arena, 0, 0
}

// Search limits.
const (
	// rescoreMin is the least number of entries rescored with Compare.
	rescoreMin = 40
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
		rare[i] = len(x.postings.get(t.Canon)) <= common
	}
	// Phase 1 finds the candidates, phase 2 credits them part by part
	// (each part gives a candidate only its best expansion).
	var commonLists [][]uint32
	for _, e := range exps {
		switch {
		case len(e.list) <= common && (e.part >= len(rare) || rare[e.part]):
			acc.seed(e.list)
		case e.part < len(rare) && !rare[e.part] && e.key == qs.names[e.part].Canon:
			commonLists = append(commonLists, e.list)
		}
	}
	if len(acc.touched) < minSeeded && len(commonLists) > 0 {
		// Every part is common ("Carmen Díaz"): the entries on the two
		// shortest lists, or failing that on the shortest.
		sort.Slice(commonLists, func(i, j int) bool { return len(commonLists[i]) < len(commonLists[j]) })
		if len(commonLists) > 1 {
			acc.seed(Intersect(commonLists[0], commonLists[1]))
		}
		if len(acc.touched) < minSeeded {
			acc.seed(commonLists[0])
		}
	}
	if qe.dob.y != 0 {
		// The birth year breaks ties between namesakes; it never finds
		// candidates on its own.
		if list := x.postings.get(yearKey(qe.dob.y)); len(list) > 0 {
			exps = append(exps, expansion{part: len(qs.names) * 2, key: "year", weight: 0.5, list: list})
		}
	}
	acc.index(n, x.ntok)
	sort.SliceStable(exps, func(i, j int) bool { return exps[i].part < exps[j].part })
	for _, e := range exps {
		acc.credit(e)
	}
	m := max(rescoreMin, 4*k)
	top := topSlots(acc, m)
	type scored struct {
		slot  uint32
		name  int
		score float64
	}
	res := make([]scored, 0, len(top))
	buf := acc.toks[:0]
	scr := &acc.scr
	scr.resetMemo()
	latinQuery := isLatinish([]byte(q.Name))
	acc.prefetch(x, top)
	for _, s := range top {
		e := &x.entries[s]
		if !e.alive() {
			continue
		}
		best, bestName, bestLat := -1.0, 0, false
		ro, names := x.romanOf(e), x.namesOf(e)
		for i := 0; len(ro) > 0; i++ {
			r, name := ro, names
			if z := bytes.IndexByte(ro, 0); z >= 0 {
				r, ro = ro[:z], ro[z+1:]
			} else {
				ro = nil
			}
			if z := bytes.IndexByte(names, 0); z >= 0 {
				name, names = names[:z], names[z+1:]
			} else {
				names = nil
			}
			h := maphash.Bytes(x.hashSeed, r)
			sc, ok := scr.cachedName(h, r)
			if !ok {
				buf = x.fromRoman(r, buf[:0])
				sc = qs.score(buf, scr)
				scr.cacheName(h, r, sc)
			}
			// On a tie, prefer the name written like the query (Latin
			// for a Latin query): the name as stored, not its romanised
			// form, which is always Latin (testing that made the last of
			// tied names win).
			lat := latinQuery && isLatinish(name)
			if sc > best || (sc == best && lat && !bestLat) {
				best, bestName, bestLat = sc, i, lat
			}
		}
		acc.toks = buf // keep the grown buffer for the next search
		if best <= 0 {
			continue
		}
		sc, _ := applyEvid(best, nil, qe, x.evidOf(e), false)
		res = append(res, scored{s, bestName, round4(sc)})
	}
	sort.Slice(res, func(i, j int) bool {
		if res[i].score != res[j].score {
			return res[i].score > res[j].score
		}
		return res[i].slot < res[j].slot
	})
	if len(res) > k {
		res = res[:k]
	}
	out := make([]Candidate, len(res))
	for i, r := range res {
		e := &x.entries[r.slot]
		ro := x.fromRoman(splitZero(x.romanOf(e))[r.name], nil)
		full := compareEvidBuf(qa, Analysis{Tokens: ro}, qe, x.evidOf(e), true, &acc.exScr)
		out[i] = Candidate{ID: string(x.idOf(e)), Name: string(splitZero(x.namesOf(e))[r.name]), Score: r.score, Explain: full.Explain}
	}
	return out
}

// splitZero splits b at zero bytes without copying.
func splitZero(b []byte) [][]byte {
	var out [][]byte
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return append(out, b)
		}
		out = append(out, b[:i])
		b = b[i+1:]
	}
}

// expand turns the query's name parts into the posting lists to credit.
func (x *Index) expand(parts []Token) []expansion {
	var exps []expansion
	nDocs := float64(x.live)
	idf := func(n int) float64 { return math.Log(1 + nDocs/float64(n)) }
	add := func(part int, key string, w, ceiling float64) {
		list := x.postings.get(key)
		if len(list) == 0 {
			return
		}
		exps = append(exps, expansion{part: part, key: key, weight: min(w*idf(len(list)), ceiling), list: list})
	}
	seen := make(map[string]bool)
	var found []string // fuzzy's results, reused
	for i, t := range parts {
		clear(seen)
		seen[t.Canon] = true
		// A variant never credits more than the part itself would: a
		// rarer variant (Marín for Martin) must not outrank the exact form.
		ceiling := math.Inf(1)
		if n := len(x.postings.get(t.Canon)); n > 0 {
			ceiling = 0.9 * idf(n)
		}
		add(i, t.Canon, 1, math.Inf(1))
		if len(t.Key) >= 2 {
			add(i, "~"+t.Key, 0.85, ceiling)
		}
		var near []nearPart
		found = x.fuzzy(found[:0], t.Text)
		for _, v := range found {
			cv := canonical(v)
			if seen[cv] {
				continue
			}
			seen[cv] = true
			if s := stringSim(t.Text, v); s >= minTokenSim {
				near = append(near, nearPart{cv, s})
			}
		}
		// Dense vocabularies give many neighbours; the closest suffice.
		sort.Slice(near, func(a, b int) bool { return near[a].sim > near[b].sim })
		for _, v := range near[:min(len(near), maxNear)] {
			add(i, v.key, 0.9*v.sim, ceiling)
		}
	}
	// Adjacent parts joined: "Abd al-Rahman" finds "Abdulrahman".
	for i := 0; i+1 < len(parts); i++ {
		j := parts[i].Text + parts[i+1].Text
		add(len(parts)+i, canonical(j), 0.8, math.Inf(1))
		found = x.fuzzy(found[:0], j)
		for _, v := range found {
			if s := stringSim(j, v); s >= minTokenSim {
				add(len(parts)+i, canonical(v), 0.7*s, math.Inf(1))
			}
		}
	}
	return exps
}

// nearPart is a vocabulary part near a query part.
type nearPart struct {
	key string
	sim float64
}

// maxNear is the most vocabulary neighbours credited for one query part.
const maxNear = 12

// fuzzy appends to out the vocabulary parts that share a one-letter
// deletion with w (or are w less one letter, or w is them less one
// letter): the parts within about two edits.
func (x *Index) fuzzy(out []string, w string) []string {
	if len(w) < 4 {
		return out
	}
	out = x.deletedFrom(out, maphash.String(x.hashSeed, w))
	var buf [64]byte // w less one letter, looked up without a string
	for i := 0; i < len(w); i++ {
		if i > 0 && w[i] == w[i-1] {
			continue
		}
		d := append(append(buf[:0], w[:i]...), w[i+1:]...)
		if n, ok := x.vocab.find(d); ok {
			out = append(out, x.vocab.textOf(n)) // the vocabulary's own text
		}
		out = x.deletedFrom(out, x.deletionHash(w, i))
	}
	return out
}

// fromRoman rebuilds the tokens of a stored romanised name from the
// vocabulary, appending them to buf.
func (x *Index) fromRoman(r []byte, buf []Token) []Token {
	for len(r) > 0 {
		i := bytes.IndexByte(r, ' ')
		var w []byte
		if i < 0 {
			w, r = r, nil
		} else {
			w, r = r[:i], r[i+1:]
		}
		if len(w) == 0 {
			continue
		}
		abjad := w[0] == '^'
		if abjad {
			w = w[1:]
		}
		forced := len(w) > 0 && w[0] == '='
		if forced {
			w = w[1:]
		}
		var t Token
		if n, ok := x.vocab.find(w); ok {
			t = x.vocab.token(n)
		} else {
			t = newToken(string(w))
		}
		t.Abjad = abjad
		if forced {
			t.Kind = KindName
		}
		buf = append(buf, t)
	}
	return buf
}

func round4(x float64) float64 { return math.Round(x*10000) / 10000 }

// yearKey is the posting key of a birth year.
func yearKey(y int) string { return "#" + strconv.Itoa(y) }

// isLatinish reports whether b's first letter is Latin (or ASCII).
func isLatinish(b []byte) bool {
	for _, r := range string(b) {
		if unicode.IsLetter(r) {
			return r < 0x250
		}
	}
	return true
}

// Intersect returns the values on both ascending lists (posting lists of
// slots here, of records in the screen package's artwork index).
func Intersect[T cmp.Ordered](a, b []T) []T {
	var out []T
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}
