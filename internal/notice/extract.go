package notice

import (
	"slices"
	"strconv"
	"time"

	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
)

// PublicExtract is what anyone may read of a published notice whose owner
// agreed to a public extract: only the fields it agreed to.
type PublicExtract struct {
	ID            string      `json:"id"`
	Type          Type        `json:"type"`
	Owner         string      `json:"owner" doc:"the requesting country"`
	Names         []string    `json:"names,omitempty"`
	BirthDate     person.Date `json:"birth_date,omitempty"`
	Sex           person.Sex  `json:"sex,omitempty"`
	Nationalities []string    `json:"nationalities,omitempty"`
	Photo         string      `json:"photo,omitempty" doc:"SHA-256 of the photo, served at /public/notices/{id}/photo"`
	Offence       string      `json:"offence,omitempty"`
	PublishedAt   time.Time   `json:"published_at"`

	NameKey   string `json:"-"` // folded names, for search
	BirthYear int    `json:"-"` // 0 when not published
}

// PublicFilter selects public extracts. Empty fields select all.
type PublicFilter struct {
	Name        string // folded; part of a name
	Nationality string
	Sex         person.Sex
	MinYear     int // born in or after (from a maximum age)
	MaxYear     int // born in or before (from a minimum age)
	Limit       int
}

// AgeFilter turns an age range into birth years in f, as of now. An age of
// -1 means unbounded.
func (f *PublicFilter) AgeFilter(minAge, maxAge int, now time.Time) {
	if minAge >= 0 {
		f.MaxYear = now.Year() - minAge
	}
	if maxAge >= 0 {
		f.MinYear = now.Year() - maxAge - 1
	}
}

// validate checks the owner's agreement to a public extract: known fields,
// and only on notices without restrictions, at classification public and
// handling H0 (the public page has no login, so a country the owner
// excluded could read a restricted extract).
func (e *Extract) validate(t Type, r policy.Restrictions, h policy.Handling, c identity.Classification) error {
	const op = "notice.Extract.validate"
	for _, f := range e.Fields {
		if !slices.Contains(ExtractFields, f) {
			return invalid(op, "public_extract.fields", ProblemExtractField, "%q is not a field of public extracts", f)
		}
	}
	open := r.IsZero() && c == identity.Public && (h == "" || h == policy.H0)
	if t == UNSpecial {
		if !open {
			return invalid(op, "restrictions", ProblemUNPublic, "UN Security Council Special notices are public: they take no restrictions, handling code or classification")
		}
		e.Agreed = true
		if len(e.Fields) == 0 {
			e.Fields = []string{"names", "birth_date", "sex", "nationalities", "photo"}
		}
		return nil
	}
	if e.Agreed && !open {
		return invalid(op, "public_extract.agreed", ProblemExtractClosed, "a public extract is possible only for notices without access restrictions, with classification public and handling H0")
	}
	if e.Agreed && len(e.Fields) == 0 {
		return invalid(op, "public_extract.fields", ProblemExtractFields, "name the fields the public extract may show")
	}
	if !e.Agreed {
		e.Fields = nil
	}
	return nil
}

// Public returns the public extract of n, or nil when n has none: it must
// be published, agreed by the owner, unrestricted, public and H0.
func (n Notice) Public() *PublicExtract {
	if n.Status != Published || !n.Extract.Agreed || !n.Restrictions.IsZero() || n.Classification != identity.Public ||
		(n.Handling != "" && n.Handling != policy.H0) {
		return nil
	}
	x := &PublicExtract{ID: n.ID, Type: n.Type, Owner: n.Owner, PublishedAt: n.PublishedAt}
	has := func(f string) bool { return slices.Contains(n.Extract.Fields, f) }
	if p := n.Person; p != nil {
		if has("names") {
			for _, nm := range p.Names {
				x.Names = append(x.Names, nm.Full)
				x.NameKey += "|" + Fold(nm.Full)
			}
			x.NameKey += "|"
		}
		if has("birth_date") && len(p.BirthDates) > 0 {
			x.BirthDate = p.BirthDates[0]
			x.BirthYear, _ = strconv.Atoi(string(p.BirthDates[0])[:4])
		}
		if has("sex") {
			x.Sex = p.Sex
		}
		if has("nationalities") {
			x.Nationalities = p.Nationalities
		}
		if has("photo") && len(p.Photos) > 0 {
			x.Photo = p.Photos[0].SHA256
		}
	}
	if has("offence") {
		x.Offence = n.Offence
	}
	return x
}
