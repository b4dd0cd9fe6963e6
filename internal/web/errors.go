package web

import (
	"net/http"

	"github.com/polex-org/polex/internal/errs"
)

// fail answers a request whose handler returned err. Users see a page in
// their language that names the kind of error, never its internal text;
// internal errors are logged with the request ID shown on the page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	var status int
	var title, text string
	switch errs.KindOf(err) {
	case errs.Unauthenticated:
		s.clearSession(w)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	case errs.NotFound, errs.Private:
		status, title, text = http.StatusNotFound, "error.404.title", "error.404.text"
	case errs.Permission:
		status, title, text = http.StatusForbidden, "error.403.title", "error.403.text"
	case errs.Invalid:
		status, title, text = http.StatusBadRequest, "error.400.title", "error.400.text"
	case errs.Conflict:
		status, title, text = http.StatusConflict, "error.409.title", "error.409.text"
	case errs.TooMany:
		status, title, text = http.StatusTooManyRequests, "error.429.title", "error.429.text"
	case errs.Unavailable:
		s.log.Warn("web: unavailable", "err", err.Error(), "path", r.URL.Path, "request_id", rq.rid)
		status, title, text = http.StatusServiceUnavailable, "error.503.title", "error.503.text"
	default:
		s.log.Error("web: internal error", "err", err.Error(), "path", r.URL.Path, "request_id", rq.rid)
		status, title, text = http.StatusInternalServerError, "error.500.title", "error.500.text"
	}
	if err := s.errorPage(w, r, rq, status, title, text); err != nil {
		s.log.Error("web: error page", "err", err.Error(), "request_id", rq.rid)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
	}
}

// errorData is the content of the error page.
type errorData struct {
	Status int
	Text   string // catalogue key
}

// errorPage renders the error page with status and the texts of two
// catalogue keys. The page does not depend on the path asked for (its
// language picker returns home), so that a page refused as "not found"
// reads exactly like a path that does not exist.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, rq *request, status int, title, text string) error {
	v := s.newView(r, rq, title, errorData{Status: status, Text: text})
	v.Path = "/"
	return s.render(w, status, "error", v)
}

// knownMessages maps the safe messages (errs.Message) of the identity and
// admin services to catalogue keys, so that users read them in their
// language.
var knownMessages = map[string]string{
	"wrong username, password or code":                        "err.login.bad",
	"account locked after repeated failures; try again later": "err.login.locked",
	"machine accounts sign in with API tokens":                "err.login.machine",
	"account disabled":                                        "err.login.disabled",
	"organisation disabled":                                   "err.login.org_disabled",
	"member country suspended":                                "err.login.suspended",
	"session expired; please sign in again":                   "err.session_expired",
	"username must have 3 to 64 characters":                   "err.username.length",
	"username may hold only a-z, 0-9, '.', '-' and '_'":       "err.username.chars",
	"display_name must have 1 to 200 characters":              "err.display_name.length",
	"display_name must not contain control characters":        "err.display_name.control",
	"password must have at least 12 characters":               "err.password.short",
	"password must have at most 1024 bytes":                   "err.password.long",
	"password must be valid UTF-8":                            "err.password.utf8",
	"a user needs at least one role":                          "err.roles.none",
	"you cannot disable your own account":                     "err.disable_self",
	"nothing to change":                                       "err.nothing",
}

// fieldMessages gives, per kind and field, the catalogue key of errors
// whose messages carry values (and so are not in knownMessages).
var fieldMessages = map[errs.Kind]map[string]string{
	errs.Invalid: {
		"username":     "err.username.chars",
		"display_name": "err.display_name.length",
		"org":          "err.org",
		"roles":        "err.roles.bad",
		"clearance":    "err.clearance",
		"language":     "err.language",
		"password":     "err.password.short",
		"alpha2":       "err.alpha2",
		"alpha3":       "err.alpha3",
		"name":         "err.country_name",
		"region":       "err.region",
		"ncb_name":     "err.ncb_name",
	},
	errs.Conflict: {"username": "err.username.taken", "alpha2": "err.alpha2.taken"},
}

// kindMessages are the generic texts of each kind.
var kindMessages = map[errs.Kind]string{
	errs.Invalid:         "err.kind.invalid",
	errs.NotFound:        "err.kind.not_found",
	errs.Private:         "err.kind.not_found",
	errs.Permission:      "err.kind.permission",
	errs.Conflict:        "err.kind.conflict",
	errs.Unavailable:     "err.kind.unavailable",
	errs.Unauthenticated: "err.kind.unauthenticated",
	errs.TooMany:         "err.kind.too_many",
}

// errText returns what a user is told about err, in lang: the translation
// of its safe message when there is one, else a text for its field and
// kind; never internal text.
func (s *Server) errText(lang string, err error) string {
	if key, ok := knownMessages[errs.Message(err)]; ok {
		return s.cat.T(lang, key)
	}
	k := errs.KindOf(err)
	if key, ok := fieldMessages[k][errs.FieldOf(err)]; ok {
		return s.cat.T(lang, key)
	}
	if lang == "en" && k != errs.Internal {
		return errs.Message(err)
	}
	if key, ok := kindMessages[k]; ok {
		return s.cat.T(lang, key)
	}
	return s.cat.T(lang, "err.kind.internal")
}
