// Package record holds what every police record of Polex carries besides
// its content — owner, the owner's reference, access restrictions, handling
// code, classification, grading, review date and version — and the one step
// by which services authorise and audit an action on a record.
//
// Record services (notice, diffusion, property) embed Meta in their types,
// build the policy.Resource of a record with Meta.Resource, and call
// Authorize before they return or change anything, so every read, search,
// change and export is decided by policy.Decide and written to the audit
// log, allowed or not.
package record

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/reqid"
)

// Grading is the owner's evaluation of a record: source reliability A
// (reliable), B (mostly), C (not usually) or X (cannot be judged), and
// information 1 (known true), 2 (known to the source personally), 3 (not
// known personally but corroborated) or 4 (cannot be judged). The zero
// Grading means "not graded".
type Grading struct {
	Source string `json:"source,omitempty" enum:"A,B,C,X" doc:"source reliability: A reliable, B mostly, C not usually, X cannot be judged"`
	Info   string `json:"info,omitempty" enum:"1,2,3,4" doc:"information: 1 known true, 2 known to the source personally, 3 corroborated, 4 cannot be judged"`
}

// Validate returns an errs.Invalid error naming grading.source or
// grading.info when a value is not one of the codes. Both or neither must
// be set.
func (g Grading) Validate() error {
	const op = "record.Grading.Validate"
	if g.Source != "" && !strings.Contains("ABCX", g.Source) || len(g.Source) > 1 {
		return errs.Invalidf(op, "grading.source", "source reliability must be A, B, C or X")
	}
	if g.Info != "" && !strings.Contains("1234", g.Info) || len(g.Info) > 1 {
		return errs.Invalidf(op, "grading.info", "information grade must be 1, 2, 3 or 4")
	}
	if (g.Source == "") != (g.Info == "") {
		return errs.Invalidf(op, "grading", "give both the source reliability and the information grade, or neither")
	}
	return nil
}

// String returns the grading as "A1", or "" when not graded.
func (g Grading) String() string { return g.Source + g.Info }

// Meta is what every police record carries besides its content. The owner
// country alone changes or deletes the record (policy rule 9).
type Meta struct {
	ID             string                  `json:"id" doc:"Polex's identifier of the record"`
	Ref            string                  `json:"ref,omitempty" doc:"the owner's own reference, unique per owner and record type"`
	Owner          string                  `json:"owner" doc:"ISO 3166-1 alpha-2 code of the owning member country"`
	OwnerOrg       string                  `json:"owner_org" doc:"the organisation that entered the record"`
	Restrictions   policy.Restrictions     `json:"restrictions" doc:"who may see the record besides the owner"`
	Handling       policy.Handling         `json:"handling,omitempty" enum:"H0,H1,H2,H3" doc:"handling code; empty means H0"`
	Classification identity.Classification `json:"classification" minimum:"0" maximum:"3" doc:"0 public, 1 official, 2 restricted, 3 confidential"`
	Grading        Grading                 `json:"grading"`
	ReviewAt       time.Time               `json:"review_at" doc:"when the owner must review the record; it expires then unless renewed"`
	Version        int                     `json:"version" doc:"increases with every change"`
	CreatedAt      time.Time               `json:"created_at"`
	CreatedBy      string                  `json:"created_by"`
	UpdatedAt      time.Time               `json:"updated_at"`
	UpdatedBy      string                  `json:"updated_by"`
}

// MaxRef is the longest owner's reference accepted.
const MaxRef = 128

// Validate returns an errs.Invalid error naming the first field at fault in
// what the owner controls: ref, restrictions, handling, classification and
// grading. Owner and IDs are set by services, not by callers.
func (m Meta) Validate() error {
	const op = "record.Meta.Validate"
	if len(m.Ref) > MaxRef || !utf8.ValidString(m.Ref) || strings.ContainsFunc(m.Ref, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return errs.Invalidf(op, "ref", "ref must be at most %d characters of printable text", MaxRef)
	}
	if err := m.Restrictions.Validate(); err != nil {
		return err
	}
	if m.Handling != "" && !m.Handling.Valid() {
		return errs.Invalidf(op, "handling", "handling must be H0, H1, H2 or H3")
	}
	if !m.Classification.Valid() {
		return errs.Invalidf(op, "classification", "classification must be 0 (public) to 3 (confidential)")
	}
	return m.Grading.Validate()
}

// Resource returns the policy resource of a record of kind with this Meta.
func (m Meta) Resource(kind string) policy.Resource {
	return policy.Resource{Kind: kind, Owner: m.Owner, OwnerOrg: m.OwnerOrg, Restrictions: m.Restrictions,
		Classification: m.Classification, Handling: m.Handling}
}

// Auditor writes audit entries (*audit.Log has this method).
type Auditor interface {
	Append(ctx context.Context, e audit.Entry) (int64, error)
}

// Access describes one action on a record for Authorize.
type Access struct {
	Op       string          // the errs operation, e.g. "notice.Get"
	Action   policy.Action   // what the policy is asked
	Audit    string          // the audit action, "noun.verb", e.g. "notice.read"
	Resource policy.Resource // the record's resource
	Target   string          // the audit target, e.g. "notice:ID"
	Purpose  string          // why; required for searches and exports
	Detail   string          // extra audit detail
}

// Authorize decides a.Action for p on a.Resource and writes the decision to
// the audit log, allowed or not. It returns the policy's error when the
// action is refused (errs.Private, shown as "not found", when p may not
// know the record exists), an errs.Invalid error naming "purpose" when the
// action needs a purpose and none was given (also audited, as deny), and
// the audit log's error when the entry cannot be written: nothing is done
// that is not recorded.
func Authorize(ctx context.Context, log Auditor, p identity.Principal, a Access) error {
	e, err := Decide(ctx, log, p, a)
	if err != nil {
		return err
	}
	if _, err := log.Append(ctx, e); err != nil {
		return errs.E(a.Op, err)
	}
	return nil
}

// Decide is Authorize for an action whose audit entry is written together
// with what the action stores (audit.Log.AppendWith: one transaction, one
// flush of the disk): a refusal is written at once and returned as by
// Authorize; an allowed action's entry is returned instead, and the caller
// must append it before it answers, whether the action then succeeds or
// fails.
func Decide(ctx context.Context, log Auditor, p identity.Principal, a Access) (audit.Entry, error) {
	d := policy.Decide(policy.SubjectOf(p), a.Action, a.Resource)
	e := audit.Entry{Time: time.Now().UTC(), Actor: p.User.ID, ActorOrg: p.User.Org, Action: a.Audit,
		Target: a.Target, Purpose: a.Purpose, RequestID: reqid.From(ctx), Outcome: audit.OutcomeAllow, Detail: a.Detail}
	var refused error
	switch {
	case !d.Allowed():
		e.Outcome, e.Detail = audit.OutcomeDeny, d.Reason
		refused = d.Err(a.Op)
	case strings.TrimSpace(a.Purpose) == "" && audit.NeedsPurpose(a.Audit):
		e.Outcome, e.Detail = audit.OutcomeDeny, "no purpose stated"
		refused = errs.Invalidf(a.Op, "purpose", "state the purpose of this %s", a.Audit[strings.LastIndexByte(a.Audit, '.')+1:])
	}
	if refused == nil {
		return e, nil
	}
	if _, err := log.Append(ctx, e); err != nil {
		return audit.Entry{}, errs.E(a.Op, err)
	}
	return audit.Entry{}, refused
}

// Visible reports whether p may read a resource, without auditing: for
// filtering lists and search results whose reading is audited once as a
// whole by the caller.
func Visible(p identity.Principal, action policy.Action, r policy.Resource) bool {
	return policy.Decide(policy.SubjectOf(p), action, r).Allowed()
}

// Change is one entry of a record's history: who changed what, when.
type Change struct {
	Version int       `json:"version"`
	At      time.Time `json:"at"`
	By      string    `json:"by" doc:"user ID"`
	Action  string    `json:"action" doc:"created, updated, status, deleted, expired, renewed, …"`
	Note    string    `json:"note,omitempty"`
}

// Retainer is a record service with a retention job: Retain expires the
// records whose review date has passed (each expiry audited and notified to
// the owner) and reminds owners of records that expire within the reminder
// period, once per record and review date. It returns how many it expired
// and reminded.
type Retainer interface {
	Retain(ctx context.Context, now time.Time) (expired, reminded int, err error)
}
