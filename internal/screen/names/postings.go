package names

import "hash/maphash"

// postings maps a posting key (a canonical part, a phonetic key, a birth
// year) to its list of slots, ascending, without a pointer the garbage
// collector must follow: keys are held as 64-bit hashes and every list
// lives in one []uint32. As a map[string][]uint32 at a million persons,
// its 278,000 keys and lists were half of what the collector marked in
// the index (15 of 30 ms for a full collection on this machine), and
// every collection marked them again.
//
// Two keys with the same hash (about one pair in 10^7 at that size)
// share a list: a search then credits some candidates for a key they do
// not have, and each is still scored on its own names, as the deletion
// chains already allow (Index.delHead).
type postings struct {
	seed  maphash.Seed
	ids   map[uint64]uint32 // key hash → 1 + index in lists
	lists []postingList
	data  []uint32 // the lists' slots; a list that outgrows its room moves to the end
	waste int      // slots of data left behind by lists that moved
}

// postingList is a list's place in postings.data: n slots used of room.
type postingList struct {
	off, n, room uint32
}

func newPostings(seed maphash.Seed) postings {
	return postings{seed: seed, ids: make(map[uint64]uint32)}
}

// get returns key's list, nil when it has none. The list is valid until
// the next add or compact (the Index's lock orders them with searches).
func (p *postings) get(key string) []uint32 {
	i := p.ids[maphash.String(p.seed, key)]
	if i == 0 {
		return nil
	}
	l := p.lists[i-1]
	return p.data[l.off : l.off+l.n : l.off+l.n]
}

// add appends slot to key's list; slots must come in ascending order per
// key, as Index.Add numbers its entries.
func (p *postings) add(key string, slot uint32) {
	h := maphash.String(p.seed, key)
	i := p.ids[h]
	if i == 0 {
		p.lists = append(p.lists, postingList{off: uint32(len(p.data)), room: 1})
		p.data = append(p.data, 0)
		i = uint32(len(p.lists))
		p.ids[h] = i
	}
	l := &p.lists[i-1]
	if l.n == l.room {
		if l.off+l.room == uint32(len(p.data)) {
			// The last list grows in place.
			p.data = append(p.data, make([]uint32, l.room)...)
		} else {
			off := uint32(len(p.data))
			p.data = append(p.data, p.data[l.off:l.off+l.n]...)
			p.data = append(p.data, make([]uint32, l.room)...)
			p.waste += int(l.room)
			l.off = off
		}
		l.room *= 2
	}
	p.data[l.off+l.n] = slot
	l.n++
	if p.waste > len(p.data)/4 && p.waste > 1<<16 {
		p.compact(nil)
	}
}

// compact keeps in each list only the slots alive says are (every slot
// when alive is nil), drops lists left empty, and packs the lists with
// room for a quarter more each.
func (p *postings) compact(alive func(uint32) bool) {
	var data []uint32
	keep := make([]postingList, 0, len(p.lists))
	renum := make([]uint32, len(p.lists)) // old index → 1 + new index, 0 when dropped
	for i, l := range p.lists {
		off := uint32(len(data))
		for _, s := range p.data[l.off : l.off+l.n] {
			if alive == nil || alive(s) {
				data = append(data, s)
			}
		}
		n := uint32(len(data)) - off
		if n == 0 {
			continue
		}
		room := n + n/4
		data = append(data, make([]uint32, room-n)...)
		keep = append(keep, postingList{off: off, n: n, room: room})
		renum[i] = uint32(len(keep))
	}
	for h, i := range p.ids {
		if renum[i-1] == 0 {
			delete(p.ids, h)
		} else {
			p.ids[h] = renum[i-1]
		}
	}
	p.lists, p.data, p.waste = keep, data, 0
}
