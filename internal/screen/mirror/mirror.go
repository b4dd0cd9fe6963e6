// Package mirror is the offline mirror of the travel-document and vehicle
// indexes for remote border posts: a signed snapshot of the keys a post's
// user may search, then signed deltas after it, checked with no network and
// no database, and a queue of the hits found offline for upload when the
// post is back online.
//
// # Directory
//
// A mirror directory holds snapshot.pxm, then delta-000001.pxm,
// delta-000002.pxm, … in sequence, the verifier key mirror.pub written by
// the export, and the post's queue outbox.jsonl (hits not yet uploaded) and
// uploaded.jsonl. Each .pxm file is one line "polex-mirror N", then a note
// of N bytes signed with Ed25519 (golang.org/x/mod/sumdb/note) that names
// its kind, sequence, creation time, post, the chain's salt (snapshot), the
// SHA-256 of the note it follows (deltas) and the SHA-256 and size of its
// data, then the data. Changing any byte of a file, dropping or reordering
// a delta in the middle, or signing with another key makes Open refuse the
// directory.
//
// # Keys are not stored in clear
//
// Each entry holds, instead of its document number, VIN or plate, the
// first 16 bytes of SHA-256(salt | kind | 0 | key), with a random salt per
// chain: a document has two keys (its number alone, and "CC|number" with
// its issuing country), a vehicle its VIN and "CC|plate". The entry's record
// ID, owner, owner's reference and status are in clear: a stolen laptop
// yields which records exist, not their numbers, short of guessing each
// number and hashing it.
//
// # Data
//
// The data of a file is its records, then its index, then (deltas) the IDs
// it removes. A record is: key count (1 byte), the 16-byte keys, kind (1
// byte, 'd' or 'v'), then ID, owner, ref and status, each a uvarint length
// and the bytes. The index is one 5-byte entry per key — the record's offset
// in the data (uint32, big-endian) and the key's slot — sorted by key, so a
// check is a binary search. A delta's record replaces any older record with
// the same ID; a removed ID hides the older record.
package mirror

import (
	"crypto/sha256"
	"strings"
	"time"
	"unicode"

	"github.com/polex-org/polex/internal/property"
)

// The kinds of entries.
const (
	KindDocument = property.KindDocument
	KindVehicle  = property.KindVehicle
)

// Hit is a record found in a mirror.
type Hit struct {
	Kind     string `json:"kind"`
	RecordID string `json:"record_id"`
	Owner    string `json:"owner"`
	Ref      string `json:"ref"`
	Status   string `json:"status"`
}

// Info describes the newest file of a mirror.
type Info struct {
	Created  time.Time `json:"created"`
	Sequence int       `json:"sequence"`
}

// Result is the answer of an offline check, as `polex check --mirror`
// prints it.
type Result struct {
	Result string `json:"result"` // "hit" or "no-hit"
	Hits   []Hit  `json:"hits"`
	Mirror Info   `json:"mirror"`
}

// Query is one offline check: a document (Country may be empty: the number
// alone is looked up), a VIN, or a plate with its country.
type Query struct {
	Kind    string // KindDocument or KindVehicle
	Country string // issuing or plate country, alpha-2; "" for a document number alone or a VIN
	Key     string // document number, VIN or plate
}

// String returns the query as the queue records it: "document FR 18FR12345",
// "document 18FR12345", "vehicle VIN", "plate FR AB123CD".
func (q Query) String() string {
	switch {
	case q.Kind == KindVehicle && q.Country != "":
		return "plate " + q.Country + " " + q.Key
	case q.Country != "":
		return q.Kind + " " + q.Country + " " + q.Key
	}
	return q.Kind + " " + q.Key
}

// lookup returns the stored key text of q.
func (q Query) lookup() string {
	k := normalizeKey(q.Key)
	if q.Country != "" {
		return strings.ToUpper(q.Country) + "|" + k
	}
	return k
}

// normalizeKey keeps the letters and digits of a number, VIN or plate, upper
// cased: "ab-123 cd" and "AB123CD" are the same plate.
func normalizeKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			return r
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return unicode.ToUpper(r)
		}
		return -1
	}, s)
}

// keyHash is the stored form of a key: the first 16 bytes of
// SHA-256(salt | kind | 0 | key).
func keyHash(salt []byte, kind, key string) [16]byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(key))
	var out [16]byte
	copy(out[:], h.Sum(nil))
	return out
}

// keysOf returns the lookup keys of a stored row: a document's number alone
// and "CC|number"; a vehicle's VIN and "CC|plate" (when it has them).
func keysOf(r Row) []string {
	var keys []string
	switch r.Kind {
	case KindDocument:
		n := normalizeKey(r.K1)
		if n != "" {
			keys = append(keys, n)
			if r.K2 != "" {
				keys = append(keys, strings.ToUpper(r.K2)+"|"+n)
			}
		}
	case KindVehicle:
		if v := normalizeKey(r.K1); v != "" {
			keys = append(keys, v)
		}
		if p := normalizeKey(r.K2); p != "" && r.K3 != "" {
			keys = append(keys, strings.ToUpper(r.K3)+"|"+p)
		}
	}
	return keys
}
