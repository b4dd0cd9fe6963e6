package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
)

// ---------------------------------------------------------------------------
// The oracle: the rules of the package comment, written out plainly, one role
// at a time, without the permission table or any code of the package.
// ---------------------------------------------------------------------------

func oneOf[T comparable](x T, xs ...T) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// holds reports whether a user of an organisation of kind k may hold role.
func holds(role identity.Role, k member.OrgKind) bool {
	switch role {
	case identity.NCBAdmin:
		return k == member.NCB
	case identity.Officer, identity.BorderSystem:
		return k == member.NCB || k == member.Agency
	case identity.CyberExpert:
		return k == member.NCB || k == member.Agency || k == member.Secretariat
	case identity.GSReviewer, identity.Sysadmin:
		return k == member.Secretariat
	case identity.Auditor:
		return k == member.Oversight
	}
	return false
}

// oracle returns the expected effect of a well-formed, unsuspended subject
// acting through one role it holds, on a well-formed resource.
func oracle(role identity.Role, s Subject, a Action, r Resource) Effect {
	k := r.Kind
	police := oneOf(k, "notice", "diffusion", "message", "document", "vehicle", "artwork", "person")
	cyber := oneOf(k, "preservation", "indicator", "botnet", "working-party", "library")
	admin := oneOf(k, "user", "org")
	auditLog := k == "audit"
	hit := k == "hit"
	known := police || cyber || admin || auditLog || hit
	addressed := false
	for _, id := range r.Recipients {
		if id == s.Org || id == s.UserID {
			addressed = true
		}
	}

	const (
		R, S, C, U, D, E = ActionRead, ActionSearch, ActionCreate, ActionUpdate, ActionDelete, ActionExport
		Rev, Sh, Adm, AR = ActionReview, ActionShare, ActionAdminister, ActionAuditRead
	)
	var reads, may bool // the role may read or search r; the role may do a on r
	switch role {
	case identity.Officer:
		if police {
			reads, may = true, oneOf(a, R, S, C, U, D, E, Sh)
		}
		if hit {
			reads, may = true, oneOf(a, R, S, U)
		}
	case identity.NCBAdmin:
		if police {
			reads, may = true, oneOf(a, R, S, C, U, D, E, Sh)
		}
		if hit {
			reads, may = true, oneOf(a, R, S, U)
		}
		if admin && r.Owner == s.Country {
			reads, may = true, oneOf(a, R, S, Adm)
		}
	case identity.BorderSystem:
		if oneOf(k, "document", "vehicle", "person", "notice", "artwork", "hit") {
			reads, may = true, oneOf(a, R, S)
		}
	case identity.GSReviewer:
		if oneOf(k, "notice", "diffusion") {
			reads, may = true, oneOf(a, R, S, Rev)
		}
		if oneOf(k, "document", "vehicle", "artwork", "person") {
			reads, may = true, a == R
		}
	case identity.CyberExpert:
		if cyber {
			reads, may = true, oneOf(a, R, S, C, U, Sh)
		}
		if k == "message" && addressed {
			reads, may = true, oneOf(a, R, S)
		}
	case identity.Auditor:
		if known {
			reads, may = true, oneOf(a, R, S, E, AR)
		}
	case identity.Sysadmin:
		if admin {
			reads, may = true, oneOf(a, R, S, Adm)
		}
		if auditLog {
			may = a == AR
		}
	}

	var owner bool
	if s.Country != "" {
		owner = r.Owner == s.Country
	} else {
		owner = r.Owner == "" && s.OrgKind == member.Secretariat
	}
	oversight := role == identity.Auditor
	h := r.Handling
	if h == "" {
		h = H0
	}

	if !reads && !may {
		return DenyPrivate
	}
	if role == identity.BorderSystem && h == H3 && !owner {
		return DenyPrivate
	}
	if !oversight && r.Classification > s.Clearance {
		return DenyPrivate
	}
	if !owner && !oversight && !(role == identity.GSReviewer && a == Rev) {
		rs := r.Restrictions
		if s.Country != "" && oneOf(s.Country, rs.DenyCountries...) {
			return DenyPrivate
		}
		if s.Region != "" && oneOf(s.Region, rs.DenyRegions...) {
			return DenyPrivate
		}
		if len(rs.AllowCountries)+len(rs.AllowRegions) > 0 {
			onList := (s.Country != "" && oneOf(s.Country, rs.AllowCountries...)) ||
				(s.Region != "" && oneOf(s.Region, rs.AllowRegions...))
			if !onList {
				return DenyPrivate
			}
		}
	}
	if !may {
		return DenyPermission
	}
	if oneOf(a, C, U, D) && !owner {
		return DenyPermission
	}
	if !owner && !oversight {
		if h == H1 && a == E {
			return DenyPermission
		}
		if (h == H2 || h == H3) && (a == E || a == Sh) {
			return DenyPermission
		}
	}
	return Allow
}

// oracleSubject is the expected effect for a subject with any number of
// roles: the best effect of the roles it may hold.
func oracleSubject(s Subject, a Action, r Resource) Effect {
	best := DenyPrivate
	for _, role := range s.Roles {
		if holds(role, s.OrgKind) {
			best = max(best, oracle(role, s, a, r))
		}
	}
	return best
}

// ---------------------------------------------------------------------------
// The dimensions of the matrix.
// ---------------------------------------------------------------------------

// A subject of each kind of organisation. National subjects are French, in Europe.
var (
	ncbFR    = Subject{UserID: "u-ncb-fr", Org: "ncb-fr", Country: "FR", OrgKind: member.NCB, Region: member.Europe}
	agencyFR = Subject{UserID: "u-police-fr", Org: "police-fr", Country: "FR", OrgKind: member.Agency, Region: member.Europe}
	gs       = Subject{UserID: "u-gs", Org: member.SecretariatID, OrgKind: member.Secretariat}
	ccf      = Subject{UserID: "u-ccf", Org: member.OversightID, OrgKind: member.Oversight}
	profiles = []struct {
		name string
		s    Subject
	}{{"ncb-fr", ncbFR}, {"agency-fr", agencyFR}, {"gs", gs}, {"ccf", ccf}}
)

// owners are who owns the record: the subject's own country (or the GS for
// international subjects), another country, or the General Secretariat.
var owners = []string{"self", "DE", "GS"}

func ownerOf(label string, s Subject) string {
	switch label {
	case "self":
		return s.Country
	case "GS":
		return ""
	}
	return label
}

var restrictionCases = []struct {
	name string
	r    Restrictions
}{
	{"none", Restrictions{}},
	{"allow-country-FR", Restrictions{AllowCountries: []string{"FR", "DE"}}},
	{"allow-region-europe", Restrictions{AllowRegions: []member.Region{member.Europe}}},
	{"allow-excluding", Restrictions{AllowCountries: []string{"JP"}, AllowRegions: []member.Region{member.AsiaPacific}}},
	{"deny-country-FR", Restrictions{DenyCountries: []string{"FR"}}},
	{"deny-region-europe", Restrictions{DenyRegions: []member.Region{member.Europe}}},
	{"deny-other", Restrictions{DenyCountries: []string{"JP"}, DenyRegions: []member.Region{member.Africa}}},
	{"deny-beats-allow", Restrictions{AllowCountries: []string{"FR"}, DenyRegions: []member.Region{member.Europe}}},
}

var (
	levels    = []identity.Classification{identity.Public, identity.Official, identity.Restricted, identity.Confidential}
	handlings = []Handling{"", H0, H1, H2, H3}
)

// kindCase is a resource kind, possibly a message addressed to the subject.
type kindCase struct {
	kind      string
	addressed bool
}

func kindCases() []kindCase {
	var ks []kindCase
	for _, k := range []string{"notice", "diffusion", "message", "document", "vehicle", "artwork", "person",
		"preservation", "indicator", "botnet", "working-party", "library", "user", "org", "audit", "hit", "bounty"} {
		ks = append(ks, kindCase{k, false})
	}
	return append(ks, kindCase{"message", true})
}

func resourceOf(k kindCase, s Subject, owner string, rs Restrictions, c identity.Classification, h Handling) Resource {
	r := Resource{Kind: k.kind, Owner: owner, Restrictions: rs, Classification: c, Handling: h,
		Recipients: []string{"ncb-jp"}}
	if k.addressed {
		r.Recipients = append(r.Recipients, s.Org)
	}
	return r
}

type matrixCase struct {
	profile, owner, restriction string
	s                           Subject
	a                           Action
	r                           Resource
}

func (c matrixCase) name() string {
	kind := c.r.Kind
	if len(c.r.Recipients) > 1 {
		kind += "(addressed)"
	}
	return fmt.Sprintf("roles=%v/org=%s/owner=%s/restriction=%s/class=%s/clearance=%s/handling=%q/kind=%s/action=%s",
		c.s.Roles, c.profile, c.owner, c.restriction, c.r.Classification, c.s.Clearance, c.r.Handling, kind, c.a)
}

// runMatrix checks every case that gen yields against the oracle and returns
// how many it checked.
func runMatrix(t *testing.T, gen func(yield func(matrixCase))) int {
	t.Helper()
	n, failures := 0, 0
	gen(func(c matrixCase) {
		n++
		want := oracleSubject(c.s, c.a, c.r)
		got := Decide(c.s, c.a, c.r)
		if got.Effect != want {
			failures++
			if failures <= 20 {
				t.Errorf("%s: got %v (%s), want %v", c.name(), got.Effect, got.Reason, want)
			}
		}
		if got.Reason == "" {
			failures++
			if failures <= 20 {
				t.Errorf("%s: empty reason", c.name())
			}
		}
	})
	if failures > 20 {
		t.Errorf("... and %d more failures", failures-20)
	}
	return n
}

// TestDecideMatrix checks every effective role in every kind of organisation
// × owner × restriction × classification × clearance × handling × kind ×
// action against the oracle.
func TestDecideMatrix(t *testing.T) {
	n := runMatrix(t, func(yield func(matrixCase)) {
		for _, role := range identity.Roles {
			for _, p := range profiles {
				if !holds(role, p.s.OrgKind) {
					continue
				}
				for _, own := range owners {
					for _, rc := range restrictionCases {
						for _, clearance := range levels {
							for _, class := range levels {
								for _, h := range handlings {
									for _, k := range kindCases() {
										for _, a := range Actions {
											s := p.s
											s.Roles = []identity.Role{role}
											s.Clearance = clearance
											r := resourceOf(k, s, ownerOf(own, s), rc.r, class, h)
											yield(matrixCase{p.name, own, rc.name, s, a, r})
										}
									}
								}
							}
						}
					}
				}
			}
		}
	})
	t.Logf("%d generated cases", n)
}

// TestDecideRolePairs checks subjects holding two roles, including roles
// their organisation may not hold, against the oracle.
func TestDecideRolePairs(t *testing.T) {
	n := runMatrix(t, func(yield func(matrixCase)) {
		for i, r1 := range identity.Roles {
			for _, r2 := range identity.Roles[i+1:] {
				for _, p := range profiles {
					for _, own := range owners {
						for _, rc := range restrictionCases {
							for _, class := range []identity.Classification{identity.Official, identity.Confidential} {
								for _, h := range []Handling{H0, H1, H2, H3} {
									for _, k := range kindCases() {
										for _, a := range Actions {
											s := p.s
											s.Roles = []identity.Role{r1, r2}
											s.Clearance = identity.Restricted
											r := resourceOf(k, s, ownerOf(own, s), rc.r, class, h)
											yield(matrixCase{p.name, own, rc.name, s, a, r})
										}
									}
								}
							}
						}
					}
				}
			}
		}
	})
	t.Logf("%d generated cases", n)
}

// TestDecideIneffectiveRoles checks that every role held by the wrong kind
// of organisation gives nothing.
func TestDecideIneffectiveRoles(t *testing.T) {
	n := 0
	for _, role := range identity.Roles {
		for _, p := range profiles {
			if holds(role, p.s.OrgKind) {
				continue
			}
			for _, k := range kindCases() {
				for _, a := range Actions {
					n++
					s := p.s
					s.Roles = []identity.Role{role}
					s.Clearance = identity.Confidential
					r := resourceOf(k, s, ownerOf("self", s), Restrictions{}, identity.Public, H0)
					if d := Decide(s, a, r); d.Effect != DenyPrivate {
						t.Errorf("%s in %s, %s %s: got %v (%s), want deny-private", role, p.name, a, k.kind, d.Effect, d.Reason)
					}
				}
			}
		}
	}
	t.Logf("%d generated cases", n)
}

// ---------------------------------------------------------------------------
// Hand-written cases for the important rules.
// ---------------------------------------------------------------------------

func with(s Subject, clearance identity.Classification, roles ...identity.Role) Subject {
	s.Roles = roles
	s.Clearance = clearance
	return s
}

var (
	officerFR  = with(agencyFR, identity.Restricted, identity.Officer)
	officerDE  = with(Subject{UserID: "u-police-de", Org: "police-de", Country: "DE", OrgKind: member.Agency, Region: member.Europe}, identity.Restricted, identity.Officer)
	officerJP  = with(Subject{UserID: "u-police-jp", Org: "police-jp", Country: "JP", OrgKind: member.Agency, Region: member.AsiaPacific}, identity.Restricted, identity.Officer)
	adminFR    = with(ncbFR, identity.Restricted, identity.NCBAdmin)
	borderFR   = with(agencyFR, identity.Restricted, identity.BorderSystem)
	cyberFR    = with(Subject{UserID: "u-cyber-fr", Org: "cyber-fr", Country: "FR", OrgKind: member.Agency, Region: member.Europe}, identity.Restricted, identity.CyberExpert)
	reviewer   = with(gs, identity.Confidential, identity.GSReviewer)
	sysadmin   = with(gs, identity.Confidential, identity.Sysadmin)
	auditor    = with(ccf, identity.Public, identity.Auditor)
	notDE      = Resource{Kind: "notice", Owner: "DE", Classification: identity.Official}
	docDE      = Resource{Kind: "document", Owner: "DE", Classification: identity.Official}
	msgDEtoFR  = Resource{Kind: "message", Owner: "DE", Classification: identity.Official, Restrictions: Restrictions{AllowCountries: []string{"FR"}}, Recipients: []string{"ncb-fr"}}
	restricted = Resource{Kind: "notice", Owner: "DE", Classification: identity.Official, Restrictions: Restrictions{AllowCountries: []string{"IT"}}}
)

func res(r Resource, edit func(*Resource)) Resource {
	edit(&r)
	return r
}

func TestDecideRules(t *testing.T) {
	tests := []struct {
		name string
		s    Subject
		a    Action
		r    Resource
		want Effect
	}{
		// General Secretariat and messages.
		{"gs reviewer cannot read a message", reviewer, ActionRead, res(msgDEtoFR, func(r *Resource) { r.Restrictions = Restrictions{} }), DenyPrivate},
		{"gs reviewer cannot search messages", reviewer, ActionSearch, msgDEtoFR, DenyPrivate},
		{"gs reviewer cannot review a message", reviewer, ActionReview, msgDEtoFR, DenyPrivate},
		{"gs reviewer cannot read a message addressed to the gs", reviewer, ActionRead, res(msgDEtoFR, func(r *Resource) { r.Recipients = []string{"gs"}; r.Restrictions = Restrictions{} }), DenyPrivate},
		{"gs reviewer reviews a notice", reviewer, ActionReview, notDE, Allow},
		{"gs reviewer reviews a restricted notice", reviewer, ActionReview, restricted, Allow},
		{"gs reviewer cannot read a restricted notice", reviewer, ActionRead, restricted, DenyPrivate},
		{"gs reviewer reads a diffusion", reviewer, ActionRead, res(notDE, func(r *Resource) { r.Kind = "diffusion" }), Allow},
		{"gs reviewer reads a document", reviewer, ActionRead, docDE, Allow},
		{"gs reviewer may not search documents", reviewer, ActionSearch, docDE, DenyPermission},
		{"gs reviewer may not update a notice", reviewer, ActionUpdate, notDE, DenyPermission},
		{"gs reviewer review still needs clearance", with(gs, identity.Official, identity.GSReviewer), ActionReview, res(notDE, func(r *Resource) { r.Classification = identity.Confidential }), DenyPrivate},

		// Oversight.
		{"auditor reads a record on an allow list", auditor, ActionRead, restricted, Allow},
		{"auditor reads a message", auditor, ActionRead, msgDEtoFR, Allow},
		{"auditor reads above its clearance", auditor, ActionRead, res(notDE, func(r *Resource) { r.Classification = identity.Confidential }), Allow},
		{"auditor reads an H3 record", auditor, ActionRead, res(docDE, func(r *Resource) { r.Handling = H3 }), Allow},
		{"auditor exports an H2 record", auditor, ActionExport, res(docDE, func(r *Resource) { r.Handling = H2 }), Allow},
		{"auditor reads the audit log", auditor, ActionAuditRead, Resource{Kind: "audit"}, Allow},
		{"auditor reads users", auditor, ActionRead, Resource{Kind: "user", Owner: "DE"}, Allow},
		{"auditor never updates", auditor, ActionUpdate, restricted, DenyPermission},
		{"auditor never creates", auditor, ActionCreate, Resource{Kind: "notice"}, DenyPermission},
		{"auditor never deletes", auditor, ActionDelete, docDE, DenyPermission},
		{"auditor never shares", auditor, ActionShare, docDE, DenyPermission},
		{"auditor never administers", auditor, ActionAdminister, Resource{Kind: "user", Owner: "FR"}, DenyPermission},
		{"auditor role held by an NCB user gives nothing", with(agencyFR, identity.Confidential, identity.Auditor), ActionRead, restricted, DenyPrivate},
		{"auditor role held by an NCB officer adds nothing", with(agencyFR, identity.Confidential, identity.Officer, identity.Auditor), ActionRead, restricted, DenyPrivate},

		// Restrictions.
		{"restricted read is private", officerFR, ActionRead, restricted, DenyPrivate},
		{"restricted update is private, not permission", officerFR, ActionUpdate, restricted, DenyPrivate},
		{"allow list names the subject", officerFR, ActionRead, res(restricted, func(r *Resource) { r.Restrictions.AllowCountries = []string{"IT", "FR"} }), Allow},
		{"allow list names the subject's region", officerFR, ActionRead, res(restricted, func(r *Resource) { r.Restrictions.AllowRegions = []member.Region{member.Europe} }), Allow},
		{"deny list by country", officerFR, ActionRead, res(notDE, func(r *Resource) { r.Restrictions.DenyCountries = []string{"FR"} }), DenyPrivate},
		{"deny list by region", officerFR, ActionRead, res(notDE, func(r *Resource) { r.Restrictions.DenyRegions = []member.Region{member.Europe} }), DenyPrivate},
		{"deny region beats allow country", officerFR, ActionRead, res(notDE, func(r *Resource) {
			r.Restrictions = Restrictions{AllowCountries: []string{"FR"}, DenyRegions: []member.Region{member.Europe}}
		}), DenyPrivate},
		{"deny country beats allow region", officerFR, ActionRead, res(notDE, func(r *Resource) {
			r.Restrictions = Restrictions{AllowRegions: []member.Region{member.Europe}, DenyCountries: []string{"FR"}}
		}), DenyPrivate},
		{"deny list of others does not hide", officerFR, ActionRead, res(notDE, func(r *Resource) { r.Restrictions.DenyCountries = []string{"JP"} }), Allow},
		{"owner ignores its own restrictions", officerDE, ActionUpdate, res(restricted, func(r *Resource) { r.Restrictions.DenyRegions = []member.Region{member.Europe} }), Allow},
		{"gs is never on a country deny list", reviewer, ActionRead, res(notDE, func(r *Resource) { r.Restrictions.DenyCountries = []string{"FR"} }), Allow},
		{"gs is hidden by any allow list", reviewer, ActionSearch, res(notDE, func(r *Resource) { r.Restrictions.AllowRegions = []member.Region{member.Europe} }), DenyPrivate},
		{"message to FR is private to JP", officerJP, ActionRead, msgDEtoFR, DenyPrivate},
		{"message to FR is read by FR", officerFR, ActionRead, msgDEtoFR, Allow},

		// Classification.
		{"classification above clearance is private", officerFR, ActionRead, res(notDE, func(r *Resource) { r.Classification = identity.Confidential }), DenyPrivate},
		{"classification above clearance is private to the owner", officerDE, ActionUpdate, res(notDE, func(r *Resource) { r.Classification = identity.Confidential }), DenyPrivate},
		{"classification equal to clearance", officerFR, ActionRead, res(notDE, func(r *Resource) { r.Classification = identity.Restricted }), Allow},

		// Data owner.
		{"non-owner update is permission", officerFR, ActionUpdate, notDE, DenyPermission},
		{"non-owner delete is permission", officerFR, ActionDelete, notDE, DenyPermission},
		{"owner updates", officerDE, ActionUpdate, notDE, Allow},
		{"owner deletes", officerDE, ActionDelete, notDE, Allow},
		{"only the issuing country adds its documents", officerFR, ActionCreate, docDE, DenyPermission},
		{"issuing country adds its document", officerDE, ActionCreate, docDE, Allow},
		{"national officer cannot edit a gs record", officerFR, ActionUpdate, res(notDE, func(r *Resource) { r.Owner = "" }), DenyPermission},
		{"oversight is not the gs owner", auditor, ActionUpdate, res(notDE, func(r *Resource) { r.Owner = "" }), DenyPermission},

		// Handling codes.
		{"H0 export by non-owner", officerFR, ActionExport, res(docDE, func(r *Resource) { r.Handling = H0 }), Allow},
		{"empty handling is H0", officerFR, ActionShare, res(docDE, func(r *Resource) { r.Handling = "" }), Allow},
		{"H1 export by non-owner", officerFR, ActionExport, res(docDE, func(r *Resource) { r.Handling = H1 }), DenyPermission},
		{"H1 share by non-owner", officerFR, ActionShare, res(docDE, func(r *Resource) { r.Handling = H1 }), Allow},
		{"H2 share by non-owner", officerFR, ActionShare, res(docDE, func(r *Resource) { r.Handling = H2 }), DenyPermission},
		{"H2 export by non-owner", officerFR, ActionExport, res(docDE, func(r *Resource) { r.Handling = H2 }), DenyPermission},
		{"H2 read by non-owner", officerFR, ActionRead, res(docDE, func(r *Resource) { r.Handling = H2 }), Allow},
		{"H3 share by non-owner", officerFR, ActionShare, res(docDE, func(r *Resource) { r.Handling = H3 }), DenyPermission},
		{"H3 export by owner", officerDE, ActionExport, res(docDE, func(r *Resource) { r.Handling = H3 }), Allow},
		{"H3 hidden from foreign border systems", borderFR, ActionSearch, res(docDE, func(r *Resource) { r.Handling = H3 }), DenyPrivate},
		{"H3 seen by own border systems", borderFR, ActionRead, res(docDE, func(r *Resource) { r.Owner = "FR"; r.Handling = H3 }), Allow},
		{"H3 read by foreign officer", officerFR, ActionRead, res(docDE, func(r *Resource) { r.Handling = H3 }), Allow},

		// Border systems.
		{"border system searches documents", borderFR, ActionSearch, docDE, Allow},
		{"border system reads vehicles", borderFR, ActionRead, res(docDE, func(r *Resource) { r.Kind = "vehicle" }), Allow},
		{"border system cannot create its own documents", borderFR, ActionCreate, res(docDE, func(r *Resource) { r.Owner = "FR" }), DenyPermission},
		{"border system cannot export", borderFR, ActionExport, docDE, DenyPermission},
		{"border system cannot see diffusions", borderFR, ActionRead, res(notDE, func(r *Resource) { r.Kind = "diffusion" }), DenyPrivate},
		{"border system cannot see messages", borderFR, ActionRead, msgDEtoFR, DenyPrivate},

		// Cyber experts.
		{"cyber expert reads a message addressed to its org", cyberFR, ActionRead, res(msgDEtoFR, func(r *Resource) { r.Recipients = []string{"cyber-fr"} }), Allow},
		{"cyber expert reads a message addressed to it", cyberFR, ActionSearch, res(msgDEtoFR, func(r *Resource) { r.Recipients = []string{"u-cyber-fr"} }), Allow},
		{"cyber expert cannot read other messages", cyberFR, ActionRead, msgDEtoFR, DenyPrivate},
		{"cyber expert cannot share a message", cyberFR, ActionShare, res(msgDEtoFR, func(r *Resource) { r.Recipients = []string{"cyber-fr"} }), DenyPermission},
		{"empty recipient matches nobody", with(Subject{Org: "cyber-xx", Country: "FR", OrgKind: member.Agency, Region: member.Europe}, identity.Restricted, identity.CyberExpert), ActionRead, res(msgDEtoFR, func(r *Resource) { r.Recipients = []string{""} }), DenyPrivate},
		{"cyber expert creates a preservation request", cyberFR, ActionCreate, Resource{Kind: "preservation", Owner: "FR"}, Allow},
		{"cyber expert cannot delete", cyberFR, ActionDelete, Resource{Kind: "preservation", Owner: "FR"}, DenyPermission},
		{"cyber expert shares indicators", cyberFR, ActionShare, Resource{Kind: "indicator", Owner: "DE"}, Allow},
		{"cyber expert cannot see notices", cyberFR, ActionRead, notDE, DenyPrivate},
		{"officer cannot see botnets", officerFR, ActionRead, Resource{Kind: "botnet", Owner: "FR"}, DenyPrivate},

		// Administration.
		{"ncb admin administers its users", adminFR, ActionAdminister, Resource{Kind: "user", Owner: "FR"}, Allow},
		{"ncb admin lists its orgs", adminFR, ActionSearch, Resource{Kind: "org", Owner: "FR"}, Allow},
		{"ncb admin cannot see other countries' users", adminFR, ActionRead, Resource{Kind: "user", Owner: "DE"}, DenyPrivate},
		{"ncb admin cannot administer other countries", adminFR, ActionAdminister, Resource{Kind: "org", Owner: "DE"}, DenyPrivate},
		{"ncb admin cannot see gs users", adminFR, ActionAdminister, Resource{Kind: "user"}, DenyPrivate},
		{"ncb admin changes users through administer", adminFR, ActionCreate, Resource{Kind: "user", Owner: "FR"}, DenyPermission},
		{"ncb admin does what an officer does", adminFR, ActionExport, notDE, Allow},
		{"ncb admin role in an agency gives nothing", with(agencyFR, identity.Restricted, identity.NCBAdmin), ActionAdminister, Resource{Kind: "user", Owner: "FR"}, DenyPrivate},
		{"officer cannot administer", officerFR, ActionAdminister, Resource{Kind: "user", Owner: "FR"}, DenyPrivate},
		{"sysadmin administers anywhere", sysadmin, ActionAdminister, Resource{Kind: "user", Owner: "DE"}, Allow},
		{"sysadmin administers gs orgs", sysadmin, ActionAdminister, Resource{Kind: "org"}, Allow},
		{"sysadmin reads the audit log", sysadmin, ActionAuditRead, Resource{Kind: "audit"}, Allow},
		{"sysadmin cannot read audit content", sysadmin, ActionRead, Resource{Kind: "audit"}, DenyPrivate},
		{"sysadmin cannot read notices", sysadmin, ActionRead, notDE, DenyPrivate},
		{"sysadmin cannot update notices", sysadmin, ActionUpdate, notDE, DenyPrivate},
		{"sysadmin cannot read gs notices", sysadmin, ActionRead, res(notDE, func(r *Resource) { r.Owner = "" }), DenyPrivate},
		{"sysadmin role in an NCB gives nothing", with(ncbFR, identity.Confidential, identity.Sysadmin), ActionAdminister, Resource{Kind: "user", Owner: "DE"}, DenyPrivate},
		{"officer cannot read the audit log", officerFR, ActionAuditRead, Resource{Kind: "audit"}, DenyPrivate},

		// Subjects.
		{"suspended subject", subj(officerDE, func(s *Subject) { s.Suspended = true }), ActionRead, notDE, DenyPrivate},
		{"suspended auditor", subj(auditor, func(s *Subject) { s.Suspended = true }), ActionRead, notDE, DenyPrivate},
		{"no role", with(agencyFR, identity.Confidential), ActionRead, notDE, DenyPrivate},
		{"unknown role", with(agencyFR, identity.Confidential, "chief"), ActionRead, notDE, DenyPrivate},
		{"unknown org kind", subj(officerFR, func(s *Subject) { s.OrgKind = "" }), ActionRead, notDE, DenyPrivate},
		{"national subject without country", subj(officerFR, func(s *Subject) { s.Country = "" }), ActionRead, notDE, DenyPrivate},
		{"national subject with malformed country", subj(officerFR, func(s *Subject) { s.Country = "fr" }), ActionRead, notDE, DenyPrivate},
		{"gs subject with a country", subj(reviewer, func(s *Subject) { s.Country = "DE" }), ActionUpdate, notDE, DenyPrivate},
		{"best role wins", with(agencyFR, identity.Restricted, identity.BorderSystem, identity.Officer), ActionExport, docDE, Allow},
		{"best role wins over H3 hiding", with(agencyFR, identity.Restricted, identity.BorderSystem, identity.Officer), ActionRead, res(docDE, func(r *Resource) { r.Handling = H3 }), Allow},
		{"permission beats private across roles", with(gs, identity.Confidential, identity.Sysadmin, identity.GSReviewer), ActionUpdate, notDE, DenyPermission},

		// Malformed requests are private to everyone.
		{"unknown kind", auditor, ActionRead, Resource{Kind: "bounty", Owner: "DE"}, DenyPrivate},
		{"empty kind", officerDE, ActionRead, Resource{Owner: "DE"}, DenyPrivate},
		{"unknown action", officerDE, "destroy", notDE, DenyPrivate},
		{"invalid classification", auditor, ActionRead, res(notDE, func(r *Resource) { r.Classification = 9 }), DenyPrivate},
		{"negative classification", officerDE, ActionRead, res(notDE, func(r *Resource) { r.Classification = -1 }), DenyPrivate},
		{"unknown handling", officerDE, ActionRead, res(notDE, func(r *Resource) { r.Handling = "H4" }), DenyPrivate},
		{"invalid restrictions", auditor, ActionRead, res(notDE, func(r *Resource) { r.Restrictions.DenyCountries = []string{"fr"} }), DenyPrivate},
		{"malformed owner", officerDE, ActionRead, res(notDE, func(r *Resource) { r.Owner = "DEU" }), DenyPrivate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.s, tt.a, tt.r)
			if d.Effect != tt.want {
				t.Errorf("Decide = %v (%s), want %v", d.Effect, d.Reason, tt.want)
			}
			if d.Reason == "" {
				t.Error("empty reason")
			}
		})
	}
}

func subj(s Subject, edit func(*Subject)) Subject {
	edit(&s)
	return s
}

func TestDecideDoesNotModifyArguments(t *testing.T) {
	s := with(agencyFR, identity.Restricted, identity.Officer, identity.Auditor)
	r := msgDEtoFR
	Decide(s, ActionRead, r)
	if !slices.Equal(s.Roles, []identity.Role{identity.Officer, identity.Auditor}) ||
		!slices.Equal(r.Restrictions.AllowCountries, []string{"FR"}) {
		t.Errorf("arguments changed: %+v %+v", s, r)
	}
}

func TestDecisionReason(t *testing.T) {
	d := Decide(with(gs, identity.Confidential, identity.Sysadmin, identity.CyberExpert), ActionRead, notDE)
	if d.Effect != DenyPrivate || !strings.Contains(d.Reason, "sysadmin:") || !strings.Contains(d.Reason, "cyber-expert:") {
		t.Errorf("Decide = %+v, want a private denial naming both roles", d)
	}
	d = Decide(officerFR, ActionUpdate, notDE)
	if !strings.Contains(d.Reason, "owner") {
		t.Errorf("Reason = %q, want it to name the owner rule", d.Reason)
	}
}

func TestDecisionErr(t *testing.T) {
	const op = "notice.Get"
	tests := []struct {
		name     string
		d        Decision
		wantKind errs.Kind
		wantMsg  string
	}{
		{"allow", Decision{Effect: Allow, Reason: "allowed"}, errs.Other, ""},
		{"permission", Decision{Effect: DenyPermission, Reason: "secret reason"}, errs.Permission, "permission denied"},
		{"private", Decision{Effect: DenyPrivate, Reason: "secret reason"}, errs.Private, "not found"},
		{"zero decision is private", Decision{}, errs.Private, "not found"},
		{"invalid effect is private", Decision{Effect: 42}, errs.Private, "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.d.Err(op)
			if tt.wantKind == errs.Other {
				if err != nil {
					t.Fatalf("Err = %v, want nil", err)
				}
				return
			}
			if got := errs.KindOf(err); got != tt.wantKind {
				t.Errorf("KindOf = %v, want %v", got, tt.wantKind)
			}
			if !errs.Is(tt.wantKind, err) {
				t.Errorf("errs.Is(%v) = false", tt.wantKind)
			}
			if got := errs.Message(err); got != tt.wantMsg {
				t.Errorf("Message = %q, want %q", got, tt.wantMsg)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q carries the reason", err)
			}
			if !strings.HasPrefix(err.Error(), op) {
				t.Errorf("error %q does not start with the op", err)
			}
		})
	}
	if got := Decide(officerFR, ActionRead, restricted).Err(op); !errs.Is(errs.Private, got) {
		t.Errorf("restricted read: Err = %v, want private", got)
	}
	if got := Decide(officerFR, ActionUpdate, notDE).Err(op); !errs.Is(errs.Permission, got) {
		t.Errorf("non-owner update: Err = %v, want permission", got)
	}
}

func TestRestrictionsValidate(t *testing.T) {
	tests := []struct {
		name      string
		r         Restrictions
		wantField string // "" for valid
	}{
		{"empty", Restrictions{}, ""},
		{"full", Restrictions{AllowCountries: []string{"FR", "DE"}, DenyCountries: []string{"JP"},
			AllowRegions: []member.Region{member.Europe}, DenyRegions: []member.Region{member.Africa}}, ""},
		{"owner may be listed anywhere", Restrictions{DenyCountries: []string{"FR"}, AllowRegions: []member.Region{member.Europe}}, ""},
		{"lower case allow", Restrictions{AllowCountries: []string{"fr"}}, "allow_countries"},
		{"alpha-3 allow", Restrictions{AllowCountries: []string{"FRA"}}, "allow_countries"},
		{"empty allow", Restrictions{AllowCountries: []string{""}}, "allow_countries"},
		{"digits deny", Restrictions{DenyCountries: []string{"F1"}}, "deny_countries"},
		{"one letter deny", Restrictions{DenyCountries: []string{"F"}}, "deny_countries"},
		{"non-ascii deny", Restrictions{DenyCountries: []string{"FÉ"}}, "deny_countries"},
		{"unknown allow region", Restrictions{AllowRegions: []member.Region{"antarctica"}}, "allow_regions"},
		{"empty deny region", Restrictions{DenyRegions: []member.Region{""}}, "deny_regions"},
		{"capitalised region", Restrictions{DenyRegions: []member.Region{"Europe"}}, "deny_regions"},
		{"country on both lists", Restrictions{AllowCountries: []string{"FR", "DE"}, DenyCountries: []string{"DE"}}, "deny_countries"},
		{"region on both lists", Restrictions{AllowRegions: []member.Region{member.Europe}, DenyRegions: []member.Region{member.Europe}}, "deny_regions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.r.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if !errs.Is(errs.Invalid, err) {
				t.Fatalf("Validate = %v, want an invalid error", err)
			}
			if got := errs.FieldOf(err); got != tt.wantField {
				t.Errorf("field = %q, want %q", got, tt.wantField)
			}
		})
	}
}

func TestRestrictionsIsZero(t *testing.T) {
	if !(Restrictions{}).IsZero() || (Restrictions{DenyRegions: []member.Region{member.Africa}}).IsZero() {
		t.Error("IsZero is wrong")
	}
}

func TestSubjectOf(t *testing.T) {
	p := identity.Principal{
		User: identity.User{ID: "u1", Org: "police-fr", Country: "FR",
			Roles: []identity.Role{identity.Officer}, Clearance: identity.Restricted},
		OrgKind: string(member.Agency),
		Region:  string(member.Europe),
	}
	s := SubjectOf(p)
	want := Subject{UserID: "u1", Org: "police-fr", Country: "FR", OrgKind: member.Agency, Region: member.Europe,
		Roles: []identity.Role{identity.Officer}, Clearance: identity.Restricted}
	if fmt.Sprint(s) != fmt.Sprint(want) {
		t.Errorf("SubjectOf = %+v, want %+v", s, want)
	}
	p.User.Roles[0] = identity.Auditor
	if s.Roles[0] != identity.Officer {
		t.Error("SubjectOf shares the roles slice")
	}
	p.User.Disabled = true
	if s := SubjectOf(p); !s.Suspended {
		t.Error("disabled user is not suspended")
	}
	if d := Decide(SubjectOf(identity.Principal{User: identity.User{Country: "FR", Roles: []identity.Role{identity.Officer}, Clearance: identity.Confidential},
		OrgKind: "agency", Region: "europe"}), ActionRead, notDE); d.Effect != Allow {
		t.Errorf("Decide on SubjectOf = %+v, want allow", d)
	}
}

func TestValidNames(t *testing.T) {
	for _, a := range Actions {
		if !a.Valid() {
			t.Errorf("%q not valid", a)
		}
	}
	if Action("").Valid() || Action("READ").Valid() {
		t.Error("bad action valid")
	}
	for _, h := range []Handling{H0, H1, H2, H3} {
		if !h.Valid() {
			t.Errorf("%q not valid", h)
		}
	}
	if Handling("").Valid() || Handling("h1").Valid() {
		t.Error("bad handling valid")
	}
	for _, k := range Kinds {
		if !KnownKind(k) {
			t.Errorf("%q not known", k)
		}
	}
	if KnownKind("bounty") || KnownKind("") {
		t.Error("unknown kind known")
	}
	for e, want := range map[Effect]string{Allow: "allow", DenyPermission: "deny-permission", DenyPrivate: "deny-private", 7: "invalid"} {
		if e.String() != want {
			t.Errorf("%d.String() = %q, want %q", int(e), e.String(), want)
		}
	}
	if (Decision{}).Allowed() || !(Decision{Effect: Allow}).Allowed() {
		t.Error("Allowed is wrong")
	}
}

// TestTableCoversRoles guards the permission table: every role has a grant
// and an organisation kind, and no grant names an unknown kind or action.
func TestTableCoversRoles(t *testing.T) {
	for _, role := range identity.Roles {
		found := false
		for _, g := range grants {
			if g.role == role {
				found = true
			}
		}
		if !found {
			t.Errorf("role %s has no grant", role)
		}
		if len(roleOrgKinds[role]) == 0 {
			t.Errorf("role %s has no organisation kind", role)
		}
	}
	for _, g := range grants {
		for _, k := range g.kinds {
			if !KnownKind(k) {
				t.Errorf("grant to %s names unknown kind %q", g.role, k)
			}
		}
		for _, a := range g.actions {
			if !a.Valid() {
				t.Errorf("grant to %s names unknown action %q", g.role, a)
			}
		}
	}
}
