package policy

import (
	"slices"

	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
)

// The resource kinds that the policy knows. A kind missing here is refused
// to everyone: add it, and its grants, before using it.
const (
	KindNotice       = "notice"
	KindDiffusion    = "diffusion"
	KindMessage      = "message"
	KindDocument     = "document"
	KindVehicle      = "vehicle"
	KindArtwork      = "artwork"
	KindPerson       = "person"
	KindPreservation = "preservation"
	KindIndicator    = "indicator"
	KindBotnet       = "botnet"
	KindWorkingParty = "working-party"
	KindLibrary      = "library"
	KindUser         = "user"
	KindOrg          = "org"
	KindAudit        = "audit"
	KindHit          = "hit" // a check's match on a record: owned by the record's owner
)

// Groups of kinds used by the permission table.
var (
	policeKinds = []string{KindNotice, KindDiffusion, KindMessage, KindDocument, KindVehicle, KindArtwork, KindPerson}
	cyberKinds  = []string{KindPreservation, KindIndicator, KindBotnet, KindWorkingParty, KindLibrary}
	adminKinds  = []string{KindUser, KindOrg}
	auditKinds  = []string{KindAudit}
	hitKinds    = []string{KindHit}
)

// allKinds is every known kind; the decision reads this one, never Kinds.
var allKinds = slices.Concat(policeKinds, cyberKinds, adminKinds, auditKinds, hitKinds)

// Kinds lists every known resource kind in a stable order.
var Kinds = slices.Clone(allKinds)

// KnownKind reports whether k is one of Kinds.
func KnownKind(k string) bool { return slices.Contains(allKinds, k) }

// scope narrows a grant to some resources of its kinds.
type scope int

const (
	anywhere    scope = iota // every resource of the kinds
	ownCountry               // resources whose Owner is the subject's Country
	addressedTo              // resources whose Recipients name the subject's Org or UserID
)

// grant gives a role some actions on some kinds, within a scope.
type grant struct {
	role    identity.Role
	kinds   []string
	actions []Action
	scope   scope
}

// officerActions is what an officer may do with police records.
var officerActions = []Action{ActionRead, ActionSearch, ActionCreate, ActionUpdate, ActionDelete, ActionExport, ActionShare}

// grants is the permission table: the only place that gives access. It is
// never modified.
var grants = []grant{
	{identity.Officer, policeKinds, officerActions, anywhere},

	{identity.NCBAdmin, policeKinds, officerActions, anywhere},
	{identity.NCBAdmin, adminKinds, []Action{ActionRead, ActionSearch, ActionAdminister}, ownCountry},

	// Hits: the owner confirms or rejects (update, owner only); the
	// searching country follows their status.
	{identity.Officer, hitKinds, []Action{ActionRead, ActionSearch, ActionUpdate}, anywhere},
	{identity.NCBAdmin, hitKinds, []Action{ActionRead, ActionSearch, ActionUpdate}, anywhere},
	{identity.BorderSystem, hitKinds, []Action{ActionRead, ActionSearch}, anywhere},

	{identity.BorderSystem, []string{KindDocument, KindVehicle, KindPerson, KindNotice, KindArtwork}, []Action{ActionRead, ActionSearch}, anywhere},

	// Never messages: the GS must not read country-to-country exchanges.
	{identity.GSReviewer, []string{KindNotice, KindDiffusion}, []Action{ActionRead, ActionSearch, ActionReview}, anywhere},
	{identity.GSReviewer, []string{KindDocument, KindVehicle, KindArtwork, KindPerson}, []Action{ActionRead}, anywhere},

	{identity.CyberExpert, cyberKinds, []Action{ActionRead, ActionSearch, ActionCreate, ActionUpdate, ActionShare}, anywhere},
	{identity.CyberExpert, []string{KindMessage}, []Action{ActionRead, ActionSearch}, addressedTo},

	{identity.Auditor, allKinds, []Action{ActionRead, ActionSearch, ActionExport, ActionAuditRead}, anywhere},

	// No record content.
	{identity.Sysadmin, adminKinds, []Action{ActionRead, ActionSearch, ActionAdminister}, anywhere},
	{identity.Sysadmin, auditKinds, []Action{ActionAuditRead}, anywhere},
}

// roleOrgKinds says which kinds of organisation may hold each role; a role
// held elsewhere does not count.
var roleOrgKinds = map[identity.Role][]member.OrgKind{
	identity.NCBAdmin:     {member.NCB},
	identity.Officer:      {member.NCB, member.Agency},
	identity.BorderSystem: {member.NCB, member.Agency},
	identity.CyberExpert:  {member.NCB, member.Agency, member.Secretariat},
	identity.GSReviewer:   {member.Secretariat},
	identity.Sysadmin:     {member.Secretariat},
	identity.Auditor:      {member.Oversight},
}

// effective reports whether role counts for a subject of an organisation of kind k.
func effective(role identity.Role, k member.OrgKind) bool {
	return slices.Contains(roleOrgKinds[role], k)
}

// permits reports whether role's grants that apply to r give action a, and
// whether they give read or search.
func permits(s Subject, role identity.Role, a Action, r Resource) (granted, sees bool) {
	for _, g := range grants {
		if g.role != role || !slices.Contains(g.kinds, r.Kind) || !inScope(g.scope, s, r) {
			continue
		}
		if slices.Contains(g.actions, a) {
			granted = true
		}
		if slices.Contains(g.actions, ActionRead) || slices.Contains(g.actions, ActionSearch) {
			sees = true
		}
	}
	return granted, sees
}

func inScope(sc scope, s Subject, r Resource) bool {
	switch sc {
	case anywhere:
		return true
	case ownCountry:
		return s.Country != "" && r.Owner == s.Country
	case addressedTo:
		for _, id := range r.Recipients {
			if id != "" && (id == s.Org || id == s.UserID) {
				return true
			}
		}
	}
	return false
}

// RoleFits reports whether role r counts when held by a user of an
// organisation of kind k; administration refuses to grant a role that would
// not count.
func RoleFits(r identity.Role, k member.OrgKind) bool { return effective(r, k) }
