package web

import (
	"net/http"

	"github.com/polex-org/polex/internal/identity"
)

// homeItem is one thing a role can do, as shown on the home page.
type homeItem struct {
	Key  string // catalogue key
	Href string // a page that exists; "" while the feature is still to come
	Note bool   // a statement, not a feature
}

// homeItems lists, per role, what the home page offers. It is never
// modified. Later issues give the items links as their pages land.
var homeItems = map[identity.Role][]homeItem{
	identity.NCBAdmin: {
		{Key: "home.ncb-admin.users", Href: "/users"},
		{Key: "home.ncb-admin.create", Href: "/users/new"},
		{Key: "home.ncb-admin.disable", Href: "/users"},
	},
	identity.Officer: {
		{Key: "home.officer.search"},
		{Key: "home.officer.draft", Href: "/notices/new"},
		{Key: "home.officer.hits", Href: "/hits"},
	},
	identity.BorderSystem: {
		{Key: "home.border-system.api", Note: true},
	},
	identity.GSReviewer: {
		{Key: "home.gs-reviewer.review", Href: "/notices/review"},
		{Key: "home.gs-reviewer.decide"},
	},
	identity.CyberExpert: {
		{Key: "home.cyber-expert.preserve"},
		{Key: "home.cyber-expert.share"},
		{Key: "home.cyber-expert.parties"},
	},
	identity.Auditor: {
		{Key: "home.auditor.log", Href: "/audit"},
		{Key: "home.auditor.records"},
	},
	identity.Sysadmin: {
		{Key: "home.sysadmin.users", Href: "/users"},
		{Key: "home.sysadmin.create", Href: "/users/new"},
		{Key: "home.sysadmin.members", Href: "/members"},
		{Key: "home.sysadmin.audit", Href: "/audit"},
		{Key: "home.sysadmin.content", Note: true},
	},
}

// homeSection is the part of the home page for one role.
type homeSection struct {
	Role  identity.Role
	Items []homeItem
}

// homeData is the content of the home page.
type homeData struct {
	Sections []homeSection
}

// home shows the signed-in user's dashboard: one section per role held, in
// the order of identity.Roles.
func (s *Server) home(w http.ResponseWriter, r *http.Request, rq *request) error {
	var d homeData
	for _, role := range identity.Roles {
		if !rq.p.User.HasRole(role) {
			continue
		}
		sec := homeSection{Role: role}
		for _, it := range homeItems[role] {
			if it.Href == "/audit" && s.d.AuditReader == nil {
				it.Href = "" // not served: shown as still to come
			}
			sec.Items = append(sec.Items, it)
		}
		d.Sections = append(d.Sections, sec)
	}
	return s.render(w, http.StatusOK, "home", s.newView(r, rq, "home.title", d))
}
