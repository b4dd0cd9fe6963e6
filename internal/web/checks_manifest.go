package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/screen"
)

// kindManifest is the check page's form for many people or documents at
// once: a passenger manifest, or a batch of travel documents.
const kindManifest = "manifest"

// maxManifestForm bounds the manifest form: 1,000 lines of a 300-character
// name and a document take well under it (the other forms have maxForm).
const maxManifestForm = 1 << 20

// manifestFields are the columns of a manifest line, in order.
var manifestFields = []string{"name", "birth_date", "nationality", "sex", "document_country", "document_number"}

// manifestLine is one passenger as typed, with its line in the text.
type manifestLine struct {
	line int
	f    map[string]string
}

// parseManifest reads the manifest form's text: one passenger a line,
// columns separated by tabs (rows pasted from a spreadsheet) or else by
// semicolons, in the order of manifestFields; every column but the first
// may be left out. Blank lines and lines starting with # are skipped. An
// error names the line (1-based, as the textarea counts) in its field,
// "passengers:LINE".
func parseManifest(text string) ([]manifestLine, error) {
	const op = "web.parseManifest"
	var out []manifestLine
	for i, raw := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		n := i + 1
		s := strings.TrimSpace(raw)
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		sep := ";"
		if strings.Contains(raw, "\t") {
			sep = "\t"
		}
		cols := strings.Split(strings.TrimRight(raw, " \t;"), sep)
		if len(cols) > len(manifestFields) {
			return nil, errs.Invalidf(op, lineField(n), "line %d has %d columns; a line has at most %d: %s", n, len(cols), len(manifestFields), strings.Join(manifestFields, "; "))
		}
		l := manifestLine{line: n, f: map[string]string{}}
		for j, c := range cols {
			l.f[manifestFields[j]] = strings.TrimSpace(c)
		}
		if len(out) == screen.MaxManifest {
			return nil, errs.Invalidf(op, lineField(n), "line %d is passenger %d; one check takes at most %d", n, len(out)+1, screen.MaxManifest)
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, errs.Invalidf(op, "passengers", "give at least one passenger or document, one a line")
	}
	return out, nil
}

// lineField is the field name of an error about line n of the manifest.
func lineField(n int) string { return "passengers:" + strconv.Itoa(n) }

// manifestQueries turns the lines into a passenger manifest, or, when no
// line names anyone, into a batch of travel documents.
func manifestQueries(ls []manifestLine) (ps []screen.Passenger, docs []screen.DocumentQuery, err error) {
	const op = "web.manifestQueries"
	named := false
	for _, l := range ls {
		named = named || l.f["name"] != ""
	}
	for _, l := range ls {
		var d *screen.DocumentQuery
		if l.f["document_country"] != "" || l.f["document_number"] != "" {
			d = &screen.DocumentQuery{IssuingCountry: strings.ToUpper(l.f["document_country"]), Number: l.f["document_number"]}
		}
		if !named {
			if d == nil || d.Number == "" {
				return nil, nil, errs.Invalidf(op, lineField(l.line), "line %d has no document number: give a name, or a document's issuing country and number", l.line)
			}
			docs = append(docs, *d)
			continue
		}
		if l.f["name"] == "" {
			return nil, nil, errs.Invalidf(op, lineField(l.line), "line %d has no name: in a manifest every line names a passenger (leave every name out for a batch of documents)", l.line)
		}
		ps = append(ps, screen.Passenger{PersonQuery: screen.PersonQuery{Name: l.f["name"], BirthDate: l.f["birth_date"],
			Nationality: strings.ToUpper(l.f["nationality"]), Sex: strings.ToUpper(l.f["sex"])}, Document: d})
	}
	return ps, docs, nil
}

// manifestView is a manifest's or batch's answer as the page shows it:
// every line, its outcome and its hits.
type manifestView struct {
	CheckID string
	Docs    bool // a batch of documents, not a manifest
	Checked int
	Hits    int
	Rows    []manifestRow
}

// manifestRow is one line of the manifest and what it hit.
type manifestRow struct {
	Line     int
	Name     string
	Document string
	Hit      bool
	Matches  []matchView
}

// manifestRun checks the manifest or batch posted and shows every line
// with its outcome under the form; a refused input shows the form again
// with the line at fault and what was typed.
func (s *Server) manifestRun(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !canCheck(*rq.p) {
		return errs.E("web.checks", errs.NotFound, "no such page")
	}
	values := map[string]string{}
	for _, f := range []string{"purpose", "priority", "location", "passengers"} {
		values[f] = strings.TrimSpace(r.PostForm.Get(f))
	}
	refuse := func(err error) error {
		return s.renderCheck(w, r, rq, http.StatusBadRequest, kindManifest, values, nil, s.manifestFormError(rq.lang, err), false)
	}
	ls, err := parseManifest(r.PostForm.Get("passengers"))
	if err != nil {
		return refuse(err)
	}
	ps, docs, err := manifestQueries(ls)
	if err != nil {
		return refuse(err)
	}
	c := screen.Context{Purpose: values["purpose"], Priority: values["priority"], Location: values["location"]}
	ctx, p := r.Context(), *rq.p
	out := &manifestView{Docs: ps == nil}
	rows := make([]manifestRow, len(ls))
	for i, l := range ls {
		rows[i] = manifestRow{Line: l.line, Name: l.f["name"], Document: strings.TrimSpace(strings.ToUpper(l.f["document_country"]) + " " + l.f["document_number"])}
	}
	if ps != nil {
		var res screen.ManifestResult
		res, err = s.d.Screen.CheckManifest(ctx, p, c, ps)
		if err == nil {
			out.CheckID, out.Checked, out.Hits = res.CheckID, res.Checked, res.Hits
			for _, pr := range res.Passengers {
				row := &rows[pr.Index]
				row.Hit = pr.Outcome == screen.Hit
				for _, m := range append(pr.Person, pr.Document...) {
					if m.Match {
						row.Matches = append(row.Matches, s.matchView(rq.lang, len(row.Matches)+1, m))
					}
				}
			}
		}
	} else {
		var res screen.BatchResult
		res, err = s.d.Screen.CheckDocuments(ctx, p, c, docs)
		if err == nil {
			out.CheckID, out.Checked, out.Hits = res.CheckID, res.Checked, len(res.Hits)
			for _, it := range res.Hits {
				row := &rows[it.Index]
				row.Hit = it.Outcome == screen.Hit
				for _, m := range it.Matches {
					row.Matches = append(row.Matches, s.matchView(rq.lang, len(row.Matches)+1, m))
				}
			}
		}
	}
	switch errs.KindOf(err) {
	case errs.Invalid:
		return refuse(lineError(err, ls))
	case errs.Unavailable:
		return s.renderCheck(w, r, rq, http.StatusServiceUnavailable, kindManifest, values, nil, formError{}, true)
	}
	if err != nil {
		return err
	}
	out.Rows = rows
	return s.renderCheck(w, r, rq, http.StatusOK, kindManifest, values, out, formError{}, false)
}

// lineError names the line of the text in a refusal of the screen service
// about one entry of the manifest or batch; other refusals (the purpose,
// the priority) are returned as they are.
func lineError(err error, ls []manifestLine) error {
	i, field, ok := screen.EntryField(errs.FieldOf(err))
	if !ok || i >= len(ls) {
		return err
	}
	n := ls[i].line
	field = strings.TrimPrefix(field, "document.")
	return &lineErr{line: n, field: field, err: errs.Invalidf("web.manifestRun", lineField(n), "line %d: %s", n, errs.Message(err))}
}

// lineErr is a refusal of one line of a manifest, with the field at fault
// as the screen service names it (name, birth_date, issuing_country, …).
type lineErr struct {
	line  int
	field string
	err   error
}

func (e *lineErr) Error() string { return e.err.Error() }
func (e *lineErr) Unwrap() error { return e.err }

// manifestFormError is checkFormError for the manifest form: the field is
// the passengers' text, and what is wrong names the line, in the user's
// language (English shows the service's own, more precise message).
func (s *Server) manifestFormError(lang string, err error) formError {
	f := errs.FieldOf(err)
	if !strings.HasPrefix(f, "passengers") {
		return s.checkFormError(lang, err)
	}
	fe := formError{Field: "passengers", FieldKey: "checks.field.passengers"}
	if lang == "en" {
		fe.Error = errs.Message(err)
		return fe
	}
	line, _ := strconv.Atoi(strings.TrimPrefix(f, "passengers:"))
	what := s.cat.T(lang, "checks.err.passengers")
	if le, ok := err.(*lineErr); ok && checkErrKeys[le.field] != "" {
		what = s.cat.T(lang, checkErrKeys[le.field])
	}
	if line > 0 {
		what = s.cat.T(lang, "checks.err.line", line) + " " + what
	}
	fe.Error = what
	return fe
}
