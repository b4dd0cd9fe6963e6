package mrz

import (
	"strings"

	"github.com/polex-org/polex/internal/errs"
)

// Encode builds the text of a zone (lines joined by "\n") from z's Format
// and data fields, computing every check digit; Valid and Checks are
// ignored. It is the inverse of Parse: Parse(Encode(z)) returns z with every
// check true. Fields that do not fit the format or could not be read back
// as given (wrong characters, too long, trailing fillers, names with
// leading, trailing or doubled spaces) return an errs.Invalid error naming
// the field. On TD1, a space in OptionalData separates the element of line
// 1 from that of line 2. Document numbers longer than 9 characters use the
// overflow rule on TD1 and TD2.
func Encode(z Zone) (string, error) {
	const op = "mrz.Encode"
	var width int
	switch z.Format {
	case TD1:
		width = 30
	case TD2:
		width = 36
	case TD3:
		width = 44
	default:
		return "", errs.Invalidf(op, "format", "unknown format %q: want TD1, TD2 or TD3", z.Format)
	}
	if err := code(op, "document_code", z.DocumentCode, 1, 2); err != nil {
		return "", err
	}
	if z.DocumentCode[0] == 'V' {
		return "", errs.Invalidf(op, "document_code", "visa zones are not supported")
	}
	for _, f := range []struct{ name, v string }{{"issuing_state", z.IssuingState}, {"nationality", z.Nationality}} {
		if err := code(op, f.name, f.v, 1, 3); err != nil {
			return "", err
		}
	}
	for _, f := range []struct{ name, v string }{{"birth_date", z.BirthDate}, {"expiry_date", z.ExpiryDate}} {
		if len(f.v) != 6 || strings.Trim(f.v, "0123456789<") != "" {
			return "", errs.Invalidf(op, f.name, "want 6 characters of 0-9 or '<', got %q", f.v)
		}
	}
	var sexc string
	switch z.Sex {
	case "M", "F":
		sexc = z.Sex
	case "X":
		sexc = "<"
	default:
		return "", errs.Invalidf(op, "sex", "want M, F or X, got %q", z.Sex)
	}
	num := z.DocumentNumber
	if num == "" || strings.Trim(num, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
		return "", errs.Invalidf(op, "document_number", "want 1 or more characters of A-Z and 0-9, got %q", num)
	}
	nameWidth := width - 5
	if z.Format == TD1 {
		nameWidth = 30
	}
	name, err := nameField(op, z.Surname, z.GivenNames, nameWidth)
	if err != nil {
		return "", err
	}
	line1 := pad(z.DocumentCode, 2) + pad(z.IssuingState, 3)
	dates := z.BirthDate + string(CheckDigit(z.BirthDate)) + sexc + z.ExpiryDate + string(CheckDigit(z.ExpiryDate))

	if z.Format == TD3 {
		if len(num) > 9 {
			return "", errs.Invalidf(op, "document_number", "a TD3 document number has at most 9 characters, got %d", len(num))
		}
		if err := optional(op, z.OptionalData, 14); err != nil {
			return "", err
		}
		docf := pad(num, 9)
		pn := pad(z.OptionalData, 14)
		pnc := "<"
		if z.OptionalData != "" {
			pnc = string(CheckDigit(pn))
		}
		body := docf + string(CheckDigit(docf)) + pad(z.Nationality, 3) + dates + pn + pnc
		comp := CheckDigit(body[0:10] + body[13:20] + body[21:43])
		return line1 + name + "\n" + body + string(comp), nil
	}

	opt1, opt2 := z.OptionalData, ""
	optWidth := 7
	if z.Format == TD1 {
		optWidth = 15
		if a, b, ok := strings.Cut(z.OptionalData, " "); ok {
			if a == "" || b == "" {
				return "", errs.Invalidf(op, "optional_data", "a space separates two non-empty elements, got %q", z.OptionalData)
			}
			opt1, opt2 = a, b
		}
		if err := optional(op, opt2, 11); err != nil {
			return "", err
		}
	}
	var docf, docc, optf string
	if len(num) <= 9 {
		docf, optf = pad(num, 9), opt1
		docc = string(CheckDigit(docf))
	} else {
		over := num[9:] + string(CheckDigit(num))
		docf, docc = num[:9], "<"
		if opt1 != "" {
			over += "<"
		}
		optf = over + opt1
	}
	if err := optional(op, optf, optWidth); err != nil {
		return "", err
	}
	if z.Format == TD2 {
		body := docf + docc + pad(z.Nationality, 3) + dates + pad(optf, 7)
		comp := CheckDigit(body[0:10] + body[13:20] + body[21:35])
		return line1 + name + "\n" + body + string(comp), nil
	}
	line1 += docf + docc + pad(optf, 15)
	line2 := dates + pad(z.Nationality, 3) + pad(opt2, 11)
	comp := CheckDigit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
	return line1 + "\n" + line2 + string(comp) + "\n" + name, nil
}

func pad(s string, n int) string { return s + strings.Repeat("<", n-len(s)) }

func code(op, field, v string, min, max int) error {
	if len(v) < min || len(v) > max || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return errs.Invalidf(op, field, "want %d to %d letters A-Z, got %q", min, max, v)
	}
	return nil
}

func optional(op, v string, max int) error {
	if len(v) > max || strings.Trim(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<") != "" || strings.HasSuffix(v, "<") {
		return errs.Invalidf(op, "optional_data", "want at most %d characters of A-Z, 0-9 and '<', not ending in '<', got %q", max, v)
	}
	return nil
}

func nameField(op, surname, given string, width int) (string, error) {
	for _, f := range []struct{ name, v string }{{"surname", surname}, {"given_names", given}} {
		if f.v != spaces(strings.ReplaceAll(f.v, " ", "<")) || strings.Trim(f.v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ ") != "" {
			return "", errs.Invalidf(op, f.name, "want words of A-Z separated by single spaces, got %q", f.v)
		}
	}
	if surname == "" && given == "" {
		return "", errs.Invalidf(op, "surname", "a zone needs a name")
	}
	s := strings.ReplaceAll(surname, " ", "<")
	if given != "" {
		s += "<<" + strings.ReplaceAll(given, " ", "<")
	}
	if len(s) > width {
		return "", errs.Invalidf(op, "surname", "the name takes %d characters; the field has %d", len(s), width)
	}
	return pad(s, width), nil
}
