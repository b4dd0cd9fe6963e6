package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/screen"
)

// checkRoutes are the clearinghouse's pages: the check page (a travel
// document by number or machine-readable zone, a vehicle, a person, a work
// of art), the hits inbox with its confirm and reject forms, a hit's page
// and the statistics. The screen service decides and audits every check,
// read and decision; a hit the user may not see answers the page given for
// a path that does not exist.
func (s *Server) checkRoutes() []route {
	off := s.d.Screen == nil
	return []route{
		{pattern: "GET /checks", auth: true, off: off, h: s.checkPage},
		{pattern: "POST /checks", auth: true, off: off, h: s.checkRun},
		{pattern: "POST /checks/manifest", auth: true, off: off, maxForm: maxManifestForm, h: s.manifestRun},
		{pattern: "GET /checks/stats", auth: true, off: off, h: s.checkStats},
		{pattern: "GET /hits", auth: true, off: off, h: s.hitsPage},
		{pattern: "GET /hits/{id}", auth: true, off: off, h: s.hitPage},
		{pattern: "POST /hits/{id}/confirm", auth: true, off: off, h: s.hitDecide(true)},
		{pattern: "POST /hits/{id}/reject", auth: true, off: off, h: s.hitDecide(false)},
	}
}

// canCheck reports whether p runs checks: a member country's officer,
// NCB administrator or border system. It only decides what the pages and
// the navigation show; the screen service decides again on every check.
func canCheck(p identity.Principal) bool {
	if p.User.Country == "" || !(p.User.HasRole(identity.Officer) || p.User.HasRole(identity.NCBAdmin) || p.User.HasRole(identity.BorderSystem)) {
		return false
	}
	return record.Visible(p, policy.ActionSearch, policy.Resource{Kind: screen.KindDocument})
}

// canSeeHits reports whether p follows its country's hits.
func canSeeHits(p identity.Principal) bool {
	return p.User.Country != "" && record.Visible(p, policy.ActionRead, policy.Resource{Kind: policy.KindHit})
}

// canSeeStats reports whether p reads the check statistics: its own
// country's, or every country's for the General Secretariat and the
// oversight body.
func canSeeStats(p identity.Principal) bool {
	return record.Visible(p, policy.ActionRead, policy.Resource{Kind: policy.KindHit})
}

// checkTabs are the links between the clearinghouse pages that p may use.
func checkTabs(p identity.Principal, path string) []navItem {
	var out []navItem
	add := func(key, href string) { out = append(out, navItem{Key: key, Href: href, Current: path == href}) }
	if canCheck(p) {
		add("checks.tab.check", "/checks")
	}
	if canSeeHits(p) {
		add("checks.tab.hits", "/hits")
	}
	if canSeeStats(p) {
		add("checks.tab.stats", "/checks/stats")
	}
	return out
}

// checkForms are the tabs of the check page: the single checks, then the
// manifest or batch.
var checkForms = []string{screen.KindDocument, screen.KindVehicle, screen.KindPerson, screen.KindArtwork, kindManifest}

// checkFields are the posted fields of each check form besides the
// context (purpose, priority, location).
var checkFields = map[string][]string{
	screen.KindDocument: {"issuing_country", "number", "mrz"},
	screen.KindVehicle:  {"vin", "plate", "plate_country"},
	screen.KindPerson:   {"name", "birth_date", "nationality", "sex"},
	screen.KindArtwork:  {"text"},
}

// checkFieldKeys are the catalogue keys of the fields' labels, for the
// message that names the field at fault.
var checkFieldKeys = map[string]string{
	"purpose": "checks.field.purpose", "priority": "checks.field.priority", "location": "checks.field.location",
	"issuing_country": "checks.field.issuing_country", "number": "checks.field.number", "mrz": "checks.field.mrz",
	"vin": "checks.field.vin", "plate": "checks.field.plate", "plate_country": "checks.field.plate_country",
	"name": "checks.field.name", "birth_date": "checks.field.birth_date", "nationality": "checks.field.nationality",
	"sex": "checks.field.sex", "text": "checks.field.text", "reason": "hits.field.reason",
	"from": "checkstats.from", "to": "checkstats.to",
}

// checkErrKeys are the catalogue keys of what each field's refusal says
// in languages other than English (which shows the service's own, more
// precise message).
var checkErrKeys = map[string]string{
	"purpose": "checks.err.purpose", "priority": "checks.err.priority", "location": "checks.err.location",
	"issuing_country": "checks.err.country", "number": "checks.err.number", "mrz": "checks.err.mrz",
	"vin": "checks.err.vin", "plate": "checks.err.plate", "plate_country": "checks.err.country",
	"name": "checks.err.name", "birth_date": "checks.err.birth_date", "nationality": "checks.err.country",
	"sex": "checks.err.sex", "text": "checks.err.text", "reason": "hits.err.reason",
	"from": "checkstats.err.date", "to": "checkstats.err.date",
}

// checkFormError turns a refusal of the screen service into the form's
// error: the field at fault and what is wrong, in the user's language.
func (s *Server) checkFormError(lang string, err error) formError {
	f := errs.FieldOf(err)
	fe := formError{Field: f, FieldKey: checkFieldKeys[f]}
	switch key, ok := checkErrKeys[f]; {
	case lang == "en" && errs.KindOf(err) == errs.Invalid:
		fe.Error = errs.Message(err)
	case ok && errs.KindOf(err) == errs.Invalid:
		fe.Error = s.cat.T(lang, key)
	default:
		fe.Error = s.errText(lang, err)
	}
	return fe
}

// checkData is the content of the check page: the form with what was
// typed, and the result of the check just made.
type checkData struct {
	Tabs       []navItem
	Kind       string    // the form shown
	Kinds      []navItem // the forms' tabs
	Values     map[string]string
	Priorities []option
	Sexes      []option
	Result     *checkResult
	Manifest   *manifestView
	Unavail    bool // the check is not available yet (person screening)
	formError
}

// V returns the value typed in field name.
func (d checkData) V(name string) string { return d.Values[name] }

// checkResult is a check's answer as the page shows it.
type checkResult struct {
	CheckID string
	Kind    string
	Hit     bool
	Matches []matchView
}

// matchView is one match of a check: a hit (a record matched), or for
// persons a candidate below the alert threshold.
type matchView struct {
	N                      int
	Kind, KindL            string
	RecordID, Ref          string
	Owner, OwnerName       string
	Hit                    bool
	HitID, Status, StatusL string
	Deadline               string
	Score                  string
	Name                   string
	Explain                []reasonView
	Facts                  []fact
	Link                   string // the record's page
}

// reasonView is one line of a person candidate's explanation.
type reasonView struct {
	Kind, Query, Candidate, How, Weight string
}

// checkKind reads the form asked for; the travel document by default.
func checkKind(v string) string {
	if slices.Contains(checkForms, v) {
		return v
	}
	return screen.KindDocument
}

// checkPage shows the check form of one kind.
func (s *Server) checkPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !canCheck(*rq.p) {
		return errs.E("web.checks", errs.NotFound, "no such page")
	}
	kind := checkKind(r.URL.Query().Get("kind"))
	return s.renderCheck(w, r, rq, http.StatusOK, kind, map[string]string{}, nil, formError{}, false)
}

// renderCheck shows the check page.
// res is the answer to show, if any: a *checkResult or a *manifestView.
func (s *Server) renderCheck(w http.ResponseWriter, r *http.Request, rq *request, status int, kind string, values map[string]string, res any, fe formError, unavail bool) error {
	d := checkData{Tabs: checkTabs(*rq.p, "/checks"), Kind: kind, Values: values, Unavail: unavail, formError: fe}
	switch v := res.(type) {
	case *checkResult:
		d.Result = v
	case *manifestView:
		d.Manifest = v
	}
	for _, k := range checkForms {
		d.Kinds = append(d.Kinds, navItem{Key: checkKindKeys[k], Href: "/checks?kind=" + k, Current: k == kind})
	}
	if values["priority"] == "" {
		values["priority"] = screen.Routine
		if rq.p.User.HasRole(identity.BorderSystem) {
			values["priority"] = screen.Urgent
		}
	}
	d.Priorities = s.options(rq.lang, []string{screen.Urgent, screen.Routine}, priorityKeys, values["priority"])
	d.Sexes = s.options(rq.lang, []string{"", "M", "F", "U"}, sexKeys, values["sex"])
	v := s.newView(r, rq, "checks.title", d)
	v.Path = "/checks?kind=" + kind
	return s.render(w, status, "checks", v)
}

// checkRun makes the check posted and shows its result under the form; a
// refused input shows the form again with the field at fault and what
// was typed.
func (s *Server) checkRun(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !canCheck(*rq.p) {
		return errs.E("web.checks", errs.NotFound, "no such page")
	}
	kind := checkKind(r.PostForm.Get("kind"))
	values := map[string]string{}
	for _, f := range append([]string{"purpose", "priority", "location"}, checkFields[kind]...) {
		values[f] = strings.TrimSpace(r.PostForm.Get(f))
	}
	c := screen.Context{Purpose: values["purpose"], Priority: values["priority"], Location: values["location"]}
	ctx, p := r.Context(), *rq.p
	var res screen.Result
	var err error
	switch kind {
	case screen.KindDocument:
		res, err = s.d.Screen.CheckDocument(ctx, p, c, screen.DocumentQuery{IssuingCountry: values["issuing_country"], Number: values["number"], MRZ: values["mrz"]})
	case screen.KindVehicle:
		res, err = s.d.Screen.CheckVehicle(ctx, p, c, screen.VehicleQuery{VIN: values["vin"], Plate: values["plate"], PlateCountry: values["plate_country"]})
	case screen.KindPerson:
		if values["name"] == "" {
			err = errs.Invalidf("web.checks", "name", "give a name")
		} else {
			res, err = s.d.Screen.CheckPerson(ctx, p, c, screen.PersonQuery{Name: values["name"], BirthDate: values["birth_date"],
				Nationality: strings.ToUpper(values["nationality"]), Sex: values["sex"]})
		}
	default:
		res, err = s.d.Screen.CheckArtwork(ctx, p, c, screen.ArtworkQuery{Text: values["text"]})
	}
	switch errs.KindOf(err) {
	case errs.Invalid:
		return s.renderCheck(w, r, rq, http.StatusBadRequest, kind, values, nil, s.checkFormError(rq.lang, err), false)
	case errs.Unavailable:
		return s.renderCheck(w, r, rq, http.StatusServiceUnavailable, kind, values, nil, formError{}, true)
	}
	if err != nil {
		return err
	}
	out := &checkResult{CheckID: res.CheckID, Kind: res.Kind, Hit: res.Outcome == screen.Hit}
	for i, m := range res.Matches {
		out.Matches = append(out.Matches, s.matchView(rq.lang, i+1, m))
	}
	return s.renderCheck(w, r, rq, http.StatusOK, kind, values, out, formError{}, false)
}

// matchView returns how the page shows match m.
func (s *Server) matchView(lang string, n int, m screen.Match) matchView {
	v := matchView{N: n, Kind: m.Kind, KindL: s.label(lang, checkKindKeys, m.Kind), RecordID: m.RecordID, Ref: m.Ref,
		Owner: m.Owner, OwnerName: countryName(lang, m.Owner), Hit: m.Match, HitID: m.HitID, Status: m.Status,
		StatusL: s.hitStatus(lang, m.Status), Deadline: difTime(m.Deadline), Score: score(m.Score), Name: m.Name,
		Facts: s.summaryFacts(lang, m.Summary)}
	if plural, ok := kindPlurals[m.Kind]; ok && m.RecordID != "" {
		v.Link = "/property/" + plural + "/" + m.RecordID
	}
	v.Explain = s.reasons(lang, m.Explain)
	return v
}

// reasons returns how the pages show a person candidate's explanation.
func (s *Server) reasons(lang string, rs []screen.Reason) []reasonView {
	var out []reasonView
	for _, x := range rs {
		out = append(out, reasonView{Kind: s.label(lang, reasonKindKeys, x.Kind), Query: x.Query, Candidate: x.Candidate,
			How: s.label(lang, reasonHowKeys, x.How), Weight: strconv.FormatFloat(x.Weight, 'f', 2, 64)})
	}
	return out
}

// priorityKeys are the catalogue keys of the priorities of a check.
var priorityKeys = map[string]string{screen.Urgent: "checks.priority.urgent", screen.Routine: "checks.priority.routine"}

// checkKindKeys are the catalogue keys of the databases checked.
var checkKindKeys = map[string]string{screen.KindDocument: "checks.kind.document", screen.KindVehicle: "checks.kind.vehicle",
	screen.KindPerson: "checks.kind.person", screen.KindArtwork: "checks.kind.artwork", kindManifest: "checks.kind.manifest"}

// kindPlurals are the paths of the property pages of each kind.
var kindPlurals = map[string]string{screen.KindDocument: "documents", screen.KindVehicle: "vehicles",
	screen.KindPerson: "persons", screen.KindArtwork: "artworks"}

// Catalogue keys of the parts of a person candidate's explanation.
var (
	reasonKindKeys = map[string]string{"name": "checks.reason.name", "token": "checks.reason.token",
		"birth_date": "checks.reason.birth_date", "nationality": "checks.reason.nationality", "sex": "checks.reason.sex"}
	reasonHowKeys = map[string]string{"exact": "checks.how.exact", "equivalent": "checks.how.equivalent",
		"phonetic": "checks.how.phonetic", "typo": "checks.how.typo", "initial": "checks.how.initial",
		"swapped": "checks.how.swapped", "partial": "checks.how.partial", "mismatch": "checks.how.mismatch",
		"transliterated": "checks.how.transliterated", "missing": "checks.how.missing", "reordered": "checks.how.reordered"}
	hitStatusKeys = map[string]string{screen.StatusPending: "hits.status.pending", screen.StatusConfirmed: "hits.status.confirmed",
		screen.StatusRejected: "hits.status.rejected", screen.StatusSilent: "hits.status.silent"}
)

// hitStatus returns the label of a hit's status.
func (s *Server) hitStatus(lang, status string) string { return s.label(lang, hitStatusKeys, status) }

// score formats a score in [0, 1].
func score(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) }

// summaryOrder are the record fields a match shows, in order; the labels
// are the property pages' own.
var summaryOrder = []string{"number", "type", "status", "issuing_country", "issue_date", "expiry_date", "event_date",
	"vin", "plate", "plate_country", "make", "model", "colour", "year",
	"category", "title", "artist", "period", "materials", "dimensions", "description",
	"names", "birth_dates", "birth_place", "sex", "nationalities"}

// summaryFacts returns the facts of a record's content as a match carries
// it (JSON), labelled and translated; fields it does not know are left
// out.
func (s *Server) summaryFacts(lang string, raw json.RawMessage) []fact {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	var out []fact
	for _, k := range summaryOrder {
		v, ok := m[k]
		if !ok {
			continue
		}
		txt := ""
		switch x := v.(type) {
		case string:
			txt = x
			switch k {
			case "type":
				txt = s.label(lang, docTypeKeys, x)
			case "status":
				txt = s.label(lang, docStatusKeys, x)
			case "category":
				txt = s.label(lang, categoryKeys, x)
			case "sex":
				txt = s.label(lang, sexKeys, x)
			case "issuing_country", "plate_country":
				txt = countryName(lang, x)
			}
		case float64:
			txt = strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			if x {
				txt = "✓"
			}
		case []any:
			var parts []string
			for _, e := range x {
				switch y := e.(type) {
				case string:
					parts = append(parts, y)
				case map[string]any:
					if full, ok := y["full"].(string); ok {
						parts = append(parts, full)
					}
				default:
					parts = append(parts, fmt.Sprint(y))
				}
			}
			sep := ", "
			if k == "names" {
				sep = " · "
			}
			txt = strings.Join(parts, sep)
		}
		if txt == "" {
			continue
		}
		key := propertyFieldKeys[k]
		if key == "" {
			key = "property.field." + k
		}
		out = append(out, fact{Key: key, Value: txt})
	}
	return out
}
