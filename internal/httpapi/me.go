package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/polex-org/polex/internal/identity"
)

func jsonEncode(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

// UserView is a user as the API shows it: never its password hash or TOTP secret.
type UserView struct {
	ID           string          `json:"id"`
	Username     string          `json:"username"`
	DisplayName  string          `json:"display_name"`
	Org          string          `json:"org"`
	Country      string          `json:"country,omitempty"`
	Roles        []identity.Role `json:"roles"`
	Clearance    string          `json:"clearance" enum:"public,official,restricted,confidential"`
	Disabled     bool            `json:"disabled"`
	Language     string          `json:"language"`
	SecondFactor bool            `json:"second_factor" doc:"Whether a TOTP second factor is enrolled."`
}

func viewUser(u identity.User) UserView {
	return UserView{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Org: u.Org, Country: u.Country,
		Roles: u.Roles, Clearance: u.Clearance.String(), Disabled: u.Disabled, Language: u.Language, SecondFactor: u.TOTPSecret != ""}
}

// MeOutput is the caller's identity.
type MeOutput struct {
	Body struct {
		User    UserView `json:"user"`
		OrgKind string   `json:"org_kind"`
		Region  string   `json:"region,omitempty"`
		Via     string   `json:"via" enum:"token,mtls,session,cli"`
		Scopes  []string `json:"scopes,omitempty"`
	}
}

func (a *API) registerMe() {
	huma.Register(a.api, huma.Operation{OperationID: "get-me", Method: http.MethodGet, Path: "/me",
		Summary: "Who am I", Description: "Returns the authenticated caller, its organisation and token scopes.", Tags: []string{"Identity"}},
		func(ctx context.Context, _ *struct{}) (*MeOutput, error) {
			p, err := a.caller(ctx, "read")
			if err != nil {
				return nil, err
			}
			out := &MeOutput{}
			out.Body.User, out.Body.OrgKind, out.Body.Region, out.Body.Via, out.Body.Scopes = viewUser(p.User), p.OrgKind, p.Region, p.Via, p.TokenScopes
			return out, nil
		})
}
