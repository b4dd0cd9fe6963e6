package screen

import (
	"strings"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/screen/mrz"
)

// fromMRZ returns the issuing country (alpha-2, or "" when the zone's
// issuing state is no member country: the number is then checked alone)
// and the document number of a machine-readable zone whose every check
// digit holds. It returns an errs.Invalid error naming field+"mrz" for
// text that is no zone, or a zone with a failing check digit.
func fromMRZ(op, field, text string) (cc, number string, err error) {
	z, err := mrz.Parse(text)
	if err != nil {
		return "", "", errs.Invalidf(op, field+"mrz", "%s", errs.Message(err))
	}
	if !z.Valid {
		var bad []string
		c := z.Checks
		for _, f := range []struct {
			name string
			ok   bool
		}{{"document number", c.DocumentNumber}, {"birth date", c.BirthDate}, {"expiry date", c.ExpiryDate},
			{"personal number", c.PersonalNumber == nil || *c.PersonalNumber}, {"composite", c.Composite}} {
			if !f.ok {
				bad = append(bad, f.name)
			}
		}
		return "", "", errs.Invalidf(op, field+"mrz", "the zone's check digits fail (%s): re-read or re-type the zone", strings.Join(bad, ", "))
	}
	if z.DocumentNumber == "" {
		return "", "", errs.Invalidf(op, field+"mrz", "the zone carries no document number")
	}
	return member.ICAOState(z.IssuingState), z.DocumentNumber, nil
}
