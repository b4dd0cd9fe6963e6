package names

import "math/bits"

// accumulator holds one search's candidates and their credit.
//
// A search at a million entries finds a few thousand candidates and then
// walks tens of thousands of posting-list slots, crediting those that are
// candidates. Keeping a cell per slot of the index (12 MB at a million)
// made every credit a cache miss, which was most of the search's time. So
// candidates are a bitset over the slots (125 KB at a million, stays in
// cache), and their cells are a dense array in slot order: a candidate's
// cell is its rank among the candidates, counted from a running total per
// 64-slot word of the bitset plus a popcount within the word. Bitset, the
// totals and the cells of a few thousand candidates all fit in the core's
// own cache. A second bitset marks the words that hold a candidate, so
// that preparing the cells visits only those words.
type accumulator struct {
	bits    []uint64 // candidate slots, one bit each
	nonzero []uint64 // the words of bits that hold a candidate, one bit each
	before  []uint32 // per word of bits: the candidates in the words before it
	cells   []cell   // per candidate, in slot order (see rankOf)
	touched []uint32 // candidate slots in the order they were found
	sorted  []uint32 // the same in slot order
	heap    []heapItem
	// Buffers of the rescoring, kept with the accumulator so that a search
	// allocates little.
	toks  []Token
	offs  []uint32 // see prefetch
	sink  byte
	scr   scratch
	exScr scratch // for the explanations of the results (no memo)
}

// cell is one candidate's credit during a search.
type cell struct {
	score float32
	val   float32 // what the current part gave it
	mark  uint16  // the part that last credited it (+1), or 0
}

// heapItem is a candidate in topSlots's heap; the score is copied so that
// the heap's comparisons stay in the heap's own memory.
type heapItem struct {
	score float32
	slot  uint32
}

func (x *Index) getAcc(n int) *accumulator {
	x.accMu.Lock()
	var a *accumulator
	if k := len(x.accs); k > 0 {
		a = x.accs[k-1]
		x.accs = x.accs[:k-1]
	}
	x.accMu.Unlock()
	if a == nil || len(a.bits) < n/64+1 {
		// Room for the index to grow a quarter before the next allocation.
		w := (n+n/4+64)/64 + 1
		a = &accumulator{bits: make([]uint64, w), nonzero: make([]uint64, w/64+1), before: make([]uint32, w)}
	}
	return a
}

// maxFreeAccs bounds the accumulators kept for reuse (one per concurrent
// search is enough).
const maxFreeAccs = 8

func (x *Index) putAcc(a *accumulator) {
	// Only the words holding candidates need clearing; the cells are
	// cleared when the next search sizes them.
	for _, s := range a.touched {
		a.bits[s/64] = 0
		a.nonzero[s/64/64] = 0
	}
	a.touched = a.touched[:0]
	x.accMu.Lock()
	if len(x.accs) < maxFreeAccs {
		x.accs = append(x.accs, a)
	}
	x.accMu.Unlock()
}

// seed marks the slots of list as candidates.
func (a *accumulator) seed(list []uint32) {
	for _, s := range list {
		w, b := s/64, uint64(1)<<(s%64)
		if a.bits[w]&b == 0 {
			a.bits[w] |= b
			a.nonzero[w/64] |= 1 << (w % 64)
			a.touched = append(a.touched, s)
		}
	}
}

// index prepares the candidates' cells once every candidate is seeded:
// the running totals of the bitset's words, the candidates in slot order,
// and one cell per candidate. n is the number of slots of the index, ntok
// its count of name parts per slot.
//
// Each cell starts at minus its entry's cost for name parts (partCost
// each), which the first credit adds to: reading ntok here, in slot
// order, is cheaper than at the first credit, in the order of each list.
// (w + -p is exactly w - p in floating point, so the scores are the same.)
func (a *accumulator) index(n int, ntok []uint8) {
	// Only the words that hold candidates are visited (a few thousand of
	// the 15,625 words at a million slots), found through a.nonzero; rankOf
	// reads a word's total only for those.
	a.sorted = a.sorted[:0]
	total := uint32(0)
	for j, ws := range a.nonzero[:min(len(a.nonzero), n/64/64+1)] {
		for ; ws != 0; ws &= ws - 1 {
			i := j*64 + bits.TrailingZeros64(ws)
			w := a.bits[i]
			a.before[i] = total
			total += uint32(bits.OnesCount64(w))
			for ; w != 0; w &= w - 1 {
				a.sorted = append(a.sorted, uint32(i*64+bits.TrailingZeros64(w)))
			}
		}
	}
	if cap(a.cells) < int(total) {
		a.cells = make([]cell, total, total+total/2)
	} else {
		a.cells = a.cells[:total]
	}
	for r, s := range a.sorted {
		a.cells[r] = cell{score: -(partCost * float32(ntok[s]))}
	}
}

// rankOf returns the index of candidate s's cell, or -1 when s is not a
// candidate.
func (a *accumulator) rankOf(s uint32) int {
	w := a.bits[s/64]
	b := uint64(1) << (s % 64)
	if w&b == 0 {
		return -1
	}
	return int(a.before[s/64]) + bits.OnesCount64(w&(b-1))
}

// credit adds an expansion's weight to the candidates in its list. A
// candidate gets from each query part only its best expansion; expansions
// must come grouped by part.
func (a *accumulator) credit(e expansion) {
	mark := uint16(e.part + 1)
	w := float32(e.weight)
	list := e.list
	if len(list) > 8*len(a.sorted) {
		// A long list and few candidates: look the candidates up in the
		// list rather than walk it. Both are in slot order, so each
		// search gallops forward from where the last one stopped.
		lo := 0
		for r, s := range a.sorted {
			hi, step := lo, 1
			for hi < len(list) && list[hi] < s {
				lo = hi + 1
				hi += step
				step *= 2
			}
			hi = min(hi, len(list))
			// The first of list[lo:hi] at or after s, else hi.
			for lo < hi {
				mid := int(uint(lo+hi) >> 1)
				if list[mid] < s {
					lo = mid + 1
				} else {
					hi = mid
				}
			}
			if lo == len(list) {
				return
			}
			if list[lo] == s {
				a.cells[r].add(mark, w)
			}
		}
		return
	}
	// The hot loop of a search: most slots of a long list are not
	// candidates, and the bit test rejects them without touching a cell.
	for _, s := range list {
		if r := a.rankOf(s); r >= 0 {
			a.cells[r].add(mark, w)
		}
	}
}

// add credits w from query part mark to the cell.
func (c *cell) add(mark uint16, w float32) {
	switch c.mark {
	case 0:
		// First credit: the cell holds the cost of the entry's name
		// parts, so that among namesakes the ones without extra parts
		// come first (see index).
		c.mark, c.val = mark, w
		c.score = w + c.score
	case mark:
		if w > c.val {
			c.score += w - c.val
			c.val = w
		}
	default:
		c.mark = mark
		c.val = w
		c.score += w
	}
}

// topSlots returns the m candidates with the highest scores (all of them
// when there are no more than m).
//
// The selection is a min-heap of the best m seen, fed in the order the
// candidates were found; among equal scores it keeps what the heap's
// order keeps. It is container/heap's algorithm written out on heapItem
// (same comparisons, same swaps, so the same slots on ties) without the
// interface calls and with the scores beside the slots.
func topSlots(a *accumulator, m int) []uint32 {
	if len(a.touched) <= m {
		return append([]uint32(nil), a.touched...)
	}
	h := a.heap[:0]
	for _, s := range a.touched {
		c := a.cells[a.rankOf(s)]
		if c.mark == 0 {
			continue // found but never credited
		}
		if len(h) < m {
			h = append(h, heapItem{c.score, s})
			heapUp(h, len(h)-1)
		} else if c.score > h[0].score {
			h[0] = heapItem{c.score, s}
			if !heapDown(h, 0) {
				heapUp(h, 0)
			}
		}
	}
	a.heap = h
	out := make([]uint32, len(h))
	for i, it := range h {
		out[i] = it.slot
	}
	return out
}

// heapUp is container/heap's up on a min-heap of scores.
func heapUp(h []heapItem, j int) {
	for {
		i := (j - 1) / 2 // parent
		if i == j || !(h[j].score < h[i].score) {
			break
		}
		h[i], h[j] = h[j], h[i]
		j = i
	}
}

// heapDown is container/heap's down on a min-heap of scores; it reports
// whether the item moved.
func heapDown(h []heapItem, i0 int) bool {
	i, n := i0, len(h)
	for {
		j1 := 2*i + 1
		if j1 >= n || j1 < 0 {
			break
		}
		j := j1 // left child
		if j2 := j1 + 1; j2 < n && h[j2].score < h[j1].score {
			j = j2
		}
		if !(h[j].score < h[i].score) {
			break
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
	return i > i0
}

// prefetch reads the entries of the slots to rescore, then the first byte
// of their romanised names, in two tight loops. The entries (16 MB at a
// million) and the arena are far apart in memory, and each first read is
// a cache miss; read one by one in the rescoring loop the misses come in
// turn, while here the loads do not depend on each other and the
// processor overlaps them.
func (a *accumulator) prefetch(x *Index, slots []uint32) {
	offs := a.offs[:0]
	for _, s := range slots {
		e := &x.entries[s]
		offs = append(offs, e.off+uint32(e.idLen)+uint32(e.namesLen))
	}
	a.offs = offs
	var sink byte
	for _, o := range offs {
		if int(o) < len(x.arena) {
			sink += x.arena[o]
		}
	}
	a.sink = sink // kept, so that the loads are not optimised away
}
