package web

import (
	"net/http"
	"time"

	"github.com/polex-org/polex/internal/errs"
)

// resolveSession sets rq.p from the session cookie. An unknown or expired
// session clears the cookie, leaves rq.p nil and sets rq.expired; only a
// failure to reach the store is returned.
func (s *Server) resolveSession(w http.ResponseWriter, r *http.Request, rq *request) error {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	p, err := s.d.Identity.SessionPrincipal(r.Context(), c.Value)
	if errs.Is(errs.Unauthenticated, err) {
		s.clearSession(w)
		rq.expired = true
		return nil
	}
	if err != nil {
		return err
	}
	rq.p, rq.secret = &p, c.Value
	return nil
}

// setSession sets the session cookie. It expires with the session's
// absolute timeout; the idle timeout is enforced by the identity service.
func (s *Server) setSession(w http.ResponseWriter, secret string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", Expires: expires,
		HttpOnly: true, Secure: s.d.Secure, SameSite: http.SameSiteLaxMode})
}

// clearSession deletes the session cookie.
func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.d.Secure, SameSite: http.SameSiteLaxMode})
}
