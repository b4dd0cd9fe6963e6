// Package policy is the one authorisation decision of Polex: every service
// asks Decide whether a Subject may perform an Action on a Resource, whatever
// the record type. It is a pure function of its arguments; it reads no
// storage and keeps no state.
//
// # Effects
//
// A Decision has one of three effects. Allow lets the action proceed.
// DenyPermission refuses, and the caller may learn that the record exists
// (errs.Permission). DenyPrivate refuses and the caller learns nothing, not
// even that the record exists (errs.Private, shown as "not found"): this is
// the "neither confirm nor deny" rule. The zero Decision is DenyPrivate, so a
// forgotten decision fails closed. Decision.Reason explains the outcome for
// the audit log; it is never shown to a denied caller.
//
// # Order of the checks
//
// Every check that yields DenyPrivate runs before any check that yields
// DenyPermission, so a DenyPermission answer is only ever given to a subject
// that may see the record. The checks, in order:
//
//  1. The subject is refused everything (DenyPrivate) when it is Suspended
//     (its member country is suspended or its user disabled), or when it holds
//     no effective role. A role is effective only when it is a known role held
//     by a user of an organisation of the right kind (see Role scope below);
//     a subject whose OrgKind is national (ncb, agency) must have a
//     well-formed Country, and one whose OrgKind is secretariat or oversight
//     must have none.
//  2. A malformed request is refused to everyone (DenyPrivate): an unknown
//     Action, an unknown resource Kind (see Kinds), an owner that is neither
//     "" nor an alpha-2 code, an invalid Classification, an unknown Handling
//     code, or Restrictions that fail Validate.
//  3. Each of the subject's effective roles is then judged alone by steps
//     4 to 11, and the most favourable outcome wins (Allow, then
//     DenyPermission, then DenyPrivate). Each role's answer reveals no more
//     than that role may know, so neither does the best of them.
//  4. Kind: the role's grants for the resource (the permission table in
//     table.go) are collected. A role that is granted neither the action nor
//     read or search on the resource gets DenyPrivate: roles that may not
//     read a kind learn nothing about its records.
//  5. Handling H3, border systems: a border-system role gets DenyPrivate for
//     every action on an H3 record it does not own.
//  6. Classification: a record classified above the subject's Clearance is
//     DenyPrivate, owner's users included (clearance is personal). Auditors
//     are exempt.
//  7. Restrictions: for subjects other than the owner country's users and
//     auditors, a subject whose country is on DenyCountries or whose region
//     is on DenyRegions gets DenyPrivate; when AllowCountries or AllowRegions
//     is non-empty, a subject whose country and region are on neither gets
//     DenyPrivate. Deny wins over allow. A subject with no country or region
//     (General Secretariat, oversight) never matches a list entry: no deny
//     list names it, and any non-empty allow list hides the record from it.
//     A gs-reviewer asking for ActionReview is exempt, so the General
//     Secretariat can review every notice and diffusion; it sees restricted
//     records through ActionReview only.
//  8. Action: a role that may read or search the resource but is not
//     granted the action gets DenyPermission.
//  9. Data owner: ActionCreate, ActionUpdate and ActionDelete are allowed
//     only to the owner country's users; anyone else gets DenyPermission
//     (only the issuing country adds its travel documents, only the owner
//     edits or deletes). A subject is the owner when Resource.Owner equals
//     its Country, or, for records owned by the General Secretariat
//     (Owner ""), when its OrgKind is secretariat. OwnerOrg is recorded for
//     callers (hit notifications, audit) but does not change the decision:
//     ownership is by country.
//  10. Handling codes, for subjects other than the owner's users and
//     auditors: H0 (police purposes only, also the meaning of an empty code)
//     adds nothing; H1 (not usable in court without consent) refuses
//     ActionExport; H2 (no onward sharing without consent) and H3 (other
//     restrictions stated) refuse ActionShare and ActionExport. These
//     refusals are DenyPermission.
//  11. Otherwise the action is allowed.
//
// # Permission table
//
// The table in table.go lists every grant; no other code gives access.
// Police records are notice, diffusion, message, document, vehicle, artwork
// and person; cyber records are preservation, indicator, botnet,
// working-party and library; admin resources are user and org; the audit log
// is audit.
//
//   - officer: read, search, create, update, delete, export and share police
//     records.
//   - ncb-admin: everything an officer may do, plus read, search and
//     administer users and orgs owned by its own country; those of other
//     countries are DenyPrivate.
//   - border-system: read and search documents, vehicles, persons, notices and
//     artworks.
//   - gs-reviewer: read, search and review notices and diffusions; read
//     documents, vehicles, artworks and persons. Never anything on messages,
//     the content of country-to-country exchanges (DenyPrivate).
//   - cyber-expert: read, search, create, update and share cyber records;
//     read and search messages whose Recipients name its Org or UserID.
//   - auditor (the oversight body): read, search, export and audit-read on
//     every kind, ignoring restrictions, classification and handling; never
//     create, update, delete, share, review or administer.
//   - sysadmin: read, search and administer users and orgs everywhere, and
//     audit-read the audit log. No access to record content: every action on
//     a record kind is DenyPrivate.
//
// Changing a user or an org (create, update, disable, set roles) is
// ActionAdminister; ActionCreate, ActionUpdate and ActionDelete on admin
// resources are refused to everyone.
//
// # Role scope
//
// A role counts only when held by a user of an organisation of the right
// kind, so that no NCB can give its own users oversight or administrator
// powers: ncb-admin in an NCB; officer and border-system in an NCB or a
// national agency; cyber-expert in an NCB, a national agency or the General
// Secretariat; gs-reviewer and sysadmin in the General Secretariat; auditor
// in the oversight body.
package policy

import (
	"strings"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
)

// Action is what a subject asks to do with a resource.
type Action string

// The actions.
const (
	ActionRead       Action = "read"
	ActionSearch     Action = "search"
	ActionCreate     Action = "create"
	ActionUpdate     Action = "update"
	ActionDelete     Action = "delete"
	ActionExport     Action = "export"
	ActionReview     Action = "review"     // General Secretariat compliance review
	ActionShare      Action = "share"      // onward sharing or forwarding
	ActionAdminister Action = "administer" // create, change or disable users and orgs
	ActionAuditRead  Action = "audit-read" // read the audit log
)

// Actions lists every action in a stable order.
var Actions = []Action{ActionRead, ActionSearch, ActionCreate, ActionUpdate, ActionDelete,
	ActionExport, ActionReview, ActionShare, ActionAdminister, ActionAuditRead}

// Valid reports whether a is a known action.
func (a Action) Valid() bool {
	switch a {
	case ActionRead, ActionSearch, ActionCreate, ActionUpdate, ActionDelete,
		ActionExport, ActionReview, ActionShare, ActionAdminister, ActionAuditRead:
		return true
	}
	return false
}

// Effect is the outcome of a decision. The zero value is DenyPrivate.
type Effect int

// The effects, least favourable first.
const (
	DenyPrivate    Effect = iota // refused; the caller learns nothing, not even existence
	DenyPermission               // refused; the caller may know the record exists
	Allow                        // the action may proceed
)

// String returns the effect's name.
func (e Effect) String() string {
	switch e {
	case Allow:
		return "allow"
	case DenyPermission:
		return "deny-permission"
	case DenyPrivate:
		return "deny-private"
	}
	return "invalid"
}

// Handling is a handling code that the owner attaches to a record.
type Handling string

// The handling codes. An empty code means H0.
const (
	H0 Handling = "H0" // police purposes only
	H1 Handling = "H1" // not usable in court without the provider's consent
	H2 Handling = "H2" // no onward sharing without consent
	H3 Handling = "H3" // other restrictions stated
)

// Valid reports whether h is one of H0 to H3.
func (h Handling) Valid() bool {
	switch h {
	case H0, H1, H2, H3:
		return true
	}
	return false
}

// Resource describes the record, or admin object, that an action targets.
type Resource struct {
	Kind           string // one of Kinds, such as "notice" or "user"
	Owner          string // alpha-2 of the owning country; "" when the General Secretariat owns it
	OwnerOrg       string // owning org id (optional, informational)
	Restrictions   Restrictions
	Classification identity.Classification
	Handling       Handling // "" means H0
	Recipients     []string // org and user IDs a message is addressed to (messages only)
}

// Subject is who acts: a user with its organisation, country and roles.
type Subject struct {
	UserID    string
	Org       string
	Country   string // alpha-2; "" for the General Secretariat and the oversight body
	OrgKind   member.OrgKind
	Region    member.Region // "" when the subject has no country
	Roles     []identity.Role
	Clearance identity.Classification
	Suspended bool // the member country is suspended or the user is disabled
}

// SubjectOf builds the Subject of a principal. A disabled user is
// Suspended; the caller must also set Suspended when the user's member
// country is suspended, which the principal does not say.
func SubjectOf(p identity.Principal) Subject {
	return Subject{
		UserID:    p.User.ID,
		Org:       p.User.Org,
		Country:   p.User.Country,
		OrgKind:   member.OrgKind(p.OrgKind),
		Region:    member.Region(p.Region),
		Roles:     append([]identity.Role(nil), p.User.Roles...),
		Clearance: p.User.Clearance,
		Suspended: p.User.Disabled,
	}
}

// Decision is the answer of Decide.
type Decision struct {
	Effect Effect
	Reason string // internal explanation for the audit log, never shown to a denied caller
}

// Allowed reports whether d allows the action.
func (d Decision) Allowed() bool { return d.Effect == Allow }

// Err returns nil when d allows the action, an errs.Permission error when it
// is DenyPermission, and an errs.Private error (shown as "not found") when it
// is DenyPrivate. The error never carries d.Reason: log the reason from the
// Decision itself.
func (d Decision) Err(op string) error {
	switch d.Effect {
	case Allow:
		return nil
	case DenyPermission:
		return errs.E(op, errs.Permission, "permission denied")
	}
	return errs.E(op, errs.Private, "not found")
}

// Decide reports whether s may perform a on r, following the rules in the
// package comment. It never fails: a malformed subject or resource is
// refused with DenyPrivate.
func Decide(s Subject, a Action, r Resource) Decision {
	if s.Suspended {
		return private("subject suspended")
	}
	if why := checkSubject(s); why != "" {
		return private(why)
	}
	if why := checkRequest(a, r); why != "" {
		return private(why)
	}
	best := Decision{Effect: DenyPrivate}
	var reasons []string
	counted := false
	for _, role := range s.Roles {
		if !effective(role, s.OrgKind) {
			continue
		}
		counted = true
		d := decideRole(s, role, a, r)
		d.Reason = string(role) + ": " + d.Reason
		if d.Effect == Allow {
			return d
		}
		if d.Effect > best.Effect {
			best.Effect = d.Effect
			reasons = reasons[:0]
		}
		if d.Effect == best.Effect {
			reasons = append(reasons, d.Reason)
		}
	}
	if !counted {
		return private("no effective role")
	}
	best.Reason = strings.Join(reasons, "; ")
	return best
}

// checkSubject returns why s is malformed, or "".
func checkSubject(s Subject) string {
	switch s.OrgKind {
	case member.NCB, member.Agency:
		if !isAlpha2(s.Country) {
			return "national subject without a valid country"
		}
	case member.Secretariat, member.Oversight:
		if s.Country != "" {
			return "international subject with a country"
		}
	default:
		return "subject of unknown organisation kind"
	}
	return ""
}

// checkRequest returns why the action or the resource is malformed, or "".
func checkRequest(a Action, r Resource) string {
	switch {
	case !a.Valid():
		return "unknown action"
	case !KnownKind(r.Kind):
		return "unknown resource kind"
	case r.Owner != "" && !isAlpha2(r.Owner):
		return "malformed owner"
	case !r.Classification.Valid():
		return "invalid classification"
	case r.Handling != "" && !r.Handling.Valid():
		return "unknown handling code"
	case r.Restrictions.Validate() != nil:
		return "invalid restrictions"
	}
	return ""
}

// decideRole judges the action for one effective role of s (steps 4 to 11).
func decideRole(s Subject, role identity.Role, a Action, r Resource) Decision {
	owner := isOwner(s, r)
	overseer := role == identity.Auditor
	granted, sees := permits(s, role, a, r)
	handling := r.Handling
	if handling == "" {
		handling = H0
	}

	// DenyPrivate checks.
	if !granted && !sees {
		return private("no access to " + r.Kind)
	}
	if role == identity.BorderSystem && !owner && handling == H3 {
		return private("H3 record hidden from border systems")
	}
	if !overseer && r.Classification > s.Clearance {
		return private("classification " + r.Classification.String() + " above clearance " + s.Clearance.String())
	}
	if !owner && !overseer && !(role == identity.GSReviewer && a == ActionReview) {
		if why := r.Restrictions.excludes(s.Country, s.Region); why != "" {
			return private(why)
		}
	}

	// DenyPermission checks: the subject may see the record.
	if !granted {
		return permission("action " + string(a) + " not granted on " + r.Kind)
	}
	if !owner && (a == ActionCreate || a == ActionUpdate || a == ActionDelete) {
		return permission("only the owner country may " + string(a))
	}
	if !owner && !overseer {
		switch {
		case handling == H1 && a == ActionExport:
			return permission("H1: no export without the owner's consent")
		case (handling == H2 || handling == H3) && (a == ActionExport || a == ActionShare):
			return permission(string(handling) + ": no " + string(a) + " without the owner's consent")
		}
	}
	return Decision{Effect: Allow, Reason: "allowed"}
}

// isOwner reports whether s belongs to the country that owns r.
func isOwner(s Subject, r Resource) bool {
	if r.Owner == "" {
		return s.OrgKind == member.Secretariat
	}
	return s.Country == r.Owner
}

func private(why string) Decision    { return Decision{Effect: DenyPrivate, Reason: why} }
func permission(why string) Decision { return Decision{Effect: DenyPermission, Reason: why} }
