// Package mrz parses and builds the machine-readable zones of travel
// documents defined by ICAO Doc 9303: TD1 cards (3 lines of 30 characters),
// TD2 cards (2 × 36) and TD3 passports (2 × 44), verifying every check digit.
//
// What Parse accepts: the lines of one zone, separated by LF or CRLF, with
// surrounding whitespace on the text and on each line and blank lines
// ignored; lower-case letters are read as upper case. Anything else (another
// character, a line of the wrong length, a wrong number of lines, a visa
// zone) is not a zone: Parse returns an errs.Invalid error with a one-line
// message and fixes nothing.
package mrz

import (
	"fmt"
	"strings"

	"github.com/polex-org/polex/internal/errs"
)

// The formats Parse knows.
const (
	TD1 = "TD1" // identity cards: 3 lines of 30 characters
	TD2 = "TD2" // cards: 2 lines of 36 characters
	TD3 = "TD3" // passports: 2 lines of 44 characters
)

// Zone is a parsed machine-readable zone. Its JSON form is the one `polex
// mrz` prints: the field order is part of the contract.
//
// Text fields hold the zone's characters with trailing fillers ('<')
// removed; names have '<' read as a space; dates are the zone's own YYMMDD.
// Sex is the zone's character, "M", "F" or "X", with '<' (unspecified) read
// as "X". On TD3,
// OptionalData is the personal-number field; on TD1 it is the two optional
// data elements (line 1 after any document-number overflow, then line 2),
// joined by one space when both are present.
type Zone struct {
	Format         string `json:"format"`
	Valid          bool   `json:"valid"` // every check digit holds
	DocumentCode   string `json:"document_code"`
	IssuingState   string `json:"issuing_state"`
	DocumentNumber string `json:"document_number"` // complete (overflow included), no '<'
	Nationality    string `json:"nationality"`
	BirthDate      string `json:"birth_date"`
	Sex            string `json:"sex"`
	ExpiryDate     string `json:"expiry_date"`
	Surname        string `json:"surname"`
	GivenNames     string `json:"given_names"`
	OptionalData   string `json:"optional_data"`
	Checks         Checks `json:"checks"`
}

// Checks records, per check digit the format carries, whether it holds.
// PersonalNumber is set on TD3 only.
type Checks struct {
	DocumentNumber bool  `json:"document_number"`
	BirthDate      bool  `json:"birth_date"`
	ExpiryDate     bool  `json:"expiry_date"`
	PersonalNumber *bool `json:"personal_number,omitempty"`
	Composite      bool  `json:"composite"`
}

func (c Checks) all() bool {
	ok := c.DocumentNumber && c.BirthDate && c.ExpiryDate && c.Composite
	if c.PersonalNumber != nil {
		ok = ok && *c.PersonalNumber
	}
	return ok
}

const op = "mrz.Parse"

// Parse parses the text of one TD1, TD2 or TD3 zone. A zone whose check
// digits fail is still returned, with Valid false and the failing entries
// of Checks false. Text that is no zone of a known format returns an
// errs.Invalid error whose one-line message starts "no machine-readable
// zone".
func Parse(text string) (Zone, error) {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l) // also drops the CR of CRLF
		if l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return Zone{}, notZone("the text is empty")
	}
	for i, l := range lines {
		var b strings.Builder
		for j, r := range []rune(l) {
			switch {
			case r >= 'a' && r <= 'z':
				r -= 'a' - 'A'
			case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '<':
			default:
				return Zone{}, notZone("line %d has %q at position %d (only A-Z, 0-9 and '<' are allowed)", i+1, r, j+1)
			}
			b.WriteRune(r)
		}
		lines[i] = b.String()
	}
	var format string
	var width int
	switch {
	case len(lines) == 3:
		format, width = TD1, 30
	case len(lines) == 2 && len(lines[0]) == 36:
		format, width = TD2, 36
	case len(lines) == 2 && len(lines[0]) == 44:
		format, width = TD3, 44
	case len(lines) == 2:
		return Zone{}, notZone("line 1 has %d characters; a TD2 zone has 36, a TD3 zone 44", len(lines[0]))
	default:
		return Zone{}, notZone("%d lines; a TD1 zone has 3, TD2 and TD3 zones 2", len(lines)) // never 1: see above
	}
	for i, l := range lines {
		if len(l) != width {
			return Zone{}, notZone("line %d has %d characters; a %s zone has %d", i+1, len(l), format, width)
		}
	}
	if lines[0][0] == 'V' {
		return Zone{}, notZone("visa zones (MRV-A, MRV-B) are not supported; give the zone of a TD1, TD2 or TD3 document")
	}
	var z Zone
	switch format {
	case TD1:
		z = parseTD1(lines)
	case TD2:
		z = parseTD2(lines)
	default:
		z = parseTD3(lines)
	}
	z.Valid = z.Checks.all()
	return z, nil
}

func parseTD3(l []string) Zone {
	a, b := l[0], l[1]
	z := Zone{Format: TD3}
	z.DocumentCode = trim(a[0:2])
	z.IssuingState = trim(a[2:5])
	z.Surname, z.GivenNames = names(a[5:44])
	z.DocumentNumber = clean(b[0:9])
	z.Checks.DocumentNumber = checkOK(b[0:9], b[9])
	z.Nationality = trim(b[10:13])
	z.BirthDate = b[13:19]
	z.Checks.BirthDate = checkOK(b[13:19], b[19])
	z.Sex = sex(b[20])
	z.ExpiryDate = b[21:27]
	z.Checks.ExpiryDate = checkOK(b[21:27], b[27])
	z.OptionalData = trim(b[28:42])
	pn := checkOK(b[28:42], b[42]) || b[42] == '<' && strings.Trim(b[28:42], "<") == ""
	z.Checks.PersonalNumber = &pn
	z.Checks.Composite = checkOK(b[0:10]+b[13:20]+b[21:43], b[43])
	return z
}

func parseTD2(l []string) Zone {
	a, b := l[0], l[1]
	z := Zone{Format: TD2}
	z.DocumentCode = trim(a[0:2])
	z.IssuingState = trim(a[2:5])
	z.Surname, z.GivenNames = names(a[5:36])
	z.Nationality = trim(b[10:13])
	z.BirthDate = b[13:19]
	z.Checks.BirthDate = checkOK(b[13:19], b[19])
	z.Sex = sex(b[20])
	z.ExpiryDate = b[21:27]
	z.Checks.ExpiryDate = checkOK(b[21:27], b[27])
	z.DocumentNumber, z.OptionalData, z.Checks.DocumentNumber = number(b[0:9], b[9], b[28:35])
	z.Checks.Composite = checkOK(b[0:10]+b[13:20]+b[21:35], b[35])
	return z
}

func parseTD1(l []string) Zone {
	a, b, c := l[0], l[1], l[2]
	z := Zone{Format: TD1}
	z.DocumentCode = trim(a[0:2])
	z.IssuingState = trim(a[2:5])
	var opt1 string
	z.DocumentNumber, opt1, z.Checks.DocumentNumber = number(a[5:14], a[14], a[15:30])
	z.BirthDate = b[0:6]
	z.Checks.BirthDate = checkOK(b[0:6], b[6])
	z.Sex = sex(b[7])
	z.ExpiryDate = b[8:14]
	z.Checks.ExpiryDate = checkOK(b[8:14], b[14])
	z.Nationality = trim(b[15:18])
	z.OptionalData = join(opt1, trim(b[18:29]))
	z.Checks.Composite = checkOK(a[5:30]+b[0:7]+b[8:15]+b[18:29], b[29])
	z.Surname, z.GivenNames = names(c)
	return z
}

// number reads a document number field and its check digit on TD1 and TD2,
// following the overflow rule: a number longer than 9 characters has its
// first 9 in the field, '<' in the check-digit position, and the rest
// followed by the check digit (over the whole number) at the start of the
// optional data, ended by '<'. It returns the number, the optional data
// left after any overflow (trimmed), and whether the check digit holds.
func number(field string, check byte, optional string) (string, string, bool) {
	if check != '<' || strings.HasSuffix(field, "<") {
		return clean(field), trim(optional), checkOK(field, check)
	}
	end := strings.IndexByte(optional, '<')
	if end < 0 {
		end = len(optional)
	}
	if end < 2 {
		// '<' in the check position but no overflow: the check fails.
		return clean(field), trim(optional), false
	}
	full := field + optional[:end-1]
	rest := ""
	if end < len(optional) {
		rest = optional[end+1:] // after the filler that ends the overflow
	}
	return clean(full), trim(rest), checkOK(full, optional[end-1])
}

// CheckDigit returns the ICAO 9303 check digit of s (weights 7, 3, 1
// repeating; '<' counts 0, A-Z 10-35). Characters outside the zone alphabet
// count 0.
func CheckDigit(s string) byte {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		sum += value(s[i]) * weights[i%3]
	}
	return byte('0' + sum%10)
}

func value(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 0
}

func checkOK(s string, digit byte) bool { return CheckDigit(s) == digit }

func trim(s string) string { return strings.TrimRight(s, "<") }

func clean(s string) string { return strings.ReplaceAll(s, "<", "") }

func join(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

func sex(c byte) string {
	if c == '<' {
		return "X"
	}
	return string(c)
}

// names splits a name field at the first "<<" into surname and given names,
// reading '<' as a space.
func names(field string) (string, string) {
	field = trim(field)
	sur, given, _ := strings.Cut(field, "<<")
	return spaces(sur), spaces(given)
}

func spaces(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '<' }), " ")
}

// notZone returns the Invalid error for text that is no zone. It names no
// field: the message itself starts with "no machine-readable zone".
func notZone(format string, a ...any) error {
	return errs.E(op, errs.Invalid, "no machine-readable zone: "+fmt.Sprintf(format, a...))
}
