package screen

import "github.com/polex-org/polex/internal/errs"

// fromMRZ returns the issuing country and document number of a zone.
func fromMRZ(op, field, text string) (cc, number string, err error) {
	return "", "", errs.Invalidf(op, field+"mrz", "machine-readable zones are not read yet")
}
