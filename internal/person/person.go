// Package person is the description of a person that notices, diffusions
// and the persons database share: names in any script with their parts,
// aliases, full or partial birth dates, sex, nationalities, identity
// documents, distinguishing marks, languages and photos. It holds types and
// validation only; storage and access live with the records that carry a
// person.
package person

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/polex-org/polex/internal/errs"
)

// Name is one name of a person, in any script. Full is the name as written;
// Given and Family are its parts when known.
type Name struct {
	Full   string `json:"full" minLength:"1" maxLength:"300" doc:"the name as written, in any script"`
	Given  string `json:"given,omitempty" maxLength:"200"`
	Family string `json:"family,omitempty" maxLength:"200"`
	Script string `json:"script,omitempty" doc:"ISO 15924 code of the script, e.g. Latn, Cyrl, Arab (informational)"`
	Alias  bool   `json:"alias,omitempty" doc:"an alias rather than a name of record"`
}

// Date is a full or partial date: "YYYY", "YYYY-MM" or "YYYY-MM-DD".
type Date string

// Parts returns the year, month (0 when unknown) and day (0 when unknown),
// or an error when d is not one of the three forms or not a real date.
func (d Date) Parts() (y, m, day int, err error) {
	s := string(d)
	bad := fmt.Errorf("%q is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD", s)
	switch len(s) {
	case 4, 7, 10:
	default:
		return 0, 0, 0, bad
	}
	if y, err = digits(s[:4]); err != nil || y < 1800 {
		return 0, 0, 0, bad
	}
	if len(s) >= 7 {
		if s[4] != '-' {
			return 0, 0, 0, bad
		}
		if m, err = digits(s[5:7]); err != nil || m < 1 || m > 12 {
			return 0, 0, 0, bad
		}
	}
	if len(s) == 10 {
		if s[7] != '-' {
			return 0, 0, 0, bad
		}
		if day, err = digits(s[8:10]); err != nil || day < 1 || day > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
			return 0, 0, 0, bad
		}
	}
	return y, m, day, nil
}

func digits(s string) (int, error) {
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, strconv.ErrSyntax
		}
	}
	return strconv.Atoi(s)
}

// Sex is M, F or U (unknown).
type Sex string

// The sexes.
const (
	Male    Sex = "M"
	Female  Sex = "F"
	Unknown Sex = "U"
)

// Document is an identity document the person holds or held.
type Document struct {
	Type           string `json:"type" doc:"passport, id-card, residence-permit, driving-licence, other"`
	Number         string `json:"number" minLength:"1" maxLength:"40"`
	IssuingCountry string `json:"issuing_country" doc:"ISO 3166-1 alpha-2, or a three-letter ICAO code for non-members"`
}

// Photo is a stored image of the person, named by the SHA-256 of its bytes.
type Photo struct {
	SHA256      string `json:"sha256" doc:"hex SHA-256 of the image"`
	ContentType string `json:"content_type" enum:"image/jpeg,image/png"`
	Size        int64  `json:"size"`
}

// Person describes one person.
type Person struct {
	Names         []Name     `json:"names" minItems:"1" doc:"the first non-alias name is the primary name"`
	BirthDates    []Date     `json:"birth_dates,omitempty" doc:"full or partial: YYYY, YYYY-MM or YYYY-MM-DD"`
	BirthPlace    string     `json:"birth_place,omitempty" maxLength:"200"`
	Sex           Sex        `json:"sex,omitempty" enum:"M,F,U"`
	Nationalities []string   `json:"nationalities,omitempty" doc:"ISO 3166-1 alpha-2 codes"`
	Documents     []Document `json:"documents,omitempty"`
	Marks         []string   `json:"marks,omitempty" doc:"distinguishing marks and characteristics"`
	Languages     []string   `json:"languages,omitempty" doc:"ISO 639 codes of spoken languages"`
	Photos        []Photo    `json:"photos,omitempty"`
	Refugee       bool       `json:"refugee,omitempty" doc:"the person holds refugee status (Article 2 risk)"`
}

// Limits of a Person.
const (
	MaxNames   = 50
	MaxNameLen = 300
	MaxList    = 50
)

// Primary returns the primary name: the first that is not an alias, else
// the first; "" when there is none.
func (p Person) Primary() string {
	for _, n := range p.Names {
		if !n.Alias {
			return n.Full
		}
	}
	if len(p.Names) > 0 {
		return p.Names[0].Full
	}
	return ""
}

// Normalize trims spaces, upper-cases codes and fills each name's Full from
// its parts when only the parts are given.
func (p *Person) Normalize() {
	for i := range p.Names {
		n := &p.Names[i]
		n.Full, n.Given, n.Family = strings.TrimSpace(n.Full), strings.TrimSpace(n.Given), strings.TrimSpace(n.Family)
		if n.Full == "" {
			n.Full = strings.TrimSpace(n.Given + " " + n.Family)
		}
	}
	for i, c := range p.Nationalities {
		p.Nationalities[i] = strings.ToUpper(strings.TrimSpace(c))
	}
	for i := range p.Documents {
		d := &p.Documents[i]
		d.Number = strings.ToUpper(strings.TrimSpace(d.Number))
		d.IssuingCountry = strings.ToUpper(strings.TrimSpace(d.IssuingCountry))
	}
	p.Sex = Sex(strings.ToUpper(strings.TrimSpace(string(p.Sex))))
}

// Validate returns an errs.Invalid error naming the first field at fault,
// with field names as in JSON (names[0].full, birth_dates[1], …).
func (p Person) Validate() error {
	const op = "person.Validate"
	if len(p.Names) == 0 {
		return errs.Invalidf(op, "names", "at least one name is required")
	}
	if len(p.Names) > MaxNames {
		return errs.Invalidf(op, "names", "at most %d names", MaxNames)
	}
	for i, n := range p.Names {
		f := fmt.Sprintf("names[%d].full", i)
		if strings.TrimSpace(n.Full) == "" {
			return errs.Invalidf(op, f, "a name must not be empty")
		}
		for _, v := range []struct{ f, s string }{{f, n.Full}, {fmt.Sprintf("names[%d].given", i), n.Given}, {fmt.Sprintf("names[%d].family", i), n.Family}} {
			if utf8.RuneCountInString(v.s) > MaxNameLen || !printable(v.s) {
				return errs.Invalidf(op, v.f, "a name must be at most %d characters of printable text", MaxNameLen)
			}
		}
	}
	if len(p.BirthDates) > MaxList {
		return errs.Invalidf(op, "birth_dates", "at most %d birth dates", MaxList)
	}
	for i, d := range p.BirthDates {
		y, _, _, err := d.Parts()
		if err != nil {
			return errs.Invalidf(op, fmt.Sprintf("birth_dates[%d]", i), "%v", err)
		}
		if y > time.Now().Year() {
			return errs.Invalidf(op, fmt.Sprintf("birth_dates[%d]", i), "a birth date cannot be in the future")
		}
	}
	switch p.Sex {
	case "", Male, Female, Unknown:
	default:
		return errs.Invalidf(op, "sex", "sex must be M, F or U")
	}
	if len(p.Nationalities) > MaxList {
		return errs.Invalidf(op, "nationalities", "at most %d nationalities", MaxList)
	}
	for i, c := range p.Nationalities {
		if !isAlpha2(c) {
			return errs.Invalidf(op, fmt.Sprintf("nationalities[%d]", i), "%q is not an ISO 3166-1 alpha-2 code", c)
		}
	}
	if len(p.Documents) > MaxList {
		return errs.Invalidf(op, "documents", "at most %d documents", MaxList)
	}
	for i, d := range p.Documents {
		if d.Number == "" || len(d.Number) > 40 || !printable(d.Number) {
			return errs.Invalidf(op, fmt.Sprintf("documents[%d].number", i), "a document number is 1 to 40 printable characters")
		}
		if n := len(d.IssuingCountry); (n != 2 && n != 3) || strings.IndexFunc(d.IssuingCountry, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
			return errs.Invalidf(op, fmt.Sprintf("documents[%d].issuing_country", i), "the issuing country is an alpha-2 or ICAO alpha-3 code")
		}
	}
	for _, l := range []struct {
		field string
		items []string
	}{{"marks", p.Marks}, {"languages", p.Languages}} {
		if len(l.items) > MaxList {
			return errs.Invalidf(op, l.field, "at most %d entries", MaxList)
		}
		for i, s := range l.items {
			if strings.TrimSpace(s) == "" || utf8.RuneCountInString(s) > 500 || !printable(s) {
				return errs.Invalidf(op, fmt.Sprintf("%s[%d]", l.field, i), "an entry is 1 to 500 characters of printable text")
			}
		}
	}
	return nil
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) })
}

func isAlpha2(c string) bool {
	return len(c) == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
}
