// Package web is Polex's browser interface: server-rendered html/template
// pages in the four official languages (English, French, Spanish and
// Arabic), with templates, message catalogues and the style sheet embedded
// in the binary. Pages work without JavaScript; the inbox page loads one
// static script (static/inbox.js, served from 'self') for live updates.
//
// Every route passes through one wrapper (safe.go) that sets strict headers
// (a Content-Security-Policy without 'unsafe-inline', nosniff, no framing,
// no referrer), allows only GET, HEAD and POST, resolves the session cookie,
// and refuses any POST that does not carry a valid CSRF token or that comes
// from another origin. Handlers return errors; one function turns them into
// pages (errors.go) and logs only the internal ones.
//
// The package grants nothing itself. Changes go through identity and
// admin, which ask the policy package and write the audit log. The member
// pages and the audit page also ask policy.Decide before anything else and
// record the reads they serve and the requests they refuse; those who may
// not use them get the answer given for a path that does not exist.
package web

import (
	"context"
	"errors"
	"log/slog"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/diffusion"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/screen"
)

// Deps are what the web interface needs from the rest of Polex.
type Deps struct {
	Identity *identity.Service
	Admin    *admin.Service
	// Audit records logins (successful or not), logouts and refused visits
	// to the members pages. Administrative reads and changes, and reads of
	// the audit log, are audited by Admin.
	Audit admin.AuditLog
	// AuditReader reads the audit log for the audit page. When nil, that
	// page is not served (its path answers 404).
	AuditReader AuditReader
	Logger      *slog.Logger // nil discards logs
	// Secure says the interface is served over TLS: cookies get the Secure
	// attribute and responses carry Strict-Transport-Security.
	Secure bool
	// DemoMode shows a banner saying that the second factor is off. It must
	// match the identity service's configuration.
	DemoMode bool

	// The record services; a nil service turns its pages off (404).
	Notify     *notify.Service
	Notices    *notice.Service
	Diffusions *diffusion.Service
	Property   *property.Service
	Screen     *screen.Service
}

// AuditReader reads the audit log (*audit.Log has these methods).
type AuditReader interface {
	// Query returns the entries matching f, ordered by Seq; an Invalid
	// error for a bad filter.
	Query(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
	// LatestCheckpoint returns the newest signed checkpoint; a NotFound
	// error when none was signed yet.
	LatestCheckpoint(ctx context.Context) (audit.Checkpoint, error)
}

// Server serves the browser interface.
type Server struct {
	d      Deps
	log    *slog.Logger
	cat    *catalogues
	tmpl   *templates
	static *assets
	cop    *http.CrossOriginProtection
	mux    *http.ServeMux
	now    func() time.Time

	auditPage  int    // entries per page of the audit page
	csrfCookie string // name of the login form's double-submit cookie
}

// Cookie names.
const (
	sessionCookie = "polex_session"
	langCookie    = "polex_lang"
)

// New returns a Server, or an error when a dependency is missing or an
// embedded template or catalogue is broken.
func New(d Deps) (*Server, error) {
	if d.Identity == nil || d.Admin == nil || d.Audit == nil {
		return nil, errors.New("web: Identity, Admin and Audit are required")
	}
	s := &Server{d: d, log: d.Logger, cop: http.NewCrossOriginProtection(), now: func() time.Time { return time.Now().UTC() },
		auditPage: audit.DefaultLimit}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.csrfCookie = "polex_csrf"
	if d.Secure {
		// The __Host- prefix stops a sibling subdomain from planting the cookie.
		s.csrfCookie = "__Host-polex_csrf"
	}
	var err error
	if s.cat, err = loadCatalogues(); err != nil {
		return nil, err
	}
	if s.static, err = loadAssets(); err != nil {
		return nil, err
	}
	if s.tmpl, err = loadTemplates(s.cat, s.static); err != nil {
		return nil, err
	}
	s.mux = http.NewServeMux()
	for _, rt := range s.routes() {
		if rt.off {
			continue
		}
		s.mux.Handle(rt.pattern, s.wrap(rt))
	}
	return s, nil
}

// Handler returns the handler of every browser route. The application
// mounts it at "/"; it serves no path under /api/, /healthz, /readyz or
// /metrics that the application would serve itself.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// route is one entry of the route table.
type route struct {
	pattern string
	auth    bool  // signed-in users only; others are sent to /login
	static  bool  // an embedded asset: no session, cacheable
	off     bool  // not served: a dependency it needs is missing from Deps
	upload  bool  // a multipart upload: CSRF token in its first part (checkUpload)
	maxForm int64 // the most bytes of a posted form; 0 means maxForm
	h       handler
}

// handler serves one request. An error is turned into a page by fail.
type handler func(w http.ResponseWriter, r *http.Request, rq *request) error

// routes is the table of every browser route.
func (s *Server) routes() []route {
	noAudit := s.d.AuditReader == nil
	rts := []route{
		{pattern: "GET /{$}", auth: true, h: s.home},
		{pattern: "GET /login", h: s.loginForm},
		{pattern: "POST /login", h: s.login},
		{pattern: "POST /logout", auth: true, h: s.logout},
		{pattern: "POST /lang", h: s.setLang},
		{pattern: "GET /users", auth: true, h: s.users},
		{pattern: "GET /users/new", auth: true, h: s.newUserForm},
		{pattern: "POST /users", auth: true, h: s.createUser},
		{pattern: "POST /users/{id}/disable", auth: true, h: s.setDisabled(true)},
		{pattern: "POST /users/{id}/enable", auth: true, h: s.setDisabled(false)},
		{pattern: "GET /members", auth: true, h: s.members},
		{pattern: "GET /members/new", auth: true, h: s.newMemberForm},
		{pattern: "POST /members", auth: true, h: s.admitMember},
		{pattern: "POST /members/{cc}/suspend", auth: true, h: s.setCountryStatus(member.Suspended)},
		{pattern: "POST /members/{cc}/reinstate", auth: true, h: s.setCountryStatus(member.Active)},
		{pattern: "GET /audit", auth: true, off: noAudit, h: s.auditLog},
		{pattern: "GET /static/{name}", static: true, h: s.asset},
		{pattern: "GET /favicon.ico", static: true, h: s.favicon},
	}
	rts = slices.Concat(rts, s.inboxRoutes(), s.noticeRoutes(), s.diffusionRoutes(), s.propertyRoutes(), s.checkRoutes())
	return append(rts, route{pattern: "/", h: s.notFound})
}

// request is what the wrapper learnt about a request.
type request struct {
	p       *identity.Principal // nil when nobody is signed in
	secret  string              // the session cookie's value when p is set
	expired bool                // the request carried a session that has ended
	lang    string
	csrf    string            // the token that forms must carry
	rid     string            // request ID, also in the context for admin's audit entries
	upload  *multipart.Reader // the rest of an upload's body, after checkUpload
}

// notFound answers paths that no route serves: 405 when the path exists
// for another method, 404 otherwise.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request, rq *request) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost} {
		if m == r.Method || r.Method == http.MethodHead && m == http.MethodGet {
			continue
		}
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, pat := s.mux.Handler(r2); pat != "/" && pat != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		if allow[0] == http.MethodGet {
			allow = append(allow, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return s.errorPage(w, r, rq, http.StatusMethodNotAllowed, "error.405.title", "error.405.text")
	}
	return s.errorPage(w, r, rq, http.StatusNotFound, "error.404.title", "error.404.text")
}
