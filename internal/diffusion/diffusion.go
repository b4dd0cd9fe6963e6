// Package diffusion is the requests that one NCB sends straight to the
// countries or regions it picks: delivery, acknowledgement, review by the
// General Secretariat afterwards, and withdrawal that purges every copy.
//
// A diffusion is delivered at once: Send resolves the regions picked to
// their member countries (without the sender's own country and without any
// country on the sender's deny lists), stores one copy per recipient
// country and writes a notify.DiffusionReceived event to each recipient's
// NCB in the same transaction. The recipients are the diffusion's allow
// list (record.Meta.Restrictions.AllowCountries), so the one policy shows a
// diffusion to the sender's country, its recipients, the General
// Secretariat through ActionReview and the oversight body, and to no one
// else: everyone else gets "not found".
//
// Withdrawal (a non-compliant review, or the sender's own decision) deletes
// the content from the diffusion and from every copy in one transaction,
// scrubs the inbox events that announced it, and leaves each recipient a
// withdrawal notice: the diffusion's ID, sender, time and reason. Webhooks
// already delivered cannot be recalled.
package diffusion

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/record"
)

// Kind is what a diffusion asks for.
type Kind string

// The kinds of diffusion.
const (
	Wanted      Kind = "wanted"      // locate and arrest a person
	Missing     Kind = "missing"     // locate a missing person
	Information Kind = "information" // collect or share information
)

// Kinds lists the kinds in a stable order.
var Kinds = []Kind{Wanted, Missing, Information}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Urgency is how fast recipients are asked to act.
type Urgency string

// The urgencies.
const (
	Urgent  Urgency = "urgent"
	Routine Urgency = "routine"
)

// Valid reports whether u is a known urgency.
func (u Urgency) Valid() bool { return u == Urgent || u == Routine }

// Status is the state of a diffusion as a whole.
type Status string

// The statuses of a diffusion.
const (
	Active    Status = "active"    // delivered; its content readable by the recipients
	Withdrawn Status = "withdrawn" // content purged everywhere; only withdrawal notices remain
)

// ReviewState is where the General Secretariat's review stands.
type ReviewState string

// The review states.
const (
	Pending      ReviewState = "pending"
	Compliant    ReviewState = "compliant"
	NonCompliant ReviewState = "non-compliant"
)

// CopyState is the state of one recipient's copy.
type CopyState string

// The states of a copy.
const (
	Delivered     CopyState = "delivered"
	Acknowledged  CopyState = "acknowledged"
	CopyWithdrawn CopyState = "withdrawn"
)

// Copy is one recipient country's copy of a diffusion: its delivery and
// acknowledgement, or its withdrawal. It holds no content.
type Copy struct {
	Country        string    `json:"country" doc:"ISO 3166-1 alpha-2 of the recipient country"`
	State          CopyState `json:"state" enum:"delivered,acknowledged,withdrawn"`
	DeliveredAt    time.Time `json:"delivered_at,omitzero"`
	AcknowledgedAt time.Time `json:"acknowledged_at,omitzero"`
	AcknowledgedBy string    `json:"acknowledged_by,omitempty" doc:"user ID"`
	WithdrawnAt    time.Time `json:"withdrawn_at,omitzero"`
	Reason         string    `json:"reason,omitempty" doc:"why the diffusion was withdrawn"`
}

// Content is what a diffusion says; withdrawal deletes all of it.
type Content struct {
	Subject    string         `json:"subject" doc:"a one-line summary"`
	Text       string         `json:"text" doc:"the request"`
	Person     *person.Person `json:"person,omitempty" doc:"the person concerned, when there is one"`
	LegalBasis string         `json:"legal_basis,omitempty" doc:"the legal basis (arrest warrant, judgment); required for wanted"`
}

// IsZero reports whether c holds nothing.
func (c Content) IsZero() bool {
	return c.Subject == "" && c.Text == "" && c.Person == nil && c.LegalBasis == ""
}

// Diffusion is one request from an NCB to the countries it picked.
// Meta.Owner is the sender's country and Meta.Restrictions.AllowCountries
// its recipient countries.
type Diffusion struct {
	record.Meta
	Kind      Kind            `json:"kind" enum:"wanted,missing,information"`
	Urgency   Urgency         `json:"urgency" enum:"urgent,routine"`
	Countries []string        `json:"countries,omitempty" doc:"the countries picked by the sender"`
	Regions   []member.Region `json:"regions,omitempty" doc:"the regions picked by the sender"`
	Content
	Status        Status      `json:"status" enum:"active,withdrawn"`
	Review        ReviewState `json:"review" enum:"pending,compliant,non-compliant"`
	ReviewedAt    time.Time   `json:"reviewed_at,omitzero"`
	ReviewedBy    string      `json:"reviewed_by,omitempty"`
	ReviewReasons string      `json:"review_reasons,omitempty"`
	WithdrawnAt   time.Time   `json:"withdrawn_at,omitzero"`
	WithdrawnBy   string      `json:"withdrawn_by,omitempty"`
	WithdrawnWhy  string      `json:"withdrawn_reason,omitempty"`
	Copies        []Copy      `json:"copies" doc:"one per recipient country; a recipient sees only its own"`
}

// Recipients returns the recipient countries.
func (d Diffusion) Recipients() []string { return d.Restrictions.AllowCountries }

// CopyFor returns the copy of country cc, and whether there is one.
func (d Diffusion) CopyFor(cc string) (Copy, bool) {
	for _, c := range d.Copies {
		if c.Country == cc {
			return c, true
		}
	}
	return Copy{}, false
}

// WithdrawalNotice is what a recipient keeps of a withdrawn diffusion.
type WithdrawalNotice struct {
	ID          string    `json:"id"`
	Sender      string    `json:"sender" doc:"the sender's country"`
	Country     string    `json:"country,omitempty" doc:"the recipient country whose copy was withdrawn"`
	WithdrawnAt time.Time `json:"withdrawn_at"`
	Reason      string    `json:"reason"`
}

// Draft is what a sender gives to Send. Meta carries the owner's reference,
// deny lists, handling code, classification and grading; allow lists are
// set by Send from the recipients.
type Draft struct {
	Meta      record.Meta
	Kind      Kind
	Urgency   Urgency
	Countries []string
	Regions   []member.Region
	Content
}

// Limits of a diffusion.
const (
	MaxSubject    = 200
	MaxText       = 20000
	MaxLegalBasis = 2000
	MaxReasons    = 2000
	MaxPicks      = 196
)

// Validate normalises d and returns an errs.Invalid error naming the
// first field at fault (kind, urgency, subject, text, legal_basis,
// countries[i], regions[i], person.…, or a field of the meta).
func (d *Draft) Validate() error {
	const op = "diffusion.Validate"
	d.Kind = Kind(strings.TrimSpace(string(d.Kind)))
	d.Urgency = Urgency(strings.TrimSpace(string(d.Urgency)))
	if d.Urgency == "" {
		d.Urgency = Routine
	}
	d.Subject, d.Text, d.LegalBasis = strings.TrimSpace(d.Subject), strings.TrimSpace(d.Text), strings.TrimSpace(d.LegalBasis)
	if !d.Kind.Valid() {
		return errs.Invalidf(op, "kind", "kind must be wanted, missing or information")
	}
	if !d.Urgency.Valid() {
		return errs.Invalidf(op, "urgency", "urgency must be urgent or routine")
	}
	if d.Subject == "" || utf8.RuneCountInString(d.Subject) > MaxSubject || !printable(d.Subject, false) {
		return errs.Invalidf(op, "subject", "the subject is 1 to %d characters of printable text on one line", MaxSubject)
	}
	if d.Text == "" || utf8.RuneCountInString(d.Text) > MaxText || !printable(d.Text, true) {
		return errs.Invalidf(op, "text", "the text is 1 to %d characters of printable text", MaxText)
	}
	if utf8.RuneCountInString(d.LegalBasis) > MaxLegalBasis || !printable(d.LegalBasis, true) {
		return errs.Invalidf(op, "legal_basis", "the legal basis is at most %d characters of printable text", MaxLegalBasis)
	}
	if d.Kind == Wanted && d.LegalBasis == "" {
		return errs.Invalidf(op, "legal_basis", "a wanted diffusion states its legal basis (arrest warrant or judgment)")
	}
	if len(d.Countries) == 0 && len(d.Regions) == 0 {
		return errs.Invalidf(op, "countries", "pick at least one country or region")
	}
	if len(d.Countries) > MaxPicks {
		return errs.Invalidf(op, "countries", "at most %d countries", MaxPicks)
	}
	if len(d.Regions) > len(member.Regions) {
		return errs.Invalidf(op, "regions", "at most %d regions", len(member.Regions))
	}
	for i, c := range d.Countries {
		cc, err := member.NormalizeCode(c)
		if err != nil {
			return errs.Invalidf(op, fmt.Sprintf("countries[%d]", i), "%q is not an ISO 3166-1 alpha-2 code", c)
		}
		d.Countries[i] = cc
	}
	for i, g := range d.Regions {
		g = member.Region(strings.TrimSpace(string(g)))
		if !g.Valid() {
			return errs.Invalidf(op, fmt.Sprintf("regions[%d]", i), "%q is not a region", string(g))
		}
		d.Regions[i] = g
	}
	if d.Person != nil {
		d.Person.Normalize()
		if err := d.Person.Validate(); err != nil {
			return errs.Invalidf(op, "person."+errs.FieldOf(err), "%s", errs.Message(err))
		}
	}
	r := d.Meta.Restrictions
	if len(r.AllowCountries) > 0 || len(r.AllowRegions) > 0 {
		return errs.Invalidf(op, "restrictions.allow_countries", "a diffusion's allow list is its recipients: pick countries and regions instead")
	}
	if err := d.Meta.Validate(); err != nil {
		return err
	}
	return nil
}

// printable reports whether s is valid UTF-8 without control characters
// (newlines and tabs allowed when multiline).
func printable(s string, multiline bool) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			return false
		}
		return unicode.IsControl(r)
	})
}

// Filter selects diffusions in a Store. Lists are ordered newest first.
type Filter struct {
	Owner         string // sent by this country
	Recipient     string // with a copy for this country
	Party         string // sent by, or with a copy for, this country
	PendingReview bool   // active and not yet reviewed
	Before        string // only those older than the diffusion with this ID (paging)
	Limit         int
}

// Withdrawal is what Store.WithdrawDiffusion applies.
type Withdrawal struct {
	ID     string
	At     time.Time
	By     string      // user ID
	Reason string      // shown to every recipient
	Review ReviewState // NonCompliant when the General Secretariat withdrew it; "" to keep the review as it is
	// ScrubTitle and ScrubData replace the title and data of every earlier
	// inbox event about the diffusion (subject "diffusion:ID").
	ScrubTitle string
	ScrubData  []byte
	Events     []notify.Event // the withdrawal notices, written after the scrub
}

// Store keeps diffusions and their copies. Every method that changes a
// diffusion writes the given inbox events in the same transaction.
//
// Methods return an errs.NotFound error for a missing diffusion or copy and
// an errs.Conflict error when the change does not apply to the current
// state (an acknowledged copy, a reviewed or withdrawn diffusion).
type Store interface {
	// CreateDiffusion stores d with its copies and the events.
	CreateDiffusion(ctx context.Context, d Diffusion, evs []notify.Event) error
	// Diffusion returns one diffusion with all its copies.
	Diffusion(ctx context.Context, id string) (Diffusion, error)
	// Diffusions returns the diffusions matching f, newest first, with all their copies.
	Diffusions(ctx context.Context, f Filter) ([]Diffusion, error)
	// AckDiffusion marks country's delivered copy acknowledged.
	AckDiffusion(ctx context.Context, id, country, by string, at time.Time, evs []notify.Event) error
	// ReviewDiffusion records a compliant review of a pending, active diffusion.
	ReviewDiffusion(ctx context.Context, id, by, reasons string, at time.Time) error
	// WithdrawDiffusion purges an active diffusion: deletes its content and
	// every copy's, marks them withdrawn with the reason, scrubs the earlier
	// events about it and writes w.Events, in one transaction.
	WithdrawDiffusion(ctx context.Context, w Withdrawal) error
}

// Members is what the service needs to know of the member countries.
type Members interface {
	// Countries returns every member country.
	Countries(ctx context.Context) ([]member.Country, error)
}
