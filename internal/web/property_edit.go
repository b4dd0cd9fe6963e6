package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/record"
)

// Catalogue keys of artwork categories and sexes.
var (
	categoryKeys = map[string]string{"painting": "property.category.painting", "sculpture": "property.category.sculpture",
		"drawing": "property.category.drawing", "print": "property.category.print", "photograph": "property.category.photograph",
		"manuscript": "property.category.manuscript", "book": "property.category.book", "coin": "property.category.coin",
		"jewellery": "property.category.jewellery", "furniture": "property.category.furniture", "textile": "property.category.textile",
		"ceramic": "property.category.ceramic", "archaeological": "property.category.archaeological",
		"religious": "property.category.religious", "musical-instrument": "property.category.musical-instrument",
		"other": "property.category.other"}
	sexKeys = map[string]string{"M": "property.sex.m", "F": "property.sex.f", "U": "property.sex.u"}
)

// label returns the translation of value through keys, or value itself
// when it has none.
func (s *Server) label(lang string, keys map[string]string, value string) string {
	if k, ok := keys[value]; ok {
		return s.cat.T(lang, k)
	}
	return value
}

// formData is the content of an entry or edit form: the values entered,
// the choices, the error.
type formData struct {
	Kind, Plural, TitleKey string
	ID                     string // the record edited; "" for a new one
	Version                string // the version edited
	Owner                  string // the owner country, localised
	Values                 map[string]string
	Types, Statuses        []option
	Categories             []option
	Sexes                  []option
	Handlings              []option
	Classifications        []option
	formError
}

// V returns the value entered for field name.
func (f formData) V(name string) string { return f.Values[name] }

// formFieldsOf are the form fields of each kind, besides the access
// fields (accessFields).
var formFieldsOf = map[string][]string{
	property.KindDocument: {"ref", "type", "number", "status", "event_date", "issue_date", "expiry_date"},
	property.KindVehicle:  {"ref", "vin", "plate", "plate_country", "make", "model", "colour", "year", "event_date"},
	property.KindArtwork:  {"ref", "category", "title", "artist", "period", "materials", "dimensions", "description"},
	property.KindPerson:   {"ref", "names", "birth_dates", "birth_place", "sex", "nationalities", "refugee"},
}

var accessFields = []string{"handling", "classification", "deny_countries"}

// renderPropertyForm shows the entry form (id "") or the edit form of a
// record.
func (s *Server) renderPropertyForm(w http.ResponseWriter, r *http.Request, rq *request, status int, kind, id, owner string, values map[string]string, fe formError) error {
	f := formData{Kind: kind, Plural: property.Plural(kind), TitleKey: kindKeys[kind], ID: id, Version: values["version"], Values: values,
		formError: fe, Owner: countryName(rq.lang, owner)}
	f.Types = s.options(rq.lang, property.DocumentTypes, docTypeKeys, values["type"])
	f.Statuses = s.options(rq.lang, property.DocumentStatuses, docStatusKeys, values["status"])
	f.Categories = s.options(rq.lang, property.ArtworkCategories, categoryKeys, values["category"])
	f.Sexes = s.options(rq.lang, []string{"", "M", "F", "U"}, sexKeys, values["sex"])
	f.Handlings = s.options(rq.lang, []string{"H0", "H1", "H2", "H3"}, nil, values["handling"])
	cls := []string{"0", "1", "2", "3"}
	clsKeys := map[string]string{"0": "clearance.public", "1": "clearance.official", "2": "clearance.restricted", "3": "clearance.confidential"}
	if values["classification"] == "" {
		values["classification"] = "1"
	}
	f.Classifications = s.options(rq.lang, cls, clsKeys, values["classification"])
	title := "property.new.title"
	if id != "" {
		title = "property.edit.title"
	}
	return s.render(w, status, "property_new", s.newView(r, rq, title, f))
}

// canCreate reports whether p may add records of kind for its country.
func canCreate(p identity.Principal, kind string) bool {
	return p.User.Country != "" && record.Visible(p, policy.ActionCreate, policy.Resource{Kind: kind, Owner: p.User.Country})
}

// propertyNew shows the entry form of a kind to those who may add records.
func (s *Server) propertyNew(w http.ResponseWriter, r *http.Request, rq *request) error {
	kind, err := kindOf(r)
	if err != nil || !canCreate(*rq.p, kind) {
		return errs.E("web.property", errs.NotFound, "no such page")
	}
	return s.renderPropertyForm(w, r, rq, http.StatusOK, kind, "", rq.p.User.Country, map[string]string{"handling": "H0"}, formError{})
}

// formValues reads the posted fields of kind.
func formValues(r *http.Request, kind string) map[string]string {
	values := map[string]string{}
	for _, f := range append(append(slices.Clip(formFieldsOf[kind]), accessFields...), "version") {
		values[f] = strings.TrimSpace(r.PostForm.Get(f))
	}
	return values
}

// splitCodes splits a list of codes separated by commas, semicolons or
// spaces, upper-cased.
func splitCodes(s string) []string {
	var out []string
	for _, c := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		out = append(out, strings.ToUpper(c))
	}
	return out
}

// applyAccess sets the form's envelope fields on m: ref, handling,
// classification and deny list. Allow lists, grading and review date are
// kept (the API sets them).
func applyAccess(op string, m *record.Meta, values map[string]string) error {
	if values["ref"] != "" {
		m.Ref = values["ref"]
	}
	m.Handling = policy.Handling(values["handling"])
	c, err := strconv.Atoi(values["classification"])
	if err != nil {
		return errs.Invalidf(op, "classification", "choose a classification")
	}
	m.Classification = identity.Classification(c)
	m.Restrictions.DenyCountries = splitCodes(values["deny_countries"])
	return nil
}

// saveRecord creates (id "") or updates record id of table t from the
// form's values: apply sets the form's content fields on the record's
// content, the stored one when editing, so that what the form does not
// show (images, name parts, allow lists) is kept. It returns the record's
// ID.
func saveRecord[T any](ctx context.Context, t *property.Table[T], p identity.Principal, id string, values map[string]string, apply func(*T) error) (string, error) {
	const op = "web.saveRecord"
	var rec property.Record[T]
	if id != "" {
		var err error
		if rec, err = t.Get(ctx, p, id); err != nil {
			return "", err
		}
		v, err := strconv.Atoi(values["version"])
		if err != nil || v < 1 {
			return "", errs.Invalidf(op, "version", "the form lacks the version edited; open the record again")
		}
		rec.Version = v
	}
	if err := applyAccess(op, &rec.Meta, values); err != nil {
		return "", err
	}
	if err := apply(&rec.Data); err != nil {
		return "", err
	}
	if id == "" {
		rec, err := t.Create(ctx, p, rec)
		return rec.ID, err
	}
	rec, err := t.Update(ctx, p, id, rec)
	return rec.ID, err
}

// saveForm creates or updates a record of kind from values.
func (s *Server) saveForm(ctx context.Context, p identity.Principal, kind, id string, values map[string]string) (string, error) {
	const op = "web.saveForm"
	v := values
	switch kind {
	case property.KindDocument:
		return saveRecord(ctx, s.d.Property.Documents, p, id, values, func(d *property.TravelDocument) error {
			if d.IssuingCountry == "" {
				d.IssuingCountry = p.User.Country
			}
			d.Type, d.Number, d.Status, d.EventDate, d.IssueDate, d.ExpiryDate = v["type"], v["number"], v["status"], v["event_date"], v["issue_date"], v["expiry_date"]
			return nil
		})
	case property.KindVehicle:
		return saveRecord(ctx, s.d.Property.Vehicles, p, id, values, func(d *property.Vehicle) error {
			year := 0
			if v["year"] != "" {
				var err error
				if year, err = strconv.Atoi(v["year"]); err != nil {
					return errs.Invalidf(op, "year", "the year is a number")
				}
			}
			d.VIN, d.Plate, d.PlateCountry, d.Make, d.Model, d.Colour, d.Year, d.EventDate = v["vin"], v["plate"], v["plate_country"], v["make"], v["model"], v["colour"], year, v["event_date"]
			return nil
		})
	case property.KindArtwork:
		return saveRecord(ctx, s.d.Property.Artworks, p, id, values, func(d *property.Artwork) error {
			d.Category, d.Title, d.Artist, d.Period, d.Materials, d.Dimensions, d.Description = v["category"], v["title"], v["artist"], v["period"], v["materials"], v["dimensions"], v["description"]
			return nil
		})
	default:
		return saveRecord(ctx, s.d.Property.Persons, p, id, values, func(d *person.Person) error {
			var names []person.Name
			for _, line := range strings.Split(v["names"], "\n") {
				if line = strings.TrimSpace(line); line == "" {
					continue
				}
				// A name kept as it was keeps its parts, script and alias flag.
				n := person.Name{Full: line}
				if i := slices.IndexFunc(d.Names, func(x person.Name) bool { return x.Full == line }); i >= 0 {
					n = d.Names[i]
				}
				names = append(names, n)
			}
			d.Names = names
			d.BirthDates = nil
			for _, b := range strings.Split(v["birth_dates"], ",") {
				if b = strings.TrimSpace(b); b != "" {
					d.BirthDates = append(d.BirthDates, person.Date(b))
				}
			}
			d.BirthPlace, d.Sex, d.Nationalities, d.Refugee = v["birth_place"], person.Sex(v["sex"]), splitCodes(v["nationalities"]), v["refugee"] != ""
			return nil
		})
	}
}

// recordValues returns the form values of a stored record of kind.
func (s *Server) recordValues(ctx context.Context, p identity.Principal, kind, id string) (map[string]string, record.Meta, error) {
	var m record.Meta
	v := map[string]string{}
	switch kind {
	case property.KindDocument:
		rec, err := s.d.Property.Documents.Get(ctx, p, id)
		if err != nil {
			return nil, m, err
		}
		d := rec.Data
		m, v["type"], v["number"], v["status"], v["event_date"], v["issue_date"], v["expiry_date"] = rec.Meta, d.Type, d.Number, d.Status, d.EventDate, d.IssueDate, d.ExpiryDate
	case property.KindVehicle:
		rec, err := s.d.Property.Vehicles.Get(ctx, p, id)
		if err != nil {
			return nil, m, err
		}
		d := rec.Data
		m, v["vin"], v["plate"], v["plate_country"], v["make"], v["model"], v["colour"], v["event_date"] = rec.Meta, d.VIN, d.Plate, d.PlateCountry, d.Make, d.Model, d.Colour, d.EventDate
		if d.Year != 0 {
			v["year"] = strconv.Itoa(d.Year)
		}
	case property.KindArtwork:
		rec, err := s.d.Property.Artworks.Get(ctx, p, id)
		if err != nil {
			return nil, m, err
		}
		d := rec.Data
		m, v["category"], v["title"], v["artist"], v["period"], v["materials"], v["dimensions"], v["description"] = rec.Meta, d.Category, d.Title, d.Artist, d.Period, d.Materials, d.Dimensions, d.Description
	default:
		rec, err := s.d.Property.Persons.Get(ctx, p, id)
		if err != nil {
			return nil, m, err
		}
		d := rec.Data
		var names, dates []string
		for _, n := range d.Names {
			names = append(names, n.Full)
		}
		for _, b := range d.BirthDates {
			dates = append(dates, string(b))
		}
		m, v["names"], v["birth_dates"], v["birth_place"], v["sex"], v["nationalities"] = rec.Meta, strings.Join(names, "\n"), strings.Join(dates, ", "), d.BirthPlace, string(d.Sex), strings.Join(d.Nationalities, ", ")
		if d.Refugee {
			v["refugee"] = "on"
		}
	}
	v["ref"], v["handling"], v["classification"] = m.Ref, string(m.Handling), strconv.Itoa(int(m.Classification))
	if v["handling"] == "" {
		v["handling"] = "H0"
	}
	v["deny_countries"], v["version"] = strings.Join(m.Restrictions.DenyCountries, ", "), strconv.Itoa(m.Version)
	return v, m, nil
}

// propertyFormField maps a field named by a service error to the form's field.
func propertyFormField(err error) string {
	f := errs.FieldOf(err)
	switch {
	case strings.HasPrefix(f, "restrictions"), f == "allow_countries", f == "deny_countries":
		return "deny_countries"
	case strings.HasPrefix(f, "names"):
		return "names"
	case strings.HasPrefix(f, "birth_dates"):
		return "birth_dates"
	case strings.HasPrefix(f, "nationalities"):
		return "nationalities"
	}
	return f
}

// propertySave answers the entry form (id "") or the edit form: a refused
// input (invalid, or a conflict such as a taken ref or a record changed
// meanwhile) shows the form again with the field at fault.
func (s *Server) propertySave(w http.ResponseWriter, r *http.Request, rq *request, kind, id, owner string) error {
	values := formValues(r, kind)
	newID, err := s.saveForm(r.Context(), *rq.p, kind, id, values)
	if k := errs.KindOf(err); err != nil && (k == errs.Invalid || k == errs.Conflict) {
		field := propertyFormField(err)
		status := http.StatusBadRequest
		if k == errs.Conflict {
			status = http.StatusConflict
		}
		return s.renderPropertyForm(w, r, rq, status, kind, id, owner, values, formError{Field: field, FieldKey: propertyFieldKeys[field], Error: s.errText(rq.lang, err)})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/property/"+property.Plural(kind)+"/"+url.PathEscape(newID), http.StatusSeeOther)
	return nil
}

// propertyCreate adds a record from the entry form.
func (s *Server) propertyCreate(w http.ResponseWriter, r *http.Request, rq *request) error {
	kind, err := kindOf(r)
	if err != nil {
		return err
	}
	return s.propertySave(w, r, rq, kind, "", rq.p.User.Country)
}

// editable loads the form values of record id of the path's kind for its
// edit or delete page: a record p may not see is not found, one p may see
// but not change (action) is refused.
func (s *Server) editable(r *http.Request, rq *request, action policy.Action) (string, map[string]string, record.Meta, error) {
	kind, err := kindOf(r)
	if err != nil {
		return "", nil, record.Meta{}, err
	}
	values, m, err := s.recordValues(r.Context(), *rq.p, kind, r.PathValue("id"))
	if err != nil {
		return "", nil, m, err
	}
	if !record.Visible(*rq.p, action, m.Resource(kind)) {
		return "", nil, m, errs.E("web.property", errs.Permission, "only the owner changes this record")
	}
	return kind, values, m, nil
}

// propertyEdit shows the edit form of a record to its owner.
func (s *Server) propertyEdit(w http.ResponseWriter, r *http.Request, rq *request) error {
	kind, values, m, err := s.editable(r, rq, policy.ActionUpdate)
	if err != nil {
		return err
	}
	return s.renderPropertyForm(w, r, rq, http.StatusOK, kind, m.ID, m.Owner, values, formError{})
}

// propertyUpdate answers the edit form: the record is replaced, with a new
// version and history entry, unless it changed since the form was shown.
func (s *Server) propertyUpdate(w http.ResponseWriter, r *http.Request, rq *request) error {
	kind, err := kindOf(r)
	if err != nil {
		return err
	}
	owner := rq.p.User.Country
	return s.propertySave(w, r, rq, kind, r.PathValue("id"), owner)
}

// deleteData is the content of the delete confirmation page.
type deleteData struct {
	Plural, ID, Ref string
}

// propertyDeleteConfirm asks the owner to confirm a deletion.
func (s *Server) propertyDeleteConfirm(w http.ResponseWriter, r *http.Request, rq *request) error {
	kind, _, m, err := s.editable(r, rq, policy.ActionDelete)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "property_delete", s.newView(r, rq, "property.delete.title", deleteData{Plural: property.Plural(kind), ID: m.ID, Ref: m.Ref}))
}

// propertyDelete deletes a record (owner only; its history keeps the
// deletion) and returns to the list.
func (s *Server) propertyDelete(w http.ResponseWriter, r *http.Request, rq *request) error {
	kind, err := kindOf(r)
	if err != nil {
		return err
	}
	ctx, p, id := r.Context(), *rq.p, r.PathValue("id")
	var ref string
	switch kind {
	case property.KindDocument:
		err = deleteRecord(ctx, s.d.Property.Documents, p, id, &ref)
	case property.KindVehicle:
		err = deleteRecord(ctx, s.d.Property.Vehicles, p, id, &ref)
	case property.KindArtwork:
		err = deleteRecord(ctx, s.d.Property.Artworks, p, id, &ref)
	default:
		err = deleteRecord(ctx, s.d.Property.Persons, p, id, &ref)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/property/"+property.Plural(kind)+"?deleted="+url.QueryEscape(ref), http.StatusSeeOther)
	return nil
}

// deleteRecord deletes record id of t and sets ref to its ref.
func deleteRecord[T any](ctx context.Context, t *property.Table[T], p identity.Principal, id string, ref *string) error {
	rec, err := t.Get(ctx, p, id)
	if err != nil {
		return err
	}
	*ref = rec.Ref
	return t.Delete(ctx, p, id)
}
