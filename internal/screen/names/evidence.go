package names

import (
	"strconv"
	"strings"
)

// Evidence is what is known about a person besides the name. Every field is
// optional; an empty field neither helps nor hurts.
type Evidence struct {
	BirthDate   string // "YYYY", "YYYY-MM" or "YYYY-MM-DD"
	Nationality string // ISO 3166-1 alpha-2 (other forms compare as plain text)
	Sex         string // "M", "F" or "U"
}

// date is a parsed partial date; zero parts are unknown.
type date struct{ y, m, d int }

// parseDate reads "YYYY", "YYYY-MM" or "YYYY-MM-DD" (also with / or .);
// ok is false for anything else.
func parseDate(s string) (date, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return date{}, false
	}
	f := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '/' || r == '.' })
	if len(f) == 0 || len(f) > 3 || len(f[0]) != 4 {
		return date{}, false
	}
	var dt date
	var err error
	if dt.y, err = strconv.Atoi(f[0]); err != nil {
		return date{}, false
	}
	if len(f) > 1 {
		if dt.m, err = strconv.Atoi(f[1]); err != nil || dt.m < 1 || dt.m > 12 {
			return date{}, false
		}
	}
	if len(f) > 2 {
		if dt.d, err = strconv.Atoi(f[2]); err != nil || dt.d < 1 || dt.d > 31 {
			return date{}, false
		}
	}
	return dt, true
}

// Evidence effects on the name score, as factors: agreement moves the score
// part of the way towards 1, disagreement multiplies it down.
const (
	dobFullAgree    = 0.25 // same full date
	dobPartialAgree = 0.10 // compatible (same year, unknown or equal month/day)
	dobSwapped      = 0.05 // day and month swapped
	dobNear         = 0.97 // years one apart: a common clerical error
	dobDisagree     = 0.85 // clearly different
	natAgree        = 0.05
	natDisagree     = 0.95
	sexDisagree     = 0.85
)

// compareDates says how two birth dates relate and the factor it applies.
func compareDates(a, b date) (how string, towards, factor float64) {
	switch {
	case a.y == b.y && a.m == b.m && a.d == b.d && a.d != 0:
		return "agree", dobFullAgree, 1
	case a.y == b.y && a.m != 0 && b.m != 0 && a.d != 0 && b.d != 0 && a.m == b.d && a.d == b.m:
		return "day-month-swapped", dobSwapped, 1
	case a.y == b.y && (a.m == 0 || b.m == 0 || (a.m == b.m && (a.d == 0 || b.d == 0))):
		return "partial-agree", dobPartialAgree, 1
	case a.y == b.y:
		return "same-year", 0, 0.95
	case a.y-b.y == 1 || b.y-a.y == 1:
		return "year-off-by-one", 0, dobNear
	default:
		return "disagree", 0, dobDisagree
	}
}

// applyEvid adjusts a name score with birth date, nationality and sex.
// Evidence never lifts a score from zero: it weighs names that already
// resemble each other.
func applyEvid(score float64, reasons []Reason, ea, eb evid, explain bool) (float64, []Reason) {
	if score <= 0 {
		return score, reasons
	}
	adjust := func(kind, how string, towards, factor float64) {
		before := score
		score = score + (1-score)*towards
		score *= factor
		if explain {
			reasons = append(reasons, Reason{Kind: kind, How: how, Weight: math4(score - before)})
		}
	}
	if ea.dob.y != 0 && eb.dob.y != 0 {
		how, t, f := compareDates(ea.dob, eb.dob)
		adjust("birth_date", how, t, f)
	}
	if ea.nat != "" && eb.nat != "" && len(ea.nat) == len(eb.nat) {
		if ea.nat == eb.nat {
			adjust("nationality", "agree", natAgree, 1)
		} else {
			adjust("nationality", "disagree", 0, natDisagree)
		}
	}
	if (ea.sex == 'M' || ea.sex == 'F') && (eb.sex == 'M' || eb.sex == 'F') && ea.sex != eb.sex {
		adjust("sex", "disagree", 0, sexDisagree)
	}
	return score, reasons
}

// math4 rounds to four decimals for explanations.
func math4(x float64) float64 {
	return float64(int64(x*10000+copysignHalf(x))) / 10000
}

func copysignHalf(x float64) float64 {
	if x < 0 {
		return -0.5
	}
	return 0.5
}

// sexCode reads "M", "F", "male", "female" (any case) as M or F.
func sexCode(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return ""
	}
	return s[:1]
}
