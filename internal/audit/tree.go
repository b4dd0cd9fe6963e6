package audit

import (
	"crypto/sha256"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// HashLocation returns where the tlog stored hash at storage index i lives:
// in Record.Hashes of entry seq, at byte offset off. The hash of level L and
// index k (covering entries k<<L .. (k+1)<<L - 1) is created by appending
// its last entry, so it is stored in that entry's record at offset 32*L.
func HashLocation(i int64) (seq int64, off int) {
	level, k := tlog.SplitStoredHashIndex(i)
	return (k+1)<<uint(level) - 1, level * tlog.HashSize
}

// StoredHashCount returns the number of hashes in the record of entry seq:
// one more than the number of trailing one bits of seq.
func StoredHashCount(seq int64) int { return 1 + bits.TrailingZeros64(uint64(^seq)) }

// frontier is the compact state of a tree: the roots of the complete
// subtrees that make up its first size leaves, largest first (one per one
// bit of size). It is enough to compute every hash the next leaves create,
// and the tree's root.
type frontier struct {
	size   int64
	hashes []tlog.Hash
}

// frontierIndexes returns the storage indexes of the frontier of a tree of
// the given size, in the order of frontier.hashes.
func frontierIndexes(size int64) []int64 {
	var idx []int64
	for level := 63; level >= 0; level-- {
		if size>>uint(level)&1 == 1 {
			idx = append(idx, tlog.StoredHashIndex(level, size>>uint(level)-1))
		}
	}
	return idx
}

// readFrontier reads the frontier of a tree of the given size from r.
func readFrontier(size int64, r tlog.HashReader) (*frontier, error) {
	f := &frontier{size: size}
	if size == 0 {
		return f, nil
	}
	hs, err := r.ReadHashes(frontierIndexes(size))
	if err != nil {
		return nil, err
	}
	f.hashes = hs
	return f, nil
}

// clone returns a copy of f that shares no memory with it.
func (f *frontier) clone() *frontier {
	return &frontier{size: f.size, hashes: append([]tlog.Hash(nil), f.hashes...)}
}

// add appends leaf (a record hash) as leaf number f.size, and appends to b
// the hashes this creates, as tlog.StoredHashesForRecordHash would return
// them: the leaf, then one interior hash per trailing one bit of its number.
func (f *frontier) add(leaf tlog.Hash, b []byte) []byte {
	h := leaf
	b = append(b, h[:]...)
	for n := f.size; n&1 == 1; n >>= 1 {
		last := len(f.hashes) - 1
		h = tlog.NodeHash(f.hashes[last], h)
		f.hashes = f.hashes[:last]
		b = append(b, h[:]...)
	}
	f.hashes = append(f.hashes, h)
	f.size++
	return b
}

// root returns the tree hash of the first f.size leaves, as tlog.TreeHash.
func (f *frontier) root() tlog.Hash {
	if len(f.hashes) == 0 {
		return sha256.Sum256(nil) // as tlog.TreeHash(0, …)
	}
	h := f.hashes[len(f.hashes)-1]
	for i := len(f.hashes) - 2; i >= 0; i-- {
		h = tlog.NodeHash(f.hashes[i], h)
	}
	return h
}
