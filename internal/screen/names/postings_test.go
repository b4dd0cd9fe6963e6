package names

import (
	"hash/maphash"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestPostingsAgainstMap adds random slots to random keys, removing some
// slots now and then, and checks every list against a map of slices.
func TestPostingsAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	p := newPostings(maphash.MakeSeed())
	want := map[string][]uint32{}
	dead := map[uint32]bool{}
	for slot := uint32(0); slot < 200_000; slot++ {
		for range 1 + r.IntN(4) {
			k := "k" + strconv.Itoa(int(r.ExpFloat64()*300))
			if l := want[k]; len(l) > 0 && l[len(l)-1] == slot {
				continue
			}
			p.add(k, slot)
			want[k] = append(want[k], slot)
		}
		if slot%50_000 == 49_999 {
			for s := slot - 49_999; s <= slot; s += 3 {
				dead[s] = true
			}
			p.compact(func(s uint32) bool { return !dead[s] })
			for k, l := range want {
				l = slices.DeleteFunc(l, func(s uint32) bool { return dead[s] })
				if len(l) == 0 {
					delete(want, k)
				} else {
					want[k] = l
				}
			}
		}
	}
	if len(p.ids) != len(want) {
		t.Fatalf("%d keys, want %d", len(p.ids), len(want))
	}
	for k, l := range want {
		if got := p.get(k); !slices.Equal(got, l) {
			t.Fatalf("%s: %d slots, want %d", k, len(got), len(l))
		}
	}
	if got := p.get("missing"); got != nil {
		t.Fatalf("missing key: %v", got)
	}
	if p.waste > len(p.data)/4+1<<16 {
		t.Errorf("waste %d of %d slots", p.waste, len(p.data))
	}
}

// TestVocabularyCollision records a part whose hash an earlier part holds.
func TestVocabularyCollision(t *testing.T) {
	v := newVocabulary(maphash.MakeSeed())
	a, added := v.add(newToken("mohammed"))
	if !added || a != 0 {
		t.Fatalf("first part: %d %v", a, added)
	}
	// Make "muhammad" collide with "mohammed".
	v.ids.byHash[maphash.String(v.ids.seed, "muhammad")] = a
	b, added := v.add(newToken("muhammad"))
	if !added || b != 1 {
		t.Fatalf("colliding part: %d %v", b, added)
	}
	for _, w := range []string{"mohammed", "muhammad"} {
		n, ok := v.find([]byte(w))
		if !ok || v.textOf(n) != w {
			t.Errorf("find(%s) = %d %v", w, n, ok)
		}
		if tok := v.token(n); tok != newToken(w) {
			t.Errorf("token(%s) = %+v, want %+v", w, tok, newToken(w))
		}
	}
	if n, added := v.add(newToken("muhammad")); added || n != b {
		t.Errorf("added again: %d %v", n, added)
	}
	if _, ok := v.find([]byte("mohamed")); ok {
		t.Error("found a part never added")
	}
}

// TestIndexIsCheapToCollect checks that an index holds a handful of heap
// objects, not one or two per part and posting list, which every
// collection must mark: a second index of 200,000 persons held 257,600
// more objects with a map[string][]uint32 and a map[string]Token (100,924
// keys, 62,938 parts), and 3,150 (the pointer-free maps' tables) now. A
// full collection with a million persons indexed took 30 ms then, 1 ms
// now (this machine, 2 cores).
func TestIndexIsCheapToCollect(t *testing.T) {
	if testing.Short() {
		t.Skip("builds an index of 200,000 persons")
	}
	x := NewIndex()
	for i, p := range Synthetic(3, 200_000) {
		x.Add(strconv.Itoa(i), p.Names, p.Evidence())
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.HeapObjects
	x2 := NewIndex()
	for i, p := range Synthetic(4, 200_000) {
		x2.Add(strconv.Itoa(i), p.Names, p.Evidence())
	}
	runtime.GC()
	runtime.ReadMemStats(&ms)
	n := int64(ms.HeapObjects) - int64(before)
	if n > 20000 {
		t.Errorf("a second index of 200,000 persons holds %d more heap objects", n)
	}
	t.Logf("a second index of 200,000 persons holds %d more heap objects", n)
	start := time.Now()
	runtime.GC()
	t.Logf("collection with two indexes of 200,000 persons: %v", time.Since(start))
	runtime.KeepAlive(x)
	runtime.KeepAlive(x2)
}
