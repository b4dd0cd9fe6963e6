package screen

import (
	"hash/maphash"
	"sync"
)

// KeySet is an in-memory set of 64-bit fingerprints of record keys
// (document numbers, VINs, plates), safe for concurrent use. Contains may
// answer true for a key never added (about n/2^64 of the time) and for a
// key whose record is gone: callers confirm every "maybe" against the
// store. It answers false only for a key never added, so a no-hit needs no
// database read.
//
// It is an open-addressing table with linear probing of bare uint64
// fingerprints (0 marks an empty slot), kept at most 3/4 full: 8 bytes a
// slot, 10.7 to 16 bytes a key. Keys are never removed; a rebuild
// (Service.Load) drops the stale ones.
type KeySet struct {
	seed  maphash.Seed
	mu    sync.RWMutex
	slots []uint64
	n     int
}

// NewKeySet returns an empty set sized for about n keys.
func NewKeySet(n int) *KeySet {
	s := &KeySet{seed: maphash.MakeSeed()}
	size := 1024
	for size*3/4 < n {
		size *= 2
	}
	s.slots = make([]uint64, size)
	return s
}

func (s *KeySet) hash(key string) uint64 {
	h := maphash.String(s.seed, key)
	if h == 0 {
		h = 1
	}
	return h
}

// Add adds key.
func (s *KeySet) Add(key string) {
	h := s.hash(key)
	s.mu.Lock()
	s.add(h)
	s.mu.Unlock()
}

// AddAll adds keys under one lock.
func (s *KeySet) AddAll(keys []string) {
	hs := make([]uint64, len(keys))
	for i, k := range keys {
		hs[i] = s.hash(k)
	}
	s.mu.Lock()
	for _, h := range hs {
		s.add(h)
	}
	s.mu.Unlock()
}

func (s *KeySet) add(h uint64) {
	if (s.n+1)*4 > len(s.slots)*3 {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return
		case 0:
			s.slots[i] = h
			s.n++
			return
		}
	}
}

func (s *KeySet) grow() {
	old := s.slots
	s.slots = make([]uint64, 2*len(old))
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}

// Contains reports whether key may have been added.
func (s *KeySet) Contains(key string) bool {
	h := s.hash(key)
	s.mu.RLock()
	defer s.mu.RUnlock()
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return true
		case 0:
			return false
		}
	}
}

// Len returns how many distinct fingerprints the set holds.
func (s *KeySet) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.n
}

// Bytes returns the memory the set's table takes.
func (s *KeySet) Bytes() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return 8 * len(s.slots)
}
