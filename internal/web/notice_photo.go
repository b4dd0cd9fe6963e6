package web

import (
	"io"
	"net/http"
	"net/url"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/record"
)

// noticeProblemKeys are the catalogue keys of the notice service's
// problems (notice.Problem); their texts take the arguments of
// problemArgs.
var noticeProblemKeys = map[notice.Problem]string{
	notice.ProblemRequired:      "notice.problem.required",
	notice.ProblemTooLong:       "notice.problem.too_long",
	notice.ProblemNotDate:       "notice.problem.not_date",
	notice.ProblemFuture:        "notice.problem.future",
	notice.ProblemOwnerDenied:   "notice.problem.owner_denied",
	notice.ProblemUNPublic:      "notice.problem.un_public",
	notice.ProblemExtractClosed: "notice.problem.extract_closed",
	notice.ProblemExtractFields: "notice.problem.extract_fields",
	notice.ProblemExtractField:  "notice.problem.extract_field",
	notice.ProblemChanged:       "notice.problem.changed",
	notice.ProblemUnderReview:   "notice.problem.under_review",
	notice.ProblemState:         "notice.problem.state",
	notice.ProblemPhotoEmpty:    "notice.problem.photo_empty",
	notice.ProblemPhotoTooBig:   "notice.problem.photo_too_big",
	notice.ProblemPhotoType:     "notice.problem.photo_type",
	notice.ProblemPhotoDecode:   "notice.problem.photo_decode",
	notice.ProblemPhotoSize:     "notice.problem.photo_size",
	notice.ProblemPhotoNoPerson: "notice.problem.photo_noperson",
	notice.ProblemPhotoTooMany:  "notice.problem.photo_too_many",
}

// noticeInputKeys are the catalogue keys of the refusals that carry no
// problem (those of the person, record and policy packages, and of the
// search), by the form input at fault.
var noticeInputKeys = map[string]string{
	"ref":             "notice.problem.ref",
	"name_full":       "notice.problem.name",
	"name_given":      "notice.problem.name",
	"name_family":     "notice.problem.name",
	"alias":           "notice.problem.name",
	"birth_date":      "notice.problem.birth_date",
	"nationalities":   "notice.problem.countries",
	"allow_countries": "notice.problem.countries",
	"deny_countries":  "notice.problem.restrictions",
	"doc_number":      "notice.problem.doc_number",
	"doc_country":     "notice.problem.doc_country",
	"marks":           "notice.problem.marks",
	"sex":             "notice.problem.choice",
	"classification":  "notice.problem.choice",
	"handling":        "notice.problem.choice",
	"type":            "notice.problem.choice",
	"status":          "notice.problem.choice",
	"reason":          "notice.problem.choice",
	"purpose":         "notice.problem.purpose",
	"owner":           "notice.problem.owner",
	"name":            "notice.problem.search_name",
}

// problemArgs are the arguments of the problem texts: {0} the largest
// photo in MB, {1} and {2} the smallest and largest side in pixels, {3}
// the longest lists of a person, {4} the longest name, {5} the longest
// reference.
var problemArgs = []any{notice.MaxPhotoBytes >> 20, notice.MinPhotoSide, notice.MaxPhotoSide, person.MaxList, person.MaxNameLen, record.MaxRef}

// noticeErrText returns what the reader is told about err, a refusal of
// the notice service about form input (formFieldOf), in lang: the text
// of its problem, else the text of the input, else errText's. detail is
// the service's English message when the text does not say as much (a
// generic text in another language), else "".
func (s *Server) noticeErrText(lang, input string, err error) (text, detail string) {
	key, ok := noticeProblemKeys[notice.ProblemOf(err)]
	if !ok && errs.Is(errs.Invalid, err) {
		key, ok = noticeInputKeys[input]
	}
	if ok {
		return s.cat.T(lang, key, problemArgs...), ""
	}
	text = s.errText(lang, err)
	if lang != "en" && errs.KindOf(err) != errs.Internal {
		detail = errs.Message(err)
	}
	return text, detail
}

// noticePhotoUpload receives the photo form of a notice's page (a
// multipart upload: the CSRF token, then the file "photo"). The notice
// service checks the image (JPEG or PNG, its size and sides) and applies
// the rules of an update; a refusal is shown on the notice's page, under
// the form, in the reader's language.
func (s *Server) noticePhotoUpload(w http.ResponseWriter, r *http.Request, rq *request) error {
	const op = "web.noticePhotoUpload"
	id := r.PathValue("id")
	var data []byte
	for {
		part, err := rq.upload.NextPart()
		if err == io.EOF {
			break // no file: the service says the photo is empty
		}
		if err != nil {
			return errs.E(op, errs.Invalid, "the upload was interrupted", err)
		}
		if part.FormName() != "photo" {
			continue
		}
		// One byte more than allowed is enough for the service to refuse.
		if data, err = io.ReadAll(io.LimitReader(part, notice.MaxPhotoBytes+1)); err != nil {
			return errs.E(op, errs.Invalid, "the upload was interrupted", err)
		}
		break
	}
	_, err := s.d.Notices.SetPhoto(r.Context(), *rq.p, id, data)
	if errs.Is(errs.Invalid, err) || errs.Is(errs.Conflict, err) {
		msg, _ := s.noticeErrText(rq.lang, "photo", err)
		return s.renderNoticePage(w, r, rq, id, http.StatusBadRequest, noticePageData{PhotoError: msg})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/notices/"+url.PathEscape(id)+"#photos", http.StatusSeeOther)
	return nil
}
