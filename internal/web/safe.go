package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/reqid"
)

// csp is the Content-Security-Policy of every response: no inline script
// or style, no framing, forms posted to this origin only.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// maxForm bounds the size of a posted form.
const maxForm = 64 << 10

// serve is the outermost handler: the headers every response carries and
// the methods a browser route accepts, then the route table.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	if s.d.Secure {
		h.Set("Strict-Transport-Security", "max-age=63072000")
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodPost:
	default:
		h.Set("Allow", "GET, HEAD, POST")
		rq := &request{lang: s.pickLang(r, nil)}
		_ = s.errorPage(w, r, rq, http.StatusMethodNotAllowed, "error.405.title", "error.405.text")
		return
	}
	s.mux.ServeHTTP(w, r)
}

// wrap applies the rules every browser route shares: a request ID in the
// context, the session, the language, sign-in for protected routes, and
// the CSRF and origin checks on every POST.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := &request{rid: reqid.From(r.Context())}
		if rt.static {
			rq.lang = s.pickLang(r, nil)
			if err := rt.h(w, r, rq); err != nil {
				s.fail(w, r, rq, err)
			}
			return
		}
		if rq.rid == "" {
			rq.rid = reqid.New()
			r = r.WithContext(reqid.With(r.Context(), rq.rid))
		}
		if err := s.resolveSession(w, r, rq); err != nil {
			rq.lang = s.pickLang(r, nil)
			s.fail(w, r, rq, err)
			return
		}
		rq.lang = s.pickLang(r, rq.p)
		if rq.p != nil {
			rq.csrf = rq.p.SessionCSRF
		} else {
			rq.csrf = s.loginCSRF(w, r)
		}
		if rt.auth && rq.p == nil {
			// Nothing has changed yet, so a POST may be redirected too.
			http.Redirect(w, r, loginURL(r, rq.expired), http.StatusSeeOther)
			return
		}
		if r.Method == http.MethodPost {
			check := s.checkPost
			if rt.upload {
				check = s.checkUpload
			}
			if !rt.upload {
				limit := rt.maxForm
				if limit == 0 {
					limit = maxForm
				}
				r.Body = http.MaxBytesReader(w, r.Body, limit)
			}
			if err := check(w, r, rq); err != nil {
				var tooBig *http.MaxBytesError
				if errors.As(err, &tooBig) {
					s.log.Info("web: refused post", "path", r.URL.Path, "reason", err.Error(), "request_id", rq.rid)
					_ = s.errorPage(w, r, rq, http.StatusRequestEntityTooLarge, "error.413.title", "error.413.text")
					return
				}
				if rq.expired {
					// A form of a session that has ended: sign in again.
					http.Redirect(w, r, loginURL(r, true), http.StatusSeeOther)
					return
				}
				s.log.Info("web: refused post", "path", r.URL.Path, "reason", err.Error(), "request_id", rq.rid)
				_ = s.errorPage(w, r, rq, http.StatusForbidden, "error.csrf.title", "error.csrf.text")
				return
			}
		}
		if err := rt.h(w, r, rq); err != nil {
			s.fail(w, r, rq, err)
		}
	})
}

// checkPost refuses a POST from another origin or without the form's CSRF
// token: the session's for a signed-in user, the double-submit cookie's
// otherwise. It parses the form.
func (s *Server) checkPost(w http.ResponseWriter, r *http.Request, rq *request) error {
	const op = "web.checkPost"
	// Sec-Fetch-Site, or else Origin against Host.
	if err := s.cop.Check(r); err != nil {
		return errs.E(op, errs.Permission, err)
	}
	if err := r.ParseForm(); err != nil {
		return errs.E(op, errs.Invalid, err)
	}
	got := r.PostForm.Get("csrf")
	if got == "" || rq.csrf == "" || subtle.ConstantTimeCompare([]byte(got), []byte(rq.csrf)) != 1 {
		return errs.E(op, errs.Permission, "missing or wrong CSRF token")
	}
	return nil
}

// loginCSRF returns the double-submit token of a visitor who is not signed
// in, setting the cookie when it is missing or malformed.
func (s *Server) loginCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.csrfCookie); err == nil && validToken(c.Value) {
		return c.Value
	}
	tok := newToken(32)
	http.SetCookie(w, &http.Cookie{Name: s.csrfCookie, Value: tok, Path: "/", HttpOnly: true,
		Secure: s.d.Secure, SameSite: http.SameSiteStrictMode})
	// Let this response's form carry the token the browser will send back.
	return tok
}

// clearLoginCSRF removes the double-submit cookie once a user signs in.
func (s *Server) clearLoginCSRF(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.csrfCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.d.Secure, SameSite: http.SameSiteStrictMode})
}

// newToken returns n random bytes, base64url-encoded.
func newToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return base64.RawURLEncoding.EncodeToString(b)
}

// validToken reports whether v looks like a token made by newToken(32).
func validToken(v string) bool {
	if len(v) != 43 {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(v)
	return err == nil
}

// safeNext returns next when it is a path on this site, "/" otherwise: it
// never returns an absolute URL or a scheme-relative one ("//host").
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') || len(next) > 2048 {
		return "/"
	}
	for i := 0; i < len(next); i++ {
		if next[i] < 0x20 || next[i] == 0x7f {
			return "/"
		}
	}
	return next
}

// loginURL returns the login page's URL for a visitor of r who must sign
// in: it leads back to the page asked for (a GET other than the home
// page), and says when a session has ended.
func loginURL(r *http.Request, expired bool) string {
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		if p := safeNext(r.URL.RequestURI()); p != "/" {
			q.Set("next", p)
		}
	}
	if expired {
		q.Set("expired", "1")
	}
	if len(q) == 0 {
		return "/login"
	}
	return "/login?" + q.Encode()
}
