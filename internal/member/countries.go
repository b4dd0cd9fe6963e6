package member

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/polex-org/polex/internal/errs"
)

//go:generate go run ./gen

// countriesJSON is the list of INTERPOL's 196 member countries, written by
// gen/main.go from Debian's iso-codes; see there for how it was derived.
//
//go:embed countries.json
var countriesJSON []byte

// loadMembers parses countriesJSON once.
var loadMembers = sync.OnceValues(func() ([]Country, error) {
	const op = "member.Members"
	var cs []Country
	if err := json.Unmarshal(countriesJSON, &cs); err != nil {
		return nil, errs.E(op, errs.Internal, fmt.Errorf("countries.json: %w", err))
	}
	seen := make(map[string]bool, len(cs))
	for i := range cs {
		cs[i].Status = Active
		if err := cs[i].Validate(); err != nil {
			return nil, errs.E(op, errs.Internal, fmt.Errorf("countries.json: %s: %w", cs[i].Alpha2, err))
		}
		if seen[cs[i].Alpha2] {
			return nil, errs.E(op, errs.Internal, fmt.Errorf("countries.json: %s listed twice", cs[i].Alpha2))
		}
		seen[cs[i].Alpha2] = true
	}
	slices.SortFunc(cs, func(a, b Country) int { return strings.Compare(a.Alpha2, b.Alpha2) })
	return cs, nil
})

// Members returns INTERPOL's member countries from the embedded list, all
// Active, ordered by alpha-2. Joined and UpdatedAt are zero. The slice is
// the caller's to keep.
func Members() ([]Country, error) {
	cs, err := loadMembers()
	if err != nil {
		return nil, err
	}
	return slices.Clone(cs), nil
}

// RegionOf returns the region of member country code (an alpha-2 code, in
// any case). It returns an errs.Invalid error for a malformed code and an
// errs.NotFound error for a code that is not a member country.
func RegionOf(code string) (Region, error) {
	const op = "member.RegionOf"
	cc, err := NormalizeCode(code)
	if err != nil {
		return "", err
	}
	cs, err := loadMembers()
	if err != nil {
		return "", err
	}
	i, ok := slices.BinarySearchFunc(cs, cc, func(c Country, cc string) int { return strings.Compare(c.Alpha2, cc) })
	if !ok {
		return "", errs.E(op, errs.NotFound, "not a member country", "alpha2")
	}
	return cs[i].Region, nil
}

// NormalizeCode returns the ISO 3166-1 alpha-2 code s in canonical form:
// surrounding white space removed and upper case. It returns an errs.Invalid
// error unless what remains is exactly two ASCII letters. It does not check
// that the code is assigned or that the country is a member.
func NormalizeCode(s string) (string, error) {
	const op = "member.NormalizeCode"
	t := strings.TrimSpace(s)
	if len(t) != 2 || !isASCIILetter(t[0]) || !isASCIILetter(t[1]) {
		return "", errs.Invalidf(op, "alpha2", "country code must be two letters")
	}
	return string([]byte{upper(t[0]), upper(t[1])}), nil
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// Validate checks a country: Alpha2 two upper-case letters, Alpha3 three
// upper-case letters, a valid name, region and status. It returns an
// errs.Invalid error naming the field at fault.
func (c Country) Validate() error {
	const op = "member.Country.Validate"
	if cc, err := NormalizeCode(c.Alpha2); err != nil || cc != c.Alpha2 {
		return errs.Invalidf(op, "alpha2", "alpha-2 code must be two upper-case letters")
	}
	if len(c.Alpha3) != 3 || !isUpperASCII(c.Alpha3) {
		return errs.Invalidf(op, "alpha3", "alpha-3 code must be three upper-case letters")
	}
	if err := checkName(op, c.Name); err != nil {
		return err
	}
	if !c.Region.Valid() {
		return errs.Invalidf(op, "region", "unknown region %q", c.Region)
	}
	if c.Status != Active && c.Status != Suspended {
		return errs.Invalidf(op, "status", "unknown status %q", c.Status)
	}
	return nil
}

// Validate checks an organisation:
//
//   - ID is 2 to 64 characters of lower-case ASCII letters, digits and '-';
//   - Kind is known;
//   - Name is 1 to 200 characters, not blank, with no control characters;
//   - an NCB or agency has a Country (an upper-case alpha-2 code); the
//     General Secretariat and the oversight body have none;
//   - an agency has a Parent, a valid ID; other kinds have none.
//
// It returns an errs.Invalid error naming the field at fault.
func (o Org) Validate() error {
	const op = "member.Org.Validate"
	if !validID(o.ID) {
		return errs.Invalidf(op, "id", "id must be 2 to 64 characters of a-z, 0-9 and -")
	}
	if !o.Kind.Valid() {
		return errs.Invalidf(op, "kind", "unknown organisation kind %q", o.Kind)
	}
	if err := checkName(op, o.Name); err != nil {
		return err
	}
	switch o.Kind {
	case NCB, Agency:
		if o.Country == "" {
			return errs.Invalidf(op, "country", "%s requires a country", o.Kind)
		}
		if cc, err := NormalizeCode(o.Country); err != nil || cc != o.Country {
			return errs.Invalidf(op, "country", "country must be an upper-case alpha-2 code")
		}
	default:
		if o.Country != "" {
			return errs.Invalidf(op, "country", "%s has no country", o.Kind)
		}
	}
	if o.Kind == Agency {
		if o.Parent == "" {
			return errs.Invalidf(op, "parent", "agency requires a parent NCB")
		}
		if !validID(o.Parent) {
			return errs.Invalidf(op, "parent", "parent must be a valid organisation id")
		}
	} else if o.Parent != "" {
		return errs.Invalidf(op, "parent", "only an agency has a parent")
	}
	return nil
}

// checkName checks a display name: valid UTF-8, 1 to 200 characters, not
// blank, no control characters.
func checkName(op, name string) error {
	switch {
	case !utf8.ValidString(name):
		return errs.Invalidf(op, "name", "name must be valid UTF-8")
	case strings.TrimSpace(name) == "":
		return errs.Invalidf(op, "name", "name is required")
	case utf8.RuneCountInString(name) > 200:
		return errs.Invalidf(op, "name", "name must be at most 200 characters")
	case strings.ContainsFunc(name, unicode.IsControl):
		return errs.Invalidf(op, "name", "name must not contain control characters")
	}
	return nil
}

// validID reports whether id is 2 to 64 characters of [a-z0-9-].
func validID(id string) bool {
	if len(id) < 2 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func isUpperASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// ICAOState returns the alpha-2 code of the member country an ICAO 9303
// issuing-state or nationality code names, or "" when it names none.
// ICAO writes Germany "D"; the British codes GBD, GBN, GBO, GBP and GBS
// are the United Kingdom's; the others are ISO 3166-1 alpha-3.
func ICAOState(code string) string {
	switch {
	case code == "D":
		return "DE"
	case len(code) == 3 && strings.HasPrefix(code, "GB"):
		return "GB"
	}
	cs, err := Members()
	if err != nil {
		return ""
	}
	for _, c := range cs {
		if c.Alpha3 == code {
			return c.Alpha2
		}
	}
	return ""
}
