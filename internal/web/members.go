package web

import (
	"net/http"
	"strings"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/policy"
)

// canManageMembers reports whether p admits and suspends member countries:
// a system administrator of the General Secretariat, who administers the
// organisations the Secretariat owns. The members pages ask it on every
// request, before anything else, so that everyone else gets the answer
// given for a page that does not exist; admin decides again.
func canManageMembers(p identity.Principal) bool {
	// Owner "" makes this a General Secretariat resource: no NCB administers it.
	return policy.Decide(policy.SubjectOf(p), policy.ActionAdminister, policy.Resource{Kind: policy.KindOrg}).Allowed()
}

// memberGate lets a member-country administrator through; anyone else is
// recorded in the audit log as refused action on target, and gets a
// Private error (shown as "not found").
func (s *Server) memberGate(r *http.Request, rq *request, action, target string) error {
	if canManageMembers(*rq.p) {
		return nil
	}
	if err := s.record(r, rq, action, target, audit.OutcomeDeny, "not a General Secretariat administrator"); err != nil {
		return err
	}
	return errs.E("web.members", errs.Private)
}

// countryTarget returns the audit target of the country with code cc as
// typed: "country:XX", or "country:?" when cc is not a code.
func countryTarget(cc string) string {
	if c, err := member.NormalizeCode(cc); err == nil {
		return "country:" + c
	}
	return "country:?"
}

// membersData is the content of the members page.
type membersData struct {
	Countries []countryRow
	Suspended int // how many are suspended
}

type countryRow struct {
	Alpha2    string
	Name      string // in the reader's language
	Region    member.Region
	Suspended bool
}

// members lists the member countries, each with a button that suspends or
// reinstates it.
func (s *Server) members(w http.ResponseWriter, r *http.Request, rq *request) error {
	cs, err := s.d.Admin.Countries(r.Context(), *rq.p)
	if errs.Is(errs.Permission, err) {
		// Whatever the policy's reason: the page does not exist for them.
		return errs.E("web.members", errs.Private)
	}
	if err != nil {
		return err
	}
	var d membersData
	for _, c := range cs {
		row := countryRow{Alpha2: c.Alpha2, Name: countryName(rq.lang, c.Alpha2), Region: c.Region,
			Suspended: c.Status == member.Suspended}
		if row.Name == c.Alpha2 {
			// A code that CLDR does not know: the stored English name.
			row.Name = c.Name
		}
		if row.Suspended {
			d.Suspended++
		}
		d.Countries = append(d.Countries, row)
	}
	v := s.newView(r, rq, "members.title", d)
	v.Path = "/members"
	return s.render(w, http.StatusOK, "members", v)
}

// setCountryStatus returns the handler that suspends (or reinstates) the
// country named in the path.
func (s *Server) setCountryStatus(st member.Status) handler {
	action := "member.suspend"
	if st == member.Active {
		action = "member.reinstate"
	}
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		cc := r.PathValue("cc")
		if err := s.memberGate(r, rq, action, countryTarget(cc)); err != nil {
			return err
		}
		err := s.d.Admin.SetCountryStatus(r.Context(), *rq.p, cc, st)
		if errs.Is(errs.Invalid, err) {
			// A malformed code names no country.
			return errs.E("web.setCountryStatus", errs.NotFound, err)
		}
		if err != nil {
			return err
		}
		norm, _ := member.NormalizeCode(cc)
		http.Redirect(w, r, "/members#country-"+norm, http.StatusSeeOther)
		return nil
	}
}

// memberForm is the content of the admission page: the values entered,
// the regions offered and the error, if any.
type memberForm struct {
	Alpha2, Alpha3, Name, NCBName string
	Region                        member.Region
	Regions                       []member.Region
	formError
}

// memberFields are the fields of the admission form, with their labels.
var memberFields = map[string]string{
	"alpha2":   "field.alpha2",
	"alpha3":   "field.alpha3",
	"name":     "field.country_name",
	"region":   "field.region",
	"ncb_name": "field.ncb_name",
}

// newMemberForm shows the form that admits a country.
func (s *Server) newMemberForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.memberGate(r, rq, "member.admit", "country:?"); err != nil {
		return err
	}
	return s.renderMemberForm(w, r, rq, http.StatusOK, memberForm{})
}

func (s *Server) renderMemberForm(w http.ResponseWriter, r *http.Request, rq *request, status int, f memberForm) error {
	f.Regions = member.Regions
	v := s.newView(r, rq, "members.new.title", f)
	v.Path = "/members/new"
	return s.render(w, status, "member_new", v)
}

// admitMember admits a country from the form. A refused input shows the
// form again with the values entered and the field at fault (422, or 409
// for a country that is already a member); nothing is stored then.
func (s *Server) admitMember(w http.ResponseWriter, r *http.Request, rq *request) error {
	pf := r.PostForm
	f := memberForm{
		Alpha2:  strings.ToUpper(strings.TrimSpace(pf.Get("alpha2"))),
		Alpha3:  strings.ToUpper(strings.TrimSpace(pf.Get("alpha3"))),
		Name:    strings.TrimSpace(pf.Get("name")),
		Region:  member.Region(pf.Get("region")),
		NCBName: strings.TrimSpace(pf.Get("ncb_name")),
	}
	if err := s.memberGate(r, rq, "member.admit", countryTarget(f.Alpha2)); err != nil {
		return err
	}
	c := member.Country{Alpha2: f.Alpha2, Alpha3: f.Alpha3, Name: f.Name, Region: f.Region, Status: member.Active}
	// The country's fields, then the NCB's name, then admin: so that an
	// error in the NCB's name is not taken for one in the country's.
	err := c.Validate()
	if err == nil {
		err = checkNCBName(f.NCBName)
	}
	if err == nil {
		err = s.d.Admin.AdmitCountry(r.Context(), *rq.p, c, f.NCBName)
	}
	if k := errs.KindOf(err); k == errs.Invalid || k == errs.Conflict {
		f.Field, f.Error = errs.FieldOf(err), s.errText(rq.lang, err)
		f.FieldKey = memberFields[f.Field]
		status := http.StatusUnprocessableEntity
		if k == errs.Conflict {
			status = http.StatusConflict
		}
		return s.renderMemberForm(w, r, rq, status, f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/members#country-"+f.Alpha2, http.StatusSeeOther)
	return nil
}

// checkNCBName checks the name given to a new NCB ("" lets admin name it)
// by the rules of member.Org, and names the field ncb_name.
func checkNCBName(name string) error {
	if name == "" {
		return nil
	}
	o := member.Org{ID: "ncb-xx", Kind: member.NCB, Name: name, Country: "XX"}
	if err := o.Validate(); err != nil {
		return errs.E("web.admitMember", errs.Invalid, errs.Message(err), "ncb_name")
	}
	return nil
}
