package names

import (
	"math"
	"strings"
)

// DefaultThreshold is the alert threshold a border deployment uses: a score
// at or above it is a match and raises a hit. It was chosen on one half of
// the labelled person pairs and checked on the other half (see
// TestPairsAgainstLogicV2).
const DefaultThreshold = 0.85

// Reason is one piece of the explanation of a score: which part of the query
// met which part of the candidate, how, and what it weighed.
type Reason struct {
	Kind      string  `json:"kind"`                // token, missing, extra, joined, birth_date, nationality, sex
	Query     string  `json:"query,omitempty"`     // the query's part (romanised)
	Candidate string  `json:"candidate,omitempty"` // the candidate's part (romanised)
	How       string  `json:"how"`                 // exact, equivalent, phonetic, typo, initial, agree, disagree, …
	Weight    float64 `json:"weight"`              // the share of the score (negative when it lowered it)
}

// Result is the outcome of comparing two names.
type Result struct {
	Score   float64  `json:"score"`
	Explain []Reason `json:"explain"`
}

// Compare scores how likely the full names a and b (in any script) with
// their evidence name the same person. The score is in [0, 1]; a score at or
// above DefaultThreshold is a match.
func Compare(a, b string, ea, eb Evidence) Result {
	qa, ca := Analyze(a), Analyze(b)
	if len(qa.Tokens) == 0 && len(ca.Tokens) == 0 {
		// Names with no letters at all (punctuation, symbols) match only
		// themselves.
		if x := strings.TrimSpace(a); x != "" && x == strings.TrimSpace(b) {
			return Result{Score: 1, Explain: []Reason{{Kind: "token", Query: x, Candidate: x, How: "exact", Weight: 1}}}
		}
		return Result{Score: 0}
	}
	return compareEvid(qa, ca, parseEvid(ea), parseEvid(eb), true)
}

// compareEvid is Compare on analysed names and parsed evidence; explain
// false skips building the explanation (the index ranks many candidates and
// explains only the ones it returns).
func compareEvid(qa, ca Analysis, ea, eb evid, explain bool) Result {
	return compareEvidBuf(qa, ca, ea, eb, explain, &scratch{})
}

// compareEvidBuf is compareEvid with buffers reused from sc (whose memo
// must be nil: the sides here are new).
func compareEvidBuf(qa, ca Analysis, ea, eb evid, explain bool, sc *scratch) Result {
	score, reasons := scoreSidesBuf(newSide(qa), newSide(ca), explain, sc)
	score, reasons = applyEvid(score, reasons, ea, eb, explain)
	if score < 0 {
		score = 0
	}
	if score > 1 {
		score = 1
	}
	score = math.Round(score*10000) / 10000
	return Result{Score: score, Explain: reasons}
}

// side is one name's tokens during alignment.
type side struct {
	all     []Token // every token, in written order
	names   []Token // the tokens that count (names, deduplicated)
	weight  []float64
	matched []bool
}

func newSide(a Analysis) side {
	n := len(a.Tokens)
	return newSideInto(a, make([]Token, 0, n), make([]float64, 0, n), make([]bool, 0, n))
}

// newSideInto is newSide reusing the given buffers.
func newSideInto(a Analysis, names []Token, weight []float64, matched []bool) side {
	s := side{all: a.Tokens, names: names[:0], weight: weight[:0]}
	hasName := false
	for _, t := range a.Tokens {
		hasName = hasName || t.Kind == KindName
	}
	for _, t := range a.Tokens {
		if hasName && t.Kind != KindName {
			continue
		}
		// A repeated part stays: unmatched, it costs like a dropped
		// middle name ("Shoigu Shoigu Sergey"), but it can also be a real
		// part (Somali "Mohamed Mohamed").
		s.names = append(s.names, t)
		w := 1.0
		switch {
		case commonNames[t.Canon]:
			w = 0.5
		case len(t.Text) <= 2:
			w = 0.6
		}
		s.weight = append(s.weight, w)
	}
	s.matched = matched[:0]
	for range s.names {
		s.matched = append(s.matched, false)
	}
	return s
}

// pair is a candidate alignment of a query token with a candidate token.
type pair struct {
	i, j int
	sim  float64
	how  string
}

// scratch holds buffers reused across the comparisons of one search.
type scratch struct {
	qMatched []bool
	names    []Token
	weight   []float64
	matched  []bool
	pairs    []pair
	aligned  [][2]string
	joined   []byte // a run of tokens joined (joinMatches)
	jx, jy   []byte // both names joined (joinedSim)
	// memo, when not nil, caches tokenSim between the query's parts and
	// each candidate part seen: the few dozen candidates a search rescores
	// share most of their parts (namesakes, the parts that found them), and
	// tokenSim with its edit distances was a third of the rescoring. The
	// value is the offset of the part's similarities, one per query part,
	// in sims. It is only valid for one query side: reset it per search.
	memo map[memoKey]int32
	sims []simHow
	offs []int32
	// named caches the score of each whole romanised name rescored in a
	// search (by the name's hash, the text kept in nameText to rule out
	// collisions): namesakes among the candidates share it, and the score
	// depends on nothing else.
	named    map[uint64]nameMemo
	nameText []byte
}

// nameMemo is a cached score of a name whose text is nameText[off:end].
type nameMemo struct {
	off, end int
	score    float64
}

// cachedName returns the cached score of the romanised name r with hash h.
func (sc *scratch) cachedName(h uint64, r []byte) (float64, bool) {
	m, ok := sc.named[h]
	if !ok || string(sc.nameText[m.off:m.end]) != string(r) {
		return 0, false
	}
	return m.score, true
}

// cacheName keeps the score of the romanised name r with hash h (unless
// another name with the same hash holds the place).
func (sc *scratch) cacheName(h uint64, r []byte, score float64) {
	if _, taken := sc.named[h]; taken {
		return
	}
	off := len(sc.nameText)
	sc.nameText = append(sc.nameText, r...)
	sc.named[h] = nameMemo{off, len(sc.nameText), score}
}

// memoKey is what tokenSim reads of a candidate part besides its text's
// canonical form and skeleton, which the vocabulary fixes for the text.
type memoKey struct {
	text  string
	abjad bool
}

// simHow is one result of tokenSim.
type simHow struct {
	sim float64
	how string
}

// resetMemo starts a search's caches of token similarities and name
// scores.
func (sc *scratch) resetMemo() {
	if sc.memo == nil {
		sc.memo = make(map[memoKey]int32)
	}
	clear(sc.memo)
	sc.sims = sc.sims[:0]
	if sc.named == nil {
		sc.named = make(map[uint64]nameMemo)
	}
	clear(sc.named)
	sc.nameText = sc.nameText[:0]
}

// score compares the query side q with a candidate's tokens, without
// explanation; q is not changed.
func (q side) score(cand []Token, sc *scratch) float64 {
	sc.qMatched = append(sc.qMatched[:0], make([]bool, len(q.names))...)
	q.matched = sc.qMatched
	c := newSideInto(Analysis{Tokens: cand}, sc.names, sc.weight, sc.matched)
	sc.names, sc.weight, sc.matched = c.names, c.weight, c.matched
	s, _ := scoreSidesBuf(q, c, false, sc)
	return s
}

// scoreSidesBuf aligns the tokens of the two names (order-free, greedy on
// similarity) and turns the alignment into a score, using sc's buffers; it
// marks the sides' matched parts.
func scoreSidesBuf(q, c side, explain bool, sc *scratch) (float64, []Reason) {
	if len(q.names) == 0 || len(c.names) == 0 {
		return 0, nil
	}
	pairs := sc.pairs[:0]
	aligned := sc.aligned[:0] // texts of aligned parts, for the nasab check
	defer func() { sc.pairs, sc.aligned = pairs[:0], aligned[:0] }()
	if sc.memo == nil {
		for i, a := range q.names {
			for j, b := range c.names {
				if s, how := tokenSim(a, b); s > 0 {
					pairs = append(pairs, pair{i, j, s, how})
				}
			}
		}
	} else {
		// The same pairs in the same order, through the cache.
		offs := sc.offs[:0]
		for _, b := range c.names {
			k := memoKey{b.Text, b.Abjad}
			o, ok := sc.memo[k]
			if !ok {
				o = int32(len(sc.sims))
				for _, a := range q.names {
					s, how := tokenSim(a, b)
					sc.sims = append(sc.sims, simHow{s, how})
				}
				sc.memo[k] = o
			}
			offs = append(offs, o)
		}
		sc.offs = offs
		for i := range q.names {
			for j, o := range offs {
				if r := sc.sims[int(o)+i]; r.sim > 0 {
					pairs = append(pairs, pair{i, j, r.sim, r.how})
				}
			}
		}
	}
	// Insertion sort, stable and allocation-free for the few pairs.
	for i := 1; i < len(pairs); i++ {
		for j := i; j > 0 && pairs[j].sim > pairs[j-1].sim; j-- {
			pairs[j], pairs[j-1] = pairs[j-1], pairs[j]
		}
	}
	var reasons []Reason
	if explain {
		// Room for a reason per part and the few others (joined, order,
		// whole name, and the evidence that applyEvid adds).
		reasons = make([]Reason, 0, len(q.names)+len(c.names)+6)
	}
	num, den := 0.0, 0.0
	weak, onlyInitials := false, true
	for _, p := range pairs {
		if q.matched[p.i] || c.matched[p.j] {
			continue
		}
		q.matched[p.i], c.matched[p.j] = true, true
		w := q.weight[p.i] + c.weight[p.j]
		if p.how == "initial" {
			w = 0.6 * w
		}
		num += p.sim * w
		den += w
		if p.sim < strongSim {
			weak = true
		}
		if p.how != "initial" {
			onlyInitials = false
		}
		aligned = append(aligned, [2]string{q.names[p.i].Text, c.names[p.j].Text})
		if explain {
			reasons = append(reasons, Reason{Kind: "token", Query: q.names[p.i].Text, Candidate: c.names[p.j].Text, How: p.how, Weight: p.sim * w})
		}
	}
	// Tokens split or joined differently: "Sergei Lavrov" / "SergeiLavrov",
	// "Abd al-Rahman" / "Abdulrahman".
	for _, jn := range joinMatches(&q, &c, &sc.joined) {
		num += jn.sim * jn.w
		den += jn.w
		if explain {
			reasons = append(reasons, Reason{Kind: "joined", Query: jn.query, Candidate: jn.cand, How: jn.how, Weight: jn.sim * jn.w})
		}
	}
	unQ, unC := 0.0, 0.0
	nQ, nC := 0, 0
	for i, m := range q.matched {
		if !m {
			unQ += q.weight[i]
			nQ++
		}
	}
	for j, m := range c.matched {
		if !m {
			unC += c.weight[j]
			nC++
		}
	}
	// A part present on one side only is a dropped middle name or an added
	// clan name and costs little; parts present on both sides that do not
	// match are a substitution and cost in full.
	alphaQ, alphaC := extraCost, extraCost
	if weak {
		// A dropped part is forgiven only when the rest agrees strongly.
		alphaQ, alphaC = weakExtraCost, weakExtraCost
	}
	if nQ > 0 && nC > 0 {
		alphaQ, alphaC = 1, 1
	}
	den += alphaQ*unQ + alphaC*unC
	if explain {
		for i, m := range q.matched {
			if !m {
				reasons = append(reasons, Reason{Kind: "missing", Query: q.names[i].Text, How: "unmatched", Weight: -alphaQ * q.weight[i]})
			}
		}
		for j, m := range c.matched {
			if !m {
				reasons = append(reasons, Reason{Kind: "extra", Candidate: c.names[j].Text, How: "unmatched", Weight: -alphaC * c.weight[j]})
			}
		}
	}
	score := 0.0
	if den > 0 {
		score = num / den
	}
	// One matching part is weak evidence when the other name has more.
	matchedQ := len(q.names) - nQ
	if (matchedQ <= 1 || onlyInitials) && (len(q.names) > 1 || len(c.names) > 1) && score > mononymCap {
		score = mononymCap // also "N.N." for Nursultan Nazarbayev
	}
	// "Ahmad bin Hasan" is not "Hasan bin Ahmad": with a patronymic on
	// both sides, the son's name matched to the father's is a different
	// person.
	if qs, qf, ok := nasab(q.all); ok {
		if cs, cf, ok := nasab(c.all); ok {
			for _, a := range aligned {
				if (a[0] == qs && a[1] == cf && qs != qf) || (a[0] == qf && a[1] == cs && cs != cf) {
					score *= nasabCrossed
					if explain {
						reasons = append(reasons, Reason{Kind: "order", Query: qs + " " + qf, Candidate: cs + " " + cf, How: "patronymic-crossed", Weight: 0})
					}
					break
				}
			}
		}
	}
	// Fallback on the whole name in written order, for boundaries moved by
	// a typo ("Arefullaha Ref" / "Arefullah Aref").
	if score >= 0.9 {
		// The fallback cannot help.
	} else if js := joinedSim(q.names, c.names, sc); js > score && js >= 0.9 {
		score = js
		if explain {
			reasons = append(reasons, Reason{Kind: "joined", Query: joinText(q.names), Candidate: joinText(c.names), How: "whole", Weight: js})
		}
	}
	// Scale word weights in the explanation to shares of the score.
	if explain && den > 0 {
		for i := range reasons {
			if reasons[i].How != "whole" {
				reasons[i].Weight = math.Round(reasons[i].Weight/den*1000) / 1000
			}
		}
	}
	return score, reasons
}

// Scoring constants, chosen on the tuning half of the labelled pairs.
const (
	extraCost     = 0.3  // weight factor of a part present on one side only
	weakExtraCost = 1.0  // the same when some other part matched only weakly
	strongSim     = 0.9  // a token similarity at or above this is strong
	mononymCap    = 0.75 // the most a single agreeing part can score
	nasabCrossed  = 0.75 // factor when son and father names are crossed
)

// joinMatch is a match between a run of adjacent tokens on one side and one
// token on the other.
type joinMatch struct {
	query, cand, how string
	sim, w           float64
}

// joinMatches matches unmatched tokens of one side against two or three
// adjacent tokens of the other side joined together; buf is reused for
// the joined text.
func joinMatches(q, c *side, buf *[]byte) []joinMatch {
	var out []joinMatch
	try := func(a, b *side, flip bool) {
		for j, t := range b.names {
			if b.matched[j] {
				continue
			}
			for n := 2; n <= 3; n++ {
				for i := 0; i+n <= len(a.names); i++ {
					free := true
					for k := i; k < i+n; k++ {
						free = free && !a.matched[k]
					}
					if !free {
						continue
					}
					// Joined in a reused buffer: most runs do not match,
					// and only a match keeps the text.
					jb := (*buf)[:0]
					for k := i; k < i+n; k++ {
						jb = append(jb, a.names[k].Text...)
					}
					*buf = jb
					s := stringSim(jb, t.Text)
					if s < 0.88 {
						continue
					}
					joined := string(jb)
					w := b.weight[j]
					for k := i; k < i+n; k++ {
						a.matched[k] = true
						w += a.weight[k]
					}
					b.matched[j] = true
					m := joinMatch{query: joined, cand: t.Text, how: "joined", sim: s, w: w}
					if flip {
						m.query, m.cand = t.Text, joined
					}
					out = append(out, m)
					goto next
				}
			}
		next:
		}
	}
	try(q, c, false)
	try(c, q, true)
	return out
}

// tokenSim compares two tokens and says how they matched; 0 means they do
// not.
func tokenSim(a, b Token) (float64, string) {
	if a.Text == b.Text {
		return 1, "exact"
	}
	if a.Canon == b.Canon {
		return 0.97, "equivalent"
	}
	if len(a.Text) == 1 || len(b.Text) == 1 {
		if a.Text[0] == b.Text[0] {
			return 0.8, "initial"
		}
		return 0, ""
	}
	s := stringSim(a.Text, b.Text)
	if a.Canon != a.Text || b.Canon != b.Text {
		if cs := stringSim(a.Canon, b.Canon); cs > s {
			s = cs
		}
	}
	how := "typo"
	// The skeleton is strong evidence across scripts (an Arabic or Hebrew
	// spelling has no vowels to compare), weaker between two Latin
	// spellings, where short skeletons collide (Cole, Kyle).
	if a.Key == b.Key && (a.Abjad != b.Abjad && len(a.Key) >= 2 || len(a.Key) >= 3) {
		p := phoneticSim
		if a.Abjad == b.Abjad && s < 0.6 {
			p = phoneticSimFar // Baird, Pruitt: same skeleton, little else
		}
		if s < p {
			s, how = p, "phonetic"
		}
	}
	if s < minTokenSim {
		return 0, ""
	}
	return s, how
}

// minTokenSim is the lowest similarity at which two different tokens still
// count as the same name part.
const minTokenSim = 0.80

// Similarities given by equal skeletons: across scripts or with spellings
// otherwise close, and between same-script spellings that share little
// else.
const (
	phoneticSim    = 0.92
	phoneticSimFar = 0.85
)

// stringSim is the similarity of two romanised strings: the larger of
// Jaro-Winkler and one minus the normalised Damerau-Levenshtein distance,
// with a penalty for very short strings where one edit changes the name.
func stringSim[A, B text](a A, b B) float64 {
	if sameText(a, b) {
		return 1
	}
	jw := jaroWinkler(a, b)
	if jw < 0.7 {
		// Far apart: no edit distance of interest (at most a fifth of
		// the length) leaves Jaro-Winkler this low.
		return jw - 0.1
	}
	// Distances above 3 only matter for very long strings.
	ml := max(len(a), len(b))
	d := damerauMax(a, b, max(3, ml/5))
	ds := 1 - float64(d)/float64(ml)
	s := max(jw, ds)
	if min(len(a), len(b)) <= 4 && d >= 1 {
		s -= 0.1 // Ruto vs Mutua, Kim vs Kin: short names differ by one letter
	}
	if d >= 3 {
		// Three edits or more: the shared prefix that lifts Jaro-Winkler
		// (Monteiro, Montenegro) is not enough.
		s = (jw+ds)/2 - 0.05
	}
	return s
}

// joinedSim compares the two names with spaces removed, in written order,
// joining them in sc's buffers.
func joinedSim(a, b []Token, sc *scratch) float64 {
	la, lb := 0, 0
	for _, t := range a {
		la += len(t.Text)
	}
	for _, t := range b {
		lb += len(t.Text)
	}
	if la-lb > 2 || lb-la > 2 {
		return 0
	}
	x, y := sc.jx[:0], sc.jy[:0]
	for _, t := range a {
		x = append(x, t.Text...)
	}
	for _, t := range b {
		y = append(y, t.Text...)
	}
	sc.jx, sc.jy = x, y
	if len(x) == 0 || len(y) == 0 {
		return 0
	}
	if string(x) == string(y) {
		return 1
	}
	d := damerauMax(x, y, 2)
	if d > 2 {
		return 0
	}
	return 1 - float64(d)/float64(max(len(x), len(y)))
}

func joinText(ts []Token) string {
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(t.Text)
	}
	return b.String()
}

// text is a name's romanised text, as a string or as bytes being built
// (the string functions below take either, so that text joined in a buffer
// is compared without being copied into a string).
type text interface{ ~string | ~[]byte }

// sameText reports whether a and b hold the same bytes.
func sameText[A, B text](a A, b B) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// jaroWinkler returns the Jaro-Winkler similarity of a and b (bytes).
func jaroWinkler[A, B text](a A, b B) float64 {
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	win := max(la, lb)/2 - 1
	if win < 0 {
		win = 0
	}
	var ma, mb [64]bool
	if la > 64 || lb > 64 {
		return 0
	}
	m := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-win), min(lb-1, i+win)
		for j := lo; j <= hi; j++ {
			if !mb[j] && a[i] == b[j] {
				ma[i], mb[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	t, k := 0, 0
	for i := 0; i < la; i++ {
		if !ma[i] {
			continue
		}
		for !mb[k] {
			k++
		}
		if a[i] != b[k] {
			t++
		}
		k++
	}
	fm := float64(m)
	jaro := (fm/float64(la) + fm/float64(lb) + (fm-float64(t)/2)/fm) / 3
	p := 0
	for p < 4 && p < la && p < lb && a[p] == b[p] {
		p++
	}
	return jaro + float64(p)*0.1*(1-jaro)
}

// damerau returns the optimal-string-alignment distance of a and b (bytes):
// insertions, deletions, substitutions and transpositions of neighbours.
func damerau(a, b string) int { return damerauMax(a, b, len(a)+len(b)) }

// damerauMax is damerau, except that it returns limit+1 as soon as the
// distance is known to exceed limit.
func damerauMax[A, B text](a A, b B, limit int) int {
	la, lb := len(a), len(b)
	if la-lb > limit || lb-la > limit {
		return limit + 1
	}
	if la == 0 {
		return lb
	}
	if lb == 0 {
		return la
	}
	var bufs [3][64]int
	var prev2, prev, cur []int
	if lb < 64 {
		prev2, prev, cur = bufs[0][:lb+1], bufs[1][:lb+1], bufs[2][:lb+1]
	} else {
		prev2, prev, cur = make([]int, lb+1), make([]int, lb+1), make([]int, lb+1)
	}
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit && i > 1 {
			// Rows only grow by transposition from two rows back, so two
			// rows over the limit settle it.
			if prevMin(prev) > limit {
				return limit + 1
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[lb], limit+1)
}

// prevMin is the smallest value of a row.
func prevMin(row []int) int {
	m := row[0]
	for _, v := range row[1:] {
		m = min(m, v)
	}
	return m
}

// nasab finds a patronymic chain ("X bin Y", "X ould Y") and returns the
// texts of the son's and the father's names.
func nasab(all []Token) (son, father string, ok bool) {
	for i := 1; i+1 < len(all); i++ {
		switch all[i].Text {
		case "bin", "ben", "ibn", "bint", "binti", "ould", "walad":
			if all[i-1].Kind == KindName && all[i+1].Kind == KindName {
				return all[i-1].Text, all[i+1].Text, true
			}
		}
	}
	return "", "", false
}
