package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
)

// noticeRoutes are the notice pages, the reviewers' queue and the public extracts.
func (s *Server) noticeRoutes() []route {
	off := s.d.Notices == nil
	return []route{
		{pattern: "GET /notices", auth: true, off: off, h: s.noticeList},
		{pattern: "GET /notices/new", auth: true, off: off, h: s.noticeNew},
		{pattern: "POST /notices", auth: true, off: off, h: s.noticeCreate},
		{pattern: "GET /notices/review", auth: true, off: off, h: s.noticeQueue},
		{pattern: "GET /notices/{id}", auth: true, off: off, h: s.noticePage},
		{pattern: "GET /notices/{id}/edit", auth: true, off: off, h: s.noticeEdit},
		{pattern: "POST /notices/{id}", auth: true, off: off, h: s.noticeUpdate},
		{pattern: "POST /notices/{id}/submit", auth: true, off: off, h: s.noticeAction("submit")},
		{pattern: "POST /notices/{id}/publish", auth: true, off: off, h: s.noticeAction("publish")},
		{pattern: "POST /notices/{id}/refuse", auth: true, off: off, h: s.noticeAction("refuse")},
		{pattern: "POST /notices/{id}/cancel", auth: true, off: off, h: s.noticeAction("cancel")},
		{pattern: "POST /notices/{id}/renew", auth: true, off: off, h: s.noticeAction("renew")},
		{pattern: "GET /notices/{id}/photos/{sha}", auth: true, off: off, h: s.noticePhoto},
		{pattern: "POST /notices/{id}/photos", auth: true, off: off, upload: true, h: s.noticePhotoUpload},
		{pattern: "GET /public/notices", off: off, h: s.publicNotices},
		{pattern: "GET /public/notices.json", off: off, h: s.publicNoticesJSON},
		{pattern: "GET /public/notices/{id}", off: off, h: s.publicNotice},
		{pattern: "GET /public/notices/{id}/photo", off: off, h: s.publicPhoto},
	}
}

// noticeForm is the content of the notice form: the values entered, by
// input name, and the error, if any.
type noticeForm struct {
	ID      string // "" for a new notice
	Version int
	Type    notice.Type
	Types   []notice.Type // offered when no type is chosen yet
	Fields  []string      // the type's own fields, in order
	V       map[string]string
	Extract []string // checked public-extract fields
	Choices []string // every public-extract field
	formError
	Detail string // the service's message, in English, when Error does not say as much

	Sexes, DocTypes, Classifications, Handlings []string // choices
}

// Val returns the value of input name.
func (f noticeForm) Val(name string) string { return f.V[name] }

// Agreed reports whether public-extract field name is checked.
func (f noticeForm) Agreed(name string) bool { return slices.Contains(f.Extract, name) }

// Long reports whether field name takes long text.
func (noticeForm) Long(name string) bool {
	switch name {
	case "offence", "legal_basis", "body_description", "threat", "modus_operandi", "information_sought", "criminal_activities":
		return true
	}
	return false
}

// Date reports whether field name is a date.
func (noticeForm) Date(name string) bool { return strings.HasSuffix(name, "_on") }

// HasPerson reports whether the form's type describes a person.
func (f noticeForm) HasPerson() bool { return f.Type.HasPerson() }

func (s *Server) noticeNew(w http.ResponseWriter, r *http.Request, rq *request) error {
	t := notice.Type(r.URL.Query().Get("type"))
	f := noticeForm{Type: t, V: map[string]string{"classification": "0"}, Choices: notice.ExtractFields}
	if !t.Valid() {
		f.Type, f.Types = "", notice.Types
	}
	return s.renderNoticeForm(w, r, rq, http.StatusOK, f)
}

func (s *Server) renderNoticeForm(w http.ResponseWriter, r *http.Request, rq *request, status int, f noticeForm) error {
	if f.Type != "" {
		f.Fields = notice.Required(f.Type)
	}
	f.Choices = notice.ExtractFields
	f.Sexes, f.DocTypes = []string{"M", "F", "U"}, []string{"passport", "id-card", "residence-permit", "driving-licence", "other"}
	f.Classifications, f.Handlings = []string{"0", "1", "2", "3"}, []string{"H1", "H2", "H3"}
	v := s.newView(r, rq, "notices.new.title", f)
	if f.ID != "" {
		v.Title = "notices.edit.title"
	}
	return s.render(w, status, "notice_form", v)
}

// splitList splits a comma- or space-separated list of codes.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		out = append(out, strings.ToUpper(p))
	}
	return out
}

// noticeFields are the inputs of the form besides the type's own fields.
var noticeFields = []string{"ref", "facts", "name_full", "name_given", "name_family", "alias", "birth_date", "birth_place", "sex",
	"nationalities", "doc_type", "doc_number", "doc_country", "marks", "refugee", "deny_countries", "allow_countries", "classification", "handling", "extract_agreed"}

// readNoticeForm reads the posted form into a form value and an Input.
func readNoticeForm(r *http.Request, t notice.Type) (noticeForm, notice.Input) {
	f := noticeForm{Type: t, V: map[string]string{}}
	for _, n := range slices.Concat(noticeFields, notice.Required(t)) {
		f.V[n] = strings.TrimSpace(r.PostForm.Get(n))
	}
	f.Extract = r.PostForm["extract_fields"]
	in := notice.Input{Ref: f.V["ref"], Content: notice.Content{Type: t, Facts: f.V["facts"]}}
	for _, n := range notice.Required(t) {
		in.Fields.Set(n, f.V[n])
	}
	if t.HasPerson() {
		p := &person.Person{BirthPlace: f.V["birth_place"], Sex: person.Sex(f.V["sex"]), Nationalities: splitList(f.V["nationalities"]),
			Refugee: f.V["refugee"] != ""}
		if f.V["name_full"] != "" || f.V["name_given"] != "" || f.V["name_family"] != "" || t != notice.Black {
			p.Names = append(p.Names, person.Name{Full: f.V["name_full"], Given: f.V["name_given"], Family: f.V["name_family"]})
		}
		if f.V["alias"] != "" {
			p.Names = append(p.Names, person.Name{Full: f.V["alias"], Alias: true})
		}
		if f.V["birth_date"] != "" {
			p.BirthDates = []person.Date{person.Date(f.V["birth_date"])}
		}
		if f.V["doc_number"] != "" {
			p.Documents = []person.Document{{Type: f.V["doc_type"], Number: f.V["doc_number"], IssuingCountry: f.V["doc_country"]}}
		}
		if f.V["marks"] != "" {
			p.Marks = []string{f.V["marks"]}
		}
		in.Person = p
	}
	in.Restrictions = policy.Restrictions{DenyCountries: splitList(f.V["deny_countries"]), AllowCountries: splitList(f.V["allow_countries"])}
	in.Classification = identity.Classification(99) // refused by validation, naming the field
	if c, err := strconv.Atoi(f.V["classification"]); err == nil && c >= 0 && c <= 3 {
		in.Classification = identity.Classification(c)
	} else if f.V["classification"] == "" {
		in.Classification = identity.Public
	}
	in.Handling = policy.Handling(f.V["handling"])
	in.Extract = notice.Extract{Agreed: f.V["extract_agreed"] != "", Fields: f.Extract}
	return f, in
}

// formFieldOf maps a service field name to the form input at fault.
func formFieldOf(field string) string {
	switch {
	case strings.HasPrefix(field, "person.names[0]"):
		return "name_" + field[strings.LastIndexByte(field, '.')+1:]
	case strings.HasPrefix(field, "person.names"):
		return "alias"
	case strings.HasPrefix(field, "person.birth_dates"):
		return "birth_date"
	case strings.HasPrefix(field, "person.documents"):
		if strings.HasSuffix(field, "issuing_country") {
			return "doc_country"
		}
		return "doc_number"
	case strings.HasPrefix(field, "person.nationalities"):
		return "nationalities"
	case strings.HasPrefix(field, "person.marks"):
		return "marks"
	case field == "person" || field == "person.sex" || field == "person.birth_place":
		return strings.TrimPrefix(strings.Replace(field, "person", "name_full", 1), "name_full.")
	case strings.HasPrefix(field, "public_extract"):
		return "extract_agreed"
	}
	return field
}

// formErrorOf fills f's error from a service error: the input at fault,
// its label and what is wrong with it, in the reader's language.
func (s *Server) formErrorOf(rq *request, f *noticeForm, err error) {
	f.Field = formFieldOf(errs.FieldOf(err))
	key := "notice.field." + f.Field
	if s.cat.has(key) {
		f.FieldKey = key
	}
	f.Error, f.Detail = s.noticeErrText(rq.lang, f.Field, err)
}

func (s *Server) noticeCreate(w http.ResponseWriter, r *http.Request, rq *request) error {
	t := notice.Type(r.PostForm.Get("type"))
	if !t.Valid() {
		return s.renderNoticeForm(w, r, rq, http.StatusBadRequest, noticeForm{Types: notice.Types, V: map[string]string{}})
	}
	f, in := readNoticeForm(r, t)
	n, err := s.d.Notices.Create(r.Context(), *rq.p, in)
	if errs.Is(errs.Invalid, err) {
		s.formErrorOf(rq, &f, err)
		return s.renderNoticeForm(w, r, rq, http.StatusBadRequest, f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/notices/"+url.PathEscape(n.ID), http.StatusSeeOther)
	return nil
}

// formOf returns the form of a notice, filled with its current (or
// pending) content.
func formOf(n notice.Notice) noticeForm {
	c, res, cl, h, ex := n.Content, n.Restrictions, n.Classification, n.Handling, n.Extract
	if n.Pending != nil {
		c, res, cl, h, ex = n.Pending.Content, n.Pending.Restrictions, n.Pending.Classification, n.Pending.Handling, n.Pending.Extract
	}
	f := noticeForm{ID: n.ID, Version: n.Version, Type: n.Type, V: map[string]string{"ref": n.Ref, "facts": c.Facts,
		"deny_countries": strings.Join(res.DenyCountries, ", "), "allow_countries": strings.Join(res.AllowCountries, ", "),
		"classification": string(rune('0' + int(cl))), "handling": string(h)}, Extract: ex.Fields}
	if ex.Agreed {
		f.V["extract_agreed"] = "on"
	}
	for _, k := range notice.Required(n.Type) {
		f.V[k] = c.Fields.Get(k)
	}
	if p := c.Person; p != nil {
		for _, nm := range p.Names {
			if nm.Alias && f.V["alias"] == "" {
				f.V["alias"] = nm.Full
			} else if !nm.Alias && f.V["name_full"] == "" {
				f.V["name_full"], f.V["name_given"], f.V["name_family"] = nm.Full, nm.Given, nm.Family
			}
		}
		if len(p.BirthDates) > 0 {
			f.V["birth_date"] = string(p.BirthDates[0])
		}
		f.V["birth_place"], f.V["sex"], f.V["nationalities"] = p.BirthPlace, string(p.Sex), strings.Join(p.Nationalities, ", ")
		if len(p.Documents) > 0 {
			f.V["doc_type"], f.V["doc_number"], f.V["doc_country"] = p.Documents[0].Type, p.Documents[0].Number, p.Documents[0].IssuingCountry
		}
		if len(p.Marks) > 0 {
			f.V["marks"] = p.Marks[0]
		}
		if p.Refugee {
			f.V["refugee"] = "on"
		}
	}
	return f
}

func (s *Server) noticeEdit(w http.ResponseWriter, r *http.Request, rq *request) error {
	n, err := s.d.Notices.Get(r.Context(), *rq.p, r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.renderNoticeForm(w, r, rq, http.StatusOK, formOf(n))
}

func (s *Server) noticeUpdate(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	n, err := s.d.Notices.Get(r.Context(), *rq.p, id)
	if err != nil {
		return err
	}
	f, in := readNoticeForm(r, n.Type)
	f.ID, f.Version = n.ID, n.Version
	in.Type = n.Type
	// Photos are kept: the form does not carry them.
	if in.Person != nil {
		src := n.Person
		if n.Pending != nil {
			src = n.Pending.Person
		}
		if src != nil {
			in.Person.Photos = src.Photos
		}
	}
	ver, _ := strconv.Atoi(r.PostForm.Get("version"))
	if _, err = s.d.Notices.Update(r.Context(), *rq.p, id, ver, in); errs.Is(errs.Invalid, err) || errs.Is(errs.Conflict, err) {
		s.formErrorOf(rq, &f, err)
		return s.renderNoticeForm(w, r, rq, http.StatusBadRequest, f)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/notices/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}
