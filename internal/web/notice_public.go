package web

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/person"
)

// publicData is the content of the public extracts page.
type publicData struct {
	Name, Nationality, Sex, AgeMin, AgeMax string
	Notices                                []notice.PublicExtract
	Error                                  string // what is wrong, in the reader's language
	FieldKey                               string // catalogue key of the label of the field at fault
	Detail                                 string // the English message, when Error does not say as much
}

// publicInputs are the inputs of the public search: the catalogue keys of
// their labels and of what is wrong with them.
var publicInputs = map[string]struct{ label, problem string }{
	"name":        {"public.name", "notice.problem.search_name"},
	"nationality": {"public.field.nationalities", "notice.problem.nationality"},
	"sex":         {"public.field.sex", "notice.problem.choice"},
	"age_min":     {"public.age_min", "notice.problem.age"},
	"age_max":     {"public.age_max", "notice.problem.age"},
}

// publicFilter reads the public search from the query; an error names the
// field at fault.
func (s *Server) publicFilter(r *http.Request) (publicData, notice.PublicFilter, error) {
	q := r.URL.Query()
	d := publicData{Name: q.Get("name"), Nationality: q.Get("nationality"), Sex: q.Get("sex"), AgeMin: q.Get("age_min"), AgeMax: q.Get("age_max")}
	f := notice.PublicFilter{Name: d.Name, Nationality: d.Nationality, Sex: person.Sex(d.Sex)}
	age := func(field, v string) (int, error) {
		if v == "" {
			return -1, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 150 {
			return 0, errs.Invalidf("web.publicFilter", field, "%s must be an age from 0 to 150", field)
		}
		return n, nil
	}
	lo, err := age("age_min", d.AgeMin)
	if err != nil {
		return d, f, err
	}
	hi, err := age("age_max", d.AgeMax)
	if err != nil {
		return d, f, err
	}
	f.AgeFilter(lo, hi, s.now())
	return d, f, nil
}

// wantsJSON reports whether the client asked for JSON.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// publicNotices is the public extracts page, served without login.
func (s *Server) publicNotices(w http.ResponseWriter, r *http.Request, rq *request) error {
	if wantsJSON(r) {
		return s.publicNoticesJSON(w, r, rq)
	}
	d, f, err := s.publicFilter(r)
	if err == nil {
		d.Notices, err = s.d.Notices.PublicSearch(r.Context(), f)
	}
	status := http.StatusOK
	if errs.Is(errs.Invalid, err) {
		status = http.StatusBadRequest
		if in, ok := publicInputs[errs.FieldOf(err)]; ok {
			d.FieldKey, d.Error = in.label, s.cat.T(rq.lang, in.problem, problemArgs...)
		} else {
			d.Error, d.Detail = s.noticeErrText(rq.lang, "", err)
		}
	} else if err != nil {
		return err
	}
	v := s.newView(r, rq, "public.title", d)
	return s.render(w, status, "public_notices", v)
}

// publicNoticesJSON is the public search as JSON.
func (s *Server) publicNoticesJSON(w http.ResponseWriter, r *http.Request, rq *request) error {
	_, f, err := s.publicFilter(r)
	var xs []notice.PublicExtract
	if err == nil {
		xs, err = s.d.Notices.PublicSearch(r.Context(), f)
	}
	if errs.Is(errs.Invalid, err) {
		return writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"error": errs.Message(err)})
	}
	if err != nil {
		return err
	}
	if xs == nil {
		xs = []notice.PublicExtract{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"notices": xs})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// publicNotice is one public extract.
func (s *Server) publicNotice(w http.ResponseWriter, r *http.Request, rq *request) error {
	x, err := s.d.Notices.PublicGet(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if wantsJSON(r) {
		return writeJSON(w, http.StatusOK, x)
	}
	return s.render(w, http.StatusOK, "public_notice", s.newView(r, rq, "public.title", x))
}

// publicPhoto is the photo of a public extract, when the owner agreed.
func (s *Server) publicPhoto(w http.ResponseWriter, r *http.Request, rq *request) error {
	ph, err := s.d.Notices.PublicPhoto(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ph.ContentType)
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(ph.Data)
	return nil
}
