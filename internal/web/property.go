package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/record"
)

// propertyRoutes are the pages of documents, vehicles, artworks, persons
// and imports.
func (s *Server) propertyRoutes() []route {
	off := s.d.Property == nil
	return []route{
		{pattern: "GET /property", auth: true, off: off, h: s.propertyHome},
		{pattern: "GET /property/{kind}", auth: true, off: off, h: s.propertyList},
		{pattern: "GET /property/{kind}/new", auth: true, off: off, h: s.propertyNew},
		{pattern: "POST /property/{kind}", auth: true, off: off, h: s.propertyCreate},
		{pattern: "GET /property/{kind}/{id}", auth: true, off: off, h: s.propertyView},
		{pattern: "POST /property/{kind}/{id}", auth: true, off: off, h: s.propertyUpdate},
		{pattern: "GET /property/{kind}/{id}/edit", auth: true, off: off, h: s.propertyEdit},
		{pattern: "GET /property/{kind}/{id}/delete", auth: true, off: off, h: s.propertyDeleteConfirm},
		{pattern: "POST /property/{kind}/{id}/delete", auth: true, off: off, h: s.propertyDelete},
		{pattern: "GET /property/artworks/{id}/images/{sha}", auth: true, off: off, h: s.artworkImage},
		{pattern: "GET /imports", auth: true, off: off, h: s.importsPage},
		{pattern: "POST /imports", auth: true, off: off, upload: true, h: s.importUpload},
		{pattern: "GET /imports/{id}", auth: true, off: off, h: s.importJob},
	}
}

// canUseProperty reports whether p may read any property database: it
// decides only what the navigation shows.
func canUseProperty(p identity.Principal) bool {
	return record.Visible(p, policy.ActionRead, policy.Resource{Kind: property.KindDocument})
}

// Catalogue keys of the values shown in the property pages.
var (
	kindKeys = map[string]string{property.KindDocument: "property.documents", property.KindVehicle: "property.vehicles",
		property.KindArtwork: "property.artworks", property.KindPerson: "property.persons"}
	docTypeKeys = map[string]string{"passport": "property.type.passport", "id-card": "property.type.id-card", "visa": "property.type.visa",
		"residence-permit": "property.type.residence-permit", "travel-document": "property.type.travel-document", "other": "property.type.other"}
	docStatusKeys = map[string]string{"stolen": "property.status.stolen", "lost": "property.status.lost", "revoked": "property.status.revoked",
		"stolen-blank": "property.status.stolen-blank"}
	importStateKeys = map[string]string{property.ImportRunning: "import.state.running", property.ImportDone: "import.state.done",
		property.ImportFailed: "import.state.failed", property.ImportInterrupted: "import.state.interrupted"}
	propertyFieldKeys = map[string]string{"ref": "property.field.ref", "number": "property.field.number", "type": "property.field.type",
		"status": "property.field.status", "issuing_country": "property.field.issuing_country", "event_date": "property.field.event_date",
		"issue_date": "property.field.issue_date", "expiry_date": "property.field.expiry_date", "vin": "property.field.vin",
		"plate": "property.field.plate", "plate_country": "property.field.plate_country", "make": "property.field.make",
		"model": "property.field.model", "colour": "property.field.colour", "year": "property.field.year",
		"category": "property.field.category", "title": "property.field.title", "artist": "property.field.artist",
		"period": "property.field.period", "materials": "property.field.materials", "dimensions": "property.field.dimensions",
		"description": "property.field.description", "handling": "property.field.handling", "classification": "property.field.classification",
		"deny_countries": "property.field.deny_countries", "purpose": "property.field.purpose", "file": "import.file", "kind": "import.kind",
		"names": "property.field.names", "birth_dates": "property.field.birth_date", "birth_place": "property.field.birth_place",
		"nationalities": "property.field.nationality", "sex": "property.field.sex", "version": "property.version"}
)

// option is a choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

func (s *Server) options(lang string, values []string, keys map[string]string, cur string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		label := v
		if k, ok := keys[v]; ok {
			label = s.cat.T(lang, k)
		}
		out[i] = option{Value: v, Label: label, Selected: v == cur}
	}
	return out
}

// kindOf reads the {kind} of a path ("documents"); an unknown kind is not
// found.
func kindOf(r *http.Request) (string, error) {
	k, err := property.KindOf(r.PathValue("kind"))
	if err != nil || r.PathValue("kind") != property.Plural(k) {
		return "", errs.E("web.property", errs.NotFound, "no such page")
	}
	return k, nil
}

// propertyHome links the databases and the import page.
func (s *Server) propertyHome(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !canUseProperty(*rq.p) {
		return errs.E("web.property", errs.NotFound, "no such page")
	}
	type link struct{ Href, Key string }
	d := struct {
		Links  []link
		Import bool
	}{Import: rq.p.User.Country != "" && record.Visible(*rq.p, policy.ActionCreate, policy.Resource{Kind: property.KindDocument, Owner: rq.p.User.Country})}
	for _, k := range property.Kinds {
		d.Links = append(d.Links, link{Href: "/property/" + property.Plural(k), Key: kindKeys[k]})
	}
	return s.render(w, http.StatusOK, "property", s.newView(r, rq, "property.title", d))
}

// rowView is a record as the pages show it.
type rowView struct {
	ID, Ref, Owner, Kind, Plural string
	Main, Detail                 string // the key fields, then the others
	Facts                        []fact
	Version                      int
	Updated                      time.Time
	Review                       time.Time
	Images                       []property.Image
	Restricted                   bool
	meta                         record.Meta
}

type fact struct{ Key, Value string }

func (s *Server) docRow(lang string, r property.Record[property.TravelDocument]) rowView {
	d := r.Data
	v := s.baseRow(property.KindDocument, r.Meta)
	v.Main = d.Number + " · " + d.IssuingCountry
	v.Detail = s.cat.T(lang, docTypeKeys[d.Type]) + " · " + s.cat.T(lang, docStatusKeys[d.Status])
	v.Facts = []fact{{"property.field.number", d.Number}, {"property.field.type", s.cat.T(lang, docTypeKeys[d.Type])},
		{"property.field.issuing_country", countryName(lang, d.IssuingCountry)}, {"property.field.status", s.cat.T(lang, docStatusKeys[d.Status])},
		{"property.field.event_date", d.EventDate}, {"property.field.issue_date", d.IssueDate}, {"property.field.expiry_date", d.ExpiryDate}}
	return v
}

func (s *Server) vehicleRow(lang string, r property.Record[property.Vehicle]) rowView {
	d := r.Data
	v := s.baseRow(property.KindVehicle, r.Meta)
	v.Main = strings.TrimSpace(d.VIN + " " + d.Plate)
	v.Detail = strings.TrimSpace(d.Make + " " + d.Model + " " + d.Colour)
	year := ""
	if d.Year != 0 {
		year = strconv.Itoa(d.Year)
	}
	v.Facts = []fact{{"property.field.vin", d.VIN}, {"property.field.plate", d.Plate}, {"property.field.plate_country", d.PlateCountry},
		{"property.field.make", d.Make}, {"property.field.model", d.Model}, {"property.field.colour", d.Colour},
		{"property.field.year", year}, {"property.field.event_date", d.EventDate}}
	return v
}

func (s *Server) artworkRow(lang string, r property.Record[property.Artwork]) rowView {
	d := r.Data
	v := s.baseRow(property.KindArtwork, r.Meta)
	v.Main = d.Title
	v.Detail = strings.Join(slices.DeleteFunc([]string{s.label(lang, categoryKeys, d.Category), d.Artist, d.Period}, func(x string) bool { return x == "" }), " · ")
	v.Facts = []fact{{"property.field.category", s.label(lang, categoryKeys, d.Category)}, {"property.field.title", d.Title}, {"property.field.artist", d.Artist},
		{"property.field.period", d.Period}, {"property.field.materials", d.Materials}, {"property.field.dimensions", d.Dimensions},
		{"property.field.description", d.Description}}
	v.Images = d.Images
	return v
}

func (s *Server) personRow(lang string, r property.Record[person.Person]) rowView {
	d := r.Data
	v := s.baseRow(property.KindPerson, r.Meta)
	var names []string
	for _, n := range d.Names {
		names = append(names, n.Full)
	}
	v.Main = d.Primary()
	var dates []string
	for _, b := range d.BirthDates {
		dates = append(dates, string(b))
	}
	v.Detail = strings.Join(append(dates, d.Nationalities...), " · ")
	v.Facts = []fact{{"property.field.names", strings.Join(names, " · ")}, {"property.field.birth_date", strings.Join(dates, ", ")},
		{"property.field.nationality", strings.Join(d.Nationalities, ", ")}, {"property.field.sex", s.label(lang, sexKeys, string(d.Sex))},
		{"property.field.birth_place", d.BirthPlace}}
	if d.Refugee {
		v.Facts = append(v.Facts, fact{"property.field.refugee", "✓"})
	}
	return v
}

func (s *Server) baseRow(kind string, m record.Meta) rowView {
	return rowView{ID: m.ID, Ref: m.Ref, Owner: m.Owner, Kind: kind, Plural: property.Plural(kind), Version: m.Version,
		Updated: m.UpdatedAt, Review: m.ReviewAt, Restricted: !m.Restrictions.IsZero(), meta: m}
}

// listData is the content of a list or search page.
type listData struct {
	Kind, Plural, TitleKey    string
	Number, Country, Plate, Q string
	Purpose                   string
	Searched                  bool
	Rows                      []rowView
	Next                      string
	CanCreate                 bool
	Deleted                   string // the ref of a record just deleted
	formError
}

// propertyList lists the records of a kind, or searches them (a search
// needs a purpose). Rows the user may not see are left out.
func (s *Server) propertyList(w http.ResponseWriter, r *http.Request, rq *request) error {
	kind, err := kindOf(r)
	if err != nil {
		return err
	}
	qv := r.URL.Query()
	d := listData{Kind: kind, Plural: property.Plural(kind), TitleKey: kindKeys[kind], Number: qv.Get("number"), Country: qv.Get("country"),
		Plate: qv.Get("plate"), Q: qv.Get("q"), Purpose: qv.Get("purpose"), Deleted: qv.Get("deleted")}
	d.CanCreate = canCreate(*rq.p, kind)
	q := property.Query{Number: d.Number, Country: strings.ToUpper(d.Country), Plate: d.Plate, Text: d.Q, After: qv.Get("after"), Limit: 50}
	d.Searched = d.Number != "" || d.Plate != "" || d.Q != ""
	ctx := r.Context()
	p := *rq.p
	status := http.StatusOK
	var next string
	switch kind {
	case property.KindDocument:
		var rs []property.Record[property.TravelDocument]
		rs, next, err = s.d.Property.Documents.List(ctx, p, q, d.Purpose)
		for _, x := range rs {
			d.Rows = append(d.Rows, s.docRow(rq.lang, x))
		}
	case property.KindVehicle:
		var rs []property.Record[property.Vehicle]
		rs, next, err = s.d.Property.Vehicles.List(ctx, p, q, d.Purpose)
		for _, x := range rs {
			d.Rows = append(d.Rows, s.vehicleRow(rq.lang, x))
		}
	case property.KindArtwork:
		var rs []property.Record[property.Artwork]
		rs, next, err = s.d.Property.Artworks.List(ctx, p, q, d.Purpose)
		for _, x := range rs {
			d.Rows = append(d.Rows, s.artworkRow(rq.lang, x))
		}
	case property.KindPerson:
		var rs []property.Record[person.Person]
		rs, next, err = s.d.Property.Persons.List(ctx, p, q, d.Purpose)
		for _, x := range rs {
			d.Rows = append(d.Rows, s.personRow(rq.lang, x))
		}
	}
	if errs.Is(errs.Invalid, err) {
		d.Field, d.FieldKey, d.Error = errs.FieldOf(err), propertyFieldKeys[errs.FieldOf(err)], s.errText(rq.lang, err)
		status, err = http.StatusBadRequest, nil
	}
	if err != nil {
		return err
	}
	if next != "" {
		nq := url.Values{}
		for k, v := range qv {
			if k != "deleted" {
				nq[k] = v
			}
		}
		nq.Set("after", next)
		d.Next = "/property/" + d.Plural + "?" + nq.Encode()
	}
	v := s.newView(r, rq, kindKeys[kind], d)
	return s.render(w, status, "property_list", v)
}

// historyView is a history entry with its action translated.
type historyView struct {
	record.Change
	Label string
}

// actionKeys are the catalogue keys of history actions.
var actionKeys = map[string]string{"created": "property.action.created", "updated": "property.action.updated",
	"deleted": "property.action.deleted", "expired": "property.action.expired"}

// viewData is the content of a record's page.
type viewData struct {
	Row                  rowView
	History              []historyView
	Owner                string
	CanUpdate, CanDelete bool
}

// propertyView shows one record and its history; a record the user may
// not see is not found, like an unknown one.
func (s *Server) propertyView(w http.ResponseWriter, r *http.Request, rq *request) error {
	kind, err := kindOf(r)
	if err != nil {
		return err
	}
	ctx, p, id := r.Context(), *rq.p, r.PathValue("id")
	var d viewData
	var hs []record.Change
	switch kind {
	case property.KindDocument:
		var rec property.Record[property.TravelDocument]
		if rec, err = s.d.Property.Documents.Get(ctx, p, id); err == nil {
			d.Row = s.docRow(rq.lang, rec)
			hs, err = s.d.Property.Documents.History(ctx, p, id)
		}
	case property.KindVehicle:
		var rec property.Record[property.Vehicle]
		if rec, err = s.d.Property.Vehicles.Get(ctx, p, id); err == nil {
			d.Row = s.vehicleRow(rq.lang, rec)
			hs, err = s.d.Property.Vehicles.History(ctx, p, id)
		}
	case property.KindArtwork:
		var rec property.Record[property.Artwork]
		if rec, err = s.d.Property.Artworks.Get(ctx, p, id); err == nil {
			d.Row = s.artworkRow(rq.lang, rec)
			hs, err = s.d.Property.Artworks.History(ctx, p, id)
		}
	case property.KindPerson:
		var rec property.Record[person.Person]
		if rec, err = s.d.Property.Persons.Get(ctx, p, id); err == nil {
			d.Row = s.personRow(rq.lang, rec)
			hs, err = s.d.Property.Persons.History(ctx, p, id)
		}
	}
	if err != nil {
		return err
	}
	d.Owner = countryName(rq.lang, d.Row.Owner)
	for _, c := range hs {
		d.History = append(d.History, historyView{Change: c, Label: s.label(rq.lang, actionKeys, c.Action)})
	}
	res := d.Row.meta.Resource(kind)
	d.CanUpdate, d.CanDelete = record.Visible(p, policy.ActionUpdate, res), record.Visible(p, policy.ActionDelete, res)
	return s.render(w, http.StatusOK, "property_view", s.newView(r, rq, kindKeys[kind], d))
}

// artworkImage serves an image of an artwork the user may read.
func (s *Server) artworkImage(w http.ResponseWriter, r *http.Request, rq *request) error {
	im, data, err := s.d.Property.ImageData(r.Context(), *rq.p, r.PathValue("id"), r.PathValue("sha"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", im.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
	return nil
}

// importsData is the content of the import page.
type importsData struct {
	Kinds   []option
	Imports []importView
	formError
}

type importView struct {
	property.Import
	KindKey, StateKey    string
	Running, Interrupted bool
}

func importViewOf(im property.Import) importView {
	return importView{Import: im, KindKey: kindKeys[im.Kind], StateKey: importStateKeys[im.State], Running: im.State == property.ImportRunning,
		Interrupted: im.State == property.ImportInterrupted}
}

// canImport reports whether p may import records of its own country.
func canImport(p identity.Principal) bool {
	return p.User.Country != "" && record.Visible(p, policy.ActionCreate, policy.Resource{Kind: property.KindDocument, Owner: p.User.Country})
}

// importsPage shows the upload form and the imports of the user's
// country.
func (s *Server) importsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.renderImports(w, r, rq, http.StatusOK, formError{})
}

func (s *Server) renderImports(w http.ResponseWriter, r *http.Request, rq *request, status int, fe formError) error {
	if !canImport(*rq.p) {
		return errs.E("web.imports", errs.NotFound, "no such page")
	}
	ims, err := s.d.Property.Imports(r.Context(), *rq.p)
	if err != nil {
		return err
	}
	d := importsData{formError: fe}
	for _, k := range property.Kinds {
		d.Kinds = append(d.Kinds, option{Value: property.Plural(k), Label: s.cat.T(rq.lang, kindKeys[k])})
	}
	for _, im := range ims {
		d.Imports = append(d.Imports, importViewOf(im))
	}
	return s.render(w, status, "import", s.newView(r, rq, "import.title", d))
}

// maxUpload bounds a file uploaded on the import page.
const maxUpload = 8 << 30

// checkUpload is checkPost for the multipart import form: the origin
// check, then the CSRF token, which the form sends as its first part. The
// rest of the body is left to the handler (rq.upload), unread.
func (s *Server) checkUpload(w http.ResponseWriter, r *http.Request, rq *request) error {
	const op = "web.checkUpload"
	if err := s.cop.Check(r); err != nil {
		return errs.E(op, errs.Permission, err)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return errs.E(op, errs.Invalid, err)
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "csrf" {
		return errs.E(op, errs.Permission, "the form's first field must be its CSRF token")
	}
	tok, err := io.ReadAll(io.LimitReader(part, 128))
	if err != nil || rq.csrf == "" || !validToken(string(tok)) || string(tok) != rq.csrf {
		return errs.E(op, errs.Permission, "missing or wrong CSRF token")
	}
	rq.upload = mr
	return nil
}

// importUpload receives the import form: the kind, then the file, saved
// to a temporary file and imported in the background; the browser is sent
// to the job's page, which refreshes itself until the import ends.
func (s *Server) importUpload(w http.ResponseWriter, r *http.Request, rq *request) error {
	const op = "web.importUpload"
	if !canImport(*rq.p) {
		return errs.E(op, errs.NotFound, "no such page")
	}
	fail := func(field, msg string) error {
		return s.renderImports(w, r, rq, http.StatusBadRequest, formError{Field: field, FieldKey: propertyFieldKeys[field],
			Error: s.errText(rq.lang, errs.Invalidf(op, field, "%s", msg))})
	}
	kind, format := "", ""
	for {
		part, err := rq.upload.NextPart()
		if err == io.EOF {
			return fail("file", "choose a file")
		}
		if err != nil {
			return fail("file", "the upload was interrupted")
		}
		switch part.FormName() {
		case "kind":
			b, _ := io.ReadAll(io.LimitReader(part, 32))
			kind = string(b)
		case "format":
			b, _ := io.ReadAll(io.LimitReader(part, 16))
			format = string(b)
		case "file":
			if kind == "" {
				return fail("kind", "choose what to import")
			}
			name := part.FileName()
			if format == "" || format == "auto" {
				format = property.FormatOf(name)
			}
			if format == "" {
				return fail("file", "the file must be .jsonl, .ndjson, .json or .csv")
			}
			tmp, err := os.CreateTemp("", "polex-import-*")
			if err != nil {
				return errs.E(op, errs.Unavailable, err)
			}
			if _, err := io.Copy(tmp, part); err != nil {
				tmp.Close()
				os.Remove(tmp.Name())
				return fail("file", "the upload was interrupted")
			}
			if _, err := tmp.Seek(0, io.SeekStart); err != nil {
				tmp.Close()
				os.Remove(tmp.Name())
				return errs.E(op, errs.Unavailable, err)
			}
			req := property.ImportRequest{Kind: kind, Owner: rq.p.User.Country, Format: format, File: name}
			im, err := s.d.Property.StartImport(context.WithoutCancel(r.Context()), *rq.p, req, &tempFile{tmp})
			if errs.Is(errs.Invalid, err) {
				f := errs.FieldOf(err)
				return s.renderImports(w, r, rq, http.StatusBadRequest, formError{Field: f, FieldKey: propertyFieldKeys[f], Error: s.errText(rq.lang, err)})
			}
			if err != nil {
				return err
			}
			http.Redirect(w, r, "/imports/"+url.PathEscape(im.ID), http.StatusSeeOther)
			return nil
		}
	}
}

// tempFile is a temporary file removed when closed.
type tempFile struct{ *os.File }

func (t *tempFile) Close() error {
	err := t.File.Close()
	os.Remove(t.File.Name())
	return err
}

// importJob shows an import's progress: the page refreshes itself (a
// Refresh header, no script) while it runs, then shows the bad lines.
func (s *Server) importJob(w http.ResponseWriter, r *http.Request, rq *request) error {
	im, err := s.d.Property.GetImport(r.Context(), *rq.p, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := importViewOf(im)
	if v.Running {
		w.Header().Set("Refresh", "2")
	}
	return s.render(w, http.StatusOK, "import_job", s.newView(r, rq, "import.job.title", v))
}
