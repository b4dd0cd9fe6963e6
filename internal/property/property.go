// Package property is the stolen-property databases — travel documents,
// motor vehicles and works of art — and the persons database, with bulk
// loading from national systems.
//
// Every record is a Record[T]: the record.Meta envelope (owner, the
// owner's reference, restrictions, handling code, grading, review date,
// version) and the content T (TravelDocument, Vehicle, Artwork or
// person.Person). A Table[T] is the service of one record type: it asks the
// policy and writes the audit log (record.Authorize) around a Store, the
// small storage contract defined here and implemented by store/sqldb.
//
// Bulk loading (Import) streams JSON Lines or CSV, validates each line,
// and upserts batches of rows keyed by (owner, ref) in one transaction each,
// so a batch that was acknowledged is committed and re-running an import
// completes it without duplicates.
package property

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
)

// The record kinds of this package; they are policy kinds.
const (
	KindDocument = policy.KindDocument
	KindVehicle  = policy.KindVehicle
	KindArtwork  = policy.KindArtwork
	KindPerson   = policy.KindPerson
)

// Kinds lists the kinds in a stable order.
var Kinds = []string{KindDocument, KindVehicle, KindArtwork, KindPerson}

// Plural returns the plural used in paths and commands ("documents") of a
// kind, or "" for an unknown kind.
func Plural(kind string) string {
	switch kind {
	case KindDocument, KindVehicle, KindArtwork, KindPerson:
		return kind + "s"
	}
	return ""
}

// KindOf returns the kind of a plural ("documents" → "document"), or an
// errs.Invalid error naming "kind".
func KindOf(plural string) (string, error) {
	for _, k := range Kinds {
		if plural == k+"s" || plural == k {
			return k, nil
		}
	}
	return "", errs.Invalidf("property.KindOf", "kind", "kind must be documents, vehicles, artworks or persons, not %q", plural)
}

// DocumentTypes are the travel-document types.
var DocumentTypes = []string{"passport", "id-card", "visa", "residence-permit", "travel-document", "other"}

// DocumentStatuses are the travel-document statuses.
var DocumentStatuses = []string{"stolen", "lost", "revoked", "stolen-blank"}

// TravelDocument is a stolen, lost or revoked travel document, or a stolen blank.
// Only its issuing country may enter it.
type TravelDocument struct {
	Type           string `json:"type" enum:"passport,id-card,visa,residence-permit,travel-document,other"`
	Number         string `json:"number" minLength:"1" maxLength:"40" doc:"normalised to upper case without spaces"`
	IssuingCountry string `json:"issuing_country" minLength:"2" maxLength:"2" doc:"ISO 3166-1 alpha-2; must be the owner"`
	Status         string `json:"status" enum:"stolen,lost,revoked,stolen-blank"`
	EventDate      string `json:"event_date,omitempty" doc:"when it was stolen or lost, YYYY-MM-DD"`
	IssueDate      string `json:"issue_date,omitempty" doc:"YYYY-MM-DD"`
	ExpiryDate     string `json:"expiry_date,omitempty" doc:"YYYY-MM-DD"`
}

// Normalize upper-cases codes and removes spaces from the number.
func (d *TravelDocument) Normalize() {
	d.Type = strings.ToLower(strings.TrimSpace(d.Type))
	d.Number = NormalizeNumber(d.Number)
	d.IssuingCountry = strings.ToUpper(strings.TrimSpace(d.IssuingCountry))
	d.Status = strings.ToLower(strings.TrimSpace(d.Status))
	d.EventDate, d.IssueDate, d.ExpiryDate = strings.TrimSpace(d.EventDate), strings.TrimSpace(d.IssueDate), strings.TrimSpace(d.ExpiryDate)
}

// NormalizeNumber returns a document number or plate in upper case without
// spaces.
func NormalizeNumber(s string) string {
	if isCleanUpper(s) {
		return s
	}
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s))
}

func isCleanUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Validate returns an errs.Invalid error naming the first field at fault.
// owner is the country entering the document: it must be the issuing
// country.
func (d *TravelDocument) Validate(owner string) error {
	const op = "property.TravelDocument.Validate"
	if !oneOf(d.Type, DocumentTypes) {
		return errs.Invalidf(op, "type", "type must be one of %s", strings.Join(DocumentTypes, ", "))
	}
	if d.Number == "" || len(d.Number) > 40 || !alnum(d.Number) {
		return errs.Invalidf(op, "number", "a document number is 1 to 40 letters A-Z and digits")
	}
	if !alpha2(d.IssuingCountry) {
		return errs.Invalidf(op, "issuing_country", "issuing_country must be an ISO 3166-1 alpha-2 code")
	}
	if d.IssuingCountry != owner {
		return errs.Invalidf(op, "issuing_country", "only the issuing country may add its documents: issuing_country %s is not the owner %s", d.IssuingCountry, owner)
	}
	if !oneOf(d.Status, DocumentStatuses) {
		return errs.Invalidf(op, "status", "status must be one of %s", strings.Join(DocumentStatuses, ", "))
	}
	for _, f := range []struct{ name, v string }{{"event_date", d.EventDate}, {"issue_date", d.IssueDate}, {"expiry_date", d.ExpiryDate}} {
		if err := checkDate(op, f.name, f.v); err != nil {
			return err
		}
	}
	if d.IssueDate != "" && d.ExpiryDate != "" && d.ExpiryDate < d.IssueDate {
		return errs.Invalidf(op, "expiry_date", "the expiry date is before the issue date")
	}
	return nil
}

// Keys returns the document's search keys: number, issuing country, type.
func (d *TravelDocument) Keys() Keys { return Keys{d.Number, d.IssuingCountry, d.Type} }

// Vehicle is a stolen motor vehicle.
type Vehicle struct {
	VIN          string `json:"vin,omitempty" maxLength:"17" doc:"ISO 3779; checked, including the North American check digit"`
	Plate        string `json:"plate,omitempty" maxLength:"20"`
	PlateCountry string `json:"plate_country,omitempty" doc:"ISO 3166-1 alpha-2"`
	Make         string `json:"make,omitempty" maxLength:"100"`
	Model        string `json:"model,omitempty" maxLength:"100"`
	Colour       string `json:"colour,omitempty" maxLength:"50"`
	Year         int    `json:"year,omitempty" doc:"model year"`
	EventDate    string `json:"event_date,omitempty" doc:"when it was stolen, YYYY-MM-DD"`
}

// Normalize upper-cases the VIN, plate and country.
func (v *Vehicle) Normalize() {
	v.VIN = NormalizeNumber(v.VIN)
	v.Plate = NormalizeNumber(v.Plate)
	v.PlateCountry = strings.ToUpper(strings.TrimSpace(v.PlateCountry))
	v.Make, v.Model, v.Colour = strings.TrimSpace(v.Make), strings.TrimSpace(v.Model), strings.TrimSpace(v.Colour)
	v.EventDate = strings.TrimSpace(v.EventDate)
}

// Validate returns an errs.Invalid error naming the first field at fault.
func (v *Vehicle) Validate(string) error {
	const op = "property.Vehicle.Validate"
	if v.VIN == "" && v.Plate == "" {
		return errs.Invalidf(op, "vin", "give the VIN or the plate")
	}
	if v.VIN != "" {
		if err := CheckVIN("vin", v.VIN); err != nil {
			return err
		}
	}
	if len(v.Plate) > 20 || !printable(v.Plate) {
		return errs.Invalidf(op, "plate", "a plate is at most 20 printable characters")
	}
	if v.PlateCountry != "" && !alpha2(v.PlateCountry) {
		return errs.Invalidf(op, "plate_country", "plate_country must be an ISO 3166-1 alpha-2 code")
	}
	for _, f := range []struct {
		name string
		v    string
		max  int
	}{{"make", v.Make, 100}, {"model", v.Model, 100}, {"colour", v.Colour, 50}} {
		if utf8.RuneCountInString(f.v) > f.max || !printable(f.v) {
			return errs.Invalidf(op, f.name, "%s is at most %d printable characters", f.name, f.max)
		}
	}
	if v.Year != 0 && (v.Year < 1885 || v.Year > time.Now().Year()+2) {
		return errs.Invalidf(op, "year", "year must be between 1885 and %d", time.Now().Year()+2)
	}
	return checkDate(op, "event_date", v.EventDate)
}

// Keys returns the vehicle's search keys: VIN, plate, plate country.
func (v *Vehicle) Keys() Keys { return Keys{v.VIN, PlateKey(v.Plate), v.PlateCountry} }

// PlateKey returns the search key of a plate: upper case without spaces,
// dashes, dots or middle dots, which countries and witnesses write
// differently ("AB-123-CD", "ab 123 cd").
func PlateKey(plate string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '.', '·', ' ', '\t':
			return -1
		}
		return r
	}, NormalizeNumber(plate))
}

// Artwork categories.
var ArtworkCategories = []string{"painting", "sculpture", "drawing", "print", "photograph", "manuscript", "book",
	"coin", "jewellery", "furniture", "textile", "ceramic", "archaeological", "religious", "musical-instrument", "other"}

// Artwork is a stolen work of art. It holds no personal data.
type Artwork struct {
	Category    string  `json:"category" enum:"painting,sculpture,drawing,print,photograph,manuscript,book,coin,jewellery,furniture,textile,ceramic,archaeological,religious,musical-instrument,other"`
	Title       string  `json:"title" minLength:"1" maxLength:"300"`
	Artist      string  `json:"artist,omitempty" maxLength:"200"`
	Period      string  `json:"period,omitempty" maxLength:"100"`
	Materials   string  `json:"materials,omitempty" maxLength:"300"`
	Dimensions  string  `json:"dimensions,omitempty" maxLength:"100"`
	Description string  `json:"description,omitempty" maxLength:"4000"`
	Images      []Image `json:"images,omitempty" maxItems:"20" doc:"uploaded with the image operation"`
}

// Image is a stored picture, named by the SHA-256 of its bytes.
type Image struct {
	SHA256      string `json:"sha256" doc:"hex SHA-256 of the image"`
	ContentType string `json:"content_type" enum:"image/jpeg,image/png"`
	Size        int64  `json:"size"`
}

// Normalize trims the text fields.
func (a *Artwork) Normalize() {
	a.Category = strings.ToLower(strings.TrimSpace(a.Category))
	for _, p := range []*string{&a.Title, &a.Artist, &a.Period, &a.Materials, &a.Dimensions, &a.Description} {
		*p = strings.TrimSpace(*p)
	}
}

// Validate returns an errs.Invalid error naming the first field at fault.
func (a *Artwork) Validate(string) error {
	const op = "property.Artwork.Validate"
	if !oneOf(a.Category, ArtworkCategories) {
		return errs.Invalidf(op, "category", "category must be one of %s", strings.Join(ArtworkCategories, ", "))
	}
	if a.Title == "" {
		return errs.Invalidf(op, "title", "a title is required (use \"untitled\" when it has none)")
	}
	for _, f := range []struct {
		name string
		v    string
		max  int
	}{{"title", a.Title, 300}, {"artist", a.Artist, 200}, {"period", a.Period, 100}, {"materials", a.Materials, 300},
		{"dimensions", a.Dimensions, 100}} {
		if utf8.RuneCountInString(f.v) > f.max || !printable(f.v) {
			return errs.Invalidf(op, f.name, "%s is at most %d printable characters", f.name, f.max)
		}
	}
	if utf8.RuneCountInString(a.Description) > 4000 || !utf8.ValidString(a.Description) {
		return errs.Invalidf(op, "description", "description is at most 4000 characters")
	}
	if len(a.Images) > MaxImages {
		return errs.Invalidf(op, "images", "at most %d images", MaxImages)
	}
	for _, im := range a.Images {
		if len(im.SHA256) != 64 || (im.ContentType != "image/jpeg" && im.ContentType != "image/png") {
			return errs.Invalidf(op, "images", "images are added with the image upload operation")
		}
	}
	return nil
}

// Keys returns the artwork's search keys: its folded text and category.
func (a *Artwork) Keys() Keys {
	return Keys{K1: Fold(strings.Join([]string{a.Title, a.Artist, a.Period, a.Materials, a.Description}, " ")), K2: a.Category}
}

// MaxImages is the most images an artwork holds.
const MaxImages = 20

// personKeys returns a person's search keys: its folded names between
// bars ("|muammar kaddafi|муаммар каддафи|"), first birth date, first
// nationality.
func personKeys(p *person.Person) Keys {
	var b strings.Builder
	b.WriteByte('|')
	for _, n := range p.Names {
		b.WriteString(Fold(n.Full))
		b.WriteByte('|')
	}
	k := Keys{K1: b.String()}
	if len(p.BirthDates) > 0 {
		k.K2 = string(p.BirthDates[0])
	}
	if len(p.Nationalities) > 0 {
		k.K3 = p.Nationalities[0]
	}
	return k
}

// Fold returns s for matching: lower case, without diacritics, with runs
// of spaces and punctuation made one space.
func Fold(s string) string {
	s = norm.NFD.String(s)
	var b strings.Builder
	space := true
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
			space = false
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
		}
	}
	return strings.TrimSuffix(b.String(), " ")
}

// Keys are a record's search keys, stored in indexed columns.
type Keys struct{ K1, K2, K3 string }

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func alpha2(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// checkDate checks an optional YYYY-MM-DD date.
func checkDate(op, field, s string) error {
	if s == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return errs.Invalidf(op, field, "%s must be a date YYYY-MM-DD", field)
	}
	return nil
}
