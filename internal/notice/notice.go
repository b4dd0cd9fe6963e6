// Package notice is the notices of Polex: the eight types with their
// required fields, the lifecycle from draft to publication, refusal,
// cancellation or expiry, automated checks, versions and public extracts.
//
// A notice is owned by the country that drafted it. Until it is published
// it is visible only to that country (and, through policy.ActionReview, to
// the General Secretariat's reviewers while it awaits review): the service
// builds its policy.Resource with the owner alone on the allow list. Once
// published, it follows the owner's own restrictions. An update of a
// published notice is held as a pending revision that is reviewed again;
// the published version stays visible, unchanged, meanwhile.
package notice

import (
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
)

// Type is the colour (or kind) of a notice.
type Type string

// The notice types.
const (
	Red       Type = "red"        // wanted for prosecution or to serve a sentence
	Yellow    Type = "yellow"     // missing person
	Blue      Type = "blue"       // information on identity, location or activities
	Black     Type = "black"      // unidentified body
	Green     Type = "green"      // warning on criminal activities
	Orange    Type = "orange"     // serious and imminent threat
	Purple    Type = "purple"     // modus operandi, objects, devices
	UNSpecial Type = "un-special" // UN Security Council sanctions
)

// Types lists every type in a stable order.
var Types = []Type{Red, Yellow, Blue, Black, Green, Orange, Purple, UNSpecial}

// Valid reports whether t is a known type.
func (t Type) Valid() bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// HasPerson reports whether notices of type t describe a person (all but
// Purple).
func (t Type) HasPerson() bool { return t != Purple }

// Status is where a notice is in its lifecycle.
type Status string

// The statuses. Submitted means "in the reviewers' queue": the automated
// checks ran at submission and a gs-reviewer publishes or refuses it.
const (
	Draft     Status = "draft"
	Submitted Status = "submitted"
	Published Status = "published"
	Refused   Status = "refused"
	Cancelled Status = "cancelled"
	Expired   Status = "expired"
)

// Statuses lists every status.
var Statuses = []Status{Draft, Submitted, Published, Refused, Cancelled, Expired}

// Validity is how long a notice stays valid after publication or renewal.
const Validity = 5 * 365 * 24 * time.Hour

// ReminderBefore is how long before expiry the owner is reminded.
const ReminderBefore = 182 * 24 * time.Hour

// Fields are the type-specific fields of a notice. Each type requires some
// of them (see Required); the others stay empty.
type Fields struct {
	// Red.
	Offence           string `json:"offence,omitempty" maxLength:"2000" doc:"red: the offence charged or convicted of"`
	LegalBasis        string `json:"legal_basis,omitempty" maxLength:"2000" doc:"red: the law that makes it an offence"`
	WarrantRef        string `json:"warrant_ref,omitempty" maxLength:"200" doc:"red: reference of the arrest warrant or judgment"`
	JudicialAuthority string `json:"judicial_authority,omitempty" maxLength:"500" doc:"red: the judicial authority that issued it"`
	Penalty           string `json:"penalty,omitempty" maxLength:"500" doc:"red: the maximum penalty, or the penalty imposed"`
	// Yellow.
	DisappearedOn string `json:"disappeared_on,omitempty" doc:"yellow: date of disappearance, YYYY-MM-DD"`
	DisappearedAt string `json:"disappeared_at,omitempty" maxLength:"500" doc:"yellow: place of disappearance"`
	// Black.
	DiscoveredOn    string `json:"discovered_on,omitempty" doc:"black: date of discovery, YYYY-MM-DD"`
	DiscoveredAt    string `json:"discovered_at,omitempty" maxLength:"500" doc:"black: place of discovery"`
	BodyDescription string `json:"body_description,omitempty" maxLength:"4000" doc:"black: description of the body"`
	// Orange.
	Threat string `json:"threat,omitempty" maxLength:"4000" doc:"orange: the threat"`
	// Purple.
	ModusOperandi string `json:"modus_operandi,omitempty" maxLength:"4000" doc:"purple: the modus operandi, objects, devices or concealment methods"`
	// Blue.
	InformationSought string `json:"information_sought,omitempty" maxLength:"2000" doc:"blue: what information is sought"`
	// Green.
	CriminalActivities string `json:"criminal_activities,omitempty" maxLength:"4000" doc:"green: the person's criminal activities"`
	// UN Security Council Special.
	SanctionsCommittee string `json:"sanctions_committee,omitempty" maxLength:"500" doc:"un-special: the sanctions committee"`
	Resolution         string `json:"resolution,omitempty" maxLength:"200" doc:"un-special: the Security Council resolution reference"`
}

// FieldNames lists the JSON names of every type-specific field, in form
// order.
var FieldNames = []string{"offence", "legal_basis", "warrant_ref", "judicial_authority", "penalty",
	"disappeared_on", "disappeared_at", "discovered_on", "discovered_at", "body_description",
	"threat", "modus_operandi", "information_sought", "criminal_activities", "sanctions_committee", "resolution"}

// Get returns the value of the field named name ("" for an unknown name).
func (f Fields) Get(name string) string {
	if p := f.ptr(name); p != nil {
		return *p
	}
	return ""
}

// Set sets the field named name; it reports false for an unknown name.
func (f *Fields) Set(name, v string) bool {
	p := f.ptr(name)
	if p != nil {
		*p = v
	}
	return p != nil
}

func (f *Fields) ptr(name string) *string {
	switch name {
	case "offence":
		return &f.Offence
	case "legal_basis":
		return &f.LegalBasis
	case "warrant_ref":
		return &f.WarrantRef
	case "judicial_authority":
		return &f.JudicialAuthority
	case "penalty":
		return &f.Penalty
	case "disappeared_on":
		return &f.DisappearedOn
	case "disappeared_at":
		return &f.DisappearedAt
	case "discovered_on":
		return &f.DiscoveredOn
	case "discovered_at":
		return &f.DiscoveredAt
	case "body_description":
		return &f.BodyDescription
	case "threat":
		return &f.Threat
	case "modus_operandi":
		return &f.ModusOperandi
	case "information_sought":
		return &f.InformationSought
	case "criminal_activities":
		return &f.CriminalActivities
	case "sanctions_committee":
		return &f.SanctionsCommittee
	case "resolution":
		return &f.Resolution
	}
	return nil
}

// required lists, per type, the fields that must be filled, in order.
var required = map[Type][]string{
	Red:       {"offence", "legal_basis", "warrant_ref", "judicial_authority", "penalty"},
	Yellow:    {"disappeared_on", "disappeared_at"},
	Black:     {"discovered_on", "discovered_at", "body_description"},
	Orange:    {"threat"},
	Purple:    {"modus_operandi"},
	Blue:      {"information_sought"},
	Green:     {"criminal_activities"},
	UNSpecial: {"sanctions_committee", "resolution"},
}

// Required returns the fields that a notice of type t must fill.
func Required(t Type) []string { return append([]string(nil), required[t]...) }

// Uses reports whether notices of type t carry the field named name.
func Uses(t Type, name string) bool {
	for _, f := range required[t] {
		if f == name {
			return true
		}
	}
	return false
}

// Content is what the owner writes in a notice: its type, the person it
// concerns (none for Purple), a summary of facts and the type's fields.
type Content struct {
	Type   Type           `json:"type" enum:"red,yellow,blue,black,green,orange,purple,un-special"`
	Person *person.Person `json:"person,omitempty" doc:"the person concerned; absent for purple notices"`
	Facts  string         `json:"facts,omitempty" maxLength:"8000" doc:"summary of the facts"`
	Fields
}

// MaxText is the longest free-text field, in characters.
const MaxText = 8000

// Normalize trims the fields and normalises the person.
func (c *Content) Normalize() {
	c.Type = Type(strings.ToLower(strings.TrimSpace(string(c.Type))))
	c.Facts = strings.TrimSpace(c.Facts)
	for _, n := range FieldNames {
		c.Fields.Set(n, strings.TrimSpace(c.Fields.Get(n)))
	}
	if c.Person != nil {
		c.Person.Normalize()
	}
}

// Validate returns an errs.Invalid error naming the first field at fault:
// the type, a required field of the type that is empty, a date that is not
// YYYY-MM-DD or lies in the future, a field the type does not use, or a
// field of the person (person.names[0].full, …). A black notice's person
// may be unnamed: give the name "unknown" or leave names empty.
func (c Content) Validate(now time.Time) error {
	const op = "notice.Content.Validate"
	if !c.Type.Valid() {
		return errs.Invalidf(op, "type", "type must be one of red, yellow, blue, black, green, orange, purple, un-special")
	}
	if utf8.RuneCountInString(c.Facts) > MaxText || !printable(c.Facts) {
		return invalid(op, "facts", ProblemTooLong, "facts must be at most %d characters of text", MaxText)
	}
	for _, n := range FieldNames {
		v := c.Fields.Get(n)
		if v != "" && !Uses(c.Type, n) {
			return errs.Invalidf(op, n, "%s notices have no %s field", c.Type, n)
		}
		if utf8.RuneCountInString(v) > 4000 || !printable(v) {
			return invalid(op, n, ProblemTooLong, "%s must be at most 4000 characters of text", n)
		}
	}
	for _, n := range required[c.Type] {
		v := c.Fields.Get(n)
		if v == "" {
			return invalid(op, n, ProblemRequired, "%s is required for %s notices", n, c.Type)
		}
		if strings.HasSuffix(n, "_on") {
			d, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return invalid(op, n, ProblemNotDate, "%s must be a date YYYY-MM-DD", n)
			}
			if d.After(now) {
				return invalid(op, n, ProblemFuture, "%s cannot be in the future", n)
			}
		}
	}
	switch {
	case !c.Type.HasPerson() && c.Person != nil:
		return errs.Invalidf(op, "person", "purple notices describe a modus operandi, not a person")
	case c.Type.HasPerson() && c.Person == nil:
		return errs.Invalidf(op, "person", "%s notices need the person concerned", c.Type)
	case c.Person != nil:
		p := *c.Person
		if c.Type == Black && len(p.Names) == 0 {
			p.Names = []person.Name{{Full: "unknown"}}
		}
		if err := p.Validate(); err != nil {
			var e *errs.Error
			if errors.As(err, &e) && e.Field != "" {
				return errs.Invalidf(op, "person."+e.Field, "%s", e.Msg)
			}
			return err
		}
	}
	return nil
}

// Subject returns a short description of the notice's subject: the
// person's primary name, "unidentified" for an unnamed body, or the first
// words of the modus operandi.
func (c Content) Subject() string {
	if c.Person != nil {
		if n := c.Person.Primary(); n != "" {
			return n
		}
		return "unidentified"
	}
	s := c.ModusOperandi
	if utf8.RuneCountInString(s) > 60 {
		s = string([]rune(s)[:60]) + "…"
	}
	return s
}

// Finding is one result of the automated checks run at submission.
type Finding struct {
	Code    string `json:"code" doc:"missing, malformed, duplicate, article3, article2"`
	Field   string `json:"field,omitempty" doc:"the field concerned"`
	Message string `json:"message"`
	Ref     string `json:"ref,omitempty" doc:"the other notice, for duplicates"`
}

// Cancellation reasons.
const (
	ReasonArrested  = "arrested"
	ReasonLocated   = "located"
	ReasonWithdrawn = "withdrawn"
)

// Extract is the owner's agreement to a public extract: whether it agreed
// and which fields it agreed to publish (see ExtractFields).
type Extract struct {
	Agreed bool     `json:"agreed" required:"false"`
	Fields []string `json:"fields,omitempty" doc:"names, birth_date, sex, nationalities, photo, offence"`
}

// ExtractFields are the fields a public extract may show.
var ExtractFields = []string{"names", "birth_date", "sex", "nationalities", "photo", "offence"}

// Notice is one notice: its record envelope, content, status and review.
type Notice struct {
	record.Meta
	Content
	Status       Status    `json:"status" enum:"draft,submitted,published,refused,cancelled,expired"`
	Extract      Extract   `json:"public_extract"`
	Findings     []Finding `json:"findings,omitempty" doc:"the automated checks of the last submission"`
	Refusal      []string  `json:"refusal_reasons,omitempty" doc:"why the General Secretariat refused it"`
	SubmittedAt  time.Time `json:"submitted_at,omitzero"`
	PublishedAt  time.Time `json:"published_at,omitzero"`
	Cancelled    string    `json:"cancel_reason,omitempty" doc:"arrested, located or withdrawn"`
	RemindedFor  time.Time `json:"-"` // the ReviewAt the owner was last reminded of
	Pending      *Revision `json:"pending,omitempty" doc:"an update of the published notice awaiting review"`
	PublishedVer int       `json:"published_version,omitempty" doc:"the version that was last published"`
}

// Revision is an update of a published notice, reviewed before it replaces
// the published content.
type Revision struct {
	Content
	Restrictions   policy.Restrictions     `json:"restrictions"`
	Handling       policy.Handling         `json:"handling,omitempty"`
	Classification identity.Classification `json:"classification"`
	Extract        Extract                 `json:"public_extract"`
	Status         Status                  `json:"status" enum:"submitted,refused"`
	Findings       []Finding               `json:"findings,omitempty"`
	Refusal        []string                `json:"refusal_reasons,omitempty"`
	At             time.Time               `json:"at"`
	By             string                  `json:"by"`
}

// Version is one kept version of a notice: the full notice as it was after
// a change, who made it, when and why.
type Version struct {
	NoticeID string    `json:"notice_id"`
	Version  int       `json:"version"`
	At       time.Time `json:"at"`
	By       string    `json:"by" doc:"user ID"`
	Action   string    `json:"action" doc:"created, updated, submitted, published, refused, cancelled, renewed, expired"`
	Note     string    `json:"note,omitempty"`
	Body     []byte    `json:"-"` // the notice as JSON
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	})
}
