package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
)

// sub dispatches "polex NAME VERB ..." to a table of verbs.
func sub(ctx context.Context, env *Env, name string, args []string, verbs map[string]func(context.Context, *Env, []string) error, order []string) error {
	if len(args) == 0 || verbs[args[0]] == nil {
		return usagef("usage: polex %s %s ... (-h for help on each)", name, strings.Join(order, "|"))
	}
	return verbs[args[0]](ctx, env, args[1:])
}

func runUser(ctx context.Context, env *Env, args []string) error {
	return sub(ctx, env, "user", args, map[string]func(context.Context, *Env, []string) error{
		"create": userCreate, "list": userList, "token": userToken,
		"disable":  userUpdate("disable", setDisabled(true), "disabled; its sessions are ended"),
		"enable":   userUpdate("enable", setDisabled(false), "enabled"),
		"password": userUpdate("password", newPassword, "password changed"),
	}, []string{"create", "list", "disable", "enable", "token", "password"})
}

// withApp opens the app, runs fn as the local operator and closes it.
func withApp(ctx context.Context, env *Env, fn func(a *app.App, p identity.Principal) error) error {
	a, err := env.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	return fn(a, app.System(osUser(env.Getenv)))
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func userCreate(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("user create")
	var in admin.NewUser
	var roles, clearance string
	fs.StringVar(&in.Username, "username", "", "username (a-z 0-9 . - _)")
	fs.StringVar(&in.DisplayName, "name", "", "display name")
	fs.StringVar(&in.Org, "org", "", "organisation ID, e.g. ncb-fr")
	fs.StringVar(&roles, "roles", "", "comma-separated roles: "+rolesList())
	fs.StringVar(&clearance, "clearance", "official", "clearance: public, official, restricted, confidential")
	fs.StringVar(&in.Language, "lang", "en", "language: en, fr, es, ar")
	if err := parse(fs, args); err != nil {
		return err
	}
	if in.Username == "" || in.Org == "" || roles == "" {
		return usagef("--username, --org and --roles are required")
	}
	if in.DisplayName == "" {
		in.DisplayName = in.Username
	}
	cl, ok := identity.ParseClassification(clearance)
	if !ok {
		return usagef("--clearance must be public, official, restricted or confidential")
	}
	in.Clearance = cl
	for _, r := range splitList(roles) {
		in.Roles = append(in.Roles, identity.Role(r))
	}
	pw, err := readSecret(env, "password")
	if err != nil {
		return err
	}
	in.Password = pw
	return withApp(ctx, env, func(a *app.App, p identity.Principal) error {
		c, err := a.Admin.CreateUser(ctx, p, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "created user %s (%s) in %s\n", c.User.Username, c.User.ID, c.User.Org)
		if c.TOTPSecret != "" {
			fmt.Fprintf(env.Stdout, "TOTP secret (shown once): %s\nenrolment URL: %s\n", c.TOTPSecret, c.TOTPURL)
		}
		return nil
	})
}

// readSecret reads one line from standard input: secrets never go on the
// command line, where other users of the machine could read them.
func readSecret(env *Env, what string) (string, error) {
	fmt.Fprintf(env.Stderr, "%s (read from standard input): ", what)
	var b strings.Builder
	buf := make([]byte, 1)
	for b.Len() <= 1024 {
		n, err := env.Stdin.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				break
			}
			b.WriteByte(buf[0])
		}
		if err != nil {
			break
		}
	}
	fmt.Fprintln(env.Stderr)
	s := strings.TrimRight(b.String(), "\r")
	if s == "" {
		return "", usagef("no %s on standard input", what)
	}
	return s, nil
}

func rolesList() string {
	rs := make([]string, len(identity.Roles))
	for i, r := range identity.Roles {
		rs[i] = string(r)
	}
	return strings.Join(rs, ", ")
}

func userList(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("user list")
	country := fs.String("country", "", "only users of this country (alpha-2)")
	if err := parse(fs, args); err != nil {
		return err
	}
	return withApp(ctx, env, func(a *app.App, p identity.Principal) error {
		us, err := a.Admin.Users(ctx, p)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tID\tORG\tROLES\tCLEARANCE\tSTATUS")
		for _, u := range us {
			if *country != "" && !strings.EqualFold(u.Country, *country) {
				continue
			}
			st := "active"
			if u.Disabled {
				st = "disabled"
			}
			roles := make([]string, len(u.Roles))
			for i, r := range u.Roles {
				roles[i] = string(r)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.ID, u.Org, strings.Join(roles, ","), u.Clearance, st)
		}
		return tw.Flush()
	})
}

// userByName resolves a username for CLI verbs.
func userByName(ctx context.Context, a *app.App, name string) (identity.User, error) {
	return a.DB.UserByName(ctx, strings.ToLower(name))
}

// userUpdate returns the verb that changes one user, named by username,
// with the change that change builds; done says what happened.
func userUpdate(verb string, change func(env *Env) (admin.Update, error), done string) func(context.Context, *Env, []string) error {
	return func(ctx context.Context, env *Env, args []string) error {
		fs := env.flags("user " + verb)
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return usagef("name one username")
		}
		up, err := change(env)
		if err != nil {
			return err
		}
		return withApp(ctx, env, func(a *app.App, p identity.Principal) error {
			u, err := userByName(ctx, a, fs.Arg(0))
			if err != nil {
				return err
			}
			if _, err := a.Admin.UpdateUser(ctx, p, u.ID, up); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s: %s\n", u.Username, done)
			return nil
		})
	}
}

func setDisabled(v bool) func(*Env) (admin.Update, error) {
	return func(*Env) (admin.Update, error) { return admin.Update{Disabled: &v}, nil }
}

func newPassword(env *Env) (admin.Update, error) {
	pw, err := readSecret(env, "new password")
	return admin.Update{Password: &pw}, err
}

func userToken(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("user token")
	name := fs.String("name", "", "what the token is for")
	scopes := fs.String("scopes", "read,search,check", "comma-separated scopes: "+strings.Join(identity.Scopes, ", "))
	days := fs.Int("days", 90, "lifetime in days")
	revoke := fs.String("revoke", "", "revoke the token with this ID instead")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("name one username")
	}
	return withApp(ctx, env, func(a *app.App, p identity.Principal) error {
		u, err := userByName(ctx, a, fs.Arg(0))
		if err != nil {
			return err
		}
		if *revoke != "" {
			if err := a.Admin.RevokeToken(ctx, p, u.ID, *revoke); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "token %s revoked\n", *revoke)
			return nil
		}
		secret, t, err := a.Admin.IssueToken(ctx, p, u.ID, *name, splitList(*scopes), time.Duration(*days)*24*time.Hour)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "token %s for %s, scopes %s, expires %s\n%s\n", t.ID, u.Username, strings.Join(t.Scopes, ","), t.ExpiresAt.Format(time.RFC3339), secret)
		return nil
	})
}

func runOrg(ctx context.Context, env *Env, args []string) error {
	return sub(ctx, env, "org", args, map[string]func(context.Context, *Env, []string) error{
		"list": orgList, "countries": orgCountries, "agency": orgAgency, "admit": orgAdmit,
		"suspend": orgStatus(member.Suspended), "reinstate": orgStatus(member.Active),
	}, []string{"list", "countries", "agency", "admit", "suspend", "reinstate"})
}

func orgList(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("org list")
	country := fs.String("country", "", "only this country's organisations (alpha-2)")
	if err := parse(fs, args); err != nil {
		return err
	}
	return withApp(ctx, env, func(a *app.App, p identity.Principal) error {
		os, err := a.DB.Orgs(ctx, strings.ToUpper(*country))
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKIND\tCOUNTRY\tPARENT\tNAME")
		for _, o := range os {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.ID, o.Kind, o.Country, o.Parent, o.Name)
		}
		return tw.Flush()
	})
}

func orgCountries(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("org countries")
	if err := parse(fs, args); err != nil {
		return err
	}
	return withApp(ctx, env, func(a *app.App, p identity.Principal) error {
		cs, err := a.DB.Countries(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "A2\tA3\tREGION\tSTATUS\tNAME")
		for _, c := range cs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Alpha2, c.Alpha3, c.Region, c.Status, c.Name)
		}
		fmt.Fprintf(tw, "\n%d member countries\n", len(cs))
		return tw.Flush()
	})
}

func orgAgency(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("org agency")
	var o member.Org
	fs.StringVar(&o.ID, "id", "", "organisation ID, e.g. fr-pj")
	fs.StringVar(&o.Name, "name", "", "name")
	fs.StringVar(&o.Country, "country", "", "country (alpha-2); the agency sits under its NCB")
	if err := parse(fs, args); err != nil {
		return err
	}
	o.Country = strings.ToUpper(o.Country)
	return withApp(ctx, env, func(a *app.App, p identity.Principal) error {
		o, err := a.Admin.CreateAgency(ctx, p, o)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "created agency %s under %s\n", o.ID, o.Parent)
		return nil
	})
}

func orgAdmit(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("org admit")
	var c member.Country
	var region string
	fs.StringVar(&c.Alpha2, "alpha2", "", "ISO 3166-1 alpha-2 code")
	fs.StringVar(&c.Alpha3, "alpha3", "", "ISO 3166-1 alpha-3 code")
	fs.StringVar(&c.Name, "name", "", "English short name")
	fs.StringVar(&region, "region", "", "region: africa, americas, asia-south-pacific, europe, middle-east-north-africa")
	ncb := fs.String("ncb-name", "", "name of its National Central Bureau")
	if err := parse(fs, args); err != nil {
		return err
	}
	c.Alpha2, c.Alpha3, c.Region = strings.ToUpper(c.Alpha2), strings.ToUpper(c.Alpha3), member.Region(region)
	return withApp(ctx, env, func(a *app.App, p identity.Principal) error {
		if err := a.Admin.AdmitCountry(ctx, p, c, *ncb); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "admitted %s (%s) with %s\n", c.Name, c.Alpha2, member.NCBID(c.Alpha2))
		return nil
	})
}

func orgStatus(st member.Status) func(context.Context, *Env, []string) error {
	return func(ctx context.Context, env *Env, args []string) error {
		fs := env.flags("org " + string(st))
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return usagef("name one country (alpha-2)")
		}
		return withApp(ctx, env, func(a *app.App, p identity.Principal) error {
			if err := a.Admin.SetCountryStatus(ctx, p, fs.Arg(0), st); err != nil {
				return err
			}
			fmt.Fprintf(env.Stdout, "%s is now %s\n", strings.ToUpper(fs.Arg(0)), st)
			return nil
		})
	}
}
