package names

import (
	"hash/maphash"
	"unsafe"
)

// vocabulary is the set of name parts an Index has seen (romanised, as
// written), each with its canonical form, phonetic key and kind, numbered
// in the order seen, without a pointer the garbage collector must follow:
// the parts' texts live in one byte arena, found by the hash of the part
// (hashedKeys). As a
// map[string]Token and a []string at a million persons (172,000 parts),
// they were nearly half of what a collection marked in the index (14 of
// 30 ms on this machine).
//
// The strings it returns are views of the arena (unsafe.String): the
// arena is only ever appended to, so the bytes under a view never change,
// and a view keeps its array alive after the arena has grown into a new
// one.
type vocabulary struct {
	ids   hashedKeys // text → part number
	parts []vocabPart
	text  []byte
}

// vocabPart is a part's place in vocabulary.text: its text, then its
// canonical form, then its key.
type vocabPart struct {
	off                       uint32
	textLen, canonLen, keyLen uint8
	kind                      Kind
}

// maxVocabPart is the longest text, canonical form or key a part may have:
// a longer part is not recorded: it still finds candidates through its
// posting key and Index.fromRoman rebuilds it with newToken; it only
// cannot be found as a typo of another part.
const maxVocabPart = 255

func newVocabulary(seed maphash.Seed) vocabulary {
	return vocabulary{ids: newHashedKeys(seed)}
}

// find returns the number of the part whose text is w.
func (v *vocabulary) find(w []byte) (uint32, bool) {
	return v.ids.find(w, func(n uint32) []byte {
		p := v.parts[n]
		return v.text[p.off : p.off+uint32(p.textLen)]
	})
}

// add records t (its Text, Canon, Key and Kind) unless a part with its
// text is recorded, and returns its number and whether it is new.
func (v *vocabulary) add(t Token) (uint32, bool) {
	if n, ok := v.find([]byte(t.Text)); ok {
		return n, false
	}
	if len(t.Text) > maxVocabPart || len(t.Canon) > maxVocabPart || len(t.Key) > maxVocabPart {
		return 0, false
	}
	n := uint32(len(v.parts))
	v.parts = append(v.parts, vocabPart{off: uint32(len(v.text)), textLen: uint8(len(t.Text)),
		canonLen: uint8(len(t.Canon)), keyLen: uint8(len(t.Key)), kind: t.Kind})
	v.text = append(append(append(v.text, t.Text...), t.Canon...), t.Key...)
	v.ids.put(t.Text, n)
	return n, true
}

// view returns the arena's bytes [off, off+n) as a string.
func (v *vocabulary) view(off uint32, n uint8) string {
	if n == 0 {
		return ""
	}
	return unsafe.String(&v.text[off], int(n))
}

// textOf returns part n's text.
func (v *vocabulary) textOf(n uint32) string {
	p := v.parts[n]
	return v.view(p.off, p.textLen)
}

// token returns part n as a Token (Abjad false).
func (v *vocabulary) token(n uint32) Token {
	p := v.parts[n]
	return Token{Text: v.view(p.off, p.textLen), Canon: v.view(p.off+uint32(p.textLen), p.canonLen),
		Key: v.view(p.off+uint32(p.textLen)+uint32(p.canonLen), p.keyLen), Kind: p.kind}
}
