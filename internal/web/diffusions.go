package web

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/diffusion"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
)

// diffusionRoutes are the diffusion pages: the received list (the inbox of
// diffusions), the sent list, the compose form, a diffusion's page with its
// acknowledge, review and withdraw forms, the withdrawal notice, and the
// General Secretariat's review queue. The diffusion service decides and
// audits every read and change; a diffusion the user may not see answers
// the page given for a path that does not exist.
func (s *Server) diffusionRoutes() []route {
	off := s.d.Diffusions == nil
	return []route{
		{pattern: "GET /diffusions", auth: true, off: off, h: s.difReceived},
		{pattern: "GET /diffusions/sent", auth: true, off: off, h: s.difSent},
		{pattern: "GET /diffusions/new", auth: true, off: off, h: s.difNewForm},
		{pattern: "POST /diffusions", auth: true, off: off, h: s.difSend},
		{pattern: "GET /diffusions/review", auth: true, off: off, h: s.difQueue},
		{pattern: "GET /diffusions/{id}", auth: true, off: off, h: s.difPage},
		{pattern: "GET /diffusions/{id}/withdrawal", auth: true, off: off, h: s.difNotice},
		{pattern: "POST /diffusions/{id}/ack", auth: true, off: off, h: s.difAck},
		{pattern: "POST /diffusions/{id}/review", auth: true, off: off, h: s.difReview},
		{pattern: "POST /diffusions/{id}/withdraw", auth: true, off: off, h: s.difWithdraw},
	}
}

// difTabs are the links between the diffusion pages that p may use.
func difTabs(p identity.Principal, path string) []navItem {
	var out []navItem
	add := func(key, href string) { out = append(out, navItem{Key: key, Href: href, Current: path == href}) }
	sub := policy.SubjectOf(p)
	if p.User.Country != "" && policy.Decide(sub, policy.ActionCreate, policy.Resource{Kind: policy.KindDiffusion, Owner: p.User.Country}).Allowed() {
		add("dif.tab.received", "/diffusions")
		add("dif.tab.sent", "/diffusions/sent")
		add("dif.tab.new", "/diffusions/new")
	}
	if policy.Decide(sub, policy.ActionReview, policy.Resource{Kind: policy.KindDiffusion}).Allowed() {
		add("dif.tab.review", "/diffusions/review")
	}
	return out
}

// difLabels maps the values shown on the pages to their catalogue keys.
var difLabels = map[string]string{
	"kind:wanted": "dif.kind.wanted", "kind:missing": "dif.kind.missing", "kind:information": "dif.kind.information",
	"urgency:urgent": "dif.urgency.urgent", "urgency:routine": "dif.urgency.routine",
	"handling:H0": "dif.handling.h0", "handling:H1": "dif.handling.h1", "handling:H2": "dif.handling.h2", "handling:H3": "dif.handling.h3",
	"state:delivered": "dif.state.delivered", "state:acknowledged": "dif.state.acknowledged", "state:withdrawn": "dif.state.withdrawn",
	"status:active": "dif.status.active", "status:withdrawn": "dif.status.withdrawn",
	"review:pending": "dif.review.pending", "review:compliant": "dif.review.compliant", "review:non-compliant": "dif.review.non-compliant",
}

// difLabel returns the label of value v of kind what ("kind", "state", …)
// in lang; the value itself when it has none.
func (s *Server) difLabel(lang, what, v string) string {
	if key, ok := difLabels[what+":"+v]; ok {
		return s.cat.T(lang, key)
	}
	return v
}

// difTime formats a time for the pages, "" for the zero time.
func difTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// difRow is one diffusion in a list.
type difRow struct {
	ID, Sender, SenderName, Kind, Urgency, Subject, Time, State, Review, Reason string
	KindL, UrgencyL, StateL, StatusL, ReviewL                                   string
	Withdrawn                                                                   bool
	Recipients, Acked                                                           int
}

// difListData is the content of the three list pages.
type difListData struct {
	Tabs []navItem
	Rows []difRow
	Sent bool // the sent list: recipients and acknowledgements
}

func (s *Server) difList(w http.ResponseWriter, r *http.Request, rq *request, title, page string, rows []difRow, sent bool) error {
	v := s.newView(r, rq, title, difListData{Tabs: difTabs(*rq.p, r.URL.Path), Rows: rows, Sent: sent})
	return s.render(w, http.StatusOK, page, v)
}

// difReceived lists the diffusions received by the user's country.
func (s *Server) difReceived(w http.ResponseWriter, r *http.Request, rq *request) error {
	in, err := s.d.Diffusions.Received(r.Context(), *rq.p, r.URL.Query().Get("before"), 0)
	if err != nil {
		return err
	}
	var rows []difRow
	for _, x := range in {
		d := x.Diffusion
		row := difRow{ID: d.ID, Sender: d.Owner, SenderName: countryName(rq.lang, d.Owner), Kind: string(d.Kind), Urgency: string(d.Urgency),
			Subject: d.Subject, Time: difTime(x.Copy.DeliveredAt), State: string(x.Copy.State)}
		row.KindL, row.UrgencyL, row.StateL = s.difLabel(rq.lang, "kind", row.Kind), s.difLabel(rq.lang, "urgency", row.Urgency), s.difLabel(rq.lang, "state", row.State)
		if x.Notice != nil {
			row.Withdrawn, row.Reason, row.Time = true, x.Notice.Reason, difTime(x.Notice.WithdrawnAt)
		}
		rows = append(rows, row)
	}
	return s.difList(w, r, rq, "dif.received.title", "diffusions", rows, false)
}

// difSent lists the diffusions sent by the user's country.
func (s *Server) difSent(w http.ResponseWriter, r *http.Request, rq *request) error {
	ds, err := s.d.Diffusions.Sent(r.Context(), *rq.p, r.URL.Query().Get("before"), 0)
	if err != nil {
		return err
	}
	return s.difList(w, r, rq, "dif.sent.title", "diffusion_sent", s.difRows(rq, ds), true)
}

// difQueue lists the diffusions awaiting review.
func (s *Server) difQueue(w http.ResponseWriter, r *http.Request, rq *request) error {
	ds, err := s.d.Diffusions.ReviewQueue(r.Context(), *rq.p, r.URL.Query().Get("before"), 0)
	if err != nil {
		return err
	}
	return s.difList(w, r, rq, "dif.queue.title", "diffusion_queue", s.difRows(rq, ds), false)
}

func (s *Server) difRows(rq *request, ds []diffusion.Diffusion) []difRow {
	rows := make([]difRow, 0, len(ds))
	for _, d := range ds {
		row := difRow{ID: d.ID, Sender: d.Owner, SenderName: countryName(rq.lang, d.Owner), Kind: string(d.Kind), Urgency: string(d.Urgency),
			Subject: d.Subject, Time: difTime(d.CreatedAt), State: string(d.Status), Review: string(d.Review),
			Withdrawn: d.Status == diffusion.Withdrawn, Reason: d.WithdrawnWhy, Recipients: len(d.Copies)}
		row.KindL, row.UrgencyL = s.difLabel(rq.lang, "kind", row.Kind), s.difLabel(rq.lang, "urgency", row.Urgency)
		row.StatusL, row.ReviewL = s.difLabel(rq.lang, "status", row.State), s.difLabel(rq.lang, "review", row.Review)
		for _, c := range d.Copies {
			if c.State == diffusion.Acknowledged {
				row.Acked++
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// difCopy is a recipient's copy as a page shows it.
type difCopy struct {
	Country, Name, State, StateL, Delivered, Acked, Withdrawn string
}

// difPageData is the content of a diffusion's page.
type difPageData struct {
	Tabs                                       []navItem
	ID, Ref, Sender, SenderName, Kind, Urgency string
	Subject, Text, LegalBasis                  string
	PersonName, PersonBirth                    string
	Created, Classification, Handling, Grading string
	Status, Review, ReviewReasons, Reviewed    string
	KindL, UrgencyL, HandlingL, ReviewL        string
	Withdrawn                                  bool
	WithdrawnAt, Reason                        string
	Copies                                     []difCopy
	OwnCopy                                    *difCopy // the reader's country's copy, for a recipient
	CanAck, CanReview, CanWithdraw, IsSender   bool
	formError
	Reasons string // the reasons typed, when a form is shown again
}

// difPage shows one diffusion; a recipient of a withdrawn one sees its
// withdrawal notice instead.
func (s *Server) difPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.renderDif(w, r, rq, http.StatusOK, r.PathValue("id"), formError{}, "")
}

func (s *Server) renderDif(w http.ResponseWriter, r *http.Request, rq *request, status int, id string, fe formError, reasons string) error {
	p := *rq.p
	d, err := s.d.Diffusions.Get(r.Context(), p, id)
	if errs.Is(errs.NotFound, err) {
		return s.renderNotice(w, r, rq, id)
	}
	if err != nil {
		return err
	}
	data := difPageData{Tabs: difTabs(p, ""), ID: d.ID, Ref: d.Ref, Sender: d.Owner, SenderName: countryName(rq.lang, d.Owner),
		Kind: string(d.Kind), Urgency: string(d.Urgency), Subject: d.Subject, Text: d.Text, LegalBasis: d.LegalBasis,
		Created: difTime(d.CreatedAt), Classification: d.Classification.String(), Handling: string(d.Handling), Grading: d.Grading.String(),
		Status: string(d.Status), Review: string(d.Review), ReviewReasons: d.ReviewReasons, Reviewed: difTime(d.ReviewedAt),
		Withdrawn: d.Status == diffusion.Withdrawn, WithdrawnAt: difTime(d.WithdrawnAt), Reason: d.WithdrawnWhy,
		IsSender: p.User.Country == d.Owner, formError: fe, Reasons: reasons}
	if data.Handling == "" {
		data.Handling = string(policy.H0)
	}
	data.KindL, data.UrgencyL = s.difLabel(rq.lang, "kind", data.Kind), s.difLabel(rq.lang, "urgency", data.Urgency)
	data.HandlingL, data.ReviewL = s.difLabel(rq.lang, "handling", data.Handling), s.difLabel(rq.lang, "review", data.Review)
	if d.Person != nil {
		data.PersonName = d.Person.Primary()
		for _, b := range d.Person.BirthDates {
			data.PersonBirth = strings.TrimPrefix(data.PersonBirth+", "+string(b), ", ")
		}
	}
	for _, c := range d.Copies {
		dc := difCopy{Country: c.Country, Name: countryName(rq.lang, c.Country), State: string(c.State), StateL: s.difLabel(rq.lang, "state", string(c.State)), Delivered: difTime(c.DeliveredAt),
			Acked: difTime(c.AcknowledgedAt), Withdrawn: difTime(c.WithdrawnAt)}
		data.Copies = append(data.Copies, dc)
		if c.Country == p.User.Country && !data.IsSender {
			data.OwnCopy = &dc
			data.CanAck = c.State == diffusion.Delivered
		}
	}
	active := d.Status == diffusion.Active
	res := d.Meta.Resource(policy.KindDiffusion)
	data.CanReview = active && d.Review == diffusion.Pending && record.Visible(p, policy.ActionReview, res)
	data.CanWithdraw = active && data.IsSender && record.Visible(p, policy.ActionDelete, res)
	v := s.newView(r, rq, "dif.page.title", data)
	return s.render(w, status, "diffusion", v)
}

// difNoticeData is the content of the withdrawal notice page.
type difNoticeData struct {
	Tabs                                        []navItem
	ID, Sender, SenderName, WithdrawnAt, Reason string
}

// difNotice shows the withdrawal notice of a withdrawn diffusion.
func (s *Server) difNotice(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.renderNotice(w, r, rq, r.PathValue("id"))
}

func (s *Server) renderNotice(w http.ResponseWriter, r *http.Request, rq *request, id string) error {
	n, err := s.d.Diffusions.Withdrawal(r.Context(), *rq.p, id)
	if err != nil {
		return err
	}
	v := s.newView(r, rq, "dif.notice.title", difNoticeData{Tabs: difTabs(*rq.p, ""), ID: n.ID, Sender: n.Sender,
		SenderName: countryName(rq.lang, n.Sender), WithdrawnAt: difTime(n.WithdrawnAt), Reason: n.Reason})
	return s.render(w, http.StatusOK, "diffusion_withdrawn", v)
}

// difAck acknowledges the user's country's copy.
func (s *Server) difAck(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	if _, err := s.d.Diffusions.Acknowledge(r.Context(), *rq.p, id); err != nil && !errs.Is(errs.Conflict, err) {
		return err
	}
	http.Redirect(w, r, "/diffusions/"+id, http.StatusSeeOther)
	return nil
}

// difReview records a reviewer's decision: compliant, or non-compliant
// with reasons (which withdraws the diffusion).
func (s *Server) difReview(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	reasons := r.PostForm.Get("reasons")
	dec := diffusion.Decision{Reasons: reasons}
	switch r.PostForm.Get("decision") {
	case "compliant":
		dec.Compliant = true
	case "non-compliant":
	default:
		return s.renderDif(w, r, rq, http.StatusBadRequest, id, s.difFormError(rq, errs.Invalidf("web.difReview", "decision", "choose compliant or non-compliant")), reasons)
	}
	_, err := s.d.Diffusions.Review(r.Context(), *rq.p, id, dec)
	if errs.Is(errs.Invalid, err) {
		return s.renderDif(w, r, rq, http.StatusBadRequest, id, s.difFormError(rq, err), reasons)
	}
	if err != nil {
		return err
	}
	if dec.Compliant {
		http.Redirect(w, r, "/diffusions/review", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/diffusions/"+id, http.StatusSeeOther)
	return nil
}

// difWithdraw withdraws the user's country's diffusion.
func (s *Server) difWithdraw(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	reason := r.PostForm.Get("reason")
	_, err := s.d.Diffusions.Withdraw(r.Context(), *rq.p, id, reason)
	if errs.Is(errs.Invalid, err) {
		return s.renderDif(w, r, rq, http.StatusBadRequest, id, s.difFormError(rq, err), reason)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/diffusions/"+id, http.StatusSeeOther)
	return nil
}

// difFields maps the service's field names to the compose form's fields
// their labels and their error messages.
var difFields = map[string][3]string{
	"kind":           {"kind", "dif.field.kind", "dif.err.kind"},
	"urgency":        {"urgency", "dif.field.urgency", "dif.err.urgency"},
	"subject":        {"subject", "dif.field.subject", "dif.err.subject"},
	"text":           {"text", "dif.field.text", "dif.err.text"},
	"legal_basis":    {"legal_basis", "dif.field.legal_basis", "dif.err.legal_basis"},
	"countries":      {"countries", "dif.field.countries", "dif.err.countries"},
	"regions":        {"regions", "dif.field.regions", "dif.err.regions"},
	"person_name":    {"person_name", "dif.field.person_name", "dif.err.person_name"},
	"person_birth":   {"person_birth", "dif.field.person_birth", "dif.err.person_birth"},
	"deny_countries": {"deny_countries", "dif.field.deny_countries", "dif.err.deny_countries"},
	"ref":            {"ref", "dif.field.ref", "dif.err.ref"},
	"handling":       {"handling", "dif.field.handling", "dif.err.handling"},
	"classification": {"classification", "dif.field.classification", "dif.err.classification"},
	"reasons":        {"reasons", "dif.field.reasons", "dif.err.reasons"},
	"reason":         {"reason", "dif.field.reason", "dif.err.reason"},
	"decision":       {"decision", "dif.field.decision", "dif.err.decision"},
}

// difFormError returns the form error of err: the form field at fault,
// its label and a message in the reader's language.
func (s *Server) difFormError(rq *request, err error) formError {
	f := errs.FieldOf(err)
	if i := strings.IndexByte(f, '['); i > 0 && !strings.HasPrefix(f, "person.") {
		f = f[:i]
	}
	switch {
	case strings.HasPrefix(f, "person.birth_dates"):
		f = "person_birth"
	case strings.HasPrefix(f, "person."):
		f = "person_name"
	case strings.HasPrefix(f, "restrictions.deny_countries"), f == "deny_countries":
		f = "deny_countries"
	}
	fe := formError{Field: f, Error: s.errText(rq.lang, err)}
	if m, ok := difFields[f]; ok {
		fe.Field, fe.FieldKey = m[0], m[1]
		if rq.lang != "en" {
			fe.Error = s.cat.T(rq.lang, m[2])
		}
	}
	return fe
}

// difOption is a choice of a select or a group of boxes.
type difOption struct {
	Value, Label string
	Selected     bool
}

// difForm is the compose form: the values entered, the choices and the error.
type difForm struct {
	Tabs                                               []navItem
	Kind, Urgency, Subject, Text, LegalBasis           string
	PersonName, PersonBirth, Deny, Ref, Handling       string
	Classification                                     string
	Countries, Regions, Kinds, Urgencies, Classes, Hcs []difOption
	formError
}

// difNewForm shows the compose form.
func (s *Server) difNewForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	if rq.p.User.Country == "" {
		return errs.E("web.difNewForm", errs.Private)
	}
	return s.renderCompose(w, r, rq, http.StatusOK, difForm{Kind: string(diffusion.Information), Urgency: string(diffusion.Routine),
		Classification: identity.Official.String(), Handling: string(policy.H0)}, nil, nil)
}

func (s *Server) renderCompose(w http.ResponseWriter, r *http.Request, rq *request, status int, f difForm, countries []string, regions []member.Region) error {
	f.Tabs = difTabs(*rq.p, "/diffusions/new")
	ms, err := member.Members()
	if err != nil {
		return err
	}
	for _, c := range ms {
		if c.Alpha2 == rq.p.User.Country {
			continue
		}
		f.Countries = append(f.Countries, difOption{Value: c.Alpha2, Label: countryName(rq.lang, c.Alpha2), Selected: slices.Contains(countries, c.Alpha2)})
	}
	slices.SortStableFunc(f.Countries, func(a, b difOption) int { return strings.Compare(a.Label, b.Label) })
	for _, g := range member.Regions {
		f.Regions = append(f.Regions, difOption{Value: string(g), Label: s.cat.T(rq.lang, "region."+string(g)), Selected: slices.Contains(regions, g)})
	}
	for _, k := range diffusion.Kinds {
		f.Kinds = append(f.Kinds, difOption{Value: string(k), Label: s.difLabel(rq.lang, "kind", string(k)), Selected: f.Kind == string(k)})
	}
	for _, u := range []diffusion.Urgency{diffusion.Routine, diffusion.Urgent} {
		f.Urgencies = append(f.Urgencies, difOption{Value: string(u), Label: s.difLabel(rq.lang, "urgency", string(u)), Selected: f.Urgency == string(u)})
	}
	for c := identity.Public; c <= rq.p.User.Clearance; c++ {
		f.Classes = append(f.Classes, difOption{Value: c.String(), Label: s.cat.T(rq.lang, "clearance."+c.String()), Selected: f.Classification == c.String()})
	}
	for _, h := range []policy.Handling{policy.H0, policy.H1, policy.H2, policy.H3} {
		f.Hcs = append(f.Hcs, difOption{Value: string(h), Label: s.difLabel(rq.lang, "handling", string(h)), Selected: f.Handling == string(h)})
	}
	v := s.newView(r, rq, "dif.new.title", f)
	v.Path = "/diffusions/new"
	return s.render(w, status, "diffusion_new", v)
}

// difSend sends the diffusion composed. A refused input shows the form
// again with the values entered and the field at fault.
func (s *Server) difSend(w http.ResponseWriter, r *http.Request, rq *request) error {
	const op = "web.difSend"
	pf := r.PostForm
	f := difForm{Kind: pf.Get("kind"), Urgency: pf.Get("urgency"), Subject: pf.Get("subject"), Text: pf.Get("text"),
		LegalBasis: pf.Get("legal_basis"), PersonName: strings.TrimSpace(pf.Get("person_name")), PersonBirth: strings.TrimSpace(pf.Get("person_birth")),
		Deny: pf.Get("deny_countries"), Ref: strings.TrimSpace(pf.Get("ref")), Handling: pf.Get("handling"), Classification: pf.Get("classification")}
	countries := pf["countries"]
	var regions []member.Region
	for _, g := range pf["regions"] {
		regions = append(regions, member.Region(g))
	}
	d := diffusion.Draft{Kind: diffusion.Kind(f.Kind), Urgency: diffusion.Urgency(f.Urgency), Countries: slices.Clone(countries), Regions: slices.Clone(regions),
		Content: diffusion.Content{Subject: f.Subject, Text: f.Text, LegalBasis: f.LegalBasis}}
	d.Meta.Ref, d.Meta.Handling = f.Ref, policy.Handling(f.Handling)
	var err error
	if c, ok := identity.ParseClassification(f.Classification); ok {
		d.Meta.Classification = c
	} else {
		err = errs.Invalidf(op, "classification", "unknown classification")
	}
	for _, cc := range strings.FieldsFunc(f.Deny, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		code, cerr := member.NormalizeCode(cc)
		if cerr != nil && err == nil {
			err = errs.Invalidf(op, "deny_countries", "%q is not an ISO 3166-1 alpha-2 code", cc)
		}
		d.Meta.Restrictions.DenyCountries = append(d.Meta.Restrictions.DenyCountries, code)
	}
	switch {
	case f.PersonName != "":
		d.Person = &person.Person{Names: []person.Name{{Full: f.PersonName}}}
		if f.PersonBirth != "" {
			d.Person.BirthDates = []person.Date{person.Date(f.PersonBirth)}
		}
	case f.PersonBirth != "" && err == nil:
		err = errs.Invalidf(op, "person_name", "give the person's name with the birth date")
	}
	var out diffusion.Diffusion
	if err == nil {
		out, err = s.d.Diffusions.Send(r.Context(), *rq.p, d)
	}
	if k := errs.KindOf(err); k == errs.Invalid || k == errs.Conflict && errs.FieldOf(err) != "" {
		f.formError = s.difFormError(rq, err)
		status := http.StatusBadRequest
		if k == errs.Conflict {
			status = http.StatusConflict
		}
		return s.renderCompose(w, r, rq, status, f, countries, regions)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/diffusions/"+out.ID, http.StatusSeeOther)
	return nil
}
