package app

import (
	"context"
	"time"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
)

// DemoPassword is the password of every demo user. Demo mode only.
const DemoPassword = "polex-demo-password"

// DemoLogin is one demo user, printed for the newcomer.
type DemoLogin struct {
	Username string
	Roles    []identity.Role
	Org      string
	Token    string // API token, for machine users
}

var demoAgencies = []member.Org{
	{ID: "fr-pj", Name: "Police judiciaire", Country: "FR"},
	{ID: "fr-paf", Name: "Police aux frontières", Country: "FR"},
	{ID: "ke-dci", Name: "Directorate of Criminal Investigations", Country: "KE"},
	{ID: "br-pf", Name: "Polícia Federal", Country: "BR"},
	{ID: "jp-npa", Name: "National Police Agency", Country: "JP"},
	{ID: "ae-moi", Name: "Ministry of Interior", Country: "AE"},
}

var demoUsers = []struct {
	username, name, org string
	roles               []identity.Role
	clearance           identity.Classification
	lang                string
}{
	{"admin", "Sam Sysadmin", "gs", []identity.Role{identity.Sysadmin}, identity.Confidential, "en"},
	{"reviewer", "Grace Reviewer", "gs", []identity.Role{identity.GSReviewer}, identity.Confidential, "en"},
	{"gs.cyber", "Chen Cyber", "gs", []identity.Role{identity.CyberExpert}, identity.Restricted, "en"},
	{"auditor", "Olga Oversight", "ccf", []identity.Role{identity.Auditor}, identity.Confidential, "fr"},
	{"fr.admin", "Claire Admin", "ncb-fr", []identity.Role{identity.NCBAdmin, identity.Officer}, identity.Confidential, "fr"},
	{"fr.officer", "Luc Officier", "fr-pj", []identity.Role{identity.Officer}, identity.Restricted, "fr"},
	{"fr.cyber", "Inès Cyber", "ncb-fr", []identity.Role{identity.CyberExpert}, identity.Restricted, "fr"},
	{"fr.border", "Calais border system", "fr-paf", []identity.Role{identity.BorderSystem}, identity.Official, "fr"},
	{"ke.admin", "Wanjiru Admin", "ncb-ke", []identity.Role{identity.NCBAdmin}, identity.Confidential, "en"},
	{"ke.officer", "Otieno Officer", "ke-dci", []identity.Role{identity.Officer}, identity.Restricted, "en"},
	{"br.officer", "Ana Oficial", "br-pf", []identity.Role{identity.Officer}, identity.Restricted, "es"},
	{"jp.officer", "Sato Officer", "jp-npa", []identity.Role{identity.Officer}, identity.Official, "en"},
	{"ae.officer", "Layla Officer", "ae-moi", []identity.Role{identity.Officer}, identity.Restricted, "ar"},
	{"ae.admin", "Omar Admin", "ncb-ae", []identity.Role{identity.NCBAdmin}, identity.Confidential, "ar"},
}

// SeedDemo adds the demo world: agencies and users of every role in several
// countries, all with DemoPassword, and an API token for the border system.
// Users that exist already are left as they are (their token is not shown
// again), so running the demo twice keeps its data.
func (a *App) SeedDemo(ctx context.Context) ([]DemoLogin, error) {
	const op = "app.SeedDemo"
	sys := System("demo")
	for _, o := range demoAgencies {
		if _, err := a.Admin.CreateAgency(ctx, sys, o); err != nil && !errs.Is(errs.Conflict, err) {
			return nil, errs.E(op, err)
		}
	}
	var out []DemoLogin
	for _, du := range demoUsers {
		l := DemoLogin{Username: du.username, Roles: du.roles, Org: du.org}
		c, err := a.Admin.CreateUser(ctx, sys, admin.NewUser{Username: du.username, DisplayName: du.name, Org: du.org,
			Roles: du.roles, Clearance: du.clearance, Password: DemoPassword, Language: du.lang})
		switch {
		case errs.Is(errs.Conflict, err):
		case err != nil:
			return nil, errs.E(op, err)
		case len(du.roles) == 1 && du.roles[0] == identity.BorderSystem:
			secret, _, err := a.Admin.IssueToken(ctx, sys, c.User.ID, "demo border post", []string{"read", "search", "check"}, 90*24*time.Hour)
			if err != nil {
				return nil, errs.E(op, err)
			}
			l.Token = secret
		}
		out = append(out, l)
	}
	for _, seed := range []func(context.Context) error{a.seedDemoProperty, a.seedDemoNotices, a.seedDemoDiffusions} {
		if err := seed(ctx); err != nil {
			return nil, errs.E(op, err)
		}
	}
	return out, nil
}

// demoPrincipal returns the principal of the demo user username, for
// seeding records as that user.
func (a *App) demoPrincipal(ctx context.Context, username string) (identity.Principal, error) {
	u, err := a.DB.UserByName(ctx, username)
	if err != nil {
		return identity.Principal{}, err
	}
	return a.Identity.Principal(ctx, u.ID, "demo")
}
