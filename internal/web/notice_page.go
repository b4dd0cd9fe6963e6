package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/notice"
)

// noticePageData is the content of a notice's page.
type noticePageData struct {
	N        notice.Notice
	Fields   []string // the type's own fields
	Findings []notice.Finding
	Versions []notice.Version
	Owner    bool     // the caller's country owns it
	Reviewer bool     // the caller may review it now
	Error    string   // an action's refusal, in the reader's language
	ErrorKey string   // catalogue key of the label of the field at fault, if any
	Detail   string   // the service's message, in English, when Error does not say as much
	Reasons  []string // cancel reasons

	PhotoError string // why a photo was refused, in the reader's language
}

// CanPhoto reports whether the owner may add a photo now: the notice
// describes a person and may be changed.
func (d noticePageData) CanPhoto() bool { return d.CanEdit() && d.N.Type.HasPerson() }

// PhotoLimits are the arguments of the photo hint: the largest size in MB
// and the smallest and largest side in pixels.
func (noticePageData) PhotoLimits() []any {
	return []any{notice.MaxPhotoBytes >> 20, notice.MinPhotoSide, notice.MaxPhotoSide}
}

// InReview reports whether the notice, or an update of it, awaits review.
func (d noticePageData) InReview() bool {
	return d.N.Status == notice.Submitted || d.N.Pending != nil && d.N.Pending.Status == notice.Submitted
}

// CanEdit reports whether the owner may change the notice now.
func (d noticePageData) CanEdit() bool {
	switch d.N.Status {
	case notice.Draft, notice.Refused:
		return d.Owner
	case notice.Published:
		return d.Owner && (d.N.Pending == nil || d.N.Pending.Status != notice.Submitted)
	}
	return false
}

func (s *Server) noticePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.renderNoticePage(w, r, rq, r.PathValue("id"), http.StatusOK, noticePageData{})
}

// renderNoticePage renders the page of notice id with the errors of msgs
// (its Error and PhotoError).
func (s *Server) renderNoticePage(w http.ResponseWriter, r *http.Request, rq *request, id string, status int, msgs noticePageData) error {
	ctx := r.Context()
	pg, err := s.d.Notices.Page(ctx, *rq.p, id)
	if err != nil {
		return err
	}
	n := pg.Notice
	d := noticePageData{N: n, Versions: pg.Versions, Fields: notice.Required(n.Type), Error: msgs.Error, ErrorKey: msgs.ErrorKey, Detail: msgs.Detail, PhotoError: msgs.PhotoError, Reasons: []string{notice.ReasonArrested, notice.ReasonLocated, notice.ReasonWithdrawn}}
	d.Owner = rq.p.User.Country != "" && rq.p.User.Country == n.Owner
	d.Reviewer = rq.p.User.HasRole(identity.GSReviewer) && d.InReview()
	if d.Owner || d.Reviewer {
		d.Findings = pg.Findings
	}
	v := s.newView(r, rq, "notice.title", d)
	return s.render(w, status, "notice", v)
}

// noticeAction returns the handler of one lifecycle action posted from a
// notice's page.
func (s *Server) noticeAction(action string) handler {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		ctx, p, id := r.Context(), *rq.p, r.PathValue("id")
		var err error
		switch action {
		case "submit":
			_, err = s.d.Notices.Submit(ctx, p, id)
		case "publish":
			_, err = s.d.Notices.Publish(ctx, p, id)
		case "refuse":
			var reasons []string
			for _, l := range strings.Split(r.PostForm.Get("reasons"), "\n") {
				reasons = append(reasons, strings.TrimSpace(l))
			}
			_, err = s.d.Notices.Refuse(ctx, p, id, reasons)
		case "cancel":
			_, err = s.d.Notices.Cancel(ctx, p, id, r.PostForm.Get("reason"), r.PostForm.Get("note"))
		case "renew":
			_, err = s.d.Notices.Renew(ctx, p, id)
		}
		if errs.Is(errs.Invalid, err) || errs.Is(errs.Conflict, err) {
			field := errs.FieldOf(err)
			msgs := noticePageData{}
			msgs.Error, msgs.Detail = s.noticeErrText(rq.lang, field, err)
			if key := "notice.field." + field; s.cat.has(key) {
				msgs.ErrorKey = key
			}
			return s.renderNoticePage(w, r, rq, id, http.StatusBadRequest, msgs)
		}
		if err != nil {
			return err
		}
		next := "/notices/" + url.PathEscape(id)
		if action == "publish" || action == "refuse" {
			// Reviewers go back to the queue: a refused notice is no
			// longer theirs to read.
			next = "/notices/review"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
}

// noticeListData is the content of the notices list.
type noticeListData struct {
	Purpose, Name, Type, Status, Owner string
	Types                              []notice.Type
	Statuses                           []notice.Status
	Searched                           bool
	Notices                            []notice.Notice
	formError
}

// noticeList searches notices: the purpose is required, as for every
// search, and the search is audited.
func (s *Server) noticeList(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	d := noticeListData{Purpose: q.Get("purpose"), Name: q.Get("name"), Type: q.Get("type"), Status: q.Get("status"), Owner: q.Get("owner"),
		Types: notice.Types, Statuses: notice.Statuses}
	status := http.StatusOK
	if len(q) > 0 {
		rows, err := s.d.Notices.Search(r.Context(), *rq.p, notice.Filter{Type: notice.Type(d.Type), Status: notice.Status(d.Status),
			Owner: d.Owner, Name: d.Name}, d.Purpose)
		if errs.Is(errs.Invalid, err) {
			var f noticeForm
			s.formErrorOf(rq, &f, err)
			d.formError = f.formError
			status = http.StatusBadRequest
		} else if err != nil {
			return err
		} else {
			d.Searched, d.Notices = true, rows
		}
	}
	return s.render(w, status, "notices", s.newView(r, rq, "notices.title", d))
}

// noticeQueue is the reviewers' queue, with the automated findings.
func (s *Server) noticeQueue(w http.ResponseWriter, r *http.Request, rq *request) error {
	ns, err := s.d.Notices.Queue(r.Context(), *rq.p)
	if errs.Is(errs.Permission, err) {
		return errs.E("web.noticeQueue", errs.NotFound, "not found")
	}
	if err != nil {
		return err
	}
	for i := range ns {
		ns[i].Findings = s.d.Notices.FilterFindings(r.Context(), *rq.p, ns[i].Findings)
		if ns[i].Pending != nil {
			ns[i].Findings = append(ns[i].Findings, s.d.Notices.FilterFindings(r.Context(), *rq.p, ns[i].Pending.Findings)...)
		}
	}
	return s.render(w, http.StatusOK, "notice_queue", s.newView(r, rq, "notices.queue.title", ns))
}

// noticePhoto serves a photo of a notice's person to those who may read
// the notice (the read is audited).
func (s *Server) noticePhoto(w http.ResponseWriter, r *http.Request, rq *request) error {
	ph, err := s.d.Notices.Photo(r.Context(), *rq.p, r.PathValue("id"), r.PathValue("sha"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ph.ContentType)
	_, _ = w.Write(ph.Data)
	return nil
}
