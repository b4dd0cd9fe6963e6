package property

import (
	"fmt"

	"github.com/polex-org/polex/internal/errs"
)

// VINLen is the length of an ISO 3779 vehicle identification number.
const VINLen = 17

// vinWeights are the weights of the North American check digit, position 1
// to 17; position 9 (the check digit itself) weighs 0.
var vinWeights = [VINLen]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}

// vinValue is the standard transliteration of a VIN character: digits are
// themselves, letters A–Z (without I, O, Q) map to 1–9 in three runs.
// It returns -1 for a character that a VIN may not hold.
func vinValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'H':
		return int(c-'A') + 1
	case c >= 'J' && c <= 'N':
		return int(c-'J') + 1
	case c == 'P':
		return 7
	case c == 'R':
		return 9
	case c >= 'S' && c <= 'Z':
		return int(c-'S') + 2
	}
	return -1 // I, O, Q and everything else
}

// VINCheckDigit returns the North American check digit ('0'–'9' or 'X')
// of a 17-character VIN whose characters are all valid; position 9 is
// ignored. ok is false when vin is not 17 valid characters.
func VINCheckDigit(vin string) (digit byte, ok bool) {
	if len(vin) != VINLen {
		return 0, false
	}
	sum := 0
	for i := 0; i < VINLen; i++ {
		v := vinValue(vin[i])
		if v < 0 {
			return 0, false
		}
		sum += v * vinWeights[i]
	}
	r := sum % 11
	if r == 10 {
		return 'X', true
	}
	return byte('0' + r), true
}

// NorthAmerican reports whether the VIN's world manufacturer identifier
// names a North American maker (first character 1 to 5), whose VINs carry
// a check digit in position 9.
func NorthAmerican(vin string) bool { return len(vin) > 0 && vin[0] >= '1' && vin[0] <= '5' }

// CheckVIN returns an errs.Invalid error naming field when vin (already
// upper-case) is not a valid ISO 3779 VIN: 17 characters from 0–9 and A–Z
// except I, O and Q, and, for North American vehicles, the check digit in
// position 9.
func CheckVIN(field, vin string) error {
	const op = "property.CheckVIN"
	if len(vin) != VINLen {
		return errs.Invalidf(op, field, "a VIN has %d characters, not %d", VINLen, len(vin))
	}
	for i := 0; i < VINLen; i++ {
		if c := vin[i]; vinValue(c) < 0 {
			if c == 'I' || c == 'O' || c == 'Q' {
				return errs.Invalidf(op, field, "a VIN may not contain I, O or Q (position %d)", i+1)
			}
			return errs.Invalidf(op, field, "a VIN holds only digits and letters (position %d)", i+1)
		}
	}
	if NorthAmerican(vin) {
		want, _ := VINCheckDigit(vin)
		if vin[8] != want {
			return errs.Invalidf(op, field, "%s", fmt.Sprintf("wrong check digit in position 9: %c, expected %c", vin[8], want))
		}
	}
	return nil
}
