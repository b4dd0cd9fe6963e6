package names

import "hash/maphash"

// hashedKeys numbers strings without holding them, so that the garbage
// collector has nothing to follow: a key's 64-bit hash finds its number
// and the caller's own copy of the key (text) confirms it; the rare key
// whose hash an earlier key holds is kept as a string. The Index numbers
// its entries' ids and its vocabulary's parts this way.
type hashedKeys struct {
	seed     maphash.Seed
	byHash   map[uint64]uint32
	collided map[string]uint32 // keys whose hash another key already holds
}

func newHashedKeys(seed maphash.Seed) hashedKeys {
	return hashedKeys{seed: seed, byHash: make(map[uint64]uint32), collided: make(map[string]uint32)}
}

// find returns key's number; text returns the key a number was put with.
func (k *hashedKeys) find(key []byte, text func(uint32) []byte) (uint32, bool) {
	if n, ok := k.byHash[maphash.Bytes(k.seed, key)]; ok && string(text(n)) == string(key) {
		return n, true
	}
	n, ok := k.collided[string(key)]
	return n, ok
}

// put numbers key n; key must not be numbered yet.
func (k *hashedKeys) put(key string, n uint32) {
	h := maphash.String(k.seed, key)
	if _, taken := k.byHash[h]; taken {
		k.collided[key] = n
	} else {
		k.byHash[h] = n
	}
}

// remove forgets key, which must be numbered.
func (k *hashedKeys) remove(key string) {
	if _, c := k.collided[key]; c {
		delete(k.collided, key)
	} else {
		delete(k.byHash, maphash.String(k.seed, key))
	}
}
