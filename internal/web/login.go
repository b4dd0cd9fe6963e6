package web

import (
	"net/http"
	"strings"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
)

// loginData is the content of the login page.
type loginData struct {
	Username     string
	Next         string
	Error        string // translated
	CodeRequired bool
}

// loginForm shows the login page; a signed-in user goes home.
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if rq.p != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	d := loginData{Next: next, CodeRequired: !s.d.DemoMode}
	if r.URL.Query().Get("expired") == "1" {
		d.Error = s.cat.T(rq.lang, "err.session_expired")
	}
	return s.render(w, http.StatusOK, "login", s.newView(r, rq, "login.title", d))
}

// login checks the credentials, audits the attempt whatever its outcome,
// and on success sets the session cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request, rq *request) error {
	next := safeNext(r.PostForm.Get("next"))
	if rq.p != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	username := strings.TrimSpace(r.PostForm.Get("username"))
	u, secret, sess, err := s.d.Identity.Login(r.Context(), username, r.PostForm.Get("password"), strings.TrimSpace(r.PostForm.Get("code")))
	e := audit.Entry{Time: s.now(), Actor: "anonymous", Action: "session.login", Outcome: audit.OutcomeOK, RequestID: rq.rid}
	if u.ID != "" {
		e.Actor, e.ActorOrg, e.Target = u.ID, u.Org, "user:"+u.ID
	} else {
		e.Target = "username:" + clean(username, 64)
	}
	kind := errs.KindOf(err)
	switch {
	case err == nil:
	case kind == errs.TooMany:
		e.Outcome, e.Detail = audit.OutcomeDeny, "locked"
	case kind == errs.Unauthenticated || kind == errs.Permission:
		e.Outcome, e.Detail = audit.OutcomeDeny, errs.Message(err)
	default:
		e.Outcome, e.Detail = audit.OutcomeError, kind.String()
	}
	if _, aerr := s.d.Audit.Append(r.Context(), e); aerr != nil {
		// No unaudited session: end the one just opened.
		if secret != "" {
			_ = s.d.Identity.Logout(r.Context(), secret)
		}
		return errs.E("web.login", errs.Internal, aerr)
	}
	if err != nil {
		if e.Outcome == audit.OutcomeError {
			return err
		}
		status := http.StatusUnauthorized
		if kind == errs.TooMany {
			status = http.StatusTooManyRequests
		}
		v := s.newView(r, rq, "login.title", loginData{
			Username: username, Next: next, Error: s.errText(rq.lang, err), CodeRequired: !s.d.DemoMode})
		v.Path = "/login"
		return s.render(w, status, "login", v)
	}
	s.setSession(w, secret, sess.ExpiresAt)
	s.clearLoginCSRF(w)
	s.log.Info("web: signed in", "user", u.ID, "request_id", rq.rid)
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// logout ends the session and audits it.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := s.d.Identity.Logout(r.Context(), rq.secret); err != nil && !errs.Is(errs.NotFound, err) {
		return err
	}
	s.clearSession(w)
	if err := s.auditUser(r, rq, "session.logout"); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// auditUser records that the signed-in user did action, successfully.
func (s *Server) auditUser(r *http.Request, rq *request, action string) error {
	return s.record(r, rq, action, "user:"+rq.p.User.ID, audit.OutcomeOK, "")
}

// setLang remembers the language a visitor picks and returns to the page.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request, rq *request) error {
	l := r.PostForm.Get("l")
	if !validLang(l) {
		return errs.Invalidf("web.setLang", "l", "unknown language")
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: s.d.Secure, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, safeNext(r.PostForm.Get("next")), http.StatusSeeOther)
	return nil
}

// clean returns s in lower case, without control characters, valid
// UTF-8, cut to at most max bytes: a value typed by a stranger, fit for
// the audit log.
func clean(s string, max int) string {
	return printable(strings.ToLower(strings.ToValidUTF8(s, "?")), max)
}
