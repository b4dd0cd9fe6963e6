package audit

import (
	"bytes"
	"fmt"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// memStore holds tlog stored hashes by index, as tlog's own tests do.
type memStore map[int64]tlog.Hash

func (m memStore) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		h, ok := m[x]
		if !ok {
			return nil, fmt.Errorf("no hash %d", x)
		}
		out[i] = h
	}
	return out, nil
}

// TestFrontierMatchesTlog checks that the frontier computes exactly the
// hashes and roots tlog does, and that HashLocation finds every stored hash
// where the frontier put it.
func TestFrontierMatchesTlog(t *testing.T) {
	m := memStore{}
	f := &frontier{}
	var rows [][]byte
	for n := int64(0); n < 300; n++ {
		data := []byte(fmt.Sprintf("record %d", n))
		want, err := tlog.StoredHashes(n, data, m)
		if err != nil {
			t.Fatal(err)
		}
		got := f.add(tlog.RecordHash(data), nil)
		if len(got) != len(want)*tlog.HashSize || StoredHashCount(n) != len(want) {
			t.Fatalf("leaf %d: %d bytes, count %d, want %d hashes", n, len(got), StoredHashCount(n), len(want))
		}
		for i, h := range want {
			if !bytes.Equal(got[i*tlog.HashSize:(i+1)*tlog.HashSize], h[:]) {
				t.Fatalf("leaf %d: hash %d differs", n, i)
			}
			m[tlog.StoredHashIndex(0, n)+int64(i)] = h
		}
		rows = append(rows, got)
		root, err := tlog.TreeHash(n+1, m)
		if err != nil {
			t.Fatal(err)
		}
		if f.root() != root {
			t.Fatalf("size %d: root differs", n+1)
		}
		g, err := readFrontier(n+1, m)
		if err != nil {
			t.Fatal(err)
		}
		if g.root() != root || len(g.hashes) != len(f.hashes) {
			t.Fatalf("size %d: frontier read from storage differs", n+1)
		}
	}
	for i, h := range m {
		seq, off := HashLocation(i)
		if !bytes.Equal(rows[seq][off:off+tlog.HashSize], h[:]) {
			t.Fatalf("HashLocation(%d) = %d, %d: wrong hash", i, seq, off)
		}
	}
	empty, _ := tlog.TreeHash(0, m)
	if (&frontier{}).root() != empty {
		t.Fatal("empty root differs")
	}
}
