package web

import (
	"io"
	"net/http"
	"net/url"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/person"
)

// noticeProblemKeys are the catalogue keys of the notice service's
// problems (notice.Problem); their texts take the arguments of
// problemArgs.
var noticeProblemKeys = map[notice.Problem]string{
	notice.ProblemRequired:      "notice.problem.required",
	notice.ProblemTooLong:       "notice.problem.too_long",
	notice.ProblemNotDate:       "notice.problem.not_date",
	notice.ProblemFuture:        "notice.problem.future",
	notice.ProblemPhotoEmpty:    "notice.problem.photo_empty",
	notice.ProblemPhotoTooBig:   "notice.problem.photo_too_big",
	notice.ProblemPhotoType:     "notice.problem.photo_type",
	notice.ProblemPhotoDecode:   "notice.problem.photo_decode",
	notice.ProblemPhotoSize:     "notice.problem.photo_size",
	notice.ProblemPhotoNoPerson: "notice.problem.photo_noperson",
	notice.ProblemPhotoTooMany:  "notice.problem.photo_too_many",
}

// problemArgs are the arguments of the problem texts: {0} the largest
// photo in MB, {1} and {2} the smallest and largest side in pixels, {3}
// the most photos of a person.
var problemArgs = []any{notice.MaxPhotoBytes >> 20, notice.MinPhotoSide, notice.MaxPhotoSide, person.MaxList}

// noticeErrText returns what the reader is told about err, a refusal of
// the notice service, in lang: the text of its problem when it has one,
// else errText's.
func (s *Server) noticeErrText(lang string, err error) string {
	if key, ok := noticeProblemKeys[notice.ProblemOf(err)]; ok {
		return s.cat.T(lang, key, problemArgs...)
	}
	return s.errText(lang, err)
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
		return s.renderNoticePage(w, r, rq, id, http.StatusBadRequest, noticePageData{PhotoError: s.noticeErrText(rq.lang, err)})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/notices/"+url.PathEscape(id)+"#photos", http.StatusSeeOther)
	return nil
}
