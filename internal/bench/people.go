package bench

import (
	"math/rand/v2"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/polex-org/polex/internal/screen/names"
)

// Person is a synthetic person of the persons database: names in any
// script (the first primary), and the evidence; a names.Person.
type Person struct {
	Names       []string
	BirthDate   string
	Nationality string
	Sex         string
}

// PersonQuery is one person screen: a name, with evidence, and the index
// of the stored person it was derived from (-1 for an unknown person).
type PersonQuery struct {
	Name        string
	BirthDate   string
	Nationality string
	From        int
}

// people returns n deterministic synthetic persons of seed: the name
// engine's own generator (names.Synthetic), names in many scripts with
// their romanisations, birth dates, nationalities and sex.
func people(seed int64, n int) []Person {
	out := make([]Person, n)
	for i, p := range names.Synthetic(seed, n) {
		out[i] = Person(p)
	}
	return out
}

// personQueries returns n screens: about two in three derived from a
// stored person of ps with a perturbation (the other script, a typo,
// tokens reordered, a missing middle name, no diacritics, day and month
// swapped), the rest persons never stored.
func personQueries(seed int64, ps []Person, n int) []PersonQuery {
	r := rand.New(rand.NewPCG(uint64(seed), 0x71756572))
	out := make([]PersonQuery, n)
	unknown := people(seed^0x756e6b, n/3+1) // persons nobody stored
	for i := range out {
		if len(ps) == 0 || r.IntN(3) == 0 {
			p := unknown[r.IntN(len(unknown))]
			out[i] = PersonQuery{Name: p.Names[len(p.Names)-1], BirthDate: p.BirthDate, Nationality: p.Nationality, From: -1}
			continue
		}
		k := r.IntN(len(ps))
		p := ps[k]
		q := PersonQuery{Name: p.Names[r.IntN(len(p.Names))], BirthDate: p.BirthDate, Nationality: p.Nationality, From: k}
		switch r.IntN(6) {
		case 0: // as stored, in one of its scripts
		case 1:
			q.Name = typo(r, q.Name)
		case 2:
			ws := strings.Fields(q.Name)
			if len(ws) > 1 {
				ws[0], ws[len(ws)-1] = ws[len(ws)-1], ws[0]
			}
			q.Name = strings.Join(ws, " ")
		case 3:
			ws := strings.Fields(q.Name)
			if len(ws) > 2 {
				ws = append(ws[:1], ws[2:]...)
			}
			q.Name = strings.Join(ws, " ")
		case 4:
			q.Name = strings.ToUpper(fold(q.Name))
		case 5:
			if len(q.BirthDate) == 10 && q.BirthDate[8:] <= "12" {
				q.BirthDate = q.BirthDate[:5] + q.BirthDate[8:] + "-" + q.BirthDate[5:7]
			}
		}
		if r.IntN(4) == 0 {
			q.Nationality = ""
		}
		out[i] = q
	}
	return out
}

// typo changes, drops or doubles one letter of a Latin name, or swaps two.
func typo(r *rand.Rand, s string) string {
	rs := []rune(s)
	if len(rs) < 4 {
		return s
	}
	i := 1 + r.IntN(len(rs)-2)
	if !unicode.IsLetter(rs[i]) || rs[i] > unicode.MaxLatin1 {
		return s
	}
	switch r.IntN(4) {
	case 0:
		rs[i] = rune('a' + r.IntN(26))
	case 1:
		rs = append(rs[:i], rs[i+1:]...)
	case 2:
		rs = append(rs[:i+1], rs[i:]...)
	default:
		rs[i], rs[i+1] = rs[i+1], rs[i]
	}
	return string(rs)
}

// fold removes diacritics.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}
