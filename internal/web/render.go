package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/policy"
)

//go:embed templates/*.html
var templateFS embed.FS

// templates holds every page, parsed with the shared layout, once per
// language.
type templates struct {
	byPage map[string]map[string]*template.Template // page name → language → template
}

// pageFiles lists the pages; each is templates/<name>.html, parsed with
// templates/layout.html.
func pageFiles() ([]string, error) {
	ms, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, m := range ms {
		if n := strings.TrimSuffix(path.Base(m), ".html"); n != "layout" {
			out = append(out, n)
		}
	}
	return out, nil
}

// parsePage parses one page with the layout. The function "t" translates
// a catalogue key; it is bound to a language by loadTemplates.
func parsePage(name string, t func(string, ...any) string, funcs template.FuncMap) (*template.Template, error) {
	fm := template.FuncMap{"t": t}
	for k, v := range funcs {
		fm[k] = v
	}
	return template.New(name).Funcs(fm).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
}

// loadTemplates parses every page in every language.
func loadTemplates(cat *catalogues, st *assets) (*templates, error) {
	names, err := pageFiles()
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	funcs := template.FuncMap{"asset": st.url}
	ts := &templates{byPage: map[string]map[string]*template.Template{}}
	for _, n := range names {
		ts.byPage[n] = map[string]*template.Template{}
		for _, l := range languages {
			tt, err := parsePage(n, func(key string, args ...any) string { return cat.T(l, key, args...) }, funcs)
			if err != nil {
				return nil, fmt.Errorf("web: template %s: %w", n, err)
			}
			ts.byPage[n][l] = tt
		}
	}
	return ts, nil
}

// view is what the layout shows around every page.
type view struct {
	Lang    string
	Dir     string // "rtl" or "ltr"
	Title   string // catalogue key of the page title
	User    *userView
	CSRF    string
	Path    string // the page's path and query, where the language picker returns
	Demo    bool
	Langs   []langView
	Nav     []navItem
	Data    any
	Request string // request ID, shown on error pages
}

type userView struct {
	ID          string
	Username    string
	DisplayName string
	Org         string
	Country     string // localised name, "" for international bodies
	Roles       []identity.Role
	Clearance   string
}

type langView struct {
	Code, Name string
	Current    bool
}

type navItem struct {
	Key, Href string
	Current   bool
}

// langNames are the languages' names in themselves.
var langNames = map[string]string{"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}

// newView returns the layout's view of a request.
func (s *Server) newView(r *http.Request, rq *request, title string, data any) *view {
	v := &view{Lang: rq.lang, Dir: "ltr", Title: title, CSRF: rq.csrf, Path: r.URL.RequestURI(),
		Demo: s.d.DemoMode, Data: data, Request: rq.rid}
	if rtl(rq.lang) {
		v.Dir = "rtl"
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		// A posted page cannot be fetched again: the language picker
		// returns home unless the handler names a better page.
		v.Path = "/"
	}
	for _, l := range languages {
		v.Langs = append(v.Langs, langView{Code: l, Name: langNames[l], Current: l == rq.lang})
	}
	if p := rq.p; p != nil {
		u := p.User
		v.User = &userView{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Org: u.Org,
			Roles: u.Roles, Clearance: u.Clearance.String()}
		if u.Country != "" {
			v.User.Country = countryName(rq.lang, u.Country)
		}
		v.Nav = append(v.Nav, navItem{Key: "nav.home", Href: "/", Current: r.URL.Path == "/"})
		if s.d.Notify != nil {
			v.Nav = append(v.Nav, navItem{Key: "nav.inbox", Href: "/inbox", Current: r.URL.Path == "/inbox"})
		}
		if s.d.Diffusions != nil {
			if tabs := difTabs(*p, ""); len(tabs) > 0 {
				v.Nav = append(v.Nav, navItem{Key: "nav.diffusions", Href: tabs[0].Href, Current: strings.HasPrefix(r.URL.Path, "/diffusions")})
			}
		}
		if s.d.Screen != nil && canCheck(*p) {
			v.Nav = append(v.Nav, navItem{Key: "nav.checks", Href: "/checks", Current: strings.HasPrefix(r.URL.Path, "/checks")})
		}
		if s.d.Screen != nil && canSeeHits(*p) {
			v.Nav = append(v.Nav, navItem{Key: "nav.hits", Href: "/hits", Current: strings.HasPrefix(r.URL.Path, "/hits")})
		}
		if canAdminister(*p) {
			v.Nav = append(v.Nav, navItem{Key: "nav.users", Href: "/users", Current: strings.HasPrefix(r.URL.Path, "/users")})
		}
		if canManageMembers(*p) {
			v.Nav = append(v.Nav, navItem{Key: "nav.members", Href: "/members", Current: strings.HasPrefix(r.URL.Path, "/members")})
		}
		if s.d.Property != nil && canUseProperty(*p) {
			v.Nav = append(v.Nav, navItem{Key: "nav.property", Href: "/property", Current: strings.HasPrefix(r.URL.Path, "/property") || strings.HasPrefix(r.URL.Path, "/imports")})
		}
		if s.d.AuditReader != nil && canReadAudit(*p) {
			v.Nav = append(v.Nav, navItem{Key: "nav.audit", Href: "/audit", Current: r.URL.Path == "/audit"})
		}
	}
	return v
}

// canAdminister reports whether p administers users: of its own country
// (an NCB administrator) or of every organisation (a system
// administrator). It only decides what the navigation shows; admin
// decides again on every request.
func canAdminister(p identity.Principal) bool {
	sub := policy.SubjectOf(p)
	if p.User.Country != "" && policy.Decide(sub, policy.ActionAdminister, policy.Resource{Kind: policy.KindUser, Owner: p.User.Country}).Allowed() {
		return true
	}
	return policy.Decide(sub, policy.ActionAdminister, policy.Resource{Kind: policy.KindUser}).Allowed()
}

// render writes page name with status. The page is executed into a buffer
// first, so that a template error becomes a clean error page.
func (s *Server) render(w http.ResponseWriter, status int, name string, v *view) error {
	t := s.tmpl.byPage[name][v.Lang]
	if t == nil {
		return fmt.Errorf("web: no page %q in %q", name, v.Lang)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", v.Lang)
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes()) // a failure means the client went away
	return nil
}
