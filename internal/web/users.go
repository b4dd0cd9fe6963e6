package web

import (
	"bytes"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"slices"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/policy"
)

// usersData is the content of the users page.
type usersData struct {
	Scope string // translated: whose users these are
	Users []userRow
	Error string // translated; set when an action failed
}

type userRow struct {
	ID, Username, DisplayName, Org, Clearance, Language, LanguageName string
	Roles                                                             []identity.Role
	Disabled, Self                                                    bool
}

// users lists the users the signed-in administrator administers. Others
// get the answer given for a page that does not exist.
func (s *Server) users(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.renderUsers(w, r, rq, http.StatusOK, "")
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, rq *request, status int, msg string) error {
	us, err := s.d.Admin.Users(r.Context(), *rq.p)
	if err != nil {
		return err
	}
	d := usersData{Error: msg, Scope: s.cat.T(rq.lang, "users.scope.all")}
	if c := rq.p.User.Country; c != "" {
		d.Scope = s.cat.T(rq.lang, "users.scope.country", countryName(rq.lang, c))
	}
	for _, u := range us {
		d.Users = append(d.Users, userRow{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Org: u.Org,
			Clearance: u.Clearance.String(), Language: u.Language, LanguageName: langNames[u.Language], Roles: u.Roles, Disabled: u.Disabled, Self: u.ID == rq.p.User.ID})
	}
	v := s.newView(r, rq, "users.title", d)
	v.Path = "/users"
	return s.render(w, status, "users", v)
}

// setDisabled returns the handler that disables (or enables) a user.
func (s *Server) setDisabled(disabled bool) handler {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		_, err := s.d.Admin.UpdateUser(r.Context(), *rq.p, r.PathValue("id"), admin.Update{Disabled: &disabled})
		if errs.Is(errs.Invalid, err) {
			return s.renderUsers(w, r, rq, http.StatusBadRequest, s.errText(rq.lang, err))
		}
		if err != nil {
			return err
		}
		http.Redirect(w, r, "/users", http.StatusSeeOther)
		return nil
	}
}

// userForm is the content of the new-user page: the values entered, the
// choices offered and the error, if any.
type userForm struct {
	Username, DisplayName, Org, Clearance, Language string
	Roles                                           []identity.Role // checked
	Orgs                                            []member.Org
	RoleChoices                                     []identity.Role
	Clearances                                      []string
	Languages                                       []langView
	formError
}

// Checked reports whether role r is checked.
func (f userForm) Checked(r identity.Role) bool { return slices.Contains(f.Roles, r) }

// formError is what a refused form shows: the field at fault and why.
type formError struct {
	Field    string // the field at fault
	FieldKey string // catalogue key of its label, "" when it has none
	Error    string // translated
}

// fieldRef is a field of a form, for the template "fielderr" that shows
// its error.
type fieldRef struct {
	formError
	Name string
}

// For returns the field named name.
func (e formError) For(name string) fieldRef { return fieldRef{formError: e, Name: name} }

// formFields are the fields of the new-user form, with their labels.
var formFields = map[string]string{
	"username":     "field.username",
	"display_name": "field.display_name",
	"org":          "field.org",
	"roles":        "field.roles",
	"clearance":    "field.clearance",
	"password":     "field.password",
	"language":     "field.language",
}

// newUserForm shows the form that creates a user.
func (s *Server) newUserForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := userForm{Clearance: identity.Official.String(), Language: rq.lang}
	if rq.p.User.Country != "" {
		f.Org = rq.p.User.Org
	}
	return s.renderUserForm(w, r, rq, http.StatusOK, f)
}

func (s *Server) renderUserForm(w http.ResponseWriter, r *http.Request, rq *request, status int, f userForm) error {
	orgs, err := s.d.Admin.Orgs(r.Context(), *rq.p)
	if err != nil {
		return err
	}
	f.Orgs = orgs
	for _, role := range identity.Roles {
		if slices.ContainsFunc(orgs, func(o member.Org) bool { return policy.RoleFits(role, o.Kind) }) {
			f.RoleChoices = append(f.RoleChoices, role)
		}
	}
	for c := identity.Public; c <= identity.Confidential; c++ {
		f.Clearances = append(f.Clearances, c.String())
	}
	for _, l := range languages {
		f.Languages = append(f.Languages, langView{Code: l, Name: langNames[l], Current: l == f.Language})
	}
	v := s.newView(r, rq, "users.new.title", f)
	v.Path = "/users/new"
	return s.render(w, status, "user_new", v)
}

// createdData is the content of the page shown once a user is created.
type createdData struct {
	Username, DisplayName string
	TOTPSecret, TOTPURL   string
	QR                    template.URL // a data: URL of the QR code of TOTPURL
}

// createUser creates a user from the form. A refused input shows the form
// again with the values entered (never the password) and the field at
// fault; success shows the second-factor secret, this once.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request, rq *request) error {
	pf := r.PostForm
	f := userForm{
		Username:    strings.TrimSpace(pf.Get("username")),
		DisplayName: strings.TrimSpace(pf.Get("display_name")),
		Org:         pf.Get("org"),
		Clearance:   pf.Get("clearance"),
		Language:    pf.Get("language"),
	}
	for _, v := range pf["roles"] {
		f.Roles = append(f.Roles, identity.Role(v))
	}
	in := admin.NewUser{Username: f.Username, DisplayName: f.DisplayName, Org: f.Org, Roles: f.Roles,
		Password: pf.Get("password"), Language: f.Language}
	var err error
	if c, ok := identity.ParseClassification(f.Clearance); ok {
		in.Clearance = c
	} else {
		err = errs.Invalidf("web.createUser", "clearance", "unknown clearance level")
	}
	var out admin.Created
	if err == nil {
		out, err = s.d.Admin.CreateUser(r.Context(), *rq.p, in)
	}
	if k := errs.KindOf(err); k == errs.Invalid || k == errs.Conflict {
		f.Field, f.Error = errs.FieldOf(err), s.errText(rq.lang, err)
		f.FieldKey = formFields[f.Field]
		status := http.StatusBadRequest
		if k == errs.Conflict {
			status = http.StatusConflict
		}
		return s.renderUserForm(w, r, rq, status, f)
	}
	if err != nil {
		return err
	}
	d := createdData{Username: out.User.Username, DisplayName: out.User.DisplayName, TOTPSecret: out.TOTPSecret, TOTPURL: out.TOTPURL}
	if out.TOTPURL != "" {
		if d.QR, err = qrDataURL(out.TOTPURL); err != nil {
			// The secret and URL are still shown: log and carry on.
			s.log.Warn("web: QR code", "err", err.Error(), "request_id", rq.rid)
		}
	}
	return s.render(w, http.StatusCreated, "user_created", s.newView(r, rq, "users.created.title", d))
}

// qrDataURL returns a data: URL of a PNG QR code of text. The CSP allows
// data: images, and the URL is built here, never from input.
func qrDataURL(text string) (template.URL, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", err
	}
	if code, err = barcode.Scale(code, 200, 200); err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, code); err != nil {
		return "", err
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())), nil
}
