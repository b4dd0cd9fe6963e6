package bench

import (
	"io"
	"math/bits"
	"math/rand/v2"
	"strconv"
)

// issuer is a member country issuing travel documents: its share of the
// synthetic documents and its passport number format, a pattern where '#'
// is a digit, '@' a letter A-Z, '*' a letter or digit, and any other
// character itself.
type issuer struct {
	cc      string
	weight  int
	pattern string
}

// issuers are the countries of the synthetic documents, with formats close
// to their passports' (ICAO 9303 allows up to 9 characters in the MRZ).
// Several share a format (GB, RU and AE: nine digits), so a number of one
// country is sometimes stored for another: the index's "maybe" is then
// settled by the store, as it is in life.
var issuers = []issuer{
	{"US", 12, "@########"}, {"FR", 8, "##@@#####"}, {"DE", 8, "C********"}, {"GB", 8, "#########"},
	{"IT", 6, "@@#######"}, {"ES", 6, "@@@######"}, {"CN", 6, "E########"}, {"IN", 6, "@#######"},
	{"BR", 5, "@@######"}, {"RU", 5, "#########"}, {"JP", 4, "@@#######"}, {"NL", 3, "@@******#"},
	{"TR", 3, "U########"}, {"MX", 3, "G########"}, {"CA", 3, "@@######"}, {"AU", 3, "@#######"},
	{"KE", 2, "AK#######"}, {"NG", 2, "A########"}, {"ZA", 2, "A########"}, {"EG", 2, "A########"},
	{"AE", 2, "#########"}, {"SA", 2, "@#######"}, {"PK", 2, "@@#######"}, {"ID", 2, "@#######"},
	{"PH", 2, "P#######@"}, {"AR", 1, "AAA######"}, {"CO", 1, "@@######"}, {"PL", 1, "@@#######"},
	{"SE", 1, "########"}, {"GR", 1, "@@#######"},
}

var documentTypes = []string{"passport", "passport", "passport", "id-card", "id-card", "travel-document", "visa", "residence-permit"}
var documentStatuses = []string{"stolen", "stolen", "lost", "lost", "lost", "revoked", "stolen-blank"}

// capacity returns how many distinct numbers a pattern can spell.
func capacity(pattern string) uint64 {
	c := uint64(1)
	for i := 0; i < len(pattern); i++ {
		c *= radix(pattern[i])
	}
	return c
}

func radix(p byte) uint64 {
	switch p {
	case '#':
		return 10
	case '@':
		return 26
	case '*':
		return 36
	}
	return 1
}

const alnum36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// spell writes x (below the pattern's capacity) in the pattern, least
// significant position last: a bijection of [0, capacity) onto the
// numbers of the pattern.
func spell(pattern string, x uint64) string {
	b := []byte(pattern)
	for i := len(b) - 1; i >= 0; i-- {
		r := radix(pattern[i])
		if r == 1 {
			continue
		}
		d := x % r
		x /= r
		switch pattern[i] {
		case '#':
			b[i] = byte('0' + d)
		case '@':
			b[i] = byte('A' + d)
		default:
			b[i] = alnum36[d]
		}
	}
	return string(b)
}

// multipliers are primes other than 2, 3, 5 and 13, so coprime with every
// pattern's capacity: j ↦ (j·a + b) mod capacity is a permutation.
var multipliers = []uint64{1000003, 2750159, 15485863, 32452843, 49979687, 86028121, 104395301, 179424673}

// Documents is the deterministic synthetic travel-document set of a seed
// and a size: Count(c) documents for each issuer c, document j of issuer c
// numbered by a permutation of j, so that numbers past Count(c) are never
// stored (the unknown documents of the checks).
type Documents struct {
	seed  int64
	n     int
	count []int    // documents of each issuer
	start []int    // first global index of each issuer
	caps  []uint64 // capacity of each issuer's pattern
	mul   []uint64
	add   []uint64
}

// NewDocuments returns the set of n documents of seed.
func NewDocuments(seed int64, n int) *Documents {
	d := &Documents{seed: seed, n: n}
	total := 0
	for _, is := range issuers {
		total += is.weight
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x646f6373))
	left := n
	for i, is := range issuers {
		c := n * is.weight / total
		if i == len(issuers)-1 {
			c = left
		}
		left -= c
		d.start = append(d.start, n-left-c)
		d.count = append(d.count, c)
		d.caps = append(d.caps, capacity(is.pattern))
		d.mul = append(d.mul, multipliers[r.IntN(len(multipliers))])
		d.add = append(d.add, r.Uint64())
	}
	return d
}

// Len returns how many documents the set holds.
func (d *Documents) Len() int { return d.n }

// number returns the number of document j of issuer c (j may pass the
// issuer's count: then it is a number never stored).
func (d *Documents) number(c, j int) string {
	m := d.caps[c]
	hi, lo := bits.Mul64(uint64(j)%m, d.mul[c]%m)
	_, x := bits.Div64(hi, lo, m) // hi < m: both factors are below m
	x = (x + d.add[c]%m) % m      // both terms below 2^45
	return spell(issuers[c].pattern, x)
}

// Known returns a stored document, uniformly over the set.
func (d *Documents) Known(r *rand.Rand) (cc, number string) {
	i := r.IntN(d.n)
	c := 0
	for c+1 < len(d.start) && d.start[c+1] <= i {
		c++
	}
	return issuers[c].cc, d.number(c, i-d.start[c])
}

// Unknown returns a document of a member country that is not stored: a
// well-formed number of its format past its stored ones.
func (d *Documents) Unknown(r *rand.Rand) (cc, number string) {
	c := r.IntN(len(issuers))
	j := d.count[c] + r.IntN(max(d.count[c], 1000)+1)
	return issuers[c].cc, d.number(c, j)
}

// WriteJSONL writes the documents of issuer c as import lines.
func (d *Documents) WriteJSONL(w io.Writer, c int) error {
	buf := make([]byte, 0, 64<<10)
	for j := 0; j < d.count[c]; j++ {
		buf = append(buf, `{"ref":"BD-`...)
		buf = append(buf, issuers[c].cc...)
		buf = append(buf, '-')
		buf = strconv.AppendInt(buf, int64(j), 10)
		buf = append(buf, `","number":"`...)
		buf = append(buf, d.number(c, j)...)
		buf = append(buf, `","type":"`...)
		buf = append(buf, documentTypes[j%len(documentTypes)]...)
		buf = append(buf, `","issuing_country":"`...)
		buf = append(buf, issuers[c].cc...)
		buf = append(buf, `","status":"`...)
		buf = append(buf, documentStatuses[j%len(documentStatuses)]...)
		buf = append(buf, "\"}\n"...)
		if len(buf) > 60<<10 {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}
